import FailmixSupport
import FailmixEvidence
import FailmixGit
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One finding of `failmix doctor`: what was checked, what was found and,
/// unless it passed, the one thing to do about it.
public struct DoctorCheck: Sendable, Equatable {
    public enum Status: String, Sendable, Comparable {
        case pass, warn, fail
        public static func < (a: Status, b: Status) -> Bool { a.rank < b.rank }
        private var rank: Int { self == .pass ? 0 : self == .warn ? 1 : 2 }
    }

    public var name: String
    public var status: Status
    public var message: String
    /// One line; empty when there is nothing to do.
    public var fix: String

    public init(_ name: String, _ status: Status, _ message: String, fix: String = "") {
        self.name = name
        self.status = status
        self.message = message
        self.fix = fix
    }
}

/// Everything `failmix doctor` found, in the order it looked.
public struct DoctorReport: Sendable {
    public var repository: String
    public var checks: [DoctorCheck]

    public var worst: DoctorCheck.Status { checks.map(\.status).max() ?? .pass }
    /// 0 nothing failed, 1 something did.
    public var exitCode: Int32 { worst == .fail ? 1 : 0 }

    public func count(_ status: DoctorCheck.Status) -> Int { checks.filter { $0.status == status }.count }
}

/// Checks that the provenance chain works end to end: git runs the hooks
/// where failmix put them, commits get stamped, the records keep coming,
/// and the configuration and state are usable. Reads only recent history
/// and the newest records, so it stays fast on any size of store.
public enum Doctor {
    /// Recent commits the trailer-coverage check reads.
    public static let recentCommits = 200
    /// The newest bytes of the records file the records checks read.
    public static let recordsTail = 512 * 1024

    public struct Options: Sendable {
        public var configPath: String?
        public var recordPaths: [String] = []
        public var environment: [String: String] = ProcessInfo.processInfo.environment
        public var now = Date()

        public init(configPath: String? = nil) {
            self.configPath = configPath
        }
    }

    /// Checks `repository` (discovered once, by the caller). Throws only when
    /// git cannot say where its hooks live; a broken configuration is a
    /// failed check, and the rest run with the defaults.
    public static func run(_ options: Options, repository: Repository) throws -> DoctorReport {
        var checks: [DoctorCheck] = []

        let (configuration, configCheck) = loadConfiguration(options, root: repository.workdir)
        checks.append(configCheck)

        let location = try repository.hooksLocation()
        let hooks = DoctorHooks(location: location, configuration: configuration)
        checks += hooks.checks()

        checks.append(trailerCoverage(repository, configuration))
        checks += DoctorRecords(options: options, configuration: configuration, repositoryRoot: repository.workdir).checks()
        checks += gitChecks(repository, configuration)
        checks += stateChecks(repository, configuration)
        return DoctorReport(repository: repository.workdir ?? repository.gitDirectory, checks: checks)
    }

    static func loadConfiguration(_ options: Options, root: String?) -> (Configuration, DoctorCheck) {
        do {
            let configuration = try ConfigLoader.load(explicit: options.configPath, repositoryRoot: root)
            return (configuration, DoctorCheck("config", .pass, "\(configuration.source ?? "built-in defaults (no .failmix.toml)"): valid"))
        } catch {
            let first = error.issues.first.map(\.description) ?? "\(error)"
            let more = error.issues.count > 1 ? " (and \(error.issues.count - 1) more)" : ""
            return (Configuration(), DoctorCheck("config", .fail, "invalid: \(first)\(more); the checks below use the defaults",
                                                 fix: "`failmix config check` lists every problem with its line"))
        }
    }

