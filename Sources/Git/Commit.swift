import CLibGit2
import FailmixSupport
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
        messageTrailers(message).map { Trailer(key: $0.key, value: $0.value) }
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
    /// The parents' full lower-case hex SHAs.
    public var parents: [String] { parentIDs.map { $0.oid.hex } }
    /// The parents as the walk follows them, without a string each.
    let parentIDs: [ObjectKey]
    /// A `parent` line whose id is not 40 hex digits: the walk cannot go on past it.
    let unreadableParent: String?
    public var message: String

    /// The message's trailers, parsed when asked for: most commits are only
    /// asked for one key, which `trailerValues(forKey:)` answers cheaper.
    public var trailers: [Trailer] {
        // A trailer is a "key: value" line: without a colon there is none.
        message.utf8.contains(UInt8(ascii: ":")) ? Trailer.parse(message) : []
    }

    /// A trailer key prepared once for many commits' messages.
    public struct TrailerKey: Sendable {
        public let name: String
        let lowered: String
        /// The key's bytes, ASCII letters lower-cased; nil for a non-ASCII key.
        let needle: [UInt8]?

        public init(_ name: String) {
            self.name = name
            lowered = name.lowercased()
            let bytes = name.utf8.map(lowerASCII)
            needle = bytes.contains(where: { $0 >= 0x80 }) ? nil : bytes
        }

        /// Whether a trailer key spelled `bytes` may be this key in some
        /// case: false only when ASCII alone decides it differs (a non-ASCII
        /// byte in either leaves it to the Unicode comparison).
        func mayName(_ bytes: Span<UInt8>) -> Bool {
            guard let needle else { return true }
            for i in 0..<min(bytes.count, needle.count) {
                if bytes[i] >= 0x80 { return true }
                if lowerASCII(bytes[i]) != needle[i] { return false }
            }
            // Lower-casing never shortens: an ASCII prefix of another length is another key.
            return bytes.count == needle.count
        }
    }

    /// The values of the trailers named `key` (in any case). The message is
    /// parsed only when it holds the key at all: real messages carry many
    /// trailers (Signed-off-by, Cc, …), rarely the one asked for.
    public func trailerValues(forKey key: String) -> [String] {
        trailerValues(for: TrailerKey(key))
    }

    public func trailerValues(for key: TrailerKey) -> [String] {
        guard Self.mayContain(message, key) else { return [] }
        return messageTrailers(message, keyMatches: key.mayName).compactMap { $0.key.lowercased() == key.lowered ? $0.value : nil }
    }

    /// Whether a line of `text` starts with `key`, ASCII letters in any case
    /// (a trailer is a line; a non-ASCII key: assume so). Jumps from newline
    /// to newline.
    static func mayContain(_ text: String, _ key: String) -> Bool {
        mayContain(text, TrailerKey(key))
    }

    static func mayContain(_ text: String, _ key: TrailerKey) -> Bool {
        guard let needle = key.needle, !needle.isEmpty else { return true }
        let bytes = text.utf8.span
        var line = 0
        while bytes.count - line >= needle.count {
            var j = 0
            while j < needle.count, lowerASCII(bytes[line + j]) == needle[j] { j += 1 }
            if j == needle.count { return true }
            line = bytes.index(of: 0x0A, from: line) + 1
        }
        return false
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

    /// A looked-up `git_commit` (for its tree and parents) that the caller frees.
    func lookupCommit(_ id: git_oid) throws(GitError) -> OpaquePointer {
        var oid = id
        return try produced("reading commit \(id.hex)", by: { git_commit_lookup(&$0, handle, &oid) })
    }
}
