import FailmixGit
import Foundation

extension Pipeline {
    /// What a dashboard adds to a report: the gate's decision on the report's
    /// own sessions, the stored pause state, the journal and the policy. It
    /// decides without remembering: a report never changes the gate's state.
    public static func attachGateContext(_ report: inout Report, context: PipelineContext, now: Date = Date()) {
        let config = context.configuration
        let records = report.records
        let input = GateInput(
            catalog: report.catalog, classes: config.classes,
            recorded: records.sessions.map { ModeSet(bits: $0.modeBits) },
            corroborated: report.corroboration?.sessions.map { ModeSet(bits: $0.corroboratedModeBits) },
            sessionCount: records.sessionCount)
        // Where the gate keeps this agent's state (a given path that is no repository has none).
        let directory = (try? context.stateDirectory(records: records))
        let store = directory.map { GateStateStore(directory: $0) }
        var state = store?.read().0 ?? GateState()
        let stored = state
        let gate = Gate(rules: config.rules, clearMargin: config.clearMargin)
        let (decision, _) = gate.decide(input, state: &state, remember: false, now: now)
        report.context.gate = decision
        report.context.state = stored
        report.context.journal = store?.journal() ?? []
        report.context.rules = config.rules
        report.context.generatedAt = now
        report.decision = Decision(decision.level)
    }
}
