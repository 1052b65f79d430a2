import FailmixSupport
import FailmixClassify
import FailmixEvidence
import FailmixGate
import FailmixRecords
import FoundationEssentials

/// One self-contained HTML page: the verdict, each mode's rolling rate with
/// the policy's thresholds, the gate's history, the latest sessions and, in
/// fleet mode, a row of small charts per agent. Inline CSS and SVG, a few
/// lines of inline script for filtering (the page reads fully without it),
/// and a Content-Security-Policy that lets nothing else load or run.
public enum HTMLReporter: Reporter {
    public static let identifier = "html"

    /// Rows in the sessions table (newest first), so a store of a million
    /// sessions still makes a small page.
    public static let tableRows = 200
    /// Journal events on the timeline and in its table.
    public static let timelineEvents = 500
    public static let journalRows = 50

    public static func render(_ report: Report, options: RenderOptions, into out: inout some TextOutputStream) {
        var page = Page()
        page.document(report)
        out.write(page.html)
    }
}

/// Escapes untrusted text for HTML text and attribute values; control
/// characters become visible (`\u{1b}`) first.
func h(_ s: String) -> String { Escape.html(Escape.terminal(s)) }

/// A number with `digits` decimals, for coordinates and labels.
func fixed(_ d: Double, _ digits: Int) -> String {
    guard d.isFinite else { return "0" }
    return formatted("%.\(digits)f", d)
}

/// A rate written exactly enough to compare with the JSON report (1e-6).
func rateText(_ d: Double) -> String {
    guard d.isFinite else { return "0" }
    if d == 0 || d == 1 { return d == 0 ? "0" : "1" }
    return formatted("%.6f", d)
}

struct Page {
    var html = ""
    var nextID = 0

    mutating func id(_ prefix: String) -> String {
        nextID += 1
        return "\(prefix)\(nextID)"
    }

    mutating func w(_ s: String) { html += s }

    mutating func document(_ report: Report) {
        let agent = report.context.agent.map { " — \(h($0))" } ?? ""
        w("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        w("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src \(HTMLAssets.styleHash); script-src \(HTMLAssets.scriptHash); img-src 'none'; base-uri 'none'; form-action 'none'\">\n")
        w("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"color-scheme\" content=\"light dark\">\n")
        w("<title>failmix\(report.context.isFleet ? " fleet" : "") report\(agent)</title>\n<style>\(HTMLAssets.style)</style>\n</head>\n<body>\n")
        w("<header><h1>failmix \(report.context.isFleet ? "fleet " : "")report\(agent)</h1>")
        w("<p class=\"meta\">generated \(h(Timestamp.format(report.context.generatedAt.timeIntervalSince1970))) by failmix \(h(report.version)) · ")
        w("\(report.records.sessionCount) sessions\(report.context.isFleet ? " from \(report.context.agents.count) agents" : "")")
        if !report.records.files.isEmpty {
            let files = report.records.files
            w(" · records: " + files.prefix(5).map { "<code>\(h($0.path))</code>" }.joined(separator: ", "))
            if files.count > 5 { w(" and \(files.count - 5) more") }
        }
        w("</p></header>\n<main>\n")
        verdict(report)
        if report.context.isFleet {
            fleet(report)
            windowsTable(report, caption: "Fleet total: every agent's windows added up")
        } else {
            windowsTable(report, caption: "Failure modes per window")
            let series = report.context.series ?? RateSeries(report)
            charts(report, series)
            attribution(report, series)
        }
        timeline(report)
        sessionsTable(report)
        notes(report)
        w("</main>\n<script>\(HTMLAssets.script)</script>\n</body>\n</html>\n")
    }

    // MARK: Verdict

