import ArgumentParser
import FailmixKit
import Foundation

/// What a person runs when the gate surprises them: everything failmix knows
/// about one session and why it concluded what it did.
struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain", abstract: "Explain one session: its record, modes, window, commits, evidence and verdicts.")

    @Argument(help: "The session_id (a unique prefix is enough).")
    var sessionID: String

    @OptionGroup var config: ConfigOptions
    @OptionGroup var records: RecordOptions
    @OptionGroup var git: GitOptions

    /// The record fields the rules and the evidence read.
    static let fields = ["session_id", "timestamp", "start_time", "end_time", "duration_seconds", "outcome", "loop_status",
                         "grades.productivity", "grade_reasons.harm", "intent_category_matched", "category",
                         "recommended_category", "deliverables"]

    func run() throws {
        var (_, options) = try config.load(records: records, git: git)
        options.windows = [0]
        let report = try Pipeline.report(options)
        let sessions = report.records.sessions
        let matches = sessions.indices.filter { sessions[$0].sessionID == sessionID }
        let candidates = matches.isEmpty ? sessions.indices.filter { sessions[$0].sessionID.hasPrefix(sessionID) } : matches
        guard candidates.count == 1, let index = candidates.first else {
            throw FailmixFailure(message: candidates.isEmpty
                ? "no session '\(Escape.terminal(sessionID))' in the records"
                : "'\(Escape.terminal(sessionID))' matches \(candidates.count) sessions; give more of the id")
        }
        let session = sessions[index]
        let t = Escape.terminal
        var out = "Session \(t(session.sessionID))\n"
        out += "  record: \(t(report.records.path(of: session.location))):\(session.location.line)\n"
        if let line = report.records.line(of: session),
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        {
            for path in Self.fields.dropFirst() {
                let value = path.split(separator: ".").reduce(Optional<Any>.some(object)) { ($0 as? [String: Any])?[String($1)] }
                guard let value else { continue }
                out += "    \(path.padding(toLength: 24, withPad: " ", startingAt: 0)) \(t(Self.display(value)))\n"
            }
        }
        out += "  window: \(session.start.map(Timestamp.format) ?? "none") .. \(session.end.map(Timestamp.format) ?? "none")"
        if let s = session.start, let e = session.end { out += " (\(Int(e - s)) s)" }
        out += "\n  modes (as recorded):\n"
        let catalog = report.catalog
        let recorded = ModeSet(bits: session.modeBits)
        if recorded.isEmpty { out += "    none: no rule fired\n" }
        for m in recorded { out += "    \(catalog.modes[m].name): \(t(catalog.modes[m].ruleText))\n" }
        guard let evidence = report.corroboration else {
            out += "  git: corroboration skipped (no repository; give one with --repo)\n"
            print(out, terminator: "")
            return
        }
        let e = evidence.sessions[index]
        let repository = try? Repository.discover(from: options.repositoryPath ?? FileManager.default.currentDirectoryPath)
        func subject(_ sha: String) -> String {
            let message = (try? repository?.commit(sha))??.message ?? ""
            return t(String(message.split(separator: "\n", omittingEmptySubsequences: false).first ?? ""))
        }
        out += "  commits attributed: \(e.attributions.count)\n"
        for a in e.attributions { out += "    \(a.sha.prefix(12)) by \(a.kind.rawValue): \(subject(a.sha))\n" }
        if !e.ambiguousCommits.isEmpty {
            out += "  ambiguous commits (inside several sessions' windows, attributed to none):\n"
            for sha in e.ambiguousCommits { out += "    \(sha.prefix(12)): \(subject(sha))\n" }
        }
        for item in e.evidence { out += "  evidence: \(item.sha.prefix(12)) \(item.kind.rawValue): \(t(item.detail))\n" }
        if let noop = e.noop { out += "  noop verdict: \(noop.rawValue)\n" }
        if let ci = e.ciBreak { out += "  ci_break verdict: \(ci.rawValue)\n" }
        if e.productiveWithoutCommits { out += "  note: recorded as productive, but no commit and no deliverables\n" }
        let corrected = ModeSet(bits: e.corroboratedModeBits)
        if corrected != recorded { out += "  modes (as corroborated): \(catalog.names(corrected).joined(separator: ", "))\n" }
        print(out, terminator: "")
    }

    static func display(_ value: Any) -> String {
        if value is NSNull { return "null" }
        if let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys]) {
            return String(decoding: data, as: UTF8.self)
        }
        return "\(value)"
    }
}
