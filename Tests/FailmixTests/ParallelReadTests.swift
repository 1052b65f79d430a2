import Foundation
import Testing
@testable import FailmixKit

@Suite struct ParallelReadTests {
    /// A file scanned in parallel chunks reads exactly like one scanned alone:
    /// same sessions, order, duplicates, line numbers, partial tail.
    @Test func chunkedReadEqualsSequentialRead() throws {
        let dir = TempDir()
        var lines: [String] = []
        for i in 0..<3000 {
            let minute = (i * 7919) % 2000  // out of order, with ties
            lines.append(#"{"session_id": "s\#(i % 2500)", "timestamp": "2026-01-01T00:00:00Z", "duration_seconds": \#(minute), "end_time": "2026-01-02T\#(String(format: "%02d:%02d", minute / 60 % 24, minute % 60)):00Z", "outcome": "\#(i % 3 == 0 ? "noop" : "productive")", "deliverables": ["x (abc\#(String(format: "%04x", i)))"]}"#)
            if i % 500 == 250 { lines.append("{broken \(i)") }
        }
        let path = dir.write("r.jsonl", lines.joined(separator: "\n") + "\n{\"session_id\": \"tail")
        func read(threshold: Int64) throws -> RecordSet {
            let catalog = ModeCatalog(BuiltinModes.all())
            var schema = RecordSchema()
            let classifier = Classifier(catalog: catalog, plan: &schema.plan)
            var options = RecordReadOptions()
            options.collectDeliverableRefs = true
            var reader = RecordReader(schema: schema, options: options)
            reader.parallelThreshold = threshold
            return try reader.read([RecordSource(path: path, role: .primary)], annotator: classifier)
        }
        let alone = try read(threshold: .max)
        let chunked = try read(threshold: 1)
        #expect(alone.sessions.count == 2500)
        #expect(chunked.sessions.map(\.sessionID) == alone.sessions.map(\.sessionID))
        #expect(chunked.sessions.map(\.location) == alone.sessions.map(\.location))
        #expect(chunked.sessions.map(\.modeBits) == alone.sessions.map(\.modeBits))
        #expect(chunked.sessions.map { chunked.refs(of: $0) } == alone.sessions.map { alone.refs(of: $0) })
        #expect(chunked.malformed == alone.malformed && alone.malformed.count == 6)
        #expect(chunked.duplicatesFolded == 500 && alone.duplicatesFolded == 500)
        #expect(chunked.partialTails == alone.partialTails && alone.partialTails.count == 1)
        #expect(chunked.files == alone.files)
    }
}
