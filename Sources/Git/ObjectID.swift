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
