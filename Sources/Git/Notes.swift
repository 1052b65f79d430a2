import CLibGit2

/// The notes of one notes ref. The notes tree is listed once up front: a
/// lookup per commit would re-read its fanout trees every time (libgit2
/// does not cache trees that large), which dominates on big histories.
public final class NotesReader {
    private let repository: Repository
    /// Annotated commit SHA → the note's blob.
    private let blobs: [String: git_oid]

    /// Nil when `ref` does not exist (no notes written yet).
    init?(repository: Repository, ref: String) throws(GitError) {
        var tip = git_oid()
        let resolved = git_reference_name_to_id(&tip, repository.handle, ref)
        if resolved == GIT_ENOTFOUND.rawValue { return nil }
        try check(resolved, "resolving notes ref '\(ref)'")
        // libgit2 1.5 crashes iterating a notes ref that names a blob or a
        // missing object: only a commit whose tree reads is iterated.
        try Self.checkNotesCommit(tip, ref: ref, repository: repository)
        var iterator: OpaquePointer?
        let code = git_note_iterator_new(&iterator, repository.handle, ref)
        if code == GIT_ENOTFOUND.rawValue { return nil }
        try check(code, "reading notes ref '\(ref)'")
        defer { git_note_iterator_free(iterator) }
        var blobs: [String: git_oid] = [:]
        while true {
            var blob = git_oid(), annotated = git_oid()
            let next = git_note_next(&blob, &annotated, iterator)
            if next == GIT_ITEROVER.rawValue { break }
            try check(next, "reading notes ref '\(ref)'")
            blobs[annotated.hex] = blob
        }
        self.repository = repository
        self.blobs = blobs
    }

    /// Throws unless `tip` is a commit whose tree can be read.
    static func checkNotesCommit(_ tip: git_oid, ref: String, repository: Repository) throws(GitError) {
        var id = tip
        var commit: OpaquePointer?
        try check(git_commit_lookup(&commit, repository.handle, &id), "reading notes ref '\(ref)' (it must point at a notes commit)")
        defer { git_commit_free(commit) }
        var tree: OpaquePointer?
        try check(git_commit_tree(&tree, commit), "reading the tree of notes ref '\(ref)'")
        git_tree_free(tree)
    }

    /// The note attached to commit `sha`, or nil.
    public func note(for sha: String) throws(GitError) -> String? {
        guard var id = blobs[sha.lowercased()] else { return nil }
        var blob: OpaquePointer?
        try check(git_blob_lookup(&blob, repository.handle, &id), "reading the note of \(sha)")
        defer { git_blob_free(blob) }
        let bytes = UnsafeRawBufferPointer(start: git_blob_rawcontent(blob), count: Int(git_blob_rawsize(blob)))
        return String(decoding: bytes, as: UTF8.self)
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
        var tip = git_oid()
        if git_reference_name_to_id(&tip, handle, ref) == 0 {
            try NotesReader.checkNotesCommit(tip, ref: ref, repository: self)
        }
        var signature: UnsafeMutablePointer<git_signature>?
        try check(git_signature_now(&signature, authorName, authorEmail), "making the note's signature")
        defer { git_signature_free(signature) }
        var noteID = git_oid()
        try check(git_note_create(&noteID, handle, ref, signature, signature, &target, message, 1),
                  "writing the note of \(sha) in '\(ref)'")
    }
}
