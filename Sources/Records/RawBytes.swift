import FailmixSupport
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The raw-memory reads of the record hot path — the scanner, the plan's key
// lookup, the remembered key order, field comparisons — written once here so
// each unsafe operation is audited in one place. All are always inlined: the
// scanner's speed depends on it (instruction counts are unchanged by them).
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

/// Whether `a` holds exactly the bytes of `b` (the counts are compared here).
@inline(__always)
func bytesEqual(_ a: UnsafeRawBufferPointer, _ b: Span<UInt8>) -> Bool {
    guard a.count == b.count else { return false }
    guard !b.isEmpty else { return true }
    return b.withUnsafeBufferPointer { bytesEqual(a.baseAddress!, $0.baseAddress!, a.count) }
}

/// `raw`'s bytes as a span, for the length of `body`.
@inline(__always)
func withByteSpan<R>(_ raw: UnsafeRawBufferPointer, _ body: (Span<UInt8>) -> R) -> R {
    body(Span(_unsafeBytes: raw))
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
    mutating func takeLines(_ body: (UnsafeRawBufferPointer, Int) -> Void) -> Int {
        var position = 0
        while position < filled, let nl = memchr(base + position, 0x0A, filled - position) {
            let lineEnd = base.distance(to: nl)
            body(UnsafeRawBufferPointer(start: base + position, count: lineEnd - position), position)
            position = lineEnd + 1
        }
        if position > 0 {
            filled -= position
            if filled > 0 { memmove(base, base + position, filled) }
        }
        return position
    }

    /// Whether the bytes held are all white space.
    var restIsBlank: Bool { isBlank(UnsafeRawBufferPointer(start: base, count: filled)) }
}

/// The fields the scanner captured of `line` (`values`, its slots), lent
/// to `body`: `LineFields` points into both, so it lives only for the call.
@inline(__always)
func withLineFields<R>(_ line: UnsafeRawBufferPointer, _ values: [RawValue], _ body: (LineFields) -> R) -> R {
    values.withUnsafeBufferPointer { body(LineFields(line: line, values: $0)) }
}

/// strtod over all of `raw` (under 64 bytes, checked by the caller), nil
/// unless it reads every byte: copied to a NUL-terminated stack buffer of
/// `raw.count + 1` bytes, freed on return; strtod reads up to the NUL.
@inline(never)
func parseWholeDouble(_ raw: UnsafeRawBufferPointer) -> Double? {
    let n = raw.count
    return withUnsafeTemporaryAllocation(of: CChar.self, capacity: n + 1) { buf in
        for j in 0..<n { buf[j] = CChar(bitPattern: raw[j]) }
        buf[n] = 0
        var end: UnsafeMutablePointer<CChar>?
        let v = strtod(buf.baseAddress!, &end)
        return end == buf.baseAddress! + n ? v : nil
    }
}
