import Foundation
import Testing
@testable import FailmixEvidence
@testable import FailmixGit
@testable import FailmixKit
@testable import FailmixRecords

private enum FixtureTool {
    /// `../shared/tools/make-fixture` beside the checkout (the package root is
    /// three levels above this file), when present.
    static let path: String? = {
        var root = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { root.deleteLastPathComponent() }
        let tool = root.deletingLastPathComponent().appendingPathComponent("shared/tools/make-fixture").path
        return FileManager.default.isExecutableFile(atPath: tool) ? tool : nil
    }()
}

/// Every session of make-fixture's synthetic workspaces, checked against
/// the truth it writes. Needs ../shared; skips cleanly without it.
@Suite(.enabled(if: FixtureTool.path != nil, "needs ../shared/tools/make-fixture beside the checkout"))
struct EvidenceTruthTests {

    @Test(arguments: [(1, 60, false), (2, 150, true), (3, 300, false)])
    func matchesTruth(seed: Int, sessions: Int, noise: Bool) throws {
        let dir = TempDir("failmix-truth")
        let out = dir.file("fx")
        try SharedFixture.copy(making: [FixtureTool.path!], ["--sessions", String(sessions), "--seed", String(seed)] + (noise ? ["--noise"] : []),
                               to: out)
        let truth = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/truth.json"))) as! [String: Any]
        let config = truth["config"] as! [String: Any]
        let expected = truth["sessions"] as! [String: [String: Any]]

        let (records, catalog) = try readRecords([out + "/session-records.jsonl"], rotated: false, refs: true)
        let options = EvidenceOptions(trailer: config["trailer"] as! String,
                                      agentAuthors: [config["agent_author_email"] as! String],
                                      notesRef: config["notes_ref"] as! String)
        let corroboration = try Corroborator.corroborate(records: records, catalog: catalog, options: options,
                                                         repository: Repository.discover(from: out + "/repo"))
        #expect(Set(records.sessions.map(\.sessionID)) == Set(expected.keys))
        #expect(corroboration.sessions.count == records.sessions.count)
        var mismatches: [String] = []
        for (session, evidence) in zip(records.sessions, corroboration.sessions) {
            guard let want = expected[session.sessionID] else { continue }
            func differ<T: Equatable>(_ key: String, _ got: T, _ truth: T) {
                if got != truth { mismatches.append("\(session.sessionID) \(key): got \(got), truth \(truth)") }
            }
            differ("commits", evidence.commits, want["commits"] as? [String])
            differ("ambiguous_commits", evidence.ambiguousCommits, want["ambiguous_commits"] as? [String])
            differ("modes", catalog.names(ModeSet(bits: session.modeBits)), want["modes"] as? [String])
            differ("noop", evidence.noop?.rawValue, want["noop"] as? String)
            differ("ci_break", evidence.ciBreak?.rawValue, want["ci_break"] as? String)
        }
        // The fixture exercises every attribution path but subject markers (its subjects
        // carry none; AttributionTests covers them), so agreement means something.
        #expect(Set(corroboration.sessions.flatMap { $0.attributions.map(\.kind) })
                == Set(AttributionKind.allCases).subtracting([.subject]))
        #expect(corroboration.verdictCounts(last: 0).ciBreak[.confirmed, default: 0] > 0)
        #expect(mismatches.isEmpty, "\(mismatches.count) differences:\n\(mismatches.prefix(20).joined(separator: "\n"))")
    }
}
