import FailmixGit
import FailmixStore
import FoundationEssentials

/// Everything one gate evaluation produced.
public struct GateRun: Sendable {
    public var report: Report
    public var decision: GateDecision
    public var cache: CacheOutcome?
    /// A damaged state file that was reset, and similar recoveries.
    public var warnings: [String]
}

extension PipelineOptions {
    /// Options as a configuration sets them.
    public init(_ config: Configuration) {
        self.init()
        recordPaths = config.recordPaths
        timestampIs = config.timestampIs
        modes = config.modes
        population = config.population
        repositoryPath = config.repository
        evidence = EvidenceOptions(revs: config.revs, allBranches: config.allBranches, trailer: config.trailer,
                                   agentAuthors: config.agentAuthors, windowSlack: config.windowSlack, notesRef: config.notesRef,
                                   subjectPatterns: config.subjectPatterns, bookkeepingPaths: config.bookkeepingPaths)
    }
}

/// How the gate reads: the rules' windows and lookback, and whether a rule
/// is judged on git's evidence. Every path to the gate's records goes
/// through one plan, so they all share the records cache.
struct GatePlan {
    let catalog: ModeCatalog
    let classifier: Classifier
    let reader: RecordReader
    /// The rules' own windows, largest first: every caller sees the same mix.
    let windows: [Int]
    /// How many of the newest sessions the rules look at.
    let keep: Int
    /// A rule is judged on git's evidence and there is git to judge it on.
    let needsGit: Bool

    init(_ context: PipelineContext) throws(GitError) {
        let options = context.options, config = context.configuration
        catalog = ModeCatalog(options.modes)
        var schema = RecordSchema()
        classifier = Classifier(catalog: catalog, plan: &schema.plan, population: options.population)
        needsGit = try context.workingRepository() != nil && options.evidence != nil && config.rules.contains { $0.basis != .recorded || $0.metric == .trailerCoverage }
        var readOptions = RecordReadOptions()
        readOptions.timestampIs = options.timestampIs
        // Commit ids in deliverables only matter when a rule is judged on git's evidence.
        readOptions.collectDeliverableRefs = needsGit
        reader = RecordReader(schema: schema, options: readOptions)
        windows = Array(Set(config.rules.map(\.window))).sorted(by: >)
        keep = max(config.rules.map(\.lookback).max() ?? 0, windows.max() ?? 0)
    }
}

extension Pipeline {
    /// The pre-session / pre-push / CI gate: reads only the newest sessions
    /// (through the incremental cache when there is a repository), corroborates
    /// them when a rule needs it, decides, and — when `remember` — updates the
    /// pause state.
    public static func gate(_ context: PipelineContext, remember: Bool, now: Date = Date()) throws -> GateRun {
        let plan = try GatePlan(context)
        let deadline = Deadline.shared
        let (records, cacheOutcome, notes) = try deadline.stage("reading the records") { try gateRecords(context, plan) }
        try requireUsableRecords(records)
        var corroboration: Corroboration?
        if plan.needsGit, !records.sessions.isEmpty, let evidence = context.options.evidence,
            let repository = try context.workingRepository()
        {
            corroboration = try deadline.stage("reading the git history") {
                try Corroborator.corroborate(records: records, catalog: plan.catalog, options: evidence, repository: repository)
            }
        }
        var run = try deadline.stage("deciding") {
            try decide(context, plan, records: records, corroboration: corroboration, notes: notes, remember: remember, now: now)
        }
        run.cache = cacheOutcome
        if case .refused(let warning) = cacheOutcome { run.warnings.append(warning) }
        return run
    }

    /// How many sessions the store holds now (probes and acks count from
    /// it), read exactly as the gate reads them so its records cache stays
    /// valid, without judging anything.
    public static func sessionCount(_ context: PipelineContext) throws -> Int {
        try gateRecords(context, GatePlan(context)).records.sessionCount
    }

    /// The newest sessions the gate's rules look at, through the records cache
    /// when there is a repository. No records anywhere yet is not an error for
    /// a gate: nothing ran.
    static func gateRecords(
        _ context: PipelineContext, _ plan: GatePlan
    ) throws -> (records: RecordSet, cache: CacheOutcome?, notes: [String]) {
        do {
            let sources = try context.recordSources()
            guard let repository = try context.workingRepository() else {
                return (try plan.reader.read(sources, annotator: plan.classifier), nil, [])
            }
            let cache = RecentRecordsCache(
                directory: failmixDirectory(repository) + "/cache", keep: plan.keep,
                fingerprint: context.configuration.recordFingerprint + (plan.needsGit ? "+refs" : ""))
            let (records, outcome) = try cache.read(sources, reader: plan.reader, annotator: plan.classifier)
            return (records, outcome, [])
        } catch let error as RecordError {
            guard case .noRecords(let searched) = error, context.options.recordPaths.isEmpty else { throw error }
            return (RecordSet(), nil, ["no session records yet (looked in \(searched.joined(separator: ", ")))"])
        }
    }

