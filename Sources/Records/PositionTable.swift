/// Positions keyed by a session id's hash: an open-addressing table of plain
/// integers (no per-entry allocation, no SipHash per lookup). The caller
/// confirms a hash match by comparing the ids, so a collision never matches.
package struct PositionTable {
    private var positions: [Int32]  // -1: empty, -2: removed
    private var hashes: [UInt64]
    private var used = 0  // filled or removed slots

    package init(capacity: Int = 16) {
        var size = 16
        while size < 2 * capacity { size *= 2 }
        positions = [Int32](repeating: -1, count: size)
        hashes = [UInt64](repeating: 0, count: size)
    }

    /// The position stored for `hash` that `matches`, if any.
    package func find(_ hash: UInt64, _ matches: (Int) -> Bool) -> Int? {
        let mask = positions.count - 1
        var slot = Self.start(hash, mask)
        while true {
            let p = Int(positions[slot])
            if p == -1 { return nil }
            if p >= 0, hashes[slot] == hash, matches(p) { return p }
            slot = (slot + 1) & mask
        }
    }

    /// Stores `position` for `hash`, replacing the entry that `matches`.
    package mutating func set(_ hash: UInt64, _ position: Int, _ matches: (Int) -> Bool) {
        if 2 * (used + 1) > positions.count { grow() }
        let mask = positions.count - 1
        var slot = Self.start(hash, mask)
        var free: Int?
        while true {
            let p = Int(positions[slot])
            if p == -1 { break }
            if p == -2, free == nil { free = slot }
            if p >= 0, hashes[slot] == hash, matches(p) {
                positions[slot] = Int32(position)
                return
            }
            slot = (slot + 1) & mask
        }
        if free == nil { used += 1 }
        let target = free ?? slot
        positions[target] = Int32(position)
        hashes[target] = hash
    }

    /// Removes the entry for `hash` that `matches`.
    package mutating func remove(_ hash: UInt64, _ matches: (Int) -> Bool) {
        let mask = positions.count - 1
        var slot = Self.start(hash, mask)
        while true {
            let p = Int(positions[slot])
            if p == -1 { return }
            if p >= 0, hashes[slot] == hash, matches(p) {
                positions[slot] = -2
                return
            }
            slot = (slot + 1) & mask
        }
    }

    private mutating func grow() {
        let old = zip(positions, hashes).filter { $0.0 >= 0 }
        var size = positions.count
        while 4 * old.count + 4 > size { size *= 2 }
        positions = [Int32](repeating: -1, count: size)
        hashes = [UInt64](repeating: 0, count: size)
        used = 0
        let mask = size - 1
        for (position, hash) in old {
            var slot = Self.start(hash, mask)
            while positions[slot] != -1 { slot = (slot + 1) & mask }
            positions[slot] = position
            hashes[slot] = hash
            used += 1
        }
    }

    @inline(__always) private static func start(_ hash: UInt64, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: (hash ^ hash >> 29) & UInt64(mask))
    }
}
