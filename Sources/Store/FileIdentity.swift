import FailmixSupport
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What identifies a file's contents cheaply: device, inode, size, mtime.
struct FileIdentity: Equatable, Sendable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var mtimeNanos: Int64

    init?(path: String) {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        device = UInt64(st.st_dev)
        inode = UInt64(st.st_ino)
        size = Int64(st.st_size)
        // st_mtim: Linux's name (failmix is Linux-only; see Package.swift).
        mtimeNanos = Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
    }

    init(device: UInt64, inode: UInt64, size: Int64, mtimeNanos: Int64) {
        self.device = device
        self.inode = inode
        self.size = size
        self.mtimeNanos = mtimeNanos
    }

    /// FNV-1a of `count` bytes at `offset` (fewer at the end of the file).
    static func hash(_ path: String, from offset: Int64, count: Int) -> UInt64? {
        let fd = FileIO.openForReading(path)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        return FileIO.bytes(fd, from: offset, to: offset + Int64(count)).map(fnv1a)
    }

    /// The hash of the first 4 KiB of what was read (up to `end`): a file
    /// shorter than that must not look rewritten when it grows.
    static func headHash(_ path: String, before end: Int64) -> UInt64 {
        hash(path, from: 0, count: Int(min(4096, end))) ?? 0
    }

    /// The hash of the 4 KiB before `end`: what was last read.
    static func tailHash(_ path: String, before end: Int64) -> UInt64 {
        let start = max(0, end - 4096)
        return hash(path, from: start, count: Int(end - start)) ?? 0
    }
}
