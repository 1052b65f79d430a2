import FailmixGit
import Foundation

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
        repositoryPath = config.repository
        evidence = EvidenceOptions(revs: config.revs, allBranches: config.allBranches, trailer: config.trailer,
                                   agentAuthors: config.agentAuthors, windowSlack: config.windowSlack, notesRef: config.notesRef)
        evidence?.subjectPatterns = config.subjectPatterns
        evidence?.bookkeepingPaths = config.bookkeepingPaths
    }
}

/// Where failmix keeps its state for a repository: the common git directory
/// (shared by worktrees), so nothing shows up in the working tree.
public func failmixDirectory(_ repository: Repository) -> String {
    repository.commonDirectory + "/failmix"
}

extension Pipeline {
    /// The pre-session / pre-push / CI gate: reads only the newest sessions
    /// (through the incremental cache when there is a repository), corroborates
    /// them when a rule needs it, decides, and — when `remember` — updates the
    /// pause state.
    public static func gate(
        _ options: PipelineOptions, config: Configuration, remember: Bool, now: Date = Date()
    ) throws -> GateRun {
        let catalog = ModeCatalog(options.modes)
        let repository = try? Repository.discover(from: options.repositoryPath ?? FileManager.default.currentDirectoryPath)
        if repository == nil, let path = options.repositoryPath {
            _ = try Repository.discover(from: path)  // a given path that isn't a repository: say so
        }
        var schema = RecordSchema()
        let classifier = Classifier(catalog: catalog, plan: &schema.plan)
        var readOptions = RecordReadOptions()
        readOptions.timestampIs = options.timestampIs
        // Commit ids in deliverables only matter when a rule is judged on git's evidence.
        let needsGit = repository != nil && options.evidence != nil
            && config.rules.contains { $0.basis != .recorded || $0.metric == .trailerCoverage }
        readOptions.collectDeliverableRefs = needsGit
        let reader = RecordReader(schema: schema, options: readOptions)
        // The windows are the rules' own: every caller of the gate sees the same mix.
        let windows = Array(Set(config.rules.map(\.window))).sorted(by: >)
        let keep = max(config.rules.map(\.lookback).max() ?? 0, windows.max() ?? 0)

        var records = RecordSet()
        var cacheOutcome: CacheOutcome?
        var notes: [String] = []
        do {
            let sources = try RecordSources.resolve(
                explicit: options.recordPaths, repositoryRoot: repository?.workdir, environment: options.environment,
                includeRotated: options.includeRotated)
            if let repository {
                let cache = RecentRecordsCache(directory: failmixDirectory(repository) + "/cache", keep: keep,
                                               fingerprint: config.recordFingerprint + (readOptions.collectDeliverableRefs ? "+refs" : ""))
                (records, cacheOutcome) = try cache.read(sources, reader: reader, annotator: classifier)
            } else {
                records = try reader.read(sources, annotator: classifier)
            }
        } catch {
            // No records anywhere yet is not an error for a gate: nothing ran.
            guard case .noRecords(let searched) = error, options.recordPaths.isEmpty else { throw error }
            notes.append("no session records yet (looked in \(searched.joined(separator: ", ")))")
        }
        let mix = FailureMix(catalog: catalog, sessions: records.sessions.map { ModeSet(bits: $0.modeBits) },
                             sizes: windows)
        var report = Report(version: FailmixVersion.current, records: records, mix: mix, notes: notes)
        var gitOptions = options
        gitOptions.repositoryPath = options.repositoryPath ?? repository?.workdir
        if needsGit, !records.sessions.isEmpty, let evidence = try corroborate(records, catalog: catalog, options: gitOptions) {
            report.attach(evidence)
        }
        var input = GateInput(
            catalog: catalog, classes: config.classes,
            recorded: records.sessions.map { ModeSet(bits: $0.modeBits) },
            corroborated: report.corroboration?.sessions.map { ModeSet(bits: $0.corroboratedModeBits) },
            sessionCount: records.sessionCount)
        if let corroboration = report.corroboration {
            for rule in config.rules where rule.metric == .trailerCoverage {
                input.attribution[rule.window] = corroboration.attributionMix(sessions: records.sessions, last: rule.window)
            }
        }
        let gate = Gate(rules: config.rules, clearMargin: config.clearMargin)
        let stateDirectory = repository.map(failmixDirectory) ?? fallbackStateDirectory(records)
        let store = GateStateStore(directory: stateDirectory)
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
        report.findings = findings(decision, records: records, repositoryRoot: repository?.workdir)
        return GateRun(report: report, decision: decision, cache: cacheOutcome, warnings: warning.map { [$0] } ?? [])
    }

    /// Without a repository, state lives beside the records.
    static func fallbackStateDirectory(_ records: RecordSet) -> String {
        let path = records.files.last?.path ?? FileManager.default.currentDirectoryPath + "/x"
        return URL(fileURLWithPath: path).deletingLastPathComponent().path + "/.failmix"
    }

    /// The gate's fired rules as located findings (pointing at the newest
    /// session's record, whose arrival tipped the decision).
    static func findings(_ decision: GateDecision, records: RecordSet, repositoryRoot: String?) -> [Finding] {
        let newest = records.sessions.last
        let path = newest.map { relativePath(records.path(of: $0.location), to: repositoryRoot) }
        var out: [Finding] = decision.firedRules.map { e in
            Finding(level: e.level == .fail ? .failure : .warning, rule: e.rule.name,
                    title: "failmix rule \(e.rule.name)", message: e.reason, sessionID: newest?.sessionID,
                    path: path, line: newest.map { Int($0.location.line) })
        }
        out += decision.messages.map { Finding(level: decision.paused ? .failure : .notice, rule: "gate", title: "failmix gate", message: $0) }
        return out
    }
}

/// `path` relative to `root` when inside it (annotations want repository paths).
public func relativePath(_ path: String, to root: String?) -> String {
    let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
    guard let root else { return path }
    let base = URL(fileURLWithPath: root).standardizedFileURL.path
    return absolute.hasPrefix(base + "/") ? String(absolute.dropFirst(base.count + 1)) : path
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
