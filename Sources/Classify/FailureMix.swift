import FailmixRecords

/// The failure mix over the last N sessions.
public struct WindowSummary: Sendable, Equatable {
    /// The requested size; 0 means all sessions.
    public var last: Int
    public var total: Int
    public var failed: Int
    /// Sessions per mode, indexed like the catalog.
    public var counts: [Int]

    public init(last: Int, total: Int, failed: Int, counts: [Int]) {
        self.last = last
        self.total = total
        self.failed = failed
        self.counts = counts
    }

    public func rate(_ count: Int) -> Double { total == 0 ? 0 : Double(count) / Double(total) }
    public var failedRate: Double { rate(failed) }
    public var label: String { last == 0 ? "all sessions" : "last \(last) sessions" }
}

public enum TrendDirection: String, Sendable {
    case up, down, flat
}

/// How a mode's rate moved from the wider window to the most recent one.
public struct ModeTrend: Sendable, Equatable {
    public var mode: Int
    public var widerRate: Double
    public var recentRate: Double
    public var points: Double { (recentRate - widerRate) * 100 }
    public var direction: TrendDirection {
        points >= FailureMix.flatBand ? .up : points <= -FailureMix.flatBand ? .down : .flat
    }
}

/// The Classify stage's output: every window's counts, the trend between the
/// widest and the most recent window, and the dominant mode.
public struct FailureMix: Sendable {
    /// A move smaller than this many percentage points is "flat".
    public static let flatBand = 1.0

    public let catalog: ModeCatalog
    public let windows: [WindowSummary]
    public let trends: [ModeTrend]
    /// The most recent window (the smallest; on a tie, a sized one before
    /// "all") and the widest: what trends compare and the dominant mode reads.
    public let recent: WindowSummary?
    public let wider: WindowSummary?
    /// The most frequent mode in the most recent window (nil: no failures).
    public let dominant: Int?

    /// `sessions` ordered oldest first; `sizes` as requested (0 = all). An
    /// array, not any collection: a generic one is not specialized across
    /// modules and costs 100 ns a session.
    public init(catalog: ModeCatalog, sessions: [ModeSet], sizes: [Int]) {
        self.init(catalog: catalog, windows: sizes.map { size in
            let slice = size == 0 ? sessions[...] : sessions.suffix(size)[...]
            var counts = Array(repeating: 0, count: catalog.modes.count)
            var failed = 0
            for modes in slice {
                if !modes.isEmpty { failed += 1 }
                for m in modes { counts[m] += 1 }
            }
            return WindowSummary(last: size, total: slice.count, failed: failed, counts: counts)
        })
    }

    /// The mix of windows already counted (a fleet's, added up).
    public init(catalog: ModeCatalog, windows: [WindowSummary]) {
        self.catalog = catalog
        self.windows = windows
        recent = windows.min { a, b in a.total < b.total || (a.total == b.total && a.last != 0 && b.last == 0) }
        wider = windows.max { a, b in a.total < b.total }
        if let recent, let wider, windows.count > 1 {
            trends = catalog.modes.indices.map {
                ModeTrend(mode: $0, widerRate: wider.rate(wider.counts[$0]), recentRate: recent.rate(recent.counts[$0]))
            }
        } else {
            trends = []
        }
        if let recent, let top = recent.counts.indices.max(by: { recent.counts[$0] < recent.counts[$1] }),  // ties: first in report order
            recent.counts[top] > 0
        {
            dominant = top
        } else {
            dominant = nil
        }
    }
}
