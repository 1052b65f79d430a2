import Foundation

/// How a cached read went, for `--verbose` output and the benchmark.
public enum CacheOutcome: Sendable, Equatable {
    /// Nothing usable was cached (or it was invalid): a full read.
    case cold(reason: String)
    /// Nothing changed since the cache was written.
    case warm
    /// Only bytes appended to the primary file were read.
    case appended(bytes: Int64)
}

/// The latest sessions of a records store, kept between runs so a gate that
/// runs before every session reads only what was appended since the last run.
///
/// The cache holds the newest `keep + margin` sessions in order, the hashes of
/// every session id (so totals and duplicates stay exact), the input problems
/// seen so far, and the identity of each file read. Anything else changing —
/// a rotated file, the primary rewritten, truncated or replaced, the rules
/// (config fingerprint) — invalidates it and the store is read again in full:
/// never a wrong answer.
public struct RecentRecordsCache {
    public static let formatVersion: UInt32 = 1
    /// Extra sessions kept beyond `keep`, so a few late duplicates that push
    /// sessions out of the tail don't force a full read.
    public static let margin = 256

    public let directory: String
    public let keep: Int
    /// Changes whenever anything that shapes a record's facts changes.
    public let fingerprint: String
    /// How much of the store a cold read holds at once (per worker).
    public var segmentBytes: Int64 = 32 << 20
    /// Session id hashes per sorted run a cold read spills (tests make it small).
    public var idRunLength = 1 << 18

    public init(directory: String, keep: Int, fingerprint: String) {
        self.directory = directory
        self.keep = keep
        self.fingerprint = fingerprint
    }

    func cachePath(for sources: [RecordSource]) -> String {
        let key = fnv1a(sources.map(\.path).joined(separator: "\u{0}").utf8)
        return directory + "/records-" + String(key, radix: 16) + ".cache"
    }

    /// The newest sessions (at least `keep` when the store has them), read
    /// through the cache.
    public func read(
        _ sources: [RecordSource], reader: RecordReader, annotator: some RecordAnnotator & Sendable
    ) throws(RecordError) -> (RecordSet, CacheOutcome) {
        let path = cachePath(for: sources)
        let identities = sources.map { FileIdentity(path: $0.path) }
        if let missing = identities.firstIndex(where: { $0 == nil }) {
            // Let the reader produce the proper error for the missing file.
            _ = try reader.read([sources[missing]], annotator: annotator)
        }
        let current = identities.map { $0! }
        var outcome = CacheOutcome.cold(reason: "no cache")
        if let state = CachedState.load(path) {
            switch state.validate(fingerprint: fingerprint, keep: keep, sources: sources, current: current) {
            case .invalid(let reason):
                outcome = .cold(reason: reason)
            case .unchanged:
                return (state.recordSet(sources: sources), .warm)
            case .appended(let from):
                var state = state
                guard state.loadIDs(path) else {
                    outcome = .cold(reason: "the cached session ids are missing or stale")
                    break
                }
                let primary = sources.count - 1
                let chunk = try reader.readRange(sources[primary].path, fileIndex: Int32(primary), from: from,
                                                 to: current[primary].size, annotator: annotator)
                if state.merge(chunk, into: primary, keep: keep + Self.margin, minimum: keep,
                                            listLimit: reader.options.malformedListLimit) {
                    state.advance(primary, past: chunk, from: from, identity: current[primary])
                    state.sealFile(primary)
                    try? state.save(path)
                    return (state.recordSet(sources: sources), .appended(bytes: chunk.bytes))
                }
                outcome = .cold(reason: "too many late duplicates for the cached tail")
            }
        }
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if let state = try streamAll(sources, identities: current, path: path, reader: reader, annotator: annotator) {
            try? state.save(path)
            return (state.recordSet(sources: sources), outcome)
        }
        // Late duplicates emptied the tail while streaming: read everything.
        let full = try reader.read(sources, annotator: annotator)
        let state = CachedState(full: full, sources: sources, identities: current, fingerprint: fingerprint, keep: keep)
        try? state.save(path)
        return (state.recordSet(sources: sources), outcome)
    }

