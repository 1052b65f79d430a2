import Foundation
import Testing
@testable import FailmixKit

@Suite struct ReportWithoutGitTests {
    @Test func withoutARepositoryCorroborationIsSkipped() throws {
        let dir = TempDir()
        let path = dir.write("r.jsonl", #"{"session_id": "a", "timestamp": "2026-01-01T00:00:00Z", "outcome": "noop"}"# + "\n")
        let r = try failmix(["report", "--records", path, "--format", "json"], cwd: dir.path)
        let doc = try jsonObject(r.stdout)
        #expect(doc["git"] is NSNull)
        #expect((doc["notes"] as! [String]).contains { $0.contains("corroboration skipped") })
        let bad = try failmix(["report", "--records", path, "--repo", dir.file("nope")], cwd: dir.path)
        #expect(bad.status == 2)
    }
}
