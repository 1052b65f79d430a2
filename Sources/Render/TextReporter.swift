import FailmixClassify
import FailmixEvidence
import FailmixRecords

/// The human report: one "Session Reliability Report" block per window (the
/// reference classifier's exact lines and numbers), then trends, the dominant
/// mode with its likely cause and fix, and what was wrong with the input.
public enum TextReporter: Reporter {
    public static let identifier = "text"

    public static func render(_ report: Report, options: RenderOptions, into out: inout some TextOutputStream) {
        let paint = Paint(enabled: options.color)
        let catalog = report.catalog
        if let decision = report.decision {
            let word = decision.rawValue.uppercased()
            let painted = decision == .fail || decision == .error ? paint.red(word) : decision == .warn ? paint.yellow(word) : paint.green(word)
            out.write(paint.bold("failmix gate: ") + painted + Escape.terminal(report.gateQualifier) + "\n")
            if !report.rules.isEmpty { out.write("  rules: \(Escape.terminal(report.ruleStates))\n") }
            if let live = Liveness(report) { out.write("  \(Escape.terminal(live.text))\n") }
            for f in report.rankedFindings {
                let mark = f.level == .failure ? "fail" : f.level == .warning ? "warn" : "note"
                out.write("  \(mark): \(Escape.terminal(f.message))\n")
            }
            out.write("\n")
        }
        for window in report.mix.windows {
            out.write(paint.bold("\(window.label.prefix(1).uppercased())\(window.label.dropFirst())") + "\n")
            out.write("Session Reliability Report\n")
            out.write(String(repeating: "=", count: 50) + "\n")
            out.write("Total sessions analyzed: \(window.total)\n")
            out.write("Sessions with \u{2265}1 failure: \(window.failed) (\(percent(window.failedRate)))\n")
            out.write("\nFailure Mode Breakdown:\n")
            for (i, mode) in catalog.modes.enumerated() {
                let label = Escape.terminal(mode.label) + ":"
                out.write("  \(padded(label, to: 18))\(percent(window.rate(window.counts[i])))\n")
            }
            out.write("\n")
        }
        renderCorroboration(report, paint: paint, into: &out)
        if let (recent, wider) = report.trendWindows {
            out.write(paint.bold("Trends (\(recent.label) vs \(wider.label))") + "\n")
            for trend in report.mix.trends {
                let label = Escape.terminal(catalog.modes[trend.mode].label)
                let arrow: String
                switch trend.direction {
                case .up: arrow = paint.red("up  ")
                case .down: arrow = paint.green("down")
                case .flat: arrow = "flat"
                }
                out.write("  \(padded(label, to: 18))\(arrow) \(signedPoints(trend.points)) (\(percent(trend.widerRate)) -> \(percent(trend.recentRate)))\n")
            }
            out.write("\n")
        }
        if let dominant = report.mix.dominant {
            let mode = catalog.modes[dominant]
            let recent = report.mix.recent!  // a dominant mode comes from it
            out.write(paint.bold("Dominant mode: \(Escape.terminal(mode.name))") + " (\(percent(recent.rate(recent.counts[dominant]))) of the \(recent.label))\n")
            out.write("  Likely cause: \(Escape.terminal(mode.cause))\n")
            out.write("  Fix: \(Escape.terminal(mode.fix))\n\n")
        } else if report.records.sessions.isEmpty {
            out.write("No sessions yet.\n\n")
        } else {
            out.write("No failures in the most recent window.\n\n")
        }
        renderInput(report, paint: paint, into: &out)
    }

    static func renderCorroboration(_ report: Report, paint: Paint, into out: inout some TextOutputStream) {
        guard let evidence = report.corroboration, let corrected = report.corroboratedMix else { return }
        let repo = evidence.repository
        let head = repo.headSHA.map { String($0.prefix(12)) } ?? "no commits"
        out.write(paint.bold("Corroborated by git") + " (\(Escape.terminal(repo.workdir ?? repo.gitDirectory)) at \(head), \(evidence.commitsWalked) commits read)\n")
        for (window, fixed) in zip(report.mix.windows, corrected.windows) {
            out.write("  \(window.label):\n")
            out.write("    Sessions with \u{2265}1 failure: \(fixed.failed) (\(percent(fixed.failedRate))) as corroborated, \(window.failed) (\(percent(window.failedRate))) as recorded\n")
            for (i, mode) in report.catalog.modes.enumerated() where window.counts[i] != fixed.counts[i] {
                let label = Escape.terminal(mode.label) + ":"
                out.write("    \(padded(label, to: 18))\(percent(fixed.rate(fixed.counts[i]))) corroborated (\(percent(window.rate(window.counts[i]))) recorded)\n")
            }
            if let v = report.verdicts(in: window) {
                out.write("    noop: " + NoopVerdict.allCases.map { "\(v.noop[$0, default: 0]) \($0.rawValue)" }.joined(separator: ", ") + "\n")
                out.write("    ci_break: " + CIBreakVerdict.allCases.map { "\(v.ciBreak[$0, default: 0]) \($0.rawValue)" }.joined(separator: ", ") + "\n")
                if v.productiveWithoutCommits > 0 {
                    out.write("    productive without commits: \(v.productiveWithoutCommits)\n")
                }
            }
            if let mix = report.attributionMix(in: window) { out.write("    commits: \(AttributionText.line(mix))\n") }
        }
        for note in evidence.notes { out.write(paint.yellow("  note: ") + Escape.terminal(note) + "\n") }
        out.write("\n")
    }

    static func renderInput(_ report: Report, paint: Paint, into out: inout some TextOutputStream) {
        let r = report.records
        out.write(paint.bold("Input") + "\n")
        for file in r.files {
            out.write("  \(Escape.terminal(file.path)) (\(file.role.rawValue)): \(file.lines) lines\n")
        }
        out.write("  \(r.recordLines) records read, \(r.sessionCount) sessions, \(r.duplicatesFolded) duplicates folded, \(r.malformedCount) malformed lines\n")
        for m in r.malformed {
            out.write(paint.yellow("  malformed") + " \(Escape.terminal(m.path)):\(m.line): \(Escape.terminal(m.error))\n")
        }
        if r.malformedCount > r.malformed.count {
            out.write("  … and \(r.malformedCount - r.malformed.count) more malformed lines\n")
        }
        for w in r.fieldWarnings.prefix(20) {
            out.write(paint.yellow("  field warning") + " \(Escape.terminal(w.path)):\(w.line): \(Escape.terminal(w.error))\n")
        }
        if r.fieldWarningCount > min(20, r.fieldWarnings.count) {
            out.write("  … and \(r.fieldWarningCount - min(20, r.fieldWarnings.count)) more records with field warnings\n")
        }
        for tail in r.partialTails {
            out.write("  partial_tail \(Escape.terminal(tail.path)):\(tail.line): \(tail.bytes) bytes without a newline (a writer mid-append; read next time)\n")
        }
        if r.untimedCount > 0 {
            out.write(paint.yellow("  \(r.untimedCount) records without a usable time") + " (they sort first and have no window)\n")
        }
        for note in report.notes {
            out.write(paint.yellow("  note: ") + Escape.terminal(note) + "\n")
        }
    }
}

/// ANSI styling that is a no-op when colour is off.
struct Paint {
    var enabled: Bool
    func wrap(_ s: String, _ code: String) -> String { enabled ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }
    func bold(_ s: String) -> String { wrap(s, "1") }
    func red(_ s: String) -> String { wrap(s, "31") }
    func green(_ s: String) -> String { wrap(s, "32") }
    func yellow(_ s: String) -> String { wrap(s, "33") }
}