    /// A full read in bounded memory: the store streams through in segments,
    /// and only the newest sessions and the id hashes are kept.
    private func streamAll(
        _ sources: [RecordSource], identities: [FileIdentity], path: String, reader: RecordReader,
        annotator: some RecordAnnotator & Sendable
    ) throws(RecordError) -> CachedState? {
        var state = CachedState(empty: sources, identities: identities, fingerprint: fingerprint, keep: keep)
        let runs = SessionIDRuns(basePath: CachedState.idsPath(path), runLength: idRunLength)
        state.runs = runs
        var ok = true
        let streaming = reader.withoutRefs
        for (i, source) in sources.enumerated() {
            try streaming.forEachSegment(source.path, fileIndex: Int32(i), size: identities[i].size, annotator: annotator,
                                         segmentBytes: segmentBytes) { chunk, from in
                ok = ok && state.merge(chunk, into: i, keep: keep + Self.margin, minimum: 0,
                                                      listLimit: reader.options.malformedListLimit)
                state.advance(i, past: chunk, from: from, identity: identities[i])
            }
            state.sealFile(i)
        }
        guard ok && (state.complete || state.tail.count >= keep) else { return nil }
        // Counted from the merged runs: a later record of a session replaces
        // an earlier one, as in a full read.
        guard let (unique, untimed) = try? runs.finish(), let ids = SessionIDStore.open(CachedState.idsPath(path)) else { return nil }
        (state.sessionCount, state.untimedCount, state.duplicatesFolded) = (unique, untimed, state.recordLines - unique)
        state.runs = nil
        state.ids = ids
        if reader.options.collectDeliverableRefs {
            try state.readRefs(sources, reader: reader, annotator: annotator)
        }
        return state
    }
}

/// What identifies a file's contents cheaply: device, inode, size, mtime.
struct FileIdentity: Equatable, Sendable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var mtimeNanos: Int64

    init?(path: String) {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        device = UInt64(st.st_dev)
        inode = UInt64(st.st_ino)
        size = Int64(st.st_size)
        mtimeNanos = Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
    }

    init(device: UInt64, inode: UInt64, size: Int64, mtimeNanos: Int64) {
        self.device = device
        self.inode = inode
        self.size = size
        self.mtimeNanos = mtimeNanos
    }

    /// FNV-1a of `count` bytes at `offset` (fewer at the end of the file).
    static func hash(_ path: String, from offset: Int64, count: Int) -> UInt64? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: count)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, off_t(offset)) }
        guard n >= 0 else { return nil }
        return fnv1a(buffer[0..<n])
    }

    /// The hash of the first 4 KiB of what was read (up to `end`): a file
    /// shorter than that must not look rewritten when it grows.
    static func headHash(_ path: String, before end: Int64) -> UInt64 {
        hash(path, from: 0, count: Int(min(4096, end))) ?? 0
    }

    /// The hash of the 4 KiB before `end`: what was last read.
    static func tailHash(_ path: String, before end: Int64) -> UInt64 {
        let start = max(0, end - 4096)
        return hash(path, from: start, count: Int(end - start)) ?? 0
    }
}

/// The cache file's contents.
struct CachedState {
    struct File {
        var path: String
        var role: RecordFile.Role
        var identity: FileIdentity
        var lines: Int
        var headHash: UInt64
        var tailHash: UInt64
    }

    var fingerprint: String
    var keep: Int
    var files: [File]
    /// Newest sessions, oldest first.
    var tail: [SessionRecord]
    var tailRefs: [[String]]
    /// True when `tail` holds every session of the store.
    var complete: Bool
    /// Every session id's hash, opened only to merge an append (a warm run
    /// never needs them); after a full read, the sorted hashes to write.
    var ids: SessionIDStore?
    var initialIDs: [UInt64]?
    /// A cold read's id hashes, spilled in sorted runs (counts come at the end).
    var runs: SessionIDRuns? = nil
    var sessionCount: Int
    var recordLines: Int
    var duplicatesFolded: Int
    var untimedCount: Int
    var malformedCount: Int
    var malformed: [MalformedLine]
    var partialTail: PartialTail?

