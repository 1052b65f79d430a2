import Foundation

/// A child process started with posix_spawn, its standard input, output and
/// error on pipes. The suite starts about 2,000 processes (git, failmix,
/// python3), each from one of the two threads the tests share: Foundation's
/// Process cost each run ~1.2 ms more CPU and ~2.5 ms more waiting than this
/// (it lists /proc/self/fd to add a close for every open descriptor, and
/// learns of the exit through its manager thread's run loop). The child is
/// started as Process starts it: in a process group of its own, with every
/// descriptor but its three standard ones closed; SIGPIPE is back at its
/// default there (this process ignores it, see `ignoringSIGPIPE`).
struct Child {
    let pid: pid_t
    /// The write end of its standard input, and the read ends of its output and error.
    let input: Int32, output: Int32, errors: Int32

    struct Failed: Error, CustomStringConvertible {
        var description: String
    }

    /// Writes to a child that has ended fail with EPIPE rather than end this process.
    private static let ignoringSIGPIPE: Void = { signal(SIGPIPE, SIG_IGN) }()

    // glibc's (2.29, 2.34) extensions Swift's Glibc module leaves out.
    private typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private static let addChdir = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addchdir_np")
        .map { unsafeBitCast($0, to: AddChdir.self) }
    private static let addCloseFrom = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np")
        .map { unsafeBitCast($0, to: AddCloseFrom.self) }

    static func spawn(_ executable: String, _ arguments: [String], cwd: String?, environment: [String: String]) throws -> Child {
        Self.ignoringSIGPIPE
        var fds: [[Int32]] = []
        defer { for pair in fds { for fd in pair where fd >= 0 { close(fd) } } }
        guard let addChdir, let addCloseFrom else { throw Failed(description: "posix_spawn needs glibc 2.34 or later") }
        for _ in 0..<3 {
            var pair: [Int32] = [-1, -1]
            guard pipe(&pair) == 0 else { throw Failed(description: "pipe: \(String(cString: strerror(errno)))") }
            fds.append(pair)
            // (Every child, ours and Process's, closes what it did not ask for: this is hygiene.)
            for fd in pair { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[0][0], STDIN_FILENO)
        posix_spawn_file_actions_adddup2(&actions, fds[1][1], STDOUT_FILENO)
        posix_spawn_file_actions_adddup2(&actions, fds[2][1], STDERR_FILENO)
        _ = addCloseFrom(&actions, 3)
        if let cwd { _ = addChdir(&actions, cwd) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in argv + envp { free(p) } }
        var pid: pid_t = 0
        let error = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard error == 0 else { throw Failed(description: "\(executable): \(String(cString: strerror(error)))") }
        let child = Child(pid: pid, input: fds[0][1], output: fds[1][0], errors: fds[2][0])
        // What stays open here is the child's to read or fill; the rest closes (defer).
        fds[0][1] = -1
        fds[1][0] = -1
        fds[2][0] = -1
        return child
    }

    /// Writes `bytes` to its standard input and closes it (a child that
    /// ended, or closed it, takes what it took).
    func send(_ bytes: [UInt8]) {
        var at = 0
        while at < bytes.count {
            let n = bytes[at...].withUnsafeBytes { write(input, $0.baseAddress, $0.count) }
            if n > 0 { at += n } else if n < 0 && errno == EINTR { continue } else { break }
        }
        close(input)
    }

    /// Both outputs read to their end, then closed.
    func drain() -> (stdout: Data, stderr: Data) {
        defer { close(output); close(errors) }
        return drainDescriptors(output, errors)
    }

    /// Blocks until it has ended, without reaping it: its pid stays its own
    /// (a timer may still kill it) until `reap`.
    func waitForExit() {
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) != 0 && errno == EINTR {}
    }

    /// Reaps it: its exit status, or the signal that ended it (as Process's
    /// terminationStatus: the status, else the signal's number).
    func reap() -> (status: Int32, signalled: Bool) {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let signal = status & 0x7f
        return signal == 0 ? ((status >> 8) & 0xff, false) : (signal, true)
    }
}
