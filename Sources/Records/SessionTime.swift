/// The times failmix computes with: years 1 through 9999, the range the
/// reference classifier's Python `datetime` accepts. A time outside it —
/// parsed, or made by adding a duration or a slack — leaves the session
/// untimed (with a reason) instead of reaching an integer conversion that
/// traps. Every value that turns into a time passes through here.
public enum SessionTime {
    /// 0001-01-01T00:00:00Z in seconds since the epoch.
    public static let earliest: Double = -62_135_596_800
    /// The first second after 9999-12-31T23:59:59Z.
    public static let end: Double = 253_402_300_800

    /// A usable time: finite and inside the range.
    @inline(__always)
    public static func inRange(_ t: Double) -> Bool { t >= earliest && t < end }

    /// In range, or NaN (the untimed marker).
    @inline(__always)
    public static func isValid(_ t: Double) -> Bool { t.isNaN || inRange(t) }

    /// The longest span between two usable times: any larger duration or
    /// slack can be clamped to it without changing a result.
    public static let longestSpan: Double = end - earliest

    /// `t` clamped into the range (NaN stays NaN).
    @inline(__always)
    public static func clamped(_ t: Double) -> Double { t.isNaN ? t : min(max(t, earliest), end - 1) }
}
