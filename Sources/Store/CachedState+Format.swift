import FailmixRecords
import FailmixSupport
import Foundation

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
        ByteReader.withContents(of: path) { r -> CachedState? in
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
