import Foundation
import Testing
@testable import FailmixEvidence
@testable import FailmixGit
@testable import FailmixKit
@testable import FailmixRecords

/// A session as a test writes it into a records file.
struct SessionSpec {
    var id: String
    var start: Int64?
    var end: Int64?
    var outcome = "productive"
    var ciBreak = false
    var deliverables: [String] = []

    init(_ id: String, _ start: Int64?, _ end: Int64?, outcome: String = "productive", ciBreak: Bool = false,
         deliverables: [String] = []) {
        self.id = id
        self.start = start
        self.end = end
        self.outcome = outcome
        self.ciBreak = ciBreak
        self.deliverables = deliverables
    }

    var json: [String: Any] {
        var record: [String: Any] = ["session_id": id, "outcome": outcome, "deliverables": deliverables]
        let iso = ISO8601DateFormatter()
        if let start { record["start_time"] = iso.string(from: Date(timeIntervalSince1970: TimeInterval(start))) }
        if let end {
            record["end_time"] = iso.string(from: Date(timeIntervalSince1970: TimeInterval(end)))
            record["timestamp"] = record["end_time"]
        }
        if ciBreak { record["grade_reasons"] = ["harm": "ci_break: tests failed after push"] }
        return record
    }
}

/// The records as the pipeline reads them, and what git makes of them.
struct Outcome {
    var records: RecordSet
    var catalog: ModeCatalog
    var corroboration: Corroboration

    subscript(_ id: String) -> SessionEvidence {
        corroboration.sessions[records.sessions.firstIndex { $0.sessionID == id }!]
    }

    func modes(_ id: String) -> [String] {
        catalog.names(ModeSet(bits: self[id].corroboratedModeBits))
    }
}

func corroborate(
    _ repositoryPath: String, _ sessions: [SessionSpec],
    options: EvidenceOptions = EvidenceOptions(agentAuthors: ["bob@agents.example.org"])
) throws -> Outcome {
    let dir = TempDir("failmix-records")
    let lines = try sessions.map { String(decoding: try JSONSerialization.data(withJSONObject: $0.json), as: UTF8.self) }
    let path = dir.write("session-records.jsonl", lines.joined(separator: "\n") + "\n")
    let (records, catalog) = try readRecords([path], rotated: false, refs: true)
    let repository = try Repository.discover(from: repositoryPath)
    return Outcome(records: records, catalog: catalog,
                   corroboration: try Corroborator.corroborate(records: records, catalog: catalog, options: options, repository: repository))
}

@Suite struct EvidenceTests {
    let t0: Int64 = 1_780_000_000
    let agent = TestRepository.agent
    let human = TestRepository.human

