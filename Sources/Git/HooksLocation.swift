import CLibGit2
import FoundationEssentials

/// Where git looks for hooks, and every place someone may have put them:
/// `core.hooksPath` from the worktree's own configuration (with
/// `extensions.worktreeConfig`), the repository's, the global or the
/// system one (the most specific wins), else the common `.git/hooks`.
public struct HooksLocation: Sendable, Equatable {
    /// Where a `core.hooksPath` setting comes from.
    public enum Source: String, Sendable, Comparable {
        case system, xdg, global, local, worktree
        /// No `core.hooksPath`: the common git directory's `hooks`.
        case none

        public static func < (a: Source, b: Source) -> Bool { a.rank < b.rank }
        private var rank: Int { [.none: 0, .system: 1, .xdg: 2, .global: 3, .local: 4, .worktree: 5][self]! }

        /// `core.hooksPath (global config)`, for people.
        public var label: String { self == .none ? "no core.hooksPath" : "core.hooksPath in the \(rawValue) config" }
    }

    public struct Setting: Sendable, Equatable {
        public var source: Source
        /// As written.
        public var value: String
        /// Resolved as git resolves it (`~/` expanded, relative to the working tree root).
        public var directory: String
    }

    /// The directory git runs hooks from.
    public var directory: String
    public var source: Source
    /// Every `core.hooksPath` set, least specific first (the last one is in effect).
    public var settings: [Setting]
    /// `$GIT_COMMON_DIR/hooks`: where hooks go without `core.hooksPath`.
    public var defaultDirectory: String

    /// Hooks are switched off (`core.hooksPath = /dev/null`).
    public var isDisabled: Bool { directory == "/dev/null" }

    /// Directories that may hold hooks git will not run: the default one
    /// when `core.hooksPath` is set, and the ones less specific settings name.
    public var ignoredDirectories: [(directory: String, why: String)] {
        var out: [(String, String)] = []
        func add(_ d: String, _ why: String) {
            if d != directory, !out.contains(where: { $0.0 == d }) { out.append((d, why)) }
        }
        if source != .none { add(defaultDirectory, "the default hooks directory") }
        for setting in settings.reversed() { add(setting.directory, setting.source.label) }
        return out
    }
}

extension Repository {
    public func hooksLocation() throws(GitError) -> HooksLocation {
        var settings: [HooksLocation.Setting] = []
        let config = try configSnapshot()
        defer { git_config_free(config) }
        let iterator = try produced("reading core.hooksPath", by: { git_config_iterator_glob_new(&$0, config, "^core\\.hookspath$") })
        defer { git_config_iterator_free(iterator) }
        for entry in configEntries(iterator) {
            let source: HooksLocation.Source
            switch entry.level {
            case GIT_CONFIG_LEVEL_SYSTEM, GIT_CONFIG_LEVEL_PROGRAMDATA: source = .system
            case GIT_CONFIG_LEVEL_XDG: source = .xdg
            case GIT_CONFIG_LEVEL_GLOBAL: source = .global
            default: source = .local
            }
            if let value = entry.value { settings.append(setting(source, value)) }
        }
        // libgit2 1.5 does not read config.worktree: read it as git does.
        if (try? configBool("extensions.worktreeConfig")) == true,
           let value = try? Self.configValue(file: gitDirectory + "/config.worktree", key: "core.hooksPath") {
            settings.append(setting(.worktree, value))
        }
        settings.sort { $0.source < $1.source }
        let defaultDirectory = commonDirectory + "/hooks"
        // An empty value unsets it.
        if let last = settings.last, !last.value.isEmpty {
            return HooksLocation(directory: last.directory, source: last.source, settings: settings, defaultDirectory: defaultDirectory)
        }
        return HooksLocation(directory: defaultDirectory, source: .none, settings: settings, defaultDirectory: defaultDirectory)
    }

    private func setting(_ source: HooksLocation.Source, _ value: String) -> HooksLocation.Setting {
        var path = value
        if path == "~" || path.hasPrefix("~/"), let home = getenv("HOME") { path = String(cString: home) + path.dropFirst(1) }
        if !path.hasPrefix("/") { path = (workdir ?? gitDirectory) + "/" + path }
        return HooksLocation.Setting(source: source, value: value, directory: URL(fileURLWithPath: path).standardizedFileURL.path)
    }

    /// A boolean from the effective configuration; nil when unset.
    public func configBool(_ key: String) throws(GitError) -> Bool? {
        let config = try configSnapshot()
        defer { git_config_free(config) }
        var value: Int32 = 0
        let code = git_config_get_bool(&value, config, key)
        if code == GIT_ENOTFOUND.rawValue { return nil }
        try check(code, "reading '\(key)'")
        return value != 0
    }

    /// Every value of a multi-valued key (`remote.origin.fetch`).
    public func configValues(_ key: String) throws(GitError) -> [String] {
        let config = try configSnapshot()
        defer { git_config_free(config) }
        let iterator: OpaquePointer
        do {
            iterator = try produced("reading '\(key)'", by: { git_config_multivar_iterator_new(&$0, config, key, nil) })
        } catch where error.isNotFound {
            return []
        }
        defer { git_config_iterator_free(iterator) }
        return configEntries(iterator).compactMap(\.value)
    }

    /// The names of the configured remotes.
    public func remoteNames() -> [String] {
        strings(by: { git_remote_list(&$0, handle) }) ?? []
    }

    /// One value from a single configuration file.
    static func configValue(file: String, key: String) throws(GitError) -> String? {
        guard FileManager.default.fileExists(atPath: file) else { return nil }
        let config = try produced("reading \(file)", by: { git_config_open_ondisk(&$0, file) })
        defer { git_config_free(config) }
        return try configString(config, key, "reading '\(key)' from \(file)")
    }
}