    /// A store whose every line is malformed is an input error, never "no
    /// sessions yet": a gate must not pass because it could read nothing.
    static func requireUsableRecords(_ records: RecordSet) throws(PipelineError) {
        guard records.sessionCount == 0, records.malformedCount > 0, records.excludedCount == 0 else { return }
        let first = records.malformed.first.map { " (first: \($0.path):\($0.line): \($0.error))" } ?? ""
        throw PipelineError("all \(records.malformedCount) record lines are malformed\(first); nothing can be judged")
    }

    /// Judges `records` (and their evidence, when a rule is judged on it)
    /// against the rules and the pause state.
    static func decide(
        _ context: PipelineContext, _ plan: GatePlan, records: RecordSet, corroboration: Corroboration?, notes: [String],
        remember: Bool, now: Date
    ) throws -> GateRun {
        let config = context.configuration
        let mix = FailureMix(catalog: plan.catalog, sessions: records.sessions.map { ModeSet(bits: $0.modeBits) },
                             sizes: plan.windows)
        var report = Report(records: records, mix: mix, notes: notes)
        if let corroboration { report.attach(corroboration) }
        var input = GateInput(
            catalog: plan.catalog, classes: config.classes,
            recorded: records.sessions.map { ModeSet(bits: $0.modeBits) },
            corroborated: corroboration?.sessions.map { ModeSet(bits: $0.corroboratedModeBits) },
            sessionCount: records.sessionCount)
        input.endTimes = records.sessions.map { $0.end ?? .nan }
        input.now = now.timeIntervalSince1970
        if let corroboration {
            for rule in config.rules where rule.metric == .trailerCoverage {
                let mix = corroboration.attributionMix(sessions: records.sessions, last: rule.window)
                input.trailerCounts[rule.window] = TrailerCount(agentCommits: mix.agentCommits, trailer: mix.counts[.trailer, default: 0])
            }
        }
        let gate = Gate(config)
        let store = GateStateStore(directory: config.gateStateDirectory(try context.stateDirectory(records: records)))
        // Nothing to judge yet: decide without creating any state on disk.
        let (decision, warning): (GateDecision, String?)
        if records.sessions.isEmpty {
            var blank = store.read().0
            decision = gate.decide(input, state: &blank, remember: false, now: now).0
            warning = nil
        } else {
            (decision, warning) = try store.update { state in gate.decide(input, state: &state, remember: remember, now: now) }
        }
        report.decision = Decision(decision.level)
        report.rules = decision.evaluations
        report.context.gate = decision
        report.context.gateMode = config.gateMode.rawValue
        report.context.generatedAt = now
        report.findings = findings(decision, records: records, repositoryRoot: try context.workingRepository()?.workdir,
                                   onInsufficient: config.onInsufficient)
        return GateRun(report: report, decision: decision, cache: nil, warnings: warning.map { [$0] } ?? [])
    }

    /// The gate's fired rules as located findings (pointing at the newest
    /// session's record, whose arrival tipped the decision).
    static func findings(_ decision: GateDecision, records: RecordSet, repositoryRoot: String?, onInsufficient: Level = .pass) -> [Finding] {
        let newest = records.sessions.last
        let path = newest.map { relativePath(records.path(of: $0.location), to: repositoryRoot) }
        var out: [Finding] = decision.firedRules.map { e in
            Finding(level: e.level == .fail ? .failure : .warning, rule: e.rule.name,
                    title: "failmix rule \(e.rule.name)", message: e.reason, sessionID: newest?.sessionID,
                    path: path, line: newest.map { Int($0.location.line) })
        }
        // "Not enough data" is a verdict too: a notice (a warning with on_insufficient = "warn").
        out += decision.evaluations.filter(\.notEnoughData).map { e in
            Finding(level: onInsufficient == .warn ? .warning : .notice, rule: e.rule.name, title: "failmix rule \(e.rule.name)",
                    message: e.reason)
        }
        out += decision.messages.map { Finding(level: decision.paused ? .failure : .notice, rule: "gate", title: "failmix gate", message: $0) }
        return out
    }
}

extension Decision {
    public init(_ level: Level) {
        switch level {
        case .pass: self = .pass
        case .warn: self = .warn
        case .fail: self = .fail
        }
    }
}
