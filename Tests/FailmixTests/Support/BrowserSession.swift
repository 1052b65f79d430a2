import Foundation

/// Chromium, when installed (CI installs Debian's `chromium`).
let chromiumPath: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
    .first { FileManager.default.isExecutableFile(atPath: $0) }

/// One headless Chromium for the whole test run, driven over the DevTools
/// protocol by `scripts/browser-check.py --serve` (a LineServer): starting a
/// browser costs about 2 s of CPU, so the tests share one. Each request
/// loads its files and answers with what the pages showed (see the script);
/// the server loads every request waiting when it is free as one batch, so
/// their settling waits overlap.
final class BrowserSession: Sendable {
    static let shared = BrowserSession()

    /// Where the screenshots stay for people to look at.
    static let screenshots = Paths.packageRoot + "/.build/screenshots"

    private let server = LineServer(name: "browser-check.py") {
        ("/usr/bin/env", ["python3", Paths.packageRoot + "/scripts/browser-check.py", "--serve",
                          "--chromium", chromiumPath!, "--screenshots", BrowserSession.screenshots])
    }

    /// Starts the server and its browser now, without waiting for either:
    /// the browser's start then overlaps the caller making its pages.
    func warm() {
        guard chromiumPath != nil else { return }
        server.warm()
    }

    /// Loads `files` with scripts (and those in `withoutScripts` also
    /// without), photographing `screenshots`; the answer, `{"id": N, "pages": [...]}`.
    func load(_ files: [String], screenshots: [String], withoutScripts: [String]) async throws -> Data {
        try await server.ask(["files": files, "screenshots": screenshots, "without_scripts": withoutScripts])
    }
}
