import ArgumentParser
import FailmixKit
import FoundationEssentials

/// The required check that gates self-merges: the global gate plus the pull
/// request's own sessions, reported where reviewers look. It always
/// concludes: an internal error still posts an `error` status.
struct CICheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Gate a pull request: the policy, plus the sessions behind its commits (the default `ci` command).",
        discussion: "Exit codes as `failmix gate`: 0 pass or warn, 1 fail, 2 error. Annotation and API failures never change them.")

    @Option(help: "github, gitlab or plain (default: detected from the environment).") var provider: CIProvider?
    @Option(help: ArgumentHelp("The pull request's commits, BASE..HEAD (default: from the CI environment).", valueName: "range"))
    var range: String?
    @Option(help: ArgumentHelp("The environment variable holding the API token.", valueName: "name"))
    var tokenEnv: String?
    @OptionGroup var verdict: VerdictOptions
    @OptionGroup var config: ConfigOptions
    @OptionGroup var records: RecordOptions
    @OptionGroup var git: GitOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        let ci = CIEnvironment(environment, override: provider)
        var publisher = CIPublisher(ci: ci, environment: environment, tokenEnv: tokenEnv)
        let report: Report
        let level: Level
        let context: PipelineContext
        do {
            context = try config.context(records: records, git: git)
        } catch {
            // No usable configuration, so no on_error to consult: exit 2.
            let message = "failmix ci could not decide: \(error)"
            publisher.concludeWithError(message)
            throw FailmixFailure(message: message)
        }
        let policy = ErrorPolicy(context.configuration, command: "ci", gating: true)
        policy.startDeadline()
        publisher.context = context.configuration.statusContext
        do {
            (report, level) = try Pipeline.check(context, pullRequest: PullRequestRange(range: range, ci: ci))
        } catch {
            Stderr.line(policy.couldNotDecide(error))
            publisher.concludeWithError(policy.undecided(error), blocking: !policy.letsGo)
            throw ExitCode(policy.exitCode)
        }
        try output.write(report, default: ci.provider == .github ? "github" : "text")
        Deadline.shared.settled = level.exitCode(strict: verdict.strict, warnOnly: verdict.warnOnly)
        Deadline.shared.stage("publishing the results") { publisher.publish(report) }
        try verdict.exit(level)
    }
}

extension CIProvider: ExpressibleByArgument {}
