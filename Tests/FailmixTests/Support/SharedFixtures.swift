import Foundation
import FailmixSupport

/// Generated workspaces (../shared's make-fixture, the bench's
/// make-realistic-repo.py, the tests' small git repositories), each made
/// once per run and copied for every test that asks: tests write caches,
/// gate state and commits into them, so none sees another's. A copy costs a
/// few file copies; making one costs a Python start and a `git fast-import`,
/// or for the smallest repository still three git processes.
///
/// What a generator script makes (`copy(making:)`) depends only on its
/// arguments and its own text, so it is also kept between runs, in
/// .build/test-fixtures/ under a key of both: a run with everything built
/// makes none of them again (~3 s of CPU), and an edited generator or new
/// arguments make new ones. `make clean` removes them.
enum SharedFixture {
    struct Failed: Error, CustomStringConvertible {
        var description: String
    }

    /// Makes (once) the fixture make-fixture builds from these arguments and
    /// copies it to `destination`.
    static func copy(_ arguments: [String], to destination: String) throws {
        try copy(making: [Paths.shared! + "/tools/make-fixture"], arguments, to: destination)
    }

    /// Makes (once, and kept between runs) what `command OUT arguments...`
    /// writes to OUT and copies it to `destination`.
    static func copy(making command: [String], _ arguments: [String], to destination: String) throws {
        let template = try made(command + arguments) { _ in try kept(command, arguments) }
        try FileManager.default.copyItem(atPath: template, toPath: destination)
    }

    /// Makes (once per `key`) what `make` writes to the path it is given and
    /// copies it to `destination`.
    static func copy(key: [String], to destination: String, making make: (String) throws -> Void) throws {
        let template = try made(key) { path in
            try make(path)
            return path
        }
        try FileManager.default.copyItem(atPath: template, toPath: destination)
    }

    /// Where the fixtures kept between runs are.
    static let keptRoot = Paths.packageRoot + "/.build/test-fixtures"

    /// The fixture `command OUT arguments...` makes, from .build/test-fixtures/
    /// or made there now. Its key hashes the arguments and the bytes of every
    /// file the command names (the generator script), so a changed generator
    /// is never answered by an old fixture. Made under a name of its own and
    /// renamed into place when complete: a run stopped halfway, or two runs at
    /// once, never leave one half made.
    private static func kept(_ command: [String], _ arguments: [String]) throws -> String {
        var key: [UInt8] = []
        for word in command + ["--"] + arguments {
            key += Array(word.utf8) + [0]
            if let bytes = FileManager.default.contents(atPath: word) { key += Array(bytes) + [0] }
        }
        let name = ((command.last ?? "fixture") as NSString).lastPathComponent.filter { $0.isLetter || $0.isNumber || $0 == "-" }
        let path = "\(keptRoot)/\(name)-\(String(fnv1a(key), radix: 16))"
        if FileManager.default.fileExists(atPath: path) { return path }
        try FileManager.default.createDirectory(atPath: keptRoot, withIntermediateDirectories: true)
        let making = "\(keptRoot)/.making-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: making) }
        let made = try run("/usr/bin/env", command + [making] + arguments)
        guard made.status == 0 else { throw Failed(description: "\((command + arguments).joined(separator: " ")): \(made.stderr)") }
        // Another run may have put the same fixture there first: then that one stands.
        if rename(making, path) != 0 && !FileManager.default.fileExists(atPath: path) {
            throw Failed(description: "rename \(making) to \(path): \(String(cString: strerror(errno)))")
        }
        return path
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

    /// The template for `key`, from `make` (given a path it may use) once per run.
    private static func made(_ key: [String], _ make: (String) throws -> String) throws -> String {
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
            let r = Result<String, any Error> { try make(path) }
            lock.withLock { templates[key]?.1 = r }
            return try r.get()
        }
    }
}
