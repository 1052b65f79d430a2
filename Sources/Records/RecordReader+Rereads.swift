import FailmixSupport
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension RecordReader {
    /// The deliverable refs of the records whose lines start at `offsets`
    /// in `path`, read again line by line.
    package func deliverableRefs(
        _ path: String, fileIndex: Int32, offsets: [Int64], annotator: some RecordAnnotator
    ) throws(RecordError) -> [Int64: [String]] {
        let fd = try openRecords(path)
        defer { close(fd) }
        var refs: [Int64: [String]] = [:]
        for offset in offsets {
            // The line's end: just past the first newline at or after its start.
            let end = FileIO.offset(of: 0x0A, in: fd, from: offset).map { $0 + 1 } ?? .max
            let chunk = try readChunk(fd: fd, path: path, from: offset, to: end, last: true, fileIndex: fileIndex, annotator: annotator)
            if let record = chunk.records.first, record.refsIndex >= 0 { refs[offset] = chunk.refs[Int(record.refsIndex)] }
        }
        return refs
    }

    /// One byte range of one file (an append since the last read).
    package func readRange(
        _ path: String, fileIndex: Int32, from start: Int64, to end: Int64, annotator: some RecordAnnotator
    ) throws(RecordError) -> Chunk {
        let fd = try openRecords(path)
        defer { close(fd) }
        return try readChunk(fd: fd, path: path, from: start, to: end, last: true, fileIndex: fileIndex, annotator: annotator)
    }
}

extension RecordSet {
    /// The raw text of a session's record line, read again from its file
    /// (for `explain`; the pipeline itself never keeps whole records).
    public func line(of session: SessionRecord) -> String? {
        let fd = FileIO.openForReading(path(of: session.location))
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        let start = session.location.offset
        guard let end = FileIO.offset(of: 0x0A, in: fd, from: start) ?? FileIO.size(fd),
              let bytes = FileIO.bytes(fd, from: start, to: end) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }
}
