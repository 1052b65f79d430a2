import FailmixGit
import FailmixTrailers

/// How the Evidence stage reads history and ties commits to sessions.
public struct EvidenceOptions: Sendable {
    /// Walk from these revisions instead of HEAD.
    public var revs: [String]
    /// Walk from every local branch (with `revs`, if any).
    public var allBranches: Bool
    /// The commit trailer whose value names the session (key compared in any case).
    public var trailer: String
    /// Glob patterns (`*`, `?`, `[...]`, any case) matched against an author's
    /// e-mail or name; empty: every author counts as the agent.
    public var agentAuthors: [String]
    /// Seconds added before and after each session window.
    public var windowSlack: Double
    /// Where CI results live as notes.
    public var notesRef: String
    /// Regexes over a commit's subject whose one capture group names a session.
    public var subjectPatterns: [String]
    /// Globs (`**` crosses directories): a commit touching only these paths
    /// is attributed but does not refute a noop.
    public var bookkeepingPaths: [String]

    /// Report tails name their session only in the subject: `session ff15 — …`
    /// (a dash or colon after the id) and a trailing `(ff15)`. Ids are 4+ hex
    /// digits, in dash-separated groups for UUIDs.
    public static let defaultSubjectPatterns = [
        #"(?i)\bsession[ #:]+([0-9a-f]{4,}(?:-[0-9a-f]{4,})*)[ \t]*(?:—|–|-|:)"#,
        #"(?i)\(([0-9a-f]{4,}(?:-[0-9a-f]{4,})*)\)[ \t]*$"#,
    ]
    /// Where the launcher exports the session id (`[git] session_env`).
    public static let defaultSessionEnvironment = ["GIT_COMMITTER_SESSION_ID"]

    public init(
        revs: [String] = [], allBranches: Bool = false,
        trailer: String = "Git-Session-Id", agentAuthors: [String] = [], windowSlack: Double = 0,
        notesRef: String = Repository.defaultNotesRef, subjectPatterns: [String] = EvidenceOptions.defaultSubjectPatterns,
        bookkeepingPaths: [String] = []
    ) {
        self.subjectPatterns = subjectPatterns
        self.bookkeepingPaths = bookkeepingPaths
        self.revs = revs
        self.allBranches = allBranches
        self.trailer = trailer
        self.agentAuthors = agentAuthors
        self.windowSlack = windowSlack
        self.notesRef = notesRef
    }
}

extension EvidenceOptions {
    /// A trailer token git accepts: letters, digits and dashes.
    public static func isTrailerKey(_ key: String) -> Bool {
        TrailerStamp.isValidKey(key)
    }

    /// A portable environment variable name (the stamping hook expands it).
    public static func isVariableName(_ name: String) -> Bool {
        guard let first = name.utf8.first, first == UInt8(ascii: "_") || (TrailerStamp.isAlnum(first) && first > 57) else { return false }
        return name.utf8.allSatisfy { $0 == UInt8(ascii: "_") || TrailerStamp.isAlnum($0) }
    }

    /// Why a `[git] subject_patterns` entry is unusable, or nil.
    public static func problem(withSubjectPattern pattern: String) -> String? { SubjectMatcher.problem(with: pattern) }
}
