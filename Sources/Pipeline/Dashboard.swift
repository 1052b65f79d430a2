import FailmixGit
import FoundationEssentials

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
        var state = attachHistory(&report, context: context)
        let gate = Gate(rules: config.rules, clearMargin: config.clearMargin)
        let (decision, _) = gate.decide(input, state: &state, remember: false, now: now)
        report.context.gate = decision
        report.context.generatedAt = now
        report.decision = Decision(decision.level)
    }

    /// The stored pause state, the journal and the policy, without deciding
    /// (`gate` has decided already). Returns the state read.
    @discardableResult
    public static func attachHistory(_ report: inout Report, context: PipelineContext) -> GateState {
        // Where the gate keeps this agent's state (a given path that is no repository has none).
        let store = (try? context.stateDirectory(records: report.records)).map { GateStateStore(directory: $0) }
        let state = store?.read().0 ?? GateState()
        report.context.state = state
        report.context.journal = store?.journal() ?? []
        report.context.rules = context.configuration.rules
        return state
    }
}
