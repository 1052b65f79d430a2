import ArgumentParser
import FailmixKit
import FoundationEssentials

/// The store replayed through one or more policies.
struct BacktestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtest",
        abstract: "Replay the records through one or more policies, as if the gate had run before every session.",
        discussion: """
            Per policy and rule: alarm onsets, the share of sessions in warn and fail, first and last onset, the \
            longest alarm. The replay uses the gate's own decisions, the pause carried from call to call, with the \
            modes as recorded (no git) and no one resuming. Compare policies with --config A.toml --config B.toml.
            """)

    @OptionGroup var policies: PolicyOptions
    @OptionGroup var records: RecordOptions
    @Option(help: "text, markdown or json.") var format = "text"
    @Flag(help: "JSON only: every call's decision and rule states.") var calls = false

    func validate() throws {
        guard BacktestReporter.formats.contains(format) else { throw ValidationError("--format must be text, markdown or json") }
    }

    func run() throws {
        let chosen = try policies.load(repo: records.repository.path)
        var options = PipelineOptions(chosen[0].configuration)
        if let path = records.repository.path { options.repositoryPath = path }
        records.apply(to: &options)
        let context = PipelineContext(configuration: chosen[0].configuration, options: options)
        let report = try Pipeline.backtest(context, policies: chosen, keepCalls: calls)
        print(BacktestReporter.render(report, format: format), terminator: "")
    }
}
