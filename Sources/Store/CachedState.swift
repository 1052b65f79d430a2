import FailmixRecords
import FailmixSupport
import FoundationEssentials

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
    var fieldWarningCount = 0
    var fieldWarnings: [MalformedLine] = []
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
        set.fieldWarningCount = fieldWarningCount
        set.fieldWarnings = fieldWarnings
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
        fieldWarningCount = full.fieldWarningCount
        fieldWarnings = full.fieldWarnings
        partialTail = full.partialTails.last
    }
}
