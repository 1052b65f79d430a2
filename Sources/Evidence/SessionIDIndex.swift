import FailmixRecords

/// Finds the session an id written in a commit names. Ids in the wild are
/// 4-hex (`ff15`), 8-hex and full UUIDs, so besides an exact match (any
/// case), one may be a prefix of the other when the shorter has at least 4
/// characters; a prefix that fits several sessions names none of them.
struct SessionIDIndex {
    enum Match: Equatable {
        case none
        case one(Int32)
        case several([Int32])
    }

    static let minimumPrefix = 4

    private let exact: [String: Int32]
    /// Lower-cased ids, sorted, for the sessions a short id is a prefix of.
    private let sorted: [(id: String, session: Int32)]
    /// The first 4 characters of every id (or the whole id, when shorter):
    /// a cheap test of whether a word could name a session at all.
    private let heads: Set<Substring>
    /// The ASCII heads packed into integers (`packedHead`), for the walk's
    /// byte screen of ASCII words: a Substring's hash is Unicode-aware and
    /// cost an eighth of a cold walk.
    private let asciiHeads: Set<UInt64>
    /// One bit per hashed ASCII head, asked before `asciiHeads`: nearly every
    /// word of every subject is no session's head, and a bit test is cheaper
    /// than hashing.
    private let headBits: [UInt64]
    /// Some head is not ASCII: the byte screen must ask `heads` as well.
    let hasNonASCIIHeads: Bool

    init(sessions: [SessionRecord]) {
        var exact: [String: Int32] = [:]
        exact.reserveCapacity(sessions.count)
        var sorted: [(id: String, session: Int32)] = []
        sorted.reserveCapacity(sessions.count)
        for (i, session) in sessions.enumerated() where !session.sessionID.isEmpty {
            let id = session.sessionID.lowercased()
            exact[id] = Int32(i)
            sorted.append((id, Int32(i)))
        }
        sorted.sort { $0.id < $1.id }
        self.exact = exact
        self.sorted = sorted
        heads = Set(sorted.map { Substring($0.id.prefix(Self.minimumPrefix)) })
        var asciiHeads = Set<UInt64>()
        var nonASCII = false
        for head in heads {
            if head.utf8.allSatisfy({ $0 < 0x80 && $0 != UInt8(ascii: "\r") }) {
                asciiHeads.insert(Self.packedHead(head.utf8))
            } else {
                nonASCII = true
            }
        }
        self.asciiHeads = asciiHeads
        var bits = [UInt64](repeating: 0, count: 1 << (Self.headBitsLog2 - 6))
        for key in asciiHeads {
            let bit = Self.headBit(key)
            bits[bit >> 6] |= 1 << UInt64(bit & 63)
        }
        headBits = bits
        hasNonASCIIHeads = nonASCII
    }

    /// Up to `minimumPrefix` ASCII bytes and their count in one integer.
    static func packedHead(_ bytes: some Collection<UInt8>) -> UInt64 { packedPrefix(bytes, upTo: minimumPrefix) }

    /// `mightName` for an ASCII word's lower-cased first bytes, packed.
    func mightName(packedHead key: UInt64) -> Bool {
        let bit = Self.headBit(key)
        return headBits[bit >> 6] & (1 << UInt64(bit & 63)) != 0 && asciiHeads.contains(key)
    }

    /// 2^16 bits: a few percent of them set by a few thousand sessions.
    private static let headBitsLog2 = 16

    @inline(__always)
    private static func headBit(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> UInt64(64 - headBitsLog2))
    }

    /// Could `word` (or a word starting like it) name a session?
    func mightName(_ word: Substring) -> Bool {
        heads.contains(Substring(word.prefix(Self.minimumPrefix).lowercased()))
    }

    func match(_ raw: some StringProtocol) -> Match {
        let value = String(raw).trimmingBlanksAndNewlines.lowercased()
        guard !value.isEmpty else { return .none }
        if let session = exact[value] { return .one(session) }
        var found: Set<Int32> = []
        if value.count >= Self.minimumPrefix {
            // Sessions whose id starts with the value.
            var low = 0, high = sorted.count
            while low < high {
                let mid = (low + high) / 2
                if sorted[mid].id < value { low = mid + 1 } else { high = mid }
            }
            while low < sorted.count, sorted[low].id.hasPrefix(value), found.count < 2 {
                found.insert(sorted[low].session)
                low += 1
            }
            // Sessions whose id the value starts with.
            var prefix = value.prefix(Self.minimumPrefix)
            for c in value.dropFirst(Self.minimumPrefix) {
                if let session = exact[String(prefix)] { found.insert(session) }
                prefix.append(c)
            }
        }
        switch found.count {
        case 0: return .none
        case 1: return .one(found.first!)
        default: return .several(found.sorted())
        }
    }
}
