import Foundation
import Testing
@testable import FailmixKit
@testable import FailmixEvidence

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