    enum Validation { case invalid(String), unchanged, appended(from: Int64) }

    func validate(fingerprint: String, keep: Int, sources: [RecordSource], current: [FileIdentity]) -> Validation {
        guard fingerprint == self.fingerprint else { return .invalid("the rules or reading options changed") }
        guard keep <= self.keep else { return .invalid("a larger window is needed") }
        guard sources.map(\.path) == files.map(\.path) else { return .invalid("the set of records files changed") }
        for (i, file) in files.enumerated() {
            let now = current[i]
            let isPrimary = i == files.count - 1
            guard now.device == file.identity.device, now.inode == file.identity.inode else {
                return .invalid("\(file.path) was replaced (rotated)")
            }
            guard now.size >= file.identity.size else { return .invalid("\(file.path) was truncated") }
            if !isPrimary, now.size != file.identity.size || now.mtimeNanos != file.identity.mtimeNanos {
                return .invalid("\(file.path) changed")
            }
            if FileIdentity.headHash(file.path, before: file.identity.size) != file.headHash
                || FileIdentity.tailHash(file.path, before: file.identity.size) != file.tailHash
            {
                return .invalid("\(file.path) was rewritten")
            }
            if isPrimary {
                if now.size == file.identity.size {
                    // Same length but touched since: rewritten in place.
                    return now.mtimeNanos == file.identity.mtimeNanos ? .unchanged : .invalid("\(file.path) was rewritten")
                }
                return .appended(from: file.identity.size)
            }
        }
        return .unchanged
    }

    /// Folds newly appended records in; false when the tail can no longer be
    /// trusted to hold the newest `minimum` sessions.
    mutating func merge(_ chunk: RecordReader.Chunk, into fileIndex: Int, keep limit: Int, minimum: Int, listLimit: Int) -> Bool {
        let streaming = runs != nil
        guard streaming || ids != nil else { return false }
        let lineBase = Int32(files[fileIndex].lines)
        recordLines += chunk.records.count
        malformedCount += chunk.malformedCount
        for var m in chunk.malformed where malformed.count < listLimit {
            m.line += Int(lineBase)
            malformed.append(m)
        }
        var position = PositionTable(capacity: tail.count + chunk.records.count)
        for (i, session) in tail.enumerated() {
            position.set(fnv1a(session.sessionID.utf8), i) { self.tail[$0].sessionID == session.sessionID }
        }
        let oldest = tail.first?.orderKey ?? -.infinity
        var dropped = Set<Int>()
        for var record in chunk.records {
            record.location.line += lineBase
            let refs = record.refsIndex >= 0 ? chunk.refs[Int(record.refsIndex)] : []
            let hash = fnv1a(record.sessionID.utf8)
            if let runs, (try? runs.add(hash, untimed: record.end == nil)) == nil { return false }
            let same = { (p: Int) in self.tail[p].sessionID == record.sessionID }
            if let i = position.find(hash, same) {
                if !streaming {
                    duplicatesFolded += 1
                    // The newest record decides whether the session has a time.
                    untimedCount += (record.end == nil ? 1 : 0) - (tail[i].end == nil ? 1 : 0)
                }
                if !complete, record.orderKey < oldest {
                    // It moves below the tail: the tail loses a session.
                    dropped.insert(i)
                    position.remove(hash, same)
                    continue
                }
                record.refsIndex = refs.isEmpty ? -1 : Int32(tailRefs.count)
                tailRefs.append(refs)
                tail[i] = record
                continue
            }
            if let ids {
                if ids.contains(hash) {
                    duplicatesFolded += 1
                } else {
                    ids.insert(hash)
                    if record.end == nil { untimedCount += 1 }
                }
            }
            if !complete, record.orderKey < oldest { continue }  // older than every session kept
            record.refsIndex = refs.isEmpty ? -1 : Int32(tailRefs.count)
            tailRefs.append(refs)
            position.set(hash, tail.count, same)
            tail.append(record)
        }
        if !dropped.isEmpty { tail = tail.enumerated().filter { !dropped.contains($0.offset) }.map(\.element) }
        if let ids { sessionCount = ids.count }
        sortByTime(&tail)
        if tail.count > limit {
            tail.removeFirst(tail.count - limit)
            complete = false
        }
        // Compact the refs table to the sessions still kept.
        var refs: [[String]] = []
        for i in tail.indices where tail[i].refsIndex >= 0 {
            refs.append(tailRefs[Int(tail[i].refsIndex)])
            tail[i].refsIndex = Int32(refs.count - 1)
        }
        tailRefs = refs
        return complete || tail.count >= minimum
    }

