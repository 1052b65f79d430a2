import ArgumentParser
import FailmixKit
import FoundationEssentials

/// Is the provenance chain working? Hooks where git runs them, commits
/// stamped, records arriving, configuration and state usable.
struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor", abstract: "Check that hooks, trailers, records, git and state work; each problem with a fix.",
        discussion: "Exit codes: 0 nothing failed (warnings allowed), 1 a check failed, 2 doctor could not run.")

    @OptionGroup var config: ConfigOptions
    @Option(name: .customLong("records"), help: ArgumentHelp("A session-records.jsonl file (default: as `report` finds it).", valueName: "path"))
    var records: [String] = []
    @OptionGroup var repository: RepositoryOptions
    @Option(help: "Output format: text or json.") var format = "text"

    func validate() throws {
        guard ["text", "json"].contains(format) else { throw ValidationError("--format must be text or json") }
    }

    func run() throws {
        var options = Doctor.Options(configPath: config.config)
        options.recordPaths = records
        let report: DoctorReport
        do {
            report = try Doctor.run(options, repository: try repository.discover())
        } catch {
            throw FailmixFailure(message: "doctor could not run: \(error)")
        }
        let sink = try OutputSink(path: nil)
        sink.write(format == "json" ? report.json() : report.text(color: colorWanted(sink)))
        try sink.close()
        if report.exitCode != 0 { throw ExitCode(report.exitCode) }
    }
}
