import FoundationEssentials

extension Gate {
    /// The gate a configuration describes.
    public init(_ config: Configuration) {
        self.init(rules: config.rules, clearMargin: config.clearMargin, onInsufficient: config.onInsufficient)
    }
}

extension Configuration {
    /// Where the gate keeps its pause state under failmix's directory: a
    /// shadow gate keeps its own, so trying a policy never pauses the agent
    /// (nor inherits a real pause) and switching to enforce starts clean.
    public func gateStateDirectory(_ failmixDirectory: String) -> String {
        gateMode == .shadow ? failmixDirectory + "/shadow" : failmixDirectory
    }
}

/// How a gate's verdict becomes an exit code for its caller.
public enum ExitContract: String, Sendable, CaseIterable {
    /// failmix's own: 0 go (pass or warn), 1 paused, 2 error.
    case failmix
    /// gptme's session-gate script: 0 skip the session, 1 run it, 2 error.
    case gptmeSessionGate = "gptme-session-gate"

    /// The exit code for "the session may run" (`go`) or not.
    public func code(go: Bool) -> Int32 {
        switch self {
        case .failmix: go ? 0 : 1
        case .gptmeSessionGate: go ? 1 : 0
        }
    }
}
