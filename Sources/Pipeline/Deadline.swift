import FailmixSupport
import FoundationEssentials
import Synchronization

/// The bound on a gate or ci run: a watchdog thread that ends the process
/// when the run overruns `[gate] timeout`, whatever it is stuck in (a zlib
/// inflate inside libgit2 on a damaged object, a hung API, a huge store).
/// A hook that never returns stalls the agent; one that ends late but with
/// the contract's exit code does not. `on_error` decides that code: closed
/// exits 2 naming the stage that overran, open exits 0, loudly.
public final class Deadline: Sendable {
    /// The run's deadline, once started (one per process).
    public static let shared = Deadline()

    private struct State {
        var stageName = "starting"
        var expiry: Date?
        var settledCode: Int32?
    }
    private let state = Mutex(State())

    private init() {}

    /// What the run is doing now, named in the message if it overruns.
    public var stage: String {
        get { state.withLock { $0.stageName } }
        set { state.withLock { $0.stageName = newValue } }
    }

    /// The exit code the run has already decided (its verdict), when only
    /// delivery is left: an overrun then ends the run with it, since a
    /// failed or slow API call never changes the verdict.
    public var settled: Int32? {
        get { state.withLock { $0.settledCode } }
        set { state.withLock { $0.settledCode = newValue } }
    }

    /// Seconds left, or nil when no deadline runs.
    public var remaining: Double? {
        state.withLock { $0.expiry.map { $0.timeIntervalSinceNow } }
    }

    /// Starts the watchdog: after `seconds`, `expired(stage, settled)` runs
    /// on its thread and must end the process (it is called once).
    public func start(seconds: Double, expired: @escaping @Sendable (String, Int32?) -> Never) {
        let at = Date(timeIntervalSinceNow: seconds)
        state.withLock { $0.expiry = at }
        Threads.detach { [self] in
            while true {
                let left = at.timeIntervalSinceNow
                if left <= 0 { break }
                Threads.sleep(seconds: min(left, 0.25))
            }
            expired(stage, settled)
        }
    }

    /// Runs `body` as stage `name`.
    public func stage<T>(_ name: String, _ body: () throws -> T) rethrows -> T {
        let previous = stage
        stage = name
        defer { stage = previous }
        return try body()
    }
}
