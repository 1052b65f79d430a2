import FailmixClassify
import FailmixEvidence
import FailmixGate
import FailmixRecords
import Foundation

/// One self-contained HTML page: the verdict, each mode's rolling rate with
/// the policy's thresholds, the gate's history, the latest sessions and, in
/// fleet mode, a row of small charts per agent. Inline CSS and SVG, a few
/// lines of inline script for filtering (the page reads fully without it),
/// and a Content-Security-Policy that lets nothing else load or run.
public enum HTMLReporter: Reporter {
    public static let identifier = "html"
    public static let summary = "a self-contained HTML dashboard (charts, gate history, sessions)"

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
    return String(format: "%.\(digits)f", d)
}

/// A rate written exactly enough to compare with the JSON report (1e-6).
func rateText(_ d: Double) -> String {
    guard d.isFinite else { return "0" }
    if d == 0 || d == 1 { return d == 0 ? "0" : "1" }
    return String(format: "%.6f", d)
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
            w(" · records: " + report.records.files.map { "<code>\(h($0.path))</code>" }.joined(separator: ", "))
        }
        w("</p></header>\n<main>\n")
        verdict(report)
        if report.context.isFleet {
            fleet(report)
            windowsTable(report, caption: "Fleet total: every agent's windows added up")
        } else {
            windowsTable(report, caption: "Failure modes per window")
            charts(report)
        }
        timeline(report)
        if report.context.isFleet {
            for agent in report.context.agents { sessionsTable(agent, agentName: agent.context.agent) }
        } else {
            sessionsTable(report, agentName: nil)
        }
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
            w("<p class=\"pause\">Not paused.</p>\n")
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

    mutating func sessionsTable(_ report: Report, agentName: String?) {
        let catalog = report.catalog
        let listed = report.records.sessions
        let shown = listed.suffix(HTMLReporter.tableRows)
        let offset = report.records.sessions.count - shown.count
        let sectionID = id("sessions")
        let title = agentName.map { "Latest sessions of \(h($0))" } ?? "Latest sessions"
        w("<section class=\"sessions\" aria-labelledby=\"\(sectionID)-h\"><h2 id=\"\(sectionID)-h\">\(title)</h2>\n")
        w("<div class=\"filter\" hidden><label>Show sessions with mode <select>")
        w("<option value=\"\">any or none</option>")
        for mode in catalog.modes { w("<option value=\"\(h(mode.name))\">\(h(mode.label))</option>") }
        w("</select></label> <output aria-live=\"polite\"></output></div>\n")
        w("<table class=\"sessions-table\"><caption>The newest \(shown.count) of \(report.records.sessionCount) sessions, newest first</caption>")
        w("<thead><tr><th scope=\"col\">#</th><th scope=\"col\">session</th><th scope=\"col\">end (UTC)</th><th scope=\"col\">modes</th>")
        let evidence = report.corroboration
        if evidence != nil { w("<th scope=\"col\">as corroborated</th><th scope=\"col\">verdicts</th><th scope=\"col\">commits</th>") }
        w("<th scope=\"col\">record</th></tr></thead><tbody>\n")
        let base = report.records.sessionCount - report.records.sessions.count
        for (k, s) in shown.enumerated().reversed() {
            let index = offset + k
            let modes = ModeSet(bits: s.modeBits).map { catalog.modes[$0] }
            var filterNames = modes.map(\.name)
            var row = "<td>\(base + index + 1)</td><td><code>\(h(s.sessionID))</code></td>"
            row += "<td>\(s.end.map { h(Timestamp.format($0)) } ?? "—")</td>"
            row += "<td>\(modes.isEmpty ? "—" : modes.map { "<span class=\"mode\">\(h($0.label))</span>" }.joined(separator: " "))</td>"
            if let e = evidence?.sessions[index] {
                let corrected = ModeSet(bits: e.corroboratedModeBits).map { catalog.modes[$0] }
                filterNames += corrected.map(\.name)
                row += "<td>\(corrected.isEmpty ? "—" : corrected.map { "<span class=\"mode\">\(h($0.label))</span>" }.joined(separator: " "))</td>"
                var verdicts: [String] = []
                if let v = e.noop { verdicts.append("noop \(v.rawValue)") }
                if let v = e.ciBreak { verdicts.append("ci_break \(v.rawValue)") }
                row += "<td>\(verdicts.isEmpty ? "—" : verdicts.joined(separator: ", "))</td>"
                let shas = e.attributions.prefix(3).map { "<code title=\"\(h($0.sha)) (\($0.kind.rawValue))\">\(h(String($0.sha.prefix(10))))</code>" }
                row += "<td>\(e.attributions.count)\(shas.isEmpty ? "" : ": " + shas.joined(separator: " "))\(e.attributions.count > 3 ? " …" : "")</td>"
            }
            row += "<td><code>\(h(relativeName(report.records.path(of: s.location)))):\(s.location.line)</code></td>"
            let unique = Array(Set(filterNames)).sorted()
            w("<tr data-modes=\"|\(unique.map(h).joined(separator: "|"))|\">\(row)</tr>\n")
        }
        w("</tbody></table>\n</section>\n")
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
