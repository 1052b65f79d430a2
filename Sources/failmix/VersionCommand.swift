import ArgumentParser
import FailmixKit

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version", abstract: "Print failmix's version and the linked libgit2 version.")

    func run() {
        print(FailmixVersion.banner)
    }
}
