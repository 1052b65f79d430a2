import Foundation

/// The result of a process that may have been stopped for overrunning.
struct BoundedResult {
    var status: Int32
    /// The signal that ended the process (0 when it exited).
    var signal: Int32
    var stdout: String
    var stderr: String
    var seconds: Double
    /// True when the test killed it for running past its limit.
    var killed: Bool

    /// Exited (not signalled, not killed) with 0, 1 or 2: the contract a
    /// hook's caller relies on.
    var keptContract: Bool { !killed && signal == 0 && (0...2).contains(status) }
    var summary: String { "status \(status) signal \(signal) killed \(killed) after \(String(format: "%.2f", seconds)) s\n\(stdout)\n\(stderr)" }
}

/// Runs `executable`, killing it (SIGKILL) after `limit` seconds, and says
/// how it ended: a hang or a crash shows up as a result, not a stuck test.
func runBounded(
    _ executable: String, _ arguments: [String], cwd: String? = nil, environment: [String: String]? = nil,
    limit: Double = 30, preExec: [String]? = nil
) throws -> BoundedResult {
    var env = Scratch.environment(environment)
    env["NO_COLOR"] = env["NO_COLOR"] ?? "1"
    // e.g. a python3 launcher setting a resource limit, then exec'ing us.
    let (program, programArguments) = preExec.map { Scratch.direct("/usr/bin/env", $0 + [executable] + arguments, environment: env) }
        ?? (executable, arguments)
    let started = Date()
    let child = try Child.spawn(program, programArguments, cwd: cwd, environment: env)
    child.send([])
    let pid = child.pid
    // The limit is kept by a thread of its own: a timer on Dispatch's global
    // queue fired late whenever its workers were busy with blocked tests,
    // and a kill meant for 3 ms came after the process had ended.
    let exited = DispatchSemaphore(value: 0), timerDone = DispatchSemaphore(value: 0)
    let killedFlag = NSLock()
    nonisolated(unsafe) var killed = false
    Thread {
        if exited.wait(timeout: .now() + limit) == .timedOut {
            killedFlag.withLock { killed = true }
            kill(pid, SIGKILL)
        }
        timerDone.signal()
    }.start()
    let (outData, errData) = child.drain()
    child.waitForExit()
    exited.signal()
    timerDone.wait()  // reaped only now: until then the pid is still the child's, whatever the timer does
    let (status, signalled) = child.reap()
    return BoundedResult(
        status: signalled ? -1 : status, signal: signalled ? status : 0,
        stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self),
        seconds: Date().timeIntervalSince(started), killed: killedFlag.withLock { killed })
}

/// The real `failmix`, bounded.
func failmixBounded(
    _ arguments: [String], cwd: String? = nil, environment: [String: String]? = nil, limit: Double = 30,
    preExec: [String]? = nil
) throws -> BoundedResult {
    try runBounded(Paths.failmix, arguments, cwd: cwd, environment: environment, limit: limit, preExec: preExec)
}
