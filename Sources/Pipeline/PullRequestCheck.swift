import FailmixGit
import FoundationEssentials

/// A pull request's own sessions: the commits in `base..head`, who made
/// them, and whether any of those sessions had a blocking mode.
public struct PullRequestCheck: Sendable {
    public struct CommitClaim: Sendable {
        public var sha: String
        public var subject: String
        /// Indices into the record set's sessions.
        public var sessions: [Int]
    }

    public var commits: [CommitClaim]
    public var findings: [Finding]
    public var level: Level
    /// The commits and the sessions behind them by id, for reports.
    public var summary: PullRequestSummary

    /// Checks `base..head` against every session's evidence.
    public static func evaluate(
        base: String, head: String, repository: Repository, records: RecordSet, corroboration: Corroboration,
        catalog: ModeCatalog, blockModes: [String], repositoryRoot: String?
    ) throws -> PullRequestCheck {
        let shas = try repository.commits(from: base, to: head)
        var owners: [String: [Int]] = [:]
        for (i, evidence) in corroboration.sessions.enumerated() {
            for sha in evidence.commits { owners[sha, default: []].append(i) }
        }
        let blocking = ModeSet(bits: blockModes.compactMap(catalog.index(of:)).reduce(0) { $0 | (1 << UInt64($1)) })
        var claims: [CommitClaim] = []
        var findings: [Finding] = []
        for sha in shas {
            let subject = (try? repository.commit(sha).message)?.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
            let sessions = owners[sha] ?? []
            claims.append(CommitClaim(sha: sha, subject: subject, sessions: sessions))
            if sessions.isEmpty {
                findings.append(Finding(level: .notice, rule: "pr.unclaimed", title: "Commit no session claims",
                                        message: "\(sha.prefix(12)) \(subject)", commit: sha))
            }
            for i in sessions {
                let session = records.sessions[i]
                let modes = ModeSet(bits: (session.modeBits | corroboration.sessions[i].corroboratedModeBits) & blocking.bits)
                for m in modes {
                    let name = catalog.modes[m].name
                    findings.append(Finding(
                        level: .failure, rule: "pr.\(name)", title: "Pull-request session with \(name)",
                        message: "session \(session.sessionID) (\(catalog.modes[m].label)) made commit \(sha.prefix(12)) \(subject)",
                        sessionID: session.sessionID, commit: sha,
                        path: relativePath(records.path(of: session.location), to: repositoryRoot), line: Int(session.location.line)))
                }
            }
        }
        let level: Level = findings.contains { $0.level == .failure } ? .fail : .pass
        var order: [Int] = []
        var commitsOf: [Int: [String]] = [:]
        for claim in claims {
            for i in claim.sessions {
                if commitsOf[i] == nil { order.append(i) }
                commitsOf[i, default: []].append(claim.sha)
            }
        }
        let summary = PullRequestSummary(
            base: base, head: head,
            commits: claims.map { .init(sha: $0.sha, subject: $0.subject, sessionIDs: $0.sessions.map { records.sessions[$0].sessionID }) },
            sessions: order.map { i in
                .init(id: records.sessions[i].sessionID,
                      modes: catalog.names(ModeSet(bits: records.sessions[i].modeBits | corroboration.sessions[i].corroboratedModeBits)),
                      commits: commitsOf[i] ?? [])
            })
        return PullRequestCheck(commits: claims, findings: findings, level: level, summary: summary)
    }
}
