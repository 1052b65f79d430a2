import FailmixSupport
import FoundationEssentials

/// A dotted path into a record, e.g. `grades.productivity`.
public struct FieldPath: Hashable, Sendable, CustomStringConvertible {
    public let components: [String]

    public init(_ dotted: String) {
        components = dotted.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    }

    public var description: String { components.joined(separator: ".") }
}

/// The key paths a run needs from each record, as a trie the scanner walks.
/// Each path gets a slot; the scanner fills `values[slot]` for it.
public struct FieldPlan: Sendable {
    public struct Member: Sendable {
        public var slot: Int?
        public var children: Int?
    }

    struct Node: Sendable {
        var keys: [[UInt8]] = []
        var members: [Member] = []
    }

    private(set) var nodes: [Node] = [Node()]
    public private(set) var paths: [FieldPath] = []
    /// The trie flattened for the scanner's inner loop: plain values only, so
    /// a key lookup costs no reference counting (`withLookup`, in RawBytes.swift).
    private(set) var entries: [FlatEntry] = []
    private(set) var keyPool: [UInt8] = []
    /// Per node, an open-addressing table of entry indices (-1: empty) at
    /// under 25% load, so a key that is not in the plan — most of a record's
    /// keys — usually costs one probe.
    private(set) var tables: [(start: Int32, mask: Int32)] = [(0, 0)]
    private(set) var slots: [Int32] = [-1]

    struct FlatEntry {
        var keyStart: Int32
        var keyLength: Int32
        /// The key's first 8 bytes, zero-padded, as loaded little-endian: most
        /// mismatches are decided by one integer compare, not a memcmp call.
        var prefix: UInt64
        var member: PlanMember
    }
    var root: Int { 0 }
    public var slotCount: Int { paths.count }
    var nodeCount: Int { nodes.count }

    public init() {}

    /// The slot for `path`, adding it to the plan when new.
    @discardableResult
    public mutating func slot(for path: FieldPath) -> Int {
        var node = root
        for (depth, key) in path.components.enumerated() {
            let bytes = Array(key.utf8)
            let last = depth == path.components.count - 1
            var index = nodes[node].keys.firstIndex(of: bytes)
            if index == nil {
                nodes[node].keys.append(bytes)
                nodes[node].members.append(Member(slot: nil, children: nil))
                index = nodes[node].keys.count - 1
            }
            let i = index!
            if last {
                if let slot = nodes[node].members[i].slot { return slot }
                paths.append(path)
                nodes[node].members[i].slot = paths.count - 1
                flatten()
                return paths.count - 1
            }
            if let child = nodes[node].members[i].children {
                node = child
            } else {
                nodes.append(Node())
                nodes[node].members[i].children = nodes.count - 1
                node = nodes.count - 1
            }
        }
        preconditionFailure("empty field path")
    }

    private mutating func flatten() {
        entries.removeAll()
        keyPool.removeAll()
        slots.removeAll()
        tables = nodes.map { node in
            var size = 8
            while size < 4 * node.keys.count { size *= 2 }
            let start = slots.count
            slots += repeatElement(-1, count: size)
            for (key, member) in zip(node.keys, node.members) {
                var prefix: UInt64 = 0
                for (i, b) in key.prefix(8).enumerated() { prefix |= UInt64(b) << (8 * UInt64(i)) }
                var slot = Self.hash(prefix, key.count) & (size - 1)
                while slots[start + slot] >= 0 { slot = (slot + 1) & (size - 1) }
                slots[start + slot] = Int32(entries.count)
                entries.append(FlatEntry(keyStart: Int32(keyPool.count), keyLength: Int32(key.count), prefix: prefix, member: PlanMember(member)))
                keyPool += key
            }
            return (Int32(start), Int32(size - 1))
        }
    }

    @inline(__always) static func hash(_ prefix: UInt64, _ length: Int) -> Int {
        Int(truncatingIfNeeded: ((prefix ^ UInt64(truncatingIfNeeded: length)) &* 0x9E37_79B9_7F4A_7C15) >> 40)
    }
}

/// A plan member as the scanner uses it: its slot and its children's node,
/// -1 for none (plain integers, so members are copied without optionals).
struct PlanMember {
    var slot: Int32
    var children: Int32

    static let none = PlanMember(slot: -1, children: -1)

    init(slot: Int32, children: Int32) {
        self.slot = slot
        self.children = children
    }

    init(_ member: FieldPlan.Member) {
        slot = member.slot.map { Int32($0) } ?? -1
        children = member.children.map { Int32($0) } ?? -1
    }
}

/// Decodes the contents of a JSON string (no quotes) that may hold escapes.
/// Lone surrogates become U+FFFD.
public func decodeJSONString(_ raw: Span<UInt8>) -> String {
    guard raw.index(of: UInt8(ascii: "\\"), from: 0) < raw.count else { return raw.utf8String(0..<raw.count) }
    var out: [UInt8] = []
    out.reserveCapacity(raw.count)
    var i = 0
    let n = raw.count
    func hex4(_ at: Int) -> UInt32? {
        guard at + 4 <= n else { return nil }
        var v: UInt32 = 0
        for j in 0..<4 {
            let b = raw[at + j]
            let d: UInt32
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(b - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(b - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(b - UInt8(ascii: "A") + 10)
            default: return nil
            }
            v = v << 4 | d
        }
        return v
    }
    func append(scalar: UInt32) {
        let s = Unicode.Scalar(scalar) ?? "\u{FFFD}"
        out.append(contentsOf: String(Character(s)).utf8)
    }
    while i < n {
        let b = raw[i]
        guard b == UInt8(ascii: "\\"), i + 1 < n else {
            out.append(b)
            i += 1
            continue
        }
        let e = raw[i + 1]
        i += 2
        switch e {
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"):
            guard let high = hex4(i) else { out.append(contentsOf: "\\u".utf8); continue }
            i += 4
            if (0xD800..<0xDC00).contains(high), i + 6 <= n, raw[i] == UInt8(ascii: "\\"),
                raw[i + 1] == UInt8(ascii: "u"), let low = hex4(i + 2), (0xDC00..<0xE000).contains(low)
            {
                i += 6
                append(scalar: 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
            } else {
                append(scalar: high)
            }
        default: out.append(e)
        }
    }
    return String(decoding: out, as: UTF8.self)
}
