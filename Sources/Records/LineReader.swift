import FailmixSupport
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@inline(__always) func isBlank(_ bytes: Span<UInt8>) -> Bool {
    for i in bytes.indices {
        let b = bytes[i]
        guard b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0A else { return false }
    }
    return true
}

/// Calls `body` with every complete line in bytes `start..<end` of the file
/// (without its newline), its 1-based number within the range and its byte
/// offset; `partial` with a final line that has no newline yet. Reads in
/// blocks with pread, so several ranges of one descriptor can be read at once.
func forEachLine(
    fd: Int32, path: String, from start: Int64, to end: Int64,
    _ body: (Span<UInt8>, Int, Int64) -> Void,
    partial: (Int, Int) -> Void,
    bytesRead: (Int64) -> Void
) throws(RecordError) {
    // 1 MiB, or less when the range is shorter (a small file or a tail
    // read needs no megabyte of fresh pages).
    var buffer = LineBuffer(capacity: Int(min(1 << 20, max(4096, end - start))))
    var lineNumber = 0
    var offsetOfBuffer = start
    var readOffset = start
    while readOffset < end {
        // One line longer than the buffer: grow it (rare; lines are ~1.5 KB).
        if buffer.room == 0 { buffer.grow() }
        let n = buffer.read(fd, count: Int(min(Int64(buffer.room), end - readOffset)), at: readOffset)
        if n < 0 { throw .cannotRead(path: path, reason: FileIO.errorText()) }
        if n == 0 { break }
        readOffset += Int64(n)
        let consumed = buffer.takeLines { line, position in
            lineNumber += 1
            body(line, lineNumber, offsetOfBuffer + Int64(position))
        }
        offsetOfBuffer += Int64(consumed)
    }
    bytesRead(readOffset - start)
    if buffer.filled > 0, !buffer.restIsBlank {
        partial(lineNumber + 1, buffer.filled)
    }
}

extension ProcessInfo {
    static var activeCores: Int { ProcessInfo.processInfo.activeProcessorCount }
}
