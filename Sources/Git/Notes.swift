import CLibGit2

/// The notes of one notes ref, looked up the way git does: the annotated
/// commit's hex id is a path in the notes tree, split into two-character
/// fan-out directories once there are many notes. Fan-out trees are read
/// when a lookup first needs them and kept. (libgit2's note iterator opens
/// the working tree's index on the way, reading every entry of it.)
public final class NotesReader {
    private let repository: Repository
    /// The notes trees read so far, by the hex prefix their path spells ("" is the root).
    private var trees: [String: OpaquePointer] = [:]

    /// Nil when `ref` does not exist (no notes written yet).
    init?(repository: Repository, ref: String) throws(GitError) {
        var tip = git_oid()
        let code = git_reference_name_to_id(&tip, repository.handle, ref)
        if code == GIT_ENOTFOUND.rawValue { return nil }
        try check(code, "reading notes ref '\(ref)'")
        var commit: OpaquePointer?
        try check(git_commit_lookup(&commit, repository.handle, &tip), "reading notes ref '\(ref)'")
        defer { git_commit_free(commit) }
        var root: OpaquePointer?
        try check(git_commit_tree(&root, commit), "reading notes ref '\(ref)'")
        self.repository = repository
        trees[""] = root
    }

    deinit {
        for tree in trees.values { git_tree_free(tree) }
    }

    /// The note attached to commit `sha`, or nil.
    public func note(for sha: String) throws(GitError) -> String? {
        let hex = sha.lowercased()
        guard hex.utf8.count == 40, var id = try blob(for: hex, depth: 0) else { return nil }
        var blob: OpaquePointer?
        try check(git_blob_lookup(&blob, repository.handle, &id), "reading the note of \(sha)")
        defer { git_blob_free(blob) }
        let bytes = UnsafeRawBufferPointer(start: git_blob_rawcontent(blob), count: Int(git_blob_rawsize(blob)))
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The note's blob under the tree at `hex`'s first `depth` characters:
    /// an entry named by the rest, else a fan-out directory of the next two.
    private func blob(for hex: String, depth: Int) throws(GitError) -> git_oid? {
        guard let tree = trees[String(hex.prefix(depth))] else { return nil }
        let rest = hex.dropFirst(depth)
        if let entry = git_tree_entry_byname(tree, String(rest)), git_tree_entry_type(entry) == GIT_OBJECT_BLOB {
            return git_tree_entry_id(entry).pointee
        }
        guard rest.count > 2, let entry = git_tree_entry_byname(tree, String(rest.prefix(2))),
            git_tree_entry_type(entry) == GIT_OBJECT_TREE
        else { return nil }
        let prefix = String(hex.prefix(depth + 2))
        if trees[prefix] == nil {
            var subtree: OpaquePointer?
            try check(git_tree_lookup(&subtree, repository.handle, git_tree_entry_id(entry)), "reading the notes tree '\(prefix)'")
            trees[prefix] = subtree
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
        var signature: UnsafeMutablePointer<git_signature>?
        try check(git_signature_now(&signature, authorName, authorEmail), "making the note's signature")
        defer { git_signature_free(signature) }
        var noteID = git_oid()
        try check(git_note_create(&noteID, handle, ref, signature, signature, &target, message, 1),
                  "writing the note of \(sha) in '\(ref)'")
    }
}
