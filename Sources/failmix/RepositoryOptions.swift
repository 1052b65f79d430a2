import ArgumentParser
import FailmixKit
import FoundationEssentials

/// `--repo PATH`, declared once for every command that works on a repository.
struct RepositoryOptions: ParsableArguments {
    @Option(name: .customLong("repo"), help: ArgumentHelp(
        "The repository (default: the one containing the working directory).", valueName: "path"))
    var path: String?

    /// The repository given, else the one containing the working directory.
    func discover() throws -> Repository {
        try Repository.discover(from: path ?? FileManager.default.currentDirectoryPath)
    }

}
