import Foundation

/// ../shared's make-fixture workspaces (records, repository, truth), each
/// made once per run and copied for every test that asks: tests write caches
/// and gate state into them, so none sees another's. A copy costs a few
/// file copies; making one costs a Python start and a `git fast-import`.
enum SharedFixture {
    struct Failed: Error, CustomStringConvertible {
        var description: String
    }

    /// Makes (once) the fixture make-fixture builds from these arguments and
    /// copies it to `destination`.
    static func copy(_ arguments: [String], to destination: String) throws {
        let template = try made(arguments)
        try FileManager.default.copyItem(atPath: template, toPath: destination)
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var templates: [[String]: (NSLock, Result<String, any Error>?)] = [:]

    /// The templates' directory, removed when the test process exits.
    private static let root: String = {
        let path = "\(Scratch.root)/fixtures-\(getpid())"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: SharedFixture.root) }
        return path
    }()

    private static func made(_ arguments: [String]) throws -> String {
        // One lock per fixture: tests wanting another fixture don't wait for this one.
        let keyLock: NSLock = lock.withLock {
            if let entry = templates[arguments] { return entry.0 }
            let made = NSLock()
            templates[arguments] = (made, nil)
            return made
        }
        return try keyLock.withLock {
            if let done = lock.withLock({ templates[arguments]?.1 }) { return try done.get() }
            let path = "\(root)/fx\(arguments.joined(separator: "_").filter { $0.isLetter || $0.isNumber || $0 == "_" })"
            let r = Result<String, any Error> {
                let made = try run(Paths.shared! + "/tools/make-fixture", [path] + arguments)
                guard made.status == 0 else { throw Failed(description: "make-fixture \(arguments): \(made.stderr)") }
                return path
            }
            lock.withLock { templates[arguments]?.1 = r }
            return try r.get()
        }
    }
}
