import Foundation

/// Chromium, when installed (CI installs Debian's `chromium`).
let chromiumPath: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
    .first { FileManager.default.isExecutableFile(atPath: $0) }

/// One headless Chromium for the whole test run, driven over the DevTools
/// protocol by `scripts/browser-check.py --serve`: starting a browser costs
/// about 2 s of CPU, so the tests share one and ask it for their pages in
/// turn. Each request loads its files with scripts and without, side by
/// side, and answers with what the pages showed (see the script). The
/// server ends, closing the browser, when this process does (its input
/// closes).
final class BrowserSession: @unchecked Sendable {
    static let shared = BrowserSession()

    /// Where the screenshots stay for people to look at.
    static let screenshots = Paths.packageRoot + "/.build/screenshots"

    struct Failed: Error, CustomStringConvertible {
        var description: String
    }

    private let lock = NSLock()
    private var server: (process: Process, input: FileHandle, output: FileHandle, errors: FileHandle)?

    /// Loads `files` (with and without scripts), photographing `screenshots`;
    /// the answer, `{"pages": [...]}`. Blocks: call it off the cooperative pool.
    func load(_ files: [String], screenshots: [String]) throws -> Data {
        try lock.withLock {
            let server = try started()
            let request = try JSONSerialization.data(withJSONObject: ["files": files, "screenshots": screenshots])
            try server.input.write(contentsOf: request + Data("\n".utf8))
            guard let line = readLine(server.output) else {
                self.server = nil
                // It writes to standard error only as it dies (Chromium logs to a file of its own).
                let errors = String(decoding: server.errors.readDataToEndOfFile(), as: UTF8.self)
                throw Failed(description: "browser-check.py ended: \(errors.suffix(3000))")
            }
            let answer = try JSONSerialization.jsonObject(with: line) as? [String: Any]
            if let error = answer?["error"] as? String { throw Failed(description: error) }
            return line
        }
    }

    private func started() throws -> (process: Process, input: FileHandle, output: FileHandle, errors: FileHandle) {
        if let server, server.process.isRunning { return server }
        // A server that died must be an error of this test, not a SIGPIPE ending the run.
        signal(SIGPIPE, SIG_IGN)
        let (process, input, output, errors) = try launch(
            "/usr/bin/env", ["python3", Paths.packageRoot + "/scripts/browser-check.py", "--serve",
                             "--chromium", chromiumPath!, "--screenshots", Self.screenshots])
        let started = (process, input.fileHandleForWriting, output.fileHandleForReading, errors.fileHandleForReading)
        server = started
        return started
    }

    /// The server's answer: one line (JSON escapes any newline inside it),
    /// written only after a request, so it is whatever arrives up to a final
    /// newline. nil if the server ended first.
    private func readLine(_ output: FileHandle) -> Data? {
        var answer = Data()
        while answer.last != UInt8(ascii: "\n") {
            let chunk = output.availableData
            if chunk.isEmpty { return nil }
            answer.append(chunk)
        }
        return answer.dropLast()
    }
}
