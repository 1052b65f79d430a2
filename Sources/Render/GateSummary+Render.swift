import FailmixGate
import FailmixRecords
import FoundationEssentials

/// The gate's rule states, mode and the newest session's age as each format
/// shows them. Untrusted text (rule names come from the configuration,
/// session ids from records) is escaped by the caller's sink.
extension Report {
    var isShadow: Bool { context.gateMode == "shadow" }

    /// "noop-rate pass, failure-rate pass, abandoned-loops insufficient (5/10)".
    public var ruleStates: String {
        rules.map { e in
            guard e.notEnoughData, e.rule.kind != .silence else { return "\(e.rule.name) \(e.state.rawValue)" }
            let needed = e.rule.metric == .trailerCoverage ? e.rule.minCommits : e.rule.minSessions
            return "\(e.rule.name) \(e.state.rawValue) (\(e.n)/\(needed))"
        }.joined(separator: ", ")
    }

    /// The headline's qualifier: shadow mode, not enough data.
    public var gateQualifier: String {
        var parts: [String] = []
        if isShadow { parts.append("shadow mode: reported, never stops the agent") }
        let insufficient = rules.filter(\.notEnoughData).count
        if insufficient > 0 { parts.append("not enough data for \(insufficient) of \(rules.count) rules") }
        return parts.isEmpty ? "" : " (" + parts.joined(separator: "; ") + ")"
    }

    /// A rule's JSON fields beyond the verdict: its state (insufficient is
    /// a state), kind, the CUSUM's or silence's numbers, and the reason.
    static func ruleDetailJSON(_ e: RuleEvaluation, holding: Bool) -> String {
        let q = JSONReporter.json, n = JSONReporter.number
        var o = ",\"state\":\"\(e.state.rawValue)\",\"kind\":\"\(e.rule.kind.rawValue)\",\"holding\":\(holding),\"skipped_infra\":\(e.skipped),\"since_resume\":\(e.sinceResume)"
        if let scan = e.cusum, let p = e.rule.cusum {
            o += ",\"cusum\":{\"statistic\":\(n(scan.statistic)),\"h\":\(n(p.h)),\"baseline\":\(n(p.baseline)),\"alarm\":\(n(p.alarm)),\"alarmed\":\(scan.alarmed),\"alarm_age\":\(scan.alarmAge)}"
        }
        if let s = e.silence, let limit = e.silenceLimit { o += ",\"silence_seconds\":\(n(s)),\"silence_limit_seconds\":\(n(limit))" }
        return o + ",\"reason\":\(q(e.reason))"
    }

    /// The `gate` object of the JSON report: mode, pause, probe results and messages.
    func gateJSON() -> String {
        guard let decision = context.gate else { return "null" }
        let q = JSONReporter.json
        var out = "{\"decision\":\"\(decision.level)\",\"mode\":\(q(context.gateMode ?? "enforce")),\"paused\":\(decision.paused)"
        out += ",\"holding\":[" + decision.holding.map(q).joined(separator: ",") + "]"
        out += ",\"probe\":[" + decision.probeResults.map { e in
            "{\"name\":\(q(e.rule.name)),\"state\":\"\(e.state.rawValue)\",\"count\":\(e.count),\"n\":\(e.n)}"
        }.joined(separator: ",") + "]"
        return out + ",\"messages\":[" + decision.messages.map(q).joined(separator: ",") + "]}"
    }
}

extension Liveness {
    public func json() -> String {
        "{\"session_id\":\(JSONReporter.json(sessionID)),\"end\":\(JSONReporter.json(Timestamp.format(end))),\"end_seconds\":\(JSONReporter.number(end)),\"age_seconds\":\(age.map(JSONReporter.number) ?? "null")}"
    }
}
