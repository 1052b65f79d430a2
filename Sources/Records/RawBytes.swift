import FailmixSupport
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The raw-memory code of Records, audited in one place (with the scanner
// core, JSONLineScanner.swift): the word loads and byte comparisons the
// scanner uses, the line reader's block (LineBuffer), a line's captured fields
// (LineFields, lent to a callback by withLineFields), the plan's key lookup
// (FieldPlan.Lookup, lent by withLookup), the remembered key order (KeyOrder)
// and strtod's NUL-terminated copy (parseWholeDouble). Everything else in
// Records reads bytes as `Span<UInt8>`. The loads are always inlined: the
// scanner's speed depends on it. Each type below states its own lifetime and
// bounds; for the loads and comparisons:
//
// What every caller guarantees before calling (each call site checks it):
// - Bounds: a read of N bytes at `p + offset` stays inside the buffer being
//   examined (a line, the plan's key pool, a KeyOrder entry): the caller has
//   checked `offset + N <= available` for that buffer. Nothing here checks.
// - Lifetime: the pointer comes from a buffer alive for the whole call (a
//   line during its callback, the plan's arrays inside `withLookup`, the
//   scanner's KeyOrder storage).
// - Alignment: none is needed; loads are unaligned and typed as plain
//   integers, so no memory is bound to a type.

/// The 8 bytes at `p + offset`, as the machine loads them (little-endian).
@inline(__always)
func loadWord(_ p: UnsafeRawPointer, _ offset: Int = 0) -> UInt64 {
    p.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
}

/// The 4 bytes at `p + offset`, as the machine loads them (little-endian).
@inline(__always)
func loadWord32(_ p: UnsafeRawPointer, _ offset: Int = 0) -> UInt32 {
    p.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
}

/// Whether the `count` bytes at `a` and at `b` are the same.
@inline(__always)
func bytesEqual(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ count: Int) -> Bool {
    memcmp(a, b, count) == 0
}

/// Whether `a` holds exactly the bytes of `b` (the counts are compared here;
/// memcmp reads only inside both spans).
@inline(__always)
func bytesEqual(_ a: Span<UInt8>, _ b: Span<UInt8>) -> Bool {
    guard a.count == b.count else { return false }
    guard !b.isEmpty else { return true }
    return a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { bytesEqual(a.baseAddress!, $0.baseAddress!, a.count) } }
}

/// The line reader's block of file bytes (`forEachLine`): read into with
/// pread, its complete lines lent out, the rest moved to the front.
/// - Lifetime: a line lent by `takeLines` is valid during its callback only
///   (the block is compacted, and may be reallocated, afterwards).
/// - Bounds: reads land only in the room after `filled`; lines lie before it.
/// - Who frees: the block is freed with the value (it cannot be copied).
/// - Alignment: 16, though bytes need none.
struct LineBuffer: ~Copyable {
    private var base: UnsafeMutableRawPointer
    private(set) var capacity: Int
    /// Bytes held, from the start of the block.
    private(set) var filled = 0

    init(capacity: Int) {
        base = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        self.capacity = capacity
    }

    deinit { base.deallocate() }

    /// Free room after the bytes held.
    var room: Int { capacity - filled }

    /// Doubles the block, keeping what it holds (one line longer than the block).
    mutating func grow() {
        let bigger = UnsafeMutableRawPointer.allocate(byteCount: capacity * 2, alignment: 16)
        bigger.copyMemory(from: base, byteCount: filled)
        base.deallocate()
        base = bigger
        capacity *= 2
    }

    /// Reads up to `count` bytes (at most `room`) at `offset` of `fd` after
    /// the bytes held: the count read, 0 at the end, or -1 with `errno`.
    mutating func read(_ fd: Int32, count: Int, at offset: Int64) -> Int {
        let n = FileIO.read(fd, into: UnsafeMutableRawBufferPointer(start: base + filled, count: min(count, room)), at: offset)
        if n > 0 { filled += n }
        return n
    }

    /// Lends each complete line held (without its newline) and its offset
    /// in the block to `body`, then drops them: the number of bytes dropped.
    @inline(__always)
    mutating func takeLines(_ body: (Span<UInt8>, Int) -> Void) -> Int {
        var position = 0
        while position < filled, let nl = memchr(base + position, 0x0A, filled - position) {
            let lineEnd = base.distance(to: nl)
            body(Span(_unsafeBytes: UnsafeRawBufferPointer(start: base + position, count: lineEnd - position)), position)
            position = lineEnd + 1
        }
        if position > 0 {
            filled -= position
            if filled > 0 { memmove(base, base + position, filled) }
        }
        return position
    }

    /// Whether the bytes held are all white space.
    var restIsBlank: Bool { isBlank(Span(_unsafeBytes: UnsafeRawBufferPointer(start: base, count: filled))) }
}

