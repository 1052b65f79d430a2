import FailmixClassify
import FailmixRecords
import FailmixSupport

/// SARIF 2.1.0 as GitHub code scanning takes it: one rule per failure mode
/// and per finding rule, each with short and full descriptions and help
/// (text and Markdown); results for the findings and for every failed session
/// of the most recent window, located at a repository-relative file
/// (`%SRCROOT%`) — a finding without a place of its own, or in a file the
/// commit does not hold, is anchored to `Report.anchorPath` — and
/// fingerprinted per rule and session, so an
/// upload through the API updates alerts instead of duplicating them.
public enum SARIFReporter: Reporter {
    public static let identifier = "sarif"
    /// The key of failmix's own fingerprint in `partialFingerprints`.
    public static let fingerprintKey = "failmix/v1"

    struct Rule {
        var id: String
        var short: String
        var full: String
        var help: String
        /// The help as Markdown (default: the text, which then must read as Markdown too).
        var helpMarkdown: String
        var level: String

        init(id: String, short: String, full: String, help: String, helpMarkdown: String? = nil, level: String) {
            (self.id, self.short, self.full, self.help, self.level) = (id, short, full, help, level)
            self.helpMarkdown = helpMarkdown ?? help
        }
    }

    public static func render(_ report: Report, options: RenderOptions, into out: inout some TextOutputStream) {
        let q = JSONReporter.json
        let catalog = report.catalog
        var rules = catalog.modes.map { m in
            Rule(id: "mode/\(m.name)", short: "\(m.label): \(m.ruleText)",
                 full: "A session is classified \(m.name) when \(m.ruleText). Likely cause: \(m.cause).",
                 help: "Likely cause: \(m.cause). Fix: \(m.fix).",
                 helpMarkdown: "**\(Escape.markdown(m.label))** (`\(m.name.filter { $0 != "`" })`): \(Escape.markdown(m.ruleText))\n\n**Likely cause:** \(Escape.markdown(m.cause))\n\n**Fix:** \(Escape.markdown(m.fix))",
                 level: "note")
        }
        for f in report.rankedFindings where !rules.contains(where: { $0.id == f.rule }) {
            rules.append(findingRule(f, catalog: catalog))
        }
        let index = Dictionary(rules.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
        out.write("{\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\",\"version\":\"2.1.0\",\"runs\":[{")
        out.write("\"tool\":{\"driver\":{\"name\":\"failmix\",\"version\":\(q(report.version)),\"informationUri\":\"https://github.com/failmix/failmix\",\"rules\":[")
        for (i, r) in rules.enumerated() {
            out.write(i == 0 ? "" : ",")
            out.write("{\"id\":\(q(r.id)),\"name\":\(q(r.id)),\"shortDescription\":{\"text\":\(q(r.short))},\"fullDescription\":{\"text\":\(q(r.full))},")
            out.write("\"help\":{\"text\":\(q(r.help)),\"markdown\":\(q(r.helpMarkdown))},\"defaultConfiguration\":{\"level\":\"\(r.level)\"}}")
        }
        out.write("]}},\"originalUriBaseIds\":{\"%SRCROOT%\":{\"description\":{\"text\":\"The repository root.\"}}},\"results\":[")
        var first = true
        func result(_ rule: String, _ level: String, _ message: String, _ path: String?, _ line: Int?, _ fingerprint: String) {
            out.write(first ? "\n" : ",\n")
            first = false
            out.write("{\"ruleId\":\(q(rule)),\"ruleIndex\":\(index[rule] ?? 0),\"level\":\"\(level)\",\"message\":{\"text\":\(q(message))}")
            // A place inside the repository, else the anchor (line 1: the
            // original line belongs to a file code scanning cannot show).
            let located = path.flatMap(report.repositoryRelative).flatMap { report.unlocatablePaths.contains($0) ? nil : $0 }
            if let uri = located ?? report.anchorPath {
                out.write(",\"locations\":[{\"physicalLocation\":{\"artifactLocation\":{\"uri\":\(q(percentEncoded(uri, keepingSlashes: true))),\"uriBaseId\":\"%SRCROOT%\"}")
                out.write(",\"region\":{\"startLine\":\(located != nil ? max(1, line ?? 1) : 1)}}}]")
            }
            out.write(",\"partialFingerprints\":{\"\(fingerprintKey)\":\"\(fingerprint)\",\"primaryLocationLineHash\":\"\(fingerprint):1\"}}")
        }
        for f in report.rankedFindings {
            result(f.rule, f.level == .failure ? "error" : f.level == .warning ? "warning" : "note",
                   f.title + ": " + f.message, f.path, f.line, f.fingerprint)
        }
        if let recent = report.mix.recent {
            for s in report.records.sessions.suffix(recent.total) where s.modeBits != 0 {
                let path = report.records.path(of: s.location)
                for m in ModeSet(bits: s.modeBits) {
                    let rule = "mode/\(catalog.modes[m].name)"
                    result(rule, "note", "session \(s.sessionID): \(catalog.modes[m].label)", path, Int(s.location.line),
                           Finding.fingerprint(rule: rule, sessionID: s.sessionID, commit: nil))
                }
            }
        }
        out.write("\n]}]}\n")
    }

