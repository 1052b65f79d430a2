import FailmixGit
import FailmixSupport
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Installs failmix into a repository's git hooks without losing what was
/// there: a foreign hook is kept beside ours (`NAME.failmix-orig`), runs first,
/// and still blocks on failure; uninstall puts it back byte for byte.
public struct HookInstaller {
    /// Git's hooks failmix can guard, and `pre-session` for run loops that
    /// call `.git/hooks/pre-session` before each session.
    public static let hookNames = ["pre-push", "pre-merge-commit", "pre-commit", "pre-session", StampSettings.hookName]
    static let marker = "# failmix-managed hook"

    public let directory: String
    /// The failmix executable the hook runs (absolute).
    public let executable: String
    /// What the `prepare-commit-msg` hook stamps.
    public var stamp = StampSettings()

    public init(repository: Repository, executable: String) throws(GitError) {
        directory = try repository.hooksDirectory()
        self.executable = executable
    }

    public enum Change: Equatable, Sendable {
        case installed(path: String, chained: String?)
        case updated(path: String)
        case removed(path: String, restored: String?)
        case absent(path: String)
    }

    func path(_ hook: String) -> String { directory + "/" + hook }
    func originalPath(_ hook: String) -> String { path(hook) + ".failmix-orig" }

    public func isManaged(_ hook: String) -> Bool {
        guard let text = try? String(contentsOfFile: path(hook), encoding: .utf8) else { return false }
        return text.contains(Self.marker)
    }

    /// Installs (or refreshes) the hook; idempotent. Crash-safe: at every
    /// point a kill can land, the hook's path holds either the user's hook
    /// or a chain that runs it (the user's hook is hard-linked aside first,
    /// then the chain renamed over the path in one step), and a run after
    /// an interrupted one completes it.
    public func install(_ hook: String) throws(HookError) -> Change {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .cannotCreate(path: directory, reason: "\(error)")
        }
        let target = path(hook), original = originalPath(hook)
        if isManaged(hook) {
            try write(script(hook), to: target)
            return .updated(path: target)
        }
        var chained: String?
        if exists(target) {
            if exists(original) {
                // Our own interrupted install left the same file under both
                // names; anything else is a hook we must not overwrite.
                guard sameFile(target, original) else { throw .originalInTheWay(path: original) }
            } else if link(target, original) != 0 {
                throw .cannotWrite(.errno("keep", target))
            }
            chained = original
        } else if exists(original) {
            chained = original  // a kill after an older failmix moved it aside: chain it again
        }
        try write(script(hook), to: target)
        return .installed(path: target, chained: chained)
    }

    /// Removes our hook and restores the one it replaced, if any — also
    /// when our hook is already gone, or an install was interrupted. The
    /// original is renamed over ours in one step, never leaving the path empty.
    public func uninstall(_ hook: String) throws(HookError) -> Change {
        let target = path(hook), original = originalPath(hook)
        if isManaged(hook) {
            if exists(original) {
                try move(original, to: target)
                return .removed(path: target, restored: target)
            }
            guard unlink(target) == 0 else { throw .cannotWrite(.errno("remove", target)) }
            return .removed(path: target, restored: nil)
        }
        guard exists(original) else { return .absent(path: target) }
        if !exists(target) {
            try move(original, to: target)
            return .removed(path: target, restored: target)
        }
        // An install killed after keeping the user's hook aside, before ours went in.
        if sameFile(target, original) { unlink(original) }
        return .absent(path: target)
    }

    private func exists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    /// Both names are one file (a hard link).
    private func sameFile(_ a: String, _ b: String) -> Bool {
        var sa = stat(), sb = stat()
        return lstat(a, &sa) == 0 && lstat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino
    }

    private func move(_ source: String, to destination: String) throws(HookError) {
        guard rename(source, destination) == 0 else { throw .cannotWrite(.errno("move", source)) }
        AtomicFile.syncDirectory(of: destination)
    }

    func script(_ hook: String) -> String {
        if hook == StampSettings.hookName { return stamp.script(executable: executable, marker: Self.marker) }
        return """
        #!/bin/sh
        \(Self.marker) (\(hook)). Installed by `failmix hook install`;
        # `failmix hook uninstall` removes it and restores any hook it replaced.
        hookdir=$(dirname "$0")
        # A hook that was here before runs first; its failure still blocks.
        if [ -x "$hookdir/\(hook).failmix-orig" ]; then
          "$hookdir/\(hook).failmix-orig" "$@" || exit $?
        fi
        # A skip is honoured here too, so it holds even without failmix.
        case ",$(printf '%s' "${SKIP:-}" | tr -d ' ')," in
          *,failmix,* | *,failmix-gate,* | *,failmix-gate-installed,*) FAILMIX_SKIP=1 ;;
        esac
        if [ "${FAILMIX_SKIP:-}" = "1" ]; then
          echo "failmix: *** gate SKIPPED for this \(hook) (FAILMIX_SKIP/SKIP) — nothing was checked ***" >&2
          exit 0
        fi
        # A gate that cannot run refuses, like a gate error (exit 2).
        FAILMIX=\(shellQuote(executable))
        [ -x "$FAILMIX" ] || FAILMIX=$(command -v failmix) || {
          echo "failmix: executable not found (where it was installed from, or on PATH) — \(hook) refused (exit 2); install failmix, or skip once with FAILMIX_SKIP=1" >&2
          exit 2
        }
        exec "$FAILMIX" gate --hook \(hook)

        """
    }

    private func write(_ text: String, to path: String) throws(HookError) {
        do throws(FileError) {
            try AtomicFile.write(text, to: path, permissions: 0o755)
        } catch {
            throw .cannotWrite(error)
        }
    }
}

/// Why a hook could not be installed or removed: every case names the file.
public enum HookError: Error, Sendable, CustomStringConvertible {
    case cannotCreate(path: String, reason: String)
    /// A foreign hook would be kept here, but something already is.
    case originalInTheWay(path: String)
    case cannotWrite(FileError)

    public var description: String {
        switch self {
        case let .cannotCreate(path, reason): "cannot create \(path): \(reason)"
        case let .originalInTheWay(path): "\(path) already exists; move it away first"
        case let .cannotWrite(error): error.description
        }
    }
}

/// Quotes a string for POSIX sh.
func shellQuote(_ s: String) -> String {
    "'" + s.replacing("'", with: "'\\''") + "'"
}
