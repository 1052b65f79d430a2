import FailmixClassify
import Foundation

/// What the gate sees: every session in time order (oldest first) with its
/// modes as recorded and, when git was read, as corroborated.
public struct GateInput: Sendable {
    public var catalog: ModeCatalog
    public var classes: FaultClasses
    public var recorded: [ModeSet]
    public var corroborated: [ModeSet]?
    /// Agent commits and those with the trailer, per window size (trailer-coverage rules).
    public var trailerCounts: [Int: TrailerCount] = [:]
    /// Sessions in the whole store, which `resume` and `ack` record as their
    /// starting mark: a reader that hands on only the newest sessions (the
    /// gate's cache, `RecordSet.sessionCount`) must pass its total here, or
    /// probes and session-counted acks would count the tail and end early.
    public var sessionCount: Int

    public init(catalog: ModeCatalog, classes: FaultClasses = .defaults, recorded: [ModeSet],
                corroborated: [ModeSet]? = nil, sessionCount: Int? = nil) {
        self.catalog = catalog
        self.classes = classes
        self.recorded = recorded
        self.corroborated = corroborated
        self.sessionCount = sessionCount ?? recorded.count
    }
}

public enum Level: Int, Sendable, Comparable, CustomStringConvertible {
    case pass = 0, warn, fail

    public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
    public var description: String { self == .pass ? "pass" : self == .warn ? "warn" : "fail" }
}

/// One rule's verdict with the numbers behind it.
public struct RuleEvaluation: Sendable, Equatable {
    public var rule: GateRule
    public var level: Level
    public var basis: Basis
    public var count: Int
    public var n: Int
    public var rate: Double { n == 0 ? 0 : Double(count) / Double(n) }
    /// The Wilson lower bound compared with the threshold, when `confidence` is set.
    public var bound: Double?
    /// Consecutive evaluation points (newest backwards) over the threshold that fired.
    public var streak: Int
    public var notEnoughData: Bool
    /// Acknowledged: a failure shown as a warning.
    public var acknowledged = false

    /// The threshold of the level reached (or the lowest one, when none was).
    public var threshold: String {
        if rule.metric == .trailerCoverage { return TrailerCoverageEvaluator.threshold(self) }
        func rateText(_ r: Double) -> String { String(format: "%.0f%%", r * 100) }
        switch level {
        case .fail: return rule.failCount.map { "\($0) sessions" } ?? rule.fail.map(rateText) ?? "-"
        default: return rule.warnCount.map { "\($0) sessions" } ?? rule.warn.map(rateText)
            ?? rule.failCount.map { "\($0) sessions" } ?? rule.fail.map(rateText) ?? "-"
        }
    }

    /// One line a person can act on.
    public var reason: String {
        if rule.metric == .trailerCoverage { return TrailerCoverageEvaluator.reason(self) }
        if notEnoughData { return "\(rule.name): not enough data (\(n)/\(rule.minSessions) sessions)" }
        var text = "\(rule.name): \(rule.target) \(count)/\(n) = \(String(format: "%.1f%%", rate * 100)) of the last \(rule.window) sessions"
        text += level == .pass ? ", below \(threshold)" : " \(rule.isCountRule ? "reached" : "exceeds") \(threshold) (\(level))"
        if let bound { text += String(format: "; %.0f%%-confidence lower bound %.1f%%", (rule.confidence ?? 0) * 100, bound * 100) }
        if let k = rule.streak { text += "; streak \(streak)/\(k)" }
        if basis == .corroborated { text += " [corroborated]" }
        if acknowledged { text += " [acknowledged: warns instead of failing]" }
        return text
    }
}