    /// A rule for findings that are not a mode: what it checks and what to do.
    static func findingRule(_ f: Finding, catalog: ModeCatalog) -> Rule {
        let level = f.level == .failure ? "error" : f.level == .warning ? "warning" : "note"
        if f.rule == "pr.unclaimed" {
            return Rule(
                id: f.rule, short: "Commit that no session claims",
                full: "A commit under review carries no Git-Session-Id trailer naming a session, is not listed in any session's deliverables, and lies in no session's time window: it was made outside the agent, or by a session whose record is missing.",
                help: "Agent commits should carry a `Git-Session-Id: <session id>` trailer. A commit by a person needs nothing; one by the agent without a record means the records are incomplete.",
                helpMarkdown: "Agent commits should carry a `Git-Session-Id: <session id>` trailer.\n\nA commit by a person needs nothing; one by the agent without a record means the records are incomplete.",
                level: level)
        }
        if f.rule.hasPrefix("pr."), let i = catalog.index(of: String(f.rule.dropFirst(3))) {
            let m = catalog.modes[i]
            return Rule(
                id: f.rule, short: "Commit made by a session with \(m.name)",
                full: "A commit under review belongs to a session classified \(m.name) (\(m.ruleText)); [ci] block_modes lists \(m.name), so the check fails even when the policy passes.",
                help: "Likely cause: \(m.cause). Fix: \(m.fix). Inspect the session with `failmix explain <session id>`.",
                helpMarkdown: "**Likely cause:** \(Escape.markdown(m.cause))\n\n**Fix:** \(Escape.markdown(m.fix))\n\nInspect the session with `failmix explain <session id>`.",
                level: level)
        }
        if f.rule == "gate" {
            return Rule(
                id: f.rule, short: "The gate's pause state",
                full: "The gate is paused (sessions are refused until the rules that paused it clear) or reports on a probe or acknowledgement.",
                help: "`failmix status` says why; `failmix resume --probe N` lets N sessions through; `failmix ack RULE` turns a known failure into a warning.",
                level: level)
        }
        // In a code span only a backtick could break out.
        let name = f.rule.filter { $0 != "`" }
        return Rule(
            id: f.rule, short: "Policy rule \(f.rule)",
            full: "The policy rule \(f.rule) (.failmix.toml, or the default policy) crossed its threshold over its window of recent sessions.",
            help: "`failmix status` and `failmix report` show the rates behind it; fix the dominant mode's cause, or `failmix ack \(name) --sessions N --reason TEXT` while a known condition lasts.",
            level: level)
    }
}
