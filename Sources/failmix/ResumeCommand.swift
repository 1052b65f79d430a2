import ArgumentParser
import FailmixKit
import FoundationEssentials

struct ResumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume", abstract: "Let sessions through a pause; the gate re-evaluates after them (half-open).")

    @Option(help: "Sessions to let through before re-evaluating.") var probe = 1
    @OptionGroup var config: ConfigOptions
    @OptionGroup var records: RecordOptions

    func validate() throws { if probe < 1 { throw ValidationError("--probe must be 1 or more") } }

    func run() throws {
        let context = try config.context(records: records)
        let (wasPaused, warning) = try Pipeline.resume(context, probe: probe, by: currentUser())
        if let warning { Stderr.line("failmix: warning: \(warning)") }
        print(wasPaused ? "failmix: resumed by \(currentUser()); \(probe) session(s) may run, then the gate re-evaluates"
                        : "failmix: not paused; nothing to resume")
    }
}
