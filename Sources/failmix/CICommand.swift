import ArgumentParser
import FailmixKit

/// `failmix ci`: the CI side — the merge check, and recording CI results in git.
struct CICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ci", abstract: "CI integration: record CI results as git notes.",
        subcommands: [CIRecordCommand.self])
}
