import FailmixRecords

/// How one agent commit was tied to a session, or why it was not: the unit
/// of the attribution mix every report shows.
public enum AttributionMethod: String, Sendable, CaseIterable {
    case trailer, deliverable, subject, window, ambiguous, unattributed

    init(_ kind: AttributionKind) {
        switch kind {
        case .trailer: self = .trailer
        case .deliverable: self = .deliverable
        case .subject: self = .subject
        case .window: self = .window
        }
    }
}

/// A commit the attribution mix counts: tied to a session by any method,
/// ambiguous between several, or made by the agent and tied to none.
public struct AgentCommit: Sendable, Equatable {
    public var sha: String
    public var authorTime: Int64
    public var method: AttributionMethod
    /// The sessions it belongs to, or an ambiguous commit's candidates
    /// (indices into the record set's sessions, ascending).
    public var sessions: [Int32]
    /// For an ambiguous commit: the step that found several sessions.
    public var ambiguousBy: AttributionKind?

    public init(sha: String, authorTime: Int64, method: AttributionMethod, sessions: [Int32], ambiguousBy: AttributionKind? = nil) {
        self.sha = sha
        self.authorTime = authorTime
        self.method = method
        self.sessions = sessions
        self.ambiguousBy = ambiguousBy
    }
}

/// Agent commits of a window of sessions by method, and the share carrying
/// the session trailer: near 0 means the stamping hook is not running.
public struct AttributionMix: Sendable, Equatable {
    public var counts: [AttributionMethod: Int] = [:]

    public init(counts: [AttributionMethod: Int] = [:]) { self.counts = counts }

    public var agentCommits: Int { counts.values.reduce(0, +) }

    /// trailer ÷ agent commits; nil without agent commits.
    public var trailerCoverage: Double? {
        agentCommits == 0 ? nil : Double(counts[.trailer, default: 0]) / Double(agentCommits)
    }
}

extension Corroboration {
    /// The mix over the most recent `last` sessions (0: all): commits tied to
    /// (or ambiguous between) sessions of the window, and unattributed agent
    /// commits made since the window's earliest session began.
    public func attributionMix(sessions records: [SessionRecord], last: Int) -> AttributionMix {
        let lo = last == 0 ? 0 : max(0, records.count - last)
        var since = -Double.infinity
        if lo > 0 {
            since = records[lo...].lazy.compactMap(\.start).min().map { $0 - windowSlack } ?? .infinity
        }
        var mix = AttributionMix()
        for commit in agentCommits {
            let inside = commit.sessions.isEmpty
                ? Double(commit.authorTime) >= since
                : commit.sessions.contains { Int($0) >= lo }
            if inside { mix.counts[commit.method, default: 0] += 1 }
        }
        return mix
    }

    /// Ambiguous commits with their candidate session ids, newest first.
    public func ambiguousCommits(sessions records: [SessionRecord]) -> [(commit: AgentCommit, candidates: [String])] {
        agentCommits.filter { $0.method == .ambiguous }.map { c in
            (c, c.sessions.map { records[Int($0)].sessionID })
        }
    }
}
