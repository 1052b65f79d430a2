import FailmixRecords

/// Render's one piece of raw-memory code: a writer of bytes into an array's
/// uninitialised storage, for the JSON report's session rows (200k rows; an
/// array appended to piece by piece cost 200 ns a row).
///
/// - Bounds: every write checks the room left first (`reserve`), so a wrong
///   size stops the program before a byte lands past the buffer, never after.
/// - Lifetime: the writer exists only inside `bytes(capacity:_:)`, whose
///   array owns (and frees) the storage; the cursor never escapes.
/// - Initialisation: the array's count is what was written, nothing more.
/// - Alignment: bytes need none; `DayPrefix` is copied bytewise.
struct BlockWriter {
    private var cursor: UnsafeMutablePointer<UInt8>
    private let end: UnsafeMutablePointer<UInt8>

    private init(base: UnsafeMutablePointer<UInt8>, capacity: Int) {
        cursor = base
        end = base + capacity
    }

    /// An array of at most `capacity` bytes, those `fill` writes.
    static func bytes(capacity: Int, _ fill: (inout BlockWriter) -> Void) -> [UInt8] {
        // An empty buffer may have no base address at all.
        guard capacity > 0 else { return [] }
        return [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
            var w = BlockWriter(base: buffer.baseAddress!, capacity: capacity)
            fill(&w)
            count = w.cursor - buffer.baseAddress!
        }
    }

    /// Stops unless `n` more bytes fit.
    @inline(__always) private func reserve(_ n: Int) {
        precondition(n >= 0 && n <= end - cursor, "JSON row block sized too small")
    }

    @inline(__always) mutating func put(_ b: UInt8) {
        reserve(1)
        cursor.pointee = b
        cursor += 1
    }

    @inline(__always) mutating func put(_ s: StaticString) {
        reserve(s.utf8CodeUnitCount)
        cursor.update(from: s.utf8Start, count: s.utf8CodeUnitCount)
        cursor += s.utf8CodeUnitCount
    }

    @inline(__always) mutating func put(_ bytes: [UInt8]) {
        reserve(bytes.count)
        bytes.withUnsafeBufferPointer { cursor.update(from: $0.baseAddress!, count: $0.count) }
        cursor += bytes.count
    }

    @inline(__always) mutating func put(_ s: String) {
        var s = s
        reserve(s.utf8.count)
        s.withUTF8 { cursor.update(from: $0.baseAddress!, count: $0.count) }
        cursor += s.utf8.count
    }

    @inline(__always) mutating func twoDigits(_ v: Int) {
        put(UInt8(ascii: "0") + UInt8(truncatingIfNeeded: v / 10))
        put(UInt8(ascii: "0") + UInt8(truncatingIfNeeded: v % 10))
    }

    /// "YYYY-MM-DDT": the 11 bytes every time of one day starts with.
    struct DayPrefix {
        fileprivate var bytes: (UInt64, UInt16, UInt8) = (0, 0, 0)
    }

    /// Writes the first 11 bytes of `Timestamp.format(t)` and returns them,
    /// for `put(_: DayPrefix)` to repeat without formatting again.
    @inline(__always) mutating func putDayPrefix(_ t: Double) -> DayPrefix {
        reserve(Timestamp.formattedLength)
        var span = UnsafeMutableBufferPointer(start: cursor, count: Timestamp.formattedLength).mutableSpan
        Timestamp.format(t, into: &span)
        var prefix = DayPrefix()
        withUnsafeMutableBytes(of: &prefix.bytes) { $0.baseAddress!.copyMemory(from: cursor, byteCount: 11) }
        cursor += 11
        return prefix
    }

    @inline(__always) mutating func put(_ prefix: DayPrefix) {
        reserve(11)
        withUnsafeBytes(of: prefix.bytes) { cursor.update(from: $0.baseAddress!.assumingMemoryBound(to: UInt8.self), count: 11) }
        cursor += 11
    }
}
