import ArgumentParser
import FailmixKit
import FoundationEssentials

/// `failmix config`: the policy configuration.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Show or check the policy configuration.",
        subcommands: [Show.self, Check.self])
}
