import Foundation

/// Hashes of every session id a store has seen, so an appended duplicate is
/// recognised without reading the whole store: a sorted base file mapped
/// into memory (a lookup touches a few pages, not megabytes) plus a small file
/// of hashes added since, appended to; the base is rewritten only when that
/// grows large.
final class SessionIDStore {
    static let header = Array("failmix-session-ids-v1\n\0".utf8)  // 24 bytes, then the count: hashes start 8-aligned
    static let rewriteAfter = 1 << 16

    let basePath: String
    var deltaPath: String { basePath + "-new" }
    private var mapping: UnsafeMutableRawPointer?
    private var mappingLength = 0
    private var base = UnsafeBufferPointer<UInt64>(start: nil, count: 0)
    private var added: Set<UInt64> = []
    private var unsaved: [UInt64] = []

    var count: Int { base.count + added.count }

    private init(basePath: String) { self.basePath = basePath }

    deinit { if let mapping { munmap(mapping, mappingLength) } }

    /// Writes a new base of `sorted` hashes (a full read) and drops the delta.
    static func create(_ path: String, sorted: [UInt64]) throws {
        // Header and hashes written straight from their buffers (no copy of
        // megabytes), to a temporary file renamed into place.
        let temp = path + ".tmp-\(getpid())"
        let fd = Foundation.open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw CocoaError(.fileWriteUnknown) }
        var count = UInt64(sorted.count).littleEndian
        let ok = header.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) == $0.count }
            && withUnsafeBytes(of: &count) { write(fd, $0.baseAddress, 8) == 8 }
            && sorted.withUnsafeBytes { writeAll(fd, $0) }
        close(fd)
        guard ok, rename(temp, path) == 0 else { unlink(temp); throw CocoaError(.fileWriteUnknown) }
        unlink(path + "-new")
    }

    /// Opens the files at `path`; nil when missing or damaged.
    static func open(_ path: String) -> SessionIDStore? {
        let store = SessionIDStore(basePath: path)
        let fd = Foundation.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_size >= 32 else { return nil }
        let length = Int(st.st_size)
        guard let map = mmap(nil, length, PROT_READ, MAP_PRIVATE, fd, 0), map != MAP_FAILED else { return nil }
        store.mapping = map
        store.mappingLength = length
        let raw = UnsafeRawBufferPointer(start: map, count: length)
        guard Array(raw[0..<24]) == header else { return nil }
        let count = Int(UInt64(littleEndian: raw.load(fromByteOffset: 24, as: UInt64.self)))
        guard length == 32 + count * 8 else { return nil }
        store.base = UnsafeBufferPointer(start: (map + 32).assumingMemoryBound(to: UInt64.self), count: count)
        if let delta = FileManager.default.contents(atPath: store.deltaPath) {
            guard delta.count % 8 == 0 else { return nil }
            delta.withUnsafeBytes { raw in
                for i in 0..<(raw.count / 8) { store.added.insert(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self))) }
            }
        }
        return store
    }

    func contains(_ hash: UInt64) -> Bool {
        if added.contains(hash) { return true }
        var lo = 0, hi = base.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if base[mid] < hash { lo = mid + 1 } else { hi = mid }
        }
        return lo < base.count && base[lo] == hash
    }

    func insert(_ hash: UInt64) {
        if added.insert(hash).inserted { unsaved.append(hash) }
    }

    /// Appends the new hashes to the delta, or folds everything into a new
    /// base once the delta has grown large.
    func save() throws {
        if added.count > Self.rewriteAfter {
            // Move the set's hashes out before sorting, so the set's memory
            // goes before the sort's buffer comes (a million ids: 8 MB each).
            var sorted = Array(added)
            added = []
            sorted.sort()
            try Self.create(basePath, sorted: base.isEmpty ? sorted : mergeSorted(Array(base), sorted))
            unsaved.removeAll()
            if let reopened = Self.open(basePath) {
                if let mapping { munmap(mapping, mappingLength) }
                (mapping, mappingLength, base) = (reopened.mapping, reopened.mappingLength, reopened.base)
                reopened.mapping = nil
            }
            return
        }
        guard !unsaved.isEmpty else { return }
        let fd = Foundation.open(deltaPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw CocoaError(.fileWriteUnknown) }
        defer { close(fd) }
        let bytes = unsaved.map(\.littleEndian)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count * 8 else { throw CocoaError(.fileWriteUnknown) }
        unsaved.removeAll()
    }
}

/// Writes all of `bytes`, however the kernel splits the writes.
func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
    var offset = 0
    while offset < bytes.count {
        let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
        if n < 0 { if errno == EINTR { continue }; return false }
        offset += n
    }
    return true
}

/// The session ids of a full read in bounded memory, however large the
/// store: hashes are sorted in runs spilled beside the store's base file,
/// then merged into it. A million sessions in one set cost 12 MB and grew
/// with the store; this holds one run and a small read buffer per run.
final class SessionIDRuns {
    /// A hash with its read position and whether that record had no time.
    private struct Entry: Comparable {
        var hash: UInt64
        var order: UInt64  // sequence << 1 | untimed

        static func < (a: Entry, b: Entry) -> Bool { (a.hash, a.order) < (b.hash, b.order) }
    }

