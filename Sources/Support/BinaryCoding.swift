#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Little-endian binary encoding for failmix's cache files.

/// Appends fixed-width little-endian values and length-prefixed strings.
public struct ByteWriter {
    public var data: [UInt8] = []

    public init() {}

    public mutating func bytes(_ b: [UInt8]) { data += b }
    @inlinable public mutating func u8(_ v: UInt8) { data.append(v) }
    @inlinable public mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { data += $0 } }
    @inlinable public mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { data += $0 } }
    @inlinable public mutating func i64(_ v: Int64) { u64(UInt64(bitPattern: v)) }
    @inlinable public mutating func f64(_ v: Double) { u64(v.bitPattern) }
    /// Appends the FNV-1a hash of everything written so far: `ByteReader.
    /// checked` refuses the bytes unless it matches, so a flipped bit
    /// anywhere discards the file instead of turning into wrong values.
    public mutating func checksum() { u64(fnv1a(data)) }

    public mutating func string(_ s: String) {
        u32(UInt32(s.utf8.count))
        data += s.utf8
    }
}

/// Reads what ByteWriter wrote; every read checks bounds (a damaged cache is
/// simply not used).
public struct ByteReader {
    public let raw: UnsafeRawBufferPointer
    public var position = 0

    public init(raw: UnsafeRawBufferPointer) { self.raw = raw }

    /// A reader of `raw` without its trailing checksum, or nil when the
    /// checksum (see `ByteWriter.checksum`) does not match.
    public static func checked(_ raw: UnsafeRawBufferPointer) -> ByteReader? {
        guard raw.count >= 8 else { return nil }
        let body = UnsafeRawBufferPointer(rebasing: raw[0..<raw.count - 8])
        let stored = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: raw.count - 8, as: UInt64.self))
        guard fnv1a(body) == stored else { return nil }
        return ByteReader(raw: body)
    }

    public var atEnd: Bool { position == raw.count }

    /// Bytes left to read.
    public var remaining: Int { raw.count - position }

    public mutating func bytes(_ n: Int) -> ArraySlice<UInt8>? {
        guard n >= 0, n <= remaining else { return nil }
        defer { position += n }
        return Array(raw[position..<position + n])[...]
    }

    public mutating func fixed<T: FixedWidthInteger>(_: T.Type) -> T? {
        let n = MemoryLayout<T>.size
        guard n <= remaining else { return nil }
        defer { position += n }
        return T(littleEndian: raw.loadUnaligned(fromByteOffset: position, as: T.self))
    }

    public mutating func u8() -> UInt8? { fixed(UInt8.self) }
    public mutating func u32() -> UInt32? { fixed(UInt32.self) }
    public mutating func u64() -> UInt64? { fixed(UInt64.self) }
    public mutating func i64() -> Int64? { u64().map { Int64(bitPattern: $0) } }
    public mutating func f64() -> Double? { u64().map { Double(bitPattern: $0) } }
    /// A u64 that must be a non-negative Int no larger than `limit`: a
    /// damaged field reads as nil, never as a value that traps later.
    public mutating func int(max limit: Int = Int.max) -> Int? {
        guard let v = u64(), v <= UInt64(limit) else { return nil }
        return Int(v)
    }

    /// A u64 element count, checked against the bytes left: each element
    /// takes at least `minimumSize` bytes, so a count the file cannot hold is
    /// nil before anything is allocated for it.
    public mutating func count(minimumSize: Int) -> Int? {
        int(max: remaining / Swift.max(1, minimumSize))
    }

    public mutating func string() -> String? {
        guard let n = u32(), let b = bytes(Int(n)) else { return nil }
        return String(decoding: b, as: UTF8.self)
    }
}

extension ByteReader {
    /// Runs `body` on a reader over `bytes` without their trailing checksum;
    /// nil when the checksum (see `ByteWriter.checksum`) does not match.
    public static func withChecked<T>(_ bytes: [UInt8], _ body: (inout ByteReader) -> T?) -> T? {
        bytes.withUnsafeBytes { raw in
            guard var reader = checked(raw) else { return nil }
            return body(&reader)
        }
    }

    /// Runs `body` on a reader over the whole file at `path`; nil when the
    /// file is missing or `body` finds it damaged.
    /// failmix's own files: a symbolic link is not followed (nil), and a
    /// file larger than `limit` is damaged.
    public static func withContents<T>(of path: String, limit: Int = 1 << 30, _ body: (inout ByteReader) -> T?) -> T? {
        guard let data = try? PrivateFiles.read(path, limit: limit) else { return nil }
        return data.withUnsafeBytes { raw in
            var reader = ByteReader(raw: raw)
            return body(&reader)
        }
    }
}

// MARK: - Byte spans
//
// Searches and decoding over a `Span<UInt8>` (bytes lent by libgit2, a
// String's UTF-8, an array), so that parsers index bytes with checked
// subscripts and never hold a pointer. The pointer work is here:
// - Bounds: every range is checked against the span (a bad one traps, as an
//   array subscript would); memchr/memrchr read only inside it.
// - Lifetime: the span's memory is borrowed for the call; nothing keeps it.
// - Alignment: bytes need none.

extension Span where Element == UInt8 {
    /// The index of the first `byte` at or after `start`, or `count` when
    /// there is none. memchr: the byte loop cost a tenth of a commit's parse.
    @inlinable
    public func index(of byte: UInt8, from start: Int) -> Int {
        precondition(start >= 0, "negative start")
        guard start < count else { return count }
        return withUnsafeBufferPointer { bytes in
            guard let base = bytes.baseAddress, let hit = memchr(base + start, Int32(byte), bytes.count - start) else { return bytes.count }
            return UnsafeRawPointer(hit) - UnsafeRawPointer(base)
        }
    }

    /// `self[range]` decoded as UTF-8 (ill-formed sequences replaced).
    @inlinable
    public func utf8String(_ range: Range<Int>) -> String {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "range out of bounds")
        return withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[range]), as: UTF8.self) }
    }

    /// Whether the span holds exactly `other`'s bytes, in order.
    @inlinable
    public func elementsEqual(_ other: some Sequence<UInt8>) -> Bool {
        var i = 0
        for byte in other {
            guard i < count, self[i] == byte else { return false }
            i += 1
        }
        return i == count
    }

    /// Whether `needle` occurs in the span (an empty one always does).
    @inlinable
    public func contains(_ needle: Span<UInt8>) -> Bool {
        guard !needle.isEmpty else { return true }
        guard count >= needle.count else { return false }
        let first = needle[0]
        var i = 0
        let last = count - needle.count
        while i <= last {
            if self[i] == first {
                var k = 1
                while k < needle.count, self[i + k] == needle[k] { k += 1 }
                if k == needle.count { return true }
            }
            i += 1
        }
        return false
    }

    /// Whether the span begins with `prefix`.
    @inlinable
    public func starts(with prefix: [UInt8]) -> Bool {
        guard prefix.count <= count else { return false }
        for i in prefix.indices where self[i] != prefix[i] { return false }
        return true
    }
}
