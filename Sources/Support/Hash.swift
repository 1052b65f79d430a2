/// FNV-1a, 64-bit: a hash that is the same in every run and on every machine
/// (Swift's Hasher is seeded per process), for caches and fingerprints.
public func fnv1a(_ bytes: some Sequence<UInt8>) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
    return h
}
