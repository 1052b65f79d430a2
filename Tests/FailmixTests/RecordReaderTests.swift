import Foundation
import Testing
@testable import FailmixKit

@Suite struct RecordReaderTests {
    @Test func malformedLinesAreReportedAndNeighboursKept() throws {
        let dir = TempDir()
        let path = dir.write("r.jsonl", """
            {"session_id": "a", "timestamp": "2026-01-01T00:00:00Z", "outcome": "noop"}
            {not json
            [1, 2]

            {"session_id": 42}
            {"session_id": "b", "timestamp": "2026-01-01T01:00:00Z", "outcome": ["noop"]}
            {"session_id": "c", "timestamp": "2026-01-01T02:00:00Z", "grades": "high"}
            {"session_id": "d", "timestamp": "2026-01-01T03:00:00Z"}

            """)
        let (set, _) = try readRecords([path])
        // Only lines without a usable session_id are lost; a record with an
        // odd field is kept (the field counts as absent) and warned about.
        #expect(set.sessions.map(\.sessionID) == ["a", "b", "c", "d"])
        #expect(set.malformed.map(\.line) == [2, 3, 5])
        #expect(set.malformed.allSatisfy { $0.path == path })
        #expect(set.malformedCount == 3)
        #expect(set.fieldWarnings.map(\.line) == [6, 7] && set.fieldWarningCount == 2)
        #expect(set.fieldWarnings.first?.error == "outcome is an array, expected a string (ignored)")
        #expect(set.sessions[1].modeBits == 0)  // an array outcome is no noop
        #expect(set.partialTails.isEmpty)
    }

