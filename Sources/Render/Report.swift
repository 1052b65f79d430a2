import FailmixSupport
import FailmixClassify
import FailmixEvidence
import FailmixGate
import FailmixRecords

import FoundationEssentials

/// Everything a renderer may show: the value that flows into the Render
/// stage. Renderers only read it.
public struct Report: Sendable {
    public var version: String
    /// The libgit2 the tool links (set by the pipeline: Render never sees git).
    public var libgit2Version = ""
    public var records: RecordSet
    public var mix: FailureMix
    /// Things a reader must know to trust the numbers (skipped stages,
    /// suspicious input), in plain words.
    public var notes: [String]
    /// The gate's or CI check's verdict, when one was taken.
    public var decision: Decision?
    /// What reviewers should see, most important first.
    public var findings: [Finding] = []
    /// What git says about each session (aligned with `records.sessions`);
    /// nil when corroboration was skipped.
    public var corroboration: Corroboration?
    /// The same windows with the modes as git corrects them.
    public var corroboratedMix: FailureMix?
    /// The repository's working tree, which located findings are relative to
    /// (default: the corroborated repository's).
    public var repositoryRoot: String? {
        get { explicitRoot ?? corroboration?.repository.workdir }
        set { explicitRoot = newValue }
    }
    private var explicitRoot: String?
    /// A repository-relative file that exists, for findings that have no
    /// place of their own (code scanning shows only located results).
    public var anchorPath: String?
    /// Repository-relative paths of files that are not in the analysed
    /// commit (e.g. ignored records): results there go to the anchor.
    public var unlocatablePaths: Set<String> = []
    /// The pull request (or merge group) a CI check evaluated.
    public var pullRequest: PullRequestSummary?
    /// Every gate rule as evaluated (empty for a plain report).
    public var rules: [RuleEvaluation] = []
    /// The gate, its journal, the policy and the fleet, for dashboards.
    public var context = ReportContext()

    public init(version: String, records: RecordSet, mix: FailureMix, notes: [String] = []) {
        self.version = version
        self.records = records
        self.mix = mix
        self.notes = notes
    }

    /// `path` relative to the repository root, or nil when it lies outside.
    public func repositoryRelative(_ path: String) -> String? {
        guard let root = repositoryRoot else { return path.hasPrefix("/") || path.hasPrefix("..") ? nil : path }
        return pathInside(path, root: root)
    }

    /// Findings ordered failures first, then warnings, then notices (stable).
    public var rankedFindings: [Finding] {
        findings.enumerated().sorted { ($0.element.level, $0.offset) < ($1.element.level, $1.offset) }.map(\.element)
    }

    public var catalog: ModeCatalog { mix.catalog }

    /// Attaches git's verdicts and the corrected mix over the same windows.
    public mutating func attach(_ corroboration: Corroboration) {
        self.corroboration = corroboration
        corroboratedMix = FailureMix(
            catalog: catalog, sessions: corroboration.sessions.map { ModeSet(bits: $0.corroboratedModeBits) },
            sizes: mix.windows.map(\.last))
    }

    /// Verdict counts over the same sessions as `window`.
    public func verdicts(in window: WindowSummary) -> VerdictCounts? {
        corroboration.map { $0.verdictCounts(in: (records.sessions.count - window.total)..<records.sessions.count) }
    }

    /// The sessions of the largest window, oldest first.
    public var listedSessions: ArraySlice<SessionRecord> {
        let largest = mix.windows.contains { $0.last == 0 } ? 0 : (mix.windows.map(\.last).max() ?? 0)
        return largest == 0 ? records.sessions[...] : records.sessions.suffix(largest)
    }

    /// The most recent and the widest window the trends compare, when there are two.
    public var trendWindows: (recent: WindowSummary, wider: WindowSummary)? {
        guard !mix.trends.isEmpty, let recent = mix.recent, let wider = mix.wider else { return nil }
        return (recent, wider)
    }
}

/// The newest session and how long ago it ended: a lane that went quiet.
public struct Liveness: Sendable {
    public var sessionID: String
    public var end: Double
    /// Seconds since it ended (nil: no clock given).
    public var age: Double?

    public init?(_ report: Report) {
        guard let newest = report.records.sessions.last(where: { $0.end != nil }), let end = newest.end else { return nil }
        sessionID = newest.sessionID
        self.end = end
        age = report.context.generatedAt.timeIntervalSince1970 - end
    }

    /// "newest session 4f46 ended 2026-06-01T10:00:00Z (3h 05m ago)".
    public var text: String {
        "newest session \(sessionID) ended \(Timestamp.format(end))" + (age.map { " (\(RuleEvaluation.duration($0)) ago)" } ?? "")
    }
}

/// Percentages as the reference report prints them (`%.1f`).
public func percent(_ rate: Double) -> String { formatted("%.1f%%", rate * 100) }

public func signedPoints(_ points: Double) -> String { formatted("%+.1f pp", points) }

/// `text` followed by spaces up to `width` characters (longer text is kept whole).
public func padded(_ text: String, to width: Int) -> String {
    text + String(repeating: " ", count: max(0, width - text.count))
}

/// The commits a CI check evaluated and the sessions behind them.
public struct PullRequestSummary: Sendable {
    public struct Commit: Sendable {
        public var sha: String
        public var subject: String
        public var sessionIDs: [String]

        public init(sha: String, subject: String, sessionIDs: [String]) {
            self.sha = sha
            self.subject = subject
            self.sessionIDs = sessionIDs
        }
    }

    public struct Session: Sendable {
        public var id: String
        /// Its modes as corroborated (recorded ones plus git's), by name.
        public var modes: [String]
        public var commits: [String]

        public init(id: String, modes: [String], commits: [String]) {
            self.id = id
            self.modes = modes
            self.commits = commits
        }
    }

    public var base: String
    public var head: String
    public var commits: [Commit]
    /// Every session behind a commit, in order of first appearance.
    public var sessions: [Session]

    public init(base: String, head: String, commits: [Commit], sessions: [Session]) {
        self.base = base
        self.head = head
        self.commits = commits
        self.sessions = sessions
    }
}

/// `path` relative to `root` when inside it (annotations want repository paths).
public func relativePath(_ path: String, to root: String?) -> String {
    root.flatMap { pathInside(path, root: $0) } ?? path
}

/// `path` (absolute, or relative to the working directory) relative to
/// `root`, or nil when it lies outside.
public func pathInside(_ path: String, root: String) -> String? {
    let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
    let base = URL(fileURLWithPath: root).standardizedFileURL.path
    return absolute.hasPrefix(base + "/") ? String(absolute.dropFirst(base.count + 1)) : nil
}
