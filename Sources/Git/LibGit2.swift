import CGitTrustStore
import CLibGit2

/// The one place failmix talks to libgit2. Everything above sees Swift types
/// and `GitError`; nothing else imports CLibGit2.
public enum LibGit2 {
    /// libgit2 keeps global state; initialise it once per process.
    private static let initialized: Bool = {
        git_libgit2_init()
        // Read-only use of a repository owned by another user (CI checkouts,
        // containers) is safe; don't refuse it.
        _ = failmix_set_owner_validation(0)
        // A walk reads each commit once, so the object cache only costs: its
        // memory (256 MiB by default), and once full, evictions that rescan
        // its hash table from the start each time (a third of a 100k-commit
        // walk). Pack windows need not map whole packs either (the defaults
        // map 32 MiB windows up to 8 GiB): every mapped page that was read
        // counts in the resident set (24 MiB of it on an 80k-commit history).
        // A walk reads the commits, which git writes together, newest first,
        // mostly in order, but a quarter of them are deltas whose bases lie
        // anywhere in the commits' 44 MB (median 1.5 MB back, a tenth over
        // 29 MB): with two 4 MiB windows nearly every such base unmapped one
        // (7,500 mmap/munmap pairs and 9,000 page faults on 80k commits, a
        // tenth of the walk's CPU in the kernel). Sixteen 512 KiB windows
        // keep the places recently read mapped: 4,700 pairs, +0.5 MiB.
        _ = failmix_enable_caching(0)
        _ = failmix_set_mwindow_size(512 << 10)
        _ = failmix_set_mwindow_mapped_limit(8 << 20)
        // Every object read was hashed again (SHA-1 with collision detection)
        // to compare with its id: an eighth of a cold walk. git does not do it
        // on reads either; zlib's checksum still catches damaged data.
        _ = failmix_set_strict_hash_verification(0)
        return true
    }()

    public static func ensureInitialized() { _ = initialized }

    /// How often libgit2 asked for its TLS trust store, answered without
    /// parsing the system CA bundle (CGitTrustStore): 0 after initialising
    /// means the interposition no longer works and every run pays ~3 ms.
    public static var trustStoreRequests: Int { Int(failmix_git_trust_store_requests()) }

    /// The linked library's version, e.g. "1.5.1".
    public static var version: String {
        var major: Int32 = 0, minor: Int32 = 0, patch: Int32 = 0
        git_libgit2_version(&major, &minor, &patch)
        return "\(major).\(minor).\(patch)"
    }
}

/// A libgit2 failure, carrying `git_error_last()`'s text.
public struct GitError: Error, Sendable, CustomStringConvertible {
    public let code: Int32
    public let message: String
    public let operation: String

    public init(code: Int32, operation: String) {
        self.code = code
        self.operation = operation
        if let e = git_error_last(), let m = e.pointee.message {
            message = String(cString: m)
        } else {
            message = "libgit2 error \(code)"
        }
    }

    public init(operation: String, message: String) {
        code = -1
        self.operation = operation
        self.message = message
    }

    public var isNotFound: Bool { code == GIT_ENOTFOUND.rawValue }
    public var description: String { "\(operation): \(message)" }
}

@inline(__always)
func check(_ code: Int32, _ operation: @autoclosure () -> String) throws(GitError) {
    if code < 0 { throw GitError(code: code, operation: operation()) }
}
