import Foundation

/// A helper process started once for the whole test run and shared by its
/// tests (a headless browser, a validator with seconds of imports): each
/// request is one JSON object on a line of its standard input, tagged with an
/// `"id"`, and gets one JSON line back with the same id, or with an
/// `"error"` (a failure of that request). Requests don't wait for each other:
/// a reader thread hands each answer to its caller. The process ends when
/// this one does (its input closes); if it ends sooner, whatever still waits
/// fails with what it said on standard error.
final class LineServer: @unchecked Sendable {
    struct Failed: Error, CustomStringConvertible {
        var description: String
    }

    private let name: String
    private let command: () -> (executable: String, arguments: [String])
    private let lock = NSLock()
    private var input: FileHandle?
    /// Kept while it runs, as its input is.
    private var process: Process?
    private var nextID = 0
    private var waiting: [Int: @Sendable (Result<Data, any Error>) -> Void] = [:]

    /// `command` (program and arguments) is asked for when the server first starts.
    init(name: String, command: @escaping () -> (executable: String, arguments: [String])) {
        self.name = name
        self.command = command
    }

    /// Starts the server now without waiting for it (its start then
    /// overlaps the caller's own work).
    func warm() {
        lock.withLock { _ = try? started() }
    }

    /// Sends `request` (an id added) and waits, off the cooperative pool's
    /// threads, for its answer line.
    func ask(_ request: [String: Any]) async throws -> Data {
        try await withCheckedThrowingContinuation { continuation in
            send(request) { continuation.resume(with: $0) }
        }
    }

    /// Sends `request` and blocks this thread until its answer line comes.
    func askWaiting(_ request: [String: Any]) throws -> Data {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var answer: Result<Data, any Error>?
        send(request) {
            answer = $0
            done.signal()
        }
        done.wait()
        return try answer!.get()
    }

    private func send(_ request: [String: Any], _ reply: @escaping @Sendable (Result<Data, any Error>) -> Void) {
        lock.withLock {
            nextID += 1
            let id = nextID
            do {
                let input = try started()
                var tagged = request
                tagged["id"] = id
                let line = try JSONSerialization.data(withJSONObject: tagged)
                waiting[id] = reply
                try input.write(contentsOf: line + Data("\n".utf8))
            } catch {
                // A failed write leaves it waiting: the reader fails it as the server ends.
                if waiting[id] == nil { reply(.failure(error)) }
            }
        }
    }

    private func started() throws -> FileHandle {
        if let input { return input }
        // A server that died must be an error of its tests, not a SIGPIPE ending the run.
        signal(SIGPIPE, SIG_IGN)
        let (executable, arguments) = command()
        let (started, stdin, stdout, stderr) = try launch(executable, arguments)
        let handle = stdin.fileHandleForWriting
        input = handle
        process = started
        Thread { [self] in read(stdout.fileHandleForReading, stderr.fileHandleForReading) }.start()
        return handle
    }

    /// Hands each answer line to the request with its id; when the server
    /// ends, fails whatever still waits.
    private func read(_ output: FileHandle, _ errors: FileHandle) {
        // An answer can run to megabytes (a browser's every plotted point) and
        // comes in 64 KB chunks: only each new chunk is searched for the end of a line.
        var buffer: [UInt8] = []
        while true {
            let chunk = [UInt8](output.availableData)
            if chunk.isEmpty { break }
            guard let end = chunk.lastIndex(of: UInt8(ascii: "\n")) else {
                buffer += chunk
                continue
            }
            buffer += chunk[...end]
            for line in buffer.split(separator: UInt8(ascii: "\n")) { answer(Data(line)) }
            buffer = Array(chunk[(end + 1)...])
        }
        let said = String(decoding: errors.readDataToEndOfFile(), as: UTF8.self)
        let orphans = lock.withLock {
            input = nil
            process = nil
            defer { waiting = [:] }
            return Array(waiting.values)
        }
        for reply in orphans { reply(.failure(Failed(description: "\(name) ended: \(said.suffix(3000))"))) }
    }

    private func answer(_ line: Data) {
        let object = (try? JSONSerialization.jsonObject(with: line)) as? [String: Any]
        guard let id = object?["id"] as? Int, let reply = lock.withLock({ waiting.removeValue(forKey: id) }) else {
            // An answer to no request (a line it could not read): every waiting request fails with it.
            let all = lock.withLock { defer { waiting = [:] }; return Array(waiting.values) }
            let text = String(decoding: line, as: UTF8.self)
            for reply in all { reply(.failure(Failed(description: "\(name): \(text.prefix(3000))"))) }
            return
        }
        if let error = object?["error"] as? String {
            reply(.failure(Failed(description: error)))
        } else {
            reply(.success(line))
        }
    }
}
