import FoundationEssentials
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FailmixSupport

/// What a command does when it cannot decide — an internal error, or its
/// `[gate] timeout` running out — as `[gate] on_error` says. Closed keeps
/// the agent (or the merge) waiting: exit 2. Open lets it go: exit 0,
/// loudly. A gate in shadow mode never stops the agent, so it lets it go
/// whatever on_error says. "Go" is spoken in the caller's exit contract (a
/// gptme session gate runs the session on 1). `report` and `explain` gate
/// nothing: for them an error is always exit 2.
public struct ErrorPolicy: Sendable {
    public let command: String
    /// Whether an undecided run lets the agent or merge go (exit 0).
    public let letsGo: Bool
    /// The setting that decided, as the user wrote it.
    public let reason: String
    public let timeout: Double
    private let contract: ExitContract

    public init(_ configuration: Configuration, command: String, gating: Bool, contract: ExitContract = .failmix) {
        self.command = command
        self.timeout = configuration.timeout
        self.contract = contract
        switch (gating, configuration.onError, command == "gate" && configuration.gateMode == .shadow) {
        case (false, _, _): (letsGo, reason) = (false, "\(command) gates nothing")
        case (true, _, true): (letsGo, reason) = (true, "mode = \"shadow\"")
        case (true, .open, _): (letsGo, reason) = (true, "on_error = \"open\"")
        case (true, .closed, _): (letsGo, reason) = (false, "on_error = \"closed\"")
        }
    }

    /// The exit code of an undecided run: go in the caller's contract, or 2.
    public var exitCode: Int32 { letsGo ? contract.code(go: true) : 2 }

    /// What went wrong, for a status or annotation.
    public func undecided(_ error: any Error) -> String { "failmix \(command) could not decide: \(error)" }

    /// The stderr line for a run that could not decide because of `error`.
    public func couldNotDecide(_ error: any Error) -> String {
        let message = undecided(error)
        return letsGo ? "failmix: *** \(message) — \(reason): letting it go ***" : "failmix: error: \(message) (\(reason): exit 2)"
    }

    /// The stderr line for a run whose deadline ran out while in `stage`.
    public func timedOut(while stage: String) -> String {
        let what = overran(stage)
        return letsGo ? "failmix: *** \(what) — \(reason): letting it go ***"
                      : "failmix: error: \(what) ([gate] timeout; \(reason): exit 2)"
    }

    /// Arms the watchdog for this run. On expiry the process ends at once
    /// (whatever thread is stuck, in libgit2, zlib or a socket), with the
    /// verdict if one was already settled and only delivery was left, else
    /// as this policy says. Nothing is flushed: half a report is not written.
    public func startDeadline() {
        let policy = self
        Deadline.shared.start(seconds: timeout) { stage, settled in
            let line: String
            if let settled {
                line = "failmix: warning: \(policy.overran(stage)); the verdict stands (exit \(settled))\n"
            } else {
                line = policy.timedOut(while: stage) + "\n"
            }
            _ = FileIO.writeAll(STDERR_FILENO, Array(line.utf8))
            _exit(settled ?? policy.exitCode)
        }
    }

    private func overran(_ stage: String) -> String {
        "\(command) timed out after \(JSONReporter.number(timeout)) s while \(stage)"
    }
}
