import Foundation

/// Generated workspaces (../shared's make-fixture, the bench's
/// make-realistic-repo.py), each made once per run and copied for every test
/// that asks: tests write caches, gate state and commits into them, so none
/// sees another's. A copy costs a few file copies; making one costs a Python
/// start and a `git fast-import`.
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
        let template = try made(command, arguments)
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

    private static func made(_ command: [String], _ arguments: [String]) throws -> String {
        let key = command + arguments
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
            let path = "\(root)/\(name.filter { $0.isLetter || $0.isNumber || $0 == "_" })"
            let r = Result<String, any Error> {
                let made = try run("/usr/bin/env", command + [path] + arguments)
                guard made.status == 0 else { throw Failed(description: "\(key.joined(separator: " ")): \(made.stderr)") }
                return path
            }
            lock.withLock { templates[key]?.1 = r }
            return try r.get()
        }
    }
}
