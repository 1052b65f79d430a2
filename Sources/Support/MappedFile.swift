#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file mapped read-only into memory: a lookup touches the pages it needs,
/// not the whole file. The bytes stay valid while the value lives.
public final class MappedFile {
    public let bytes: UnsafeRawBufferPointer

    /// nil when the file is missing, empty or cannot be mapped.
    public init?(path: String) {
        let fd = FileIO.openForReading(path)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_size > 0 else { return nil }
        let length = Int(st.st_size)
        guard let map = mmap(nil, length, PROT_READ, MAP_PRIVATE, fd, 0), map != MAP_FAILED else { return nil }
        bytes = UnsafeRawBufferPointer(start: map, count: length)
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: bytes.baseAddress), bytes.count) }

    /// `count` little-endian UInt64 values from `offset`, which must be
    /// 8-aligned and in bounds; nil otherwise.
    public func words(at offset: Int, count: Int) -> UnsafeBufferPointer<UInt64>? {
        guard offset >= 0, count >= 0, offset % 8 == 0, offset + count * 8 <= bytes.count, let base = bytes.baseAddress else { return nil }
        return UnsafeBufferPointer(start: (base + offset).assumingMemoryBound(to: UInt64.self), count: count)
    }
}
