#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// failmix's own files (under `.git/failmix`: the state, its journal and
/// lock, the caches) are opened without following symbolic links: anyone
/// who can write the repository's metadata could otherwise point them at a
/// file elsewhere and have the gate append to it, overwrite it or delete
/// what is beside it. A link found there is refused with a warning.
public enum PrivateFiles {
    /// True when `path` itself is a symbolic link (not what it points to).
    public static func isSymbolicLink(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFLNK
    }

    /// The first of `paths` that is a symbolic link, as a warning to print.
    public static func symbolicLinkWarning(_ paths: [String]) -> String? {
        paths.first(where: isSymbolicLink).map { "\($0) is a symbolic link; failmix refuses to use it (remove it to let failmix recreate it)" }
    }

    /// Opens `path` for appending (created 0644 when missing), refusing a
    /// symbolic link (ELOOP) and anything but a regular file.
    public static func openForAppending(_ path: String) -> Int32 {
        open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0o644)
    }

    /// Opens `path` read-write (created 0644 when missing), refusing a symbolic link.
    public static func openForUpdate(_ path: String) -> Int32 {
        open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
    }

    /// The whole file at `path`: nil when missing; a symbolic link, a
    /// directory or a file larger than `limit` bytes is an error.
    public static func read(_ path: String, limit: Int = 1 << 30) throws(FileError) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else {
            if errno == ENOENT { return nil }
            throw errno == ELOOP ? FileError("read", path, reason: "it is a symbolic link") : .errno("read", path)
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .errno("read", path) }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw FileError("read", path, reason: "not a regular file") }
        guard st.st_size <= limit else { throw FileError("read", path, reason: "larger than \(limit) bytes") }
        guard let bytes = FileIO.readToEnd(fd, limit: limit) else { throw .errno("read", path) }
        return bytes
    }

    /// Removes temporary files that writers killed mid-write left in
    /// `directory` (not recursively): `NAME.tmp-PID` whose process is gone,
    /// `NAME.run-PID-N` spills likewise, and Foundation's `.dat.nosync*`
    /// older than `minimumAge` seconds. Best effort, never following links.
    public static func removeStaleTemporaries(in directory: String, minimumAge: Double = 600) {
        guard !isSymbolicLink(directory), let names = FileIO.entryNames(in: directory) else { return }
        let now = time(nil)
        for name in names {
            let path = directory + "/" + name
            var stale = false
            if let pid = ownerPID(of: name) {
                stale = pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH
            } else if name.hasPrefix(".dat.nosync") {
                var st = stat()
                stale = lstat(path, &st) == 0 && Double(now - st.st_mtim.tv_sec) >= minimumAge
            }
            if stale { unlink(path) }
        }
    }

    /// The writer's pid in `NAME.tmp-PID` or `NAME.run-PID-N`.
    static func ownerPID(of name: String) -> pid_t? {
        let bytes = Array(name.utf8)
        for marker in [Array(".tmp-".utf8), Array(".run-".utf8)] where bytes.count > marker.count {
            for start in stride(from: bytes.count - marker.count, through: 0, by: -1) where Array(bytes[start..<start + marker.count]) == marker {
                let digits = bytes[(start + marker.count)...].prefix { $0 >= 0x30 && $0 <= 0x39 }
                if let pid = pid_t(String(decoding: digits, as: UTF8.self)), pid > 0 { return pid }
                break
            }
        }
        return nil
    }
}
