import FailmixGit

extension Repository {
    /// Leaves a CI result on commit `rev` in the notes ref `ref`, where the
    /// Evidence stage reads it back; one note per commit, so recording again
    /// replaces the result. Returns the commit's full SHA.
    public func recordCIResult(_ note: CINote, ref: String, at rev: String) throws(GitError) -> String {
        let commit = try resolve(rev)
        let identity = identity() ?? ("failmix", "failmix@localhost")
        try setNote(ref: ref, sha: commit, message: note.text, authorName: identity.name, authorEmail: identity.email)
        return commit
    }
}
