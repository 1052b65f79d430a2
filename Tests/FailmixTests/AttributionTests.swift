import Foundation
import Testing
@testable import FailmixEvidence
@testable import FailmixGit
@testable import FailmixKit
@testable import FailmixRecords

@Suite struct AttributionTests {
    let t0: Int64 = 1_780_000_000
    let agent = TestRepository.agent
    let human = TestRepository.human

    /// Each commit's method as the attribution mix counts it.
    func methods(_ outcome: Outcome) -> [String: AttributionMethod] {
        Dictionary(uniqueKeysWithValues: outcome.corroboration.agentCommits.map { ($0.sha, $0.method) })
    }

    @Test func eachMethodInOrderAndTheMix() throws {
        let repo = try TestRepository()
        let uuid = "ff15abcd-0000-4000-8000-00000000beef"
        let byTrailer = try repo.commit("stamped\n\nGit-Session-Id: ff15\n", at: t0 + 100, author: agent)  // short id, long session
        let bySubject = try repo.commit("session ff15 — report tail", at: t0 + 2600, author: agent)  // overlap: windows can't tell
        let byParens = try repo.commit("wrap up (1234abcd-5678)", at: t0 + 50_000, author: human)     // long id, short session
        let listed = try repo.commit("listed by s3", at: t0 + 2700, author: agent)
        let byWindow = try repo.commit("in s1 only", at: t0 + 500, author: agent)
        let ambiguous = try repo.commit("in s2 and s3", at: t0 + 2800, author: agent)
        let unattributed = try repo.commit("in no window", at: t0 + 20_000, author: agent)
        let bot = try repo.commit("bump deps", at: t0 + 600, author: ("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com"))
        let outcome = try corroborate(repo.path, [
            SessionSpec(uuid, t0, t0 + 1000),
            SessionSpec("1234abcd", t0 + 2000, t0 + 3000),
            SessionSpec("s3", t0 + 2500, t0 + 4000, deliverables: ["done (\(listed.prefix(7)))"]),
        ], options: EvidenceOptions(agentAuthors: ["bob@agents.example.org", "*[bot]*"]))
        #expect(outcome[uuid].kind(of: byTrailer) == .trailer)
        #expect(outcome[uuid].kind(of: bySubject) == .subject)
        #expect(outcome[uuid].kind(of: byWindow) == .window)
        #expect(outcome["1234abcd"].kind(of: byParens) == .subject)
        #expect(outcome["s3"].kind(of: listed) == .deliverable)
        #expect(outcome["1234abcd"].ambiguousCommits == [ambiguous] && outcome["s3"].ambiguousCommits == [ambiguous])
        let m = methods(outcome)
        #expect(m[byTrailer] == .trailer && m[byParens] == .subject && m[listed] == .deliverable)
        #expect(m[ambiguous] == .ambiguous && m[unattributed] == .unattributed)
        // A bot is never the agent by time, even when agent_authors would match it.
        #expect(m[bot] == nil && !outcome[uuid].commits.contains(bot))

        let mix = outcome.corroboration.attributionMix(sessions: outcome.records.sessions, last: 0)
        #expect(mix.counts == [.trailer: 1, .deliverable: 1, .subject: 2, .window: 1, .ambiguous: 1, .unattributed: 1])
        #expect(mix.trailerCoverage == 1.0 / 7.0)
        // The last session only: its commits, its ambiguous one, and agent work since it began.
        let last = outcome.corroboration.attributionMix(sessions: outcome.records.sessions, last: 1)
        #expect(last.counts == [.deliverable: 1, .ambiguous: 1, .unattributed: 1])
    }

