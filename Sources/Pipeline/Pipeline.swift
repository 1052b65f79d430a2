import FailmixGit
import Foundation

/// What one run of the pipeline reads and how.
public struct PipelineOptions: Sendable {
    public var recordPaths: [String] = []
    public var includeRotated = true
    public var timestampIs: TimestampMeaning = .end
    /// Window sizes, most relevant first; 0 means all sessions.
    public var windows: [Int] = [100, 30]
    public var modes: [ModeDefinition] = BuiltinModes.all()
    /// Where to look for the repository (default: the working directory).
    public var repositoryPath: String?
    public var environment: [String: String] = ProcessInfo.processInfo.environment
    /// How to corroborate with git; nil skips the Evidence stage.
    public var evidence: EvidenceOptions? = EvidenceOptions()

    public init() {}
}

/// Runs the stages in order: Records → Classify → (Evidence → Gate) → Render.
public enum Pipeline {
    /// Records and their classification.
    public static func classifiedRecords(_ options: PipelineOptions) throws(RecordError) -> (RecordSet, ModeCatalog) {
        let catalog = ModeCatalog(options.modes)
        var schema = RecordSchema()
        let classifier = Classifier(catalog: catalog, plan: &schema.plan)
        // The repository only locates records nobody named; opening it starts
        // libgit2, whose TLS set-up alone costs milliseconds.
        let root = options.recordPaths.isEmpty
            ? try? Repository.discover(from: options.repositoryPath ?? FileManager.default.currentDirectoryPath).workdir
            : nil
        let sources = try RecordSources.resolve(
            explicit: options.recordPaths, repositoryRoot: root, environment: options.environment,
            includeRotated: options.includeRotated)
        var readOptions = RecordReadOptions()
        readOptions.timestampIs = options.timestampIs
        // Commit ids in deliverables only matter when there is history to match.
        readOptions.collectDeliverableRefs = evidenceRepository(options) != nil
        let records = try RecordReader(schema: schema, options: readOptions).read(sources, annotator: classifier)
        return (records, catalog)
    }

    public static func report(_ options: PipelineOptions) throws -> Report {
        let (records, catalog) = try classifiedRecords(options)
        let mix = FailureMix(catalog: catalog, sessions: records.sessions.map { ModeSet(bits: $0.modeBits) },
                             sizes: options.windows)
        var report = Report(version: FailmixVersion.current, records: records, mix: mix, notes: inputNotes(records))
        if let evidence = try corroborate(records, catalog: catalog, options: options) {
            report.attach(evidence)
        } else if options.evidence != nil {
            report.notes.append(options.recordPaths.isEmpty
                ? "corroboration skipped: no git repository here (give one with --repo)"
                : "corroboration skipped: the records file is not inside a git repository (give one with --repo)")
        }
        return report
    }

    /// The Evidence stage, when a repository is given or found; nil when
    /// there is none (a given path that is not a repository is an error).
    public static func corroborate(_ records: RecordSet, catalog: ModeCatalog, options: PipelineOptions) throws -> Corroboration? {
        guard var evidence = options.evidence else { return nil }
        let explicit = evidence.repositoryPath ?? options.repositoryPath
        guard let path = explicit ?? evidenceRepository(options) else { return nil }
        evidence.repositoryPath = path
        return try Corroborator.corroborate(records: records, catalog: catalog, options: evidence)
    }

    /// Where to look for the agent's repository: the one given, else the one
    /// holding the records file named, else (records discovered) the working
    /// directory's. nil when git is off or nothing was given and none is found.
    static func evidenceRepository(_ options: PipelineOptions) -> String? {
        guard let evidence = options.evidence else { return nil }
        if let given = evidence.repositoryPath ?? options.repositoryPath { return given }
        let start = options.recordPaths.first.map { URL(fileURLWithPath: $0).deletingLastPathComponent().path }
            ?? FileManager.default.currentDirectoryPath
        return (try? Repository.discover(from: start)) != nil ? start : nil
    }

    /// Warnings about input that makes time-based numbers meaningless.
    static func inputNotes(_ records: RecordSet) -> [String] {
        ClockCheck.bulkImport(records.sessions).map { [$0] } ?? []
    }
}
