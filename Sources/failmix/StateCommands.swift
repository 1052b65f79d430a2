import ArgumentParser
import FailmixKit
import Foundation

/// The state store of the repository the command runs in.
func stateStore(repo: String?) throws -> GateStateStore {
    let repository = try Repository.discover(from: repo ?? FileManager.default.currentDirectoryPath)
    return GateStateStore(directory: failmixDirectory(repository))
}

/// How many sessions the store has now (probes and acks count from it),
/// read exactly as the gate reads them, so the gate's records cache stays valid.
func currentSessionCount(_ configuration: Configuration, _ options: PipelineOptions) throws -> Int {
    try Pipeline.gate(options, config: configuration, remember: false).report.records.sessionCount
}

struct ResumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume", abstract: "Let sessions through a pause; the gate re-evaluates after them (half-open).")

    @Option(help: "Sessions to let through before re-evaluating.") var probe = 1
    @OptionGroup var config: ConfigOptions
    @OptionGroup var records: RecordOptions

    func validate() throws { if probe < 1 { throw ValidationError("--probe must be 1 or more") } }

    func run() throws {
        let (configuration, options) = try config.load(records: records)
        let count = try currentSessionCount(configuration, options)
        let store = try stateStore(repo: records.repo)
        let (wasPaused, warning) = try store.update { (state: inout GateState) -> (Bool, [GateEvent]) in
            let paused = state.paused
            return (paused, Gate.resume(&state, probe: probe, sessionCount: count, by: currentUser()))
        }
        if let warning { Stderr.line("failmix: warning: \(warning)") }
        print(wasPaused ? "failmix: resumed by \(currentUser()); \(probe) session(s) may run, then the gate re-evaluates"
                        : "failmix: not paused; nothing to resume")
    }
}

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show the pause state, its reasons, acks and recent changes.")

    @Option(help: ArgumentHelp("The repository.", valueName: "path")) var repo: String?

    func run() throws {
        let store = try stateStore(repo: repo)
        let (state, warning) = store.read()
        if let warning { Stderr.line("failmix: warning: \(warning)") }
        func iso(_ date: Date) -> String { Timestamp.format(date.timeIntervalSince1970) }
        var out = state.paused ? "paused since \(state.since.map(iso) ?? "?")\n" : "not paused\n"
        for reason in state.reasons { out += "  reason: \(Escape.terminal(reason))\n" }
        if let by = state.resumedBy { out += "resumed by \(Escape.terminal(by)) at \(state.resumedAt.map(iso) ?? "?")\n" }
        if let probe = state.probe { out += "probe: \(probe.allowed) session(s) after session #\(probe.afterSessions)\n" }
        for ack in state.acks {
            let until = ack.until.map { "until \(iso($0))" } ?? ack.sessions.map { "for \($0) sessions" } ?? ""
            out += "ack: \(Escape.terminal(ack.rule)) \(until) by \(Escape.terminal(ack.by)): \(Escape.terminal(ack.reason))\n"
        }
        let journal = store.journal().suffix(10)
        if !journal.isEmpty {
            out += "recent changes:\n"
            for e in journal { out += "  \(iso(e.at)) \(e.event): \(Escape.terminal(e.detail))\n" }
        }
        print(out, terminator: "")
    }
}

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
        let (configuration, options) = try config.load(records: records)
        guard configuration.rules.contains(where: { $0.name == rule }) else {
            throw FailmixFailure(message: "no rule named '\(rule)' (rules: \(configuration.rules.map(\.name).joined(separator: ", ")))")
        }
        let count = try currentSessionCount(configuration, options)
        let ack = GateState.Ack(rule: rule, until: until.flatMap(Timestamp.parse).map { Date(timeIntervalSince1970: $0) },
                                sessions: sessions, startSessions: count, reason: reason, by: currentUser(), at: Date())
        let store = try stateStore(repo: records.repo)
        _ = try store.update { (state: inout GateState) -> (Void, [GateEvent]) in
            state.acks.removeAll { $0.rule == rule }
            state.acks.append(ack)
            return ((), [GateEvent(at: Date(), event: "ack", detail: "\(rule) by \(ack.by): \(reason)")])
        }
        print("failmix: \(rule) acknowledged; it warns instead of failing \(until.map { "until \($0)" } ?? "for \(sessions!) sessions")")
    }
}
