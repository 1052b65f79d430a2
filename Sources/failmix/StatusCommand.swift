import ArgumentParser
import FailmixKit
import Foundation

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show the pause state, its reasons, acks and recent changes.")

    @OptionGroup var repository: RepositoryOptions

    func run() throws {
        let store = try repository.stateStore()
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
