import Foundation
import Testing
@testable import FailmixKit

/// Agreement with the published reference classifier, on the real public data
/// set and on noisy fixtures. Needs ../shared; skips cleanly without it.
@Suite(.enabled(if: Paths.shared != nil, "needs ../shared beside the checkout"))
struct ParityTests {
    func reference(_ records: String, last: Int) throws -> [String: Any] {
        // In the one interpreter of PythonBatch: nine calls a run.
        let r = try PythonBatch.run(script: Paths.shared! + "/tools/seed-classifier", [records, "--last", String(last), "--json"])
        try #require(r.status == 0, "seed-classifier: \(r.stderr)")
        return try jsonObject(r.stdout)
    }

    func check(_ records: String) throws {
        let (set, catalog) = try readRecords([records], rotated: false)
        let modes = set.sessions.map { ModeSet(bits: $0.modeBits) }
        for last in [0, 100, 30] {
            let ref = try reference(records, last: last)
            let window = FailureMix(catalog: catalog, sessions: modes, sizes: [last]).windows[0]
            #expect(window.total == ref["total"] as? Int)
            #expect(window.failed == ref["failed"] as? Int)
            // failmix's own modes (infra) are not the reference's: compare the reference's.
            let refModes = ref["modes"] as! [String: Int]
            #expect(Set(refModes.keys).isSubset(of: catalog.modes.map(\.name)))
            for (i, mode) in catalog.modes.enumerated() {
                guard let expected = refModes[mode.name] else { continue }
                #expect(window.counts[i] == expected, "\(mode.name) --last \(last)")
            }
            let refSessions = ref["sessions"] as! [String: [String]]
            let listed = last == 0 ? set.sessions[...] : set.sessions.suffix(last)
            #expect(Set(listed.map(\.sessionID)) == Set(refSessions.keys))
            var differing = 0
            for s in listed where catalog.names(ModeSet(bits: s.modeBits)).filter({ refModes[$0] != nil }) != refSessions[s.sessionID] {
                differing += 1
            }
            #expect(differing == 0, "--last \(last)")
        }
    }

    @Test func realPublicRecords() throws {
        try check(Paths.shared! + "/data/real/skogbackup-claude-session-records.jsonl")
    }

    @Test(arguments: [(1, 120), (8, 400)])
    func noisyFixtures(seed: Int, sessions: Int) throws {
        let dir = TempDir()
        try SharedFixture.copy(["--sessions", String(sessions), "--seed", String(seed), "--noise"], to: dir.file("fx"))
        let records = dir.file("fx/session-records.jsonl")
        try check(records)
        let (set, _) = try readRecords([records], rotated: false)
        #expect(set.malformedCount == 2)
        #expect(set.partialTails.count == 1)
        #expect(set.duplicatesFolded == 1)
    }
}
