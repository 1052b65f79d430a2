import CLibGit2

/// Conversions between libgit2's binary object ids and the lower-case hex
/// SHAs the rest of failmix uses.
extension git_oid {
    /// The full 40-character lower-case hex SHA.
    var hex: String {
        withUnsafeBytes(of: id) { raw in
            String(unsafeUninitializedCapacity: 40) { out in
                let digits: StaticString = "0123456789abcdef"
                let table = digits.utf8Start
                for (i, byte) in raw.enumerated() {
                    out[2 * i] = table[Int(byte >> 4)]
                    out[2 * i + 1] = table[Int(byte & 0x0F)]
                }
                return 40
            }
        }
    }

    /// Parses a full hex SHA.
    static func parse(_ sha: String) throws(GitError) -> git_oid {
        var oid = git_oid()
        guard sha.utf8.count == 40 else {
            throw GitError(operation: "reading object id '\(sha)'", message: "expected 40 hex digits")
        }
        try check(git_oid_fromstr(&oid, sha), "reading object id '\(sha)'")
        return oid
    }
}

/// An object id as a hashable value (no hex string per commit seen or parent
/// followed).
struct ObjectKey: Hashable, Sendable {
    var high: UInt64
    var middle: UInt64
    var low: UInt32

    init(_ oid: git_oid) {
        (high, middle, low) = withUnsafeBytes(of: oid.id) { raw in
            (raw.loadUnaligned(as: UInt64.self), raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
             raw.loadUnaligned(fromByteOffset: 16, as: UInt32.self))
        }
    }

    /// Forty hex digits (either case), as a commit's `parent` line holds
    /// them; nil for anything else. Parsed by libgit2, from the bytes in place.
    init?(hex: UnsafeRawBufferPointer) {
        guard hex.count == 40, let digits = hex.baseAddress else { return nil }
        var oid = git_oid()
        guard git_oid_fromstrn(&oid, digits.assumingMemoryBound(to: CChar.self), 40) == 0 else { return nil }
        self.init(oid)
    }

    var oid: git_oid {
        var oid = git_oid()
        withUnsafeMutableBytes(of: &oid.id) { out in
            out.storeBytes(of: high, toByteOffset: 0, as: UInt64.self)
            out.storeBytes(of: middle, toByteOffset: 8, as: UInt64.self)
            out.storeBytes(of: low, toByteOffset: 16, as: UInt32.self)
        }
        return oid
    }
}
