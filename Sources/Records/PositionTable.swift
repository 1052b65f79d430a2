/// Positions keyed by a session id's hash: an open-addressing table of plain
/// integers (no per-entry allocation, no SipHash per lookup). The caller
/// confirms a hash match by comparing the ids, so a collision never matches.
/// A hash and its position share one entry, so a probe touches one cache
/// line: 200k sessions make a table far larger than the caches. An entry
/// keeps 32 bits of the hash, which also place it: 8 bytes, not 16.
package struct PositionTable {
    private struct Entry {
        var hash: UInt32
        var position: Int32  // -1: empty, -2: removed
    }

    private var entries: [Entry]
    private var used = 0  // filled or removed slots

    package init(capacity: Int = 16) {
        var size = 16
        while size < 2 * capacity { size *= 2 }
        entries = [Entry](repeating: Entry(hash: 0, position: -1), count: size)
    }

    /// The position stored for `hash` that `matches`, if any.
    package func find(_ hash: UInt64, _ matches: (Int) -> Bool) -> Int? {
        let mask = entries.count - 1
        let hash = Self.key(hash)
        var slot = Self.start(hash, mask)
        while true {
            let e = entries[slot]
            if e.position == -1 { return nil }
            if e.position >= 0, e.hash == hash, matches(Int(e.position)) { return Int(e.position) }
            slot = (slot + 1) & mask
        }
    }

    /// Stores `position` for `hash`, replacing the entry that `matches`.
    package mutating func set(_ hash: UInt64, _ position: Int, _ matches: (Int) -> Bool) {
        _ = replace(hash, position, matches)
    }

    /// Stores `position` for `hash`; returns the position of the entry that
    /// `matches` and was replaced, if any (one probe sequence for both).
    package mutating func replace(_ hash: UInt64, _ position: Int, _ matches: (Int) -> Bool) -> Int? {
        if 2 * (used + 1) > entries.count { grow() }
        let mask = entries.count - 1
        let hash = Self.key(hash)
        var slot = Self.start(hash, mask)
        var free: Int?
        while true {
            let e = entries[slot]
            if e.position == -1 { break }
            if e.position == -2, free == nil { free = slot }
            if e.position >= 0, e.hash == hash, matches(Int(e.position)) {
                entries[slot].position = Int32(position)
                return Int(e.position)
            }
            slot = (slot + 1) & mask
        }
        if free == nil { used += 1 }
        entries[free ?? slot] = Entry(hash: hash, position: Int32(position))
        return nil
    }

    /// Removes the entry for `hash` that `matches`.
    package mutating func remove(_ hash: UInt64, _ matches: (Int) -> Bool) {
        let mask = entries.count - 1
        let hash = Self.key(hash)
        var slot = Self.start(hash, mask)
        while true {
            let e = entries[slot]
            if e.position == -1 { return }
            if e.position >= 0, e.hash == hash, matches(Int(e.position)) {
                entries[slot].position = -2
                return
            }
            slot = (slot + 1) & mask
        }
    }

    private mutating func grow() {
        let old = entries.filter { $0.position >= 0 }
        var size = entries.count
        while 4 * old.count + 4 > size { size *= 2 }
        entries = [Entry](repeating: Entry(hash: 0, position: -1), count: size)
        used = 0
        let mask = size - 1
        for e in old {
            var slot = Self.start(e.hash, mask)
            while entries[slot].position != -1 { slot = (slot + 1) & mask }
            entries[slot] = e
            used += 1
        }
    }

    /// The 32 bits of `hash` an entry keeps, both halves mixed in.
    @inline(__always) private static func key(_ hash: UInt64) -> UInt32 {
        let mixed = hash ^ hash >> 29
        return UInt32(truncatingIfNeeded: mixed ^ mixed >> 32)
    }

    @inline(__always) private static func start(_ key: UInt32, _ mask: Int) -> Int {
        Int(key) & mask
    }
}
