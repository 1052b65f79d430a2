import FailmixKit
import Foundation

/// A buffered text stream to stdout or to a file written atomically (a
/// temporary file renamed into place, so readers never see half a report).
final class OutputSink: ByteOutputStream {
    private var buffer: [UInt8] = []
    private let fd: Int32
    private let finalPath: String?
    private let tempPath: String?

    init(path: String?) throws {
        if let path {
            let temp = path + ".tmp-\(getpid())"
            let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                throw FailmixFailure(message: "cannot write '\(path)': \(String(cString: strerror(errno)))")
            }
            self.fd = fd
            finalPath = path
            tempPath = temp
        } else {
            fd = STDOUT_FILENO
            finalPath = nil
            tempPath = nil
        }
        buffer.reserveCapacity(1 << 16)
    }

    var isTerminal: Bool { finalPath == nil && isatty(fd) == 1 }

    func write(_ string: String) {
        buffer.append(contentsOf: string.utf8)
        if buffer.count >= 1 << 16 { flush() }
    }

    func write(bytes: UnsafeRawBufferPointer) {
        if buffer.count + bytes.count < 1 << 16 {
            buffer.append(contentsOf: bytes)
            return
        }
        flush()
        writeAll(bytes)
    }

    func flush() {
        buffer.withUnsafeBytes { writeAll($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeAll(_ raw: UnsafeRawBufferPointer) {
        var offset = 0
        while offset < raw.count {
            let n = Foundation.write(fd, raw.baseAddress! + offset, raw.count - offset)
            if n < 0 { if errno == EINTR { continue }; break }
            offset += n
        }
    }

    func close() throws {
        flush()
        guard let finalPath, let tempPath else { return }
        Foundation.close(fd)
        guard rename(tempPath, finalPath) == 0 else {
            throw FailmixFailure(message: "cannot write '\(finalPath)': \(String(cString: strerror(errno)))")
        }
    }
}

/// Colour only on a terminal and never when NO_COLOR is set (no-color.org).
func colorWanted(_ sink: OutputSink) -> Bool {
    sink.isTerminal && (ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty
}
