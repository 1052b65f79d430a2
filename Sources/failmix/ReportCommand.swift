import ArgumentParser
import FailmixKit

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Report the failure-mode mix over recent windows of sessions.")

    @OptionGroup var records: RecordOptions

    @Option(name: .customLong("last"), help: ArgumentHelp(
        "A window: the last N sessions (repeatable; 0 means all). Default: 100 and 30.", valueName: "N"))
    var windows: [Int] = []

    @Option(help: "Output format: \(Reporters.identifiers.joined(separator: ", ")).")
    var format = "text"

    @Option(help: ArgumentHelp("Write the report to this file instead of standard output.", valueName: "path"))
    var output: String?

    func validate() throws {
        guard Reporters.named(format) != nil else {
            throw ValidationError("unknown format '\(format)' (choose from \(Reporters.identifiers.joined(separator: ", ")))")
        }
        if let bad = windows.first(where: { $0 < 0 }) { throw ValidationError("--last must be 0 or more, not \(bad)") }
    }

    func run() throws {
        var options = PipelineOptions()
        records.apply(to: &options)
        if !windows.isEmpty { options.windows = windows }
        let report = try Pipeline.report(options)
        let reporter = Reporters.named(format)!
        let sink = try OutputSink(path: output)
        var stream = sink
        reporter.render(report, options: RenderOptions(color: colorWanted(sink)), into: &stream)
        try sink.close()
        try records.enforceStrict(report.records)
    }
}
