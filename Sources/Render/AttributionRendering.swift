import FailmixClassify
import FailmixEvidence
import FailmixRecords

extension Report {
    /// Agent commits of `window`'s sessions by attribution method; nil without git.
    public func attributionMix(in window: WindowSummary) -> AttributionMix? {
        corroboration?.attributionMix(sessions: records.sessions, last: window.last)
    }
}

/// The attribution mix as each format shows it (one idea, one place).
enum AttributionText {
    /// `12 trailer, 3 deliverable, …; trailer coverage 52.2% (12/23 agent commits)`.
    static func line(_ mix: AttributionMix) -> String {
        let counts = AttributionMethod.allCases.map { "\(mix.counts[$0, default: 0]) \($0.rawValue)" }.joined(separator: ", ")
        return "\(counts); trailer coverage \(coverage(mix)) (\(mix.counts[.trailer, default: 0])/\(mix.agentCommits) agent commits)"
    }

    static func coverage(_ mix: AttributionMix) -> String { mix.trailerCoverage.map(percent) ?? "n/a" }

    /// `"attribution":{…}` inside a JSON window.
    static func json(_ mix: AttributionMix) -> String {
        let methods = AttributionMethod.allCases.map { "\"\($0.rawValue)\":\(mix.counts[$0, default: 0])" }.joined(separator: ",")
        return "\"attribution\":{\"agent_commits\":\(mix.agentCommits),\"methods\":{\(methods)},\"trailer_coverage\":\(mix.trailerCoverage.map(JSONReporter.number) ?? "null")}"
    }

    /// The `git` object's attribution fields: whether windows could tie
    /// commits, and every ambiguous commit with its candidate sessions.
    static func gitJSON(_ report: Report, _ c: Corroboration) -> String {
        var out = ",\"window_attribution\":\(c.windowsOff == nil),\"window_attribution_off\":\(c.windowsOff.map(JSONReporter.json) ?? "null")"
        out += ",\"ambiguous\":["
        out += c.ambiguousCommits(sessions: report.records.sessions).map { entry in
            "{\"sha\":\"\(entry.commit.sha)\",\"by\":\"\(entry.commit.ambiguousBy?.rawValue ?? "window")\",\"candidates\":["
                + entry.candidates.map(JSONReporter.json).joined(separator: ",") + "]}"
        }.joined(separator: ",")
        return out + "]"
    }

    /// Markdown rows: one per method and the coverage, a column per window.
    static func markdown(_ report: Report) -> String {
        let windows = report.mix.windows
        let mixes = windows.compactMap { report.attributionMix(in: $0) }
        guard mixes.count == windows.count, !windows.isEmpty else { return "" }
        var out = "### Commit attribution\n\n| Agent commits by | " + windows.map(\.label).joined(separator: " | ") + " |\n"
        out += "|---|" + windows.map { _ in "---:|" }.joined() + "\n"
        for method in AttributionMethod.allCases {
            out += "| \(method.rawValue) | " + mixes.map { "\($0.counts[method, default: 0])" }.joined(separator: " | ") + " |\n"
        }
        out += "| **trailer coverage** | " + mixes.map { "\(coverage($0)) of \($0.agentCommits)" }.joined(separator: " | ") + " |\n\n"
        return out
    }

    /// Prometheus samples: `failmix_commits{method,window}` and
    /// `failmix_trailer_coverage_ratio{window}` (only where there are agent commits).
    static func prometheus(_ report: Report, windowLabel: (WindowSummary) -> String)
        -> (commits: [(labels: [(String, String)], value: Double)], coverage: [(labels: [(String, String)], value: Double)])? {
        guard report.corroboration != nil else { return nil }
        var commits: [(labels: [(String, String)], value: Double)] = []
        var coverage: [(labels: [(String, String)], value: Double)] = []
        for window in report.mix.windows {
            guard let mix = report.attributionMix(in: window) else { continue }
            for method in AttributionMethod.allCases {
                commits.append(([("method", method.rawValue), ("window", windowLabel(window))], Double(mix.counts[method, default: 0])))
            }
            if let ratio = mix.trailerCoverage { coverage.append(([("window", windowLabel(window))], ratio)) }
        }
        return (commits, coverage)
    }
}
