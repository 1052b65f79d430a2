import CLibGit2

/// The notes of one notes ref, looked up the way git does: the annotated
/// commit's hex id is a path in the notes tree, split into two-character
/// fan-out directories once there are many notes. Fan-out trees are read
/// when a lookup first needs them and kept. (libgit2's note iterator opens
/// the working tree's index on the way, reading every entry of it.)
public final class NotesReader {
    private let repository: Repository
    /// The notes trees read so far, by the hex prefix their path spells
    /// ("" is the root, "ab" the fan-out directory ab/, "ab/cd" is "abcd").
    /// Looked up with the prefix's bytes, not a String each: a report looks
    /// up every attributed commit's note.
    private var trees: [NotesPrefix: OpaquePointer] = [:]

    /// A hex prefix of at most 40 digits, packed.
    private struct NotesPrefix: Hashable {
        var digits: (UInt64, UInt64, UInt64, UInt64, UInt64)
        var count: Int

        /// The first `count` bytes of `hex`, in order, eight to a word
        /// (little-endian: byte i is bits 8*(i%8) of word i/8).
        init(_ hex: [UInt8], count: Int) {
            var words: (UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0)
            for i in 0..<count {
                let byte = UInt64(hex[i]) << UInt64(8 * (i & 7))
                switch i >> 3 {
                case 0: words.0 |= byte
                case 1: words.1 |= byte
                case 2: words.2 |= byte
                case 3: words.3 |= byte
                default: words.4 |= byte
                }
            }
            digits = words
            self.count = count
        }

        static func == (a: NotesPrefix, b: NotesPrefix) -> Bool {
            a.count == b.count && a.digits == b.digits
        }

        func hash(into hasher: inout Hasher) {
            hasher.combine(count)
            hasher.combine(digits.0)
            hasher.combine(digits.1)
            hasher.combine(digits.2)
            hasher.combine(digits.3)
            hasher.combine(digits.4)
        }
    }

    /// Nil when `ref` does not exist (no notes written yet).
    init?(repository: Repository, ref: String) throws(GitError) {
        var tip = git_oid()
        let code = git_reference_name_to_id(&tip, repository.handle, ref)
        if code == GIT_ENOTFOUND.rawValue { return nil }
        try check(code, "reading notes ref '\(ref)'")
        let commit = try produced("reading notes ref '\(ref)'", by: { git_commit_lookup(&$0, repository.handle, &tip) })
        defer { git_commit_free(commit) }
        let root = try produced("reading notes ref '\(ref)'", by: { git_commit_tree(&$0, commit) })
        self.repository = repository
        trees[NotesPrefix([], count: 0)] = root
    }

    deinit {
        for tree in trees.values { git_tree_free(tree) }
    }

    /// The note attached to commit `sha`, or nil.
    public func note(for sha: String) throws(GitError) -> String? {
        // The hex digits, lower-cased, NUL-terminated for libgit2's lookups by name.
        var hex = Array((sha.utf8.allSatisfy { $0 < 0x80 } ? sha : sha.lowercased()).utf8)
        guard hex.count == 40 else { return nil }
        for i in hex.indices where (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(hex[i]) { hex[i] |= 0x20 }
        hex.append(0)
        guard let id = try blob(for: hex, depth: 0) else { return nil }
        return try withObjectBytes(repository.odb, id, "reading the note of \(sha)") { _, bytes in bytes.utf8String(0..<bytes.count) }
    }

    /// The note's blob under the tree at `hex`'s first `depth` digits: an
    /// entry named by the rest, else a fan-out directory of the next two.
    /// `hex` holds 40 digits and a NUL.
    private func blob(for hex: [UInt8], depth: Int) throws(GitError) -> git_oid? {
        guard let tree = trees[NotesPrefix(hex, count: depth)] else { return nil }
        if let entry = treeEntry(tree, named: hex, from: depth), git_tree_entry_type(entry) == GIT_OBJECT_BLOB {
            return entryID(entry)
        }
        guard 40 - depth > 2 else { return nil }
        guard let entry = treeEntry(tree, named: [hex[depth], hex[depth + 1], 0], from: 0),
              git_tree_entry_type(entry) == GIT_OBJECT_TREE else { return nil }
        let prefix = NotesPrefix(hex, count: depth + 2)
        if trees[prefix] == nil {
            trees[prefix] = try produced("reading the notes tree '\(String(decoding: hex[..<(depth + 2)], as: UTF8.self))'",
                                         by: { git_tree_lookup(&$0, repository.handle, git_tree_entry_id(entry)) })
        }
        return try blob(for: hex, depth: depth + 2)
    }
}

extension Repository {
    public static let defaultNotesRef = "refs/notes/ci"

    /// A reader for the notes in `ref`; nil when the ref does not exist.
    public func notes(ref: String = defaultNotesRef) throws(GitError) -> NotesReader? {
        try NotesReader(repository: self, ref: ref)
    }

    /// The note attached to commit `sha` in `ref`, or nil.
    public func note(ref: String = defaultNotesRef, sha: String) throws(GitError) -> String? {
        try notes(ref: ref)?.note(for: sha)
    }

    /// Attaches `message` to commit `sha` in `ref`, replacing any note there,
    /// as a new notes commit by `authorName <authorEmail>`.
    public func setNote(
        ref: String = defaultNotesRef, sha: String, message: String, authorName: String, authorEmail: String
    ) throws(GitError) {
        var target = try git_oid.parse(sha)
        // libgit2 crashes writing to a notes ref that names a blob or a
        // missing object: the ref must be absent or a readable notes commit.
        _ = try NotesReader(repository: self, ref: ref)
        try withSignatureNow(authorName, authorEmail, "making the note's signature") { (signature) throws(GitError) in
            var noteID = git_oid()
            try check(git_note_create(&noteID, handle, ref, signature, signature, &target, message, 1),
                      "writing the note of \(sha) in '\(ref)'")
        }
    }
}
