import FailmixGit
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The hook checks of `failmix doctor`: the directory git really runs hooks
/// from, failmix's hooks there, hooks stranded where git never looks, and
/// the `prepare-commit-msg` that stamps the session trailer.
struct DoctorHooks {
    let location: HooksLocation
    let configuration: Configuration
    private var stamp: StampSettings { StampSettings(trailer: configuration.trailer, environment: configuration.sessionEnvironment) }

    func checks() -> [DoctorCheck] {
        [directoryCheck(), installedCheck(), ignoredCheck(), stampingCheck()]
    }

    private var directory: String { location.directory }
    private var whence: String { location.source.label }

    func directoryCheck() -> DoctorCheck {
        let name = "hooks-directory"
        if location.isDisabled {
            return DoctorCheck(name, .fail, "git runs no hooks: core.hooksPath = /dev/null (\(whence))",
                               fix: "remove that core.hooksPath, or point it at a directory and install there: `failmix hook install prepare-commit-msg`")
        }
        var isDirectory = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else {
            return DoctorCheck(name, .warn, "git runs hooks from \(directory) (\(whence)), which does not exist: no hook runs",
                               fix: "`failmix hook install prepare-commit-msg` creates it and installs the stamping hook")
        }
        guard isDirectory else {
            return DoctorCheck(name, .fail, "git runs hooks from \(directory) (\(whence)), which is not a directory: no hook runs",
                               fix: "point core.hooksPath at a directory")
        }
        guard access(directory, W_OK) == 0 else {
            return DoctorCheck(name, .warn, "git runs hooks from \(directory) (\(whence)), which is not writable: hooks can't be installed",
                               fix: "install as its owner, or set core.hooksPath in this repository to a writable directory")
        }
        return DoctorCheck(name, .pass, "git runs hooks from \(directory) (\(whence))")
    }

    /// failmix's hooks in the effective directory: executable, and able to find failmix.
    func installedCheck() -> DoctorCheck {
        let name = "hooks-installed"
        let managed = HookInstaller.hookNames.filter { Self.isManaged(directory + "/" + $0) }
        guard !managed.isEmpty else {
            return DoctorCheck(name, .warn, "no failmix hook in \(directory)",
                               fix: "`failmix hook install prepare-commit-msg pre-push`")
        }
        var problems: [String] = []
        for hook in managed {
            let path = directory + "/" + hook
            if access(path, X_OK) != 0 { problems.append("\(hook) is not executable (git skips it)") }
            if !Self.canFindFailmix(script: (try? String(contentsOfFile: path, encoding: .utf8)) ?? "") {
                problems.append("\(hook) cannot find failmix (the path in it is gone and failmix is not on PATH)")
            }
        }
        if problems.isEmpty { return DoctorCheck(name, .pass, "\(managed.joined(separator: ", ")) in \(directory)") }
        return DoctorCheck(name, .fail, problems.joined(separator: "; "),
                           fix: "reinstall with the failmix you run: `failmix hook install \(managed.joined(separator: " "))`")
    }

    /// Hooks where git never looks: the stamping hook in `.git/hooks` while
    /// a `core.hooksPath` points elsewhere is how 3,711 commits went unstamped.
    func ignoredCheck() -> DoctorCheck {
        let name = "hooks-ignored"
        var stranded: [String] = []
        for (ignored, why) in location.ignoredDirectories {
            let found = (HookInstaller.hookNames.filter { Self.isManaged(ignored + "/" + $0) }
                + (stamps(ignored + "/" + StampSettings.hookName) ? [StampSettings.hookName] : []))
            let unique = found.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
            if !unique.isEmpty { stranded.append("\(unique.joined(separator: ", ")) in \(ignored) (\(why))") }
        }
        guard !stranded.isEmpty else { return DoctorCheck(name, .pass, "no hooks outside \(directory)") }
        return DoctorCheck(name, .fail, "git never runs \(stranded.joined(separator: "; ")): it runs hooks from \(directory) (\(whence))",
                           fix: "`failmix hook install prepare-commit-msg` installs into \(directory); or unset that core.hooksPath")
    }

    /// A `prepare-commit-msg` that stamps the trailer: failmix's (with the
    /// configured key and variables) or another that mentions the key.
    func stampingCheck() -> DoctorCheck {
        let name = "stamping-hook"
        let path = directory + "/" + StampSettings.hookName
        let fix = "`failmix hook install prepare-commit-msg` (it keeps and chains a hook already there)"
        guard FileManager.default.fileExists(atPath: path) else {
            return DoctorCheck(name, .warn, "no prepare-commit-msg in \(directory): agent commits get no \(configuration.trailer) trailer", fix: fix)
        }
        guard access(path, X_OK) == 0 else {
            return DoctorCheck(name, .warn, "\(path) is not executable: git skips it", fix: "`chmod +x \(path)`")
        }
        let script = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        if script.contains(HookInstaller.marker) {
            guard let installed = StampSettings.installed(in: script) else {
                return DoctorCheck(name, .warn, "\(path) is failmix's but not the stamping hook", fix: fix)
            }
            if installed != stamp {
                return DoctorCheck(name, .warn, "\(path) stamps \(installed.trailer) from \(installed.environment.joined(separator: ", ")), but the configuration says \(stamp.trailer) from \(stamp.environment.joined(separator: ", "))",
                                   fix: "reinstall: `failmix hook install prepare-commit-msg`")
            }
            return DoctorCheck(name, .pass, "failmix stamps \(stamp.trailer) from \(stamp.environment.joined(separator: ", "))")
        }
        if stamps(path) { return DoctorCheck(name, .pass, "\(path) mentions \(configuration.trailer): another hook stamps it") }
        return DoctorCheck(name, .warn, "\(path) does not stamp \(configuration.trailer)", fix: fix)
    }

    /// A hook file that stamps the trailer: failmix's stamping hook, or any
    /// hook (or the one it chains) that mentions the trailer key.
    private func stamps(_ path: String) -> Bool {
        for file in [path, path + ".failmix-orig"] {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { continue }
            if text.contains(" hook stamp ") || text.lowercased().contains(configuration.trailer.lowercased()) { return true }
        }
        return false
    }

    static func isManaged(_ path: String) -> Bool {
        (try? String(contentsOfFile: path, encoding: .utf8))?.contains(HookInstaller.marker) ?? false
    }

    /// The `FAILMIX='…'` the hook names is executable, or `failmix` is on PATH.
    static func canFindFailmix(script: String) -> Bool {
        if let line = script.split(separator: "\n").first(where: { $0.hasPrefix("FAILMIX='") }),
           let path = line.dropFirst("FAILMIX='".count).split(separator: "'").first, access(String(path), X_OK) == 0 {
            return true
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        return path.split(separator: ":").contains { access("\($0)/failmix", X_OK) == 0 }
    }
}
