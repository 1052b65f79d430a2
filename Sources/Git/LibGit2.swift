import CGitTrustStore
import CLibGit2
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one place failmix talks to libgit2. Everything above sees Swift types
/// and `GitError`; nothing else imports CLibGit2.
public enum LibGit2 {
    /// libgit2 keeps global state; initialise it once per process.
    private static let initialized: Bool = {
        git_libgit2_init()
        // Read-only use of a repository owned by another user (CI checkouts,
        // containers) is safe; don't refuse it.
        _ = failmix_set_owner_validation(0)
        // A walk reads each commit once, so the object cache only costs: its
        // memory (256 MiB by default), and once full, evictions that rescan
        // its hash table from the start each time (a third of a 100k-commit
        // walk). Pack windows need not map whole packs either (the defaults
        // map 32 MiB windows up to 8 GiB): every mapped page that was read
        // counts in the resident set (24 MiB of it on an 80k-commit history).
        // A walk reads the commits, which git writes together, newest first,
        // mostly in order, but a quarter of them are deltas whose bases lie
        // anywhere in the commits' 44 MB (median 1.5 MB back, a tenth over
        // 29 MB): with two 4 MiB windows nearly every such base unmapped one
        // (7,500 mmap/munmap pairs and 9,000 page faults on 80k commits, a
        // tenth of the walk's CPU in the kernel). Sixteen 512 KiB windows
        // keep the places recently read mapped: 4,700 pairs, +0.5 MiB.
        _ = failmix_enable_caching(0)
        _ = failmix_set_mwindow_size(512 << 10)
        _ = failmix_set_mwindow_mapped_limit(8 << 20)
        // Every object read was hashed again (SHA-1 with collision detection)
        // to compare with its id: an eighth of a cold walk. git does not do it
        // on reads either; zlib's checksum still catches damaged data.
        _ = failmix_set_strict_hash_verification(0)
        return true
    }()

    public static func ensureInitialized() { _ = initialized }

    /// How often libgit2 asked for its TLS trust store, answered without
    /// parsing the system CA bundle (CGitTrustStore): 0 after initialising
    /// means the interposition no longer works and every run pays ~3 ms.
    public static var trustStoreRequests: Int { Int(failmix_git_trust_store_requests()) }

    /// The linked library's version, e.g. "1.5.1".
    public static var version: String {
        var major: Int32 = 0, minor: Int32 = 0, patch: Int32 = 0
        git_libgit2_version(&major, &minor, &patch)
        return "\(major).\(minor).\(patch)"
    }
}

/// A libgit2 failure, carrying `git_error_last()`'s text.
public struct GitError: Error, Sendable, CustomStringConvertible {
    public let code: Int32
    public let message: String
    public let operation: String

    public init(code: Int32, operation: String) {
        self.code = code
        self.operation = operation
        if let e = git_error_last(), let m = e.pointee.message {
            message = String(cString: m)
        } else {
            message = "libgit2 error \(code)"
        }
    }

    public init(operation: String, message: String) {
        code = -1
        self.operation = operation
        self.message = message
    }

    public var isNotFound: Bool { code == GIT_ENOTFOUND.rawValue }
    public var description: String { "\(operation): \(message)" }
}

@inline(__always)
func check(_ code: Int32, _ operation: @autoclosure () -> String) throws(GitError) {
    if code < 0 { throw GitError(code: code, operation: operation()) }
}

// MARK: - The audited pointer helpers
//
// libgit2 hands its results back through out-parameters, `git_buf`s and
// buffers it owns. The object-reading code (repository, walk, notes, diffs)
// touches them only through these helpers, which keep three invariants:
// - an out-parameter is read only after libgit2 returned success, and a nil
//   one is a `GitError`, never a force-unwrap (`produced`);
// - a `git_buf` is copied into a String and disposed on every path
//   (`bufferText`);
// - an object's bytes are lent to a closure as a `Span` and the object is
//   freed when it returns; nothing keeps them (`withObjectBytes`);
// - memory libgit2 owns inside a result (config entries, string arrays,
//   trailers, a tree entry's id) is copied into Swift values before the
//   result is freed or the iterator moves on;
// - bytes handed to libgit2 (hex digits, a name) are borrowed only for the
//   call, and their length is checked first (a NUL where libgit2 wants one).
// Object ids cross as `git_oid` values, hex Strings or `ObjectKey`
// (ObjectID.swift), never as pointers into libgit2's memory.

