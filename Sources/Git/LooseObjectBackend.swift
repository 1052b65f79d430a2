import CLibGit2
import FailmixSupport
import FoundationEssentials
import Glibc
import Synchronization

/// Reads the repository's loose objects for libgit2, ahead of libgit2's own
/// loose backend: libgit2 1.5.1 spins forever inflating a truncated loose
/// object (zlib's Z_BUF_ERROR is retried without new input; libgit2 #7342,
/// fixed long after 1.5). Here a loose object is inflated in one pass and any
/// damage (data ending early, a bad checksum, a body longer or shorter than
/// its header says) is an error naming the object's file. Which objects are
/// loose and where their files are is decided here; the backend's C entry
/// points and the inflating into libgit2's buffer are LibGit2.swift's
/// (`addLooseObjectBackend`).
///
/// Consulted before the pack backend too (libgit2 orders backends by one
/// priority number, and this one must come before the loose backend), so
/// "is it loose?" is answered from each fan-out directory's listing, read
/// once: an object in a pack costs a set lookup, not a failed open().
final class LooseObjectReader: Sendable {
    private let objectsDirectory: String
    /// Names (38 hex digits) in objects/XX, by XX; each read on first use.
    private let listings = Mutex([Set<String>?](repeating: nil, count: 256))

    private init(objectsDirectory: String) { self.objectsDirectory = objectsDirectory }

    /// Adds the reader to `repository`'s object database, before libgit2's
    /// pack (2) and loose (1) backends.
    static func attach(to repository: OpaquePointer, commonDirectory: String) throws(GitError) {
        try addLooseObjectBackend(to: repository, LooseObjectReader(objectsDirectory: commonDirectory + "/objects"))
    }

    /// The compressed file of object `id` (its hex id and path with it), or
    /// nil when the object is not loose.
    func compressedFile(of id: git_oid) -> (hex: String, path: String, bytes: [UInt8])? {
        // Most reads are of packed objects, most fan-out directories empty: no strings for those.
        let names = names(fanOut: id.id.0)
        guard !names.isEmpty else { return nil }
        let hex = id.hex
        let name = String(hex.dropFirst(2))
        guard names.contains(name) else { return nil }
        let path = "\(objectsDirectory)/\(hex.prefix(2))/\(name)"
        guard let compressed = Self.contents(of: path) else { return nil }
        return (hex, path, compressed)
    }

    /// The loose objects whose ids start with `prefix` (4 to 40 hex digits),
    /// as full hex ids.
    func matches(prefix: String) -> [String] {
        guard prefix.utf8.count >= 2, let fanOut = UInt8(prefix.prefix(2), radix: 16) else { return [] }
        let rest = prefix.dropFirst(2)
        return names(fanOut: fanOut).filter { $0.hasPrefix(rest) }.map { prefix.prefix(2) + $0 }
    }

    /// The object names (38 hex digits) in objects/XX, XX being `fanOut`.
    private func names(fanOut: UInt8) -> Set<String> {
        listings.withLock { listings in
            if let names = listings[Int(fanOut)] { return names }
            if listings.allSatisfy({ $0 == nil }) {
                // First use: objects/ itself says which fan-out directories exist
                // (a packed repository has few or none), so the rest cost no open().
                let present = Set(Self.entries(of: objectsDirectory).compactMap { $0.utf8.count == 2 ? UInt8($0, radix: 16) : nil })
                for i in 0..<256 where !present.contains(UInt8(i)) { listings[i] = [] }
                if let names = listings[Int(fanOut)] { return names }
            }
            let names = Set(Self.entries(of: objectsDirectory + "/" + Self.directoryName(fanOut)).filter { $0.utf8.count == 38 })
            listings[Int(fanOut)] = names
            return names
        }
    }

    private static func directoryName(_ fanOut: UInt8) -> String { formatted("%02x", fanOut) }

    /// The file's bytes (one open, fstat and read, as libgit2 reads a loose object).
    private static func contents(of path: String) -> [UInt8]? {
        let fd = FileIO.openForReading(path)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        guard let size = FileIO.size(fd), size >= 0, size <= Int64(Int32.max) else { return nil }
        return FileIO.bytes(fd, from: 0, to: size)
    }

    /// The names in `directory` (none when it cannot be read).
    private static func entries(of directory: String) -> [String] {
        FileIO.entryNames(in: directory) ?? []
    }
}
