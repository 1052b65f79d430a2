import CLibGit2

/// Conversions between libgit2's binary object ids and the lower-case hex
/// SHAs the rest of failmix uses.
extension git_oid {
    /// The full 40-character lower-case hex SHA.
    var hex: String { hexDigits(self) }

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
        (high, middle, low) = objectIDWords(oid)
    }

    /// Forty hex digits (either case), as a commit's `parent` line holds
    /// them; nil for anything else. Parsed by libgit2, from the bytes in place.
    init?(hex: Span<UInt8>) {
        guard let oid = parsedObjectID(hex: hex) else { return nil }
        self.init(oid)
    }

    var oid: git_oid { objectID(words: (high, middle, low)) }
}