/// What a libgit2 call put in its out-parameter; the caller owns (frees) it.
@inline(__always)
func produced(_ operation: @autoclosure () -> String, by call: (inout OpaquePointer?) -> Int32) throws(GitError) -> OpaquePointer {
    var out: OpaquePointer?
    try check(call(&out), operation())
    guard let out else { throw GitError(operation: operation(), message: "libgit2 returned nothing") }
    return out
}

/// The text a libgit2 call wrote into a `git_buf` (up to its first NUL), the buffer disposed.
func bufferText(_ operation: @autoclosure () -> String, by call: (inout git_buf) -> Int32) throws(GitError) -> String {
    var buffer = git_buf()
    defer { git_buf_dispose(&buffer) }
    try check(call(&buffer), operation())
    guard let text = buffer.ptr else { return "" }
    return String(cString: text)
}

/// Reads object `id` from `database` and lends its type and bytes to
/// `body`; the object is freed when `body` returns.
@inline(__always)
func withObjectBytes<T>(
    _ database: OpaquePointer, _ id: git_oid, _ operation: @autoclosure () -> String,
    _ body: (git_object_t, Span<UInt8>) throws(GitError) -> T
) throws(GitError) -> T {
    var oid = id
    let object = try produced(operation(), by: { git_odb_read(&$0, database, &oid) })
    defer { git_odb_object_free(object) }
    let bytes = UnsafeRawBufferPointer(start: git_odb_object_data(object), count: git_odb_object_size(object))
    return try body(git_odb_object_type(object), Span(_unsafeBytes: bytes))
}

/// The level and value (copied) of each entry `iterator` yields; libgit2
/// owns an entry only until the next `git_config_next`.
func configEntries(_ iterator: OpaquePointer) -> [(level: git_config_level_t, value: String?)] {
    var entries: [(level: git_config_level_t, value: String?)] = []
    var entry: UnsafeMutablePointer<git_config_entry>?
    while git_config_next(&entry, iterator) == 0, let e = entry?.pointee {
        entries.append((e.level, e.value.map { String(cString: $0) }))
    }
    return entries
}

/// The strings a libgit2 call put in a `git_strarray` (copied, the array
/// disposed); nil when the call failed.
func strings(by call: (inout git_strarray) -> Int32) -> [String]? {
    var array = git_strarray()
    guard call(&array) == 0 else { return nil }
    defer { git_strarray_dispose(&array) }
    return (0..<array.count).compactMap { array.strings[$0].map { String(cString: $0) } }
}

/// The trailers libgit2 finds in `message` (as `git interpret-trailers`
/// does), copied out before its array is freed; none when it fails.
func messageTrailers(_ message: String) -> [(key: String, value: String)] {
    messageTrailers(message, keyMatches: { _ in true })
}

/// The trailers of `message` whose key's bytes `keyMatches` accepts; the
/// others never become Strings (a message carries many trailers, rarely the
/// one asked for). The key is lent as a Span for the call only.
func messageTrailers(_ message: String, keyMatches: (Span<UInt8>) -> Bool) -> [(key: String, value: String)] {
    LibGit2.ensureInitialized()
    var array = git_message_trailer_array()
    guard git_message_trailers(&array, message) == 0 else { return [] }
    defer { git_message_trailer_array_free(&array) }
    var trailers: [(key: String, value: String)] = []
    for i in 0..<array.count {
        let trailer = array.trailers[i]
        guard let key = trailer.key, let value = trailer.value else { continue }
        let keyBytes = UnsafeRawBufferPointer(start: key, count: strlen(key))
        guard keyMatches(Span(_unsafeBytes: keyBytes)) else { continue }
        trailers.append((String(cString: key), String(cString: value)))
    }
    return trailers
}

/// A "now" signature for `name <email>`, lent to `body` and freed after.
func withSignatureNow<T>(
    _ name: String, _ email: String, _ operation: @autoclosure () -> String,
    _ body: (UnsafeMutablePointer<git_signature>) throws(GitError) -> T
) throws(GitError) -> T {
    var signature: UnsafeMutablePointer<git_signature>?
    try check(git_signature_now(&signature, name, email), operation())
    guard let signature else { throw GitError(operation: operation(), message: "libgit2 returned nothing") }
    defer { git_signature_free(signature) }
    return try body(signature)
}

/// The entry of `tree` named by `name[from...]`, which runs up to a NUL the
/// array ends with (checked); the entry belongs to the tree.
func treeEntry(_ tree: OpaquePointer, named name: [UInt8], from start: Int) -> OpaquePointer? {
    precondition(start >= 0 && start < name.count && name.last == 0, "a tree entry name ends with a NUL")
    return name.withUnsafeBytes { git_tree_entry_byname(tree, ($0.baseAddress! + start).assumingMemoryBound(to: CChar.self)) }
}

