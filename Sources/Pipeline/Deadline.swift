import Foundation

/// The bound on a gate or ci run: a watchdog thread that ends the process
/// when the run overruns `[gate] timeout`, whatever it is stuck in (a zlib
/// inflate inside libgit2 on a damaged object, a hung API, a huge store).
/// A hook that never returns stalls the agent; one that ends late but with
/// the contract's exit code does not. `on_error` decides that code: closed
/// exits 2 naming the stage that overran, open exits 0, loudly.
public final class Deadline: @unchecked Sendable {
    /// The run's deadline, once started (one per process).
    public static let shared = Deadline()

    private let lock = NSLock()
    private var stageName = "starting"
    private var expiry: Date?
    private var settledCode: Int32?

    private init() {}

    /// What the run is doing now, named in the message if it overruns.
    public var stage: String {
        get { lock.withLock { stageName } }
        set { lock.withLock { stageName = newValue } }
    }

    /// The exit code the run has already decided (its verdict), when only
    /// delivery is left: an overrun then ends the run with it, since a
    /// failed or slow API call never changes the verdict.
    public var settled: Int32? {
        get { lock.withLock { settledCode } }
        set { lock.withLock { settledCode = newValue } }
    }

    /// Seconds left, or nil when no deadline runs.
    public var remaining: Double? {
        lock.withLock { expiry.map { $0.timeIntervalSinceNow } }
    }

    /// Starts the watchdog: after `seconds`, `expired(stage, settled)` runs
    /// on its thread and must end the process (it is called once).
    public func start(seconds: Double, expired: @escaping @Sendable (String, Int32?) -> Never) {
        let at = Date(timeIntervalSinceNow: seconds)
        lock.withLock { expiry = at }
        let thread = Thread { [self] in
            while true {
                let left = at.timeIntervalSinceNow
                if left <= 0 { break }
                Thread.sleep(forTimeInterval: min(left, 0.25))
            }
            expired(stage, settled)
        }
        thread.name = "failmix-deadline"
        thread.start()
    }

    /// Runs `body` as stage `name`.
    public func stage<T>(_ name: String, _ body: () throws -> T) rethrows -> T {
        let previous = stage
        stage = name
        defer { stage = previous }
        return try body()
    }
}