/// The captured fields of one scanned line: the line's bytes and one
/// `RawValue` per plan slot (typed accessors in LineFields.swift). Made only
/// by `withLineFields`, it holds no reference counts on the hot path.
/// - Lifetime: it points into the reader's line and the scanner's values, so
///   it is valid only during the callback that receives it; copy out what
///   must outlive it.
/// - Bounds: a slot is below the plan's slot count (the caller's plan made
///   it); every captured range lies inside the line, as the scanner records
///   only ranges it has walked (`start <= end <= line.count`); an absent
///   value's range is empty.
public struct LineFields {
    private let line: UnsafeRawBufferPointer
    private let values: UnsafeBufferPointer<RawValue>

    fileprivate init(line: UnsafeRawBufferPointer, values: UnsafeBufferPointer<RawValue>) {
        self.line = line
        self.values = values
    }

    /// What the scanner captured for `slot`.
    @inline(__always) public func value(_ slot: Int) -> RawValue { values[slot] }

    /// `body` with the bytes of `slot`'s value (a string's without its quotes).
    @inline(__always) public func withBytes<R>(_ slot: Int, _ body: (Span<UInt8>) -> R) -> R {
        let v = values[slot]
        return body(Span(_unsafeBytes: UnsafeRawBufferPointer(rebasing: line[Int(v.start)..<Int(v.end)])))
    }
}

/// The fields the scanner captured of `line` (`values`, its slots), lent
/// to `body`: `LineFields` points into both, so it lives only for the call.
@inline(__always)
func withLineFields<R>(_ line: Span<UInt8>, _ values: [RawValue], _ body: (LineFields) -> R) -> R {
    line.withUnsafeBytes { line in values.withUnsafeBufferPointer { body(LineFields(line: line, values: $0)) } }
}

/// strtod over all of `raw` (under 64 bytes, checked by the caller), nil
/// unless it reads every byte: copied to a NUL-terminated stack buffer of
/// `raw.count + 1` bytes, freed on return; strtod reads up to the NUL.
@inline(never)
func parseWholeDouble(_ raw: Span<UInt8>) -> Double? {
    let n = raw.count
    return withUnsafeTemporaryAllocation(of: CChar.self, capacity: n + 1) { buf in
        for j in 0..<n { buf[j] = CChar(bitPattern: raw[j]) }
        buf[n] = 0
        var end: UnsafeMutablePointer<CChar>?
        let v = strtod(buf.baseAddress!, &end)
        return end == buf.baseAddress! + n ? v : nil
    }
}

extension FieldPlan {
    /// The lookup tables as plain pointers, for the scanner's inner loop:
    /// taken once a line, so a key lookup touches no reference counts.
    func withLookup<R>(_ body: (Lookup) throws(ScanFailure) -> R) throws(ScanFailure) -> R {
        let result: Result<R, ScanFailure> = tables.withUnsafeBufferPointer { tables in
            slots.withUnsafeBufferPointer { slots in
                entries.withUnsafeBufferPointer { entries in
                    keyPool.withUnsafeBufferPointer { pool in
                        do throws(ScanFailure) {
                            return .success(try body(Lookup(tables: tables, slots: slots, entries: entries, pool: pool)))
                        } catch {
                            return .failure(error)
                        }
                    }
                }
            }
        }
        return try result.get()
    }

    /// The plan's lookup tables as buffers (lent by `withLookup` for one
    /// line), so a key lookup touches no reference counts. A key is read
    /// only within the `available` bytes the scanner vouches for, and the
    /// pool only within an entry's recorded key.
    struct Lookup {
        let tables: UnsafeBufferPointer<(start: Int32, mask: Int32)>
        let slots: UnsafeBufferPointer<Int32>
        let entries: UnsafeBufferPointer<FlatEntry>
        let pool: UnsafeBufferPointer<UInt8>

        var root: Int { 0 }

        /// The member of `node` named by the key `base[start..<end]` (raw,
        /// maybe escaped); `available` bytes are readable from `base`.
        @inline(__always)
        func member(of node: Int, start: Int, end: Int, escaped: Bool, in base: UnsafePointer<UInt8>, available: Int) -> PlanMember {
            if escaped { return escapedMember(of: node, start: start, end: end, in: base) }
            return lookup(node, base + start, end - start, available: available - start)
        }

        /// A key written with escapes (rare): decoded, then looked up.
        @inline(never)
        private func escapedMember(of node: Int, start: Int, end: Int, in base: UnsafePointer<UInt8>) -> PlanMember {
            let decoded = Array(decodeJSONString(Span(_unsafeStart: base + start, count: end - start)).utf8)
            return decoded.withUnsafeBufferPointer { lookup(node, $0.baseAddress!, $0.count, available: $0.count) }
        }