    /// Deliverable refs for the kept sessions, their lines read again (the
    /// streaming read skipped extracting them for a million sessions).
    mutating func readRefs(_ sources: [RecordSource], reader: RecordReader, annotator: some RecordAnnotator) throws(RecordError) {
        tailRefs = []
        for (file, source) in sources.enumerated() {
            let wanted = tail.indices.filter { Int(tail[$0].location.file) == file && tail[$0].hasDeliverables }
            guard !wanted.isEmpty else { continue }
            let refs = try reader.deliverableRefs(source.path, fileIndex: Int32(file),
                                                  offsets: wanted.map { tail[$0].location.offset }.sorted(), annotator: annotator)
            for i in wanted {
                guard let found = refs[tail[i].location.offset], !found.isEmpty else { continue }
                tail[i].refsIndex = Int32(tailRefs.count)
                tailRefs.append(found)
            }
        }
    }

    func recordSet(sources: [RecordSource]) -> RecordSet {
        var set = RecordSet()
        set.files = files.map { RecordFile(path: $0.path, role: $0.role, lines: $0.lines, bytes: $0.identity.size) }
        set.sessions = tail
        set.deliverableRefs = tailRefs
        set.sessionCount = sessionCount
        set.recordLines = recordLines
        set.duplicatesFolded = duplicatesFolded
        set.untimedCount = untimedCount
        set.malformedCount = malformedCount
        set.malformed = malformed
        set.partialTails = partialTail.map { [$0] } ?? []
        return set
    }
}

extension CachedState {
    /// An empty state to stream a store into.
    init(empty sources: [RecordSource], identities: [FileIdentity], fingerprint: String, keep: Int) {
        self.init(
            fingerprint: fingerprint, keep: keep,
            files: zip(sources, identities).map { source, identity in
                var start = identity
                start.size = 0
                return File(path: source.path, role: source.role, identity: start, lines: 0, headHash: 0, tailHash: 0)
            },
            tail: [], tailRefs: [], complete: true, ids: nil, initialIDs: nil, sessionCount: 0, recordLines: 0,
            duplicatesFolded: 0, untimedCount: 0, malformedCount: 0, malformed: [], partialTail: nil)
    }

    /// Moves file `index`'s read position past `chunk` (read from `from`),
    /// which ends at the last complete line.
    mutating func advance(_ index: Int, past chunk: RecordReader.Chunk, from: Int64, identity: FileIdentity) {
        let end = from + chunk.bytes - Int64(chunk.partialTail?.bytes ?? 0)
        files[index].identity = identity
        files[index].identity.size = end
        partialTail = chunk.partialTail.map { PartialTail(path: files[index].path, line: $0.line + files[index].lines, bytes: $0.bytes) }
        files[index].lines += chunk.lines
    }

    /// Fingerprints what was read of file `index`, to notice a rewrite later.
    mutating func sealFile(_ index: Int) {
        let path = files[index].path
        files[index].headHash = FileIdentity.headHash(path, before: files[index].identity.size)
        files[index].tailHash = FileIdentity.tailHash(path, before: files[index].identity.size)
    }

