import FailmixClassify
import FoundationEssentials

/// A policy replayed over a store as if the gate had run before every
/// session: the same `Gate.decide`, with the pause state carried from call to
/// call as the state file carries it (no person resumes or acknowledges).
public struct Backtest: Sendable {
    public struct Onset: Sendable, Equatable {
        /// The call's position: the gate ran before session `index` (0-based).
        public var index: Int
        /// When that session started (or ended), seconds since the epoch; nil when untimed.
        public var time: Double?
    }

    /// One rule over the whole replay.
    public struct RuleSummary: Sendable {
        public var name: String
        /// Calls at which the rule entered warn or fail from pass or insufficient.
        public var onsets = 0
        public var warnCalls = 0
        public var failCalls = 0
        public var insufficientCalls = 0
        public var firstOnset: Onset?
        public var lastOnset: Onset?
        /// The most consecutive calls in warn or fail.
        public var longestAlarm = 0
    }

    public var policy: String
    public var calls = 0
    public var rules: [RuleSummary]
    /// Pauses begun (from unpaused), and calls made while the gate failed.
    public var pauses = 0
    public var failCalls = 0
    public var warnCalls = 0
    /// Every call's decision and rule states, when asked for (a test compares
    /// them with the real gate's, call by call).
    public var decisions: [Level]?
    public var states: [[RuleState]]?

    /// Replays `input`'s sessions (`input.visible` is ignored): call `i`
    /// sees the first `i` sessions. `times[i]` is when session `i` began
    /// (the gate's clock for silence rules; NaN when unknown).
    public static func run(policy: String, gate: Gate, input: GateInput, times: [Double], keepCalls: Bool = false) -> Backtest {
        var result = Backtest(policy: policy, rules: gate.rules.map { RuleSummary(name: $0.name) })
        var input = input
        let total = input.recorded.count
        var state = GateState()
        var alarmRun = [Int](repeating: 0, count: gate.rules.count)
        var previous = [RuleState](repeating: .insufficient, count: gate.rules.count)
        if keepCalls {
            result.decisions = []
            result.states = []
            result.decisions!.reserveCapacity(total)
            result.states!.reserveCapacity(total)
        }
        var clock = 0.0
        for i in 0..<total {
            input.visible = i
            input.sessionCount = i
            if i < times.count, !times[i].isNaN { clock = times[i] }
            input.now = clock == 0 ? nil : clock
            let wasPaused = state.paused
            let (decision, _) = gate.decide(input, state: &state, remember: true, now: Date(timeIntervalSince1970: clock))
            result.calls += 1
            if decision.level == .fail { result.failCalls += 1 } else if decision.level == .warn { result.warnCalls += 1 }
            if state.paused, !wasPaused { result.pauses += 1 }
            for (r, e) in decision.evaluations.enumerated() {
                let now = e.state
                switch now {
                case .warn: result.rules[r].warnCalls += 1
                case .fail: result.rules[r].failCalls += 1
                case .insufficient: result.rules[r].insufficientCalls += 1
                case .pass: break
                }
                let alarmed = now == .warn || now == .fail
                if alarmed {
                    alarmRun[r] += 1
                    result.rules[r].longestAlarm = max(result.rules[r].longestAlarm, alarmRun[r])
                    if previous[r] != .warn, previous[r] != .fail {
                        result.rules[r].onsets += 1
                        let onset = Onset(index: i, time: clock == 0 ? nil : clock)
                        if result.rules[r].firstOnset == nil { result.rules[r].firstOnset = onset }
                        result.rules[r].lastOnset = onset
                    }
                } else {
                    alarmRun[r] = 0
                }
                previous[r] = now
            }
            if keepCalls {
                result.decisions!.append(decision.level)
                result.states!.append(decision.evaluations.map(\.state))
            }
        }
        return result
    }
}
