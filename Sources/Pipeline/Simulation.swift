import FailmixSupport
import FoundationEssentials

/// Measures how a policy decides, by running simulated agents through the
/// real gate (`Gate.decide` and `Gate.resume`, with the pause state carried
/// from call to call exactly as the state file carries it): a gate call
/// before every session, a session only when the gate lets it through, and an
/// operator who runs `resume --probe 1` whenever the agent is paused.
///
/// The sessions carry one mode (`abandoned_loop` by default), each session
/// independently with probability `p` (or, bursty, a two-state chain with
/// lag-1 correlation `rho`). Seeded: the same seed gives the same figures.
public struct DecisionSimulation: Sendable {
    public var config: Configuration
    public var mode = "abandoned_loop"
    public var seed: UInt64 = 1
    /// Sessions of each healthy stream (false pauses).
    public var healthySessions = 300_000
    /// Replicates of each shift (delays, resumes after a fix).
    public var replicates = 400
    /// Healthy sessions before a shift.
    public var warmUp = 300
    public var healthyRate = 0.27

    public init(config: Configuration) { self.config = config }

    public struct Figures: Sendable, Equatable {
        /// Pause onsets per 1,000 sessions run, by stream label ("0.27", "0.30", "bursty 0.27").
        public var falsePauses: [(label: String, perThousand: Double, pauses: Int, sessions: Int)]
        /// Median and 90th percentile sessions run after a shift until the pause, by the shifted rate.
        public var delays: [(rate: Double, median: Double, p90: Double, missed: Int)]
        /// `resume --probe 1` runs needed after the cause was fixed (rate back to healthy).
        public var resumesMedian: Double
        public var resumesP90: Double
        public var resumesMax: Int

        public static func == (a: Figures, b: Figures) -> Bool {
            a.falsePauses.map(\.pauses) == b.falsePauses.map(\.pauses) && a.delays.map(\.median) == b.delays.map(\.median)
                && a.resumesMedian == b.resumesMedian
        }
    }

    /// Stream labels and the rates the figures are taken at.
    public static let healthyStreams: [(label: String, rate: Double, rho: Double)] = [
        ("0.27", 0.27, 0), ("0.30", 0.30, 0), ("bursty 0.27", 0.27, 0.3),
    ]
    public static let shifts = [0.43, 0.50, 0.60]
    /// The shift after which the cause is fixed, for the resume count.
    public static let fixedAfter = 0.50

    public func run() throws -> Figures {
        let catalog = ModeCatalog(config.modes)
        guard let index = catalog.index(of: mode) else {
            throw SimulationError(description: "the policy has no mode '\(mode)' to simulate")
        }
        var falsePauses: [(String, Double, Int, Int)] = []
        for (k, stream) in Self.healthyStreams.enumerated() {
            var agent = SimulatedAgent(config: config, catalog: catalog, mode: index, seed: seed &+ UInt64(k) &* 0x9E37)
            agent.rate = stream.rate
            agent.rho = stream.rho
            var pauses = 0
            while agent.sessionsRun < healthySessions {
                if agent.step() == .pausedAnew { pauses += 1 }
            }
            falsePauses.append((stream.label, Double(pauses) * 1000 / Double(agent.sessionsRun), pauses, agent.sessionsRun))
        }
        var delays: [(Double, Double, Double, Int)] = []
        var resumes: [Double] = []
        for (k, shifted) in Self.shifts.enumerated() {
            var found: [Double] = []
            var missed = 0
            for r in 0..<replicates {
                var agent = SimulatedAgent(config: config, catalog: catalog, mode: index,
                                           seed: seed &+ 1_000 &+ UInt64(k * replicates + r) &* 0x9E37_79B9)
                agent.rate = healthyRate
                agent.settle(sessions: warmUp)
                agent.rate = shifted
                let start = agent.sessionsRun
                var detected = false
                while agent.sessionsRun - start < 5_000 {
                    if agent.step(resumeNewPause: false) == .pausedAnew { detected = true; break }
                }
                guard detected else { missed += 1; continue }
                found.append(Double(agent.sessionsRun - start))
                if shifted == Self.fixedAfter {
                    agent.rate = healthyRate
                    resumes.append(Double(agent.resumesUntilRunningUnpaused()))
                }
            }
            delays.append((shifted, Self.quantile(found, 0.5), Self.quantile(found, 0.9), missed))
        }
        return Figures(falsePauses: falsePauses.map { (label: $0.0, perThousand: $0.1, pauses: $0.2, sessions: $0.3) },
                       delays: delays.map { (rate: $0.0, median: $0.1, p90: $0.2, missed: $0.3) },
                       resumesMedian: Self.quantile(resumes, 0.5), resumesP90: Self.quantile(resumes, 0.9),
                       resumesMax: Int(resumes.max() ?? 0))
    }

