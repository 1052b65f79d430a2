import CLibGit2
import Foundation

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
        var trailers: [Trailer] = []
        forEach(in: message) { key, value in trailers.append(Trailer(key: String(cString: key), value: String(cString: value))) }
        return trailers
    }

    /// Hands each trailer's key and value to `body` as C strings, valid during the call.
    static func forEach(in message: String, _ body: (UnsafePointer<CChar>, UnsafePointer<CChar>) -> Void) {
        LibGit2.ensureInitialized()
        var array = git_message_trailer_array()
        guard git_message_trailers(&array, message) == 0 else { return }
        defer { git_message_trailer_array_free(&array) }
        for i in 0..<array.count { body(array.trailers[i].key, array.trailers[i].value) }
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
        var values: [String] = []
        Trailer.forEach(in: message) { name, value in
            if String(cString: name).lowercased() == wanted { values.append(String(cString: value)) }
        }
        return values
    }

    /// Whether a line of `text` starts with `key`, ASCII letters in any case
    /// (a trailer is a line; a non-ASCII key: assume so). Jumps from newline
    /// to newline.
    static func mayContain(_ text: String, _ key: String) -> Bool {
        let needle = Array(key.utf8).map(lowerASCII)
        if needle.isEmpty || needle.contains(where: { $0 >= 0x80 }) { return true }
        var text = text
        return text.withUTF8 { bytes -> Bool in
            guard let base = bytes.baseAddress else { return false }
            var line = 0
            while bytes.count - line >= needle.count {
                var j = 0
                while j < needle.count, lowerASCII(bytes[line + j]) == needle[j] { j += 1 }
                if j == needle.count { return true }
                guard let newline = memchr(base + line, 0x0A, bytes.count - line) else { return false }
                line = UnsafeRawPointer(newline) - UnsafeRawPointer(base) + 1
            }
            return false
        }
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
        var commit: OpaquePointer?
        try check(git_commit_lookup(&commit, handle, &oid), "reading commit \(id.hex)")
        return commit!
    }
}
