import CLibGit2

/// A `Key: value` line from a commit message's trailer block.
public struct Trailer: Sendable, Hashable {
    public var key: String
    public var value: String

    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }

    /// The trailers of `message`, as libgit2 (like `git interpret-trailers`) finds them.
    public static func parse(_ message: String) -> [Trailer] {
        LibGit2.ensureInitialized()
        var array = git_message_trailer_array()
        guard git_message_trailers(&array, message) == 0 else { return [] }
        defer { git_message_trailer_array_free(&array) }
        return (0..<array.count).map { i in
            let t = array.trailers[i]
            return Trailer(key: String(cString: t.key), value: String(cString: t.value))
        }
    }
}

/// One commit, copied out of its object so it outlives the walk.
public struct Commit: Sendable, Hashable {
    /// Full lower-case hex SHA.
    public var sha: String
    public var authorName: String
    public var authorEmail: String
    /// Author time in seconds since the epoch: when the work was done, the
    /// time that attribution uses.
    public var authorTime: Int64
    /// Committer time: what the walk is ordered (and cut off) by.
    public var committerTime: Int64
    public var parents: [String]
    public var message: String

    /// The message's trailers, parsed when asked for: most commits are only
    /// asked for one key, which `trailerValues(forKey:)` answers cheaper.
    public var trailers: [Trailer] {
        // A trailer is a "key: value" line: without a colon there is none.
        message.utf8.contains(UInt8(ascii: ":")) ? Trailer.parse(message) : []
    }

    /// The values of the trailers named `key` (in any case). The message is
    /// parsed only when it holds the key at all: real messages carry many
    /// trailers (Signed-off-by, Cc, …), rarely the one asked for.
    public func trailerValues(forKey key: String) -> [String] {
        guard Self.mayContain(message, key) else { return [] }
        let wanted = key.lowercased()
        return trailers.compactMap { $0.key.lowercased() == wanted ? $0.value : nil }
    }

    /// Whether `text` holds `key`, ASCII letters in any case (a non-ASCII key: assume so).
    static func mayContain(_ text: String, _ key: String) -> Bool {
        let needle = Array(key.utf8).map(lowerASCII)
        guard let first = needle.first else { return true }
        if needle.contains(where: { $0 >= 0x80 }) { return true }
        let haystack = text.utf8
        guard haystack.count >= needle.count else { return false }
        return haystack.withContiguousStorageIfAvailable { bytes -> Bool in
            var i = 0
            let last = bytes.count - needle.count
            while i <= last {
                if lowerASCII(bytes[i]) == first {
                    var j = 1
                    while j < needle.count, lowerASCII(bytes[i + j]) == needle[j] { j += 1 }
                    if j == needle.count { return true }
                }
                i += 1
            }
            return false
        } ?? true
    }
}

@inline(__always)
private func lowerASCII(_ byte: UInt8) -> UInt8 {
    (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 : byte
}

extension Repository {
    /// The commit with full SHA `sha`.
    public func commit(_ sha: String) throws(GitError) -> Commit {
        try readCommit(git_oid.parse(sha))
    }
}
