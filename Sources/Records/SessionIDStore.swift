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
    /// Built in memory (a full read): the next save writes the base file.
    private var needsBase = false

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

    /// A store with no files yet, for a full read to fill.
    static func empty(_ path: String) -> SessionIDStore {
        let store = SessionIDStore(basePath: path)
        store.needsBase = true
        return store
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
        // A store built by a full read is written whole: nothing to append.
        if added.insert(hash).inserted, !needsBase { unsaved.append(hash) }
    }

    /// Appends the new hashes to the delta, or folds everything into a new
    /// base once the delta has grown large.
    func save() throws {
        if needsBase || added.count > Self.rewriteAfter {
            needsBase = false
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
