#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file replaced whole: written to a temporary file beside it, flushed to
/// disk, renamed over the target, and the directory flushed. A reader sees
/// the old file or the new one, never half of one, and after a crash the
/// rename is either there with its contents or not there at all.
/// Every file failmix writes in place goes through this one type. Plain
/// libc (no Foundation), so the commit-message stamper can use it too.
public final class AtomicFileWriter {
    public let path: String
    let temporaryPath: String
    /// Flushed to disk before and after the rename (see `init`).
    let durable: Bool
    private var fd: Int32

    /// Starts the temporary file. `permissions` are set exactly (the umask
    /// does not apply); nil: 0644 less the umask. `durable: false` keeps the
    /// rename (a reader still sees the old file or the new one) but skips
    /// both flushes, for output the next run writes again (a report): each
    /// fsync waits for the disk, 15 ms of a 40 ms run on a busy machine.
    public init(path: String, permissions: UInt16? = nil, durable: Bool = true) throws(FileError) {
        self.path = path
        self.durable = durable
        temporaryPath = path + ".tmp-\(getpid())"
        // A file left by a killed writer of our pid is replaced; a symbolic
        // link planted under the temporary name is removed, never followed.
        unlink(temporaryPath)
        fd = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else { throw .errno("write", path) }
        if let permissions, fchmod(fd, mode_t(permissions)) != 0 {
            let error = FileError.errno("write", path)
            discard()
            throw error
        }
    }

    deinit { discard() }

    /// Appends the values' bytes as they lie in memory.
    public func write<T: BitwiseCopyable>(_ values: [T]) throws(FileError) {
        guard FileIO.writeAll(fd, values) else { throw fail("write") }
    }

    /// Overwrites bytes already written (a header filled in at the end).
    public func write<T: BitwiseCopyable>(_ values: [T], at offset: Int64) throws(FileError) {
        guard FileIO.writeAll(fd, values, at: offset) else { throw fail("write") }
    }

    /// Flushes the new contents, renames them over `path` and flushes the
    /// directory that holds it (without the flushes when not `durable`).
    public func commit() throws(FileError) {
        guard fd >= 0 else { throw FileError("write", path, reason: "already committed or discarded") }
        guard !durable || fsync(fd) == 0 else { throw fail("write") }
        close(fd)
        fd = -1
        guard rename(temporaryPath, path) == 0 else {
            let error = FileError.errno("replace", path)
            unlink(temporaryPath)
            throw error
        }
        if durable { AtomicFile.syncDirectory(of: path) }
    }

    /// Drops the temporary file; the target is left as it was.
    public func discard() {
        guard fd >= 0 else { return }
        close(fd)
        fd = -1
        unlink(temporaryPath)
    }

    private func fail(_ operation: String) -> FileError {
        let error = FileError.errno(operation, path)
        discard()
        return error
    }
}

public enum AtomicFile {
    /// Replaces the file at `path` with `bytes` (see `AtomicFileWriter`;
    /// `durable: false` for a file the next run can rebuild, a cache).
    public static func write(_ bytes: [UInt8], to path: String, permissions: UInt16? = nil, durable: Bool = true) throws(FileError) {
        let writer = try AtomicFileWriter(path: path, permissions: permissions, durable: durable)
        try writer.write(bytes)
        try writer.commit()
    }

    public static func write(_ text: String, to path: String, permissions: UInt16? = nil) throws(FileError) {
        try write(Array(text.utf8), to: path, permissions: permissions)
    }

    /// Makes a rename in the directory holding `path` durable. Best effort:
    /// some file systems refuse to sync a directory, and the data is already
    /// safe in the file itself.
    public static func syncDirectory(of path: String) {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let dfd = open(directory, O_RDONLY | O_CLOEXEC)
        guard dfd >= 0 else { return }
        _ = fsync(dfd)
        close(dfd)
    }
}