    @Test func partialLastLineIsNotAnErrorAndIsReadNextTime() throws {
        let dir = TempDir()
        let complete = #"{"session_id": "a", "timestamp": "2026-01-01T00:00:00Z"}"# + "\n"
        let path = dir.write("r.jsonl", complete + #"{"session_id": "b", "time"#)
        let (first, _) = try readRecords([path])
        #expect(first.sessions.map(\.sessionID) == ["a"])
        #expect(first.malformedCount == 0)
        #expect(first.partialTails == [PartialTail(path: path, line: 2, bytes: 25)])
        // The writer finishes the line: now it counts.
        let handle = FileHandle(forWritingAtPath: path)!
        handle.seekToEndOfFile()
        handle.write(Data(#"stamp": "2026-01-01T01:00:00Z"}"#.utf8 + [0x0A]))
        try handle.close()
        let (second, _) = try readRecords([path])
        #expect(second.sessions.map(\.sessionID) == ["a", "b"])
        #expect(second.partialTails.isEmpty)
    }

    @Test func duplicatesLaterLineWinsAndPrimaryBeatsRotated() throws {
        let dir = TempDir()
        let primary = dir.write("session-records.jsonl", """
            {"session_id": "x", "timestamp": "2026-01-02T00:00:00Z", "outcome": "noop"}
            {"session_id": "y", "timestamp": "2026-01-02T01:00:00Z", "outcome": "productive"}
            {"session_id": "y", "timestamp": "2026-01-02T02:00:00Z", "outcome": "failed"}

            """)
        dir.write("session-records-archive-2025.jsonl", """
            {"session_id": "x", "timestamp": "2026-01-01T00:00:00Z", "outcome": "productive"}
            {"session_id": "old", "timestamp": "2025-12-01T00:00:00Z"}

            """)
        dir.write("session-records.jsonl.bak-1", #"{"session_id": "bak", "timestamp": "2025-11-01T00:00:00Z"}"# + "\n")
        let (set, catalog) = try readRecords([primary])
        #expect(set.files.map(\.role) == [.rotated, .rotated, .primary])
        #expect(set.sessions.map(\.sessionID) == ["bak", "old", "x", "y"])
        #expect(set.duplicatesFolded == 2)
        let x = set.sessions[2], y = set.sessions[3]
        #expect(catalog.names(ModeSet(bits: x.modeBits)) == ["noop"])
        #expect(catalog.names(ModeSet(bits: y.modeBits)) == ["exit_failure"])
        #expect(y.location.line == 3)
        let (alone, _) = try readRecords([primary], rotated: false)
        #expect(alone.sessions.count == 2)
    }

    /// A file this large is folded in parts, one a core, split by the id's
    /// hash: the last line of each id still wins, wherever its copies are.
    @Test func duplicatesInALargeFileFoldAsInASmallOne() throws {
        let dir = TempDir()
        let n = 70_000
        // Ids repeat near and far (within a block, across the file's halves), with distinct outcomes so the winner shows.
        var lines: [String] = []
        var last: [String: Int] = [:]
        for i in 0..<n {
            let id = i % 7 == 0 ? "dup\(i % 1_000)" : "s\(i)"
            last[id] = i
            lines.append(#"{"session_id": "\#(id)", "timestamp": "2026-01-01T00:00:00Z", "duration_seconds": \#(i % 600 + 1), "outcome": "productive"}"#)
        }
        let path = dir.write("r.jsonl", lines.joined(separator: "\n") + "\n")
        let (set, _) = try readRecords([path], rotated: false)
        #expect(set.sessions.count == last.count)
        #expect(set.duplicatesFolded == n - last.count)
        let lineOf = Dictionary(uniqueKeysWithValues: set.sessions.map { ($0.sessionID, Int($0.location.line) - 1) })
        #expect(lineOf == last)
    }

    @Test func windowsFromStartEndOrTimestampAndDuration() throws {
        let dir = TempDir()
        let path = dir.write("r.jsonl", """
            {"session_id": "a", "timestamp": "2026-01-01T01:00:00Z", "duration_seconds": 600}
            {"session_id": "b", "timestamp": "2026-01-01T05:00:00Z", "start_time": "2026-01-01T02:00:00+00:00", "end_time": "2026-01-01T03:00:00+00:00"}
            {"session_id": "c", "timestamp": "2026-01-01T04:00:00Z", "duration_seconds": null}
            {"session_id": "d", "timestamp": "yesterday-ish"}

            """)
        let (set, _) = try readRecords([path])
        let t0 = Timestamp.parse("2026-01-01T00:00:00Z")!
        let byID = Dictionary(uniqueKeysWithValues: set.sessions.map { ($0.sessionID, $0) })
        #expect(byID["a"]!.start == t0 + 3000 && byID["a"]!.end == t0 + 3600)
        #expect(byID["b"]!.start == t0 + 7200 && byID["b"]!.end == t0 + 10800)
        #expect(byID["c"]!.start == t0 + 14400 && byID["c"]!.end == t0 + 14400)
        #expect(byID["d"]!.end == nil)
        // Untimed first, then by end.
        #expect(set.sessions.map(\.sessionID) == ["d", "a", "b", "c"])
        #expect(set.untimedCount == 1)
        let (startSet, _) = try readRecords([path], timestampIs: .start)
        let a = startSet.sessions.first { $0.sessionID == "a" }!
        #expect(a.start == t0 + 3600 && a.end == t0 + 4200)
    }

    @Test func tiesKeepFileOrder() throws {
        let dir = TempDir()
        let lines = (0..<50).map { #"{"session_id": "s\#($0)", "timestamp": "2026-01-01T00:00:00Z"}"# }
        let path = dir.write("r.jsonl", (["{\"session_id\": \"late\", \"timestamp\": \"2026-02-01T00:00:00Z\"}"] + lines).joined(separator: "\n") + "\n")
        let (set, _) = try readRecords([path])
        #expect(set.sessions.map(\.sessionID) == (0..<50).map { "s\($0)" } + ["late"])
    }

    @Test func linesLongerThanTheReadBufferAreRead() throws {
        let dir = TempDir()
        let big = String(repeating: "x", count: 3 << 20)
        let path = dir.write("r.jsonl", """
            {"session_id": "big", "timestamp": "2026-01-01T00:00:00Z", "blob": "\(big)", "outcome": "noop"}
            {"session_id": "after", "timestamp": "2026-01-01T00:00:01Z"}

            """)
        let (set, catalog) = try readRecords([path])
        #expect(set.sessions.map(\.sessionID) == ["big", "after"])
        #expect(catalog.names(ModeSet(bits: set.sessions[0].modeBits)) == ["noop"])
    }

    @Test func missingFileNamesThePath() throws {
        #expect(throws: RecordError.self) { try readRecords(["/nonexistent/records.jsonl"]) }
        do {
            _ = try readRecords(["/nonexistent/records.jsonl"])
        } catch {
            #expect("\(error)".contains("/nonexistent/records.jsonl"))
        }
    }

    @Test func discoveryOrder() throws {
        let dir = TempDir()
        let repoFile = dir.write("repo/state/sessions/session-records.jsonl", "")
        let envFile = dir.write("env/session-records.jsonl", "")
        let homeFile = dir.write("home/.local/share/gptme-sessions/session-records.jsonl", "")
        let env = ["GPTME_SESSIONS_DIR": dir.file("env"), "HOME": dir.file("home")]
        func found(_ root: String?, _ env: [String: String]) throws -> String {
            try RecordSources.resolve(explicit: [], repositoryRoot: root, environment: env).last!.path
        }
        #expect(try found(dir.file("repo"), env) == repoFile)
        #expect(try found(dir.file("nowhere"), env) == envFile)
        #expect(try found(nil, ["HOME": dir.file("home")]) == homeFile)
        #expect(throws: RecordError.self) { try found(nil, [:]) }
    }

    @Test func deliverableRefsSkipURLs() {
        #expect(CommitRefs.extract(from: "fix parser (abc1234)") == ["abc1234"])
        #expect(CommitRefs.extract(from: "merge-commit (0123456789ABCDEF0123456789abcdef01234567)") == ["0123456789abcdef0123456789abcdef01234567"])
        #expect(CommitRefs.extract(from: "see https://example.org/commit/abc1234def and PR") == [])
        #expect(CommitRefs.extract(from: "abc123 too short, xabc1234 glued, abc1234_x glued") == [])
        #expect(CommitRefs.extract(from: "deadbeef1") == ["deadbeef1"])
    }
}
