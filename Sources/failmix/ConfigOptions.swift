import ArgumentParser
import FailmixKit
import Foundation

/// `--config PATH`; otherwise the repository root's `.failmix.toml`, else the defaults.
struct ConfigOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The policy file (default: .failmix.toml at the repository root).", valueName: "path"))
    var config: String?

    /// The configuration, with CLI options that were given layered on top.
    func load(records: RecordOptions? = nil, git: GitOptions? = nil) throws -> (Configuration, PipelineOptions) {
        let root = config == nil ? Self.workingTreeRoot(from: records?.repo ?? FileManager.default.currentDirectoryPath) : nil
        let configuration: Configuration
        do {
            configuration = try ConfigLoader.load(explicit: config, repositoryRoot: root)
        } catch {
            throw FailmixFailure(message: "invalid configuration:\n\(error)")
        }
        var options = PipelineOptions(configuration)
        if let records {
            if !records.paths.isEmpty { options.recordPaths = records.paths }
            options.includeRotated = !records.noRotated
            if let timestampIs = records.timestampIs { options.timestampIs = timestampIs }
            if let repo = records.repo { options.repositoryPath = repo }
        }
        if let git {
            if git.noGit { options.evidence = nil }
            if var evidence = options.evidence {
                if !git.agentAuthors.isEmpty { evidence.agentAuthors = git.agentAuthors }
                if !git.revs.isEmpty { evidence.revs = git.revs }
                if git.allBranches { evidence.allBranches = true }
                if let trailer = git.trailer { evidence.trailer = trailer }
                if let windowSlack = git.windowSlack { evidence.windowSlack = windowSlack }
                if let notesRef = git.notesRef { evidence.notesRef = notesRef }
                options.evidence = evidence
            }
        }
        return (configuration, options)
    }

    /// The nearest directory at or above `path` holding `.git` (a directory,
    /// or a worktree's file): where `.failmix.toml` lives. Found on the file
    /// system rather than through libgit2, whose start-up (it parses every CA
    /// certificate) would cost a report that reads no history.
    static func workingTreeRoot(from path: String) -> String? {
        var directory = URL(fileURLWithPath: path).standardizedFileURL
        while true {
            if FileManager.default.fileExists(atPath: directory.appendingPathComponent(".git").path) { return directory.path }
            let parent = directory.deletingLastPathComponent()
            if parent.path == directory.path { return nil }
            directory = parent
        }
    }
}
