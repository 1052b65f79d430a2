import Foundation
import Testing
@testable import FailmixKit
@testable import FailmixRecords
@testable import FailmixStore

/// The incremental cache never gives a different answer than a full read.
@Suite struct RecentRecordsCacheTests {
    static func line(_ i: Int, outcome: String = "productive", id: String? = nil, minute: Int? = nil) -> String {
        let m = minute ?? i
        return #"{"session_id": "\#(id ?? "s\(i)")", "timestamp": "2026-01-0\#(1 + m / 1440)T\#(String(format: "%02d:%02d", m / 60 % 24, m % 60)):00Z", "outcome": "\#(outcome)"}"#
    }

    struct Fixture {
        let dir = TempDir()
        var path: String { dir.file("session-records.jsonl") }
        let catalog = ModeCatalog(BuiltinModes.all())

        func write(_ lines: [String], partial: String = "") {
            dir.write("session-records.jsonl", lines.joined(separator: "\n") + (lines.isEmpty ? "" : "\n") + partial)
        }

        func append(_ text: String) {
            let h = FileHandle(forWritingAtPath: path)!
            h.seekToEndOfFile()
            h.write(Data(text.utf8))
            try! h.close()
        }

        func cached(
            keep: Int = 20, fingerprint: String = "v1", segmentBytes: Int64 = 32 << 20, refs: Bool = false, idRunLength: Int = 1 << 17
        ) throws -> (RecordSet, CacheOutcome) {
            var schema = RecordSchema()
            let classifier = Classifier(catalog: catalog, plan: &schema.plan)
            var cache = RecentRecordsCache(directory: dir.file("cache"), keep: keep, fingerprint: fingerprint)
            cache.segmentBytes = segmentBytes
            cache.idRunLength = idRunLength
            var options = RecordReadOptions()
            options.collectDeliverableRefs = refs
            return try cache.read(RecordSources.resolve(explicit: [path], repositoryRoot: nil, environment: [:]),
                                  reader: RecordReader(schema: schema, options: options), annotator: classifier)
        }

        func full() throws -> RecordSet { try readRecords([path]).0 }

        /// The cached read agrees with a full read on the newest `keep` sessions and every total.
        func expectAgreement(_ cached: RecordSet, keep: Int = 20, sourceLocation: SourceLocation = #_sourceLocation) throws {
            let full = try self.full()
            func key(_ s: SessionRecord) -> String { "\(s.sessionID)@\(s.location.line):\(s.modeBits):\(s.end ?? -1)" }
            #expect(cached.sessions.suffix(keep).map(key) == full.sessions.suffix(keep).map(key), sourceLocation: sourceLocation)
            #expect(cached.sessionCount == full.sessionCount, sourceLocation: sourceLocation)
            #expect(cached.duplicatesFolded == full.duplicatesFolded, sourceLocation: sourceLocation)
            #expect(cached.malformedCount == full.malformedCount, sourceLocation: sourceLocation)
            #expect(cached.malformed == full.malformed, sourceLocation: sourceLocation)
            #expect(cached.recordLines == full.recordLines, sourceLocation: sourceLocation)
            #expect(cached.partialTails == full.partialTails, sourceLocation: sourceLocation)
        }
    }

    /// A cold read streams without extracting deliverable refs and reads the
    /// kept sessions' lines again for them: the same refs as a full read,
    /// including a session whose newest record moved it to another line.
    @Test func coldReadRefsMatchAFullRead() throws {
        let f = Fixture()
        func withRefs(_ i: Int, id: String? = nil, sha: String) -> String {
            var line = Self.line(i, id: id)
            line.removeLast()
            return line + #", "deliverables": ["commit \#(sha)", "https://x.org/pull/\#(i)", "notes"]}"#
        }
        var lines = (0..<400).map { i in i % 3 == 0 ? withRefs(i, sha: String(format: "%07x", 0xabc0000 + i)) : Self.line(i) }
        lines.append(withRefs(400, id: "s390", sha: "deadbee"))  // s390 again, newest, with another ref
        f.write(lines)
        let (cold, outcome) = try f.cached(segmentBytes: 4096, refs: true)
        #expect(outcome == .cold(reason: "no cache"))
        let full = try readRecords([f.path], refs: true).0
        let newest = { (set: RecordSet) in set.sessions.suffix(20).map { "\($0.sessionID):\(set.refs(of: $0))" } }
        #expect(newest(cold) == newest(full))
        #expect(newest(cold).contains("s390:[\"deadbee\"]") && newest(cold).contains("s399:[\"abc018f\"]"))
        // An append reads the new lines with their refs directly.
        f.append(withRefs(401, sha: "f00dfee") + "\n")
        let (appended, o2) = try f.cached(segmentBytes: 4096, refs: true)
        #expect(o2 == .appended(bytes: Int64(withRefs(401, sha: "f00dfee").utf8.count + 1)))
        #expect(newest(appended) == newest(try readRecords([f.path], refs: true).0))
    }

