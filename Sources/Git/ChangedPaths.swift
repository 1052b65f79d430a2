import CLibGit2

extension Repository {
    /// The paths commit `sha` changes against its first parent (every path
    /// of its tree for a root commit), from the trees alone: no blob is read.
    public func changedPaths(_ sha: String) throws(GitError) -> [String] {
        let commit = try lookupCommit(git_oid.parse(sha))
        defer { git_commit_free(commit) }
        let tree = try produced("reading the tree of \(sha)", by: { git_commit_tree(&$0, commit) })
        defer { git_tree_free(tree) }
        var parentTree: OpaquePointer?
        if git_commit_parentcount(commit) > 0 {
            let parent = try produced("reading the parent of \(sha)", by: { git_commit_parent(&$0, commit, 0) })
            defer { git_commit_free(parent) }
            parentTree = try produced("reading the parent tree of \(sha)", by: { git_commit_tree(&$0, parent) })
        }
        defer { git_tree_free(parentTree) }
        var options = git_diff_options()
        try check(git_diff_options_init(&options, UInt32(GIT_DIFF_OPTIONS_VERSION)), "preparing a diff")
        options.flags = GIT_DIFF_SKIP_BINARY_CHECK.rawValue
        let diff = try produced("diffing \(sha)", by: { git_diff_tree_to_tree(&$0, handle, parentTree, tree, &options) })
        defer { git_diff_free(diff) }
        var paths: [String] = []
        for i in 0..<git_diff_num_deltas(diff) {
            guard let delta = git_diff_get_delta(diff, i)?.pointee else { continue }
            if let new = delta.new_file.path { paths.append(String(cString: new)) }
            if let old = delta.old_file.path, delta.status == GIT_DELTA_RENAMED { paths.append(String(cString: old)) }
        }
        return paths
    }
}
