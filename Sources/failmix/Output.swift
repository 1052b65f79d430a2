import FailmixKit
import FailmixSupport
import Foundation

/// A buffered text stream to stdout or to a file written atomically (a
/// temporary file renamed into place, so readers never see half a report).
final class OutputSink: ByteOutputStream {
    private var buffer: [UInt8] = []
    private let file: AtomicFileWriter?
    /// The first failed write, reported when the sink closes.
    private var failure: FileError?

    init(path: String?) throws {
        do {
            file = try path.map { (path) throws(FileError) in try AtomicFileWriter(path: path) }
        } catch {
            throw FailmixFailure(message: error.description)
        }
        buffer.reserveCapacity(1 << 16)
    }

    var isTerminal: Bool { file == nil && isatty(STDOUT_FILENO) == 1 }

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
        send(bytes)
    }

    func flush() {
        buffer.withUnsafeBytes { send($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    private func send(_ raw: UnsafeRawBufferPointer) {
        guard let file else {
            _ = FileIO.writeAll(STDOUT_FILENO, raw)
            return
        }
        guard failure == nil else { return }
        do { try file.write(raw) } catch { failure = error }
    }

    func close() throws {
        flush()
        guard let file else { return }
        do throws(FileError) {
            if let failure { throw failure }
            try file.commit()
        } catch {
            throw FailmixFailure(message: error.description)
        }
    }
}

/// Colour only on a terminal and never when NO_COLOR is set (no-color.org).
func colorWanted(_ sink: OutputSink) -> Bool {
    sink.isTerminal && (ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty
}
