import ArgumentParser
import FailmixKit
import FoundationEssentials

/// `--config PATH`; otherwise the repository root's `.failmix.toml`, else the defaults.
struct ConfigOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The policy file (default: .failmix.toml at the repository root).", valueName: "path"))
    var config: String?

    /// The configuration found from `repositoryPath` (default: the working directory).
    func configuration(repositoryPath: String? = nil) throws -> Configuration {
        do {
            return try PipelineContext.loadConfiguration(explicit: config, repositoryPath: repositoryPath)
        } catch {
            throw FailmixFailure(message: "invalid configuration:\n\(error)")
        }
    }

    /// The command's context: the configuration, with the CLI options that
    /// were given layered on top.
    func context(
        records: RecordOptions? = nil, git: GitOptions? = nil, adjust: (inout PipelineOptions) -> Void = { _ in }
    ) throws -> PipelineContext {
        let repositoryPath = records?.repository.path
        let configuration = try configuration(repositoryPath: repositoryPath)
        var options = PipelineOptions(configuration)
        if let repositoryPath { options.repositoryPath = repositoryPath }
        records?.apply(to: &options)
        git?.apply(to: &options)
        adjust(&options)
        return PipelineContext(configuration: configuration, options: options)
    }
}
