import ArgumentParser
import FailmixKit

/// What a person runs when the gate surprises them: everything failmix knows
/// about one session and why it concluded what it did.
struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain", abstract: "Explain one session: its record, modes, window, commits, evidence and verdicts.")

    @Argument(help: "The session_id (a unique prefix is enough).")
    var sessionID: String

    @OptionGroup var config: ConfigOptions
    @OptionGroup var records: RecordOptions
    @OptionGroup var git: GitOptions

    func run() throws {
        let context = try config.context(records: records, git: git)
        ErrorPolicy(context.configuration, command: "explain", gating: false).startDeadline()
        print(ExplainReporter.render(try Pipeline.explain(sessionID, context: context)), terminator: "")
    }
}
