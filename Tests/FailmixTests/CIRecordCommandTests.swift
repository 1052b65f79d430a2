import Foundation
import Testing
@testable import FailmixKit
@testable import FailmixEvidence

/// A tiny agent workspace: a git repository with one agent commit inside a
/// session's window, and that session's record.
struct Workspace: @unchecked Sendable {
    let dir = TempDir("workspace")
    var repo: String { dir.file("repo") }
    var records: String { dir.file("repo/state/sessions/session-records.jsonl") }

    func git(_ args: [String], date: String? = nil, expectFailure: Bool = false) throws -> ProcessResult {
        var env = ProcessInfo.processInfo.environment
        env["GIT_AUTHOR_NAME"] = "Bob"
        env["GIT_AUTHOR_EMAIL"] = "bob@agents.example.org"
        env["GIT_COMMITTER_NAME"] = "Bob"
        env["GIT_COMMITTER_EMAIL"] = "bob@agents.example.org"
        if let date {
            env["GIT_AUTHOR_DATE"] = date
            env["GIT_COMMITTER_DATE"] = date
        }
        let r = try runTool("git", ["-C", repo] + args, environment: env)
        if r.status != 0, !expectFailure { Issue.record("git \(args): \(r.stderr)") }
        return r
    }

    init(commitAt date: String = "2026-01-01T00:30:00Z") throws {
        try runTool("git", ["init", "-q", "-b", "main", dir.file("repo")])
        dir.write("repo/README", "x\n")
        _ = try git(["add", "README"])
        _ = try git(["commit", "-q", "-m", "work of s1"], date: date)
    }

    func writeRecords(_ lines: [String]) {
        dir.write("repo/state/sessions/session-records.jsonl", lines.joined(separator: "\n") + "\n")
    }
}

