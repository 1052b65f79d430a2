import Foundation

/// Generated workspaces (../shared's make-fixture, the bench's
/// make-realistic-repo.py, the tests' small git repositories), each made
/// once per run and copied for every test that asks: tests write caches,
/// gate state and commits into them, so none sees another's. A copy costs a
/// few file copies; making one costs a Python start and a `git fast-import`,
/// or for the smallest repository still three git processes.
enum SharedFixture {
    struct Failed: Error, CustomStringConvertible {
        var description: String
    }

    /// Makes (once) the fixture make-fixture builds from these arguments and
    /// copies it to `destination`.
    static func copy(_ arguments: [String], to destination: String) throws {
        try copy(making: [Paths.shared! + "/tools/make-fixture"], arguments, to: destination)
    }

    /// Makes (once) what `command OUT arguments...` writes to OUT and copies it to `destination`.
    static func copy(making command: [String], _ arguments: [String], to destination: String) throws {
        try copy(key: command + arguments, to: destination) { out in
            let made = try run("/usr/bin/env", command + [out] + arguments)
            guard made.status == 0 else { throw Failed(description: "\((command + arguments).joined(separator: " ")): \(made.stderr)") }
        }
    }

    /// Makes (once per `key`) what `make` writes to the path it is given and
    /// copies it to `destination`.
    static func copy(key: [String], to destination: String, making make: (String) throws -> Void) throws {
        let template = try made(key, make)
        try FileManager.default.copyItem(atPath: template, toPath: destination)
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var templates: [[String]: (NSLock, Result<String, any Error>?)] = [:]
    nonisolated(unsafe) private static var serials = 0

    /// The templates' directory, removed when the test process exits.
    private static let root: String = {
        let path = "\(Scratch.root)/fixtures-\(getpid())"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: SharedFixture.root) }
        return path
    }()

    private static func made(_ key: [String], _ make: (String) throws -> Void) throws -> String {
        // One lock per fixture: tests wanting another fixture don't wait for this one.
        let keyLock: NSLock = lock.withLock {
            if let entry = templates[key] { return entry.0 }
            let made = NSLock()
            templates[key] = (made, nil)
            return made
        }
        return try keyLock.withLock {
            if let done = lock.withLock({ templates[key]?.1 }) { return try done.get() }
            let name = key.map { ($0 as NSString).lastPathComponent }.joined(separator: "_")
            // Numbered: two keys may read alike once filtered.
            let serial = lock.withLock { () -> Int in
                serials += 1
                return serials
            }
            let path = "\(root)/\(serial)-\(name.filter { $0.isLetter || $0.isNumber || $0 == "_" })"
            let r = Result<String, any Error> {
                try make(path)
                return path
            }
            lock.withLock { templates[key]?.1 = r }
            return try r.get()
        }
    }
}
