import CLibGit2

extension Repository {
    /// Whether `path` (relative to the working tree) is a file in HEAD's
    /// tree: the files code scanning can show a result in.
    public func headContainsFile(_ path: String) -> Bool {
        withHeadTree { tree in
            guard let entry = try? produced("reading \(path)", by: { git_tree_entry_bypath(&$0, tree, path) }) else { return false }
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
        guard let tree = try? produced("reading HEAD's tree", by: { git_revparse_single(&$0, handle, "HEAD^{tree}") }) else { return nil }
        defer { git_object_free(tree) }
        return body(tree)
    }
}
