import FailmixSupport
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
    private var base = MappedWords()
    private var added: Set<UInt64> = []
    private var unsaved: [UInt64] = []

    var count: Int { base.count + added.count }

    private init(basePath: String) { self.basePath = basePath }

    /// Writes a new base of `sorted` hashes (a full read) and drops the delta.
    static func create(_ path: String, sorted: [UInt64]) throws {
        // Header and hashes written straight from their buffers (no copy of
        // megabytes), to a temporary file renamed into place.
        let file = try AtomicFileWriter(path: path)
        try file.write(header)
        try file.write([UInt64(sorted.count).littleEndian])
        try file.write(sorted)
        try file.commit()
        unlink(path + "-new")
    }

    /// Opens the files at `path`; nil when missing or damaged.
    static func open(_ path: String) -> SessionIDStore? {
        let store = SessionIDStore(basePath: path)
        guard !PrivateFiles.isSymbolicLink(path), let map = MappedFile(path: path) else { return nil }
        guard let count = hashCount(map), let hashes = map.words(at: 32, count: count) else { return nil }
        store.base = hashes
        if FileManager.default.fileExists(atPath: store.deltaPath) {
            let whole = ByteReader.withContents(of: store.deltaPath) { r -> Bool? in
                while let hash = r.u64() { store.added.insert(hash) }
                return r.atEnd
            }
            guard whole == true else { return nil }
        }
        return store
    }

    /// The number of hashes a base file's header declares, when its size
    /// holds exactly that many (the count is checked before any arithmetic).
    static func hashCount(_ file: MappedFile) -> Int? {
        guard file.count >= 32, file.count % 8 == 0, file.bytes(0..<24) == header, let stored = file.word(at: 24) else { return nil }
        let count = UInt64(littleEndian: stored)
        guard count == UInt64((file.count - 32) / 8) else { return nil }
        return Int(count)
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
                base = reopened.base
            }
            return
        }
        guard !unsaved.isEmpty else { return }
        let fd = PrivateFiles.openForAppending(deltaPath)
        guard fd >= 0 else { throw FileError.errno("write", deltaPath) }
        defer { close(fd) }
        let bytes = unsaved.map(\.littleEndian)
        guard FileIO.writeAll(fd, bytes) else { throw FileError.errno("write", deltaPath) }
        unsaved.removeAll()
    }
}

/// Two sorted arrays as one.
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