    @Test func idPrefixesNeedFourCharactersAndOneSession() throws {
        let repo = try TestRepository()
        let exact = try repo.commit("a\n\nGit-Session-Id: ABC1\n", at: t0 + 10_000)         // equals (any case)
        let short = try repo.commit("b\n\nGit-Session-Id: abc\n", at: t0 + 10_001)          // 3 characters: no prefix rule
        let collides = try repo.commit("c\n\nGit-Session-Id: beef\n", at: t0 + 10_002)      // beef0001 and beef0002
        let longer = try repo.commit("d\n\nGit-Session-Id: beef0001-9999\n", at: t0 + 10_003)  // the session is its prefix
        let outcome = try corroborate(repo.path, [
            SessionSpec("abc1", t0, t0 + 100), SessionSpec("abc", t0 + 200, t0 + 300),
            SessionSpec("beef0001", t0 + 400, t0 + 500), SessionSpec("beef0002", t0 + 600, t0 + 700),
        ], options: EvidenceOptions(agentAuthors: ["nobody"]))
        #expect(outcome["abc1"].commits == [exact])
        #expect(outcome["abc"].commits == [short])
        #expect(outcome["beef0001"].commits == [longer])
        #expect(outcome["beef0001"].ambiguousCommits == [collides] && outcome["beef0002"].ambiguousCommits == [collides])
        let ambiguous = outcome.corroboration.agentCommits.first { $0.sha == collides }
        #expect(ambiguous?.method == .ambiguous && ambiguous?.ambiguousBy == .trailer)
        // Ambiguous is never evidence: the noop is not refuted.
        let noop = try corroborate(repo.path, [
            SessionSpec("beef0001", t0 + 400, t0 + 500, outcome: "noop"), SessionSpec("beef0002", t0 + 600, t0 + 700, outcome: "noop"),
        ], options: EvidenceOptions(agentAuthors: ["nobody"]))
        #expect(noop["beef0002"].noop == .uncertain)
    }

    /// Two root commits whose SHAs share their first 7 hex digits (found by a
    /// birthday search over commit objects), both reachable through a merge.
    func collidingCommits(_ repo: TestRepository) throws -> (String, String) {
        let search = """
        import hashlib, sys
        tree = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
        seen = {}
        for i in range(400000):
            body = ("tree %s\\nauthor Bob <bob@agents.example.org> %s +0000\\ncommitter Bob <bob@agents.example.org> %s +0000\\n\\nc%d\\n" % (tree, sys.argv[1], sys.argv[1], i)).encode()
            sha = hashlib.sha1(b"commit %d\\0" % len(body) + body).hexdigest()
            if sha[:7] in seen:
                print(seen[sha[:7]], i)
                break
            seen[sha[:7]] = i
        """
        let found = try runTool("python3", ["-c", search, String(t0 + 100)])
        let indices = found.stdout.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        #expect(indices.count == 2, "\(found.stderr)")
        try repo.git(["hash-object", "-t", "tree", "-w", "/dev/null"])
        let shas = try indices.map { i in
            let body = "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor Bob <bob@agents.example.org> \(t0 + 100) +0000\ncommitter Bob <bob@agents.example.org> \(t0 + 100) +0000\n\nc\(i)\n"
            let dir = TempDir("failmix-obj")
            let file = dir.write("commit", body)
            return try repo.git(["hash-object", "-t", "commit", "-w", file])
        }
        let merge = try repo.git(["commit-tree", "4b825dc642cb6eb9a060e54bf8d69288fbee4904", "-p", shas[0], "-p", shas[1], "-m", "merge"],
                                 environment: ["GIT_AUTHOR_DATE": "@\(t0 + 200) +0000", "GIT_COMMITTER_DATE": "@\(t0 + 200) +0000",
                                               "GIT_AUTHOR_NAME": "Erik", "GIT_AUTHOR_EMAIL": "erik@example.org",
                                               "GIT_COMMITTER_NAME": "Erik", "GIT_COMMITTER_EMAIL": "erik@example.org"])
        try repo.git(["update-ref", "refs/heads/main", merge])
        return (shas[0], shas[1])
    }

    @Test func aShortShaFittingTwoCommitsIsAmbiguous() throws {
        let repo = try TestRepository()
        let (a, b) = try collidingCommits(repo)
        #expect(a.prefix(7) == b.prefix(7) && a != b)
        let outcome = try corroborate(repo.path, [
            SessionSpec("s1", t0, t0 + 50, outcome: "noop", deliverables: ["done (\(a.prefix(7)))"]),
            SessionSpec("s2", t0 + 1000, t0 + 1050, deliverables: [a]),
        ], options: EvidenceOptions(agentAuthors: ["nobody"]))
        // The full SHA names a alone; the short one fits both, so it names neither.
        #expect(outcome["s2"].commits == [a] && outcome["s2"].kind(of: a) == .deliverable)
        #expect(outcome["s1"].commits.isEmpty && outcome["s1"].ambiguousCommits == [b])
        #expect(outcome["s1"].noop == .uncertain)
        let entry = outcome.corroboration.agentCommits.first { $0.sha == b }
        #expect(entry?.method == .ambiguous && entry?.ambiguousBy == .deliverable)
    }

