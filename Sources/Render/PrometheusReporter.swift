import FailmixClassify
import FailmixGate
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
        let r = report.records
        family("failmix_records_malformed", "Malformed record lines in the input.", [([], Double(r.malformedCount))])
        family("failmix_records_duplicates", "Records folded as duplicates of a later one.", [([], Double(r.duplicatesFolded))])
        if let decision = report.decision {
            family("failmix_gate_decision", "The gate's decision (1 for the current one).",
                   [Decision.pass, .warn, .fail, .error].map { ([("decision", $0.rawValue)], $0 == decision ? 1 : 0) })
        }
        if let gate = report.gate {
            family("failmix_gate_rule_state", "Each gate rule's state (1 for the current one); insufficient: too few sessions to decide.",
                   gate.decision.evaluations.flatMap { e in
                       RuleState.allCases.map { ([("rule", e.rule.name), ("state", $0.rawValue)], $0 == e.state ? 1.0 : 0.0) }
                   })
            family("failmix_gate_paused", "1 while the gate holds the agent paused.", [([], gate.decision.paused ? 1 : 0)])
        }
        if let live = Liveness(report) {
            family("failmix_last_session_timestamp_seconds", "When the newest session ended (Unix time): alert on time() minus this.",
                   [([], live.end)])
        }
    }

    /// Label values: backslash, double quote and line feed escaped.
    public static func escapeLabel(_ s: String) -> String {
        Escape.substituting(s, ["\\": "\\\\", "\"": "\\\"", "\n": "\\n"])
    }
}
