import Foundation

public enum RecordError: Error, Sendable, CustomStringConvertible {
    case cannotRead(path: String, reason: String)
    case noRecords(searched: [String])

    public var description: String {
        switch self {
        case let .cannotRead(path, reason):
            "cannot read records file '\(path)': \(reason)"
        case let .noRecords(searched):
            "no session records found (looked for \(searched.map { "'\($0)'" }.joined(separator: ", ")))"
        }
    }
}

public struct RecordReadOptions: Sendable {
    public var timestampIs: TimestampMeaning = .end
    /// Pull commit ids out of `deliverables` (only the git stage needs them).
    public var collectDeliverableRefs = false
    /// How many malformed lines to list (all are counted).
    public var malformedListLimit = 1000

    public init() {}
}

/// Streams session-records files in large blocks, one line at a time, through
/// the scanner; memory holds one block per worker plus the compact sessions,
/// whatever the file's size. Large files are split at line boundaries and
/// scanned on every core, then merged in file order.
public struct RecordReader: Sendable {
    public let schema: RecordSchema
    public let options: RecordReadOptions
    /// Files at least this large are scanned in parallel chunks.
    public var parallelThreshold: Int64 = 8 << 20

    public init(schema: RecordSchema, options: RecordReadOptions = RecordReadOptions()) {
        self.schema = schema
        self.options = options
    }

    public func read(_ sources: [RecordSource], annotator: some RecordAnnotator & Sendable) throws(RecordError) -> RecordSet {
        var set = RecordSet()
        for source in sources {
            let fileIndex = Int32(set.files.count)
            var file = RecordFile(path: source.path, role: source.role)
            var chunks = try readFile(source.path, fileIndex: fileIndex, adoptable: set.sessions.isEmpty, annotator: annotator)
            if !set.sessions.isEmpty {
                set.sessions.reserveCapacity(set.sessions.count + chunks.reduce(0) { $0 + $1.records.count })
            }
            var lineBase = 0
            for i in chunks.indices {
                // Take the chunk out so its memory goes as soon as it is merged.
                var chunk = chunks[i]
                chunks[i] = Chunk()
                let refsBase = Int32(set.deliverableRefs.count)
                set.deliverableRefs += chunk.refs
                set.recordLines += chunk.records.count
                if set.sessions.isEmpty {
                    // Adopt the first chunk's array (reserved for the whole
                    // file) instead of copying it: the peak holds one copy.
                    swap(&set.sessions, &chunk.records)
                } else {
                    for var record in chunk.records {
                        record.location.line += Int32(lineBase)
                        if record.refsIndex >= 0 { record.refsIndex += refsBase }
                        set.sessions.append(record)
                    }
                }
                set.malformedCount += chunk.malformedCount
                for var m in chunk.malformed where set.malformed.count < options.malformedListLimit {
                    m.line += lineBase
                    set.malformed.append(m)
                }
                if let tail = chunk.partialTail {
                    set.partialTails.append(PartialTail(path: source.path, line: tail.line + lineBase, bytes: tail.bytes))
                }
                lineBase += chunk.lines
                file.bytes += chunk.bytes
            }
            file.lines = lineBase
            set.files.append(file)
        }
        set.duplicatesFolded = foldDuplicates(&set.sessions)
        set.untimedCount = set.sessions.reduce(0) { $0 + ($1.end == nil ? 1 : 0) }
        set.sessionCount = set.sessions.count
        sortByTime(&set.sessions)
        return set
    }

    /// What one worker read from one byte range of a file; line numbers are
    /// relative to the range until merged.
    struct Chunk: Sendable {
        var records: [SessionRecord] = []
        var refs: [[String]] = []
        var malformed: [MalformedLine] = []
        var malformedCount = 0
        var lines = 0
        var bytes: Int64 = 0
        var partialTail: (line: Int, bytes: Int)?
    }

