/// Little-endian binary encoding for failmix's cache files.

/// Appends fixed-width little-endian values and length-prefixed strings.
public struct ByteWriter {
    public var data: [UInt8] = []

    public init() {}

    public mutating func bytes(_ b: [UInt8]) { data += b }
    public mutating func u8(_ v: UInt8) { data.append(v) }
    public mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { data += $0 } }
    public mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { data += $0 } }
    public mutating func i64(_ v: Int64) { u64(UInt64(bitPattern: v)) }
    public mutating func f64(_ v: Double) { u64(v.bitPattern) }
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

    public var atEnd: Bool { position == raw.count }

    public mutating func bytes(_ n: Int) -> ArraySlice<UInt8>? {
        guard n >= 0, position + n <= raw.count else { return nil }
        defer { position += n }
        return Array(raw[position..<position + n])[...]
    }

    public mutating func fixed<T: FixedWidthInteger>(_: T.Type) -> T? {
        let n = MemoryLayout<T>.size
        guard position + n <= raw.count else { return nil }
        defer { position += n }
        return T(littleEndian: raw.loadUnaligned(fromByteOffset: position, as: T.self))
    }

    public mutating func u8() -> UInt8? { fixed(UInt8.self) }
    public mutating func u32() -> UInt32? { fixed(UInt32.self) }
    public mutating func u64() -> UInt64? { fixed(UInt64.self) }
    public mutating func i64() -> Int64? { u64().map { Int64(bitPattern: $0) } }
    public mutating func f64() -> Double? { u64().map { Double(bitPattern: $0) } }
    public mutating func string() -> String? {
        guard let n = u32(), let b = bytes(Int(n)) else { return nil }
        return String(decoding: b, as: UTF8.self)
    }
}

extension ByteReader {
    /// Runs `body` on a reader over the whole file at `path`; nil when the
    /// file is missing or `body` finds it damaged.
    public static func withContents<T>(of path: String, _ body: (inout ByteReader) -> T?) -> T? {
        guard let bytes = FileIO.contents(of: path) else { return nil }
        return bytes.withUnsafeBytes { raw in
            var reader = ByteReader(raw: raw)
            return body(&reader)
        }
    }
}
