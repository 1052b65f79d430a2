import FailmixGit
import FailmixRecords
import FoundationEssentials

/// Ties one commit to sessions by the rules, in order: a session trailer
/// naming a session; a SHA a session's deliverables list (decided after the
/// walk, once it is known how many walked commits the SHA fits); a subject
/// naming a session (`[git] subject_patterns`); else, for the agent's own
/// commits (never a bot's), the one session window holding the author time.
/// A step that finds several sessions makes the commit ambiguous: it is
/// evidence for none of them.
struct Attributor {
    enum Outcome: Equatable {
        /// Belongs to these sessions (ascending), for this reason.
        case sessions([Int32], AttributionKind)
        /// Several sessions could claim it; attributed to none.
        case ambiguous([Int32], AttributionKind)
        /// Deliverables name it: settled by `settle` after the walk.
        case deliverable
        /// An agent commit no session claims.
        case unclaimed
        /// Someone else's commit, which only trailers, deliverables and subjects can claim.
        case notAgent
    }

    typealias Claim = (ref: String, session: Int32)

    private let trailerKey: Commit.TrailerKey
    private let ids: SessionIDIndex
    /// Deliverable refs keyed by their first 7 bytes (the shortest a ref can
    /// be), packed into an integer, so a commit's lookup is one cheap hash
    /// probe (a Substring's hash is Unicode-aware).
    private let claimsByPrefix: [UInt64: [Claim]]
    private let subjects: SubjectMatcher
    private let windows: WindowIndex
    /// Window attribution is off for every session (unusable clocks).
    private let windowsOff: Bool
    private var agents: AuthorMatcher
    /// How many walked commits each deliverable ref fits.
    private var refHits: [String: Int] = [:]

    init(records: RecordSet, options: EvidenceOptions, windowsOff: Bool) {
        trailerKey = Commit.TrailerKey(options.trailer)
        ids = SessionIDIndex(sessions: records.sessions)
        var claims: [UInt64: [Claim]] = [:]
        for (i, session) in records.sessions.enumerated() {
            for ref in records.refs(of: session) { claims[Self.prefixKey(ref), default: []].append((ref, Int32(i))) }
        }
        claimsByPrefix = claims
        subjects = SubjectMatcher(patterns: options.subjectPatterns)
        windows = WindowIndex(sessions: records.sessions, slack: options.windowSlack)
        self.windowsOff = windowsOff
        agents = AuthorMatcher(patterns: options.agentAuthors)
    }

    var countsEveryAuthor: Bool { agents.countsEveryone }

    /// The deliverable claims a commit's SHA fits.
    func claims(on sha: String) -> [Claim] {
        claimsByPrefix[Self.prefixKey(sha)]?.filter { sha.hasPrefix($0.ref) } ?? []
    }

    /// A ref's or a SHA's first 7 bytes, the shortest a ref can be.
    private static func prefixKey(_ text: String) -> UInt64 { packedPrefix(text.utf8, upTo: 7) }

    mutating func attribute(_ commit: Commit) -> Outcome {
        let claims = claims(on: commit.sha)
        for claim in Set(claims.map(\.ref)) { refHits[claim, default: 0] += 1 }
        let (named, candidates) = trailerMatch(commit)
        if !named.isEmpty { return .sessions(named, .trailer) }
        if !candidates.isEmpty { return .ambiguous(candidates, .trailer) }
        if !claims.isEmpty { return .deliverable }
        switch subjects.match(message: commit.message, ids: ids) {
        case let .one(session): return .sessions([session], .subject)
        case let .several(sessions): return .ambiguous(sessions, .subject)
        case .none: break
        }
        guard agents.isAgent(name: commit.authorName, email: commit.authorEmail) else { return .notAgent }
        if windowsOff { return .unclaimed }
        let holders = windows.sessions(containing: Double(commit.authorTime))
        switch holders.count {
        case 0: return .unclaimed
        case 1: return .sessions(holders, .window)
        default: return .ambiguous(holders, .window)
        }
    }

    /// Every trailer with the key: the sessions named exactly or by a unique
    /// prefix, and the candidates of prefixes that fit several.
    private func trailerMatch(_ commit: Commit) -> (named: [Int32], candidates: [Int32]) {
        var named: Set<Int32> = [], candidates: Set<Int32> = []
        for value in commit.trailerValues(for: trailerKey) {
            switch ids.match(value) {
            case let .one(session): named.insert(session)
            case let .several(sessions): candidates.formUnion(sessions)
            case .none: break
            }
        }
        return (named.sorted(), candidates.sorted())
    }

    /// A commit deliverables name, once the walk is over: the sessions whose
    /// ref fits this commit alone; ambiguous when every ref fitting it also
    /// fits another walked commit (a short SHA that collides).
    func settle(sha: String) -> Outcome {
        let claims = claims(on: sha)
        let unique = Set(claims.filter { refHits[$0.ref] == 1 }.map(\.session))
        if !unique.isEmpty { return .sessions(unique.sorted(), .deliverable) }
        return .ambiguous(Set(claims.map(\.session)).sorted(), .deliverable)
    }
}
