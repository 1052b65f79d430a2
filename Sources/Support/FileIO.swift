#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The system calls failmix makes on file descriptors, each written once:
/// interrupted calls (EINTR) are retried and short reads and writes are
/// continued here, so no caller loops over them itself.
public enum FileIO {
    /// Opens `path` read-only (close-on-exec); -1 with `errno` set on failure.
    public static func openForReading(_ path: String) -> Int32 {
        open(path, O_RDONLY | O_CLOEXEC)
    }

    /// Opens `path` for appending, creating it; -1 with `errno` set on failure.
    public static func openForAppending(_ path: String) -> Int32 {
        open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
    }

    /// Reads up to `buffer.count` bytes at `offset`: the count read (0 at the
    /// end of the file), or -1 with `errno` set.
    public static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        while true {
            let n = pread(fd, base, buffer.count, off_t(offset))
            if n < 0, errno == EINTR { continue }
            return n
        }
    }

    /// Reads up to `buffer.count` bytes at `offset` into `buffer`'s storage.
    public static func read(_ fd: Int32, into buffer: inout [UInt8], at offset: Int64) -> Int {
        buffer.withUnsafeMutableBytes { read(fd, into: $0, at: offset) }
    }

    /// Reads the next bytes at the descriptor's position (a pipe or a stream).
    public static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        while true {
            let n = systemRead(fd, base, buffer.count)
            if n < 0, errno == EINTR { continue }
            return n
        }
    }

    /// Up to `count` values of `T`, as they lay in memory when written, from
    /// one read at the descriptor's position (none at the end or on an
    /// error; a partial value at the end is dropped).
    public static func readValues<T: BitwiseCopyable>(_ fd: Int32, upTo count: Int, of _: T.Type) -> [T] {
        [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            let n = read(fd, into: UnsafeMutableRawBufferPointer(buffer))
            initialized = n > 0 ? n / MemoryLayout<T>.stride : 0
        }
    }

    /// Writes all of `bytes` at the descriptor's position, however the
    /// kernel splits the writes; false (with `errno` set) on failure.
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        var offset = 0
        while offset < bytes.count {
            let n = write(fd, base + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += n
        }
        return true
    }

    /// `writeAll(fd, bytes)` for an array's values, as they lie in memory.
    public static func writeAll<T: BitwiseCopyable>(_ fd: Int32, _ values: [T]) -> Bool {
        values.withUnsafeBytes { writeAll(fd, $0) }
    }

    /// `writeAll(fd, bytes, at: offset)` for an array's values, as they lie in memory.
    public static func writeAll<T: BitwiseCopyable>(_ fd: Int32, _ values: [T], at offset: Int64) -> Bool {
        values.withUnsafeBytes { writeAll(fd, $0, at: offset) }
    }

    /// Writes all of `bytes` at `offset`; false (with `errno` set) on failure.
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int64) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, base + done, bytes.count - done, off_t(offset + Int64(done)))
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            done += n
        }
        return true
    }

    /// The offset of the first `byte` at or after `offset` (and before
    /// `end`, when given), read in blocks; nil when there is none.
    public static func offset(of byte: UInt8, in fd: Int32, from offset: Int64, before end: Int64 = .max) -> Int64? {
        var probe = [UInt8](repeating: 0, count: 64 << 10)
        var at = offset
        while at < end {
            let n = read(fd, into: &probe, at: at)
            guard n > 0 else { return nil }
            let limit = Int(min(Int64(n), end - at))
            if let found = probe[0..<limit].firstIndex(of: byte) { return at + Int64(found) }
            at += Int64(limit)
        }
        return nil
    }

    /// The whole file at `path`, read to its end (nil when it cannot be
    /// read, or holds more than `limit` bytes).
    public static func contents(of path: String, limit: Int = .max) -> [UInt8]? {
        let fd = openForReading(path)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        return readToEnd(fd, limit: limit)
    }

    /// The rest of an open file (nil on a read error or past `limit` bytes).
    public static func readToEnd(_ fd: Int32, limit: Int = .max) -> [UInt8]? {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, into: $0) }
            if n < 0 { return nil }
            if n == 0 { return bytes }
            bytes += chunk[0..<n]
            if bytes.count > limit { return nil }
        }
    }

    /// Bytes `start..<end` of the file (fewer when it ends first); nil on a
    /// read error.
    public static func bytes(_ fd: Int32, from start: Int64, to end: Int64) -> [UInt8]? {
        guard end > start else { return [] }
        var out = [UInt8](repeating: 0, count: Int(end - start))
        var filled = 0
        while filled < out.count {
            let n = out.withUnsafeMutableBytes { read(fd, into: UnsafeMutableRawBufferPointer(rebasing: $0[filled...]), at: start + Int64(filled)) }
            if n < 0 { return nil }
            if n == 0 { break }
            filled += n
        }
        out.removeLast(out.count - filled)
        return out
    }

    /// The names in `directory` (with "." and ".."), nil when it cannot be
    /// opened. Each `d_name` is copied up to its NUL while its entry is valid
    /// (until the next `readdir`).
    public static func entryNames(in directory: String) -> [String]? {
        guard let dir = opendir(directory) else { return nil }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            names.append(withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) })
        }
        return names
    }

    /// The size of the open file, nil when it cannot be read.
    public static func size(_ fd: Int32) -> Int64? {
        var st = stat()
        return fstat(fd, &st) == 0 ? Int64(st.st_size) : nil
    }

    /// The system's text for `errno` (or `code`).
    public static func errorText(_ code: Int32 = errno) -> String {
        String(cString: strerror(code))
    }
}

/// The C `read`, which `FileIO.read` shadows inside the enum.
private func systemRead(_ fd: Int32, _ base: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(fd, base, count)
}
