import FailmixGit
import Foundation

extension Pipeline {
    /// What a dashboard adds to a report: the gate's decision on the report's
    /// own sessions, the stored pause state, the journal and the policy. It
    /// decides without remembering: a report never changes the gate's state.
    public static func attachGateContext(_ report: inout Report, config: Configuration, options: PipelineOptions, now: Date = Date()) {
        let records = report.records
        let input = GateInput(
            catalog: report.catalog, classes: config.classes,
            recorded: records.sessions.map { ModeSet(bits: $0.modeBits) },
            corroborated: report.corroboration?.sessions.map { ModeSet(bits: $0.corroboratedModeBits) },
            sessionCount: records.sessionCount)
        let store = GateStateStore(directory: stateDirectory(options, records: records))
        var (state, _) = store.read()
        let stored = state
        let gate = Gate(rules: config.rules, clearMargin: config.clearMargin)
        let (decision, _) = gate.decide(input, state: &state, remember: false, now: now)
        report.context.gate = decision
        report.context.state = stored
        report.context.journal = store.journal()
        report.context.rules = config.rules
        report.context.generatedAt = now
        report.decision = Decision(decision.level)
    }

    /// Where the gate keeps its state for these options: the repository's
    /// failmix directory (found as the gate finds it), else beside the records.
    static func stateDirectory(_ options: PipelineOptions, records: RecordSet) -> String {
        if let repository = try? Repository.discover(from: options.repositoryPath ?? FileManager.default.currentDirectoryPath) {
            return failmixDirectory(repository)
        }
        return fallbackStateDirectory(records)
    }
}
