/// A validating, non-allocating scanner for one JSON Lines record.
///
/// It checks the whole line against the JSON grammar (so "not JSON" is caught
/// exactly where a full decoder would catch it) but only *captures* the values
/// whose key paths are in a `FieldPlan`, as byte ranges into the line. Nothing
/// is decoded until a later stage asks for it, so fields nobody needs cost a
/// pass over their bytes and no allocation.
///
/// Accepts what Python's `json.loads` accepts (the reference writer and reader
/// are Python): `NaN`, `Infinity`, `-Infinity`, duplicate keys (the last wins),
/// a leading UTF-8 byte-order mark, lone `\u` surrogates.
public struct JSONLineScanner: ~Copyable {
    public let plan: FieldPlan
    /// One captured value per plan slot; reset for every line.
    public private(set) var values: [RawValue]

    public init(plan: FieldPlan) {
        self.plan = plan
        self.values = Array(repeating: RawValue.absent, count: plan.slotCount)
    }

    /// Scans one line (without its newline). Returns nil when the line is a
    /// JSON object, or the reason it is not.
    public mutating func scan(_ line: UnsafeRawBufferPointer) -> ScanFailure? {
        for i in values.indices { values[i] = .absent }
        guard let base = line.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
            return ScanFailure(offset: 0, reason: .empty)
        }
        var cursor = Cursor(base: base, count: line.count)
        // A UTF-8 byte-order mark, as Python's decoder tolerates it.
        if cursor.count >= 3, base[0] == 0xEF, base[1] == 0xBB, base[2] == 0xBF { cursor.position = 3 }
        cursor.skipWhitespace()
        guard cursor.position < cursor.count else { return ScanFailure(offset: cursor.position, reason: .empty) }
        guard cursor.peek == UInt8(ascii: "{") else {
            return ScanFailure(offset: cursor.position, reason: .notAnObject)
        }
        let plan = self.plan
        return values.withUnsafeMutableBufferPointer { slots -> ScanFailure? in
            do throws(ScanFailure) {
                try plan.withLookup { (lookup) throws(ScanFailure) in
                    try Self.scanObject(&cursor, node: lookup.root, plan: lookup, slots: slots, depth: 0)
                }
            } catch {
                return error
            }
            cursor.skipWhitespace()
            return cursor.position == cursor.count ? nil : cursor.failure(.trailingCharacters)
        }
    }

    // MARK: grammar

    private static let maxDepth = 512

    private static func scanObject(
        _ c: inout Cursor, node: Int?, plan: FieldPlan.Lookup,
        slots: UnsafeMutableBufferPointer<RawValue>, depth: Int
    ) throws(ScanFailure) {
        guard depth < maxDepth else { throw ScanFailure(offset: c.position, reason: .tooDeep) }
        c.position += 1  // '{'
        c.skipWhitespace()
        if c.peek == UInt8(ascii: "}") { c.position += 1; return }
        while true {
            guard c.peek == UInt8(ascii: "\"") else { throw c.failure(.expectedKey) }
            let key = try scanString(&c)
            c.skipWhitespace()
            guard c.peek == UInt8(ascii: ":") else { throw c.failure(.expectedColon) }
            c.position += 1
            c.skipWhitespace()
            let member = node.flatMap { plan.member(of: $0, key: key, in: c.base, available: c.count) }
            try scanValue(&c, member: member, plan: plan, slots: slots, depth: depth + 1)
            c.skipWhitespace()
            switch c.peek {
            case UInt8(ascii: ","):
                c.position += 1
                c.skipWhitespace()
            case UInt8(ascii: "}"):
                c.position += 1
                return
            default:
                throw c.failure(.expectedCommaOrBrace)
            }
        }
    }

    private static func scanArray(
        _ c: inout Cursor, plan: FieldPlan.Lookup, slots: UnsafeMutableBufferPointer<RawValue>, depth: Int
    ) throws(ScanFailure) {
        guard depth < maxDepth else { throw ScanFailure(offset: c.position, reason: .tooDeep) }
        c.position += 1  // '['
        c.skipWhitespace()
        if c.peek == UInt8(ascii: "]") { c.position += 1; return }
        while true {
            try scanValue(&c, member: nil, plan: plan, slots: slots, depth: depth + 1)
            c.skipWhitespace()
            switch c.peek {
            case UInt8(ascii: ","):
                c.position += 1
                c.skipWhitespace()
            case UInt8(ascii: "]"):
                c.position += 1
                return
            default:
                throw c.failure(.expectedCommaOrBracket)
            }
        }
    }

    /// Scans any value; when `member` names a plan entry, captures it into its
    /// slot and descends into it with the member's children.
    private static func scanValue(
        _ c: inout Cursor, member: FieldPlan.Member?, plan: FieldPlan.Lookup,
        slots: UnsafeMutableBufferPointer<RawValue>, depth: Int
    ) throws(ScanFailure) {
        let start = c.position
        let kind: RawValue.Kind
        switch c.peek {
        case UInt8(ascii: "\""):
            let s = try scanString(&c)
            if let slot = member?.slot {
                slots[slot] = RawValue(kind: .string, start: s.start, end: s.end, escaped: s.escaped)
            }
            return
        case UInt8(ascii: "{"):
            try scanObject(&c, node: member?.children, plan: plan, slots: slots, depth: depth)
            kind = .object
        case UInt8(ascii: "["):
            try scanArray(&c, plan: plan, slots: slots, depth: depth)
            kind = .array
        case UInt8(ascii: "t"):
            try c.expectLiteral("true"); kind = .bool
        case UInt8(ascii: "f"):
            try c.expectLiteral("false"); kind = .bool
        case UInt8(ascii: "n"):
            try c.expectLiteral("null"); kind = .null
        case UInt8(ascii: "N"):
            try c.expectLiteral("NaN"); kind = .number
        case UInt8(ascii: "I"):
            try c.expectLiteral("Infinity"); kind = .number
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            try scanNumber(&c); kind = .number
        default:
            throw c.failure(.expectedValue)
        }
        if let slot = member?.slot {
            slots[slot] = RawValue(kind: kind, start: start, end: c.position, escaped: false)
        }
    }

    struct StringSpan { var start: Int; var end: Int; var escaped: Bool }

    /// Scans a string starting at its opening quote; returns the span of its
    /// contents (quotes excluded). Validates escapes, control characters and UTF-8.
    @inline(__always)
    private static func scanString(_ c: inout Cursor) throws(ScanFailure) -> StringSpan {
        c.position += 1
        let start = c.position
        var escaped = false
        let base = c.base
        var p = c.position
        let n = c.count
        while p < n {
            // Most bytes of a record are plain ASCII inside strings: skip them
            // eight at a time while no quote, backslash, control or non-ASCII
            // byte is among them.
            // The mask's lowest flagged byte is exact, so jump straight to it
            // (the closing quote, mostly) rather than step byte by byte.
            while p + 8 <= n {
                let special = specialStringBytes(UnsafeRawPointer(base + p).loadUnaligned(as: UInt64.self))
                if special != 0 {
                    p += special.trailingZeroBitCount >> 3
                    break
                }
                p += 8
            }
            guard p < n else { break }
            let b = base[p]
            if b == UInt8(ascii: "\"") {
                c.position = p + 1
                return StringSpan(start: start, end: p, escaped: escaped)
            }
            if b == UInt8(ascii: "\\") {
                escaped = true
                guard p + 1 < n else { break }
                switch base[p + 1] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                    UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    p += 2
                case UInt8(ascii: "u"):
                    guard p + 5 < n, (2...5).allSatisfy({ isHexDigit(base[p + $0]) }) else {
                        c.position = p
                        throw c.failure(.badEscape)
                    }
                    p += 6
                default:
                    c.position = p
                    throw c.failure(.badEscape)
                }
                continue
            }
            if b < 0x20 {
                c.position = p
                throw c.failure(.controlCharacter)
            }
            if b < 0x80 {
                p += 1
                continue
            }
            guard let width = utf8SequenceWidth(base, p, n) else {
                c.position = p
                throw c.failure(.invalidUTF8)
            }
            p += width
        }
        c.position = n
        throw c.failure(.unterminatedString)
    }

    private static func scanNumber(_ c: inout Cursor) throws(ScanFailure) {
        if c.peek == UInt8(ascii: "-") {
            c.position += 1
            if c.peek == UInt8(ascii: "I") { try c.expectLiteral("Infinity"); return }
        }
        guard let first = c.peekOptional, isDigit(first) else { throw c.failure(.badNumber) }
        c.position += 1
        if first != UInt8(ascii: "0") { c.skipDigits() }
        if c.peek == UInt8(ascii: ".") {
            c.position += 1
            guard let d = c.peekOptional, isDigit(d) else { throw c.failure(.badNumber) }
            c.skipDigits()
        }
        if c.peek == UInt8(ascii: "e") || c.peek == UInt8(ascii: "E") {
            c.position += 1
            if c.peek == UInt8(ascii: "+") || c.peek == UInt8(ascii: "-") { c.position += 1 }
            guard let d = c.peekOptional, isDigit(d) else { throw c.failure(.badNumber) }
            c.skipDigits()
        }
    }
}