    /// A cold read spills its id hashes in sorted runs and merges them:
    /// duplicates across runs fold, the newest record decides whether a
    /// session has a time, and an append then finds the ids it merged.
    @Test func coldReadCountsIdsInSortedRunsLikeAFullRead() throws {
        let f = Fixture()
        var lines: [String] = []
        for i in 0..<600 {
            // Every 7th re-sends an earlier session; some records have no time.
            let id = i % 7 == 6 ? "s\(i / 3)" : "s\(i)"
            lines.append(i % 11 == 0 ? #"{"session_id": "\#(id)", "outcome": "noop"}"# : Self.line(i, id: id))
        }
        f.write(lines)
        let (cold, _) = try f.cached(segmentBytes: 2048, idRunLength: 16)
        let full = try f.full()
        try f.expectAgreement(cold)
        #expect(cold.untimedCount == full.untimedCount && full.untimedCount > 0 && full.duplicatesFolded > 50)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: f.dir.file("cache")).filter { $0.contains(".run-") || $0.contains(".tmp-") }
        #expect(leftovers.isEmpty)
        // Appended: an old session again, and a kept one (s590) again without a time.
        let more = [Self.line(600, id: "s10"), Self.line(601), #"{"session_id": "s590", "outcome": "noop"}"#]
        f.append(more.joined(separator: "\n") + "\n")
        let (appended, outcome) = try f.cached(segmentBytes: 2048, idRunLength: 16)
        #expect(outcome == .appended(bytes: Int64(more.joined(separator: "\n").utf8.count + 1)))
        try f.expectAgreement(appended)
        #expect(appended.untimedCount == (try f.full()).untimedCount)
    }

    /// Within and across runs, the last record added for a hash decides it.
    @Test func idRunsKeepTheNewestRecordOfEachHash() throws {
        let dir = TempDir()
        for runLength in [4, 1000] {
            let runs = SessionIDRuns(basePath: dir.file("ids-\(runLength)"), runLength: runLength)
            // 7: untimed then timed; 9: timed then untimed; 3 and 5 once each.
            for (hash, untimed) in [(7, true), (9, false), (3, false), (7, false), (5, true), (9, true), (1 << 40 | 7, false)] {
                try runs.add(UInt64(hash), untimed: untimed)
            }
            let (unique, untimed) = try runs.finish()
            #expect(unique == 5 && untimed == 2, "run length \(runLength)")
            let store = try #require(SessionIDStore.open(dir.file("ids-\(runLength)")))
            #expect(store.count == 5 && [3, 5, 7, 9, 1 << 40 | 7].allSatisfy { store.contains(UInt64($0)) } && !store.contains(8))
        }
    }

    @Test func warmThenAppend() throws {
        let f = Fixture()
        f.write((0..<500).map { Self.line($0) })
        let (cold, o1) = try f.cached()
        #expect(o1 == .cold(reason: "no cache"))
        try f.expectAgreement(cold)
        let (warm, o2) = try f.cached()
        #expect(o2 == .warm)
        try f.expectAgreement(warm)
        f.append((500..<600).map { Self.line($0, outcome: "noop") }.joined(separator: "\n") + "\n{broken\n")
        let (appended, o3) = try f.cached()
        #expect(o3 == .appended(bytes: Int64((500..<600).map { Self.line($0, outcome: "noop").utf8.count + 1 }.reduce(0, +) + 8)))
        try f.expectAgreement(appended)
        #expect(try f.cached().1 == .warm)
    }

    /// A store smaller than the 4 KiB head fingerprint still takes appends
    /// incrementally (a growing head is not a rewrite).
    /// As many malformed lines are listed as a full read lists.
    @Test func malformedLinesAreListedLikeAFullRead() throws {
        let f = Fixture()
        f.write((0..<400).map { $0 % 2 == 0 ? "{broken \($0)" : Self.line($0) })
        let (cold, _) = try f.cached(segmentBytes: 4096)
        #expect(cold.malformed.count == 200)
        try f.expectAgreement(cold)
    }

    @Test func aSmallStoreIsReadIncrementally() throws {
        let f = Fixture()
        f.write((0..<5).map { Self.line($0) })
        _ = try f.cached()
        f.append(Self.line(5) + "\n")
        let (set, outcome) = try f.cached()
        #expect(outcome == .appended(bytes: Int64(Self.line(5).utf8.count + 1)))
        try f.expectAgreement(set)
    }

    @Test func appendedDuplicatesAndPartialLines() throws {
        let f = Fixture()
        f.write((0..<400).map { Self.line($0) }, partial: #"{"session_id": "half"#)
        try f.expectAgreement(try f.cached().0)
        // The writer finishes its line, re-records a recent session and an old one.
        f.append(#"", "timestamp": "2026-01-01T23:00:00Z"}"# + "\n" + Self.line(395, outcome: "failed") + "\n"
                 + Self.line(3, outcome: "noop", minute: 3) + "\n" + Self.line(10, outcome: "noop", minute: 1000) + "\n")
        let (set, outcome) = try f.cached()
        #expect({ if case .appended = outcome { true } else { false } }(), "\(outcome)")  // read incrementally
        try f.expectAgreement(set)
    }

    /// A cold read streams the store in segments and keeps only the newest
    /// sessions, yet agrees with a full read: order, duplicates across
    /// segments and files, malformed lines, the partial tail.
    @Test func coldReadInSegmentsAgreesWithAFullRead() throws {
        let f = Fixture()
        var lines: [String] = []
        for i in 0..<3000 {
            lines.append(Self.line(i % 2600, outcome: i % 3 == 0 ? "noop" : "productive", minute: (i * 7919) % 4000))
            if i % 400 == 7 { lines.append("{broken \(i)") }
        }
        f.dir.write("session-records-archive-1.jsonl", (0..<200).map { Self.line(5000 + $0) }.joined(separator: "\n") + "\n")
        f.write(lines, partial: #"{"session_id": "half"#)
        let (set, outcome) = try f.cached(keep: 100, segmentBytes: 4096)
        #expect(outcome == .cold(reason: "no cache"))
        try f.expectAgreement(set, keep: 100)
        #expect(set.sessions.count <= 100 + RecentRecordsCache.margin)
        // Next time only the half-written line is read again.
        let (again, next) = try f.cached(keep: 100, segmentBytes: 4096)
        #expect(next == .appended(bytes: Int64(#"{"session_id": "half"#.utf8.count)))
        try f.expectAgreement(again, keep: 100)
    }

    @Test func idsAddedByOneAppendAreKnownToTheNext() throws {
        let f = Fixture()
        f.write((0..<100).map { Self.line($0) })
        _ = try f.cached()
        f.append(Self.line(500, outcome: "noop") + "\n")
        try f.expectAgreement(try f.cached().0)
        #expect(FileManager.default.fileExists(atPath: try FileManager.default.contentsOfDirectory(atPath: f.dir.file("cache"))
            .first { $0.hasSuffix(".ids-new") }.map { f.dir.file("cache/" + $0) } ?? "/nonexistent"))
        // The same session again, in a later run: a duplicate of a delta entry.
        f.append(Self.line(500, outcome: "failed", minute: 600) + "\n")
        let (set, outcome) = try f.cached()
        #expect({ if case .appended = outcome { true } else { false } }(), "\(outcome)")  // read incrementally
        try f.expectAgreement(set)
        #expect(set.duplicatesFolded == 1 && set.sessionCount == 101)
    }

    @Test func rewriteWithTheSameSizeIsNoticed() throws {
        let f = Fixture()
        f.write((0..<300).map { Self.line($0) })
        _ = try f.cached()
        // Same length, different content (productive -> noop-ish of equal length).
        let text = try String(contentsOfFile: f.path, encoding: .utf8).replacingOccurrences(of: "\"s150\"", with: "\"x150\"")
        Thread.sleep(forTimeInterval: 0.01)
        try text.write(toFile: f.path, atomically: false, encoding: .utf8)
        let (set, outcome) = try f.cached()
        guard case .cold = outcome else { Issue.record("expected a full read, got \(outcome)"); return }
        try f.expectAgreement(set)
    }

    @Test func truncationRotationAndConfigChange() throws {
        let f = Fixture()
        f.write((0..<300).map { Self.line($0) })
        _ = try f.cached()
        f.write((0..<100).map { Self.line($0) })  // truncated
        var (set, outcome) = try f.cached()
        guard case .cold = outcome else { Issue.record("truncation: \(outcome)"); return }
        try f.expectAgreement(set)
        // Rotation: the primary is moved to an archive and a new one started.
        try FileManager.default.moveItem(atPath: f.path, toPath: f.dir.file("session-records-archive-1.jsonl"))
        f.write((100..<150).map { Self.line($0) })
        (set, outcome) = try f.cached()
        guard case .cold = outcome else { Issue.record("rotation: \(outcome)"); return }
        #expect(set.sessionCount == 150)
        // A different rule set (fingerprint) never reuses facts classified by the old one.
        (set, outcome) = try f.cached(fingerprint: "v2")
        #expect(outcome == .cold(reason: "the rules or reading options changed"))
        #expect(try f.cached(fingerprint: "v2").1 == .warm)
    }

    @Test func corruptCacheIsIgnored() throws {
        let f = Fixture()
        f.write((0..<50).map { Self.line($0) })
        _ = try f.cached()
        let files = try FileManager.default.contentsOfDirectory(atPath: f.dir.file("cache"))
        func truncate(_ suffix: String) throws {
            let full = f.dir.file("cache/" + files.first { $0.hasSuffix(suffix) }!)
            let data = try Data(contentsOf: URL(fileURLWithPath: full))
            try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: full))
        }
        try truncate(".cache")
        var (set, outcome) = try f.cached()
        #expect(outcome == .cold(reason: "no cache"))
        try f.expectAgreement(set)
        // Damaged session ids only matter when an append must be merged.
        try truncate(".ids")
        #expect(try f.cached().1 == .warm)
        f.append(Self.line(50) + "\n")
        (set, outcome) = try f.cached()
        #expect(outcome == .cold(reason: "the cached session ids are missing or stale"))
        try f.expectAgreement(set)
    }

    /// A writer appending while the gate reads: every read agrees with a full
    /// read of what it saw, and the final read sees everything.
    @Test func concurrentAppender() throws {
        let f = Fixture()
        f.write((0..<200).map { Self.line($0) })
        let path = f.path
        let writer = Thread {
            let h = FileHandle(forWritingAtPath: path)!
            h.seekToEndOfFile()
            for i in 200..<1200 {
                // Write each record in two pieces, as a slow writer would.
                let text = Self.line(i, minute: i) + "\n"
                let cut = text.index(text.startIndex, offsetBy: text.count / 2)
                h.write(Data(text[..<cut].utf8))
                h.write(Data(text[cut...].utf8))
            }
            try! h.close()
        }
        writer.start()
        for _ in 0..<20 {
            let (set, _) = try f.cached()
            // Lines are only ever whole or partial, never malformed.
            #expect(set.malformedCount == 0)
        }
        while writer.isExecuting { Thread.sleep(forTimeInterval: 0.01) }
        Thread.sleep(forTimeInterval: 0.05)
        let (set, _) = try f.cached()
        try f.expectAgreement(set)
        #expect(set.sessionCount == 1200)
    }
}
