import FailmixGate
import FailmixRecords
import Foundation

/// The gate's rule states and the newest session's age as each format shows
/// them. Untrusted text (rule names come from the configuration, session ids
/// from records) is escaped by the caller's sink.
extension GateSummary {
    /// "noop-rate pass, failure-rate pass, abandoned-loops insufficient (5/10)".
    public var ruleStates: String {
        decision.evaluations.map { e in
            "\(e.rule.name) \(e.state.rawValue)" + (e.notEnoughData && e.rule.kind != .silence ? " (\(e.n)/\(e.rule.minSessions))" : "")
        }.joined(separator: ", ")
    }

    /// The headline's qualifier: shadow, not enough data.
    public var qualifier: String {
        var parts: [String] = []
        if isShadow { parts.append("shadow mode: reported, never stops the agent") }
        let insufficient = decision.evaluations.filter(\.notEnoughData).count
        if insufficient > 0 { parts.append("not enough data for \(insufficient) of \(decision.evaluations.count) rules") }
        return parts.isEmpty ? "" : " (" + parts.joined(separator: "; ") + ")"
    }

    /// The `gate` object of the JSON report.
    public func json() -> String {
        let q = JSONReporter.json, n = JSONReporter.number
        var out = "{\"decision\":\"\(decision.level)\",\"mode\":\(q(mode)),\"paused\":\(decision.paused),\"rules\":["
        out += decision.evaluations.map { e in
            var o = "{\"name\":\(q(e.rule.name)),\"kind\":\"\(e.rule.kind.rawValue)\",\"state\":\"\(e.state.rawValue)\",\"level\":\"\(e.level)\""
            o += ",\"count\":\(e.count),\"n\":\(e.n),\"rate\":\(n(e.rate)),\"min_sessions\":\(e.rule.minSessions)"
            o += ",\"acknowledged\":\(e.acknowledged),\"holding\":\(decision.holding.contains(e.rule.name)),\"skipped_infra\":\(e.skipped)"
            if let scan = e.cusum {
                o += ",\"cusum\":{\"statistic\":\(n(scan.statistic)),\"h\":\(n(e.rule.cusum!.h)),\"alarmed\":\(scan.alarmed),\"alarm_age\":\(scan.alarmAge)}"
            }
            if let s = e.silence, let limit = e.silenceLimit { o += ",\"silence_seconds\":\(n(s)),\"silence_limit_seconds\":\(n(limit))" }
            return o + ",\"reason\":\(q(e.reason))}"
        }.joined(separator: ",")
        out += "],\"probe\":[" + decision.probeResults.map { e in
            "{\"name\":\(q(e.rule.name)),\"state\":\"\(e.state.rawValue)\",\"count\":\(e.count),\"n\":\(e.n)}"
        }.joined(separator: ",") + "]"
        out += ",\"messages\":[" + decision.messages.map(q).joined(separator: ",") + "]}"
        return out
    }
}

extension Liveness {
    public func json() -> String {
        "{\"session_id\":\(JSONReporter.json(sessionID)),\"end\":\(JSONReporter.json(Timestamp.format(end))),\"end_seconds\":\(JSONReporter.number(end)),\"age_seconds\":\(age.map(JSONReporter.number) ?? "null")}"
    }
}