    /// The `q` quantile (nearest rank) of `values`; NaN when empty.
    static func quantile(_ values: [Double], _ q: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, max(0, Int((q * Double(sorted.count)).rounded(.up)) - 1))]
    }
}

public struct SimulationError: Error, CustomStringConvertible {
    public var description: String
}

/// One simulated agent behind the real gate.
struct SimulatedAgent {
    enum Step: Equatable { case ran, held, pausedAnew }

    let gate: Gate
    let catalog: ModeCatalog
    let classes: FaultClasses
    let mode: Int
    /// The newest sessions (as the gate's cache keeps them) and the store's size.
    var history: [ModeSet] = []
    var keep: Int
    var sessionsRun = 0
    var state = GateState()
    var rng: SplitMix64
    var rate = 0.27
    var rho = 0.0
    var last = false
    var resumes = 0
    /// A fixed clock: one session every 15 minutes.
    var clock: Double = 1_800_000_000

    init(config: Configuration, catalog: ModeCatalog, mode: Int, seed: UInt64) {
        gate = Gate(rules: config.rules, clearMargin: config.clearMargin)
        self.catalog = catalog
        classes = config.classes
        self.mode = mode
        keep = max(64, (config.rules.map(\.lookback).max() ?? 0) + 64)
        rng = SplitMix64(seed: seed)
    }

    /// One gate call, and the session it lets through. The operator answers
    /// a failing gate with `resume --probe 1`; a new pause only when
    /// `resumeNewPause` (a measurement stops at it).
    mutating func step(resumeNewPause: Bool = true) -> Step {
        let wasPaused = state.paused
        let input = GateInput(catalog: catalog, classes: classes, recorded: history, sessionCount: sessionsRun)
        let now = Date(timeIntervalSince1970: clock)
        let (decision, _) = gate.decide(input, state: &state, remember: true, now: now)
        if decision.level == .fail {
            if wasPaused || resumeNewPause { resume() }
            return wasPaused ? .held : .pausedAnew
        }
        runSession()
        return .ran
    }

    mutating func resume() {
        resumes += 1
        _ = Gate.resume(&state, probe: 1, sessionCount: sessionsRun, by: "simulation", now: Date(timeIntervalSince1970: clock))
    }

    mutating func runSession() {
        let p = rho == 0 ? rate : (last ? rate + rho * (1 - rate) : rate * (1 - rho))
        last = rng.nextDouble() < p
        var set = ModeSet()
        if last { set.insert(mode) }
        history.append(set)
        if history.count > 2 * keep { history.removeFirst(history.count - keep) }
        sessionsRun += 1
        clock += 900
    }

    /// Runs `sessions` sessions, the operator resuming every pause, and
    /// then until the agent runs unpaused.
    mutating func settle(sessions: Int) {
        let target = sessionsRun + sessions
        while sessionsRun < target { _ = step() }
        while state.paused || state.probe != nil { _ = step() }
    }