@Suite struct CIRecordCommandTests {
    @Test func recordedNoteIsSeenAndUpdatedNotDuplicated() throws {
        let ws = try Workspace()
        ws.writeRecords([#"{"session_id": "s1", "timestamp": "2026-01-01T01:00:00Z", "duration_seconds": 3600, "outcome": "productive"}"#])
        var r = try failmix(["ci", "record", "--status", "success", "--job", "unit"], cwd: ws.repo)
        #expect(r.status == 0, "\(r.stderr)")
        r = try failmix(["ci", "record", "--status", "failure", "--job", "unit", "--url", "https://ci.example/1"], cwd: ws.repo)
        #expect(r.status == 0, "\(r.stderr)")
        let notes = try ws.git(["notes", "--ref", "refs/notes/ci", "list"])
        #expect(notes.stdout.split(separator: "\n").count == 1)
        let note = try ws.git(["notes", "--ref", "refs/notes/ci", "show", "HEAD"])
        #expect(note.stdout.hasPrefix("status: failure\njob: unit\nurl: https://ci.example/1\nat: "))
        let report = try failmix(["report", "--format", "json", "--agent-author", "bob@*"], cwd: ws.repo)
        let session = (try jsonObject(report.stdout)["sessions"] as! [[String: Any]])[0]
        #expect(session["ci_break"] as? String == "unreported")
        let evidence = session["evidence"] as! [[String: Any]]
        #expect(evidence.count == 1 && evidence[0]["kind"] as? String == "ci_note")
    }

    /// `report`, `explain` and `ci record` follow `.failmix.toml` as the gate
    /// does, and a flag given on the command line wins, even when it names
    /// the built-in default.
    @Test func everyCommandFollowsThePolicyFile() throws {
        let ws = try Workspace()
        ws.writeRecords([#"{"session_id": "s1", "start_time": "2026-01-01T00:00:00Z", "timestamp": "2026-01-01T00:10:00Z", "outcome": "noop", "intent_category_matched": false}"#])
        ws.dir.write("repo/.failmix.toml", "[records]\ntimestamp_is = \"start\"\n\n[git]\nnotes_ref = \"refs/notes/ci-results\"\n\n[modes.routing_mismatch]\nenabled = false\n")
        let report = try jsonObject(try failmix(["report", "--format", "json", "--no-git"], cwd: ws.repo).stdout)
        let session = (report["sessions"] as! [[String: Any]])[0]
        #expect(session["modes"] as? [String] == ["noop"])  // routing_mismatch is off
        let explain = try failmix(["explain", "s1", "--no-git"], cwd: ws.repo)
        #expect(explain.status == 0 && !explain.stdout.contains("routing_mismatch"), "\(explain.stdout)")
        #expect(try failmix(["ci", "record", "--status", "failure"], cwd: ws.repo).status == 0)
        #expect(try ws.git(["notes", "--ref", "refs/notes/ci-results", "list"]).stdout.split(separator: "\n").count == 1)
        // The default named on the command line overrides the file's "start".
        ws.writeRecords([#"{"session_id": "s2", "timestamp": "2026-01-01T00:10:00Z", "duration_seconds": 600, "outcome": "noop"}"#])
        func end(_ extra: [String]) throws -> String? {
            let doc = try jsonObject(try failmix(["report", "--format", "json", "--no-git"] + extra, cwd: ws.repo).stdout)
            return (doc["sessions"] as! [[String: Any]])[0]["end"] as? String
        }
        #expect(try end([]) == "2026-01-01T00:20:00Z")
        #expect(try end(["--timestamp-is", "end"]) == "2026-01-01T00:10:00Z")
    }

    @Test func explainShowsRecordModesCommitsAndVerdicts() throws {
        let ws = try Workspace()
        ws.writeRecords([#"{"session_id": "s1-noop", "timestamp": "2026-01-01T01:00:00Z", "duration_seconds": 3600, "outcome": "noop", "grade_reasons": {"harm": "none"}}"#])
        let r = try failmix(["explain", "s1", "--agent-author", "bob@agents.example.org"], cwd: ws.repo)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("Session s1-noop"))
        #expect(r.stdout.contains("outcome                  \"noop\""))
        #expect(r.stdout.contains("noop: outcome equals (any case) \"noop\""))
        #expect(r.stdout.contains("by window: work of s1"))
        #expect(r.stdout.contains("noop verdict: refuted"))
        #expect(try failmix(["explain", "nope"], cwd: ws.repo).status == 2)
    }
}

@Suite struct CorroborationCacheTests {
    /// Every field survives the binary file; a damaged or foreign file is not used.
    @Test func binaryFileRoundTripsAndRejectsDamage() throws {
        var busy = SessionEvidence()
        busy.attributions = [CommitAttribution(sha: String(repeating: "a", count: 40), kind: .trailer),
                             CommitAttribution(sha: String(repeating: "b", count: 40), kind: .window)]
        busy.ambiguousCommits = [String(repeating: "c", count: 40)]
        busy.noop = .refuted
        busy.ciBreak = .unreported
        busy.evidence = [EvidenceItem(sha: String(repeating: "a", count: 40), kind: .ciNote, detail: "build: failure é\n<b>")]
        busy.productiveWithoutCommits = true
        busy.corroboratedModeBits = 1 << 63 | 5
        let original = Corroboration(
            sessions: [busy, SessionEvidence()],
            repository: RepositoryInfo(workdir: nil, gitDirectory: "/r/.git", headSHA: "deadbeef", isShallow: true, isEmpty: false,
                                       isDetached: true, missingHistoryBefore: -42),
            notes: ["a note", ""], commitsWalked: 123_456, unclaimedCommits: ["x", "y"])
        let dir = TempDir()
        let cache = CorroborationCache(path: dir.file("cache/evidence.cache"))
        cache.save(original, key: "k1")
        #expect(cache.load(key: "k1") == original)
        #expect(cache.load(key: "k2") == nil)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: cache.path))
        for cut in [bytes.count - 1, bytes.count / 2, 10] {
            try bytes.prefix(cut).write(to: URL(fileURLWithPath: cache.path))
            #expect(cache.load(key: "k1") == nil, "cut at \(cut)")
        }
    }

    /// The walk is skipped while nothing changed, and redone when HEAD, the
    /// notes or the records change.
    @Test func cachedUntilHistoryNotesOrRecordsChange() throws {
        let ws = try Workspace()
        ws.writeRecords([#"{"session_id": "s1", "timestamp": "2026-01-01T01:00:00Z", "duration_seconds": 3600, "outcome": "noop"}"#])
        func session() throws -> [String: Any] {
            let r = try failmix(["report", "--format", "json", "--agent-author", "bob@*"], cwd: ws.repo)
            return (try jsonObject(r.stdout)["sessions"] as! [[String: Any]])[0]
        }
        #expect((try session()["commits"] as? [String])?.count == 1)
        // A miss writes a new file (renamed into place); a hit leaves the same one.
        let cacheFile = ws.repo + "/.git/failmix/cache/evidence.cache"
        let inode = { (try? FileManager.default.attributesOfItem(atPath: cacheFile)[.systemFileNumber] as? Int) ?? nil }
        let first = inode()
        #expect(first != nil)
        #expect((try session()["commits"] as? [String])?.count == 1)
        #expect(inode() == first)
        ws.dir.write("repo/more.txt", "x\n")
        _ = try ws.git(["add", "more.txt"])
        _ = try ws.git(["commit", "-q", "-m", "second"], date: "2026-01-01T00:45:00Z")
        #expect((try session()["commits"] as? [String])?.count == 2)  // a new HEAD: walked again
        _ = try failmix(["ci", "record", "--status", "failure"], cwd: ws.repo)
        #expect((try session()["ci_break"] as? String) == "unreported")  // new notes tip
        ws.writeRecords([#"{"session_id": "s1", "timestamp": "2026-01-01T00:40:00Z", "duration_seconds": 60, "outcome": "noop"}"#])
        #expect((try session()["noop"] as? String) == "confirmed")  // a different window
    }
}
