import Foundation

/// Where tests make their files: a tmpfs when the machine has one with room
/// (and exec allowed, for hooks), else the system's temporary directory.
/// Every process a test starts gets it as TMPDIR too. The suite makes and
/// removes thousands of small files and git repositories; on this machine's
/// ext4 each `git init` + removal costs 19 ms of CPU and 87 ms of waiting,
/// on tmpfs 4 and 14. (FAILMIX_TEST_TMPDIR chooses another place.)
enum Scratch {
    static let root: String = {
        if let given = ProcessInfo.processInfo.environment["FAILMIX_TEST_TMPDIR"], !given.isEmpty { return given }
        let fallback = FileManager.default.temporaryDirectory.path
        // /proc/mounts: "tmpfs /dev/shm tmpfs rw,nosuid,nodev ..."
        let mounts = (try? String(contentsOfFile: "/proc/mounts", encoding: .utf8)) ?? ""
        let shm = mounts.split(separator: "\n").map { $0.split(separator: " ") }.last { $0.count > 3 && $0[1] == "/dev/shm" }
        var vfs = statvfs()
        guard let shm, shm[2] == "tmpfs", !shm[3].split(separator: ",").contains(where: { $0 == "noexec" || $0 == "ro" }),
              statvfs("/dev/shm", &vfs) == 0, UInt64(vfs.f_bavail) * UInt64(vfs.f_frsize) >= 2 << 30
        else { return fallback }
        let dir = "/dev/shm/failmix-tests-\(getuid())"
        guard (try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)) != nil,
              access(dir, W_OK | X_OK) == 0
        else { return fallback }
        return dir
    }()

    /// The environment of every process a test starts: `environment`
    /// (default: this process's) with TMPDIR at the scratch root, and with
    /// an inherited PATH led by the interpreter pyenv resolves to.
    static func environment(_ environment: [String: String]?) -> [String: String] {
        var env = environment ?? ProcessInfo.processInfo.environment
        env["TMPDIR"] = root
        if let bin = ExternalTools.resolvedPythonBin, let path = env["PATH"], path == ProcessInfo.processInfo.environment["PATH"] {
            env["PATH"] = bin + ":" + path
        }
        // After each commit git starts `git maintenance run --auto`, a process
        // of its own (about 300 a run, ~2 ms of CPU each) that never finds
        // anything to do in a test's small repository. (git's config from the
        // environment; libgit2, and so failmix, does not read it.)
        if env["GIT_CONFIG_COUNT"] == nil {
            env["GIT_CONFIG_COUNT"] = "1"
            env["GIT_CONFIG_KEY_0"] = "maintenance.auto"
            env["GIT_CONFIG_VALUE_0"] = "false"
        }
        return env
    }

    private static let found = LockedDictionary<[String], String?>()

    /// `/usr/bin/env NAME ARGS...` as the program env would start: NAME
    /// itself when it is a path, else the first executable NAME on the
    /// environment's PATH. One process start fewer for each of the ~900 git,
    /// python3 and tool runs of a suite; env itself when NAME is not found
    /// (it says so as before) or is an option or an assignment.
    static func direct(_ executable: String, _ arguments: [String], environment: [String: String]) -> (String, [String]) {
        guard executable == "/usr/bin/env", let name = arguments.first, !name.hasPrefix("-"), !name.contains("=")
        else { return (executable, arguments) }
        if name.contains("/") { return (name, Array(arguments.dropFirst())) }
        let path = environment["PATH"] ?? ""
        let program = found.value(for: [path, name]) {
            path.split(separator: ":").lazy.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
        }
        guard let program else { return (executable, arguments) }
        return (program, Array(arguments.dropFirst()))
    }
}

/// A temporary directory removed when the value goes away.
final class TempDir: @unchecked Sendable {
    let path: String

