import ArgumentParser
import FailmixKit

/// `failmix ci`: the CI side — the merge check, and recording CI results in git.
struct CICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ci", abstract: "CI integration: the pull-request check (default) and CI results as git notes.",
        subcommands: [CICheckCommand.self, CIRecordCommand.self], defaultSubcommand: CICheckCommand.self)
}
