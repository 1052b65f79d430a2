import ArgumentParser
import FailmixKit
import Foundation

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Show or check the policy configuration.",
        subcommands: [Show.self, Check.self])

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the effective configuration as TOML.")
        @OptionGroup var config: ConfigOptions
        func run() throws { print(try config.load().0.renderTOML(), terminator: "") }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Validate the configuration; exit 2 naming file, line and key of every problem.")
        @OptionGroup var config: ConfigOptions
        func run() throws {
            let (configuration, _) = try config.load()
            print("failmix: \(configuration.source ?? "built-in defaults"): ok (\(configuration.rules.count) rules, \(configuration.modes.count) modes)")
        }
    }
}

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init", abstract: "Write a commented .failmix.toml with the defaults at the repository root.")

    @Flag(help: "Replace an existing file.") var force = false
    @Option(help: ArgumentHelp("The repository.", valueName: "path")) var repo: String?

    func run() throws {
        let repository = try Repository.discover(from: repo ?? FileManager.default.currentDirectoryPath)
        guard let root = repository.workdir else { throw FailmixFailure(message: "a bare repository has no working tree for .failmix.toml") }
        let path = root + "/" + Configuration.fileName
        if FileManager.default.fileExists(atPath: path), !force {
            throw FailmixFailure(message: "\(path) exists; use --force to replace it")
        }
        try Configuration.initTemplate.write(toFile: path, atomically: true, encoding: .utf8)
        print("failmix: wrote \(path)")
    }
}

struct HookCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hook", abstract: "Install or remove failmix's git hooks (chaining any hook already there).",
        subcommands: [Install.self, Uninstall.self, HookStampCommand.self])

    struct Install: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Install hooks (default: pre-push) into the effective hooks directory.")
        @Argument(help: "Hooks: pre-push, pre-merge-commit, pre-commit, pre-session, prepare-commit-msg (stamps the session trailer).") var hooks: [String] = ["pre-push"]

        func validate() throws { try HookCommand.validate(hooks) }
        @Option(help: ArgumentHelp("The repository.", valueName: "path")) var repo: String?
        func run() throws {
            let installer = try makeInstaller(repo)
            for hook in hooks {
                switch try installer.install(hook) {
                case let .installed(path, chained):
                    print("failmix: installed \(path)" + (chained.map { "; the existing hook runs first (kept as \($0))" } ?? ""))
                case let .updated(path): print("failmix: updated \(path)")
                default: break
                }
            }
        }
    }

    struct Uninstall: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove failmix's hooks, restoring what they replaced.")
        @Argument(help: "Hooks to remove (default: every failmix hook).") var hooks: [String] = []

        func validate() throws { try HookCommand.validate(hooks) }
        @Option(help: ArgumentHelp("The repository.", valueName: "path")) var repo: String?
        func run() throws {
            let installer = try makeInstaller(repo)
            for hook in hooks.isEmpty ? HookInstaller.hookNames : hooks {
                switch try installer.uninstall(hook) {
                case let .removed(path, restored):
                    print("failmix: removed \(path)" + (restored != nil ? "; restored the hook it replaced" : ""))
                default: break
                }
            }
        }
    }

    static func validate(_ hooks: [String]) throws {
        for hook in hooks where !HookInstaller.hookNames.contains(hook) {
            throw ValidationError("unknown hook '\(hook)' (choose from \(HookInstaller.hookNames.joined(separator: ", ")))")
        }
    }
}

private func makeInstaller(_ repo: String?) throws -> HookInstaller {
    let repository = try Repository.discover(from: repo ?? FileManager.default.currentDirectoryPath)
    let executable = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.resolvingSymlinksInPath().path
    var installer = try HookInstaller(repository: repository, executable: executable)
    let configuration: Configuration
    do { configuration = try ConfigLoader.load(explicit: nil, repositoryRoot: repository.workdir) } catch {
        throw FailmixFailure(message: "invalid configuration:\n\(error)")
    }
    installer.stamp = StampSettings(trailer: configuration.trailer, environment: configuration.sessionEnvironment)
    return installer
}
