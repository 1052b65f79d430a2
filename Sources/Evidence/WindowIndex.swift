import FailmixRecords

/// The sessions whose window [start − slack, end + slack] contains an
/// instant. Windows overlap freely, so a plain sorted list is not enough:
/// sessions are sorted by start, and a max-of-ends segment tree over them
/// prunes every subtree that ends too early, making a query cost
/// O(log n + hits) however many sessions there are.
struct WindowIndex {
    private let starts: [Double]
    private let sessionIndices: [Int32]
    /// Heap layout: node i has children 2i and 2i+1; leaves from `leafBase`.
    private let maxEnd: [Double]
    private let leafBase: Int

    /// Untimed sessions are left out: they never match by time.
    init(sessions: [SessionRecord], slack: Double) {
        var windows: [(start: Double, end: Double, session: Int32)] = []
        windows.reserveCapacity(sessions.count)
        for (i, session) in sessions.enumerated() {
            guard let start = session.start, let end = session.end else { continue }
            windows.append((start - slack, end + slack, Int32(i)))
        }
        windows.sort { $0.start < $1.start }
        starts = windows.map(\.start)
        sessionIndices = windows.map(\.session)
        var base = 1
        while base < windows.count { base *= 2 }
        leafBase = base
        var tree = [Double](repeating: -.infinity, count: 2 * base)
        for (i, window) in windows.enumerated() { tree[base + i] = window.end }
        for node in stride(from: base - 1, through: 1, by: -1) { tree[node] = max(tree[2 * node], tree[2 * node + 1]) }
        maxEnd = tree
    }

    /// Session indices (into the record set) whose window holds `instant`, ascending.
    func sessions(containing instant: Double) -> [Int32] {
        // Only the first `started` windows (in start order) have begun by `instant`.
        var low = 0, high = starts.count
        while low < high {
            let mid = (low + high) / 2
            if starts[mid] <= instant { low = mid + 1 } else { high = mid }
        }
        let started = low
        guard started > 0 else { return [] }
        var hits: [Int32] = []
        var stack: [(node: Int, first: Int, width: Int)] = [(1, 0, leafBase)]
        while let (node, first, width) = stack.popLast() {
            guard first < started, maxEnd[node] >= instant else { continue }
            if width == 1 {
                hits.append(sessionIndices[first])
            } else {
                let half = width / 2
                stack.append((2 * node, first, half))
                stack.append((2 * node + 1, first + half, half))
            }
        }
        return hits.sorted()
    }
}
