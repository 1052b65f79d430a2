import FailmixSupport
import FoundationEssentials
import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension RecordReader {
    /// What one worker read from one byte range of a file; line numbers are
    /// relative to the range until merged.
    package struct Chunk: Sendable {
        package var records: [SessionRecord] = []
        package var refs: [[String]] = []
        package var malformed: [MalformedLine] = []
        package var malformedCount = 0
        /// Records kept with a field of an unexpected type (ignored) or an out-of-range time.
        package var fieldWarnings: [MalformedLine] = []
        package var fieldWarningCount = 0
        package var excludedCount = 0
        package var lines = 0
        package var bytes: Int64 = 0
        package var partialTail: (line: Int, bytes: Int)?
    }

    /// `adoptable`: the first chunk will become the session array itself, so
    /// it reserves room for the whole file's records.
    func readFile(
        _ path: String, fileIndex: Int32, adoptable: Bool, annotator: some RecordAnnotator & Sendable
    ) throws(RecordError) -> [Chunk] {
        let fd = try openRecords(path)
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .cannotRead(path: path, reason: FileIO.errorText()) }
        if (st.st_mode & S_IFMT) == S_IFDIR { throw .cannotRead(path: path, reason: "is a directory") }
        // A regular file's size is fixed now: bytes a writer appends later are
        // read next time (and a half-written last line is a partial tail).
        let isRegular = (st.st_mode & S_IFMT) == S_IFREG
        let size = isRegular ? Int64(st.st_size) : Int64.max
        let workers = isRegular && size >= parallelThreshold ? min(4, max(1, ProcessInfo.activeCores)) : 1
        // Four chunks a worker, taken as workers come free: a core busy with
        // something else for a while no longer holds up the whole read.
        let bounds = workers > 1 ? chunkBounds(fd: fd, size: size, parts: 4 * workers) : [0, size]
        let count = bounds.count - 1
        let lineLength = isRegular ? averageLineLength(fd: fd) : 0
        func estimate(_ bytes: Int64) -> Int { lineLength > 0 ? Int(Double(bytes) / lineLength * 1.03) + 16 : 0 }
        let reserves = (0..<count).map { i in estimate(adoptable && i == 0 ? size : bounds[i + 1] - bounds[i]) }
        let reader = self
        let results = WorkerSlots.filled(count: count) { i in
            Result { () throws(RecordError) -> Chunk in
                try reader.readChunk(fd: fd, path: path, from: bounds[i], to: bounds[i + 1], last: i == count - 1,
                                     fileIndex: fileIndex, annotator: annotator, reserve: reserves[i])
            }
        }
        var chunks: [Chunk] = []
        for i in 0..<count {
            switch results.take(i)! {
            case .success(let chunk): chunks.append(chunk)
            case .failure(let error): throw error
            }
        }
        return chunks
    }

    /// Bytes per line over the file's first 256 KiB (0 when unknown), to
    /// reserve record arrays once instead of growing them.
    func averageLineLength(fd: Int32) -> Double {
        var probe = [UInt8](repeating: 0, count: 256 << 10)
        let n = FileIO.read(fd, into: &probe, at: 0)
        guard n > 0 else { return 0 }
        let lines = probe[0..<n].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
        return lines > 0 ? Double(n) / Double(lines) : 0
    }

    /// Byte offsets splitting the file into `parts` ranges, each starting
    /// right after a newline.
    func chunkBounds(fd: Int32, size: Int64, parts: Int) -> [Int64] {
        var bounds: [Int64] = [0]
        for i in 1..<parts {
            let from = max(size * Int64(i) / Int64(parts), bounds.last!)
            if let newline = FileIO.offset(of: 0x0A, in: fd, from: from, before: size) { bounds.append(newline + 1) }
        }
        bounds.append(size)
        return bounds
    }

    /// Opens a records file, or says why it cannot.
    func openRecords(_ path: String) throws(RecordError) -> Int32 {
        let fd = FileIO.openForReading(path)
        guard fd >= 0 else { throw .cannotRead(path: path, reason: FileIO.errorText()) }
        return fd
    }

    package func readChunk(
        fd: Int32, path: String, from start: Int64, to end: Int64, last: Bool, fileIndex: Int32,
        annotator: some RecordAnnotator, reserve: Int = 0
    ) throws(RecordError) -> Chunk {
        var chunk = Chunk()
        chunk.records.reserveCapacity(reserve)
        var scanner = JSONLineScanner(plan: schema.plan)
        try forEachLine(fd: fd, path: path, from: start, to: end) { line, number, offset in
            chunk.lines = number
            let location = RecordLocation(file: fileIndex, line: Int32(clamping: number), offset: offset)
            if let record = parse(line, scanner: &scanner, annotator: annotator, location: location, path: path, into: &chunk) {
                chunk.records.append(record)
            }
        } partial: { number, bytes in
            if last { chunk.partialTail = (number, bytes) }
        } bytesRead: { chunk.bytes = $0 }
        return chunk
    }

}
