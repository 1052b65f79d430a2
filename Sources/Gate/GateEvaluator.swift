import FailmixSupport
import FailmixClassify
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
    /// How many of `recorded` the gate sees (a backtest replays a growing
    /// prefix of one array instead of copying it for every call).
    public var visible: Int
    /// When each session ended (seconds since the epoch, NaN when untimed),
    /// aligned with `recorded`; empty when unknown.
    public var endTimes: [Double] = []
    /// When the gate runs (seconds since the epoch); silence rules need it.
    public var now: Double?

    public init(catalog: ModeCatalog, classes: FaultClasses = .defaults, recorded: [ModeSet],
                corroborated: [ModeSet]? = nil, sessionCount: Int? = nil) {
        self.catalog = catalog
        self.classes = classes
        self.recorded = recorded
        self.corroborated = corroborated
        self.sessionCount = sessionCount ?? recorded.count
        visible = recorded.count
    }

    /// Store positions before the first session carried here.
    var offset: Int { sessionCount - visible }

    /// The index in `recorded` of the session that arrived after the store
    /// held `mark` sessions; nil when the mark is before the sessions carried
    /// (no effect) or after the store's end (it shrank: nobody can tell).
    func index(after mark: Int) -> Int? {
        guard mark <= sessionCount else { return nil }
        let i = mark - offset
        return i > 0 ? i : nil
    }

    /// The newest visible timed session's end.
    var newestEnd: Double? {
        guard !endTimes.isEmpty else { return nil }
        for i in stride(from: min(visible, endTimes.count) - 1, through: 0, by: -1) where !endTimes[i].isNaN {
            return endTimes[i]
        }
        return nil
    }
}

public enum Level: Int, Sendable, Comparable, CustomStringConvertible {
    case pass = 0, warn, fail

    public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
    public var description: String { self == .pass ? "pass" : self == .warn ? "warn" : "fail" }
}

/// A rule's verdict as every output shows it: "not enough data" is a verdict
/// of its own, not a quiet pass.
public enum RuleState: String, Sendable, CaseIterable {
    case pass, warn, fail, insufficient
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
    /// CUSUM rules: where the scan ended.
    public var cusum: CusumScan?
    /// Silence rules: seconds since the newest session ended, and the limit.
    public var silence: Double?
    public var silenceLimit: Double?
    /// Sessions left out of the population: infra failures this rule skips.
    public var skipped = 0
    /// The rule's window restarted when a person resumed the agent.
    public var sinceResume = false

    public var state: RuleState {
        if notEnoughData { return .insufficient }
        switch level {
        case .pass: return .pass
        case .warn: return .warn
        case .fail: return .fail
        }
    }

    /// The threshold of the level reached (or the lowest one, when none was).
    public var threshold: String {
        if rule.metric == .trailerCoverage { return TrailerCoverageEvaluator.threshold(self) }
        func rateText(_ r: Double) -> String { formatted("%.0f%%", r * 100) }
        switch level {
        case .fail: return rule.failCount.map { "\($0) sessions" } ?? rule.fail.map(rateText) ?? "-"
        default: return rule.warnCount.map { "\($0) sessions" } ?? rule.warn.map(rateText)
            ?? rule.failCount.map { "\($0) sessions" } ?? rule.fail.map(rateText) ?? "-"
        }
    }

    /// One line a person can act on.
    public var reason: String {
        if rule.metric == .trailerCoverage { return TrailerCoverageEvaluator.reason(self) }
        var text: String
        switch rule.kind {
        case .silence:
            guard let silence, let limit = silenceLimit else {
                return "\(rule.name): not enough data (no timed sessions\(rule.silenceFactor != nil ? " or too few gaps" : ""))"
            }
            text = "\(rule.name): the newest session ended \(Self.duration(silence)) ago"
            text += level == .pass ? ", within \(Self.duration(limit))" : ", longer than \(Self.duration(limit)): records stopped arriving (\(level))"
            return text
        case .cusum where !notEnoughData:
            let p = rule.cusum!
            let rates = formatted("baseline %.0f%%, alarm %.0f%%", p.baseline * 100, p.alarm * 100)
            text = "\(rule.name): \(rule.target) \(count)/\(n) = \(formatted("%.1f%%", rate * 100)) of the last \(n) sessions; "
            if let scan = cusum, scan.alarmed {
                text += "CUSUM alarm (\(rates), h \(Self.number(p.h))) raised \(scan.alarmAge) session(s) ago (\(level)); it clears when the evidence for the baseline reaches h (\(Self.number(scan.statistic)) so far)"
            } else {
                text += "CUSUM \(Self.number(cusum?.statistic ?? 0)) of h \(Self.number(p.h)) (\(rates))"
            }
        default:
            if notEnoughData { return "\(rule.name): not enough data (\(n)/\(rule.minSessions) sessions\(sinceResume ? " since the resume" : ""))" }
            if case .mode("infra") = rule.target, level != .pass {
                text = "\(rule.name): infra outage: \(count) of the last \(n) sessions failed on infrastructure (auth, rate limit, API failure before a response) — pause rules skip them (\(level))"
                return text
            }
            text = "\(rule.name): \(rule.target) \(count)/\(n) = \(formatted("%.1f%%", rate * 100)) of the last \(n < rule.window ? n : rule.window) sessions"
            text += level == .pass ? ", below \(threshold)" : " \(rule.isCountRule ? "reached" : "exceeds") \(threshold) (\(level))"
            if let bound { text += formatted("; %.0f%%-confidence lower bound %.1f%%", (rule.confidence ?? 0) * 100, bound * 100) }
            if let k = rule.streak { text += "; streak \(streak)/\(k)" }
        }
        if sinceResume { text += " [since the resume]" }
        if skipped > 0 { text += " [\(skipped) infra failure(s) skipped]" }
        if basis == .corroborated { text += " [corroborated]" }
        if acknowledged { text += " [acknowledged: warns instead of failing]" }
        return text
    }

