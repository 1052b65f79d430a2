#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Threads and waits without Foundation's Thread.
public enum Threads {
    /// Runs `body` on a detached thread of its own, not on Dispatch's pool:
    /// a watchdog must run even when every pool thread is blocked. False
    /// when the system has no thread to give.
    @discardableResult
    public static func detach(_ body: @escaping @Sendable () -> Void) -> Bool {
        // The closure crosses pthread_create as a retained box, which the
        // new thread takes back (or this function, when no thread starts).
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        var thread = pthread_t()
        let started = pthread_create(&thread, nil, { raw in
            guard let raw else { return nil }
            Unmanaged<Box>.fromOpaque(raw).takeRetainedValue().body()
            return nil
        }, box)
        guard started == 0 else {
            Unmanaged<Box>.fromOpaque(box).release()
            return false
        }
        pthread_detach(thread)
        return true
    }

    /// Sleeps the calling thread for `seconds` (whole, through signals).
    public static func sleep(seconds: Double) {
        guard seconds > 0, seconds.isFinite else { return }
        let whole = min(seconds.rounded(.down), Double(Int32.max))
        var request = timespec(tv_sec: Int(whole), tv_nsec: Int((seconds - whole) * 1e9))
        var left = timespec()
        while nanosleep(&request, &left) != 0, errno == EINTR { request = left }
    }

    private final class Box {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
}
