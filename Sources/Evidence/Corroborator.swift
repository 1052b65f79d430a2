import FailmixClassify
import FailmixGit
import FailmixRecords
import FoundationEssentials

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
        // Unusable clocks: windows built from a bulk import's times tie nothing.
        let windowsOff = ClockCheck.bulkImport(records.sessions)
        var attributor = Attributor(records: records, options: options, windowsOff: windowsOff != nil)
        let scan = try HistoryScan(repository: repository, records: records, options: options, attributor: &attributor)
        let ciEvidence = CIEvidence(repository: repository, notesRef: options.notesRef, revertedBy: scan.revertedBy)
        let bookkeeping = BookkeepingCheck(repository: repository, paths: BookkeepingPaths(options.bookkeepingPaths))
        let judge = Judge(catalog: catalog, slack: options.windowSlack, missingHistoryBefore: scan.missingHistoryBefore,
                          windowsOff: windowsOff.map { _ in "the records' timestamps look like a bulk import, so windows can't tie commits to it" },
                          bookkeeping: bookkeeping)

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
        var notes: [String] = ciEvidence.warning.map { [$0] } ?? []
        if attributor.countsEveryAuthor {
            notes.append("no --agent-author given: every author counts as the agent, so anyone's commit inside a session window is attributed to it")
        }
        if isEmpty { notes.append("the repository has no commits: every noop session is confirmed") }
        if windowsOff != nil {
            notes.append("window attribution is off: the records' timestamps look like a bulk import, so only trailers, deliverables and subjects tie commits to sessions, and a noop nothing else refutes is unverifiable")
        }
        let unverifiable = records.sessions.filter(judge.reachesMissingHistory).count
        if let before = scan.missingHistoryBefore, unverifiable > 0 {
            notes.append("shallow clone: history before \(Timestamp.format(Double(before))) is missing, so \(unverifiable) session(s) reaching back past it cannot be verified; fetch full history (actions/checkout `fetch-depth: 0`, or `git fetch --unshallow`)")
        }
        let info = RepositoryInfo(
            workdir: repository.workdir, gitDirectory: repository.gitDirectory, headSHA: repository.headSHA,
            isShallow: repository.isShallow, isEmpty: isEmpty, isDetached: repository.isHeadDetached,
            missingHistoryBefore: scan.missingHistoryBefore)
        return Corroboration(sessions: results, repository: info, notes: notes, commitsWalked: scan.walked,
                             unclaimedCommits: scan.unclaimed.sorted(), agentCommits: scan.agentCommits,
                             windowSlack: options.windowSlack, windowsOff: windowsOff)
    }
}

/// One pass over the history: every walked commit attributed, reverts and
/// the shallow boundary noted. Commits that deliverables name are settled
/// after the walk, when it is known whether their ref fits one commit only.
private struct HistoryScan {
    /// Per session (aligned with the records), in walk order.
    var attributions: [[CommitAttribution]]
    var ambiguous: [[String]]
    var unclaimed: [String] = []
    /// Every commit the attribution mix counts.
    var agentCommits: [AgentCommit] = []
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
        var named: [(sha: String, time: Int64)] = []
        while let commit = try walk.next() {
            walked += 1
            // Reverts come later than what they revert, so they are seen first.
            for victim in RevertMessage.revertedCommits(in: commit.message) { revertedBy[victim, default: []].append(commit.sha) }
            if walk.shallowBoundary.contains(commit.sha) { missingHistoryBefore = max(missingHistoryBefore ?? .min, commit.committerTime) }
            let outcome = attributor.attribute(commit)
            if outcome == .deliverable {
                named.append((commit.sha, commit.authorTime))
                continue
            }
            // The day of slack before the first session is not "unclaimed work".
            record(outcome, sha: commit.sha, time: commit.authorTime, since: oldestStart)
        }
        for (sha, time) in named { record(attributor.settle(sha: sha), sha: sha, time: time, since: oldestStart) }
    }

    private mutating func record(_ outcome: Attributor.Outcome, sha: String, time: Int64, since oldestStart: Double?) {
        switch outcome {
        case let .sessions(indices, kind):
            for i in indices { attributions[Int(i)].append(CommitAttribution(sha: sha, kind: kind)) }
            agentCommits.append(AgentCommit(sha: sha, authorTime: time, method: AttributionMethod(kind), sessions: indices))
        case let .ambiguous(indices, kind):
            for i in indices { ambiguous[Int(i)].append(sha) }
            agentCommits.append(AgentCommit(sha: sha, authorTime: time, method: .ambiguous, sessions: indices, ambiguousBy: kind))
        case .unclaimed:
            if let oldestStart, Double(time) >= oldestStart {
                unclaimed.append(sha)
                agentCommits.append(AgentCommit(sha: sha, authorTime: time, method: .unattributed, sessions: []))
            }
        case .notAgent, .deliverable:
            break
        }
    }
}

