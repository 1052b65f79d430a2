/// What git says about a session recorded as `noop`.
public enum NoopVerdict: String, Sendable, CaseIterable {
    /// No commit is attributed to it, nor ambiguously near it.
    case confirmed
    /// At least one commit is attributed to it: it did something.
    case refuted
    /// Only commits that several sessions could claim.
    case uncertain
    /// Git cannot judge it: its window reaches into history a shallow clone
    /// lacks, or only time windows could judge it and its times are unusable
    /// (a bulk import, no usable time); `SessionEvidence.noopReason` says which.
    case unverifiable
}

/// Whether the record's `ci_break` and git's evidence of one agree.
public enum CIBreakVerdict: String, Sendable, CaseIterable {
    /// Recorded, and a commit of the session was reverted or failed CI.
    case confirmed
    /// Recorded, but git shows nothing.
    case unconfirmed
    /// Not recorded, yet git shows a revert or a CI failure.
    case unreported

    init?(recorded: Bool, evidenced: Bool) {
        switch (recorded, evidenced) {
        case (true, true): self = .confirmed
        case (true, false): self = .unconfirmed
        case (false, true): self = .unreported
        case (false, false): return nil
        }
    }
}

/// Why a commit belongs to a session.
public enum AttributionKind: String, Sendable, CaseIterable {
    /// The commit's session trailer names the session.
    case trailer
    /// The session's deliverables list the commit's SHA.
    case deliverable
    /// The commit's subject names the session (`[git] subject_patterns`).
    case subject
    /// An agent commit made inside this session's window and no other.
    case window
}

public struct CommitAttribution: Sendable, Hashable {
    public var sha: String
    public var kind: AttributionKind

    public init(sha: String, kind: AttributionKind) {
        self.sha = sha
        self.kind = kind
    }
}

/// A sign in git that a session's commit broke CI.
public struct EvidenceItem: Sendable, Hashable, Comparable {
    public enum Kind: String, Sendable, CaseIterable {
        /// A later commit reverts it; `detail` is the reverting commit's SHA.
        case revert
        /// Its CI note says `status: failure`; `detail` names the job and link.
        case ciNote = "ci_note"
    }

    /// The session's commit this is about.
    public var sha: String
    public var kind: Kind
    public var detail: String

    public init(sha: String, kind: Kind, detail: String) {
        self.sha = sha
        self.kind = kind
        self.detail = detail
    }

    public static func < (a: EvidenceItem, b: EvidenceItem) -> Bool {
        (a.sha, a.kind.rawValue, a.detail) < (b.sha, b.kind.rawValue, b.detail)
    }
}

/// Everything git says about one session.
public struct SessionEvidence: Sendable, Equatable {
    /// The commits attributed to the session, ordered by SHA.
    public var attributions: [CommitAttribution] = []
    /// Commits this and other sessions could claim, attributed to none; ordered.
    public var ambiguousCommits: [String] = []
    /// Only for sessions recorded as noop.
    public var noop: NoopVerdict?
    /// Why the noop is unverifiable.
    public var noopReason: String?
    /// Attributed commits that touch only `[git] bookkeeping_paths` (looked
    /// at only for noop sessions, where they could change the verdict); ordered.
    public var bookkeepingCommits: [String] = []
    /// Nil when neither the record nor git says CI broke.
    public var ciBreak: CIBreakVerdict?
    public var evidence: [EvidenceItem] = []
    /// Recorded as productive, yet no commit and no deliverables: worth a look.
    public var productiveWithoutCommits = false
    /// The recorded modes as git corrects them: noop dropped when refuted,
    /// ci_break added when unreported.
    public var corroboratedModeBits: UInt64 = 0

    /// The attributed commits' SHAs, ordered.
    public var commits: [String] { attributions.map(\.sha) }

    public func kind(of sha: String) -> AttributionKind? {
        attributions.first { $0.sha == sha }?.kind
    }
}

/// The repository the evidence came from.
public struct RepositoryInfo: Sendable, Equatable {
    /// The working tree root; nil for a bare repository.
    public var workdir: String?
    public var gitDirectory: String
    /// Nil while HEAD is unborn.
    public var headSHA: String?
    public var isShallow: Bool
    public var isEmpty: Bool
    public var isDetached: Bool
    /// In a shallow clone whose walk reached the boundary: the committer time
    /// of the newest boundary commit, before which history may be missing.
    public var missingHistoryBefore: Int64?
}

/// Per-verdict session counts over a window of sessions.
public struct VerdictCounts: Sendable, Equatable {
    public var noop: [NoopVerdict: Int] = [:]
    public var ciBreak: [CIBreakVerdict: Int] = [:]
    public var productiveWithoutCommits = 0

    public init() {}
}

/// The Evidence stage's output: the record set's sessions as git corroborates them.
public struct Corroboration: Sendable, Equatable {
    /// Aligned with `RecordSet.sessions`.
    public var sessions: [SessionEvidence]
    public var repository: RepositoryInfo
    /// What the reader should know about how far to trust this (shallow
    /// history, every author counted, no commits).
    public var notes: [String]
    public var commitsWalked: Int
    /// Agent commits, made since the oldest session began, that no session
    /// claims (not even ambiguously); ordered.
    public var unclaimedCommits: [String]
    /// Every commit the attribution mix counts, with its method.
    public var agentCommits: [AgentCommit] = []
    /// The slack around session windows the attribution used.
    public var windowSlack: Double = 0
    /// Why window attribution was off for every session (a bulk import), or nil.
    public var windowsOff: String?

    public func verdictCounts(in range: Range<Int>) -> VerdictCounts {
        var counts = VerdictCounts()
        for session in sessions[range] {
            if let v = session.noop { counts.noop[v, default: 0] += 1 }
            if let v = session.ciBreak { counts.ciBreak[v, default: 0] += 1 }
            if session.productiveWithoutCommits { counts.productiveWithoutCommits += 1 }
        }
        return counts
    }

    /// Counts over the most recent `count` sessions; 0 means all.
    public func verdictCounts(last count: Int) -> VerdictCounts {
        let n = sessions.count
        return verdictCounts(in: (count == 0 ? 0 : max(0, n - count))..<n)
    }
}
