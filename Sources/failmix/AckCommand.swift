import ArgumentParser
import FailmixKit
import Foundation

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
        let configuration = context.configuration
        guard configuration.rules.contains(where: { $0.name == rule }) else {
            throw FailmixFailure(message: "no rule named '\(rule)' (rules: \(configuration.rules.map(\.name).joined(separator: ", ")))")
        }
        let count = try Pipeline.sessionCount(context)
        let ack = GateState.Ack(rule: rule, until: until.flatMap(Timestamp.parse).map { Date(timeIntervalSince1970: $0) },
                                sessions: sessions, startSessions: count, reason: reason, by: currentUser(), at: Date())
        let store = try context.stateStore()
        _ = try store.update { (state: inout GateState) -> (Void, [GateEvent]) in
            state.acks.removeAll { $0.rule == rule }
            state.acks.append(ack)
            return ((), [GateEvent(at: Date(), event: "ack", detail: "\(rule) by \(ack.by): \(reason)")])
        }
        print("failmix: \(rule) acknowledged; it warns instead of failing \(until.map { "until \($0)" } ?? "for \(sessions!) sessions")")
    }
}
