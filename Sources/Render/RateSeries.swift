import FailmixClassify
import FailmixRecords

/// Each mode's rolling rate over time: at a session, the share of the last
/// `window` sessions (fewer at the start) that have the mode — the number the
/// report's window would show had it been run right after that session.
/// Sampled at no more than `maxPoints` sessions (always the first and the
/// newest), so a chart of a million sessions stays small.
public struct RateSeries: Sendable {
    public struct Line: Sendable {
        /// A catalog index; nil for "any mode" (the failed rate).
        public var mode: Int?
        public var window: Int
        public var basis: String
        /// Aligned with `RateSeries.indices`.
        public var rates: [Double]
    }

    /// Sessions the series spans.
    public var sessionCount: Int
    /// The sampled sessions (0-based, oldest first), shared by every line.
    public var indices: [Int]
    /// The window end of each sampled session (nil: untimed).
    public var ends: [Double?]
    public var lines: [Line]

    public static let defaultWindows = [100, 30]
    public static let defaultMaxPoints = 400

    /// The series of a report's sessions, for its sized windows (100 and 30
    /// when it has none), as recorded and — with git — as corroborated.
    public init(_ report: Report, maxPoints: Int = RateSeries.defaultMaxPoints) {
        let sized = report.mix.windows.map(\.last).filter { $0 > 0 }
        let windows = sized.isEmpty ? Self.defaultWindows : Array(Set(sized)).sorted(by: >)
        let sessions = report.records.sessions
        let n = sessions.count
        sessionCount = n
        indices = Self.sample(n, maxPoints: maxPoints)
        ends = indices.map { sessions[$0].end }
        let modeCount = report.catalog.modes.count
        var lines: [Line] = []
        var bases: [(String, [UInt64])] = [("recorded", sessions.map(\.modeBits))]
        if let c = report.corroboration, c.sessions.count == n {
            bases.append(("corroborated", c.sessions.map(\.corroboratedModeBits)))
        }
        for (basis, bits) in bases {
            for window in windows {
                lines += Self.rolling(bits, window: window, modeCount: modeCount, at: indices).map {
                    Line(mode: $0.mode, window: window, basis: basis, rates: $0.rates)
                }
            }
        }
        self.lines = lines
    }

    /// Evenly spaced indices of `0..<n`, the first and the last included.
    static func sample(_ n: Int, maxPoints: Int) -> [Int] {
        guard n > maxPoints, maxPoints >= 2 else { return Array(0..<n) }
        return (0..<maxPoints).map { k in Int((Double(k) * Double(n - 1) / Double(maxPoints - 1)).rounded()) }
    }

    /// One pass with a sliding count per mode; rates read at `indices`
    /// (ascending). The failed rate comes first (mode nil).
    static func rolling(_ bits: [UInt64], window: Int, modeCount: Int, at indices: [Int]) -> [(mode: Int?, rates: [Double])] {
        var counts = [Int](repeating: 0, count: modeCount)
        var failed = 0
        var out = [[Double]](repeating: [], count: modeCount + 1)
        for k in out.indices { out[k].reserveCapacity(indices.count) }
        var next = 0
        for i in bits.indices {
            let add = bits[i]
            if add != 0 { failed += 1 }
            for m in ModeSet(bits: add) where m < modeCount { counts[m] += 1 }
            if i >= window {
                let drop = bits[i - window]
                if drop != 0 { failed -= 1 }
                for m in ModeSet(bits: drop) where m < modeCount { counts[m] -= 1 }
            }
            while next < indices.count, indices[next] == i {
                let total = Double(min(window, i + 1))
                out[0].append(Double(failed) / total)
                for m in 0..<modeCount { out[m + 1].append(Double(counts[m]) / total) }
                next += 1
            }
        }
        return out.enumerated().map { ($0.offset == 0 ? nil : $0.offset - 1, $0.element) }
    }

    public func line(mode: Int?, window: Int, basis: String) -> Line? {
        lines.first { $0.mode == mode && $0.window == window && $0.basis == basis }
    }

    public var windows: [Int] { Array(Set(lines.map(\.window))).sorted(by: >) }
    public var bases: [String] { lines.contains { $0.basis == "corroborated" } ? ["recorded", "corroborated"] : ["recorded"] }
}