    /// The share of recent agent commits carrying the trailer: 0% of 10 or
    /// more means the stamping hook never ran.
    static func trailerCoverage(_ repository: Repository, _ configuration: Configuration) -> DoctorCheck {
        let name = "trailer-coverage"
        guard !repository.isHeadUnborn else { return DoctorCheck(name, .pass, "no commits yet") }
        let key = configuration.trailer.lowercased()
        var agents = 0, stamped = 0, read = 0
        var matcher = AuthorMatcher(patterns: configuration.agentAuthors)
        do {
            let walk = try repository.walk()
            while read < recentCommits, let commit = try walk.next() {
                read += 1
                guard matcher.isAgent(name: commit.authorName, email: commit.authorEmail) else { continue }
                agents += 1
                if commit.trailers.contains(where: { $0.key.lowercased() == key }) { stamped += 1 }
            }
        } catch {
            return DoctorCheck(name, .fail, "could not read the history: \(error)", fix: "check the repository with `git fsck`")
        }
        let who = configuration.agentAuthors.isEmpty ? " (agent_authors is empty: every author but bots counts)" : ""
        let share = agents == 0 ? "" : formatted(" (%.0f%%)", Double(stamped) / Double(agents) * 100)
        let message = "\(stamped) of \(agents) agent commits among the newest \(read) carry \(configuration.trailer)\(share)\(who)"
        let fix = "install the stamping hook where git runs hooks: `failmix hook install prepare-commit-msg`, and export \(configuration.sessionEnvironment[0]) in the agent's sessions"
        if agents >= 10, stamped == 0 { return DoctorCheck(name, .fail, message, fix: fix) }
        let rule = configuration.rules.first { $0.metric == .trailerCoverage }
        if agents >= (rule?.minCommits ?? 10), let warn = rule?.warnBelow ?? rule?.failBelow,
           Double(stamped) / Double(agents) < warn {
            return DoctorCheck(name, .warn, message + formatted(", below %.0f%%", warn * 100), fix: fix)
        }
        return DoctorCheck(name, .pass, message)
    }

    static func gitChecks(_ repository: Repository, _ configuration: Configuration) -> [DoctorCheck] {
        var checks: [DoctorCheck] = []
        checks.append(repository.isShallow
            ? DoctorCheck("shallow-clone", .warn, "the clone is shallow: sessions older than its history can't be verified",
                          fix: "`git fetch --unshallow` (CI: actions/checkout with `fetch-depth: 0`)")
            : DoctorCheck("shallow-clone", .pass, "full history"))
        let ref = configuration.notesRef
        checks.append(repository.referenceTarget(ref) != nil
            ? DoctorCheck("ci-notes", .pass, "\(ref) is present")
            : DoctorCheck("ci-notes", .warn, "no \(ref) here: ci_break can only be confirmed by reverts",
                          fix: "record CI results with `failmix ci record --status …` and fetch \(ref) from the remote"))
        let remotes = repository.remoteNames()
        if remotes.isEmpty {
            checks.append(DoctorCheck("notes-refspec", .pass, "no remotes: nothing to fetch notes from"))
        } else {
            let missing = remotes.filter { remote in
                let specs = (try? repository.configValues("remote.\(remote).fetch")) ?? []
                return !specs.contains { spec in
                    let target = spec.split(separator: ":").last.map(String.init) ?? ""
                    return target == ref || target == "refs/notes/*"
                }
            }
            checks.append(missing.isEmpty
                ? DoctorCheck("notes-refspec", .pass, "every remote's fetch brings \(ref)")
                : DoctorCheck("notes-refspec", .warn, "fetching \(missing.joined(separator: ", ")) does not bring \(ref), so CI results stay on the machine that wrote them",
                              fix: "`git config --add remote.\(missing[0]).fetch '+\(ref):\(ref)'`"))
        }
        checks.append(configuration.agentAuthors.isEmpty
            ? DoctorCheck("agent-authors", .warn, "[git] agent_authors is empty: every author's commit inside a session window counts as the agent's",
                          fix: "set `agent_authors = [\"agent@example.org\"]` under [git] in .failmix.toml")
            : DoctorCheck("agent-authors", .pass, "agent: \(configuration.agentAuthors.joined(separator: ", "))"))
        return checks
    }

    static func stateChecks(_ repository: Repository, _ configuration: Configuration) -> [DoctorCheck] {
        let directory = failmixDirectory(repository)
        var existing = directory
        while !FileManager.default.fileExists(atPath: existing) { existing = URL(fileURLWithPath: existing).deletingLastPathComponent().path }
        let writable = access(existing, W_OK) == 0
        var checks = [writable
            ? DoctorCheck("state", .pass, "\(directory) is writable")
            : DoctorCheck("state", .fail, "\(directory) is not writable: the gate cannot record a pause or its caches",
                          fix: "give the agent's user write access to \(existing)")]
        let (state, warning) = GateStateStore(directory: directory).read()
        if let warning {
            checks.append(DoctorCheck("pause", .warn, warning, fix: "`failmix status` shows the state; the next gate rewrites it"))
        } else if state.paused {
            let since = state.since.map { " since " + Timestamp.format($0.timeIntervalSince1970) } ?? ""
            checks.append(DoctorCheck("pause", .warn, "the agent is paused\(since): \(state.reasons.joined(separator: "; "))",
                                      fix: "`failmix status` says why; `failmix resume --probe 1` lets a session through"))
        } else {
            checks.append(DoctorCheck("pause", .pass, "not paused"))
        }
        return checks
    }
}
