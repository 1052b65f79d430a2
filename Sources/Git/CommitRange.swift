import CLibGit2

extension Repository {
    /// The full SHA of the commit `rev` names (a SHA, a prefix, a ref, `HEAD~2`…).
    public func resolve(_ rev: String) throws(GitError) -> String {
        try commitID(rev).hex
    }

    /// The commits reachable from `head` but not from `base` (`base..head`),
    /// newest first: a pull request's own commits.
    public func commits(from base: String, to head: String) throws(GitError) -> [String] {
        let walker = try produced("starting a history walk", by: { git_revwalk_new(&$0, handle) })
        defer { git_revwalk_free(walker) }
        try check(git_revwalk_sorting(walker, GIT_SORT_TIME.rawValue | GIT_SORT_TOPOLOGICAL.rawValue), "sorting the history walk")
        var headID = try commitID(head)
        var baseID = try commitID(base)
        try check(git_revwalk_push(walker, &headID), "walking from '\(head)'")
        try check(git_revwalk_hide(walker, &baseID), "hiding '\(base)'")
        var shas: [String] = []
        var oid = git_oid()
        while true {
            let code = git_revwalk_next(&oid, walker)
            if code == GIT_ITEROVER.rawValue { return shas }
            try check(code, "walking \(base)..\(head)")
            shas.append(oid.hex)
        }
    }

    /// The configured committer identity (`user.name`, `user.email`), if any.
    public func identity() -> (name: String, email: String)? {
        guard let name = try? configString("user.name"), let email = try? configString("user.email") else { return nil }
        return (name, email)
    }
}

extension Repository {
    /// The SHA a reference points at (`refs/notes/ci`), or nil when it doesn't exist.
    public func referenceTarget(_ name: String) -> String? {
        var oid = git_oid()
        return git_reference_name_to_id(&oid, handle, name) == 0 ? oid.hex : nil
    }
}
