import FailmixClassify
import FailmixRecords

/// Prometheus text exposition (format 0.0.4), for node_exporter's textfile
/// collector or a Pushgateway, so a fleet of agents is one query away.
public enum PrometheusReporter: Reporter {
    public static let identifier = "prometheus"
    public static let summary = "Prometheus text exposition (node_exporter textfile collector)"

    public static func render(_ report: Report, options: RenderOptions, into out: inout some TextOutputStream) {
        let catalog = report.catalog
        func family(_ name: String, _ help: String, _ samples: [(labels: [(String, String)], value: Double)]) {
            out.write("# HELP \(name) \(help)\n# TYPE \(name) gauge\n")
            for s in samples {
                let labels = s.labels.isEmpty ? "" : "{" + s.labels.map { "\($0.0)=\"\(escapeLabel($0.1))\"" }.joined(separator: ",") + "}"
                out.write("\(name)\(labels) \(JSONReporter.number(s.value))\n")
            }
        }
        let windows = report.mix.windows
        func windowLabel(_ w: WindowSummary) -> String { w.last == 0 ? "all" : String(w.last) }
        family("failmix_sessions", "Sessions in the window.", windows.map { ([("window", windowLabel($0))], Double($0.total)) })
        family("failmix_failed_rate", "Share of sessions in the window with at least one failure mode.",
               windows.map { ([("window", windowLabel($0))], $0.failedRate) })
        var rates: [(labels: [(String, String)], value: Double)] = []
        let bases = [("recorded", windows)] + (report.corroboratedMix.map { [("corroborated", $0.windows)] } ?? [])
        for (basis, ws) in bases {
            for w in ws {
                for (i, mode) in catalog.modes.enumerated() {
                    rates.append(([("mode", mode.name), ("window", windowLabel(w)), ("basis", basis)], w.rate(w.counts[i])))
                }
            }
        }
        family("failmix_mode_rate", "Share of sessions in the window with the failure mode.", rates)
        if let attribution = AttributionText.prometheus(report, windowLabel: windowLabel) {
            family("failmix_commits", "Agent commits of the window's sessions by how they were attributed.", attribution.commits)
            family("failmix_trailer_coverage_ratio", "Share of the window's agent commits carrying the session trailer.", attribution.coverage)
        }
        let r = report.records
        family("failmix_records_malformed", "Malformed record lines in the input.", [([], Double(r.malformedCount))])
        family("failmix_records_duplicates", "Records folded as duplicates of a later one.", [([], Double(r.duplicatesFolded))])
        if let decision = report.decision {
            family("failmix_gate_decision", "The gate's decision (1 for the current one).",
                   [Decision.pass, .warn, .fail, .error].map { ([("decision", $0.rawValue)], $0 == decision ? 1 : 0) })
        }
    }

    /// Label values: backslash, double quote and line feed escaped.
    public static func escapeLabel(_ s: String) -> String {
        Escape.substituting(s, ["\\": "\\\\", "\"": "\\\"", "\n": "\\n"])
    }
}