    init(full: RecordSet, sources: [RecordSource], identities: [FileIdentity], fingerprint: String, keep: Int) {
        self.fingerprint = fingerprint
        self.keep = keep
        files = zip(full.files, identities).map { file, identity in
            // The offset is the end of the last complete line read.
            let tail = full.partialTails.first { $0.path == file.path }
            var id = identity
            id.size = file.bytes - Int64(tail?.bytes ?? 0)
            return File(path: file.path, role: file.role, identity: id, lines: file.lines,
                        headHash: FileIdentity.headHash(file.path, before: id.size),
                        tailHash: FileIdentity.tailHash(file.path, before: id.size))
        }
        let limit = keep + RecentRecordsCache.margin
        tail = Array(full.sessions.suffix(limit))
        tailRefs = tail.map { full.refs(of: $0) }
        for i in tail.indices { tail[i].refsIndex = tailRefs[i].isEmpty ? -1 : Int32(i) }
        complete = full.sessions.count <= limit
        initialIDs = full.sessions.map { fnv1a($0.sessionID.utf8) }.sorted()
        sessionCount = full.sessions.count
        recordLines = full.recordLines
        duplicatesFolded = full.duplicatesFolded
        untimedCount = full.untimedCount
        malformedCount = full.malformedCount
        malformed = full.malformed  // already within the reader's list limit
        partialTail = full.partialTails.last
    }

}


func mergeSorted(_ a: [UInt64], _ b: [UInt64]) -> [UInt64] {
    var out: [UInt64] = []
    out.reserveCapacity(a.count + b.count)
    var i = 0, j = 0
    while i < a.count, j < b.count {
        if a[i] <= b[j] { out.append(a[i]); i += 1 } else { out.append(b[j]); j += 1 }
    }
    out += a[i...]
    out += b[j...]
    return out
}

// MARK: - file format

extension CachedState {
    static let magic = Array("failmix-records-cache\n".utf8)

    func save(_ path: String) throws {
        var w = ByteWriter()
        w.bytes(Self.magic)
        w.u32(RecentRecordsCache.formatVersion)
        w.string(fingerprint)
        w.u64(UInt64(keep))
        w.u64(UInt64(files.count))
        for f in files {
            w.string(f.path)
            w.u8(f.role == .primary ? 1 : 0)
            w.u64(f.identity.device); w.u64(f.identity.inode)
            w.i64(f.identity.size); w.i64(f.identity.mtimeNanos)
            w.u64(UInt64(f.lines)); w.u64(f.headHash); w.u64(f.tailHash)
        }
        w.u8(complete ? 1 : 0)
        for v in [recordLines, duplicatesFolded, untimedCount, malformedCount] { w.u64(UInt64(v)) }
        w.u64(UInt64(malformed.count))
        for m in malformed { w.string(m.path); w.u64(UInt64(m.line)); w.string(m.error) }
        w.u8(partialTail == nil ? 0 : 1)
        if let t = partialTail { w.string(t.path); w.u64(UInt64(t.line)); w.u64(UInt64(t.bytes)) }
        w.u64(UInt64(tail.count))
        for r in tail {
            w.string(r.sessionID)
            w.f64(r.startTime); w.f64(r.endTime)
            w.u32(UInt32(bitPattern: r.location.file)); w.u32(UInt32(bitPattern: r.location.line)); w.i64(r.location.offset)
            w.u64(r.modeBits); w.u8(r.flags.rawValue); w.u32(UInt32(bitPattern: r.refsIndex))
        }
        w.u64(UInt64(tailRefs.count))
        for refs in tailRefs {
            w.u64(UInt64(refs.count))
            for ref in refs { w.string(ref) }
        }
        w.u64(UInt64(sessionCount))
        // The ids first: a cache whose count disagrees with them is not used.
        if let initialIDs { try SessionIDStore.create(Self.idsPath(path), sorted: initialIDs) }
        try ids?.save()
        try Self.replace(path, with: w.data)
    }

    static func idsPath(_ path: String) -> String { path + ".ids" }

