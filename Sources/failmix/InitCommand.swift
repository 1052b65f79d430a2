import ArgumentParser
import FailmixKit

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init", abstract: "Write a commented .failmix.toml with the defaults at the repository root.")

    @Flag(help: "Replace an existing file.") var force = false
    @OptionGroup var repository: RepositoryOptions

    func run() throws {
        let path = try repository.discover().writeDefaultConfiguration(force: force)
        print("failmix: wrote \(path)")
    }
}
