import FailmixClassify
import FailmixGit
import FailmixRecords
import Foundation

/// The Evidence stage: reads the history once, ties commits to sessions and
/// turns what the records claim into verdicts.
public enum Corroborator {
    /// How far before the oldest session window the walk still goes: commit
    /// times are ordered only as well as the committers' clocks agree.
    public static let clockSkewAllowance: Double = 86_400

    /// Records must have been read with `collectDeliverableRefs`.
    public static func corroborate(
        records: RecordSet, catalog: ModeCatalog, options: EvidenceOptions, repository: Repository
    ) throws(GitError) -> Corroboration {
        // Nothing it depends on changed since last time: no walk at all.
        let cache = CorroborationCache(path: repository.commonDirectory + "/failmix/cache/evidence.cache")
        let key = CorroborationCache.key(records: records, catalog: catalog, options: options, repository: repository)
        if let key, let cached = cache.load(key: key) { return cached }
        let result = try walkAndJudge(records: records, catalog: catalog, options: options, repository: repository)
        if let key { cache.save(result, key: key) }
        return result
    }

    private static func walkAndJudge(
        records: RecordSet, catalog: ModeCatalog, options: EvidenceOptions, repository: Repository
    ) throws(GitError) -> Corroboration {
        var attributor = Attributor(records: records, options: options)
        let scan = try HistoryScan(repository: repository, records: records, options: options, attributor: &attributor)
        let ciEvidence = try CIEvidence(repository: repository, notesRef: options.notesRef, revertedBy: scan.revertedBy)
        let judge = Judge(catalog: catalog, slack: options.windowSlack, missingHistoryBefore: scan.missingHistoryBefore)

        var results: [SessionEvidence] = []
        results.reserveCapacity(records.sessions.count)
        for (i, session) in records.sessions.enumerated() {
            let mine = scan.attributions[i].sorted { $0.sha < $1.sha }
            let others = Set(scan.ambiguous[i]).subtracting(mine.map(\.sha)).sorted()
            var evidence: [EvidenceItem] = []
            for attribution in mine { evidence += try ciEvidence.items(for: attribution.sha) }
            results.append(judge.evidence(for: session, attributions: mine, ambiguous: others, ciEvidence: evidence.sorted()))
        }

        let isEmpty = repository.isEmpty
        var notes: [String] = []
        if attributor.countsEveryAuthor {
            notes.append("no --agent-author given: every author counts as the agent, so anyone's commit inside a session window is attributed to it")
        }
        if isEmpty { notes.append("the repository has no commits: every noop session is confirmed") }
        let unverifiable = records.sessions.filter(judge.reachesMissingHistory).count
        if let before = scan.missingHistoryBefore, unverifiable > 0 {
            notes.append("shallow clone: history before \(Timestamp.format(Double(before))) is missing, so \(unverifiable) session(s) reaching back past it cannot be verified; fetch full history (actions/checkout `fetch-depth: 0`, or `git fetch --unshallow`)")
        }
        let info = RepositoryInfo(
            workdir: repository.workdir, gitDirectory: repository.gitDirectory, headSHA: repository.headSHA,
            isShallow: repository.isShallow, isEmpty: isEmpty, isDetached: repository.isHeadDetached,
            missingHistoryBefore: scan.missingHistoryBefore)
        return Corroboration(sessions: results, repository: info, notes: notes, commitsWalked: scan.walked,
                             unclaimedCommits: scan.unclaimed.sorted())
    }

}

/// One pass over the history: every walked commit attributed, reverts and
/// the shallow boundary noted.
private struct HistoryScan {
    /// Per session (aligned with the records), in walk order.
    var attributions: [[CommitAttribution]]
    var ambiguous: [[String]]
    var unclaimed: [String] = []
    /// Reverted SHA → the commits reverting it.
    var revertedBy: [String: [String]] = [:]
    var missingHistoryBefore: Int64?
    var walked = 0

    init(repository: Repository, records: RecordSet, options: EvidenceOptions, attributor: inout Attributor) throws(GitError) {
        attributions = Array(repeating: [], count: records.sessions.count)
        ambiguous = Array(repeating: [], count: records.sessions.count)
        let oldestStart = records.sessions.lazy.compactMap(\.start).min().map { $0 - options.windowSlack }
        let stopBefore = oldestStart.map { Int64(($0 - Corroborator.clockSkewAllowance).rounded(.down)) }
        let tips = WalkTips(revs: options.revs, allBranches: options.allBranches)
        let walk = try repository.walk(from: tips, stopBefore: stopBefore)
        while let commit = try walk.next() {
            walked += 1
            // Reverts come later than what they revert, so they are seen first.
            for victim in CIEvidence.revertedCommits(in: commit.message) { revertedBy[victim, default: []].append(commit.sha) }
            if walk.shallowBoundary.contains(commit.sha) { missingHistoryBefore = max(missingHistoryBefore ?? .min, commit.committerTime) }
            switch attributor.attribute(commit) {
            case let .sessions(indices, kind):
                for i in indices { attributions[Int(i)].append(CommitAttribution(sha: commit.sha, kind: kind)) }
            case let .ambiguous(indices):
                for i in indices { ambiguous[Int(i)].append(commit.sha) }
            case .unclaimed:
                // The day of slack before the first session is not "unclaimed work".
                if let oldestStart, Double(commit.authorTime) >= oldestStart { unclaimed.append(commit.sha) }
            case .notAgent:
                break
            }
        }
    }
}