    @Test func everyAttributionPath() throws {
        let repo = try TestRepository()
        let byTrailer = try repo.commit("far away\n\ngit-session-id:  s1 \n", at: t0 + 100_000)
        try repo.commit("human, inside s1", at: t0 + 50)
        let inWindow = try repo.commit("agent, inside s1", at: t0 + 500, author: agent)
        let atWindowEnd = try repo.commit("agent, at s1's end", at: t0 + 1000, author: agent)
        let ambiguous = try repo.commit("agent, inside s2 and s3", at: t0 + 2700, author: agent)
        let listedShort = try repo.commit("human, listed by s2", at: t0 + 3500)
        let unclaimed = try repo.commit("agent, in no window", at: t0 + 10_000, author: agent)
        let trailerInOverlap = try repo.commit("agent\n\nGit-Session-Id: s3\n", at: t0 + 2600, author: agent)
        let listedFull = try repo.commit("agent, in s2, listed by s3", at: t0 + 2200, author: agent)
        let outcome = try corroborate(repo.path, [
            SessionSpec("s1", t0, t0 + 1000, deliverables: ["see https://example.org/commit/\(listedShort)"]),
            SessionSpec("s2", t0 + 2000, t0 + 3000, deliverables: ["fix (\(listedShort.prefix(7)))"]),
            SessionSpec("s3", t0 + 2500, t0 + 4000, deliverables: [listedFull.uppercased()]),
        ])
        #expect(outcome["s1"].attributions == [
            CommitAttribution(sha: byTrailer, kind: .trailer), CommitAttribution(sha: inWindow, kind: .window),
            CommitAttribution(sha: atWindowEnd, kind: .window),
        ].sorted { $0.sha < $1.sha })
        #expect(outcome["s1"].ambiguousCommits.isEmpty)
        #expect(outcome["s2"].commits == [listedShort])
        #expect(outcome["s2"].kind(of: listedShort) == .deliverable)
        #expect(outcome["s2"].ambiguousCommits == [ambiguous])
        #expect(outcome["s3"].commits == [trailerInOverlap, listedFull].sorted())
        #expect(outcome["s3"].kind(of: trailerInOverlap) == .trailer)
        #expect(outcome["s3"].kind(of: listedFull) == .deliverable)
        #expect(outcome["s3"].ambiguousCommits == [ambiguous])
        #expect(outcome.corroboration.unclaimedCommits == [unclaimed])
        #expect(outcome.corroboration.commitsWalked == 9)
        #expect(outcome.corroboration.notes.isEmpty)
    }

    @Test(arguments: [["*@AGENTS.example.org"], ["bob"], ["B?b"], ["[a-c]ob"], ["nobody", "*agents*"]])
    func agentAuthorGlobsMatchEmailOrName(patterns: [String]) throws {
        let repo = try TestRepository()
        let agentCommit = try repo.commit("agent", at: t0 + 500, author: agent)
        try repo.commit("human", at: t0 + 600, author: human)
        let outcome = try corroborate(repo.path, [SessionSpec("s1", t0, t0 + 1000)],
                                      options: EvidenceOptions(agentAuthors: patterns))
        #expect(outcome["s1"].commits == [agentCommit])
    }

    @Test func withoutAgentAuthorsEveryAuthorCounts() throws {
        let repo = try TestRepository()
        let agentCommit = try repo.commit("agent", at: t0 + 500, author: agent)
        let humanCommit = try repo.commit("human", at: t0 + 600, author: human)
        let everyone = try corroborate(repo.path, [SessionSpec("s1", t0, t0 + 1000)], options: EvidenceOptions())
        #expect(everyone["s1"].commits == [agentCommit, humanCommit].sorted())
        #expect(everyone.corroboration.notes.count == 1)
        #expect(everyone.corroboration.notes[0].contains("every author counts"))
        let onlyErik = try corroborate(repo.path, [SessionSpec("s1", t0, t0 + 1000)],
                                       options: EvidenceOptions(agentAuthors: ["erik@*"]))
        #expect(onlyErik["s1"].commits == [humanCommit])
        #expect(onlyErik.corroboration.notes.isEmpty)
    }

    @Test func slackWidensWindowsAndUntimedSessionsNeverMatchByTime() throws {
        let repo = try TestRepository()
        let late = try repo.commit("just after s1", at: t0 + 1030, author: agent)
        let named = try repo.commit("for the untimed one\n\nGit-Session-Id: untimed\n", at: t0 + 1040, author: agent)
        let sessions = [SessionSpec("s1", t0, t0 + 1000), SessionSpec("untimed", nil, nil)]
        let strict = try corroborate(repo.path, sessions)
        #expect(strict["s1"].commits.isEmpty)
        #expect(strict.corroboration.unclaimedCommits == [late])
        #expect(strict["untimed"].commits == [named])
        let slack = try corroborate(repo.path, sessions,
                                    options: EvidenceOptions(agentAuthors: ["bob@*"], windowSlack: 60))
        #expect(slack["s1"].commits == [late])
        #expect(slack["untimed"].commits == [named])
    }

    @Test func noopVerdicts() throws {
        let repo = try TestRepository()
        try repo.commit("in n1", at: t0 + 500, author: agent)
        try repo.commit("in n2 and p3", at: t0 + 2700, author: agent)
        try repo.commit("human in n4", at: t0 + 5500, author: human)
        let outcome = try corroborate(repo.path, [
            SessionSpec("n1", t0, t0 + 1000, outcome: "noop"),
            SessionSpec("n2", t0 + 2000, t0 + 3000, outcome: "noop"),
            SessionSpec("p3", t0 + 2500, t0 + 4000),
            SessionSpec("n4", t0 + 5000, t0 + 6000, outcome: "NOOP"),
        ])
        #expect(outcome["n1"].noop == .refuted)
        #expect(outcome.modes("n1").isEmpty)
        #expect(outcome["n2"].noop == .uncertain)
        #expect(outcome.modes("n2") == ["noop"])
        #expect(outcome["p3"].noop == nil)
        #expect(outcome["n4"].noop == .confirmed)
        var expected = VerdictCounts()
        expected.noop = [.refuted: 1, .uncertain: 1, .confirmed: 1]
        expected.productiveWithoutCommits = 1  // p3: its only nearby commit is ambiguous
        #expect(outcome.corroboration.verdictCounts(last: 0) == expected)
        // Ordered by window end: the last two are p3 and n4.
        #expect(outcome.corroboration.verdictCounts(last: 2).noop == [.confirmed: 1])
        #expect(outcome.corroboration.verdictCounts(in: 0..<1).noop == [.refuted: 1])
        #expect(NoopVerdict.allCases.map(\.rawValue) == ["confirmed", "refuted", "uncertain", "unverifiable"])
    }

    /// A long walk renews its object database as it ends (CommitWalk.finish):
    /// notes read after it, for recent and for old commits, are evidence.
    @Test func notesAfterALongWalkAreRead() throws {
        let repo = try TestRepository()
        let n = CommitWalk.longWalk + 1_000
        let old = 100, new = n - 10
        let commits = (0..<n).map { i in
            (message: i == old ? "old work\n\nGit-Session-Id: old\n" : i == new ? "new work\n\nGit-Session-Id: new\n" : "c\(i)\n",
             time: t0 + Int64(i) * 60)
        }
        let shas = try repo.importCommits(commits, author: agent)
        let repository = try Repository.open(repo.path)
        for i in [old, new] {
            try repository.setNote(sha: shas[i], message: "status: failure\njob: build \(i)\n", authorName: "CI", authorEmail: "ci@example.org")
        }
        let at = { (i: Int) in t0 + Int64(i) * 60 }
        let outcome = try corroborate(repo.path, [SessionSpec("old", at(old) - 30, at(old) + 30), SessionSpec("new", at(new) - 30, at(new) + 30)])
        #expect(outcome.corroboration.commitsWalked > CommitWalk.longWalk)
        #expect(outcome["old"].evidence == [EvidenceItem(sha: shas[old], kind: .ciNote, detail: "job: build \(old)")])
        #expect(outcome["new"].evidence == [EvidenceItem(sha: shas[new], kind: .ciNote, detail: "job: build \(new)")])
    }

    @Test func ciBreakVerdictsFromRevertsAndNotes() throws {
        let repo = try TestRepository()
        let reverted = try repo.commit("b1 work\n\nGit-Session-Id: b1\n", at: t0 + 100, author: agent)
        let failedKeyValue = try repo.commit("b2 work\n\nGit-Session-Id: b2\n", at: t0 + 1100, author: agent)
        let passed = try repo.commit("b3 work\n\nGit-Session-Id: b3\n", at: t0 + 2100, author: agent)
        let failedJSON = try repo.commit("b4 work\n\nGit-Session-Id: b4\n", at: t0 + 3100, author: agent)
        let revert = try repo.commit("Revert \"b1 work\"\n\nThis reverts commit \(reverted).\n", at: t0 + 9000, author: human)
        let repository = try Repository.open(repo.path)
        try repository.setNote(sha: failedKeyValue, message: "status: failure\njob: test\nurl: https://ci.example.org/1\n",
                               authorName: "CI", authorEmail: "ci@example.org")
        try repository.setNote(sha: passed, message: "status: success\njob: test\n", authorName: "CI", authorEmail: "ci@example.org")
        try repo.git(["notes", "--ref", "refs/notes/ci", "add", "-m",
                      #"{"status": "Failure", "job": "lint", "url": "https://ci.example.org/2", "at": "2026-06-01T00:00:00Z"}"#,
                      failedJSON])
        let outcome = try corroborate(repo.path, [
            SessionSpec("b1", t0, t0 + 1000, ciBreak: true),
            SessionSpec("b2", t0 + 1000, t0 + 2000),
            SessionSpec("b3", t0 + 2000, t0 + 3000, ciBreak: true),
            SessionSpec("b4", t0 + 3000, t0 + 4000),
            SessionSpec("b5", t0 + 4000, t0 + 5000),
            SessionSpec("b6", t0 + 5000, t0 + 6000, deliverables: ["a write-up"]),
        ])
        #expect(outcome["b1"].ciBreak == .confirmed)
        #expect(outcome["b1"].evidence == [EvidenceItem(sha: reverted, kind: .revert, detail: revert)])
        #expect(outcome.modes("b1") == ["ci_break"])
        #expect(outcome["b2"].ciBreak == .unreported)
        #expect(outcome["b2"].evidence == [EvidenceItem(sha: failedKeyValue, kind: .ciNote, detail: "job: test, url: https://ci.example.org/1")])
        #expect(outcome.modes("b2") == ["ci_break"])
        #expect(outcome["b3"].ciBreak == .unconfirmed)
        #expect(outcome["b3"].evidence.isEmpty)
        #expect(outcome["b4"].ciBreak == .unreported)
        #expect(outcome["b4"].evidence.map(\.detail) == ["job: lint, url: https://ci.example.org/2, at: 2026-06-01T00:00:00Z"])
        #expect(outcome["b5"].ciBreak == nil && outcome["b5"].productiveWithoutCommits)
        #expect(!outcome["b6"].productiveWithoutCommits)
        #expect(!outcome["b1"].productiveWithoutCommits)
        let counts = outcome.corroboration.verdictCounts(last: 0)
        #expect(counts.ciBreak == [.confirmed: 1, .unreported: 2, .unconfirmed: 1])
        #expect(counts.productiveWithoutCommits == 1)
        // Another notes ref holds none of these notes.
        let elsewhere = try corroborate(repo.path, [SessionSpec("b2", t0 + 1000, t0 + 2000)],
                                        options: EvidenceOptions(agentAuthors: ["bob@*"], notesRef: "refs/notes/commits"))
        #expect(elsewhere["b2"].ciBreak == nil)
    }

    @Test func ciNoteFormats() {
        let keyValue = CINote(parsing: "Status: failure\n job : build \nurl: https://x/1?a=b:c\nnoise\n")
        #expect(keyValue.isFailure)
        #expect(keyValue.summary == "job: build, url: https://x/1?a=b:c")
        let json = CINote(parsing: #" {"status": "failure", "job": 7} "#)
        #expect(json.isFailure && json.summary == "job: 7")
        #expect(!CINote(parsing: "status: success").isFailure)
        #expect(!CINote(parsing: "{not json").isFailure)
        #expect(CINote(parsing: "status: failure").summary == "status: failure")
    }

    @Test func shallowCloneMakesOldSessionsUnverifiable() throws {
        let day: Int64 = 86_400
        let source = try TestRepository()
        for d in 0..<6 { try source.commit("day \(d)", at: t0 + Int64(d) * day) }
        try source.commit("agent, naming an old session\n\nGit-Session-Id: oldRefuted\n", at: t0 + 5 * day + 100, author: agent)
        let clone = source.parent.file("clone")
        try TestRepository.git(["clone", "-q", "--depth", "4", "file://" + source.path, clone], in: source.parent.path)
        let sessions = [
            SessionSpec("old", t0 + day + 100, t0 + day + 200, outcome: "noop"),
            SessionSpec("oldRefuted", t0 + day + 300, t0 + day + 400, outcome: "noop"),
            SessionSpec("oldProductive", t0 + day + 500, t0 + day + 600),
            SessionSpec("recent", t0 + 4 * day + 100, t0 + 4 * day + 200, outcome: "noop"),
        ]
        let shallow = try corroborate(clone, sessions)
        #expect(shallow.corroboration.repository.isShallow)
        #expect(shallow.corroboration.repository.missingHistoryBefore == t0 + 3 * day)
        #expect(shallow["old"].noop == .unverifiable)
        #expect(shallow["oldRefuted"].noop == .refuted)
        #expect(shallow["recent"].noop == .confirmed)
        let warnings = shallow.corroboration.notes.filter { $0.contains("shallow") }
        #expect(warnings.count == 1)
        #expect(warnings.first?.contains("fetch-depth: 0") == true)
        #expect(warnings.first?.contains("3 session(s)") == true)
        #expect(shallow.corroboration.notes.count == 1)
        // Only recent sessions: the boundary is never reached, nothing to warn about.
        let recentOnly = try corroborate(clone, [sessions[3]])
        #expect(recentOnly["recent"].noop == .confirmed)
        #expect(recentOnly.corroboration.notes.isEmpty)
        // Deepened under the same HEAD, still shallow: the cached verdicts must not be reused.
        #expect(try corroborate(clone, sessions)["old"].noop == .unverifiable)
        try TestRepository.git(["fetch", "-q", "--deepen", "2"], in: clone)
        let deeper = try corroborate(clone, sessions)
        #expect(deeper.corroboration.repository.isShallow && deeper["old"].noop == .confirmed)
        // The full history settles it.
        let full = try corroborate(source.path, sessions)
        #expect(full["old"].noop == .confirmed)
        #expect(!full.corroboration.repository.isShallow && full.corroboration.notes.isEmpty)
    }

    @Test func emptyRepositoryConfirmsEveryNoop() throws {
        let repo = try TestRepository()
        let outcome = try corroborate(repo.path, [
            SessionSpec("n1", t0, t0 + 100, outcome: "noop"), SessionSpec("p1", t0 + 200, t0 + 300),
        ])
        let info = outcome.corroboration.repository
        #expect(info.isEmpty && info.headSHA == nil && !info.isShallow)
        #expect(outcome["n1"].noop == .confirmed)
        #expect(outcome["p1"].productiveWithoutCommits)
        #expect(outcome.corroboration.commitsWalked == 0)
        #expect(outcome.corroboration.notes == ["the repository has no commits: every noop session is confirmed"])
    }

    @Test func detachedHeadWalksFromTheCheckedOutCommit() throws {
        let repo = try TestRepository()
        let first = try repo.commit("in s1", at: t0 + 500, author: agent)
        try repo.commit("in s2", at: t0 + 1500, author: agent)
        try repo.git(["checkout", "-q", "--detach", first])
        let outcome = try corroborate(repo.path, [SessionSpec("s1", t0, t0 + 1000), SessionSpec("s2", t0 + 1000, t0 + 2000)])
        #expect(outcome.corroboration.repository.isDetached)
        #expect(outcome.corroboration.repository.headSHA == first)
        #expect(outcome["s1"].commits == [first])
        #expect(outcome["s2"].commits.isEmpty)
    }

    @Test func worktreeIsFoundFromASubdirectory() throws {
        let repo = try TestRepository()
        try repo.commit("base", at: t0 - 100)
        let worktree = try repo.addWorktree("wt", branch: "feature")
        let work = try worktree.commit("in s1", at: t0 + 500, author: agent)
        try FileManager.default.createDirectory(atPath: worktree.path + "/sub", withIntermediateDirectories: true)
        let outcome = try corroborate(worktree.path + "/sub", [SessionSpec("s1", t0, t0 + 1000)])
        #expect(outcome.corroboration.repository.workdir == worktree.path)
        #expect(outcome["s1"].commits == [work])
        let fromMain = try corroborate(repo.path, [SessionSpec("s1", t0, t0 + 1000)])
        #expect(fromMain["s1"].commits.isEmpty)
    }

    @Test func revsAndAllBranchesChooseWhatIsWalked() throws {
        let repo = try TestRepository()
        try repo.commit("base", at: t0)
        try repo.git(["checkout", "-q", "-b", "side"])
        let onSide = try repo.commit("on side", at: t0 + 1500, author: agent)
        try repo.git(["checkout", "-q", "main"])
        let sessions = [SessionSpec("s2", t0 + 1000, t0 + 2000)]
        #expect(try corroborate(repo.path, sessions)["s2"].commits.isEmpty)
        #expect(try corroborate(repo.path, sessions, options: EvidenceOptions(revs: ["side"], agentAuthors: ["bob@*"]))["s2"].commits == [onSide])
        #expect(try corroborate(repo.path, sessions, options: EvidenceOptions(allBranches: true, agentAuthors: ["bob@*"]))["s2"].commits == [onSide])
        #expect(throws: GitError.self) {
            try corroborate(repo.path, sessions, options: EvidenceOptions(revs: ["nowhere"]))
        }
    }

    @Test func walkStopsADayBeforeTheOldestWindow() throws {
        let repo = try TestRepository()
        try repo.commit("three days early", at: t0 - 3 * 86_400)
        try repo.commit("two days early", at: t0 - 2 * 86_400)
        try repo.commit("half a day early", at: t0 - 43_200, author: agent)
        try repo.commit("in s1", at: t0 + 10, author: agent)
        let outcome = try corroborate(repo.path, [SessionSpec("s1", t0, t0 + 1000)])
        #expect(outcome.corroboration.commitsWalked == 2)
        // Before every session window: not "unclaimed" work.
        #expect(outcome.corroboration.unclaimedCommits.isEmpty)
    }

    @Test func windowIndexAgreesWithBruteForce() {
        var generator = SystemRandomNumberGenerator()
        let windows: [(Double, Double)] = (0..<500).map { _ in
            let start = Double(Int.random(in: 0..<100_000, using: &generator))
            return (start, start + Double(Int.random(in: 0..<(Bool.random() ? 300 : 20_000), using: &generator)))
        }
        var records = RecordSet()
        records.sessions = windows.enumerated().map { i, w in
            SessionRecord(sessionID: "s\(i)", startTime: w.0, endTime: w.1,
                          location: RecordLocation(file: 0, line: Int32(i), offset: 0),
                          modeBits: 0, flags: [], refsIndex: -1)
        }
        records.sessions.append(SessionRecord(sessionID: "untimed", startTime: .nan, endTime: .nan,
                                              location: RecordLocation(file: 0, line: 0, offset: 0),
                                              modeBits: 0, flags: [], refsIndex: -1))
        let index = WindowIndex(sessions: records.sessions, slack: 5)
        for _ in 0..<2000 {
            let t = Double(Int.random(in: -10..<125_000, using: &generator))
            let expected = windows.indices.filter { windows[$0].0 - 5 <= t && t <= windows[$0].1 + 5 }.map(Int32.init)
            #expect(index.sessions(containing: t) == expected)
        }
    }
}
