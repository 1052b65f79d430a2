import FailmixSupport
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@inline(__always) func isBlank(_ bytes: UnsafeRawBufferPointer) -> Bool {
    bytes.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A }
}

/// Calls `body` with every complete line in bytes `start..<end` of the file
/// (without its newline), its 1-based number within the range and its byte
/// offset; `partial` with a final line that has no newline yet. Reads in
/// blocks with pread, so several ranges of one descriptor can be read at once.
func forEachLine(
    fd: Int32, path: String, from start: Int64, to end: Int64,
    _ body: (UnsafeRawBufferPointer, Int, Int64) -> Void,
    partial: (Int, Int) -> Void,
    bytesRead: (Int64) -> Void
) throws(RecordError) {
    // 1 MiB, or less when the range is shorter (a small file or a tail
    // read needs no megabyte of fresh pages).
    var capacity = Int(min(1 << 20, max(4096, end - start)))
    var buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
    defer { buffer.deallocate() }
    var filled = 0
    var lineNumber = 0
    var offsetOfBuffer = start
    var readOffset = start
    while readOffset < end {
        if filled == capacity {
            // One line longer than the buffer: grow it (rare; lines are ~1.5 KB).
            let bigger = UnsafeMutableRawPointer.allocate(byteCount: capacity * 2, alignment: 16)
            bigger.copyMemory(from: buffer, byteCount: filled)
            buffer.deallocate()
            buffer = bigger
            capacity *= 2
        }
        let want = Int(min(Int64(capacity - filled), end - readOffset))
        let n = FileIO.read(fd, into: UnsafeMutableRawBufferPointer(start: buffer + filled, count: want), at: readOffset)
        if n < 0 { throw .cannotRead(path: path, reason: FileIO.errorText()) }
        if n == 0 { break }
        filled += n
        readOffset += Int64(n)
        var position = 0
        while position < filled, let nl = memchr(buffer + position, 0x0A, filled - position) {
            let lineEnd = buffer.distance(to: nl)
            lineNumber += 1
            body(UnsafeRawBufferPointer(start: buffer + position, count: lineEnd - position), lineNumber,
                 offsetOfBuffer + Int64(position))
            position = lineEnd + 1
        }
        if position > 0 {
            filled -= position
            if filled > 0 { memmove(buffer, buffer + position, filled) }
            offsetOfBuffer += Int64(position)
        }
    }
    bytesRead(readOffset - start)
    if filled > 0, !isBlank(UnsafeRawBufferPointer(start: buffer, count: filled)) {
        partial(lineNumber + 1, filled)
    }
}

extension ProcessInfo {
    static var activeCores: Int { ProcessInfo.processInfo.activeProcessorCount }
}
