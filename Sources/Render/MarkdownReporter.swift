import FailmixClassify
import FailmixRecords

/// The report as GitHub-flavoured Markdown tables (the CI step summary and
/// pull-request comments use it). All record-derived text is escaped.
public enum MarkdownReporter: Reporter {
    public static let identifier = "markdown"

    public static func render(_ report: Report, options: RenderOptions, into out: inout some TextOutputStream) {
        let catalog = report.catalog
        let windows = report.mix.windows
        out.write("## Session Reliability Report\n\n")
        if let decision = report.decision {
            out.write("**Decision: \(decision.rawValue.uppercased())**\(Escape.markdown(report.gateQualifier))\n\n")
            if !report.rules.isEmpty {
                out.write("| Rule | State | Detail |\n|---|---|---|\n")
                for e in report.rules {
                    out.write("| \(Escape.markdown(e.rule.name)) | \(e.state.rawValue) | \(Escape.markdown(e.reason)) |\n")
                }
                out.write("\n")
            }
            if let live = Liveness(report) { out.write("\(Escape.markdown(live.text))\n\n") }
        }
        let findings = report.rankedFindings
        if !findings.isEmpty {
            out.write("| Level | Rule | Finding | Session | Commit | Where |\n|---|---|---|---|---|---|\n")
            for f in findings {
                let at = f.path.map { Escape.markdown($0) + (f.line.map { ":\($0)" } ?? "") } ?? ""
                out.write("| \(f.level.rawValue) | \(Escape.markdown(f.rule)) | \(Escape.markdown(f.title)): \(Escape.markdown(f.message)) | \(f.sessionID.map(Escape.markdown) ?? "") | \(f.commit.map { Escape.markdown(String($0.prefix(12))) } ?? "") | \(at) |\n")
            }
            out.write("\n")
        }
        out.write("| | " + windows.map { $0.label }.joined(separator: " | ") + " |\n")
        out.write("|---|" + windows.map { _ in "---:|" }.joined() + "\n")
        out.write("| Total sessions analyzed | " + windows.map { "\($0.total)" }.joined(separator: " | ") + " |\n")
        out.write("| Sessions with \u{2265}1 failure | " + windows.map { "\($0.failed) (\(percent($0.failedRate)))" }.joined(separator: " | ") + " |\n")
        for (i, mode) in catalog.modes.enumerated() {
            out.write("| \(Escape.markdown(mode.label)) | " + windows.map { percent($0.rate($0.counts[i])) }.joined(separator: " | ") + " |\n")
        }
        out.write("\n")
        if let (recent, wider) = report.trendWindows {
            out.write("### Trends (\(recent.label) vs \(wider.label))\n\n| Mode | Direction | Change | Rates |\n|---|---|---:|---|\n")
            for t in report.mix.trends {
                out.write("| \(Escape.markdown(catalog.modes[t.mode].label)) | \(t.direction.rawValue) | \(signedPoints(t.points)) | \(percent(t.widerRate)) → \(percent(t.recentRate)) |\n")
            }
            out.write("\n")
        }
        if let d = report.mix.dominant {
            let mode = catalog.modes[d]
            out.write("**Dominant mode:** `\(mode.name.filter { $0 != "`" })`: likely cause: \(Escape.markdown(mode.cause)); fix: \(Escape.markdown(mode.fix)).\n\n")
        } else if report.records.sessions.isEmpty {
            out.write("No sessions yet.\n\n")
        }
        out.write(AttributionText.markdown(report))
        let r = report.records
        out.write("### Input\n\n")
        out.write("\(r.recordLines) records read from \(r.files.count) file(s), \(r.sessionCount) sessions, \(r.duplicatesFolded) duplicates folded, \(r.malformedCount) malformed lines, \(r.untimedCount) without a usable time.\n\n")
        if !r.malformed.isEmpty || !r.partialTails.isEmpty {
            out.write("| Problem | File | Line | Detail |\n|---|---|---:|---|\n")
            for m in r.malformed {
                out.write("| malformed | \(Escape.markdown(m.path)) | \(m.line) | \(Escape.markdown(m.error)) |\n")
            }
            for t in r.partialTails {
                out.write("| partial_tail | \(Escape.markdown(t.path)) | \(t.line) | \(t.bytes) bytes, writer mid-append |\n")
            }
            out.write("\n")
        }
        for note in report.notes {
            out.write("> **Note:** \(Escape.markdown(note))\n\n")
        }
    }
}
