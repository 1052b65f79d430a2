import FailmixRecords
import FailmixSupport
import FoundationEssentials

/// The cache file's format: little-endian fields in a fixed order after a
/// magic line and the format version; a file that does not parse to its
/// last byte is not used.
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
        w.u64(UInt64(fieldWarningCount))
        w.u64(UInt64(fieldWarnings.count))
        for m in fieldWarnings { w.string(m.path); w.u64(UInt64(m.line)); w.string(m.error) }
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
        w.checksum()
        // The ids first: a cache whose count disagrees with them is not used.
        if let initialIDs { try SessionIDStore.create(Self.idsPath(path), sorted: initialIDs) }
        try ids?.save()
        // Written whole and renamed into place: a reader never sees half a file.
        try AtomicFile.write(w.data, to: path)
    }

    static func idsPath(_ path: String) -> String { path + ".ids" }

    /// Opens the id hashes saved beside the cache at `path`; false when
    /// they are missing or don't match it.
    mutating func loadIDs(_ path: String) -> Bool {
        if ids != nil { return true }
        guard let store = SessionIDStore.open(Self.idsPath(path)), store.count == sessionCount else { return false }
        ids = store
        return true
    }

    static func load(_ path: String) -> CachedState? {
        guard let bytes = try? PrivateFiles.read(path) else { return nil }
        return ByteReader.withChecked(bytes) { decode(&$0) }
    }

    /// The cache `r` reads, or nil when anything in it is inconsistent: every
    /// count is checked against the bytes left before it is used, every
    /// number against the range its field can hold, and every index against
    /// what it points into, so a damaged file is a cold read, never a trap.
    static func decode(_ r: inout ByteReader) -> CachedState? {
        let lineLimit = Int(Int32.max)
        guard r.bytes(magic.count) == magic[...], let version = r.u32(), version == RecentRecordsCache.formatVersion,
            let fingerprint = r.string(), let keep = r.int(max: Int(Int32.max)), let fileCount = r.count(minimumSize: 61),
            fileCount <= Int(Int32.max)
        else { return nil }
        var files: [File] = []
        for _ in 0..<fileCount {
            guard let p = r.string(), let role = r.u8(), role <= 1, let dev = r.u64(), let ino = r.u64(), let size = r.i64(), size >= 0,
                let mtime = r.i64(), let lines = r.int(max: lineLimit), let head = r.u64(), let tailHash = r.u64()
            else { return nil }
            files.append(File(path: p, role: role == 1 ? .primary : .rotated,
                              identity: FileIdentity(device: dev, inode: ino, size: size, mtimeNanos: mtime),
                              lines: lines, headHash: head, tailHash: tailHash))
        }
        guard let complete = r.u8(), complete <= 1, let recordLines = r.int(), let duplicates = r.int(), let untimed = r.int(),
            let malformedCount = r.int(), let malformedListed = r.count(minimumSize: 16), malformedListed <= malformedCount
        else { return nil }
        var malformed: [MalformedLine] = []
        for _ in 0..<malformedListed {
            guard let p = r.string(), let line = r.int(max: lineLimit), let error = r.string() else { return nil }
            malformed.append(MalformedLine(path: p, line: line, error: error))
        }
        guard let warningCount = r.int(), let warningsListed = r.count(minimumSize: 16), warningsListed <= warningCount else { return nil }
        var fieldWarnings: [MalformedLine] = []
        for _ in 0..<warningsListed {
            guard let p = r.string(), let line = r.int(max: lineLimit), let error = r.string() else { return nil }
            fieldWarnings.append(MalformedLine(path: p, line: line, error: error))
        }
        guard let hasTail = r.u8(), hasTail <= 1 else { return nil }
        var partial: PartialTail?
        if hasTail == 1 {
            guard let p = r.string(), let line = r.int(max: lineLimit), let bytes = r.int() else { return nil }
            partial = PartialTail(path: p, line: line, bytes: bytes)
        }
        guard let tailCount = r.count(minimumSize: 45) else { return nil }
        var tail: [SessionRecord] = []
        tail.reserveCapacity(tailCount)
        for _ in 0..<tailCount {
            guard let id = r.string(), let start = r.f64(), let end = r.f64(), let file = r.u32(), let line = r.u32(),
                let offset = r.i64(), let bits = r.u64(), let flags = r.u8(), let refs = r.u32()
            else { return nil }
            // Times are finite and in range or NaN (untimed), as the reader makes them.
            guard SessionTime.isValid(start), SessionTime.isValid(end), start.isNaN == end.isNaN, start.isNaN || start <= end,
                Int(file) < files.count, line <= UInt32(Int32.max), offset >= 0
            else { return nil }
            tail.append(SessionRecord(
                sessionID: id, startTime: start, endTime: end,
                location: RecordLocation(file: Int32(file), line: Int32(line), offset: offset),
                modeBits: bits, flags: SessionRecord.Flags(rawValue: flags), refsIndex: Int32(bitPattern: refs)))
        }
        guard let refsCount = r.count(minimumSize: 8) else { return nil }
        var tailRefs: [[String]] = []
        tailRefs.reserveCapacity(refsCount)
        for _ in 0..<refsCount {
            guard let n = r.count(minimumSize: 4) else { return nil }
            var refs: [String] = []
            for _ in 0..<n {
                guard let s = r.string() else { return nil }
                refs.append(s)
            }
            tailRefs.append(refs)
        }
        guard tail.allSatisfy({ $0.refsIndex == -1 || (0..<tailRefs.count).contains(Int($0.refsIndex)) }),
            let sessionCount = r.int(), sessionCount >= tail.count, r.atEnd
        else { return nil }
        var state = CachedState(
            fingerprint: fingerprint, keep: keep, files: files, tail: tail, tailRefs: tailRefs,
            complete: complete == 1, ids: nil, initialIDs: nil, sessionCount: sessionCount, recordLines: recordLines,
            duplicatesFolded: duplicates, untimedCount: untimed, malformedCount: malformedCount, malformed: malformed,
            partialTail: partial)
        (state.fieldWarningCount, state.fieldWarnings) = (warningCount, fieldWarnings)
        return state
    }
}
