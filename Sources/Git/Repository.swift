import CLibGit2
import FailmixSupport
import FoundationEssentials

/// An open repository. Frees its libgit2 handle exactly once, on deinit.
public final class Repository {
    let handle: OpaquePointer
    /// The object database, opened on first use: commits are read from it directly.
    private var objectDatabase: OpaquePointer?

    private init(handle: OpaquePointer) { self.handle = handle }

    deinit {
        if let objectDatabase { git_odb_free(objectDatabase) }
        git_repository_free(handle)
    }

    var odb: OpaquePointer {
        get throws(GitError) {
            if let objectDatabase { return objectDatabase }
            let odb = try produced("opening the object database", by: { git_repository_odb(&$0, handle) })
            objectDatabase = odb
            return odb
        }
    }

    /// Drops what the object database keeps of what it has read: libgit2 1.5
    /// caches up to 16 MiB of delta bases per pack (fixed at compile time)
    /// and keeps the pack index and windows mapped. The database is replaced
    /// by a fresh one on the same objects directory, with failmix's loose
    /// object reader attached as `open` does; the old one, and with it its
    /// packs, is freed first, so the new one cannot pick them up again from
    /// libgit2's process-wide table of open packs.
    func renewObjectDatabase() throws(GitError) {
        if let objectDatabase { git_odb_free(objectDatabase) }
        objectDatabase = nil
        let placeholder = try produced("renewing the object database", by: { git_odb_new(&$0) })
        defer { git_odb_free(placeholder) }
        try check(git_repository_set_odb(handle, placeholder), "renewing the object database")
        let objects = commonDirectory + "/objects"
        let fresh = try produced("opening the object database", by: { git_odb_open(&$0, objects) })
        defer { git_odb_free(fresh) }
        try check(git_repository_set_odb(handle, fresh), "opening the object database")
        try LooseObjectReader.attach(to: handle, commonDirectory: commonDirectory)
    }

    /// Opens the repository containing `path` (searching upwards), the way
    /// `git` finds it from a working directory; worktrees included.
    public static func discover(from path: String) throws(GitError) -> Repository {
        try open(location(from: path))
    }

    /// The git directory of the repository containing `path` (searching
    /// upwards), without opening it: two starting points that find the same
    /// repository can share one open handle.
    public static func location(from path: String) throws(GitError) -> String {
        LibGit2.ensureInitialized()
        return try bufferText("finding a repository from '\(path)'", by: { git_repository_discover(&$0, path, 0, nil) })
    }

    public static func open(_ path: String) throws(GitError) -> Repository {
        LibGit2.ensureInitialized()
        let repo = try produced("opening repository '\(path)'",
                                by: { git_repository_open_ext(&$0, path, UInt32(GIT_REPOSITORY_OPEN_NO_SEARCH.rawValue), nil) })
        let repository = Repository(handle: repo)
        // libgit2 1.5.1 hangs on a truncated loose object: loose objects are read by failmix's reader instead.
        try LooseObjectReader.attach(to: repository.handle, commonDirectory: repository.commonDirectory)
        return repository
    }

    /// The working tree root (nil for a bare repository), without a trailing slash.
    public var workdir: String? {
        guard let p = git_repository_workdir(handle) else { return nil }
        return trimSlash(String(cString: p))
    }

    /// The repository's own git directory (for a worktree, its private one).
    public var gitDirectory: String { trimSlash(String(cString: git_repository_path(handle))) }

    /// The directory shared by all worktrees (hooks, notes, failmix state).
    public var commonDirectory: String { trimSlash(String(cString: git_repository_commondir(handle))) }

    /// No commits yet: HEAD is unborn and no reference exists. (libgit2's
    /// own test only knows an unborn `master`, not `init.defaultBranch`.)
    public var isEmpty: Bool {
        git_repository_is_empty(handle) == 1 || (isHeadUnborn && !hasReferences)
    }

    public var isShallow: Bool { git_repository_is_shallow(handle) == 1 }
    public var isHeadDetached: Bool { git_repository_head_detached(handle) == 1 }
    /// HEAD names a branch that has no commit yet.
    public var isHeadUnborn: Bool { git_repository_head_unborn(handle) == 1 }

    /// The commit HEAD points at; nil while HEAD is unborn.
    public var headSHA: String? { referenceTarget("HEAD") }

    /// A shallow clone's boundary commits (present, but their parents are
    /// not), as the `shallow` file in the common git directory lists them.
    public var shallowBoundary: Set<String> {
        guard let text = try? String(contentsOfFile: commonDirectory + "/shallow", encoding: .utf8) else { return [] }
        return Set(text.split(whereSeparator: \.isNewline).map { $0.trimmingBlanks.lowercased() })
    }

    private var hasReferences: Bool {
        var iterator: OpaquePointer?
        guard git_reference_iterator_new(&iterator, handle) == 0 else { return false }
        defer { git_reference_iterator_free(iterator) }
        var reference: OpaquePointer?
        guard git_reference_next(&reference, iterator) == 0 else { return false }
        git_reference_free(reference)
        return true
    }

    private func trimSlash(_ s: String) -> String {
        s.count > 1 && s.hasSuffix("/") ? String(s.dropLast()) : s
    }
}