    /// `adoptable`: the first chunk will become the session array itself, so
    /// it reserves room for the whole file's records.
    private func readFile(
        _ path: String, fileIndex: Int32, adoptable: Bool, annotator: some RecordAnnotator & Sendable
    ) throws(RecordError) -> [Chunk] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .cannotRead(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .cannotRead(path: path, reason: String(cString: strerror(errno))) }
        if (st.st_mode & S_IFMT) == S_IFDIR { throw .cannotRead(path: path, reason: "is a directory") }
        // A regular file's size is fixed now: bytes a writer appends later are
        // read next time (and a half-written last line is a partial tail).
        let isRegular = (st.st_mode & S_IFMT) == S_IFREG
        let size = isRegular ? Int64(st.st_size) : Int64.max
        let workers = isRegular && size >= parallelThreshold ? min(4, max(1, ProcessInfo.activeCores)) : 1
        let bounds = workers > 1 ? chunkBounds(fd: fd, size: size, parts: workers) : [0, size]
        let count = bounds.count - 1
        let lineLength = isRegular ? averageLineLength(fd: fd) : 0
        func estimate(_ bytes: Int64) -> Int { lineLength > 0 ? Int(Double(bytes) / lineLength * 1.03) + 16 : 0 }
        let reserves = (0..<count).map { i in estimate(adoptable && i == 0 ? size : bounds[i + 1] - bounds[i]) }
        // Each iteration writes only its own slot.
        nonisolated(unsafe) let results = UnsafeMutableBufferPointer<Result<Chunk, RecordError>?>.allocate(capacity: count)
        results.initialize(repeating: nil)
        defer {
            results.deinitialize()
            results.deallocate()
        }
        let reader = self
        DispatchQueue.concurrentPerform(iterations: count) { i in
            results[i] = Result { () throws(RecordError) -> Chunk in
                try reader.readChunk(fd: fd, path: path, from: bounds[i], to: bounds[i + 1], last: i == count - 1,
                                     fileIndex: fileIndex, annotator: annotator, reserve: reserves[i])
            }
        }
        var chunks: [Chunk] = []
        for r in results {
            switch r! {
            case .success(let chunk): chunks.append(chunk)
            case .failure(let error): throw error
            }
        }
        return chunks
    }

    /// Reads bytes `0..<size` of a file in line-aligned segments of about
    /// `segmentBytes`, a batch of them in parallel, and hands the chunks to
    /// `body` in file order with each segment's start offset: a full read in
    /// memory bounded by the batch, not the file.
    func forEachSegment(
        _ path: String, fileIndex: Int32, size: Int64, annotator: some RecordAnnotator & Sendable,
        segmentBytes: Int64 = 32 << 20, _ body: (Chunk, Int64) throws(RecordError) -> Void
    ) throws(RecordError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .cannotRead(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        let parts = max(1, Int((size + segmentBytes - 1) / segmentBytes))
        let bounds = parts > 1 ? chunkBounds(fd: fd, size: size, parts: parts) : [0, size]
        let segments = bounds.count - 1
        let batch = 2 * max(1, min(4, ProcessInfo.activeCores))
        let reader = self
        typealias Slots = UnsafeMutableBufferPointer<Result<Chunk, RecordError>?>
        /// Starts parsing `count` segments from `first` on the worker threads.
        func launch(_ first: Int) -> (group: DispatchGroup, results: Slots, first: Int, count: Int)? {
            guard first < segments else { return nil }
            let count = min(batch, segments - first)
            nonisolated(unsafe) let results = Slots.allocate(capacity: count)
            results.initialize(repeating: nil)
            let group = DispatchGroup()
            for k in 0..<count {
                let i = first + k
                DispatchQueue.global().async(group: group) {
                    results[k] = Result { () throws(RecordError) -> Chunk in
                        try reader.readChunk(fd: fd, path: path, from: bounds[i], to: bounds[i + 1], last: i == segments - 1,
                                             fileIndex: fileIndex, annotator: annotator)
                    }
                }
            }
            return (group, results, first, count)
        }
        // The next batch parses while this one is handed on, so the workers
        // never wait for the merge; whatever is in flight finishes before the
        // descriptor closes.
        var next = launch(0)
        defer {
            if let next {
                next.group.wait()
                next.results.deinitialize()
                next.results.deallocate()
            }
        }
        while let current = next {
            current.group.wait()
            next = launch(current.first + current.count)
            defer {
                current.results.deinitialize()
                current.results.deallocate()
            }
            for k in 0..<current.count {
                switch current.results[k]! {
                case .success(let chunk): try body(chunk, bounds[current.first + k])
                case .failure(let error): throw error
                }
            }
        }
    }

    /// The same reader without deliverable refs: a streaming read that keeps
    /// only the newest sessions extracts them afterwards, for those alone.
    var withoutRefs: RecordReader {
        var options = options
        options.collectDeliverableRefs = false
        var reader = RecordReader(schema: schema, options: options)
        reader.parallelThreshold = parallelThreshold
        return reader
    }

    /// The deliverable refs of the records whose lines start at `offsets`
    /// in `path`, read again line by line.
    func deliverableRefs(
        _ path: String, fileIndex: Int32, offsets: [Int64], annotator: some RecordAnnotator
    ) throws(RecordError) -> [Int64: [String]] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .cannotRead(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var refs: [Int64: [String]] = [:]
        var probe = [UInt8](repeating: 0, count: 16 << 10)
        for offset in offsets {
            // The line's end: the first newline at or after its start.
            var end = offset
            search: while true {
                let n = probe.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(end)) }
                guard n > 0 else { break }
                if let newline = probe[0..<n].firstIndex(of: 0x0A) {
                    end += Int64(newline) + 1
                    break search
                }
                end += Int64(n)
            }
            let chunk = try readChunk(fd: fd, path: path, from: offset, to: end, last: true, fileIndex: fileIndex, annotator: annotator)
            if let record = chunk.records.first, record.refsIndex >= 0 { refs[offset] = chunk.refs[Int(record.refsIndex)] }
        }
        return refs
    }

    /// One byte range of one file (an append since the last read).
    func readRange(
        _ path: String, fileIndex: Int32, from start: Int64, to end: Int64, annotator: some RecordAnnotator
    ) throws(RecordError) -> Chunk {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .cannotRead(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        return try readChunk(fd: fd, path: path, from: start, to: end, last: true, fileIndex: fileIndex, annotator: annotator)
    }

    /// Bytes per line over the file's first 256 KiB (0 when unknown), to
    /// reserve record arrays once instead of growing them.
    private func averageLineLength(fd: Int32) -> Double {
        var probe = [UInt8](repeating: 0, count: 256 << 10)
        let n = probe.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return 0 }
        let lines = probe[0..<n].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
        return lines > 0 ? Double(n) / Double(lines) : 0
    }

    /// Byte offsets splitting the file into `parts` ranges, each starting
    /// right after a newline.
    private func chunkBounds(fd: Int32, size: Int64, parts: Int) -> [Int64] {
        var bounds: [Int64] = [0]
        var probe = [UInt8](repeating: 0, count: 64 << 10)
        for i in 1..<parts {
            var at = max(size * Int64(i) / Int64(parts), bounds.last!)
            var found = false
            while at < size, !found {
                let n = probe.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(at)) }
                guard n > 0 else { break }
                if let nl = probe[0..<n].firstIndex(of: 0x0A) {
                    at += Int64(nl + 1)
                    found = true
                } else {
                    at += Int64(n)
                }
            }
            if found { bounds.append(at) }
        }
        bounds.append(size)
        return bounds
    }

    func readChunk(
        fd: Int32, path: String, from start: Int64, to end: Int64, last: Bool, fileIndex: Int32,
        annotator: some RecordAnnotator, reserve: Int = 0
    ) throws(RecordError) -> Chunk {
        var chunk = Chunk()
        chunk.records.reserveCapacity(reserve)
        var scanner = JSONLineScanner(plan: schema.plan)
        try forEachLine(fd: fd, path: path, from: start, to: end) { line, number, offset in
            chunk.lines = number
            let location = RecordLocation(file: fileIndex, line: Int32(truncatingIfNeeded: number), offset: offset)
            if let record = parse(line, scanner: &scanner, annotator: annotator, location: location, path: path, into: &chunk) {
                chunk.records.append(record)
            }
        } partial: { number, bytes in
            if last { chunk.partialTail = (number, bytes) }
        } bytesRead: { chunk.bytes = $0 }
        return chunk
    }

    @inline(__always)
    private func parse(
        _ line: UnsafeRawBufferPointer, scanner: inout JSONLineScanner, annotator: some RecordAnnotator,
        location: RecordLocation, path: String, into chunk: inout Chunk
    ) -> SessionRecord? {
        if isBlank(line) { return nil }
        func malformed(_ error: String) {
            chunk.malformedCount += 1
            if chunk.malformed.count < options.malformedListLimit {
                chunk.malformed.append(MalformedLine(path: path, line: Int(location.line), error: error))
            }
        }
        if let failure = scanner.scan(line) {
            malformed(failure.message)
            return nil
        }
        return scanner.values.withUnsafeBufferPointer { values -> SessionRecord? in
            let fields = LineFields(line: line, values: values)
            if let problem = schema.typeProblem(fields) {
                malformed(problem)
                return nil
            }
            return makeRecord(fields, location: location, modeBits: annotator.annotate(fields), refs: &chunk.refs)
        }
    }

    private func makeRecord(_ fields: LineFields, location: RecordLocation, modeBits: UInt64, refs allRefs: inout [[String]]) -> SessionRecord {
        func time(_ slot: Int) -> Double? {
            guard fields.kind(slot) == .string else { return nil }
            if fields.values[slot].escaped, let s = fields.string(slot) { return Timestamp.parse(s) }
            return Timestamp.parse(fields.raw(slot))
        }
        var start = time(schema.startTime)
        var end = time(schema.endTime)
        // `timestamp` and the duration only fill in a missing end or start.
        if start == nil || end == nil {
            var duration = fields.number(schema.duration) ?? 0
            if !duration.isFinite || duration < 0 { duration = 0 }
            switch options.timestampIs {
            case .end:
                if end == nil { end = time(schema.timestamp) }
                if start == nil, let e = end { start = e - duration }
            case .start:
                if start == nil { start = time(schema.timestamp) }
                if end == nil, let s = start { end = s + duration }
            }
        }
        var flags: SessionRecord.Flags = []
        if ("productive" as StaticString).withUTF8Buffer({ fields.stringEquals(schema.outcome, $0, caseInsensitive: true) }) {
            flags.insert(.productive)
        }
        if fields.kind(schema.deliverables) == .array, !isBlank(UnsafeRawBufferPointer(rebasing: fields.raw(schema.deliverables).dropFirst().dropLast())) {
            flags.insert(.hasDeliverables)
        }
        var refsIndex: Int32 = -1
        if options.collectDeliverableRefs, flags.contains(.hasDeliverables) {
            var refs: [String] = []
            fields.forEachString(inArray: schema.deliverables) { refs.append(contentsOf: CommitRefs.extract(from: $0)) }
            if !refs.isEmpty {
                refsIndex = Int32(allRefs.count)
                allRefs.append(refs)
            }
        }
        return SessionRecord(
            sessionID: fields.string(schema.sessionID) ?? "",
            startTime: start ?? end ?? .nan, endTime: end ?? .nan, location: location, modeBits: modeBits,
            flags: flags, refsIndex: refsIndex)
    }
}

