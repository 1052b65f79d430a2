import FoundationEssentials
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A Bernoulli CUSUM (Page's cumulative sum on the log-likelihood ratio of an
/// alarm rate against a baseline rate): the sequential test that detects a
/// lasting rise of a failure rate soonest for a given false-alarm rate.
///
/// Every session adds `up` = ln(alarm/baseline) when it has the target mode and
/// `down` = ln((1−alarm)/(1−baseline)) (negative) when not; the sum is floored
/// at 0 and alarms at `h`, then restarts (reset on alarm). An alarm lasts
/// until the mirror sum — evidence for the baseline over the alarm rate —
/// reaches `h` in turn, so a rule clears on as much evidence as raised it.
public struct CusumParameters: Sendable, Equatable {
    public var baseline: Double
    public var alarm: Double
    public var h: Double

    public init(baseline: Double, alarm: Double, h: Double) {
        self.baseline = baseline
        self.alarm = alarm
        self.h = h
    }

    /// With `h` chosen so that the in-control average run length (sessions
    /// at the baseline rate between false alarms) is `runLength`.
    public init(baseline: Double, alarm: Double, runLength: Double) {
        self.init(baseline: baseline, alarm: alarm, h: Self.threshold(baseline: baseline, alarm: alarm, runLength: runLength))
    }

    public var up: Double { log(alarm / baseline) }
    public var down: Double { log((1 - alarm) / (1 - baseline)) }

    /// The average run length to an alarm from 0 when sessions have the mode
    /// with probability `rate` (Brook and Evans' Markov chain on a fine lattice).
    public func runLength(at rate: Double) -> Double {
        Self.averageRunLength(up: up, down: down, h: h, rate: rate)
    }

    /// The `h` whose in-control run length is `runLength` (bisection; the run
    /// length grows monotonically with h).
    public static func threshold(baseline: Double, alarm: Double, runLength: Double) -> Double {
        let up = log(alarm / baseline), down = log((1 - alarm) / (1 - baseline))
        var lo = up * 0.5, hi = up
        while averageRunLength(up: up, down: down, h: hi, rate: baseline) < runLength, hi < 1_000 { hi *= 2 }
        // 40 halvings, but stopped once every h left in (lo, hi] rounds up to
        // the same thousandth: the answer is then already decided (a third of
        // the chain runs; a gate with `run_length` recomputes h on every call).
        for _ in 0..<40 where (lo * 1_000).rounded(.up) != (hi * 1_000).rounded(.up) {
            let mid = (lo + hi) / 2
            if averageRunLength(up: up, down: down, h: mid, rate: baseline) < runLength { lo = mid } else { hi = mid }
        }
        return (hi * 1_000).rounded(.up) / 1_000
    }

    /// ARL from 0: the chain's states are the sum in lattice units of `up / k`,
    /// `k` chosen so the down step rounds to a whole number of units within
    /// 0.5%; the survival probability is iterated until it decays
    /// geometrically, and the tail is summed in closed form.
    static func averageRunLength(up: Double, down: Double, h: Double, rate: Double) -> Double {
        guard up > 0, down < 0, h > 0, rate > 0, rate < 1 else { return .infinity }
        var k = 40
        for candidate in 40...400 {
            let d = -down / (up / Double(candidate))
            if abs(d - d.rounded()) / d < 0.005 { k = candidate; break }
        }
        let unit = up / Double(k)
        let d = max(1, Int((-down / unit).rounded()))
        let states = max(1, Int((h / unit - 1e-9).rounded(.up)))
        guard states <= 200_000 else { return .infinity }
        var mass = [Double](repeating: 0, count: states)
        var next = mass
        mass[0] = 1
        var total = 0.0, survival = 1.0, previousRatio = 0.0
        for step in 0..<200_000 {
            total += survival
            for i in 0..<states { next[i] = 0 }
            for i in 0..<states where mass[i] != 0 {
                let m = mass[i]
                if i + k < states { next[i + k] += m * rate }
                next[max(0, i - d)] += m * (1 - rate)
            }
            swap(&mass, &next)
            let s = mass.reduce(0, +)
            if s < 1e-15 { return total + s }
            let ratio = s / survival
            survival = s
            if step > 4 * (states / d + k), abs(ratio - previousRatio) < 1e-12 {
                return total + survival / (1 - ratio)
            }
            previousRatio = ratio
        }
        return total
    }
}

/// Where a CUSUM scan over a run of sessions ended.
public struct CusumScan: Sendable, Equatable {
    /// The sum now (while alarmed: the recovery sum towards clearing).
    public var statistic: Double
    public var alarmed: Bool
    /// Sessions since the alarm began (0 when not alarmed).
    public var alarmAge: Int
    /// Alarms raised in the scan, and whether one was raised by the last session.
    public var alarms: Int
    public var alarmedNow: Bool

    /// Scans `matches` (oldest first) from a fresh start.
    public static func scan(_ parameters: CusumParameters, _ matches: some Sequence<Bool>) -> CusumScan {
        let up = parameters.up, down = parameters.down, h = parameters.h
        var sum = 0.0, recovery = 0.0
        var alarmed = false, age = 0, alarms = 0, now = false
        for hit in matches {
            let step = hit ? up : down
            now = false
            if alarmed {
                age += 1
                recovery = max(0, recovery - step)
                if recovery >= h {
                    alarmed = false
                    recovery = 0
                    sum = 0
                }
            } else {
                sum = max(0, sum + step)
                if sum >= h {
                    alarmed = true
                    alarms += 1
                    now = true
                    age = 0
                    sum = 0
                    recovery = 0
                }
            }
        }
        return CusumScan(statistic: alarmed ? recovery : sum, alarmed: alarmed, alarmAge: age, alarms: alarms, alarmedNow: now)
    }
}
