import CLibGit2

extension Repository {
    /// A string value from the repository's effective configuration (local,
    /// global, system), or nil when unset.
    public func configString(_ key: String) throws(GitError) -> String? {
        let config = try configSnapshot()
        defer { git_config_free(config) }
        return try Self.configString(config, key, "reading '\(key)'")
    }

    /// A read-only snapshot of the effective configuration; the caller frees it.
    func configSnapshot() throws(GitError) -> OpaquePointer {
        try produced("reading the configuration", by: { git_repository_config_snapshot(&$0, handle) })
    }

    /// `key`'s string value in `config`, or nil when unset.
    static func configString(_ config: OpaquePointer, _ key: String, _ operation: @autoclosure () -> String) throws(GitError) -> String? {
        do {
            return try bufferText(operation(), by: { git_config_get_string_buf(&$0, config, key) })
        } catch where error.isNotFound {
            return nil
        }
    }

    /// The directory git runs hooks from (see `hooksLocation()`).
    public func hooksDirectory() throws(GitError) -> String {
        try hooksLocation().directory
    }
}
