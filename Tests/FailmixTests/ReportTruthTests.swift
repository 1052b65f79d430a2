import Foundation
import Testing
@testable import FailmixKit

/// `failmix report --repo` as the git issue's acceptance runs it: every
/// session of fresh fixtures agrees with truth.json.
@Suite(.enabled(if: Paths.shared != nil, "needs ../shared beside the checkout"))
struct ReportTruthTests {
    @Test(arguments: [(21, 80, false), (22, 160, true)])
    func agreesWithTruth(seed: Int, sessions: Int, noise: Bool) throws {
        let dir = TempDir()
        let fx = dir.file("fx")
        try SharedFixture.copy(["--sessions", "\(sessions)", "--seed", "\(seed)"] + (noise ? ["--noise"] : []), to: fx)
        let r = try failmix(["report", "--repo", fx + "/repo", "--records", fx + "/session-records.jsonl",
                             "--agent-author", "bob@agents.example.org", "--last", "0", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let doc = try jsonObject(r.stdout)
        let truth = try jsonObject(String(contentsOfFile: fx + "/truth.json", encoding: .utf8))["sessions"] as! [String: [String: Any]]
        let ours = Dictionary(uniqueKeysWithValues: (doc["sessions"] as! [[String: Any]]).map { ($0["session_id"] as! String, $0) })
        #expect(Set(ours.keys) == Set(truth.keys))
        var differences: [String] = []
        for (id, want) in truth {
            let got = ours[id] ?? [:]
            for key in ["commits", "ambiguous_commits", "modes"] where (got[key] as? [String]) != (want[key] as? [String]) {
                differences.append("\(id).\(key)")
            }
            for key in ["noop", "ci_break"] where (got[key] as? String) != (want[key] as? String) {
                differences.append("\(id).\(key)")
            }
        }
        #expect(differences.isEmpty, "\(differences.prefix(10))")
        #expect((doc["git"] as? [String: Any])?["commits_walked"] as? Int ?? 0 > 0)
    }
}