    init(_ label: String = "failmix") {
        let base = Scratch.root
        path = "\(base)/\(label)-\(UUID().uuidString.prefix(8))"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { "\(path)/\(name)" }

    @discardableResult
    func write(_ name: String, _ contents: String) -> String {
        let p = file(name)
        try! FileManager.default.createDirectory(
            atPath: (p as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try! contents.write(toFile: p, atomically: false, encoding: .utf8)
        return p
    }
}

/// The result of running a real process.
struct ProcessResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Starts `executable` in the tests' environment (see Scratch) with a pipe
/// for each of its standard input, output and error.
func launch(_ executable: String, _ arguments: [String], cwd: String? = nil, environment: [String: String]? = nil) throws
    -> (process: Process, input: Pipe, output: Pipe, errors: Pipe) {
    let process = Process()
    let environment = Scratch.environment(environment)
    let (executable, arguments) = Scratch.direct(executable, arguments, environment: environment)
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let cwd { process.currentDirectoryURL = URL(fileURLWithPath: cwd) }
    process.environment = environment
    let input = Pipe(), output = Pipe(), errors = Pipe()
    process.standardInput = input
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    return (process, input, output, errors)
}

/// Runs `executable` with `arguments` (see Child), waiting for it to end.
@discardableResult
func run(
    _ executable: String, _ arguments: [String], cwd: String? = nil, environment: [String: String]? = nil,
    stdin: String? = nil
) throws -> ProcessResult {
    let environment = Scratch.environment(environment)
    let (executable, arguments) = Scratch.direct(executable, arguments, environment: environment)
    let child = try Child.spawn(executable, arguments, cwd: cwd, environment: environment)
    child.send(Array((stdin ?? "").utf8))
    let (outData, errData) = child.drain()
    let (status, _) = child.reap()
    return ProcessResult(
        status: status, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
}

/// Runs `body` (a process run and wait) on a thread of its own and awaits it.
/// Swift Testing runs tests on the cooperative pool, one thread per core: a
/// test blocked on a process that mostly waits (a deadline, a browser, a
/// server's timeout) would hold a core's worth of tests back. Expectations
/// stay in the awaiting test; `body` only runs and returns.
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

/// Both pipes read to their end together (poll), so a chatty process can't
/// block on a full pipe. On the calling thread: a reader handed to
/// Dispatch's global queue waited for a free worker, and tests blocked in
/// process runs hold those workers (the Swift concurrency pool shares them),
/// so runs stalled until libdispatch noticed and added a thread.
func drain(_ out: Pipe, _ err: Pipe) -> (stdout: Data, stderr: Data) {
    drainDescriptors(out.fileHandleForReading.fileDescriptor, err.fileHandleForReading.fileDescriptor)
}

func drainDescriptors(_ out: Int32, _ err: Int32) -> (stdout: Data, stderr: Data) {
    var data = [Data(), Data()]
    var fds = [out, err].map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while fds.contains(where: { $0.fd >= 0 }) {
        if poll(&fds, nfds_t(fds.count), -1) < 0 {
            if errno == EINTR { continue }
            break
        }
        for i in fds.indices where fds[i].fd >= 0 && fds[i].revents != 0 {
            let count = read(fds[i].fd, &buffer, buffer.count)
            if count > 0 {
                data[i].append(contentsOf: buffer[..<count])
            } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
                fds[i].fd = -1  // at its end (poll skips negative descriptors)
            }
        }
    }
    return (data[0], data[1])
}

/// Runs a program found on PATH (e.g. `git`, `python3`).
@discardableResult
func runTool(_ name: String, _ arguments: [String], cwd: String? = nil, environment: [String: String]? = nil) throws -> ProcessResult {
    try run("/usr/bin/env", [name] + arguments, cwd: cwd, environment: environment)
}

enum Paths {
    /// The package root (this file is Tests/FailmixTests/Support/TestSupport.swift).
    static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// `../shared` beside the checkout, when present (CI and developers have it;
    /// a user's clone does not, and tests using it skip).
    static let shared: String? = {
        if let given = ProcessInfo.processInfo.environment["FAILMIX_SHARED"] { return given }  // a worktree elsewhere
        let p = URL(fileURLWithPath: packageRoot).deletingLastPathComponent().appendingPathComponent("shared").path
        return FileManager.default.fileExists(atPath: p + "/tools") ? p : nil
    }()

    /// The built `failmix` executable, next to the test bundle.
    static let failmix: String = {
        if let explicit = ProcessInfo.processInfo.environment["FAILMIX_BIN"] { return explicit }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        for _ in 0..<4 {
            dir.deleteLastPathComponent()
            let candidate = dir.appendingPathComponent("failmix").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return packageRoot + "/.build/debug/failmix"
    }()
}

/// Runs the real `failmix` binary.
@discardableResult
func failmix(_ arguments: [String], cwd: String? = nil, environment: [String: String]? = nil) throws -> ProcessResult {
    var env = environment ?? ProcessInfo.processInfo.environment
    env["NO_COLOR"] = env["NO_COLOR"] ?? "1"
    return try run(Paths.failmix, arguments, cwd: cwd, environment: env)
}

func jsonObject(_ text: String) throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
}

/// Values computed once per key, from several threads.
final class LockedDictionary<Key: Hashable, Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [Key: Value] = [:]
    func value(for key: Key, _ make: () -> Value) -> Value {
        if let known = lock.withLock({ storage[key] }) { return known }
        let made = make()
        lock.withLock { storage[key] = made }
        return made
    }
}

/// Values appended from several threads.
final class LockedArray<Element>: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [Element] = []
    func append(_ v: Element) { lock.withLock { storage.append(v) } }
    var values: [Element] { lock.withLock { storage } }
}
