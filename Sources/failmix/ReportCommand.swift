import ArgumentParser
import FailmixKit

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Report the failure-mode mix over recent windows of sessions.")

    @OptionGroup var config: ConfigOptions
    @OptionGroup var records: RecordOptions
    @OptionGroup var git: GitOptions

    @Option(name: .customLong("last"), help: ArgumentHelp(
        "A window: the last N sessions (repeatable; 0 means all). Default: 100 and 30.", valueName: "N"))
    var windows: [Int] = []

    @OptionGroup var output: OutputOptions
    @OptionGroup var fleet: FleetOptions

    @Flag(help: "Treat malformed record lines as an error (exit 2).")
    var strict = false

    func validate() throws {
        if let bad = windows.first(where: { $0 < 0 }) { throw ValidationError("--last must be 0 or more, not \(bad)") }
    }

    func run() throws {
        let context = try config.context(records: records, git: git) { if !windows.isEmpty { $0.windows = windows } }
        ErrorPolicy(context.configuration, command: "report", gating: false).startDeadline()
        let agents = try fleet.agents(context.configuration)
        if !agents.isEmpty {
            if !records.paths.isEmpty { throw ValidationError("--records and agents don't mix: give each agent's records in --agent NAME=RECORDS") }
            let report = try Pipeline.fleetReport(agents, base: context)
            try output.write(report)
            try RecordOptions.enforceStrict(strict, report.records)
            return
        }
        var report = try Pipeline.report(context)
        // The dashboard shows the gate's verdict and history; other formats stay as they were.
        if output.formats.contains(HTMLReporter.identifier) {
            Pipeline.attachGateContext(&report, context: context)
        }
        try output.write(report)
        try RecordOptions.enforceStrict(strict, report.records)
    }
}