        @inline(__always)
        private func lookup(_ node: Int, _ key: UnsafePointer<UInt8>, _ length: Int, available: Int) -> PlanMember {
            // The key's first 8 bytes when 8 can be read, else byte by byte.
            var prefix: UInt64 = 0
            if available >= 8 {
                prefix = loadWord(key)
                if length < 8 { prefix &= (1 << (8 * UInt64(length))) - 1 }
            } else {
                for i in 0..<min(length, 8) { prefix |= UInt64(key[i]) << (8 * UInt64(i)) }
            }
            let table = tables[node]
            let mask = Int(table.mask)
            var slot = FieldPlan.hash(prefix, length) & mask
            while true {
                let index = Int(slots[Int(table.start) + slot])
                if index < 0 { return .none }
                let e = entries[index]
                if Int(e.keyLength) == length, e.prefix == prefix,
                    length <= 8 || bytesEqual(pool.baseAddress! + Int(e.keyStart) + 8, key + 8, length - 8)
                {
                    return e.member
                }
                slot = (slot + 1) & mask
            }
        }
    }
}

/// The keys of the last object scanned at each plan node, in the order they
/// came, with the plan member each named. A key that repeats the previous
/// record's key at the same position is recognised by comparing its bytes —
/// from after the opening quote through the closing quote, the colon and the
/// whitespace around it, up to the value — with the remembered ones: no
/// string scan, no hash, no separator checks. This is sound because the
/// remembered bytes were scanned and validated when learned, and that scan
/// depends only on those bytes; escaped keys, keys whose bytes up to the value
/// exceed `keyBytes - 1`, and members past `maxKeys` are never learned.
final class KeyOrder {
    static let maxKeys = 64
    static let keyBytes = 32
    /// An entry: the key's bytes through its colon and whitespace, zero-padded, then
    /// the length of those (0: nothing learned), the member's slot and children.
    private static let stride = keyBytes + 16
    private let storage: UnsafeMutableRawPointer

    init(nodes: Int) {
        let size = max(1, nodes) * Self.maxKeys * Self.stride
        storage = .allocate(byteCount: size, alignment: 16)
        storage.initializeMemory(as: UInt8.self, repeating: 0, count: size)
    }

    deinit { storage.deallocate() }

    /// When the key at `p` (after its opening quote) repeats the one learned
    /// for this position, sets `member` and returns the position of its value.
    @inline(__always)
    func match(node: Int32, index: Int, _ s: UnsafePointer<UInt8>, _ n: Int, _ p: Int, member: inout PlanMember) -> Int? {
        guard index < Self.maxKeys else { return nil }
        let entry = UnsafeRawPointer(storage + (Int(node) * Self.maxKeys + index) * Self.stride)
        let length = Int(entry.load(fromByteOffset: Self.keyBytes, as: Int32.self))
        guard length > 0, p + length <= n else { return nil }
        let key = UnsafeRawPointer(s + p)
        if length >= 8 {
            // Whole words, the last one overlapping its predecessor.
            var i = 0
            while i + 8 < length {
                guard loadWord(key, i) == loadWord(entry, i) else { return nil }
                i += 8
            }
            guard loadWord(key, length - 8) == loadWord(entry, length - 8) else { return nil }
        } else if p + 8 <= n {
            let mask: UInt64 = (1 << (8 * UInt64(length))) &- 1
            guard loadWord(key) & mask == loadWord(entry) else { return nil }
        } else {
            guard bytesEqual(key, entry, length) else { return nil }
        }
        member = PlanMember(
            slot: entry.load(fromByteOffset: Self.keyBytes + 4, as: Int32.self),
            children: entry.load(fromByteOffset: Self.keyBytes + 8, as: Int32.self))
        return p + length
    }

    /// Remembers the `length` bytes at `key` (a validated, unescaped key, its
    /// closing quote, colon and whitespace) as the key at this position.
    func learn(node: Int32, index: Int, _ key: UnsafePointer<UInt8>, _ length: Int, member: PlanMember) {
        guard index < Self.maxKeys else { return }
        let entry = storage + (Int(node) * Self.maxKeys + index) * Self.stride
        guard length < Self.keyBytes else {
            entry.storeBytes(of: 0, toByteOffset: Self.keyBytes, as: Int32.self)
            return
        }
        entry.initializeMemory(as: UInt8.self, repeating: 0, count: Self.keyBytes)
        entry.copyMemory(from: key, byteCount: length)
        entry.storeBytes(of: Int32(length), toByteOffset: Self.keyBytes, as: Int32.self)
        entry.storeBytes(of: member.slot, toByteOffset: Self.keyBytes + 4, as: Int32.self)
        entry.storeBytes(of: member.children, toByteOffset: Self.keyBytes + 8, as: Int32.self)
    }
}