    let basePath: String
    let runLength: Int
    private var buffer: [Entry] = []
    private var runs: [String] = []
    private var sequence: UInt64 = 0

    init(basePath: String, runLength: Int = 1 << 17) {
        self.basePath = basePath
        self.runLength = runLength
        buffer.reserveCapacity(runLength)
    }

    deinit { for run in runs { unlink(run) } }

    func add(_ hash: UInt64, untimed: Bool) throws {
        buffer.append(Entry(hash: hash, order: sequence << 1 | (untimed ? 1 : 0)))
        sequence += 1
        if buffer.count >= runLength { try spill() }
    }

    private func spill() throws {
        Self.sortByHash(&buffer)
        let path = basePath + ".run-\(getpid())-\(runs.count)"
        let fd = Foundation.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw CocoaError(.fileWriteUnknown) }
        runs.append(path)
        let ok = buffer.withUnsafeBytes { writeAll(fd, $0) }
        close(fd)
        guard ok else { throw CocoaError(.fileWriteUnknown) }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Merges every run into the base file of unique hashes (the delta
    /// removed). Returns the distinct sessions, and how many of them have no
    /// time in their newest record (a later record replaces an earlier one).
    func finish() throws -> (unique: Int, untimed: Int) {
        Self.sortByHash(&buffer)
        var sources = [RunReader(entries: buffer)]
        buffer = []
        for run in runs { sources.append(try RunReader(path: run)) }
        let temp = basePath + ".tmp-\(getpid())"
        let fd = Foundation.open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw CocoaError(.fileWriteUnknown) }
        var out: [UInt64] = []
        out.reserveCapacity(1 << 13)
        var written = 0
        var ok = SessionIDStore.header.withUnsafeBytes { writeAll(fd, $0) }
            && withUnsafeBytes(of: UInt64(0)) { writeAll(fd, $0) }  // the count, filled in below
        func flush() {
            let bytes = out.map(\.littleEndian)
            ok = ok && bytes.withUnsafeBytes { writeAll(fd, $0) }
            written += out.count
            out.removeAll(keepingCapacity: true)
        }
        var untimed = 0
        var last: Entry?
        // A k-way merge by linear scan of the heads: runs are few (8 for a
        // million sessions), so a heap would not pay.
        while true {
            var best = -1
            for (i, source) in sources.enumerated() {
                if let head = source.head, best < 0 || head < sources[best].head! { best = i }
            }
            guard best >= 0 else { break }
            let entry = sources[best].head!
            sources[best].advance()
            if let previous = last, previous.hash != entry.hash {
                out.append(previous.hash)
                untimed += Int(previous.order & 1)
                if out.count == out.capacity { flush() }
            }
            last = entry
        }
        if let last {
            out.append(last.hash)
            untimed += Int(last.order & 1)
        }
        flush()
        var count = UInt64(written).littleEndian
        ok = ok && withUnsafeBytes(of: &count) { pwrite(fd, $0.baseAddress, 8, off_t(SessionIDStore.header.count)) == 8 }
        close(fd)
        for run in runs { unlink(run) }
        runs = []
        guard ok, rename(temp, basePath) == 0 else { unlink(temp); throw CocoaError(.fileWriteUnknown) }
        unlink(basePath + "-new")
        return (written, untimed)
    }

    /// A stable radix sort on the hash, 16 bits a pass: entries with equal
    /// hashes stay in the order they were added, so each run is ordered by
    /// (hash, order) at a fraction of a comparison sort's cost.
    private static func sortByHash(_ entries: inout [Entry]) {
        guard entries.count > 1 else { return }
        var other = entries
        var counts = [Int](repeating: 0, count: 1 << 16)
        for shift in stride(from: UInt64(0), to: 64, by: 16) {
            for i in counts.indices { counts[i] = 0 }
            for e in entries { counts[Int(truncatingIfNeeded: (e.hash >> shift) & 0xFFFF)] += 1 }
            var total = 0
            for i in counts.indices { (counts[i], total) = (total, total + counts[i]) }
            for e in entries {
                let digit = Int(truncatingIfNeeded: (e.hash >> shift) & 0xFFFF)
                other[counts[digit]] = e
                counts[digit] += 1
            }
            swap(&entries, &other)
        }
    }

    /// One sorted run, read a block at a time (or the last, in memory).
    private final class RunReader {
        private var block: [Entry]
        private var index = 0
        private let fd: Int32
        private(set) var head: Entry?

        init(entries: [Entry]) {
            block = entries
            fd = -1
            head = block.first
        }

        init(path: String) throws {
            fd = Foundation.open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw CocoaError(.fileReadUnknown) }
            block = []
            refill()
        }

        deinit { if fd >= 0 { close(fd) } }

        func advance() {
            index += 1
            if index == block.count, fd >= 0 { refill() }
            head = index < block.count ? block[index] : nil
        }

        private func refill() {
            block = [Entry](unsafeUninitializedCapacity: 4096) { buffer, count in
                let n = read(fd, buffer.baseAddress, 4096 * MemoryLayout<Entry>.stride)
                count = n > 0 ? n / MemoryLayout<Entry>.stride : 0
            }
            index = 0
            head = block.first
        }
    }
}