    mutating func verdict(_ report: Report) {
        w("<section id=\"verdict\" aria-labelledby=\"verdict-h\"><h2 id=\"verdict-h\">Verdict</h2>\n")
        guard let gate = report.context.gate else {
            if let decision = report.decision {
                w("<p>\(badge(decision.rawValue))</p>")
            } else {
                w("<p>No gate decision was taken for this report.</p>")
            }
            if report.context.isFleet { fleetVerdicts(report) }
            w("</section>\n")
            return
        }
        let level = gate.level.description
        w("<p class=\"decision\">Gate decision: \(badge(level))")
        if gate.paused { w(" <span class=\"badge fail\">paused</span>") }
        w("</p>\n")
        if let state = report.context.state, state.paused {
            let since = state.since.map { " since \(h(Timestamp.format($0.timeIntervalSince1970)))" } ?? ""
            w("<p class=\"pause\"><strong>Paused\(since)</strong>: \(state.reasons.map(h).joined(separator: "; "))</p>\n")
            if let probe = state.probe {
                w("<p>Probe: \(probe.allowed) session(s) let through after session #\(probe.afterSessions)\(state.resumedBy.map { ", resumed by \(h($0))" } ?? "").</p>\n")
            }
        } else {
            // A report decides without remembering; only `failmix gate` pauses.
            w("<p class=\"pause\">Not paused\(gate.level == .fail && !gate.paused ? " (a <code>failmix gate</code> run now would pause the agent)" : "").</p>\n")
        }
        if !gate.messages.isEmpty {
            w("<ul class=\"messages\">" + gate.messages.map { "<li>\(h($0))</li>" }.joined() + "</ul>\n")
        }
        w("<table class=\"rules\"><caption>Rules of the policy</caption><thead><tr><th scope=\"col\">rule</th><th scope=\"col\">level</th><th scope=\"col\">basis</th><th scope=\"col\">count</th><th scope=\"col\">rate</th><th scope=\"col\">threshold</th><th scope=\"col\">reason</th></tr></thead><tbody>\n")
        for e in gate.evaluations {
            let level = e.notEnoughData ? "insufficient" : e.level.description
            w("<tr class=\"\(e.level.description)\"><th scope=\"row\">\(h(e.rule.name))</th><td>\(badge(level))</td><td>\(e.basis.rawValue)</td>")
            w("<td>\(e.count)/\(e.n)</td><td>\(percent(e.rate))</td><td>\(h(e.threshold))</td><td>\(h(e.reason))</td></tr>\n")
        }
        w("</tbody></table>\n")
        if !gate.acks.isEmpty {
            w("<ul class=\"acks\">")
            for ack in gate.acks {
                let until = ack.until.map { "until \(h(Timestamp.format($0.timeIntervalSince1970)))" } ?? ack.sessions.map { "for \($0) sessions" } ?? ""
                w("<li>acknowledged <strong>\(h(ack.rule))</strong> \(until) by \(h(ack.by)): \(h(ack.reason))</li>")
            }
            w("</ul>\n")
        }
        if report.context.isFleet { fleetVerdicts(report) }
        w("</section>\n")
    }

    mutating func fleetVerdicts(_ report: Report) {
        w("<ul class=\"agents-verdicts\">")
        for agent in report.context.agents {
            let level = agent.context.gate?.level.description ?? agent.decision?.rawValue ?? "none"
            let reasons = agent.context.gate?.firedRules.map { h($0.reason) }.joined(separator: "; ") ?? ""
            w("<li><strong>\(h(agent.context.agent ?? "?"))</strong>: \(badge(level))\(agent.context.gate?.paused == true ? " <span class=\"badge fail\">paused</span>" : "")\(reasons.isEmpty ? "" : " — " + reasons)</li>")
        }
        w("</ul>\n")
    }

    func badge(_ level: String) -> String { "<span class=\"badge \(h(level))\">\(h(level))</span>" }

    // MARK: Windows

    mutating func windowsTable(_ report: Report, caption: String) {
        let catalog = report.catalog
        let corrected = report.corroboratedMix
        w("<section id=\"windows\" aria-labelledby=\"windows-h\"><h2 id=\"windows-h\">Failure mix</h2>\n")
        w("<table class=\"windows\"><caption>\(h(caption))\(corrected == nil ? " (as recorded)" : " (as recorded / as corroborated by git)")</caption><thead><tr><th scope=\"col\">mode</th>")
        for win in report.mix.windows { w("<th scope=\"col\">\(h(win.label)) (\(win.total))</th>") }
        w("</tr></thead><tbody>\n")
        func cell(_ i: Int, _ rate: (WindowSummary) -> Double) {
            for (k, win) in report.mix.windows.enumerated() {
                let recorded = rate(win)
                var text = percent(recorded)
                if let c = corrected?.windows[k] { text += " / " + percent(rate(c)) }
                _ = i
                w("<td data-window=\"\(win.last)\" data-rate=\"\(rateText(recorded))\">\(text)</td>")
            }
        }
        w("<tr><th scope=\"row\">any mode (failed)</th>")
        cell(-1) { $0.failedRate }
        w("</tr>\n")
        for (i, mode) in catalog.modes.enumerated() {
            w("<tr data-mode=\"\(h(mode.name))\"><th scope=\"row\">\(h(mode.label))</th>")
            cell(i) { $0.rate($0.counts[i]) }
            w("</tr>\n")
        }
        w("</tbody></table>\n")
        if let d = report.mix.dominant {
            let m = catalog.modes[d]
            w("<p>Dominant mode: <strong>\(h(m.label))</strong> — likely cause: \(h(m.cause)); fix: \(h(m.fix)).</p>\n")
        }
        w("</section>\n")
    }

    // MARK: Sessions

    /// One row of the sessions table: a session of `report` (an agent's, in fleet mode).
    struct SessionRow {
        var report: Int
        var index: Int
        var end: Double
    }

