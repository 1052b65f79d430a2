import FailmixSupport
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Typed, lazy access to a line's captured fields (`LineFields`, whose
/// storage and lifetime RawBytes.swift states): bytes are read as spans.
extension LineFields {
    @inline(__always) public func kind(_ slot: Int) -> RawValue.Kind { value(slot).kind }

    public func string(_ slot: Int) -> String? {
        let v = value(slot)
        guard v.kind == .string else { return nil }
        return withBytes(slot) { v.escaped ? decodeJSONString($0) : $0.utf8String(0..<$0.count) }
    }

    @inline(__always) public func number(_ slot: Int) -> Double? {
        guard kind(slot) == .number else { return nil }
        return withBytes(slot) { parseJSONNumber($0) }
    }

    public func bool(_ slot: Int) -> Bool? {
        guard kind(slot) == .bool else { return nil }
        return withBytes(slot) { $0.count > 0 && $0[0] == UInt8(ascii: "t") }
    }

    /// True when the slot is a string equal to `target`; `caseInsensitive`
    /// folds like Python's `str.lower()` (the reference rules do).
    public func stringEquals(_ slot: Int, _ target: Span<UInt8>, caseInsensitive: Bool) -> Bool {
        let v = value(slot)
        guard v.kind == .string else { return false }
        return withBytes(slot) { bytes in
            if !v.escaped, !caseInsensitive { return bytesEqual(bytes, target) }
            if !v.escaped, bytes.isASCII {
                guard bytes.count == target.count else { return false }
                for i in 0..<bytes.count where asciiLower(bytes[i]) != target[i] { return false }
                return true
            }
            // Escapes or non-ASCII: decode and fold with Unicode rules.
            let s = v.escaped ? decodeJSONString(bytes) : bytes.utf8String(0..<bytes.count)
            let folded = caseInsensitive ? s.lowercased() : s
            return target.elementsEqual(folded.utf8)
        }
    }

    /// True when the slot is a string containing `needle`.
    public func stringContains(_ slot: Int, _ needle: Span<UInt8>) -> Bool {
        let v = value(slot)
        guard v.kind == .string else { return false }
        return withBytes(slot) { v.escaped ? decodeJSONString($0).utf8.span.contains(needle) : $0.contains(needle) }
    }

    /// True when the slot is an array with a string element equal to `member`.
    public func arrayContainsString(_ slot: Int, _ member: Span<UInt8>) -> Bool {
        var found = false
        forEachString(inArray: slot) { element in
            if !found { found = member.elementsEqual(element.utf8) }
        }
        return found
    }

    /// Calls `body` with each string element of an array slot (raw, maybe escaped).
    public func forEachString(inArray slot: Int, _ body: (String) -> Void) {
        guard kind(slot) == .array else { return }
        withBytes(slot) { bytes in
            var i = 1  // past '['
            let n = bytes.count
            var depth = 0
            while i < n {
                let b = bytes[i]
                if b == UInt8(ascii: "\"") {
                    let start = i + 1
                    var j = start
                    var escaped = false
                    while j < n, bytes[j] != UInt8(ascii: "\"") {
                        if bytes[j] == UInt8(ascii: "\\") { escaped = true; j += 1 }
                        j += 1
                    }
                    if depth == 0 {
                        let contents = bytes.extracting(start..<j)
                        body(escaped ? decodeJSONString(contents) : contents.utf8String(0..<contents.count))
                    }
                    i = j + 1
                    continue
                }
                if b == UInt8(ascii: "[") || b == UInt8(ascii: "{") { depth += 1 }
                if b == UInt8(ascii: "]") || b == UInt8(ascii: "}") { depth -= 1 }
                i += 1
            }
        }
    }
}

extension Span where Element == UInt8 {
    /// Whether every byte is below 0x80.
    @inline(__always) var isASCII: Bool {
        for i in indices where self[i] >= 0x80 { return false }
        return true
    }
}

@inline(__always) func asciiLower(_ b: UInt8) -> UInt8 {
    b &- UInt8(ascii: "A") < 26 ? b | 0x20 : b
}

/// 10^0 … 10^15, all exact in a Double.
private let exactPowersOfTen: [Double] = (0...15).map { k in (0..<k).reduce(1.0) { value, _ in value * 10 } }

/// Parses a JSON number (or Python's NaN/Infinity) without allocating.
public func parseJSONNumber(_ raw: Span<UInt8>) -> Double? {
    let n = raw.count
    guard n > 0, n < 64 else { return n == 0 ? nil : Double(raw.utf8String(0..<n)) }
    // Fast path: a plain integer, the common case (durations, counts).
    var value: Int64 = 0
    var i = 0
    var negative = false
    if raw[0] == UInt8(ascii: "-") { negative = true; i = 1 }
    var plainInteger = i < n && n - i <= 15
    if plainInteger {
        for j in i..<n {
            let d = raw[j] &- UInt8(ascii: "0")
            guard d < 10 else { plainInteger = false; break }
            value = value * 10 + Int64(d)
        }
    }
    if plainInteger { return Double(negative ? -value : value) }
    // A short decimal (grades, costs: "0.39"): digits and one point, at most
    // 15 significant digits, so mantissa and power of ten are both exact
    // doubles and one division rounds correctly (Clinger's fast path).
    if n - i <= 16 {
        var mantissa: Int64 = 0
        var fractionDigits = -1
        var simple = true
        for j in i..<n {
            let b = raw[j]
            if b == UInt8(ascii: "."), fractionDigits < 0, j > i, j < n - 1 {
                fractionDigits = 0
                continue
            }
            let d = b &- UInt8(ascii: "0")
            guard d < 10 else { simple = false; break }
            mantissa = mantissa * 10 + Int64(d)
            if fractionDigits >= 0 { fractionDigits += 1 }
        }
        if simple, fractionDigits > 0 {
            let value = Double(mantissa) / exactPowersOfTen[fractionDigits]
            return negative ? -value : value
        }
    }
    return parseWholeDouble(raw)
}
