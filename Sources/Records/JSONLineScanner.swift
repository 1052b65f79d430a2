import FoundationEssentials

// The audited scanner core: with RawBytes.swift, the only Records code that
// walks memory through pointers (the line takes `Span<UInt8>` and is read by
// pointer inside `scan`, for speed).
// - Bounds: every read of `s[p]` is preceded by a check `p < n` (or
//   `p + k <= n` for a k-byte load), `n` being the line's length; captured
//   ranges satisfy `0 <= start <= end <= n`, which LineFields relies on.
// - Lifetime: the line's pointer is valid only inside `scan` (the span's
//   memory, the reader's block, is borrowed for the call); the scanner keeps
//   offsets, never pointers, so `values` stays valid after it returns.

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
    /// The keys of the last object seen at each plan node, in order: the
    /// next record from the same writer almost always repeats them.
    private let keyOrder: KeyOrder

    public init(plan: FieldPlan) {
        self.plan = plan
        self.values = Array(repeating: RawValue.absent, count: plan.slotCount)
        self.keyOrder = KeyOrder(nodes: plan.nodeCount)
    }

    /// Scans one line (without its newline). Returns nil when the line is a
    /// JSON object, or the reason it is not.
    public mutating func scan(_ line: Span<UInt8>) -> ScanFailure? {
        line.withUnsafeBytes { scan($0) }
    }

    private mutating func scan(_ line: UnsafeRawBufferPointer) -> ScanFailure? {
        for i in values.indices { values[i] = .absent }
        guard let base = line.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
            return ScanFailure(offset: 0, reason: .empty)
        }
        let n = line.count
        var p = 0
        // A UTF-8 byte-order mark, as Python's decoder tolerates it.
        if n >= 3, base[0] == 0xEF, base[1] == 0xBB, base[2] == 0xBF { p = 3 }
        p = skipWhitespace(base, n, p)
        guard p < n else { return ScanFailure(offset: p, reason: .empty) }
        guard base[p] == UInt8(ascii: "{") else { return ScanFailure(offset: p, reason: .notAnObject) }
        let plan = self.plan
        let order = keyOrder
        return values.withUnsafeMutableBufferPointer { slots -> ScanFailure? in
            do throws(ScanFailure) {
                p = try plan.withLookup { (lookup) throws(ScanFailure) -> Int in
                    let grammar = Grammar(s: base, n: n, plan: lookup, slots: slots, order: order)
                    return try grammar.object(at: p, node: Int32(lookup.root), depth: 0)
                }
            } catch {
                return error
            }
            p = skipWhitespace(base, n, p)
            return p == n ? nil : ScanFailure(offset: p, reason: .trailingCharacters)
        }
    }

    // MARK: grammar

    static let maxDepth = 512

    /// One line's scan: the bytes `s[0..<n]`, the plan and the slots to fill.
    /// Every function takes the position it starts at and returns the one
    /// after what it consumed, so positions stay in registers; a failure
    /// carries the offset where Python's decoder would stop.
    private struct Grammar {
        let s: UnsafePointer<UInt8>
        let n: Int
        let plan: FieldPlan.Lookup
        let slots: UnsafeMutableBufferPointer<RawValue>
        let order: KeyOrder

        /// An object at `start` (its `{`); `node` is its plan node, or -1.
        func object(at start: Int, node: Int32, depth: Int) throws(ScanFailure) -> Int {
            guard depth < maxDepth else { throw ScanFailure(offset: start, reason: .tooDeep) }
            var p = skipWhitespace(s, n, start + 1)
            if p < n, s[p] == UInt8(ascii: "}") { return p + 1 }
            var index = 0
            while true {
                guard p < n, s[p] == UInt8(ascii: "\"") else { throw ScanFailure(offset: p, reason: .expectedKey) }
                p += 1
                var member = PlanMember.none
                if node >= 0, let next = order.match(node: node, index: index, s, n, p, member: &member) {
                    // The key, its colon and the whitespace around it, as last time
                    // (this line may have more whitespace before its value).
                    p = skipWhitespace(s, n, next)
                } else {
                    let keyStart = p
                    let key = try string(from: p)
                    p = skipWhitespace(s, n, key.end + 1)
                    guard p < n, s[p] == UInt8(ascii: ":") else { throw ScanFailure(offset: p, reason: .expectedColon) }
                    p = skipWhitespace(s, n, p + 1)
                    if node >= 0 {
                        member = plan.member(of: Int(node), start: keyStart, end: key.end, escaped: key.escaped, in: s, available: n)
                        if !key.escaped { order.learn(node: node, index: index, s + keyStart, p - keyStart, member: member) }
                    }
                }
                index += 1
                p = try value(at: p, member: member, depth: depth + 1)
                let next = try afterItem(p, closer: UInt8(ascii: "}"), else: .expectedCommaOrBrace)
                if next.closed { return next.position }
                p = next.position
            }
        }

        func array(at start: Int, depth: Int) throws(ScanFailure) -> Int {
            guard depth < maxDepth else { throw ScanFailure(offset: start, reason: .tooDeep) }
            var p = skipWhitespace(s, n, start + 1)
            if p < n, s[p] == UInt8(ascii: "]") { return p + 1 }
            while true {
                p = try value(at: p, member: .none, depth: depth + 1)
                let next = try afterItem(p, closer: UInt8(ascii: "]"), else: .expectedCommaOrBracket)
                if next.closed { return next.position }
                p = next.position
            }
        }

        /// After a member or element at `p`: a comma and the whitespace after
        /// it (the next item's position), or the container's `closer` (closed:
        /// the position after it).
        @inline(__always)
        func afterItem(_ start: Int, closer: UInt8, else reason: ScanFailure.Reason) throws(ScanFailure) -> (position: Int, closed: Bool) {
            let p = skipWhitespace(s, n, start)
            guard p < n else { throw ScanFailure(offset: p, reason: reason) }
            if s[p] == UInt8(ascii: ",") { return (skipWhitespace(s, n, p + 1), false) }
            if s[p] == closer { return (p + 1, true) }
            throw ScanFailure(offset: p, reason: reason)
        }

        /// Any value; when `member` names a slot, captures it there, and an
        /// object is scanned with the member's children.
        @inline(__always)
        func value(at start: Int, member: PlanMember, depth: Int) throws(ScanFailure) -> Int {
            guard start < n else { throw ScanFailure(offset: start, reason: .expectedValue) }
            let end: Int
            let kind: RawValue.Kind
            switch s[start] {
            case UInt8(ascii: "\""):
                let body = try string(from: start + 1)
                if member.slot >= 0 {
                    slots[Int(member.slot)] = RawValue(kind: .string, start: start + 1, end: body.end, escaped: body.escaped)
                }
                return body.end + 1
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                end = try number(at: start); kind = .number
            case UInt8(ascii: "n"):
                end = try word(at: start, 0x6C6C_756E, "null"); kind = .null
            case UInt8(ascii: "t"):
                end = try word(at: start, 0x6575_7274, "true"); kind = .bool
            case UInt8(ascii: "f"):
                end = try literal(at: start, "false"); kind = .bool
            case UInt8(ascii: "{"):
                end = try object(at: start, node: member.children, depth: depth); kind = .object
            case UInt8(ascii: "["):
                end = try array(at: start, depth: depth); kind = .array
            case UInt8(ascii: "N"):
                end = try literal(at: start, "NaN"); kind = .number
            case UInt8(ascii: "I"):
                end = try literal(at: start, "Infinity"); kind = .number
            default:
                throw ScanFailure(offset: start, reason: .expectedValue)
            }
            if member.slot >= 0 {
                slots[Int(member.slot)] = RawValue(kind: kind, start: start, end: end, escaped: false)
            }
            return end
        }

        /// A four-letter literal compared as one 32-bit word (`word` is its
        /// bytes loaded little-endian).
        @inline(__always)
        func word(at p: Int, _ word: UInt32, _ literal: StaticString) throws(ScanFailure) -> Int {
            if p + 4 <= n, loadWord32(s + p) == word { return p + 4 }
            return try self.literal(at: p, literal)
        }

        func literal(at p: Int, _ literal: StaticString) throws(ScanFailure) -> Int {
            let count = literal.utf8CodeUnitCount
            guard p + count <= n, bytesEqual(s + p, literal.utf8Start, count) else {
                throw ScanFailure(offset: p, reason: .badLiteral)
            }
            return p + count
        }

        /// The contents of a string starting at `start` (after its opening
        /// quote): `end` is its closing quote. Validates escapes, control
        /// characters and UTF-8.
        @inline(__always)
        func string(from start: Int) throws(ScanFailure) -> (end: Int, escaped: Bool) {
            var escaped = false
            var p = start
            while p < n {
                // Most bytes of a record are plain ASCII inside strings: skip them
                // eight at a time while no quote, backslash, control or non-ASCII
                // byte is among them. The mask's lowest flagged byte is exact, so
                // jump straight to it (the closing quote, mostly).
                while p + 8 <= n {
                    let special = specialStringBytes(loadWord(s + p))
                    if special != 0 {
                        p += special.trailingZeroBitCount >> 3
                        break
                    }
                    p += 8
                }
                guard p < n else { break }
                let b = s[p]
                if b == UInt8(ascii: "\"") { return (p, escaped) }
                if b == UInt8(ascii: "\\") {
                    escaped = true
                    guard p + 1 < n else { break }
                    switch s[p + 1] {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                        UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                        p += 2
                    case UInt8(ascii: "u"):
                        guard p + 5 < n, isHexDigit(s[p + 2]), isHexDigit(s[p + 3]), isHexDigit(s[p + 4]), isHexDigit(s[p + 5]) else {
                            throw ScanFailure(offset: p, reason: .badEscape)
                        }
                        p += 6
                    default:
                        throw ScanFailure(offset: p, reason: .badEscape)
                    }
                    continue
                }
                if b < 0x20 { throw ScanFailure(offset: p, reason: .controlCharacter) }
                if b < 0x80 {
                    p += 1
                    continue
                }
                guard let width = utf8SequenceWidth(s, p, n) else { throw ScanFailure(offset: p, reason: .invalidUTF8) }
                p += width
            }
            throw ScanFailure(offset: n, reason: .unterminatedString)
        }

        func number(at start: Int) throws(ScanFailure) -> Int {
            var p = start
            if s[p] == UInt8(ascii: "-") {
                p += 1
                if p < n, s[p] == UInt8(ascii: "I") { return try literal(at: p, "Infinity") }
            }
            guard p < n, isDigit(s[p]) else { throw ScanFailure(offset: p, reason: .badNumber) }
            let first = s[p]
            p += 1
            if first != UInt8(ascii: "0") { while p < n, isDigit(s[p]) { p += 1 } }
            if p < n, s[p] == UInt8(ascii: ".") {
                p += 1
                guard p < n, isDigit(s[p]) else { throw ScanFailure(offset: p, reason: .badNumber) }
                while p < n, isDigit(s[p]) { p += 1 }
            }
            if p < n, s[p] | 0x20 == UInt8(ascii: "e") {
                p += 1
                if p < n, s[p] == UInt8(ascii: "+") || s[p] == UInt8(ascii: "-") { p += 1 }
                guard p < n, isDigit(s[p]) else { throw ScanFailure(offset: p, reason: .badNumber) }
                while p < n, isDigit(s[p]) { p += 1 }
            }
            return p
        }
    }
}

/// JSON whitespace from `p` on; returns the first other position (or `n`).
@inline(__always)
func skipWhitespace(_ s: UnsafePointer<UInt8>, _ n: Int, _ start: Int) -> Int {
    var p = start
    while p < n {
        let b = s[p]
        if b > 0x20 { return p }
        guard b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D else { return p }
        p += 1
    }
    return p
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