private extension UInt8 {
    var isHexDigit: Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(self | 0x20)
    }
}

/// Signs that a commit broke CI: later reverts, failing CI notes. Each
/// commit is looked up once, however many sessions it belongs to.
private final class CIEvidence {
    private let notes: NotesReader?
    private let revertedBy: [String: [String]]
    private var known: [String: [EvidenceItem]] = [:]

    init(repository: Repository, notesRef: String, revertedBy: [String: [String]]) throws(GitError) {
        notes = try repository.notes(ref: notesRef)
        self.revertedBy = revertedBy
    }

    /// The commits `message` says it reverts (`This reverts commit <sha>`), as git writes it.
    /// Searched in the UTF-8 bytes: a String search through Foundation took
    /// half of a cold walk of a history with long messages.
    static func revertedCommits(in message: String) -> [String] {
        var message = message
        return message.withUTF8 { bytes in
            let marker: StaticString = "This reverts commit "
            let length = marker.utf8CodeUnitCount
            var found: [String] = []
            var at = 0
            while bytes.count - at >= length + 40 {
                // memchr to each "T", then compare the rest.
                guard let t = memchr(bytes.baseAddress! + at, Int32(UInt8(ascii: "T")), bytes.count - at - length - 39) else { break }
                at = UnsafeRawPointer(t) - UnsafeRawPointer(bytes.baseAddress!)
                if memcmp(t, marker.utf8Start, length) == 0 {
                    let sha = UnsafeBufferPointer(rebasing: bytes[(at + length)..<(at + length + 40)])
                    if sha.allSatisfy(\.isHexDigit) { found.append(String(decoding: sha, as: UTF8.self).lowercased()) }
                    at += length
                } else {
                    at += 1
                }
            }
            return found
        }
    }

    func items(for sha: String) throws(GitError) -> [EvidenceItem] {
        if let items = known[sha] { return items }
        var items = (revertedBy[sha] ?? []).map { EvidenceItem(sha: sha, kind: .revert, detail: $0) }
        if let text = try notes?.note(for: sha) {
            let note = CINote(parsing: text)
            if note.isFailure { items.append(EvidenceItem(sha: sha, kind: .ciNote, detail: note.summary)) }
        }
        known[sha] = items
        return items
    }
}

/// Turns one session's commits and evidence into verdicts.
private struct Judge {
    let noopMode: Int?
    let ciBreakMode: Int?
    let slack: Double
    let missingHistoryBefore: Int64?

    init(catalog: ModeCatalog, slack: Double, missingHistoryBefore: Int64?) {
        noopMode = catalog.index(of: "noop")
        ciBreakMode = catalog.index(of: "ci_break")
        self.slack = slack
        self.missingHistoryBefore = missingHistoryBefore
    }

    /// Its window (or, untimed, possibly its window) begins where a shallow
    /// clone's history may already be missing commits.
    func reachesMissingHistory(_ session: SessionRecord) -> Bool {
        guard let horizon = missingHistoryBefore else { return false }
        guard let start = session.start else { return true }
        return start - slack <= Double(horizon)
    }

    func evidence(
        for session: SessionRecord, attributions: [CommitAttribution], ambiguous: [String], ciEvidence: [EvidenceItem]
    ) -> SessionEvidence {
        var result = SessionEvidence()
        result.attributions = attributions
        result.ambiguousCommits = ambiguous
        result.evidence = ciEvidence
        var modes = ModeSet(bits: session.modeBits)
        if let noopMode, modes.contains(noopMode) {
            let verdict: NoopVerdict =
                if !attributions.isEmpty { .refuted }
                else if reachesMissingHistory(session) { .unverifiable }
                else if !ambiguous.isEmpty { .uncertain }
                else { .confirmed }
            result.noop = verdict
            if verdict == .refuted { modes.remove(noopMode) }
        }
        if let ciBreakMode {
            result.ciBreak = CIBreakVerdict(recorded: modes.contains(ciBreakMode), evidenced: !ciEvidence.isEmpty)
            if result.ciBreak == .unreported { modes.insert(ciBreakMode) }
        }
        result.productiveWithoutCommits = session.isProductive && attributions.isEmpty && !session.hasDeliverables
        result.corroboratedModeBits = modes.bits
        return result
    }
}
