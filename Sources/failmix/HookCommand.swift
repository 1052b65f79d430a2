import ArgumentParser
import FailmixKit
import FoundationEssentials

/// `failmix hook`: git hooks that run the gate.
struct HookCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hook", abstract: "Install or remove failmix's git hooks (chaining any hook already there).",
        subcommands: [Install.self, Uninstall.self, HookStampCommand.self])

    static func validate(_ hooks: [String]) throws {
        for hook in hooks where !HookInstaller.hookNames.contains(hook) {
            throw ValidationError("unknown hook '\(hook)' (choose from \(HookInstaller.hookNames.joined(separator: ", ")))")
        }
    }

    /// The installer for the repository, running this very executable.
    /// The stamping hook takes its trailer key and variables from the configuration.
    static func installer(_ repository: RepositoryOptions) throws -> HookInstaller {
        // The running binary itself: argv[0] is a bare name when failmix was
        // found on PATH, and resolving that against the working directory
        // wrote a path that does not exist into the hook.
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.resolvingSymlinksInPath().path
        var installer = try HookInstaller(repository: try repository.discover(), executable: executable)
        let configuration: Configuration
        do { configuration = try PipelineContext.loadConfiguration(explicit: nil, repositoryPath: repository.path) } catch {
            throw FailmixFailure(message: "invalid configuration:\n\(error)")
        }
        installer.stamp = StampSettings(trailer: configuration.trailer, environment: configuration.sessionEnvironment)
        return installer
    }
}