    /// The operator resumes with one probe until a session runs with the
    /// agent unpaused; how many resumes that took.
    mutating func resumesUntilRunningUnpaused() -> Int {
        resumes = 0
        var calls = 0
        while calls < 100_000 {
            calls += 1
            let input = GateInput(catalog: catalog, classes: classes, recorded: history, sessionCount: sessionsRun)
            let (decision, _) = gate.decide(input, state: &state, remember: true, now: Date(timeIntervalSince1970: clock))
            if decision.level == .fail {
                resume()
                continue
            }
            // Not a probe let through: the agent runs unpaused.
            let unpaused = !state.paused && state.probe == nil
            runSession()
            if unpaused { return resumes }
        }
        return resumes
    }
}

/// A small, fast, seedable generator (Steele, Lea and Flood's SplitMix64).
struct SplitMix64 {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    mutating func nextDouble() -> Double { Double(next() >> 11) * 0x1p-53 }
}

/// The decision-quality table of several policies, in the three formats
/// `failmix simulate` prints.
public enum DecisionQualityTable {
    public static func markdown(_ rows: [(policy: String, figures: DecisionSimulation.Figures)]) -> String {
        guard let first = rows.first?.figures else { return "" }
        var out = "| policy | " + first.falsePauses.map { "false pauses /1000 at \($0.label)" }.joined(separator: " | ")
        out += " | " + first.delays.map { "median delay at \(formatted("%.2f", $0.rate))" }.joined(separator: " | ")
        out += " | resumes after a fix (median / p90 / max) |\n|---|"
        out += String(repeating: "---:|", count: first.falsePauses.count + first.delays.count + 1) + "\n"
        for (policy, f) in rows {
            out += "| \(policy) | " + f.falsePauses.map { formatted("%.2f", $0.perThousand) }.joined(separator: " | ")
            out += " | " + f.delays.map { delay($0.median, missed: $0.missed) }.joined(separator: " | ")
            out += " | \(number(f.resumesMedian)) / \(number(f.resumesP90)) / \(f.resumesMax) |\n"
        }
        return out
    }

    public static func text(_ rows: [(policy: String, figures: DecisionSimulation.Figures)]) -> String {
        var out = ""
        for (policy, f) in rows {
            out += "\(policy)\n"
            for p in f.falsePauses {
                out += "  false pauses at \(p.label): \(formatted("%.2f", p.perThousand)) per 1,000 sessions (\(p.pauses) in \(p.sessions))\n"
            }
            for d in f.delays {
                out += "  detection after a shift to \(formatted("%.2f", d.rate)): median \(delay(d.median, missed: d.missed)), p90 \(number(d.p90)) sessions\n"
            }
            out += "  resumes after a fix: median \(number(f.resumesMedian)), p90 \(number(f.resumesP90)), max \(f.resumesMax)\n"
        }
        return out
    }

    public static func json(_ rows: [(policy: String, figures: DecisionSimulation.Figures)]) -> String {
        func q(_ s: String) -> String { "\"" + s.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"") + "\"" }
        func n(_ d: Double) -> String { d.isFinite ? String(d) : "null" }
        let policies = rows.map { policy, f in
            "{\"policy\":\(q(policy)),\"false_pauses\":[" + f.falsePauses.map {
                "{\"stream\":\(q($0.label)),\"per_1000\":\(n($0.perThousand)),\"pauses\":\($0.pauses),\"sessions\":\($0.sessions)}"
            }.joined(separator: ",") + "],\"delays\":[" + f.delays.map {
                "{\"rate\":\(n($0.rate)),\"median\":\(n($0.median)),\"p90\":\(n($0.p90)),\"missed\":\($0.missed)}"
            }.joined(separator: ",") + "],\"resumes_after_fix\":{\"median\":\(n(f.resumesMedian)),\"p90\":\(n(f.resumesP90)),\"max\":\(f.resumesMax)}}"
        }
        return "{\"policies\":[" + policies.joined(separator: ",") + "]}\n"
    }

    static func number(_ d: Double) -> String { d.isNaN ? "-" : d == d.rounded() ? String(Int(d)) : formatted("%.1f", d) }
    static func delay(_ d: Double, missed: Int) -> String { number(d) + (missed > 0 ? " (\(missed) missed)" : "") }
}