/// Orders sessions by window end (untimed first), ties in file order. Records
/// are nearly always appended in time order, so check before sorting; sort
/// small indices rather than the records themselves to keep memory flat.
func sortByTime(_ sessions: inout [SessionRecord]) {
    func before(_ a: SessionRecord, _ b: SessionRecord) -> Bool {
        let ka = a.orderKey, kb = b.orderKey
        if ka != kb { return ka < kb }
        if a.location.file != b.location.file { return a.location.file < b.location.file }
        return a.location.line < b.location.line
    }
    var sorted = true
    for i in sessions.indices.dropFirst() where before(sessions[i], sessions[i - 1]) {
        sorted = false
        break
    }
    if sorted { return }
    var order = Array(0..<Int32(sessions.count))
    order.sort { before(sessions[Int($0)], sessions[Int($1)]) }
    // Apply the permutation in place, cycle by cycle.
    for start in order.indices where order[start] >= 0 {
        var current = start
        let saved = sessions[start]
        while true {
            let next = Int(order[current])
            order[current] = -1
            if next == start {
                sessions[current] = saved
                break
            }
            sessions[current] = sessions[next]
            current = next
        }
    }
}

/// Keeps only the last record of each session_id in read order (later
/// files — the primary is read last — and later lines win); returns how many
/// were folded. A few bytes a session, no per-id allocation.
func foldDuplicates(_ sessions: inout [SessionRecord]) -> Int {
    let n = sessions.count
    guard n > 1 else { return 0 }
    var drop = [Bool](repeating: false, count: n)
    var folded = 0
    var table = PositionTable(capacity: n)
    sessions.withUnsafeBufferPointer { sessions in
        for i in 0..<n {
            var id = sessions[i].sessionID
            let hash = id.withUTF8 { fnv1a($0) }
            let same = { (p: Int) in sessions[p].sessionID == sessions[i].sessionID }
            if let earlier = table.find(hash, same) {
                drop[earlier] = true  // the earlier one goes
                folded += 1
            }
            table.set(hash, i, same)
        }
    }
    if folded > 0 {
        var position = 0
        sessions.removeAll { _ in
            defer { position += 1 }
            return drop[position]
        }
    }
    return folded
}