/// Which attributed commits touch only bookkeeping paths: trees are diffed
/// only for the commits that could change a noop verdict, each once.
private final class BookkeepingCheck {
    private let repository: Repository
    private let paths: BookkeepingPaths
    private var known: [String: Bool] = [:]

    init(repository: Repository, paths: BookkeepingPaths) {
        self.repository = repository
        self.paths = paths
    }

    var isEmpty: Bool { paths.isEmpty }

    func isBookkeeping(_ sha: String) -> Bool {
        if paths.isEmpty { return false }
        if let answer = known[sha] { return answer }
        // A commit git cannot diff counts as real work: it refutes, as before.
        let answer = (try? repository.changedPaths(sha)).map(paths.coversAll) ?? false
        known[sha] = answer
        return answer
    }
}

/// Signs that a commit broke CI: later reverts, failing CI notes. Each
/// commit is looked up once, however many sessions it belongs to.
private final class CIEvidence {
    private let notes: NotesReader?
    private let revertedBy: [String: [String]]
    private var known: [String: [EvidenceItem]] = [:]

    /// Why the notes ref is not used, when it is damaged.
    let warning: String?

    init(repository: Repository, notesRef: String, revertedBy: [String: [String]]) {
        // A damaged notes ref costs its evidence, not the run.
        do {
            notes = try repository.notes(ref: notesRef)
            warning = nil
        } catch {
            notes = nil
            warning = "warning: \(notesRef) is not a readable notes commit (\(error)); CI notes are not used as evidence"
        }
        self.revertedBy = revertedBy
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
    /// Why window attribution is off for every session, or nil.
    let windowsOff: String?
    let bookkeeping: BookkeepingCheck

    init(catalog: ModeCatalog, slack: Double, missingHistoryBefore: Int64?, windowsOff: String?, bookkeeping: BookkeepingCheck) {
        noopMode = catalog.index(of: "noop")
        ciBreakMode = catalog.index(of: "ci_break")
        self.slack = slack
        self.missingHistoryBefore = missingHistoryBefore
        self.windowsOff = windowsOff
        self.bookkeeping = bookkeeping
    }

    /// Its window (or, untimed, possibly its window) begins where a shallow
    /// clone's history may already be missing commits.
    func reachesMissingHistory(_ session: SessionRecord) -> Bool {
        guard let horizon = missingHistoryBefore else { return false }
        guard let start = session.start else { return true }
        return start - slack <= Double(horizon)
    }

    /// Why no window can judge this session, or nil when one can.
    func windowUnusable(_ session: SessionRecord) -> String? {
        if let windowsOff { return windowsOff }
        if session.start == nil || session.end == nil { return "the record has no usable time, so no window can tie commits to it" }
        return nil
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
            // Commits that only keep books (a journal entry, state) don't show work.
            var work = false
            for attribution in attributions {
                if bookkeeping.isBookkeeping(attribution.sha) { result.bookkeepingCommits.append(attribution.sha) } else { work = true; break }
            }
            let unusable = work ? nil : windowUnusable(session)
            let verdict: NoopVerdict =
                if work { .refuted }
                else if reachesMissingHistory(session) { .unverifiable }
                else if unusable != nil { .unverifiable }
                else if !ambiguous.isEmpty { .uncertain }
                else { .confirmed }
            result.noop = verdict
            if verdict == .unverifiable {
                result.noopReason = reachesMissingHistory(session) ? "its window reaches into history this shallow clone lacks" : unusable
            }
            if verdict == .refuted { modes.remove(noopMode) }
            if work { result.bookkeepingCommits = [] }
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
