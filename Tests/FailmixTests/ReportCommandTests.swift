import Foundation
import Testing
@testable import FailmixKit

/// `failmix report` as a user runs it: a real process on real files.
@Suite struct ReportCommandTests {
    static let records = """
        {"session_id": "s1", "timestamp": "2026-01-01T00:00:00Z", "outcome": "noop"}
        {"session_id": "s2", "timestamp": "2026-01-01T01:00:00Z", "outcome": "productive", "loop_status": "open"}
        {"session_id": "s3", "timestamp": "2026-01-01T02:00:00Z", "outcome": "productive"}
        this line is broken
        {"session_id": "s4", "timestamp": "2026-01-01T03:00:00Z", "outcome": "noop"}

        """

    @Test func missingRecordsFileExitsTwoWithOneLine() throws {
        let dir = TempDir()
        let r = try failmix(["report", "--records", "missing.jsonl"], cwd: dir.path)
        #expect(r.status == 2)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(r.stderr.contains("missing.jsonl"))
        #expect(r.stdout.isEmpty)
    }

    @Test func usageErrorsExitTwo() throws {
        #expect(try failmix(["report", "--format", "yaml"]).status == 2)
        #expect(try failmix(["report", "--last", "-3"]).status == 2)
        #expect(try failmix(["no-such-command"]).status == 2)
    }

    @Test func versionNamesLibgit2() throws {
        let r = try failmix(["--version"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("failmix \(FailmixVersion.current)"))
        #expect(r.stdout.contains("libgit2 1."))
    }

    @Test func textReport() throws {
        let dir = TempDir()
        let path = dir.write("r.jsonl", Self.records)
        let r = try failmix(["report", "--records", path, "--last", "3"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("Session Reliability Report"))
        #expect(r.stdout.contains("Total sessions analyzed: 3"))
        #expect(r.stdout.contains("Sessions with \u{2265}1 failure: 2 (66.7%)"))
        #expect(r.stdout.contains("  NOOP:             33.3%"))
        #expect(r.stdout.contains("malformed \(path):4"))
        #expect(!r.stdout.contains("\u{1B}["))  // NO_COLOR
    }

    /// With fewer sessions than a window, "last 30" and "all" hold the same
    /// sessions: the sized window is the recent one, everywhere it is named.
    @Test func equalWindowsNameTheSizedOneRecent() throws {
        let dir = TempDir()
        let lines = (0..<12).map { #"{"session_id": "s\#($0)", "timestamp": "2026-01-01T\#(String(format: "%02d", $0)):00:00Z", "outcome": "noop"}"# }
        let path = dir.write("r.jsonl", lines.joined(separator: "\n") + "\n")
        let r = try failmix(["report", "--records", path, "--no-git", "--last", "0", "--last", "30"])
        #expect(r.stdout.contains("Trends (last 30 sessions vs all sessions)"), "\(r.stdout)")
        #expect(r.stdout.contains("of the last 30 sessions)"), "\(r.stdout)")
    }

    /// A user mode's `in` list may mix strings, numbers and booleans; a field
    /// matches the listed values of its own kind.
    @Test func userModeInListsOfMixedKinds() throws {
        let dir = TempDir()
        let values = [#"2"#, #""crash""#, #"true"#, #"false"#, #"3"#, #""CRASH""#, #"null"#]
        let lines = values.enumerated().map { #"{"session_id": "s\#($0.offset)", "timestamp": "2026-01-01T0\#($0.offset):00:00Z", "outcome": "productive", "exit_code": \#($0.element)}"# }
        let path = dir.write("r.jsonl", lines.joined(separator: "\n") + "\n")
        let config = dir.write("p.toml", #"""
            [modes.odd_exit]
            when = [{ field = "exit_code", in = [1, 2, "crash", true] }]
            """#)
        let r = try failmix(["report", "--records", path, "--no-git", "--config", config, "--last", "0", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let sessions = try jsonObject(r.stdout)["sessions"] as! [[String: Any]]
        let odd = sessions.filter { ($0["modes"] as? [String])?.contains("odd_exit") == true }.map { $0["session_id"] as! String }
        #expect(odd == ["s0", "s1", "s2"])
    }

    @Test func strictTurnsMalformedIntoExitTwo() throws {
        let dir = TempDir()
        let path = dir.write("r.jsonl", Self.records)
        let r = try failmix(["report", "--records", path, "--strict"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("\(path):4"))
    }

    @Test func jsonSchema() throws {
        let dir = TempDir()
        let path = dir.write("r.jsonl", Self.records + #"{"session_id": "tail", "#)
        let out = dir.file("report.json")
        let r = try failmix(["report", "--records", path, "--format", "json", "--output", out])
        #expect(r.status == 0 && r.stdout.isEmpty)
        let doc = try jsonObject(String(contentsOfFile: out, encoding: .utf8))
        #expect(doc["schema"] as? Int == 1)
        let records = doc["records"] as! [String: Any]
        #expect(records["read"] as? Int == 4)
        #expect(records["duplicates"] as? Int == 0)
        let malformed = records["malformed"] as! [[String: Any]]
        #expect(malformed.count == 1 && malformed[0]["line"] as? Int == 4 && malformed[0]["path"] as? String == path)
        let tails = records["partial_tail"] as! [[String: Any]]
        #expect(tails.count == 1 && tails[0]["line"] as? Int == 6)
        let windows = doc["windows"] as! [[String: Any]]
        #expect(windows.map { $0["last"] as! Int } == [100, 30])
        let modes = windows[0]["modes"] as! [String: [String: Any]]
        #expect(modes["noop"]?["count"] as? Int == 2)
        #expect(modes["abandoned_loop"]?["rate"] as? Double == 0.25)
        let sessions = doc["sessions"] as! [[String: Any]]
        #expect(sessions.map { $0["session_id"] as! String } == ["s1", "s2", "s3", "s4"])
        #expect(sessions[1]["modes"] as? [String] == ["abandoned_loop"])
        #expect(sessions[0]["end"] as? String == "2026-01-01T00:00:00Z")
    }

    @Test func markdownReport() throws {
        let dir = TempDir()
        let path = dir.write("r.jsonl", Self.records)
        let r = try failmix(["report", "--records", path, "--format", "markdown"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("| Total sessions analyzed | 4 | 4 |"))
        #expect(r.stdout.contains("| NOOP | 50.0% | 50.0% |"))
    }

    @Test func hostileRecordTextIsEscapedInEverySink() throws {
        let dir = TempDir()
        let hostile = #"evil\u001b[2J\n::error::x | <b>@octocat"#
        let path = dir.write("r.jsonl", #"{"session_id": "\#(hostile)", "timestamp": "2026-01-01T00:00:00Z", "outcome": "noop"}"# + "\n")
        let json = try failmix(["report", "--records", path, "--format", "json"])
        let doc = try jsonObject(json.stdout)
        let sessions = doc["sessions"] as! [[String: Any]]
        #expect(sessions[0]["session_id"] as? String == "evil\u{1B}[2J\n::error::x | <b>@octocat")
        #expect(!json.stdout.contains("<b>"))
    }
}