    static func number(_ d: Double) -> String { formatted("%.2f", d) }

    /// "3h 05m", "12m", "40s".
    public static func duration(_ seconds: Double) -> String {
        let s = Int(max(0, seconds).rounded())
        if s >= 86_400 { return "\(s / 86_400)d \(formatted("%02ld", (s % 86_400) / 3_600))h" }
        if s >= 3_600 { return "\(s / 3_600)h \(formatted("%02ld", (s % 3_600) / 60))m" }
        if s >= 60 { return "\(s / 60)m" }
        return "\(s)s"
    }
}

/// Applies rules to the failure mix.
public enum GateEvaluator {
    /// The rule's verdict on the newest sessions; `since` (an index into the
    /// input's sessions) restarts its window there, after a resume.
    public static func evaluate(_ rule: GateRule, _ input: GateInput, since: Int? = nil) -> RuleEvaluation {
        if rule.metric == .trailerCoverage { return TrailerCoverageEvaluator.evaluate(rule, input) }
        let basis: Basis = rule.basis == .recorded || input.corroborated == nil ? .recorded : (rule.basis ?? .corroborated)
        if rule.kind == .silence { return silence(rule, input, basis: basis) }
        let population = Population(rule, input, basis: basis, from: since ?? 0, limit: rule.lookback)
        let hits = population.hits
        let total = hits.count
        let n = min(rule.window, total)
        if rule.kind == .cusum, let parameters = rule.cusum {
            let count = hits.reduce(0) { $0 + ($1 ? 1 : 0) }
            var evaluation = RuleEvaluation(rule: rule, level: .pass, basis: basis, count: count, n: n, bound: nil, streak: 0,
                                            notEnoughData: n < rule.minSessions)
            evaluation.skipped = population.skipped
            evaluation.sinceResume = since != nil
            if evaluation.notEnoughData { return evaluation }
            let scan = CusumScan.scan(parameters, hits)
            evaluation.cusum = scan
            if scan.alarmed { evaluation.level = rule.onAlarm }
            return evaluation
        }
        // prefix[i]: hits among the first i sessions of the population.
        var prefix = [Int](repeating: 0, count: total + 1)
        for i in 0..<total { prefix[i + 1] = prefix[i] + (hits[i] ? 1 : 0) }
        func count(endingAt end: Int) -> Int { prefix[end] - prefix[max(0, end - rule.window)] }
        let now = count(endingAt: total)
        var evaluation = RuleEvaluation(rule: rule, level: .pass, basis: basis, count: now, n: n, bound: nil, streak: 0,
                                        notEnoughData: n < rule.minSessions)
        evaluation.skipped = population.skipped
        evaluation.sinceResume = since != nil
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
                let size = min(rule.window, max(0, end))
                guard end >= 0, size >= rule.minSessions, crosses(rule, level, count: count(endingAt: end), n: size) else { break }
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

    /// Half-open: a rule that paused the agent judged on the sessions that
    /// ran since the resume (the probes) alone — a fresh sample, not a window
    /// still holding the sessions that caused the pause. No streak and no
    /// minimum: the person who resumed chose the sample's size. Count rules
    /// compare the probes' rate with their count per window.
    public static func judgeProbes(_ rule: GateRule, _ input: GateInput, since: Int) -> RuleEvaluation {
        // Commits, not sessions: the coverage of the agent's commits is judged as it stands.
        if rule.metric == .trailerCoverage { return TrailerCoverageEvaluator.evaluate(rule, input) }
        let basis: Basis = rule.basis == .recorded || input.corroborated == nil ? .recorded : (rule.basis ?? .corroborated)
        if rule.kind == .silence { return silence(rule, input, basis: basis) }
        let population = Population(rule, input, basis: basis, from: since, limit: .max)
        let hits = population.hits
        let count = hits.reduce(0) { $0 + ($1 ? 1 : 0) }
        var evaluation = RuleEvaluation(rule: rule, level: .pass, basis: basis, count: count, n: hits.count, bound: nil,
                                        streak: 0, notEnoughData: false)
        evaluation.skipped = population.skipped
        evaluation.sinceResume = true
        guard !hits.isEmpty else { return evaluation }
        switch rule.kind {
        case .cusum:
            let scan = CusumScan.scan(rule.cusum!, hits)
            evaluation.cusum = scan
            if scan.alarmed { evaluation.level = rule.onAlarm }
        default:
            for level in [Level.fail, .warn] where thresholdExists(rule, level) {
                let crossed: Bool
                if let limit = level == .fail ? rule.failCount : rule.warnCount {
                    crossed = Double(count) / Double(hits.count) >= Double(limit) / Double(rule.window)
                } else {
                    crossed = crosses(rule, level, count: count, n: hits.count)
                }
                if crossed { evaluation.level = level; break }
            }
        }
        return evaluation
    }

    /// The sessions a rule counts, newest `limit` of them from `from` on:
    /// whether each has the target, and how many infra failures were left out.
    struct Population {
        var hits: [Bool] = []
        var skipped = 0

        init(_ rule: GateRule, _ input: GateInput, basis: Basis, from: Int, limit: Int) {
            let recorded = basis == .corroborated ? input.corroborated! : input.recorded
            // Plain bit masks, not closures: a backtest collects 100k populations.
            let target = GateEvaluator.mask(rule.target, input)
            let infra: UInt64 = GateEvaluator.skipsInfra(rule, input)
                ? input.catalog.index(of: "infra").map { 1 << UInt64($0) } ?? 0 : 0
            // Backwards to the first session counted, then forwards: no reversal.
            let end = min(input.visible, recorded.count)
            let start = max(0, from)
            var first = end, counted = 0
            let sessions = recorded.span
            while first > start, counted < limit {
                first -= 1
                if sessions[first].bits & infra != 0 { skipped += 1 } else { counted += 1 }
            }
            var window = [Bool](repeating: false, count: counted)
            var k = 0
            for i in first..<end where sessions[i].bits & infra == 0 {
                window[k] = sessions[i].bits & target != 0
                k += 1
            }
            hits = window
        }
    }

    static func skipsInfra(_ rule: GateRule, _ input: GateInput) -> Bool {
        if let skip = rule.skipInfra { return skip }
        switch rule.target {
        case .mode(let m): return m != "infra"
        case .faultClass(let c): return !(input.classes.modes(of: c) ?? []).contains("infra")
        case .any: return true
        }
    }

    /// Warns (or fails) when the newest session ended longer ago than the
    /// limit: `max_silence`, or `silence_factor` × the median gap between
    /// the window's sessions.
    static func silence(_ rule: GateRule, _ input: GateInput, basis: Basis) -> RuleEvaluation {
        var evaluation = RuleEvaluation(rule: rule, level: .pass, basis: basis, count: 0, n: 0, bound: nil, streak: 0,
                                        notEnoughData: true)
        guard let now = input.now, let newest = input.newestEnd else { return evaluation }
        var limit = rule.maxSilence
        if limit == nil, let factor = rule.silenceFactor {
            let ends = input.endTimes[..<min(input.visible, input.endTimes.count)].suffix(rule.window).filter { !$0.isNaN }.sorted()
            guard ends.count > max(1, rule.minSessions) else { return evaluation }
            let gaps = zip(ends.dropFirst(), ends).map { $0 - $1 }.sorted()
            limit = factor * max(gaps[gaps.count / 2], 1)
        }
        guard let limit else { return evaluation }
        evaluation.notEnoughData = false
        evaluation.silence = now - newest
        evaluation.silenceLimit = limit
        if now - newest > limit { evaluation.level = rule.onAlarm }
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
    /// a rate threshold under the margin, would otherwise never clear). A
    /// CUSUM rule is clear once its alarm has ended; a silence once sessions
    /// arrive again.
    public static func isClear(_ evaluation: RuleEvaluation, margin: Double) -> Bool {
        let rule = evaluation.rule
        if rule.metric == .trailerCoverage { return TrailerCoverageEvaluator.isClear(evaluation, margin: margin) }
        if evaluation.notEnoughData { return false }
        switch rule.kind {
        case .cusum: return !(evaluation.cusum?.alarmed ?? false)
        case .silence: return evaluation.level == .pass
        case .window: break
        }
        if evaluation.count == 0 { return true }
        if let count = rule.failCount ?? rule.warnCount {
            return Double(evaluation.count) < (rule.clear ?? Double(count - 1))
        }
        let threshold = rule.fail ?? rule.warn ?? 0
        return evaluation.rate < (rule.clear ?? threshold - margin)
    }

    /// The modes a target counts, as bits: a session matches when it has any.
    static func mask(_ target: RuleTarget, _ input: GateInput) -> UInt64 {
        switch target {
        case .any:
            return ~0
        case .mode(let name):
            return input.catalog.index(of: name).map { 1 << UInt64($0) } ?? 0
        case .faultClass(let name):
            var bits: UInt64 = 0
            for m in input.classes.modes(of: name) ?? [] { if let i = input.catalog.index(of: m) { bits |= 1 << UInt64(i) } }
            return bits
        }
    }
}
