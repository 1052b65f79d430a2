import FailmixGit
import FoundationEssentials

/// What a person does to a paused or failing gate: let sessions through
/// (`resume`) or accept a known condition (`ack`). Both count sessions the
/// way the gate reads them, without judging anything.
extension Pipeline {
    /// Lets `probe` sessions through a pause; the gate judges again after
    /// them. Returns whether the gate was paused, and a recovery warning.
    public static func resume(_ context: PipelineContext, probe: Int, by user: String) throws -> (wasPaused: Bool, warning: String?) {
        let count = try sessionCount(context)
        let store = try context.stateStore()
        let (wasPaused, warning) = try store.update { state -> (Bool, [GateEvent]) in
            let paused = state.paused
            return (paused, Gate.resume(&state, probe: probe, sessionCount: count, by: user))
        }
        return (wasPaused, warning)
    }

    /// Turns rule `rule`'s failure into a warning until `until` or for
    /// `sessions` more sessions, releasing a pause it holds.
    public static func acknowledge(
        _ context: PipelineContext, rule: String, until: Date?, sessions: Int?, reason: String, by user: String, now: Date = Date()
    ) throws -> String? {
        let rules = context.configuration.rules.map(\.name)
        guard rules.contains(rule) else {
            throw PipelineError("no rule named '\(rule)' (rules: \(rules.joined(separator: ", ")))")
        }
        let ack = GateState.Ack(rule: rule, until: until, sessions: sessions, startSessions: try sessionCount(context),
                                reason: reason, by: user, at: now)
        return try context.stateStore().update { state -> (Void, [GateEvent]) in
            state.acks.removeAll { $0.rule == rule }
            state.acks.append(ack)
            return ((), [GateEvent(at: now, event: "ack", detail: "\(rule) by \(user): \(reason)")])
        }.warning
    }
}