@inline(__always) func isBlank(_ bytes: UnsafeRawBufferPointer) -> Bool {
    bytes.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A }
}

/// Calls `body` with every complete line in bytes `start..<end` of the file
/// (without its newline), its 1-based number within the range and its byte
/// offset; `partial` with a final line that has no newline yet. Reads in
/// blocks with pread, so several ranges of one descriptor can be read at once.
func forEachLine(
    fd: Int32, path: String, from start: Int64, to end: Int64,
    _ body: (UnsafeRawBufferPointer, Int, Int64) -> Void,
    partial: (Int, Int) -> Void,
    bytesRead: (Int64) -> Void
) throws(RecordError) {
    var capacity = 1 << 20
    var buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
    defer { buffer.deallocate() }
    var filled = 0
    var lineNumber = 0
    var offsetOfBuffer = start
    var readOffset = start
    while readOffset < end {
        if filled == capacity {
            // One line longer than the buffer: grow it (rare; lines are ~1.5 KB).
            let bigger = UnsafeMutableRawPointer.allocate(byteCount: capacity * 2, alignment: 16)
            bigger.copyMemory(from: buffer, byteCount: filled)
            buffer.deallocate()
            buffer = bigger
            capacity *= 2
        }
        let want = Int(min(Int64(capacity - filled), end - readOffset))
        let n = pread(fd, buffer + filled, want, off_t(readOffset))
        if n < 0 {
            if errno == EINTR { continue }
            throw .cannotRead(path: path, reason: String(cString: strerror(errno)))
        }
        if n == 0 { break }
        filled += n
        readOffset += Int64(n)
        var position = 0
        while position < filled, let nl = memchr(buffer + position, 0x0A, filled - position) {
            let lineEnd = buffer.distance(to: nl)
            lineNumber += 1
            body(UnsafeRawBufferPointer(start: buffer + position, count: lineEnd - position), lineNumber,
                 offsetOfBuffer + Int64(position))
            position = lineEnd + 1
        }
        if position > 0 {
            filled -= position
            if filled > 0 { memmove(buffer, buffer + position, filled) }
            offsetOfBuffer += Int64(position)
        }
    }
    bytesRead(readOffset - start)
    if filled > 0, !isBlank(UnsafeRawBufferPointer(start: buffer, count: filled)) {
        partial(lineNumber + 1, filled)
    }
}

extension ProcessInfo {
    static var activeCores: Int { ProcessInfo.processInfo.activeProcessorCount }
}

extension RecordSet {
    /// The raw text of a session's record line, read again from its file
    /// (for `explain`; the pipeline itself never keeps whole records).
    public func line(of session: SessionRecord) -> String? {
        let fd = open(path(of: session.location), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        var offset = session.location.offset
        while true {
            let n = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(offset)) }
            guard n > 0 else { break }
            if let nl = chunk[0..<n].firstIndex(of: 0x0A) {
                bytes += chunk[0..<nl]
                break
            }
            bytes += chunk[0..<n]
            offset += Int64(n)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// FNV-1a, 64-bit: a hash that is the same in every run and on every machine
/// (Swift's Hasher is seeded per process), for caches and fingerprints.
public func fnv1a(_ bytes: some Sequence<UInt8>) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
    return h
}
