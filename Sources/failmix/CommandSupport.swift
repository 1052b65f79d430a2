import FailmixKit
import Foundation

/// Who is acting, for the journal and `failmix status`.
func currentUser() -> String {
    let env = ProcessInfo.processInfo.environment
    return env["USER"] ?? env["LOGNAME"] ?? "unknown"
}

/// Starts the watchdog that bounds a gate or ci run by `[gate] timeout`.
/// On expiry the process ends at once (whatever thread is stuck, in
/// libgit2, zlib or a socket): closed exits 2 naming the stage, open exits
/// 0 with a loud message. Nothing is flushed: half a report is not written.
/// `report` and `explain` are bounded too, but on_error is the gate's
/// policy: they always exit 2 when they overrun.
func startDeadline(_ configuration: Configuration, command: String, gating: Bool = true) {
    let open = gating && configuration.onError == .open
    let seconds = configuration.timeout
    Deadline.shared.start(seconds: seconds) { stage, settled in
        if let settled {
            let message = "failmix: warning: \(command) timed out after \(JSONReporter.number(seconds)) s while \(stage); the verdict stands (exit \(settled))\n"
            _ = Array(message.utf8).withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
            _exit(settled)
        }
        let verdict = open ? "on_error = \"open\": letting the session run" : "on_error = \"closed\": exit 2"
        let message = open
            ? "failmix: *** \(command) timed out after \(JSONReporter.number(seconds)) s while \(stage) — \(verdict) ***\n"
            : "failmix: error: \(command) timed out after \(JSONReporter.number(seconds)) s while \(stage) ([gate] timeout; \(verdict))\n"
        _ = Array(message.utf8).withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
        _exit(open ? 0 : 2)
    }
}
