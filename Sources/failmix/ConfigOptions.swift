import ArgumentParser
import FailmixKit
import Foundation

/// `--config PATH`; otherwise the repository root's `.failmix.toml`, else the defaults.
struct ConfigOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The policy file (default: .failmix.toml at the repository root).", valueName: "path"))
    var config: String?

    /// The configuration, with CLI options that were given layered on top.
    func load(records: RecordOptions? = nil, git: GitOptions? = nil) throws -> (Configuration, PipelineOptions) {
        let root = try? Repository.discover(from: records?.repo ?? FileManager.default.currentDirectoryPath).workdir
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
            if records.timestampIs != .end { options.timestampIs = records.timestampIs }
            if let repo = records.repo { options.repositoryPath = repo }
        }
        if let git {
            if git.noGit { options.evidence = nil }
            if var evidence = options.evidence {
                if !git.agentAuthors.isEmpty { evidence.agentAuthors = git.agentAuthors }
                if !git.revs.isEmpty { evidence.revs = git.revs }
                if git.allBranches { evidence.allBranches = true }
                if git.trailer != "Git-Session-Id" { evidence.trailer = git.trailer }
                if git.windowSlack != 0 { evidence.windowSlack = git.windowSlack }
                if git.notesRef != "refs/notes/ci" { evidence.notesRef = git.notesRef }
                options.evidence = evidence
            }
        }
        return (configuration, options)
    }
}

/// Who is acting, for the journal and `failmix status`.
func currentUser() -> String {
    let env = ProcessInfo.processInfo.environment
    return env["USER"] ?? env["LOGNAME"] ?? "unknown"
}
