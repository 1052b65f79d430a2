import ArgumentParser
import FailmixKit
import FoundationEssentials

/// The decision an agent's run loop and git obey.
struct GateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gate",
        abstract: "Evaluate the policy: pass, warn or fail (pausing the agent on fail).",
        discussion: """
            Exit codes: 0 pass or warn, 1 fail (--strict: warn too; --warn-only: never), 2 usage, configuration or input error. \
            With --exit-contract gptme-session-gate: 0 skip the session, 1 run it, 2 error. \
            With [gate] mode = "shadow" the session always runs; what the gate would have done is reported and journalled.
            """)

    @Option(help: ArgumentHelp("The hook running the gate (pre-session, pre-push, …), for the journal.", valueName: "name"))
    var hook: String?

    @Option(help: ArgumentHelp("The exit codes the caller expects: failmix (0 go, 1 paused, 2 error) or gptme-session-gate (0 skip, 1 run, 2 error).", valueName: "contract"))
    var exitContract: ExitContract = .failmix

    @OptionGroup var verdict: VerdictOptions
    @OptionGroup var config: ConfigOptions
    @OptionGroup var records: RecordOptions
    @OptionGroup var git: GitOptions
    @OptionGroup var output: OutputOptions

    @Option(help: ArgumentHelp("Gate one agent of a fleet: NAME from [[agents]], or NAME=RECORDS[:REPO].", valueName: "agent"))
    var agent: String?

    func run() throws {
        if let why = HookSkip.reason(ProcessInfo.processInfo.environment) {
            Stderr.line("failmix: *** gate SKIPPED\(hook.map { " for this \(Escape.terminal($0))" } ?? "") (\(why)) — nothing was checked ***")
            return
        }
        var context = try config.context(records: records, git: git)
        let agent = try agent.map { try agentNamed($0, in: context.configuration) }
        if let agent { context = PipelineContext(configuration: context.configuration, options: Pipeline.agentOptions(agent, base: context.options)) }
        let policy = ErrorPolicy(context.configuration, command: "gate", gating: true, contract: exitContract)
        policy.startDeadline()
        var run: GateRun
        do {
            run = try Pipeline.gate(context, remember: true)
        } catch {
            Stderr.line(policy.couldNotDecide(error))
            throw ExitCode(policy.exitCode)
        }
        for warning in run.warnings { Stderr.line("failmix: warning: \(warning)") }
        run.report.context.agent = agent?.name
        run.report.context.gate = run.decision
        if output.formats.contains(HTMLReporter.identifier) { Pipeline.attachHistory(&run.report, context: context) }
        try output.write(run.report, default: "text")
        var go = verdict.code(run.decision.level) == 0
        if context.configuration.gateMode == .shadow {
            if !go { Stderr.line("failmix: shadow mode: the gate would have stopped this session (\(run.decision.level)); it runs") }
            go = true
        }
        let code = exitContract.code(go: go)
        if code != 0 { throw ExitCode(code) }
    }
}
