import CLibGit2

extension Repository {
    /// A string value from the repository's effective configuration (local,
    /// global, system), or nil when unset.
    public func configString(_ key: String) throws(GitError) -> String? {
        var config: OpaquePointer?
        try check(git_repository_config_snapshot(&config, handle), "reading the configuration")
        defer { git_config_free(config) }
        var value: UnsafePointer<CChar>?
        let code = git_config_get_string(&value, config, key)
        if code == GIT_ENOTFOUND.rawValue { return nil }
        try check(code, "reading '\(key)'")
        return value.map { String(cString: $0) }
    }

    /// The directory git runs hooks from (see `hooksLocation()`).
    public func hooksDirectory() throws(GitError) -> String {
        try hooksLocation().directory
    }
}