/// Where and why a line is not a JSON object.
public struct ScanFailure: Error, Sendable, Equatable {
    public enum Reason: String, Sendable {
        case empty = "empty line"
        case notAnObject = "not a JSON object"
        case expectedKey = "expected a quoted key"
        case expectedColon = "expected ':' after a key"
        case expectedValue = "expected a value"
        case expectedCommaOrBrace = "expected ',' or '}'"
        case expectedCommaOrBracket = "expected ',' or ']'"
        case unterminatedString = "unterminated string"
        case badEscape = "invalid escape in a string"
        case controlCharacter = "control character in a string"
        case invalidUTF8 = "invalid UTF-8"
        case badNumber = "invalid number"
        case badLiteral = "invalid literal"
        case trailingCharacters = "characters after the JSON object"
        case tooDeep = "nested too deeply"
    }
    public var offset: Int
    public var reason: Reason

    public var message: String { "invalid JSON: \(reason.rawValue) at column \(offset + 1)" }
}

/// A captured value: its kind and its byte range in the scanned line. For a
/// string the range excludes the quotes.
public struct RawValue: Sendable, Equatable {
    public enum Kind: UInt8, Sendable {
        case absent, null, bool, number, string, array, object

        public var name: String {
            switch self {
            case .absent: "missing"
            case .null: "null"
            case .bool: "a boolean"
            case .number: "a number"
            case .string: "a string"
            case .array: "an array"
            case .object: "an object"
            }
        }
    }
    public var kind: Kind
    public var start: Int32
    public var end: Int32
    /// A string containing backslash escapes must be decoded before comparing.
    public var escaped: Bool

