import ArgumentParser
import FailmixKit
import FoundationEssentials

struct AckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ack", abstract: "Accept a known condition: the rule warns instead of failing until a date or for N sessions.")

    @Argument(help: "The rule's name (see `failmix config show`).") var rule: String
    @Option(help: ArgumentHelp("Until this date (YYYY-MM-DD or an ISO 8601 time).", valueName: "date")) var until: String?
    @Option(help: ArgumentHelp("For this many more sessions.", valueName: "n")) var sessions: Int?
    @Option(help: "Why (shown in every report).") var reason: String
    @OptionGroup var config: ConfigOptions
    @OptionGroup var records: RecordOptions

    func validate() throws {
        guard (until == nil) != (sessions == nil) else { throw ValidationError("give exactly one of --until or --sessions") }
        if let until, Timestamp.parse(until) == nil { throw ValidationError("--until must be a date like 2026-12-01") }
        if let sessions, sessions < 1 { throw ValidationError("--sessions must be 1 or more") }
    }

    func run() throws {
        let context = try config.context(records: records)
        let warning = try Pipeline.acknowledge(context, rule: rule, until: until.flatMap(Timestamp.parse).map { Date(timeIntervalSince1970: $0) },
                                               sessions: sessions, reason: reason, by: currentUser())
        if let warning { Stderr.line("failmix: warning: \(warning)") }
        print("failmix: \(rule) acknowledged; it warns instead of failing \(until.map { "until \($0)" } ?? "for \(sessions!) sessions")")
    }
}
