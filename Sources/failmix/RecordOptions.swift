import ArgumentParser
import FailmixKit

/// Where records come from and how to read them; shared by every command
/// that reads records.
struct RecordOptions: ParsableArguments {
    @Option(name: .customLong("records"), help: ArgumentHelp(
        "A session-records.jsonl file (repeatable). Default: state/sessions/session-records.jsonl in the repository, then $GPTME_SESSIONS_DIR, then ~/.local/share/gptme-sessions.",
        valueName: "path"))
    var paths: [String] = []

    @Flag(help: "Do not read rotated siblings (NAME-archive-*.jsonl, NAME.jsonl.bak-*).")
    var noRotated = false

    @Option(help: "What a record's `timestamp` means when start_time/end_time are absent: end or start (default: end).")
    var timestampIs: TimestampMeaning?

    @OptionGroup var repository: RepositoryOptions

    /// The options these flags set, over the configuration's.
    func apply(to options: inout PipelineOptions) {
        if !paths.isEmpty { options.recordPaths = paths }
        options.includeRotated = !noRotated
        if let timestampIs { options.timestampIs = timestampIs }
    }

    /// With `--strict`, malformed lines end the run with exit 2.
    static func enforceStrict(_ strict: Bool, _ records: RecordSet) throws {
        guard strict, records.malformedCount > 0 else { return }
        let first = records.malformed.first.map { " (first: \($0.path):\($0.line): \($0.error))" } ?? ""
        throw FailmixFailure(message: "\(records.malformedCount) malformed record lines\(first)")
    }
}

extension TimestampMeaning: ExpressibleByArgument {}
