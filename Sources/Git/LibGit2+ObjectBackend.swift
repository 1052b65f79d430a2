import CLibGit2
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The loose-object backend's C side: one of the Git module's audited
// pointer files, beside LibGit2.swift.
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
