import Foundation

/// Chromium, when installed (CI installs Debian's `chromium`).
let chromiumPath: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
    .first { FileManager.default.isExecutableFile(atPath: $0) }

/// One headless Chromium for the whole test run, driven over the DevTools
/// protocol by `scripts/browser-check.py --serve`: starting a browser costs
/// about 2 s of CPU, so the tests share one. Each request loads its files
/// with scripts and without, side by side, and answers with what the pages
/// showed (see the script). Requests don't wait for each other: the server
/// loads every request waiting when it is free as one batch, so their
/// settling waits overlap; a reader thread hands each answer (by id) to its
/// test. The server ends, closing the browser, when this process does (its
/// input closes).
final class BrowserSession: @unchecked Sendable {
    static let shared = BrowserSession()

    /// Where the screenshots stay for people to look at.
    static let screenshots = Paths.packageRoot + "/.build/screenshots"

    struct Failed: Error, CustomStringConvertible {
        var description: String
    }

    private struct Server {
        var process: Process
        var input: FileHandle
    }

    private let lock = NSLock()
    private var server: Server?
    private var nextID = 0
    private var waiting: [Int: CheckedContinuation<Data, any Error>] = [:]

    /// Starts the server and its browser now, without waiting for either:
    /// the browser's start then overlaps the caller making its pages.
    func warm() {
        guard chromiumPath != nil else { return }
        lock.withLock { _ = try? started() }
    }

    /// Loads `files` with scripts (and those in `withoutScripts` also
    /// without), photographing `screenshots`; the answer, `{"id": N, "pages": [...]}`.
    func load(_ files: [String], screenshots: [String], withoutScripts: [String]) async throws -> Data {
        try await withCheckedThrowingContinuation { continuation in
            lock.withLock {
                nextID += 1
                let id = nextID
                do {
                    let server = try started()
                    let request = try JSONSerialization.data(withJSONObject: ["id": id, "files": files, "screenshots": screenshots, "without_scripts": withoutScripts])
                    waiting[id] = continuation
                    try server.input.write(contentsOf: request + Data("\n".utf8))
                } catch {
                    // A failed write leaves it waiting: the reader fails it as the server ends.
                    if waiting[id] == nil { continuation.resume(throwing: error) }
                }
            }
        }
    }

    private func started() throws -> Server {
        if let server { return server }
        // A server that died must be an error of its tests, not a SIGPIPE ending the run.
        signal(SIGPIPE, SIG_IGN)
        let (process, input, output, errors) = try launch(
            "/usr/bin/env", ["python3", Paths.packageRoot + "/scripts/browser-check.py", "--serve",
                             "--chromium", chromiumPath!, "--screenshots", Self.screenshots])
        let started = Server(process: process, input: input.fileHandleForWriting)
        server = started
        let reader = Thread { [self] in read(output.fileHandleForReading, errors.fileHandleForReading) }
        reader.start()
        return started
    }

    /// Hands each answer line to the request with its id; when the server
    /// ends, fails whatever still waits with what it said on standard error
    /// (it writes there only as it dies: Chromium logs to a file of its own).
    private func read(_ output: FileHandle, _ errors: FileHandle) {
        // An answer runs to megabytes (every plotted point) and comes in 64 KB
        // chunks: only each new chunk is searched for the end of a line.
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
            server = nil
            defer { waiting = [:] }
            return Array(waiting.values)
        }
        for continuation in orphans {
            continuation.resume(throwing: Failed(description: "browser-check.py ended: \(said.suffix(3000))"))
        }
    }

    private func answer(_ line: Data) {
        let object = (try? JSONSerialization.jsonObject(with: line)) as? [String: Any]
        guard let id = object?["id"] as? Int, let continuation = lock.withLock({ waiting.removeValue(forKey: id) }) else {
            // An answer to no request (a line it could not read): every waiting request failed with it.
            let all = lock.withLock { defer { waiting = [:] }; return Array(waiting.values) }
            let text = String(decoding: line, as: UTF8.self)
            for continuation in all { continuation.resume(throwing: Failed(description: "browser-check.py: \(text.prefix(3000))")) }
            return
        }
        if let error = object?["error"] as? String {
            continuation.resume(throwing: Failed(description: error))
        } else {
            continuation.resume(returning: line)
        }
    }
}
