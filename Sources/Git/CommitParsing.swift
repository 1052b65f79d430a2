import CLibGit2
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
    init(id: git_oid, bytes: UnsafeRawBufferPointer) {
        sha = id.hex
        var author = Signature()
        var committer = Signature()
        var parents: [ObjectKey] = []
        var unreadableParent: String?
        var line = 0
        var sawAuthor = false, sawCommitter = false
        let count = bytes.count
        // memchr, not a byte loop: the message is most of a commit's bytes.
        func find(_ byte: UInt8, from start: Int) -> Int {
            guard start < count, let base = bytes.baseAddress,
                let hit = memchr(base + start, Int32(byte), count - start) else { return count }
            return UnsafeRawPointer(hit) - base
        }
        // The header: up to the first empty line.
        while line < count, bytes[line] != UInt8(ascii: "\n") {
            let end = find(UInt8(ascii: "\n"), from: line)
            let text = UnsafeRawBufferPointer(rebasing: bytes[line..<end])
            if text.starts(with: Self.parentPrefix), text.count == Self.parentPrefix.count + 40 {
                let hex = UnsafeRawBufferPointer(rebasing: text.dropFirst(Self.parentPrefix.count))
                if let parent = ObjectKey(hex: hex) {
                    parents.append(parent)
                } else if unreadableParent == nil {
                    unreadableParent = String(decoding: hex, as: UTF8.self)
                }
            } else if !sawAuthor, text.starts(with: Self.authorPrefix) {
                author = Signature(text.dropFirst(Self.authorPrefix.count))
                sawAuthor = true
            } else if !sawCommitter, text.starts(with: Self.committerPrefix) {
                committer = Signature(text.dropFirst(Self.committerPrefix.count), names: false)
                sawCommitter = true
            }
            line = end + 1
        }
        // The message: after the blank line, leading newlines dropped, up to a NUL.
        var start = min(line + 1, count)
        while start < count, bytes[start] == UInt8(ascii: "\n") { start += 1 }
        let end = find(0, from: start)
        authorName = author.name
        authorEmail = author.email
        authorTime = author.time
        committerTime = committer.time
        parentIDs = parents
        self.unreadableParent = unreadableParent
        message = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
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
    init(_ text: Slice<UnsafeRawBufferPointer>, names: Bool = true) {
        guard let open = Self.lastIndex(of: UInt8(ascii: "<"), in: text), let close = Self.lastIndex(of: UInt8(ascii: ">"), in: text),
            open < close
        else { return }
        if names {
            name = Self.trimmed(text[text.startIndex..<open])
            email = Self.trimmed(text[(open + 1)..<close])
        }
        var i = close + 1
        while i < text.endIndex, text[i] == UInt8(ascii: " ") { i += 1 }
        var negative = false
        if i < text.endIndex, text[i] == UInt8(ascii: "-") || text[i] == UInt8(ascii: "+") {
            negative = text[i] == UInt8(ascii: "-")
            i += 1
        }
        var value: Int64 = 0
        while i < text.endIndex, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(text[i]) {
            let (shifted, overflow) = value.multipliedReportingOverflow(by: 10)
            guard !overflow else { return }
            value = shifted &+ Int64(text[i] - UInt8(ascii: "0"))
            i += 1
        }
        time = negative ? -value : value
    }

    /// `text.lastIndex(of: byte)` with memrchr (a generic backwards walk
    /// over the slice cost a tenth of parsing a commit).
    private static func lastIndex(of byte: UInt8, in text: Slice<UnsafeRawBufferPointer>) -> Int? {
        guard !text.isEmpty, let base = text.base.baseAddress,
            let hit = memrchr(base + text.startIndex, Int32(byte), text.count) else { return nil }
        return UnsafeRawPointer(hit) - base
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (0x09...0x0D).contains(byte)
    }

    private static func trimmed(_ bytes: Slice<UnsafeRawBufferPointer>) -> String {
        var start = bytes.startIndex, end = bytes.endIndex
        while start < end, isSpace(bytes[start]) { start += 1 }
        while end > start, isSpace(bytes[end - 1]) { end -= 1 }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes.base[start..<end]), as: UTF8.self)
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
