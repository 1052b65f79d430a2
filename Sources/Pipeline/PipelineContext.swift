import FailmixGit
import FoundationEssentials

/// What one command works on, resolved once and handed to every stage: the
/// configuration, the options it and the command's flags set, the record
/// sources and the repositories. A repository is opened at most once, and
/// only when a stage asks for it: starting libgit2 parses every CA
/// certificate, which a report on named records with git off never pays for.
///
/// One per command, used on one thread.
public final class PipelineContext {
    public let configuration: Configuration
    public let options: PipelineOptions

    /// Open repositories by git directory: two starting points that find the
    /// same repository share one handle.
    private var opened: [String: Repository] = [:]
    private var working: Result<Repository?, GitError>?
    private var evidence: Result<Repository?, GitError>?
    private var sources: Result<[RecordSource], RecordError>?

    public init(configuration: Configuration, options: PipelineOptions) {
        self.configuration = configuration
        self.options = options
    }

    /// The configuration for a command: the file at `explicit`, else
    /// `.failmix.toml` at the root of the working tree holding
    /// `repositoryPath` (default: the working directory), else the defaults.
    public static func loadConfiguration(explicit: String?, repositoryPath: String?) throws(ConfigError) -> Configuration {
        let root = explicit == nil ? workingTreeRoot(from: repositoryPath ?? FileManager.default.currentDirectoryPath) : nil
        return try ConfigLoader.load(explicit: explicit, repositoryRoot: root)
    }

    /// The nearest directory at or above `path` holding `.git` (a directory,
    /// or a worktree's file): where `.failmix.toml` lives. Found on the file
    /// system rather than through libgit2, whose start-up would cost a
    /// report that reads no history.
    static func workingTreeRoot(from path: String) -> String? {
        var directory = URL(fileURLWithPath: path).standardizedFileURL
        while true {
            if FileManager.default.fileExists(atPath: directory.appendingPathComponent(".git").path) { return directory.path }
            let parent = directory.deletingLastPathComponent()
            if parent.path == directory.path { return nil }
            directory = parent
        }
    }

    /// The repository the command works in: the one given (`--repo`,
    /// `git.repo`), else the one containing the working directory; nil when
    /// there is none. A given path that is not in a repository is an error.
    public func workingRepository() throws(GitError) -> Repository? {
        if working == nil {
            working = Result { () throws(GitError) -> Repository? in
                if let given = options.repositoryPath { return try open(from: given) }
                return try? open(from: FileManager.default.currentDirectoryPath)
            }
        }
        return try working!.get()
    }

    /// `workingRepository`, required: the command needs one.
    public func requireRepository() throws(GitError) -> Repository {
        if let repository = try workingRepository() { return repository }
        return try open(from: FileManager.default.currentDirectoryPath)  // the error naming where it looked
    }

    /// The repository whose history corroborates the records: the one
    /// given, else the one holding the records file named, else (records
    /// discovered) the working directory's. nil when git is off or none is
    /// found; a given path that is not in a repository is an error.
    public func evidenceRepository() throws(GitError) -> Repository? {
        guard options.evidence != nil else { return nil }
        if evidence == nil {
            evidence = Result { () throws(GitError) -> Repository? in
                if let given = options.repositoryPath { return try open(from: given) }
                let start = options.recordPaths.first.map { URL(fileURLWithPath: $0).deletingLastPathComponent().path }
                    ?? FileManager.default.currentDirectoryPath
                return try? open(from: start)
            }
        }
        return try evidence!.get()
    }

    /// The records files: those named, or the first default that exists
    /// (the repository's own records first).
    public func recordSources() throws(RecordError) -> [RecordSource] {
        if sources == nil {
            sources = Result { () throws(RecordError) -> [RecordSource] in
                // The repository only locates records nobody named.
                let root = options.recordPaths.isEmpty ? (try? workingRepository())??.workdir : nil
                return try RecordSources.resolve(
                    explicit: options.recordPaths, repositoryRoot: root, environment: options.environment,
                    includeRotated: options.includeRotated)
            }
        }
        return try sources!.get()
    }

    /// The working repository's pause state (`resume`, `ack`): they need a repository.
    public func stateStore() throws(GitError) -> GateStateStore {
        GateStateStore(directory: configuration.gateStateDirectory(failmixDirectory(try requireRepository())))
    }

    /// Where failmix keeps the gate's state and caches: the working
    /// repository's, else beside the records.
    func stateDirectory(records: RecordSet) throws(GitError) -> String {
        if let repository = try workingRepository() { return failmixDirectory(repository) }
        let path = records.files.last?.path ?? FileManager.default.currentDirectoryPath + "/x"
        return URL(fileURLWithPath: path).deletingLastPathComponent().path + "/.failmix"
    }

    private func open(from path: String) throws(GitError) -> Repository {
        let location = try Repository.location(from: path)
        if let repository = opened[location] { return repository }
        let repository = try Repository.open(location)
        opened[location] = repository
        return repository
    }
}

/// Where failmix keeps its state for a repository: the common git directory
/// (shared by worktrees), so nothing shows up in the working tree.
public func failmixDirectory(_ repository: Repository) -> String {
    repository.commonDirectory + "/failmix"
}