    /// The newest sessions, newest first: of the one report, or — in fleet
    /// mode — of every agent together, with an agent column.
    mutating func sessionsTable(_ report: Report) {
        let reports = report.context.isFleet ? report.context.agents : [report]
        var rows: [SessionRow] = []
        for (r, agent) in reports.enumerated() {
            let sessions = agent.records.sessions
            for i in sessions.indices.suffix(HTMLReporter.tableRows) {
                rows.append(SessionRow(report: r, index: i, end: sessions[i].end ?? -.infinity))
            }
        }
        // Newest first; ties (and untimed sessions) keep each agent's order.
        rows.sort { ($0.end, $0.index) > ($1.end, $1.index) }
        rows = Array(rows.prefix(HTMLReporter.tableRows))
        let catalog = report.catalog
        let fleet = report.context.isFleet
        let git = reports.contains { $0.corroboration != nil }
        w("<section class=\"sessions\" aria-labelledby=\"sessions-h\"><h2 id=\"sessions-h\">Latest sessions</h2>\n")
        w("<div class=\"filter\" hidden><label>Show sessions with mode <select>")
        w("<option value=\"\">any or none</option>")
        for mode in catalog.modes { w("<option value=\"\(h(mode.name))\">\(h(mode.label))</option>") }
        w("</select></label> <output aria-live=\"polite\"></output></div>\n")
        w("<table class=\"sessions-table\"><caption>The newest \(rows.count) of \(report.records.sessionCount) sessions\(fleet ? " of every agent" : ""), newest first</caption><thead><tr>")
        if fleet { w("<th scope=\"col\">agent</th>") }
        w("<th scope=\"col\">#</th><th scope=\"col\">session</th><th scope=\"col\">end (UTC)</th><th scope=\"col\">modes</th>")
        if git { w("<th scope=\"col\">as corroborated</th><th scope=\"col\">verdicts</th><th scope=\"col\">commits</th>") }
        w("<th scope=\"col\">record</th></tr></thead><tbody>\n")
        for row in rows {
            sessionRow(reports[row.report], row.index, agent: fleet ? reports[row.report].context.agent ?? "?" : nil, git: git)
        }
        w("</tbody></table>\n</section>\n")
    }

    mutating func sessionRow(_ report: Report, _ index: Int, agent: String?, git: Bool) {
        let catalog = report.catalog
        let s = report.records.sessions[index]
        let modes = ModeSet(bits: s.modeBits).map { catalog.modes[$0] }
        func labels(_ modes: [ModeDefinition]) -> String {
            modes.isEmpty ? "—" : modes.map { "<span class=\"mode\">\(h($0.label))</span>" }.joined(separator: " ")
        }
        var names = modes.map(\.name)
        var row = agent.map { "<td>\(h($0))</td>" } ?? ""
        // The session's number in the whole store (the report may hold only the newest).
        row += "<td>\(report.records.sessionCount - report.records.sessions.count + index + 1)</td>"
        row += "<td><code>\(h(s.sessionID))</code></td><td>\(s.end.map { h(Timestamp.format($0)) } ?? "—")</td><td>\(labels(modes))</td>"
        if git {
            if let e = report.corroboration?.sessions[index] {
                let corrected = ModeSet(bits: e.corroboratedModeBits).map { catalog.modes[$0] }
                names += corrected.map(\.name)
                var verdicts: [String] = []
                if let v = e.noop { verdicts.append("noop \(v.rawValue)") }
                if let v = e.ciBreak { verdicts.append("ci_break \(v.rawValue)") }
                let shas = e.attributions.prefix(3).map { "<code title=\"\(h($0.sha)) (\($0.kind.rawValue))\">\(h(String($0.sha.prefix(10))))</code>" }
                row += "<td>\(labels(corrected))</td><td>\(verdicts.isEmpty ? "—" : verdicts.joined(separator: ", "))</td>"
                row += "<td>\(e.attributions.count)\(shas.isEmpty ? "" : ": " + shas.joined(separator: " "))\(e.attributions.count > 3 ? " …" : "")</td>"
            } else {
                row += "<td>—</td><td>no git</td><td>—</td>"
            }
        }
        row += "<td><code>\(h(relativeName(report.records.path(of: s.location)))):\(s.location.line)</code></td>"
        w("<tr data-modes=\"|\(Array(Set(names)).sorted().map(h).joined(separator: "|"))|\">\(row)</tr>\n")
    }

    func relativeName(_ path: String) -> String {
        URL(fileURLWithPath: path).lastPathComponent
    }

    // MARK: Notes

    mutating func notes(_ report: Report) {
        let r = report.records
        var items = report.notes.map(h)
        if r.malformedCount > 0 {
            items.append("\(r.malformedCount) malformed record lines, e.g. " + r.malformed.prefix(5).map { "<code>\(h($0.path)):\($0.line)</code> \(h($0.error))" }.joined(separator: "; "))
        }
        if r.duplicatesFolded > 0 { items.append("\(r.duplicatesFolded) duplicate records folded") }
        if r.untimedCount > 0 { items.append("\(r.untimedCount) sessions without a usable time") }
        guard !items.isEmpty else { return }
        w("<section id=\"notes\" aria-labelledby=\"notes-h\"><h2 id=\"notes-h\">Notes</h2><ul>")
        for item in items { w("<li>\(item)</li>") }
        w("</ul></section>\n")
    }
}