/// The id of a tree entry, commit or other object (a copy of the one
/// libgit2 keeps inside it).
func entryID(_ entry: OpaquePointer) -> git_oid { git_tree_entry_id(entry).pointee }
func objectID(_ object: OpaquePointer) -> git_oid { git_object_id(object).pointee }

/// Parses 40 hex digits (either case) in place; nil for anything else.
func parsedObjectID(hex: Span<UInt8>) -> git_oid? {
    guard hex.count == 40 else { return nil }
    var oid = git_oid()
    let code = hex.withUnsafeBufferPointer { digits in
        UnsafeRawPointer(digits.baseAddress!).withMemoryRebound(to: CChar.self, capacity: 40) { git_oid_fromstrn(&oid, $0, 40) }
    }
    return code == 0 ? oid : nil
}

/// An id's 20 bytes as little-endian words (bytes 0-7, 8-15, 16-19), and back.
func objectIDWords(_ oid: git_oid) -> (UInt64, UInt64, UInt32) {
    withUnsafeBytes(of: oid.id) { raw in
        (raw.loadUnaligned(as: UInt64.self), raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
         raw.loadUnaligned(fromByteOffset: 16, as: UInt32.self))
    }
}

func objectID(words: (UInt64, UInt64, UInt32)) -> git_oid {
    var oid = git_oid()
    withUnsafeMutableBytes(of: &oid.id) { out in
        out.storeBytes(of: words.0, toByteOffset: 0, as: UInt64.self)
        out.storeBytes(of: words.1, toByteOffset: 8, as: UInt64.self)
        out.storeBytes(of: words.2, toByteOffset: 16, as: UInt32.self)
    }
    return oid
}

/// The id's 40 lower-case hex digits, written straight into the String's
/// storage (no array between: every walked commit's SHA is one).
func hexDigits(_ oid: git_oid) -> String {
    withUnsafeBytes(of: oid.id) { raw in
        String(unsafeUninitializedCapacity: 40) { out in
            let digits: StaticString = "0123456789abcdef"
            let table = digits.utf8Start
            for (i, byte) in raw.enumerated() {
                out[2 * i] = table[Int(byte >> 4)]
                out[2 * i + 1] = table[Int(byte & 0x0F)]
            }
            return 40
        }
    }
}

extension Span where Element == UInt8 {
    /// The index of the last `byte`, or nil: memrchr (a GNU extension that
    /// CLibGit2's headers expose), inside the span's bounds.
    @inline(__always)
    func lastIndex(of byte: UInt8) -> Int? {
        withUnsafeBufferPointer { bytes in
            guard let base = bytes.baseAddress, let hit = memrchr(base, Int32(byte), bytes.count) else { return nil }
            return UnsafeRawPointer(hit) - UnsafeRawPointer(base)
        }
    }
}

// MARK: - The loose-object backend's C side
//
// `LooseObjectReader` (LooseObjectBackend.swift) decides which objects are
// loose and reads their files; here is what libgit2 sees of it:
// - Lifetime: the backend struct is allocated here and freed by libgit2
//   through its `free` entry (or here, when adding it fails); it holds the
//   reader retained (`Unmanaged.passRetained`) and releases it there.
// - Who frees: an object's bytes are inflated into a buffer from
//   `git_odb_backend_data_alloc` that libgit2 takes over on success; on any
//   failure it is freed here with `git_odb_backend_data_free`.
// - Bounds: zlib writes only into the room it is given (`avail_out`), one
//   byte beyond the size the header claims, so a body that runs on is seen,
//   never written past; the input is the file's bytes, pinned for the call.