/// Applies rules to the failure mix.
public enum GateEvaluator {
    public static func evaluate(_ rule: GateRule, _ input: GateInput) -> RuleEvaluation {
        if rule.metric == .trailerCoverage { return TrailerCoverageEvaluator.evaluate(rule, input) }
        let basis: Basis = rule.basis == .recorded || input.corroborated == nil ? .recorded : (rule.basis ?? .corroborated)
        let sessions = basis == .corroborated ? input.corroborated! : input.recorded
        let matches = matcher(rule.target, input)
        let total = sessions.count
        let n = min(rule.window, total)
        func count(endingAt end: Int) -> Int {
            sessions[max(0, end - rule.window)..<end].reduce(0) { $0 + (matches($1) ? 1 : 0) }
        }
        let now = count(endingAt: total)
        var evaluation = RuleEvaluation(rule: rule, level: .pass, basis: basis, count: now, n: n, bound: nil, streak: 0,
                                        notEnoughData: n < rule.minSessions)
        if evaluation.notEnoughData { return evaluation }
        if let confidence = rule.confidence, !rule.isCountRule {
            evaluation.bound = wilsonLowerBound(count: now, n: n, confidence: confidence)
        }
        // The highest level whose threshold every point of the streak crosses.
        let points = rule.streak ?? 1
        var longest = 0
        for level in [Level.fail, .warn] where thresholdExists(rule, level) {
            var run = 0
            for back in 0..<points {
                let end = total - back
                let size = min(rule.window, end)
                guard size >= rule.minSessions, crosses(rule, level, count: count(endingAt: end), n: size) else { break }
                run += 1
            }
            longest = max(longest, run)
            if run >= points {
                evaluation.level = level
                evaluation.streak = run
                return evaluation
            }
        }
        evaluation.streak = longest
        return evaluation
    }

    static func thresholdExists(_ rule: GateRule, _ level: Level) -> Bool {
        level == .fail ? (rule.fail != nil || rule.failCount != nil) : (rule.warn != nil || rule.warnCount != nil)
    }

    /// Rates must exceed the threshold (its Wilson bound, with confidence);
    /// counts must reach it ("warn at 2 in the last 30").
    static func crosses(_ rule: GateRule, _ level: Level, count: Int, n: Int) -> Bool {
        let countThreshold = level == .fail ? rule.failCount : rule.warnCount
        if let countThreshold { return count >= countThreshold }
        guard let threshold = level == .fail ? rule.fail : rule.warn, n > 0 else { return false }
        let observed = rule.confidence.map { wilsonLowerBound(count: count, n: n, confidence: $0) } ?? Double(count) / Double(n)
        return observed > threshold
    }

    /// Whether a fired rule has fallen below its clear level (hysteresis):
    /// `clear` when set, else the threshold less `margin` for rates, or one
    /// session fewer than the threshold for counts. A rule whose target left
    /// the window entirely is clear whatever that level (`fail_count = 1`, or
    /// a rate threshold under the margin, would otherwise never clear).
    public static func isClear(_ evaluation: RuleEvaluation, margin: Double) -> Bool {
        let rule = evaluation.rule
        if rule.metric == .trailerCoverage { return TrailerCoverageEvaluator.isClear(evaluation, margin: margin) }
        if evaluation.notEnoughData { return false }
        if evaluation.count == 0 { return true }
        if let count = rule.failCount ?? rule.warnCount {
            return Double(evaluation.count) < (rule.clear ?? Double(count - 1))
        }
        let threshold = rule.fail ?? rule.warn ?? 0
        return evaluation.rate < (rule.clear ?? threshold - margin)
    }

    static func matcher(_ target: RuleTarget, _ input: GateInput) -> (ModeSet) -> Bool {
        switch target {
        case .any:
            return { !$0.isEmpty }
        case .mode(let name):
            guard let i = input.catalog.index(of: name) else { return { _ in false } }
            return { $0.contains(i) }
        case .faultClass(let name):
            var set = ModeSet()
            for m in input.classes.modes(of: name) ?? [] { if let i = input.catalog.index(of: m) { set.insert(i) } }
            return { $0.bits & set.bits != 0 }
        }
    }
}