    public static let absent = RawValue(kind: .absent, start: 0, end: 0, escaped: false)

    init(kind: Kind, start: Int, end: Int, escaped: Bool) {
        self.kind = kind
        self.start = Int32(truncatingIfNeeded: start)
        self.end = Int32(truncatingIfNeeded: end)
        self.escaped = escaped
    }

}

struct Cursor {
    let base: UnsafePointer<UInt8>
    let count: Int
    var position = 0

    init(base: UnsafePointer<UInt8>, count: Int) {
        self.base = base
        self.count = count
    }

    /// The byte at the cursor, or 0 past the end (0 matches no grammar token).
    @inline(__always) var peek: UInt8 { position < count ? base[position] : 0 }
    @inline(__always) var peekOptional: UInt8? { position < count ? base[position] : nil }

    @inline(__always) mutating func skipWhitespace() {
        while position < count {
            let b = base[position]
            guard b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D else { return }
            position += 1
        }
    }

    @inline(__always) mutating func skipDigits() {
        while position < count, isDigit(base[position]) { position += 1 }
    }

    mutating func expectLiteral(_ literal: StaticString) throws(ScanFailure) {
        let n = literal.utf8CodeUnitCount
        guard position + n <= count else { throw failure(.badLiteral) }
        let lit = literal.utf8Start
        for i in 0..<n where base[position + i] != lit[i] { throw failure(.badLiteral) }
        position += n
    }

    func failure(_ reason: ScanFailure.Reason) -> ScanFailure {
        ScanFailure(offset: position, reason: reason)
    }
}

/// SWAR test: which bytes of `w` need the careful path inside a string (a
/// quote, a backslash, a control character below 0x20, or a non-ASCII byte)?
/// The high bit of each such byte is set; bytes above the lowest flagged one
/// may be flagged falsely (borrows), so only the lowest is exact.
@inline(__always) func specialStringBytes(_ w: UInt64) -> UInt64 {
    let ones: UInt64 = 0x0101_0101_0101_0101
    let highs: UInt64 = 0x8080_8080_8080_8080
    func hasZeroByte(_ x: UInt64) -> UInt64 { (x &- ones) & ~x & highs }
    let quote = hasZeroByte(w ^ (ones &* 0x22))
    let backslash = hasZeroByte(w ^ (ones &* 0x5C))
    let control = (w &- ones &* 0x20) & ~w & highs  // some byte < 0x20
    return quote | backslash | control | (w & highs)
}

@inline(__always) func isDigit(_ b: UInt8) -> Bool { b &- UInt8(ascii: "0") < 10 }

@inline(__always) func isHexDigit(_ b: UInt8) -> Bool {
    isDigit(b) || (b | 0x20) &- UInt8(ascii: "a") < 6
}

/// Width of the well-formed UTF-8 sequence at `p` (lead byte ≥ 0x80), or nil.
/// Surrogate code points are refused, as Python's strict UTF-8 decoder does.
@inline(__always)
func utf8SequenceWidth(_ s: UnsafePointer<UInt8>, _ p: Int, _ n: Int) -> Int? {
    let b0 = s[p]
    @inline(__always) func cont(_ i: Int) -> Bool { i < n && s[i] & 0xC0 == 0x80 }
    switch b0 {
    case 0xC2...0xDF:
        return cont(p + 1) ? 2 : nil
    case 0xE0:
        return p + 1 < n && (0xA0...0xBF).contains(s[p + 1]) && cont(p + 2) ? 3 : nil
    case 0xE1...0xEC, 0xEE...0xEF:
        return cont(p + 1) && cont(p + 2) ? 3 : nil
    case 0xED:
        return p + 1 < n && (0x80...0x9F).contains(s[p + 1]) && cont(p + 2) ? 3 : nil
    case 0xF0:
        return p + 1 < n && (0x90...0xBF).contains(s[p + 1]) && cont(p + 2) && cont(p + 3) ? 4 : nil
    case 0xF1...0xF3:
        return cont(p + 1) && cont(p + 2) && cont(p + 3) ? 4 : nil
    case 0xF4:
        return p + 1 < n && (0x80...0x8F).contains(s[p + 1]) && cont(p + 2) && cont(p + 3) ? 4 : nil
    default:
        return nil
    }
}