/// Adds `reader` to `repository`'s object database, before libgit2's pack
/// (2) and loose (1) backends.
func addLooseObjectBackend(to repository: OpaquePointer, _ reader: LooseObjectReader) throws(GitError) {
    let odb = try produced("opening the object database", by: { git_repository_odb(&$0, repository) })
    defer { git_odb_free(odb) }
    let backend = UnsafeMutablePointer<failmix_odb_backend>.allocate(capacity: 1)
    backend.initialize(to: failmix_odb_backend())
    try check(git_odb_init_backend(&backend.pointee.parent, UInt32(GIT_ODB_BACKEND_VERSION)), "setting up the loose-object reader")
    backend.pointee.context = Unmanaged.passRetained(reader).toOpaque()
    backend.pointee.parent.read = { data, length, type, backend, id in
        guard let data, let length, let type, let backend, let id else { return GIT_ERROR.rawValue }
        return LooseBackend.read(id.pointee, backend: backend, data: data, length: length, type: type)
    }
    // Abbreviated ids (a `--rev abc1234`): libgit2 asks every backend, and
    // its loose backend would inflate a truncated match forever; an error
    // from this one, asked first, ends the lookup.
    backend.pointee.parent.read_prefix = { found, data, length, type, backend, id, hexLength in
        guard let found, let data, let length, let type, let backend, let id else { return GIT_ERROR.rawValue }
        return LooseBackend.readPrefix(String(id.pointee.hex.prefix(hexLength)), backend: backend,
                                       found: found, data: data, length: length, type: type)
    }
    backend.pointee.parent.free = { backend in
        guard let backend else { return }
        let outer = UnsafeMutableRawPointer(backend).assumingMemoryBound(to: failmix_odb_backend.self)
        if let context = outer.pointee.context { Unmanaged<LooseObjectReader>.fromOpaque(context).release() }
        outer.deallocate()
    }
    let code = git_odb_add_backend(odb, &backend.pointee.parent, 3)
    if code < 0 {
        backend.pointee.parent.free?(&backend.pointee.parent)
        try check(code, "adding the loose-object reader")
    }
}

private enum LooseBackend {
    static func reader(_ backend: UnsafeMutablePointer<git_odb_backend>) -> LooseObjectReader {
        let outer = UnsafeMutableRawPointer(backend).assumingMemoryBound(to: failmix_odb_backend.self)
        return Unmanaged<LooseObjectReader>.fromOpaque(outer.pointee.context).takeUnretainedValue()
    }

    /// libgit2's `read`: the object's bytes in a buffer from
    /// `git_odb_backend_data_alloc`, GIT_ENOTFOUND when it is not loose,
    /// GIT_PASSTHROUGH for a file that is not zlib data (the ancient
    /// pack-like loose format, left to libgit2), or an error.
    static func read(
        _ id: git_oid, backend: UnsafeMutablePointer<git_odb_backend>,
        data: UnsafeMutablePointer<UnsafeMutableRawPointer?>, length: UnsafeMutablePointer<Int>,
        type: UnsafeMutablePointer<git_object_t>
    ) -> Int32 {
        guard let file = reader(backend).compressedFile(of: id) else { return GIT_ENOTFOUND.rawValue }
        let result = file.bytes.withUnsafeBytes { inflate($0, backend: backend) }
        switch result {
        case .object(let bytes, let size, let kind):
            data.pointee = bytes
            length.pointee = size
            type.pointee = kind
            return 0
        case .notZlib:
            return GIT_PASSTHROUGH.rawValue
        case .damaged(let why):
            git_error_set_str(Int32(GIT_ERROR_ODB.rawValue), "object \(file.hex) is damaged (\(why)): \(file.path)")
            return GIT_ERROR.rawValue
        }
    }

    /// libgit2's `read_prefix`: the one loose object whose id starts with
    /// `prefix` (4 to 40 hex digits), GIT_ENOTFOUND, or an error (ambiguous,
    /// damaged).
    static func readPrefix(
        _ prefix: String, backend: UnsafeMutablePointer<git_odb_backend>, found: UnsafeMutablePointer<git_oid>,
        data: UnsafeMutablePointer<UnsafeMutableRawPointer?>, length: UnsafeMutablePointer<Int>,
        type: UnsafeMutablePointer<git_object_t>
    ) -> Int32 {
        let matches = reader(backend).matches(prefix: prefix)
        guard let hex = matches.first else { return GIT_ENOTFOUND.rawValue }
        guard matches.count == 1 else {
            git_error_set_str(Int32(GIT_ERROR_ODB.rawValue), "the abbreviated id \(prefix) names \(matches.count) loose objects")
            return GIT_EAMBIGUOUS.rawValue
        }
        guard git_oid_fromstr(found, hex) == 0 else { return GIT_ENOTFOUND.rawValue }
        return read(found.pointee, backend: backend, data: data, length: length, type: type)
    }

    enum Inflated {
        case object(UnsafeMutableRawPointer, Int, git_object_t)
        case notZlib
        case damaged(String)
    }

    /// The longest header libgit2 reads ("commit 18446744073709551615\0" fits).
    static let headerCapacity = 64

