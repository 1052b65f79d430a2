import FailmixGit
import FailmixRecords

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
    /// Seconds added before and after each session window: NaN or negative
    /// is 0, and more than the span of usable times saturates to it, so
    /// window arithmetic never leaves the range integer conversions take.
    public var windowSlack: Double {
        get { slack }
        set { slack = newValue.isNaN ? 0 : min(max(newValue, 0), SessionTime.longestSpan) }
    }
    private var slack: Double = 0
    /// Where CI results live as notes.
    public var notesRef: String

    public init(
        revs: [String] = [], allBranches: Bool = false,
        trailer: String = "Git-Session-Id", agentAuthors: [String] = [], windowSlack: Double = 0,
        notesRef: String = Repository.defaultNotesRef
    ) {
        self.revs = revs
        self.allBranches = allBranches
        self.trailer = trailer
        self.agentAuthors = agentAuthors
        self.notesRef = notesRef
        self.windowSlack = windowSlack
    }
}
