import ArgumentParser
import FailmixKit
import FoundationEssentials

/// `--config A.toml --config B.toml`: the policies a command compares;
/// none given, the repository's `.failmix.toml` (else the defaults).
struct PolicyOptions: ParsableArguments {
    @Option(name: .customLong("config"), help: ArgumentHelp(
        "A policy file (repeatable; default: .failmix.toml at the repository root, else the built-in policy).", valueName: "path"))
    var paths: [String] = []

    /// Each policy with the name it is shown under (its file name, or "default").
    func load(repo: String? = nil) throws -> [(name: String, configuration: Configuration)] {
        let chosen: [String?] = paths.isEmpty ? [nil] : paths
        return try chosen.map { path in
            let configuration: Configuration
            do {
                configuration = try PipelineContext.loadConfiguration(explicit: path, repositoryPath: repo)
            } catch {
                throw FailmixFailure(message: "invalid configuration:\n\(error)")
            }
            let name = configuration.source.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "default"
            return (name, configuration)
        }
    }
}
