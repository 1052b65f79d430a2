/// ISO 8601 timestamps as session stores write them, parsed straight from
/// bytes to seconds since the epoch (UTC).
///
/// Accepted: `YYYY-MM-DD`, then `T` or a space and `HH[:MM[:SS[.f…]]]` (basic
/// `HHMMSS` too), 0–9 fractional digits (`.` or `,`; truncated to microseconds
/// as Python does, so ordering matches the reference), then `Z`, `±HH`,
/// `±HHMM`, `±HH:MM[:SS]` or nothing (naive = UTC). An hour of 24 means the end
/// of that day and is normalised to 23:59:59.
public enum Timestamp {
    public static func parse(_ text: String) -> Double? {
        parse(text.utf8.span)
    }

    public static func parse(_ bytes: Span<UInt8>) -> Double? {
        var c = DigitCursor()
        guard let year = c.digits(4, in: bytes) else { return nil }
        let extended = c.take(UInt8(ascii: "-"), in: bytes)
        guard let month = c.digits(2, in: bytes) else { return nil }
        if extended, !c.take(UInt8(ascii: "-"), in: bytes) { return nil }
        guard let day = c.digits(2, in: bytes) else { return nil }
        guard (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day) else { return nil }
        var hour = 0, minute = 0, second = 0, micros = 0, offset = 0
        if !c.atEnd(of: bytes) {
            guard c.take(UInt8(ascii: "T"), in: bytes) || c.take(UInt8(ascii: " "), in: bytes) else { return nil }
            guard let h = c.digits(2, in: bytes) else { return nil }
            hour = h
            // Extended (HH:MM:SS) or basic (HHMMSS) form; minutes and seconds optional.
            let timeExtended = c.take(UInt8(ascii: ":"), in: bytes)
            if let m = c.digits(2, in: bytes) {
                minute = m
                let secondsFollow = timeExtended ? c.take(UInt8(ascii: ":"), in: bytes) : c.peekIsDigit(in: bytes)
                if secondsFollow {
                    guard let sec = c.digits(2, in: bytes) else { return nil }
                    second = sec
                    if c.take(UInt8(ascii: "."), in: bytes) || c.take(UInt8(ascii: ","), in: bytes) {
                        var count = 0
                        while let d = c.digit(in: bytes) {
                            if count < 6 { micros = micros * 10 + d }
                            count += 1
                        }
                        guard count <= 9 else { return nil }
                        for _ in min(count, 6)..<6 { micros *= 10 }
                    }
                }
            } else if timeExtended {
                return nil
            }
            if c.take(UInt8(ascii: "Z"), in: bytes) {
                // UTC
            } else if let sign = c.takeSign(in: bytes) {
                guard let oh = c.digits(2, in: bytes), oh < 24 else { return nil }
                var om = 0, os = 0
                let colon = c.take(UInt8(ascii: ":"), in: bytes)
                if let m = c.digits(2, in: bytes) {
                    om = m
                    if colon, c.take(UInt8(ascii: ":"), in: bytes) {
                        guard let sec = c.digits(2, in: bytes) else { return nil }
                        os = sec
                    }
                } else if colon {
                    return nil
                }
                guard om < 60, os < 60 else { return nil }
                offset = sign * (oh * 3600 + om * 60 + os)
            }
            guard c.atEnd(of: bytes) else { return nil }
            if hour == 24 {
                guard minute == 0, second == 0, micros == 0 else { return nil }
                hour = 23; minute = 59; second = 59
            }
            guard hour < 24, minute < 60, second < 60 else { return nil }
        }
        let days = daysFromCivil(year: year, month: month, day: day)
        let whole = days * 86_400 + hour * 3600 + minute * 60 + second - offset
        return Double(whole) + Double(micros) / 1_000_000
    }

    /// Reads digits and separators of `bytes` left to right (a struct, so
    /// the hot path has no closures capturing mutable state).
    private struct DigitCursor {
        var i = 0

        func atEnd(of bytes: Span<UInt8>) -> Bool { i >= bytes.count }

        @inline(__always)
        func peekIsDigit(in bytes: Span<UInt8>) -> Bool { i < bytes.count && bytes[i] &- UInt8(ascii: "0") < 10 }

        @inline(__always)
        mutating func digit(in bytes: Span<UInt8>) -> Int? {
            guard peekIsDigit(in: bytes) else { return nil }
            i += 1
            return Int(bytes[i - 1] &- UInt8(ascii: "0"))
        }

        @inline(__always)
        mutating func digits(_ n: Int, in bytes: Span<UInt8>) -> Int? {
            guard i + n <= bytes.count else { return nil }
            var v = 0
            for k in 0..<n {
                let d = bytes[i + k] &- UInt8(ascii: "0")
                guard d < 10 else { return nil }
                v = v * 10 + Int(d)
            }
            i += n
            return v
        }

        @inline(__always)
        mutating func take(_ b: UInt8, in bytes: Span<UInt8>) -> Bool {
            guard i < bytes.count, bytes[i] == b else { return false }
            i += 1
            return true
        }

        @inline(__always)
        mutating func takeSign(in bytes: Span<UInt8>) -> Int? {
            if take(UInt8(ascii: "+"), in: bytes) { return 1 }
            if take(UInt8(ascii: "-"), in: bytes) { return -1 }
            return nil
        }
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// Formats seconds since the epoch as `YYYY-MM-DDTHH:MM:SSZ` (whole seconds).
    public static func format(_ t: Double) -> String {
        var bytes = InlineArray<20, UInt8>(repeating: 0)
        var out = bytes.mutableSpan
        format(t, into: &out)
        // Digits and ASCII separators only: always valid UTF-8.
        guard let utf8 = try? UTF8Span(validating: bytes.span) else { return "" }
        return String(copying: utf8)
    }

    /// The length of a formatted time.
    public static let formattedLength = 20

    /// Writes `format(t)` as `formattedLength` UTF-8 bytes at the start of
    /// `buf` (the JSON report writes 200k of them). Returns the length written.
    @discardableResult
    public static func format(_ t: Double, into buf: inout MutableSpan<UInt8>) -> Int {
        // Every write below is at an index under `formattedLength` (checked
        // once here, so the optimiser drops the per-write checks).
        precondition(buf.count >= formattedLength, "timestamp buffer too short")
        // Any Double formats (years 1–9999, clamped; NaN as the earliest):
        // the conversion to Int below must never see a value it traps on.
        let whole = Int(t.isNaN ? SessionTime.earliest : SessionTime.clamped(t).rounded(.down))
        var days = whole / 86_400
        var rem = whole % 86_400
        if rem < 0 { rem += 86_400; days -= 1 }
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        func put(_ v: Int, _ at: Int, _ width: Int) {
            var v = v
            for i in stride(from: at + width - 1, through: at, by: -1) {
                buf[i] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: v % 10)
                v /= 10
            }
        }
        put(y, 0, 4); buf[4] = UInt8(ascii: "-"); put(m, 5, 2); buf[7] = UInt8(ascii: "-"); put(d, 8, 2)
        buf[10] = UInt8(ascii: "T"); put(rem / 3600, 11, 2); buf[13] = UInt8(ascii: ":")
        put(rem / 60 % 60, 14, 2); buf[16] = UInt8(ascii: ":"); put(rem % 60, 17, 2); buf[19] = UInt8(ascii: "Z")
        return formattedLength
    }
}
