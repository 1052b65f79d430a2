import FailmixGit
import FailmixRecords
import Foundation

/// Ties one commit to sessions by the rules, in order: a session trailer
/// naming a session; else a SHA a session's deliverables list; else, for
/// agent commits only, the one session window holding the author time.
struct Attributor {
    enum Outcome: Equatable {
        /// Belongs to these sessions (ascending), for this reason.
        case sessions([Int32], AttributionKind)
        /// Inside several windows: a candidate for each, attributed to none.
        case ambiguous([Int32])
        /// An agent commit no session claims.
        case unclaimed
        /// Someone else's commit, which only trailers and deliverables can claim.
        case notAgent
    }

    private let trailerKey: String
    private let sessionsByID: [String: Int32]
    /// Deliverable refs keyed by their first 7 characters (the shortest a
    /// ref can be), so a commit's lookup is one hash probe.
    private let claims: [Substring: [(ref: String, session: Int32)]]
    private let windows: WindowIndex
    private var agents: AuthorMatcher

    init(records: RecordSet, options: EvidenceOptions) {
        trailerKey = options.trailer.lowercased()
        var byID: [String: Int32] = [:]
        byID.reserveCapacity(records.sessions.count)
        var claims: [Substring: [(ref: String, session: Int32)]] = [:]
        for (i, session) in records.sessions.enumerated() {
            if !session.sessionID.isEmpty { byID[session.sessionID] = Int32(i) }
            for ref in records.refs(of: session) { claims[ref.prefix(7), default: []].append((ref, Int32(i))) }
        }
        sessionsByID = byID
        self.claims = claims
        windows = WindowIndex(sessions: records.sessions, slack: options.windowSlack)
        agents = AuthorMatcher(patterns: options.agentAuthors)
    }

    var countsEveryAuthor: Bool { agents.countsEveryone }

    mutating func attribute(_ commit: Commit) -> Outcome {
        let named = commit.trailerValues(forKey: trailerKey).compactMap { value in
            sessionsByID[value.trimmingCharacters(in: .whitespacesAndNewlines)]
        }
        if !named.isEmpty { return .sessions(Array(Set(named)).sorted(), .trailer) }
        let claimants = claims[commit.sha.prefix(7)]?.filter { commit.sha.hasPrefix($0.ref) }.map(\.session) ?? []
        if !claimants.isEmpty { return .sessions(Array(Set(claimants)).sorted(), .deliverable) }
        guard agents.isAgent(name: commit.authorName, email: commit.authorEmail) else { return .notAgent }
        let holders = windows.sessions(containing: Double(commit.authorTime))
        switch holders.count {
        case 0: return .unclaimed
        case 1: return .sessions(holders, .window)
        default: return .ambiguous(holders)
        }
    }
}
