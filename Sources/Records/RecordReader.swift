#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
/// the scanner; memory holds one block plus the compact sessions, whatever
/// the file's size.
public struct RecordReader {
    public let schema: RecordSchema
    public let options: RecordReadOptions

    public init(schema: RecordSchema, options: RecordReadOptions = RecordReadOptions()) {
        self.schema = schema
        self.options = options
    }

    public func read(_ sources: [RecordSource], annotator: some RecordAnnotator) throws(RecordError) -> RecordSet {
        var set = RecordSet()
        var index = SessionIndex()
        var scanner = JSONLineScanner(plan: schema.plan)
        for source in sources {
            let fileIndex = Int32(set.files.count)
            var file = RecordFile(path: source.path, role: source.role)
            set.files.append(file)
            try forEachLine(of: source.path, file: &file) { line, number, offset in
                guard let record = parse(line, scanner: &scanner, annotator: annotator,
                                         location: RecordLocation(file: fileIndex, line: Int32(truncatingIfNeeded: number), offset: offset),
                                         path: source.path, into: &set)
                else { return }
                set.recordLines += 1
                if let existing = index.find(record.sessionID, in: set.sessions) {
                    // Later files (the primary is read last) and later lines win.
                    set.sessions[existing] = record
                    set.duplicatesFolded += 1
                } else {
                    index.insert(record.sessionID, at: set.sessions.count)
                    set.sessions.append(record)
                }
            } partial: { number, bytes in
                set.partialTails.append(PartialTail(path: source.path, line: number, bytes: bytes))
            }
            set.files[Int(fileIndex)] = file
        }
        set.untimedCount = set.sessions.reduce(0) { $0 + ($1.end == nil ? 1 : 0) }
        sortByTime(&set.sessions)
        return set
    }

