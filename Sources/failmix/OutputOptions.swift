import ArgumentParser
import FailmixKit

/// Output formats and destinations, shared by every command that renders a
/// report: `--format` is repeatable; `--output PATH` sends the (single)
/// format to a file, `--output FORMAT=PATH` one format of several.
struct OutputOptions: ParsableArguments {
    @Option(name: .customLong("format"), help: ArgumentHelp(
        "Output format (repeatable): \(Reporters.identifiers.joined(separator: ", ")).", valueName: "format"))
    var formats: [String] = []

    @Option(name: .customLong("output"), help: ArgumentHelp(
        "Write to a file instead of standard output: PATH, or FORMAT=PATH for one of several formats (repeatable).",
        valueName: "path"))
    var outputs: [String] = []

    /// The formats to render and where each goes (nil: standard output).
    func destinations(default fallback: String) throws -> [(reporter: any Reporter.Type, path: String?)] {
        let chosen = formats.isEmpty ? [fallback] : formats
        var byFormat: [String: String] = [:]
        var unnamed: [String] = []
        for output in outputs {
            if let eq = output.firstIndex(of: "="), Reporters.named(String(output[..<eq])) != nil {
                byFormat[String(output[..<eq])] = String(output[output.index(after: eq)...])
            } else {
                unnamed.append(output)
            }
        }
        if unnamed.count > 1 || (unnamed.count == 1 && chosen.count > 1) {
            throw ValidationError("with several formats, name each output as FORMAT=PATH")
        }
        var all = chosen
        for format in byFormat.keys where !all.contains(format) { all.append(format) }
        return try all.map { id in
            guard let reporter = Reporters.named(id) else {
                throw ValidationError("unknown format '\(id)' (choose from \(Reporters.identifiers.joined(separator: ", ")))")
            }
            return (reporter, byFormat[id] ?? unnamed.first)
        }
    }

    func validate() throws { _ = try destinations(default: "text") }

    /// Renders `report` in every requested format to its destination.
    func write(_ report: Report, default fallback: String = "text") throws {
        let destinations = try destinations(default: fallback)
        if report.context.isFleet, let single = destinations.first(where: { !Reporters.rendersFleet($0.reporter.identifier) }) {
            throw FailmixFailure(message: "the \(single.reporter.identifier) format reports one agent at a time: run `failmix gate --agent NAME` per agent")
        }
        for (reporter, path) in destinations {
            let sink = try OutputSink(path: path)
            var stream = sink
            do {
                try Reporters.render(reporter, report, options: RenderOptions(color: colorWanted(sink)), into: &stream)
            } catch {
                throw FailmixFailure(message: error.description)
            }
            try sink.close()
        }
    }
}
