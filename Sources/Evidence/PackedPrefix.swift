/// Up to the first 7 bytes of a text and their count, in one integer: the
/// bytes little-endian in the low 56 bits, the count in the top byte. A
/// cheap hash key where a String or Substring hash would be Unicode-aware
/// (the walk asks one per commit and per subject word). Code that packs
/// while it scans (`SubjectMatcher`) builds the same layout.
@inline(__always)
func packedPrefix(_ bytes: some Collection<UInt8>, upTo limit: Int) -> UInt64 {
    var key: UInt64 = 0, count: UInt64 = 0
    for byte in bytes.prefix(min(limit, 7)) {
        key |= UInt64(byte) << (8 * count)
        count += 1
    }
    return key | count << 56
}
