#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Stamps a commit message file in place: read, stamped, written beside it
/// and renamed over it, so git never reads half a message. Plain libc, so
/// the `failmix-stamp` executable starts in about a millisecond.
public enum MessageFile {
    public enum Outcome: Equatable, Sendable {
        case stamped
        /// A trailer with the key is there already and wins.
        case alreadyThere
        case failed(String)
    }

    /// `configured` is `core.commentChar` as git reports it (nil or empty: `#`).
    public static func stamp(path: String, key: String, value: String, commentChar configured: String?) -> Outcome {
        guard let message = read(path) else { return .failed("cannot read the commit message \(path): \(errorText())") }
        let comment = TrailerStamp.commentChar(configured: configured, message: message)
        guard let stamped = TrailerStamp.stamp(message, key: key, value: value, commentChar: comment) else { return .alreadyThere }
        let temp = path + ".failmix-stamp"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return .failed("cannot write \(temp): \(errorText())") }
        let written = stamped.withUnsafeBytes { writeAll(fd, $0) }
        close(fd)
        guard written, rename(temp, path) == 0 else {
            let why = errorText()
            unlink(temp)
            return .failed("cannot write the commit message \(path): \(why)")
        }
        return .stamped
    }

    static func read(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { readBytes(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; return nil }
            if n == 0 { return bytes }
            bytes += chunk[0..<n]
            // A commit message is small; refuse to slurp something that isn't one.
            if bytes.count > 64 << 20 { return nil }
        }
    }

    /// libc's read(2) (the name is taken by `read(_:)` above).
    static func readBytes(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
        #if canImport(Glibc)
        Glibc.read(fd, buffer, count)
        #else
        Darwin.read(fd, buffer, count)
        #endif
    }

    static func writeAll(_ fd: Int32, _ raw: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset < raw.count {
            let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
            if n < 0 { if errno == EINTR { continue }; return false }
            offset += n
        }
        return true
    }

    static func errorText() -> String { String(cString: strerror(errno)) }
}

extension TrailerStamp {
    /// A trailer token git accepts: letters, digits and dashes.
    public static func isValidKey(_ key: String) -> Bool {
        !key.isEmpty && key.utf8.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "-") }
    }
}
