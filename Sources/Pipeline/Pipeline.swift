import FailmixGit
import FoundationEssentials

/// What one run of the pipeline reads and how.
public struct PipelineOptions: Sendable {
    public var recordPaths: [String] = []
    public var includeRotated = true
    public var timestampIs: TimestampMeaning = .end
    /// Window sizes, most relevant first; 0 means all sessions.
    public var windows: [Int] = [100, 30]
    public var modes: [ModeDefinition] = BuiltinModes.all()
    /// Which records count (`[records] exclude`, `duplicate_of`).
    public var population = PopulationFilter.defaults
    /// Where to look for the repository (default: the working directory);
    /// the `PipelineContext` opens it.
    public var repositoryPath: String?
    public var environment: [String: String] = ProcessInfo.processInfo.environment
    /// How to corroborate with git; nil skips the Evidence stage.
    public var evidence: EvidenceOptions? = EvidenceOptions()

    public init() {}
}

/// Runs the stages in order: Records → Classify → (Evidence → Gate) → Render.
public enum Pipeline {
    /// Records and their classification: every session of the store.
    public static func classifiedRecords(_ context: PipelineContext) throws(RecordError) -> (RecordSet, ModeCatalog) {
        let options = context.options
        let catalog = ModeCatalog(options.modes)
        var schema = RecordSchema()
        let classifier = Classifier(catalog: catalog, plan: &schema.plan, population: options.population)
        let sources = try context.recordSources()
        var readOptions = RecordReadOptions()
        readOptions.timestampIs = options.timestampIs
        // Commit ids in deliverables only matter when there is history to match.
        readOptions.collectDeliverableRefs = (try? context.evidenceRepository()) != nil
        let records = try RecordReader(schema: schema, options: readOptions).read(sources, annotator: classifier)
        return (records, catalog)
    }

    /// The report over the context's windows: every session read,
    /// classified and, when there is a repository, corroborated.
    public static func report(_ context: PipelineContext) throws -> Report {
        let (records, catalog) = try classifiedRecords(context)
        let corroboration = try corroborate(records, catalog: catalog, context: context)
        return report(records, catalog: catalog, corroboration: corroboration, context: context)
    }

    static func report(
        _ records: RecordSet, catalog: ModeCatalog, corroboration: Corroboration?, context: PipelineContext
    ) -> Report {
        let mix = FailureMix(catalog: catalog, sessions: records.sessions.map { ModeSet(bits: $0.modeBits) },
                             sizes: context.options.windows)
        var report = Report(records: records, mix: mix, notes: inputNotes(records))
        if let corroboration {
            report.attach(corroboration)
        } else if context.options.evidence != nil {
            report.notes.append(context.options.recordPaths.isEmpty
                ? "corroboration skipped: no git repository here (give one with --repo)"
                : "corroboration skipped: the records file is not inside a git repository (give one with --repo)")
        }
        return report
    }

    /// The Evidence stage, when git is on and a repository is given or
    /// found; nil when there is none (a given path that is not a repository
    /// is an error).
    public static func corroborate(_ records: RecordSet, catalog: ModeCatalog, context: PipelineContext) throws -> Corroboration? {
        guard let evidence = context.options.evidence, let repository = try context.evidenceRepository() else { return nil }
        return try Corroborator.corroborate(records: records, catalog: catalog, options: evidence, repository: repository)
    }

    /// Warnings about input that makes time-based numbers meaningless.
    static func inputNotes(_ records: RecordSet) -> [String] {
        ClockCheck.bulkImport(records.sessions).map { [$0] } ?? []
    }
}
