import FailmixRecords

/// Whether session times can place commits: records whose timestamps look
/// like a bulk import (every session ending within minutes, yet lasting far
/// longer) carry no usable clock, and windows built from them mean nothing.
public enum ClockCheck {
    /// The note explaining why, when the times look like a bulk import.
    public static func bulkImport(_ sessions: [SessionRecord]) -> String? {
        // Span of end times and the median duration of an even sample: no
        // per-session arrays, whatever the store's size.
        let timed = sessions.lazy.filter { $0.end != nil }
        let count = timed.count
        guard count >= 20, let lo = timed.first?.end, let hi = sessions.last?.end else { return nil }
        let span = hi - lo
        let step = max(1, sessions.count / 1001)
        let durations = stride(from: 0, to: sessions.count, by: step).compactMap { i -> Double? in
            guard let s = sessions[i].start, let e = sessions[i].end else { return nil }
            return e - s
        }.sorted()
        return bulkImport(timed: count, span: span, medianDuration: durations.isEmpty ? 0 : durations[durations.count / 2])
    }

    /// `timed` sessions whose ends lie within `span` seconds, lasting
    /// `medianDuration` (median): a bulk import when the ends crowd together
    /// far more than sessions that long could.
    public static func bulkImport(timed count: Int, span: Double, medianDuration median: Double) -> String? {
        guard count >= 20, span < 600, median * Double(count) > 10 * max(span, 1) else { return nil }
        return "all \(count) timed sessions end within \(Int(span.rounded())) seconds of each other, yet they last \(Int(median.rounded())) s (median): the timestamps look like a bulk import, so the time order and session windows are not meaningful"
    }
}
