import FailmixGit
import FoundationEssentials

/// A problem that ends a command with one clear line (exit 2).
public struct PipelineError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The commits a pull request adds: `base..head`.
public struct PullRequestRange: Sendable, Equatable {
    public var base: String
    public var head: String

    public init(base: String, head: String) {
        self.base = base
        self.head = head
    }

    /// From `--range BASE..HEAD`, else from the CI environment; nil when
    /// this is not a pull request.
    public init?(range: String?, ci: CIEnvironment) throws(PipelineError) {
        if let range {
            let parts = range.components(separatedBy: "..")
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { throw PipelineError("--range must be BASE..HEAD") }
            self.init(base: parts[0], head: parts[1])
            return
        }
        guard let base = ci.baseSHA else { return nil }
        self.init(base: base, head: ci.headSHA ?? "HEAD")
    }
}

extension Pipeline {
    /// The required check that gates self-merges: the gate, plus — for a
    /// pull request — the sessions behind its commits, which fail the check
    /// when one had a blocking mode. The records are read and corroborated
    /// once for both; the pause state is read, never changed.
    public static func check(_ context: PipelineContext, pullRequest: PullRequestRange?, now: Date = Date()) throws -> (Report, Level) {
        guard let pullRequest else {
            let gate = try Pipeline.gate(context, remember: false, now: now)
            return (gate.report, gate.decision.level)
        }
        let plan = try GatePlan(context)
        let (records, catalog) = try Deadline.shared.stage("reading the records") { try classifiedRecords(context) }
        try requireUsableRecords(records)
        guard let corroboration = try Deadline.shared.stage("reading the git history", {
            try corroborate(records, catalog: catalog, context: context)
        }) else {
            throw PipelineError("checking a pull request's sessions needs the git repository (--repo)")
        }
        let gate = try decide(context, plan, records: records, corroboration: plan.needsGit ? corroboration : nil, notes: [],
                              remember: false, now: now)
        var report = gate.report
        let repository = try context.requireRepository()
        let pr = try PullRequestCheck.evaluate(
            base: pullRequest.base, head: pullRequest.head, repository: repository, records: records,
            corroboration: corroboration, catalog: catalog, blockModes: context.configuration.blockModes,
            repositoryRoot: repository.workdir)
        report.findings += pr.findings
        report.pullRequest = pr.summary
        if let root = repository.workdir {
            report.repositoryRoot = root
            report.unlocatablePaths = Set(records.files.compactMap { pathInside($0.path, root: root) }.filter { !repository.headContainsFile($0) })
            report.anchorPath = anchorPath(repositoryRoot: root, records: records, configPath: context.configuration.source, repository: repository)
        }
        let sessions = Set(pr.commits.flatMap(\.sessions)).count
        report.notes.append("pull request \(pullRequest.base.prefix(12))..\(pullRequest.head.prefix(12)): \(pr.commits.count) commits from \(sessions) sessions")
        let level = max(gate.decision.level, pr.level)
        report.decision = Decision(level)
        return (report, level)
    }
}

extension Pipeline {
    /// A file of the repository to hang findings on that have no place of
    /// their own (code scanning shows results only in files of the analysed
    /// commit): the policy file, else a records file, else a README, else
    /// the first file at the root — whichever HEAD's tree holds.
    static func anchorPath(repositoryRoot root: String, records: RecordSet, configPath: String?, repository: Repository) -> String? {
        let candidates = [configPath, "\(root)/.failmix.toml"].compactMap { $0 }
            + records.files.map(\.path) + ["README.md", "README", "readme.md"].map { "\(root)/\($0)" }
        return candidates.lazy.compactMap { pathInside($0, root: root) }.first(where: repository.headContainsFile)
            ?? repository.firstFileInHead
    }
}
