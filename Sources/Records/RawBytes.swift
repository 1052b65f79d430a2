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