    /// Written whole and renamed into place: a reader never sees half a file.
    static func replace(_ path: String, with bytes: [UInt8]) throws {
        let temp = path + ".tmp-\(getpid())"
        try Data(bytes).write(to: URL(fileURLWithPath: temp))
        guard rename(temp, path) == 0 else { throw CocoaError(.fileWriteUnknown) }
    }

    /// Opens the id hashes saved beside the cache at `path`; false when
    /// they are missing or don't match it.
    mutating func loadIDs(_ path: String) -> Bool {
        if ids != nil { return true }
        guard let store = SessionIDStore.open(Self.idsPath(path)), store.count == sessionCount else { return false }
        ids = store
        return true
    }

    static func load(_ path: String) -> CachedState? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> CachedState? in
            var r = ByteReader(raw: raw)
            guard r.bytes(magic.count) == magic[...], let version = r.u32(), version == RecentRecordsCache.formatVersion,
                let fingerprint = r.string(), let keep = r.u64(), let fileCount = r.u64(), fileCount < 1 << 20
            else { return nil }
            var files: [File] = []
            for _ in 0..<fileCount {
                guard let p = r.string(), let role = r.u8(), let dev = r.u64(), let ino = r.u64(), let size = r.i64(),
                    let mtime = r.i64(), let lines = r.u64(), let head = r.u64(), let tailHash = r.u64()
                else { return nil }
                files.append(File(path: p, role: role == 1 ? .primary : .rotated,
                                  identity: FileIdentity(device: dev, inode: ino, size: size, mtimeNanos: mtime),
                                  lines: Int(lines), headHash: head, tailHash: tailHash))
            }
            guard let complete = r.u8(), let recordLines = r.u64(), let duplicates = r.u64(), let untimed = r.u64(),
                let malformedCount = r.u64(), let malformedListed = r.u64(), malformedListed < 1 << 20
            else { return nil }
            var malformed: [MalformedLine] = []
            for _ in 0..<malformedListed {
                guard let p = r.string(), let line = r.u64(), let error = r.string() else { return nil }
                malformed.append(MalformedLine(path: p, line: Int(line), error: error))
            }
            guard let hasTail = r.u8() else { return nil }
            var partial: PartialTail?
            if hasTail == 1 {
                guard let p = r.string(), let line = r.u64(), let bytes = r.u64() else { return nil }
                partial = PartialTail(path: p, line: Int(line), bytes: Int(bytes))
            }
            guard let tailCount = r.u64(), tailCount < 1 << 24 else { return nil }
            var tail: [SessionRecord] = []
            tail.reserveCapacity(Int(tailCount))
            for _ in 0..<tailCount {
                guard let id = r.string(), let start = r.f64(), let end = r.f64(), let file = r.u32(), let line = r.u32(),
                    let offset = r.i64(), let bits = r.u64(), let flags = r.u8(), let refs = r.u32()
                else { return nil }
                tail.append(SessionRecord(
                    sessionID: id, startTime: start, endTime: end,
                    location: RecordLocation(file: Int32(bitPattern: file), line: Int32(bitPattern: line), offset: offset),
                    modeBits: bits, flags: SessionRecord.Flags(rawValue: flags), refsIndex: Int32(bitPattern: refs)))
            }
            guard let refsCount = r.u64(), refsCount < 1 << 24 else { return nil }
            var tailRefs: [[String]] = []
            for _ in 0..<refsCount {
                guard let n = r.u64(), n < 1 << 16 else { return nil }
                var refs: [String] = []
                for _ in 0..<n {
                    guard let s = r.string() else { return nil }
                    refs.append(s)
                }
                tailRefs.append(refs)
            }
            guard let sessionCount = r.u64(), r.atEnd else { return nil }
            return CachedState(
                fingerprint: fingerprint, keep: Int(keep), files: files, tail: tail, tailRefs: tailRefs,
                complete: complete == 1, ids: nil, initialIDs: nil, sessionCount: Int(sessionCount), recordLines: Int(recordLines), duplicatesFolded: Int(duplicates),
                untimedCount: Int(untimed), malformedCount: Int(malformedCount), malformed: malformed, partialTail: partial)
        }
    }
}
