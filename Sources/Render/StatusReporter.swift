import FailmixGate
import FailmixRecords
import FoundationEssentials

/// `failmix status`'s text: the pause state, its reasons, acks and the
/// latest journal entries. Untrusted text is escaped for the terminal.
public enum StatusReporter {
    public static func render(_ state: GateState, journal: [GateEvent]) -> String {
        func iso(_ date: Date) -> String { Timestamp.format(date.timeIntervalSince1970) }
        let t = Escape.terminal
        var out = state.paused ? "paused since \(state.since.map(iso) ?? "?")\n" : "not paused\n"
        for reason in state.reasons { out += "  reason: \(t(reason))\n" }
        if let by = state.resumedBy { out += "resumed by \(t(by)) at \(state.resumedAt.map(iso) ?? "?")\n" }
        if let probe = state.probe {
            out += "probe: \(probe.allowed) session(s) after session #\(probe.afterSessions), \(probe.granted ?? 0) let through so far\n"
        }
        for ack in state.acks {
            let until = ack.until.map { "until \(iso($0))" } ?? ack.sessions.map { "for \($0) sessions" } ?? ""
            out += "ack: \(t(ack.rule)) \(until) by \(t(ack.by)): \(t(ack.reason))\n"
        }
        let recent = journal.suffix(10)
        if !recent.isEmpty {
            out += "recent changes:\n"
            for e in recent { out += "  \(iso(e.at)) \(e.event): \(t(e.detail))\n" }
        }
        return out
    }
}
