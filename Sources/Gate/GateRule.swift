import FoundationEssentials
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FailmixClassify

/// Which sessions a rule counts: those with one mode, with any mode of a
/// fault class, or with any mode at all.
public enum RuleTarget: Sendable, Equatable, CustomStringConvertible {
    case mode(String)
    case faultClass(String)
    case any

    public var description: String {
        switch self {
        case .mode(let m): m
        case .faultClass(let c): "class \(c)"
        case .any: "any"
        }
    }
}

/// Whether a rule counts modes as the records state them or as git corrects them.
public enum Basis: String, Sendable, CaseIterable {
    case corroborated, recorded
}

/// How a rule judges: a threshold on a window's rate or count, a sequential
/// CUSUM test, or the time since the newest session.
public enum RuleKind: String, Sendable, CaseIterable {
    case window, cusum, silence
}

/// One policy rule: over the last `window` sessions, warn or fail when the
/// share (or count) of sessions with the target mode crosses a threshold.
public struct GateRule: Sendable, Equatable {
    public var name: String
    public var target: RuleTarget
    public var window: Int
    public var warn: Double?
    public var fail: Double?
    public var warnCount: Int?
    public var failCount: Int?
    /// Below this many sessions in the window the rule decides nothing.
    public var minSessions: Int
    /// Fire only when the Wilson lower bound at this one-sided confidence
    /// exceeds the threshold (small windows don't flap).
    public var confidence: Double?
    /// The threshold must be crossed by each of the windows ending at the
    /// last `streak` sessions.
    public var streak: Int?
    /// nil: corroborated when git is available, else recorded.
    public var basis: Basis?
    /// While paused, the rule keeps failing until its rate falls below this.
    public var clear: Double?
    public var kind = RuleKind.window
    /// `kind = "cusum"`: baseline and alarm rates and the threshold h.
    public var cusum: CusumParameters?
    /// `kind = "silence"`: warn when the newest session ended longer ago
    /// than `maxSilence` seconds, or than `silenceFactor` × the median gap
    /// between the window's sessions.
    public var maxSilence: Double?
    public var silenceFactor: Double?
    /// The level a CUSUM alarm or a silence reaches.
    public var onAlarm = Level.fail
    /// Whether sessions that failed on infrastructure (the `infra` mode)
    /// leave this rule's population; nil: they do unless the rule targets infra.
    public var skipInfra: Bool?
    /// `modes` (the fields above) or `trailer_coverage` (the fields below).
    public var metric = GateMetric.modes
    /// Trailer coverage: warn or fail below these shares of agent commits,
    /// deciding nothing with fewer than `minCommits` agent commits.
    public var warnBelow: Double?
    public var failBelow: Double?
    public var minCommits = 10

    public init(name: String, target: RuleTarget, window: Int, warn: Double? = nil, fail: Double? = nil,
                warnCount: Int? = nil, failCount: Int? = nil, minSessions: Int = 10, confidence: Double? = nil,
                streak: Int? = nil, basis: Basis? = nil, clear: Double? = nil) {
        self.name = name
        self.target = target
        self.window = window
        self.warn = warn
        self.fail = fail
        self.warnCount = warnCount
        self.failCount = failCount
        self.minSessions = minSessions
        self.confidence = confidence
        self.streak = streak
        self.basis = basis
        self.clear = clear
    }

    public var isCountRule: Bool { warnCount != nil || failCount != nil }

    /// Whether this rule can pause the agent.
    public var canFail: Bool {
        switch kind {
        case .window: fail != nil || failCount != nil
        case .cusum, .silence: onAlarm == .fail
        }
    }

    /// The default rule on abandoned loops: a Bernoulli CUSUM from the
    /// published healthy level (27%) to 50%, h 5.224 (an in-control run
    /// length of 2,500 sessions). Chosen from measured trade-offs (README,
    /// "Default policy"; bench/DECISIONS.md): against the published streak
    /// rule it pauses a healthy agent 2.6× less often and detects a rise to
    /// 50% as fast, and one resume after a fix is enough.
    public static let abandonedLoops: GateRule = {
        var rule = GateRule(name: "abandoned-loops", target: .mode("abandoned_loop"), window: 300)
        rule.kind = .cusum
        rule.cusum = CusumParameters(baseline: 0.27, alarm: 0.50, h: 5.224)
        return rule
    }()

    /// How many sessions the rule looks back over, its streak included.
    public var lookback: Int { window + max(0, (streak ?? 1) - 1) }

    /// The published practice (see README: "Default policy"). Each default
    /// is explained where it is documented and in `failmix init`'s file.
    public static let defaults: [GateRule] = [
        GateRule(name: "noop-rate", target: .mode("noop"), window: 30, warn: 0.15),
        GateRule(name: "failure-rate", target: .any, window: 30, warn: 0.70, fail: 0.90),
        abandonedLoops,
        GateRule(name: "ci-breaks", target: .mode("ci_break"), window: 30, warnCount: 2, failCount: 4, basis: .corroborated),
        // API outages are not the agent's failures: pause rules skip them; this one says so.
        GateRule(name: "infra-outage", target: .mode("infra"), window: 30, warnCount: 3),
        defaultTrailerCoverage,
    ]
}

/// Fault classes grouping modes, so a rule can watch a whole class.
public struct FaultClasses: Sendable, Equatable {
    public var classes: [(name: String, modes: [String])]

    public init(_ classes: [(name: String, modes: [String])]) { self.classes = classes }

    public static let defaults = FaultClasses([
        ("execution", ["abandoned_loop", "low_productivity", "exit_failure"]),
        ("supply", ["noop", "blocked", "routing_mismatch"]),
        ("quality", []),
        ("external", ["ci_break"]),
    ])

    public func modes(of name: String) -> [String]? { classes.first { $0.name == name }?.modes }

    /// Order doesn't matter: classes are looked up by name.
    public static func == (a: FaultClasses, b: FaultClasses) -> Bool {
        let sa = a.classes.sorted { $0.name < $1.name }, sb = b.classes.sorted { $0.name < $1.name }
        return sa.map(\.name) == sb.map(\.name) && sa.map(\.modes) == sb.map(\.modes)
    }
}

/// Wilson score interval lower bound of `count` successes in `n` trials at a
/// one-sided `confidence` (e.g. 0.9).
public func wilsonLowerBound(count: Int, n: Int, confidence: Double) -> Double {
    guard n > 0 else { return 0 }
    let z = inverseNormalCDF(confidence)
    let p = Double(count) / Double(n)
    let nn = Double(n)
    let z2 = z * z
    let centre = p + z2 / (2 * nn)
    let spread = z * (p * (1 - p) / nn + z2 / (4 * nn * nn)).squareRoot()
    return max(0, (centre - spread) / (1 + z2 / nn))
}

/// The standard normal quantile (Acklam's rational approximation, relative
/// error below 1.2e-9), for confidence levels.
public func inverseNormalCDF(_ p: Double) -> Double {
    precondition(p > 0 && p < 1, "probability must be in (0, 1)")
    let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
             1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
    let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
             6.680131188771972e+01, -1.328068155288572e+01]
    let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
             -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
    let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
    let low = 0.02425
    if p < low {
        let q = (-2 * log(p)).squareRoot()
        return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
            / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    }
    if p > 1 - low {
        let q = (-2 * log(1 - p)).squareRoot()
        return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
            / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    }
    let q = p - 0.5
    let r = q * q
    return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
        / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
}
