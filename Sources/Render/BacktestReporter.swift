import FailmixSupport
import FailmixGate
import FailmixRecords
import FoundationEssentials

/// `failmix backtest`: the store replayed through each policy.
public struct BacktestReport: Sendable {
    public var sessions: Int
    /// Session ids in replay order, per policy (policies may count
    /// different populations); onsets are shown by them.
    public var sessionIDs: [[String]]
    public var results: [Backtest]

    public init(sessions: Int, sessionIDs: [[String]], results: [Backtest]) {
        self.sessions = sessions
        self.sessionIDs = sessionIDs
        self.results = results
    }
}

/// The backtest in text, Markdown and JSON. Session ids come from records
/// and rule names from configuration: escaped for each sink.
public enum BacktestReporter {
    public static let formats = ["text", "markdown", "json"]

    public static func render(_ report: BacktestReport, format: String) -> String {
        switch format {
        case "json": json(report)
        case "markdown": markdown(report)
        default: text(report)
        }
    }

    static func share(_ part: Int, _ whole: Int) -> String { whole == 0 ? "0.0%" : formatted("%.1f%%", Double(part) * 100 / Double(whole)) }

    static func onset(_ o: Backtest.Onset?, _ ids: [String]) -> String {
        guard let o else { return "-" }
        let id = o.index < ids.count ? ids[o.index] : "?"
        return "before #\(o.index + 1) \(id)" + (o.time.map { " (\(Timestamp.format($0)))" } ?? "")
    }

    public static func text(_ report: BacktestReport) -> String {
        var out = "failmix backtest: \(report.sessions) sessions replayed, the gate before each\n"
        for (k, r) in report.results.enumerated() {
            let ids = report.sessionIDs[k]
            out += "\npolicy \(Escape.terminal(r.policy)): \(r.pauses) pause(s), failing at \(share(r.failCalls, r.calls)) of calls, warning at \(share(r.warnCalls, r.calls))\n"
            for rule in r.rules {
                out += "  \(Escape.terminal(rule.name)): \(rule.onsets) alarm onset(s); warn \(share(rule.warnCalls, r.calls)), fail \(share(rule.failCalls, r.calls)), insufficient \(share(rule.insufficientCalls, r.calls)); longest alarm \(rule.longestAlarm) session(s)\n"
                if rule.onsets > 0 {
                    out += "    first \(Escape.terminal(onset(rule.firstOnset, ids))), last \(Escape.terminal(onset(rule.lastOnset, ids)))\n"
                }
            }
        }
        return out
    }

    public static func markdown(_ report: BacktestReport) -> String {
        var out = "## failmix backtest\n\n\(report.sessions) sessions replayed, the gate before each.\n\n"
        out += "| Policy | Rule | Alarm onsets | Warn | Fail | Insufficient | First onset | Last onset | Longest alarm |\n"
        out += "|---|---|---:|---:|---:|---:|---|---|---:|\n"
        for (k, r) in report.results.enumerated() {
            let ids = report.sessionIDs[k]
            out += "| \(Escape.markdown(r.policy)) | **gate** (\(r.pauses) pauses) | \(r.pauses) | \(share(r.warnCalls, r.calls)) | \(share(r.failCalls, r.calls)) | | | | |\n"
            for rule in r.rules {
                out += "| \(Escape.markdown(r.policy)) | \(Escape.markdown(rule.name)) | \(rule.onsets) | \(share(rule.warnCalls, r.calls)) | \(share(rule.failCalls, r.calls)) | \(share(rule.insufficientCalls, r.calls)) | \(Escape.markdown(onset(rule.firstOnset, ids))) | \(Escape.markdown(onset(rule.lastOnset, ids))) | \(rule.longestAlarm) |\n"
            }
        }
        return out + "\n"
    }

    public static func json(_ report: BacktestReport) -> String {
        let q = JSONReporter.json, n = JSONReporter.number
        func onsetJSON(_ o: Backtest.Onset?, _ ids: [String]) -> String {
            guard let o else { return "null" }
            return "{\"call\":\(o.index),\"session_id\":\(o.index < ids.count ? q(ids[o.index]) : "null"),\"time\":\(o.time.map { q(Timestamp.format($0)) } ?? "null")}"
        }
        var out = "{\"schema\":1,\"sessions\":\(report.sessions),\"policies\":["
        out += report.results.enumerated().map { k, r in
            let ids = report.sessionIDs[k]
            var p = "{\"policy\":\(q(r.policy)),\"calls\":\(r.calls),\"pauses\":\(r.pauses),\"fail_share\":\(n(Double(r.failCalls) / Double(max(1, r.calls)))),\"warn_share\":\(n(Double(r.warnCalls) / Double(max(1, r.calls)))),\"rules\":["
            p += r.rules.map { rule in
                "{\"name\":\(q(rule.name)),\"onsets\":\(rule.onsets),\"warn_share\":\(n(Double(rule.warnCalls) / Double(max(1, r.calls)))),\"fail_share\":\(n(Double(rule.failCalls) / Double(max(1, r.calls)))),\"insufficient_share\":\(n(Double(rule.insufficientCalls) / Double(max(1, r.calls)))),\"first_onset\":\(onsetJSON(rule.firstOnset, ids)),\"last_onset\":\(onsetJSON(rule.lastOnset, ids)),\"longest_alarm\":\(rule.longestAlarm)}"
            }.joined(separator: ",") + "]"
            if let decisions = r.decisions, let states = r.states {
                p += ",\"calls_detail\":[" + zip(decisions, states).enumerated().map { i, call in
                    "{\"before\":\(i < ids.count ? q(ids[i]) : "null"),\"decision\":\"\(call.0)\",\"rules\":[" + call.1.map { "\"\($0.rawValue)\"" }.joined(separator: ",") + "]}"
                }.joined(separator: ",") + "]"
            }
            return p + "}"
        }.joined(separator: ",")
        return out + "]}\n"
    }
}