    /// Inflates a loose object (`TYPE SIZE\0BODY`, zlib-compressed) into a
    /// buffer libgit2 owns, checking every length against the data.
    static func inflate(_ compressed: UnsafeRawBufferPointer, backend: UnsafeMutablePointer<git_odb_backend>) -> Inflated {
        guard compressed.count >= 2, compressed[0] & 0x8F == 0x08, (UInt16(compressed[0]) << 8 | UInt16(compressed[1])) % 31 == 0 else {
            return .notZlib
        }
        var stream = z_stream()
        guard failmix_inflate_init(&stream) == Z_OK else { return .damaged("zlib could not start") }
        defer { inflateEnd(&stream) }
        stream.next_in = UnsafeMutablePointer(mutating: compressed.baseAddress!.assumingMemoryBound(to: UInt8.self))
        stream.avail_in = uInt(clamping: compressed.count)
        guard compressed.count <= Int(UInt32.max) else { return .damaged("the file is too large for one read") }

        // The header, and whatever of the body came with it.
        var header = [UInt8](repeating: 0, count: headerCapacity)
        let status = header.withUnsafeMutableBufferPointer { out -> Int32 in
            stream.next_out = out.baseAddress
            stream.avail_out = uInt(out.count)
            return CLibGit2.inflate(&stream, Z_SYNC_FLUSH)
        }
        guard status == Z_OK || status == Z_STREAM_END else { return .damaged(reason(status, &stream, "header")) }
        let produced = headerCapacity - Int(stream.avail_out)
        guard let nul = header[..<produced].firstIndex(of: 0), let space = header[..<nul].firstIndex(of: UInt8(ascii: " ")) else {
            return .damaged("no object header")
        }
        let kind: git_object_t
        switch String(decoding: header[..<space], as: UTF8.self) {
        case "commit": kind = GIT_OBJECT_COMMIT
        case "tree": kind = GIT_OBJECT_TREE
        case "blob": kind = GIT_OBJECT_BLOB
        case "tag": kind = GIT_OBJECT_TAG
        default: return .damaged("unknown object type in the header")
        }
        let digits = header[(space + 1)..<nul]
        // zlib expands at most ~1032:1: a larger claimed size is damage, not an allocation to attempt.
        let limit = compressed.count * 1032 + headerCapacity
        guard !digits.isEmpty, digits.count <= 19, digits.allSatisfy({ (0x30...0x39).contains($0) }),
              let size = Int(String(decoding: digits, as: UTF8.self)), size <= limit else {
            return .damaged("bad size in the header")
        }
        let bodyInHeader = produced - (nul + 1)
        guard bodyInHeader <= size else { return .damaged("the body is longer than its header says") }

        // One spare byte: a NUL after the body (as libgit2 adds), and room to notice a body that runs on.
        guard let body = git_odb_backend_data_alloc(backend, size + 1) else { return .damaged("out of memory") }
        header.withUnsafeBytes { body.copyMemory(from: $0.baseAddress! + nul + 1, byteCount: bodyInHeader) }
        var filled = bodyInHeader
        var finished = status == Z_STREAM_END
        while !finished {
            stream.next_out = body.assumingMemoryBound(to: UInt8.self) + filled
            stream.avail_out = uInt(clamping: size + 1 - filled)
            let before = (stream.avail_in, stream.avail_out)
            let status = CLibGit2.inflate(&stream, Z_FINISH)
            filled = size + 1 - Int(stream.avail_out)
            if status == Z_STREAM_END { finished = true; break }
            // Z_FINISH with room left and input left either ends the stream or
            // reports why not; no progress at all is damage, never a retry.
            if status != Z_OK || (stream.avail_in, stream.avail_out) == before {
                git_odb_backend_data_free(backend, body)
                return .damaged(filled > size ? "the body is longer than its header says" : reason(status, &stream, "body"))
            }
        }
        guard filled == size else {
            git_odb_backend_data_free(backend, body)
            return .damaged(filled > size ? "the body is longer than its header says" : "the body is shorter than its header says")
        }
        body.storeBytes(of: 0, toByteOffset: size, as: UInt8.self)
        return .object(body, size, kind)
    }

    private static func reason(_ status: Int32, _ stream: inout z_stream, _ part: String) -> String {
        switch status {
        case Z_BUF_ERROR where stream.avail_in == 0: "the compressed data ends early, in the \(part)"
        case Z_DATA_ERROR: "bad compressed data in the \(part)" + (stream.msg.map { ": " + String(cString: $0) } ?? "")
        case Z_MEM_ERROR: "out of memory"
        default: "zlib status \(status) in the \(part)"
        }
    }
}