    @Test func bookkeepingOnlyCommitsDoNotRefuteANoop() throws {
        let repo = try TestRepository()
        func commitFiles(_ files: [String], _ message: String, at time: Int64) throws -> String {
            for f in files {
                let path = repo.path + "/" + f
                try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try "\(message)\n".write(toFile: path, atomically: true, encoding: .utf8)
                try repo.git(["add", f])
            }
            return try repo.commit(message, at: time, author: agent)
        }
        let journal = try commitFiles(["journal/2026-06-01.md", "state/queue.json"], "journal only", at: t0 + 100)
        let work = try commitFiles(["src/main.swift", "journal/2026-06-02.md"], "real work", at: t0 + 2100)
        let options = EvidenceOptions(agentAuthors: ["bob@*"], bookkeepingPaths: ["journal/**", "state/*.json"])
        let outcome = try corroborate(repo.path, [
            SessionSpec("s1", t0, t0 + 1000, outcome: "noop"), SessionSpec("s2", t0 + 2000, t0 + 3000, outcome: "noop"),
        ], options: options)
        #expect(outcome["s1"].commits == [journal] && outcome["s1"].bookkeepingCommits == [journal])
        #expect(outcome["s1"].noop == .confirmed)
        #expect(outcome["s2"].commits == [work] && outcome["s2"].noop == .refuted)
        // Without bookkeeping paths the journal commit refutes, as any commit does.
        let plain = try corroborate(repo.path, [SessionSpec("s1", t0, t0 + 1000, outcome: "noop")],
                                    options: EvidenceOptions(agentAuthors: ["bob@*"]))
        #expect(plain["s1"].noop == .refuted)
    }

    @Test func globsStayInADirectoryUnlessDoubled() {
        #expect(PathGlob("journal/**").matches("journal/a/b.md"))
        #expect(PathGlob("**/notes.md").matches("notes.md") && PathGlob("**/notes.md").matches("a/b/notes.md"))
        #expect(!PathGlob("state/*.json").matches("state/deep/x.json") && PathGlob("state/*.json").matches("state/x.json"))
        #expect(PathGlob("log-[0-9]?.txt").matches("log-1a.txt") && !PathGlob("log-[!0-9]?.txt").matches("log-1a.txt"))
        #expect(!PathGlob("journal/**").matches("src/journal/x"))
    }

    @Test func untimedSessionsAndBulkImportsLeaveNoopsUnverifiable() throws {
        let repo = try TestRepository()
        try repo.commit("agent work", at: t0 + 500, author: agent)
        let outcome = try corroborate(repo.path, [SessionSpec("s1", nil, nil, outcome: "noop"), SessionSpec("s2", t0, t0 + 100, outcome: "noop")])
        #expect(outcome["s1"].noop == .unverifiable && outcome["s1"].noopReason?.contains("no usable time") == true)
        #expect(outcome["s2"].noop == .confirmed)
    }

    /// The public records file: every timestamp within 75 s, a bulk import.
    /// Window attribution is off, so no noop is confirmed by the absence of commits.
    @Test func bulkImportOnTheRealRecordsConfirmsNoNoop() throws {
        guard let shared = Paths.shared else { return }
        let records = shared + "/data/real/skogbackup-claude-session-records.jsonl"
        let repo = try TestRepository()
        try repo.commit("agent work", at: 1_774_000_000, author: agent)
        let result = try failmix(["report", "--records", records, "--repo", repo.path, "--agent-author", "bob@*",
                                  "--last", "100", "--last", "0", "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try jsonObject(result.stdout)
        let windows = json["windows"] as! [[String: Any]]
        for window in windows {
            let noop = (window["verdicts"] as! [String: Any])["noop"] as! [String: Int]
            #expect(noop["confirmed"] == 0)
            #expect(noop["unverifiable"]! > 0)
        }
        let git = json["git"] as! [String: Any]
        #expect(git["window_attribution"] as? Bool == false)
        #expect((git["window_attribution_off"] as? String)?.contains("bulk import") == true)
        let sessions = json["sessions"] as! [[String: Any]]
        let unverifiable = sessions.filter { $0["noop"] as? String == "unverifiable" }
        #expect(!unverifiable.isEmpty && unverifiable.allSatisfy { ($0["noop_reason"] as? String)?.contains("bulk import") == true })
    }
}