    @inline(__always)
    private func parse(
        _ line: UnsafeRawBufferPointer, scanner: inout JSONLineScanner, annotator: some RecordAnnotator,
        location: RecordLocation, path: String, into set: inout RecordSet
    ) -> SessionRecord? {
        if isBlank(line) { return nil }
        func malformed(_ error: String) {
            set.malformedCount += 1
            if set.malformed.count < options.malformedListLimit {
                set.malformed.append(MalformedLine(path: path, line: Int(location.line), error: error))
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
            return makeRecord(fields, location: location, modeBits: annotator.annotate(fields), into: &set)
        }
    }

    private func makeRecord(_ fields: LineFields, location: RecordLocation, modeBits: UInt64, into set: inout RecordSet) -> SessionRecord {
        func time(_ slot: Int) -> Double? {
            guard fields.kind(slot) == .string else { return nil }
            if fields.values[slot].escaped, let s = fields.string(slot) { return Timestamp.parse(s) }
            return Timestamp.parse(fields.raw(slot))
        }
        var duration = fields.number(schema.duration) ?? 0
        if !duration.isFinite || duration < 0 { duration = 0 }
        let stamp = time(schema.timestamp)
        var start = time(schema.startTime)
        var end = time(schema.endTime)
        switch options.timestampIs {
        case .end:
            if end == nil { end = stamp }
            if start == nil, let e = end { start = e - duration }
        case .start:
            if start == nil { start = stamp }
            if end == nil, let s = start { end = s + duration }
        }
        var flags: SessionRecord.Flags = []
        if fields.stringEquals(schema.outcome, Array("productive".utf8), caseInsensitive: true) { flags.insert(.productive) }
        if fields.kind(schema.deliverables) == .array, !isBlank(UnsafeRawBufferPointer(rebasing: fields.raw(schema.deliverables).dropFirst().dropLast())) {
            flags.insert(.hasDeliverables)
        }
        var refsIndex: Int32 = -1
        if options.collectDeliverableRefs, flags.contains(.hasDeliverables) {
            var refs: [String] = []
            fields.forEachString(inArray: schema.deliverables) { refs.append(contentsOf: CommitRefs.extract(from: $0)) }
            if !refs.isEmpty {
                refsIndex = Int32(set.deliverableRefs.count)
                set.deliverableRefs.append(refs)
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

/// session_id → position in the sessions array: open addressing on a
/// 64-bit hash, the string itself compared on a hit (12 bytes a slot instead
/// of a String-keyed dictionary's 24+).
struct SessionIndex {
    private var positions: [Int32] = Array(repeating: -1, count: 1024)
    private var hashes: [UInt64] = Array(repeating: 0, count: 1024)
    private var count = 0

    static func hash(_ id: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a: stable across runs
        for b in id.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }

    func find(_ id: String, in sessions: [SessionRecord]) -> Int? {
        let h = Self.hash(id)
        let mask = positions.count - 1
        var i = Int(truncatingIfNeeded: h) & mask
        while positions[i] >= 0 {
            if hashes[i] == h, sessions[Int(positions[i])].sessionID == id { return Int(positions[i]) }
            i = (i + 1) & mask
        }
        return nil
    }

    mutating func insert(_ id: String, at position: Int) {
        if (count + 1) * 2 > positions.count {
            let oldPositions = positions, oldHashes = hashes
            positions = Array(repeating: -1, count: oldPositions.count * 2)
            hashes = Array(repeating: 0, count: oldPositions.count * 2)
            for i in oldPositions.indices where oldPositions[i] >= 0 { place(oldHashes[i], oldPositions[i]) }
        }
        place(Self.hash(id), Int32(position))
        count += 1
    }

    private mutating func place(_ h: UInt64, _ position: Int32) {
        let mask = positions.count - 1
        var i = Int(truncatingIfNeeded: h) & mask
        while positions[i] >= 0 { i = (i + 1) & mask }
        positions[i] = position
        hashes[i] = h
    }
}

@inline(__always) func isBlank(_ bytes: UnsafeRawBufferPointer) -> Bool {
    bytes.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A }
}

/// Calls `body` with every complete line of the file (without its newline),
/// its 1-based number and byte offset; `partial` with a final line that has
/// no newline yet. Reads in large blocks; one buffer, reused.
func forEachLine(
    of path: String, file: inout RecordFile,
    _ body: (UnsafeRawBufferPointer, Int, Int64) -> Void,
    partial: (Int, Int) -> Void
) throws(RecordError) {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw .cannotRead(path: path, reason: String(cString: strerror(errno))) }
    defer { close(fd) }
    var st = stat()
    if fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR {
        throw .cannotRead(path: path, reason: "is a directory")
    }
    var capacity = 1 << 20
    var buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
    defer { buffer.deallocate() }
    var filled = 0
    var lineNumber = 0
    var offsetOfBuffer: Int64 = 0
    while true {
        if filled == capacity {
            // One line longer than the buffer: grow it (rare; lines are ~1.5 KB).
            let bigger = UnsafeMutableRawPointer.allocate(byteCount: capacity * 2, alignment: 16)
            bigger.copyMemory(from: buffer, byteCount: filled)
            buffer.deallocate()
            buffer = bigger
            capacity *= 2
        }
        let n = Glibc.read(fd, buffer + filled, capacity - filled)
        if n < 0 {
            if errno == EINTR { continue }
            throw .cannotRead(path: path, reason: String(cString: strerror(errno)))
        }
        if n == 0 { break }
        filled += n
        file.bytes += Int64(n)
        var position = 0
        while position < filled,
            let nl = memchr(buffer + position, 0x0A, filled - position)
        {
            let end = buffer.distance(to: nl)
            lineNumber += 1
            body(UnsafeRawBufferPointer(start: buffer + position, count: end - position), lineNumber,
                 offsetOfBuffer + Int64(position))
            position = end + 1
        }
        if position > 0 {
            filled -= position
            if filled > 0 { memmove(buffer, buffer + position, filled) }
            offsetOfBuffer += Int64(position)
        }
    }
    file.lines = lineNumber
    if filled > 0, !isBlank(UnsafeRawBufferPointer(start: buffer, count: filled)) {
        partial(lineNumber + 1, filled)
    }
}
