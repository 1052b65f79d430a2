import CLibGit2

extension Repository {
    /// Whether `path` (relative to the working tree) is a file in HEAD's
    /// tree: the files code scanning can show a result in.
    public func headContainsFile(_ path: String) -> Bool {
        withHeadTree { tree in
            var entry: OpaquePointer?
            guard git_tree_entry_bypath(&entry, tree, path) == 0 else { return false }
            defer { git_tree_entry_free(entry) }
            return git_tree_entry_type(entry) == GIT_OBJECT_BLOB
        } ?? false
    }

    /// The first file at the root of HEAD's tree, in git's order.
    public var firstFileInHead: String? {
        withHeadTree { tree in
            for i in 0..<git_tree_entrycount(tree) {
                guard let entry = git_tree_entry_byindex(tree, i), git_tree_entry_type(entry) == GIT_OBJECT_BLOB else { continue }
                return String(cString: git_tree_entry_name(entry))
            }
            return nil
        } ?? nil
    }

    private func withHeadTree<T>(_ body: (OpaquePointer) -> T) -> T? {
        var tree: OpaquePointer?
        guard git_revparse_single(&tree, handle, "HEAD^{tree}") == 0, let tree else { return nil }
        defer { git_object_free(tree) }
        return body(tree)
    }
}
