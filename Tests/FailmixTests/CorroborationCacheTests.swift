import Foundation
import Testing
@testable import FailmixKit
@testable import FailmixEvidence

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
