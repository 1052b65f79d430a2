import CLibGit2
import FailmixSupport
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Commit {
    /// Parses a commit object's bytes as the odb hands them out: the header
    /// lines, then a blank line and the message. Reading the odb object
    /// straight, not through `git_commit_lookup`, spares libgit2's parse,
    /// which copies the header, the message and both signatures into
    /// allocations of their own before failmix copies them once more.
    ///
    /// Field by field it reads what libgit2 would: the first `author` line
    /// (name and e-mail around its last `<…>`, trimmed), the `committer`
    /// line's time, every `parent` line, and the message from after the
    /// blank line with its leading newlines dropped, up to a NUL byte. It is
    /// lenient where libgit2 refuses the whole commit: a signature without
    /// an e-mail or a time reads as empty or zero.
    init(id: git_oid, bytes: Span<UInt8>) {
        sha = id.hex
        var author = Signature()
        var committer = Signature()
        var parents: [ObjectKey] = []
        var unreadableParent: String?
        var line = 0
        var sawAuthor = false, sawCommitter = false
        let count = bytes.count
        // The header: up to the first empty line.
        while line < count, bytes[line] != UInt8(ascii: "\n") {
            let end = bytes.index(of: UInt8(ascii: "\n"), from: line)
            let text = bytes.extracting(line..<end)
            if text.starts(with: Self.parentPrefix), text.count == Self.parentPrefix.count + 40 {
                let hex = text.extracting(Self.parentPrefix.count..<text.count)
                if let parent = ObjectKey(hex: hex) {
                    parents.append(parent)
                } else if unreadableParent == nil {
                    unreadableParent = hex.utf8String(0..<hex.count)
                }
            } else if !sawAuthor, text.starts(with: Self.authorPrefix) {
                author = Signature(text.extracting(Self.authorPrefix.count..<text.count))
                sawAuthor = true
            } else if !sawCommitter, text.starts(with: Self.committerPrefix) {
                committer = Signature(text.extracting(Self.committerPrefix.count..<text.count), names: false)
                sawCommitter = true
            }
            line = end + 1
        }
        // The message: after the blank line, leading newlines dropped, up to a NUL.
        var start = min(line + 1, count)
        while start < count, bytes[start] == UInt8(ascii: "\n") { start += 1 }
        let end = bytes.index(of: 0, from: start)
        authorName = author.name
        authorEmail = author.email
        authorTime = author.time
        committerTime = committer.time
        parentIDs = parents
        self.unreadableParent = unreadableParent
        message = bytes.utf8String(start..<end)
    }

    private static let parentPrefix = Array("parent ".utf8)
    private static let authorPrefix = Array("author ".utf8)
    private static let committerPrefix = Array("committer ".utf8)
}

/// `Name <email> 1700000000 +0100`, read the way libgit2's signature parser
/// reads it: the e-mail between the line's last `<` and last `>`, the name
/// before it, both trimmed; the time after `> `.
private struct Signature {
    var name = ""
    var email = ""
    var time: Int64 = 0

    init() {}

    /// `names: false` reads the time alone (the committer's: two strings
    /// fewer per commit).
    init(_ text: Span<UInt8>, names: Bool = true) {
        guard let open = text.lastIndex(of: UInt8(ascii: "<")), let close = text.lastIndex(of: UInt8(ascii: ">")),
            open < close
        else { return }
        if names {
            name = Self.trimmed(text, 0..<open)
            email = Self.trimmed(text, (open + 1)..<close)
        }
        let end = text.count
        var i = close + 1
        while i < end, text[i] == UInt8(ascii: " ") { i += 1 }
        var negative = false
        if i < end, text[i] == UInt8(ascii: "-") || text[i] == UInt8(ascii: "+") {
            negative = text[i] == UInt8(ascii: "-")
            i += 1
        }
        var value: Int64 = 0
        while i < end, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(text[i]) {
            let (shifted, overflow) = value.multipliedReportingOverflow(by: 10)
            guard !overflow else { return }
            value = shifted &+ Int64(text[i] - UInt8(ascii: "0"))
            i += 1
        }
        time = negative ? -value : value
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (0x09...0x0D).contains(byte)
    }

    private static func trimmed(_ bytes: Span<UInt8>, _ range: Range<Int>) -> String {
        var start = range.lowerBound, end = range.upperBound
        while start < end, isSpace(bytes[start]) { start += 1 }
        while end > start, isSpace(bytes[end - 1]) { end -= 1 }
        return bytes.utf8String(start..<end)
    }
}

extension Repository {
    /// Reads commit `id` from the object database and parses it.
    func readCommit(_ id: git_oid) throws(GitError) -> Commit {
        try withObjectBytes(odb, id, "reading commit \(id.hex)") { (type, bytes) throws(GitError) -> Commit in
            guard type == GIT_OBJECT_COMMIT else {
                throw GitError(operation: "reading commit \(id.hex)", message: "the object is not a commit")
            }
            return Commit(id: id, bytes: bytes)
        }
    }
}
