import FailmixGit

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

    public init(
        revs: [String] = [], allBranches: Bool = false,
        trailer: String = "Git-Session-Id", agentAuthors: [String] = [], windowSlack: Double = 0,
        notesRef: String = Repository.defaultNotesRef
    ) {
        self.revs = revs
        self.allBranches = allBranches
        self.trailer = trailer
        self.agentAuthors = agentAuthors
        self.windowSlack = windowSlack
        self.notesRef = notesRef
    }
}
