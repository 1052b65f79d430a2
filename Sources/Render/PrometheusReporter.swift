import FailmixClassify
import FailmixGate
import FailmixRecords

/// Prometheus text exposition (format 0.0.4), for node_exporter's textfile
/// collector or a Pushgateway, so a fleet of agents is one query away.
///
/// Conventions: every series is a gauge (the numbers describe the store as it
/// is now, and a rotated store shrinks), so none ends in `_total`; values
/// between 0 and 1 end in `_ratio`, times in `_timestamp_seconds`; versions go
/// in `failmix_build_info`. In fleet mode every series carries an `agent`
/// label; no series ever carries a session id (one series per session would
/// grow without bound).
public enum PrometheusReporter: Reporter {
    public static let identifier = "prometheus"
    typealias Labels = [(String, String)]
    typealias Sample = (labels: Labels, value: Double)

    /// One metric family: its name, help, and its samples for one agent's report.
    struct Family: Sendable {
        var name: String
        var help: String
        var samples: @Sendable (Report) -> [Sample]
    }

    public static func render(_ report: Report, options: RenderOptions, into out: inout some TextOutputStream) {
        write("failmix_build_info", "failmix's version and the libgit2 it links (always 1).",
              [([("version", report.version), ("libgit2", report.libgit2Version)], 1)], into: &out)
        // Each agent's report with its label: the fleet's agents, or the one report.
        let subjects: [(Labels, Report)] = report.context.isFleet
            ? report.context.agents.map { ([("agent", $0.context.agent ?? "")], $0) }
            : [(report.context.agent.map { [("agent", $0)] } ?? [], report)]
        for family in families {
            let samples = subjects.flatMap { labels, r in family.samples(r).map { (labels + $0.labels, $0.value) } }
            write(family.name, family.help, samples, into: &out)
        }
    }

    static func write(_ name: String, _ help: String, _ samples: [Sample], into out: inout some TextOutputStream) {
        guard !samples.isEmpty else { return }
        out.write("# HELP \(name) \(help)\n# TYPE \(name) gauge\n")
        for s in samples {
            let labels = s.labels.isEmpty ? "" : "{" + s.labels.map { "\($0.0)=\"\(escapeLabel($0.1))\"" }.joined(separator: ",") + "}"
            out.write("\(name)\(labels) \(JSONReporter.number(s.value))\n")
        }
    }

    static func windowLabel(_ w: WindowSummary) -> String { w.last == 0 ? "all" : String(w.last) }

    /// The windows as recorded and, with git, as corroborated.
    static func bases(_ r: Report) -> [(String, [WindowSummary])] {
        [("recorded", r.mix.windows)] + (r.corroboratedMix.map { [("corroborated", $0.windows)] } ?? [])
    }

    static func perMode(_ r: Report, _ value: (WindowSummary, Int) -> Double) -> [Sample] {
        bases(r).flatMap { basis, windows in
            windows.flatMap { w in
                r.catalog.modes.enumerated().map { i, mode in
                    ([("mode", mode.name), ("window", windowLabel(w)), ("basis", basis)], value(w, w.counts[i]))
                }
            }
        }
    }

    /// Every family, in the order written. The Prometheus rules and the
    /// Grafana dashboard in ci/ query these names.
    static let families: [Family] = [
        Family(name: "failmix_store_sessions", help: "Distinct sessions in the records store.") {
            [([], Double($0.records.sessionCount))]
        },
        Family(name: "failmix_sessions", help: "Sessions in the window.") { r in
            r.mix.windows.map { ([("window", windowLabel($0))], Double($0.total)) }
        },
        Family(name: "failmix_failed_ratio", help: "Share of the window's sessions with at least one failure mode.") { r in
            bases(r).flatMap { basis, windows in windows.map { ([("window", windowLabel($0)), ("basis", basis)], $0.failedRate) } }
        },
        Family(name: "failmix_mode_ratio", help: "Share of the window's sessions with the failure mode.") { r in
            perMode(r) { w, count in w.rate(count) }
        },
        Family(name: "failmix_mode_sessions", help: "Sessions in the window with the failure mode (count rules such as ci-breaks).") { r in
            perMode(r) { _, count in Double(count) }
        },
        Family(name: "failmix_commits", help: "Agent commits of the window's sessions by how they were attributed (method: trailer, deliverable, subject, window, ambiguous, unattributed).") { r in
            AttributionText.prometheus(r, windowLabel: windowLabel)?.commits ?? []
        },
        Family(name: "failmix_trailer_coverage_ratio", help: "Share of the window's agent commits carrying the session trailer (near 0: the stamping hook is not running).") { r in
            AttributionText.prometheus(r, windowLabel: windowLabel)?.coverage ?? []
        },
        Family(name: "failmix_last_session_timestamp_seconds", help: "End of the newest session (Unix time); time() minus it is the agent's silence.") { r in
            r.records.sessions.last?.end.map { [([], $0)] } ?? []
        },
        Family(name: "failmix_records_malformed", help: "Malformed record lines in the input.") { [([], Double($0.records.malformedCount))] },
        Family(name: "failmix_records_duplicates", help: "Records folded as duplicates of a later one.") { [([], Double($0.records.duplicatesFolded))] },
        Family(name: "failmix_gate_decision", help: "The gate's decision (1 for the current one).") { r in
            guard let decision = r.decision else { return [] }
            return [Decision.pass, .warn, .fail, .error].map { ([("decision", $0.rawValue)], $0 == decision ? 1 : 0) }
        },
        Family(name: "failmix_gate_rule_state", help: "Each gate rule's state (1 for the current one); insufficient: too few sessions to decide.") { r in
            r.rules.flatMap { e in RuleState.allCases.map { ([("rule", e.rule.name), ("state", $0.rawValue)], $0 == e.state ? 1.0 : 0.0) } }
        },
        Family(name: "failmix_gate_paused", help: "1 while the gate holds the agent paused.") { r in
            guard let gate = r.context.gate else { return [] }
            return [([], gate.paused ? 1 : 0)]
        },
    ]

    /// Families written only when git was read (a report or gate with a repository).
    public static let gitOnlyMetricNames: Set<String> = ["failmix_commits", "failmix_trailer_coverage_ratio"]

    /// The names of every family failmix can write.
    public static var metricNames: [String] { ["failmix_build_info"] + families.map(\.name) }

    /// Label values: backslash, double quote and line feed escaped.
    public static func escapeLabel(_ s: String) -> String {
        Escape.substituting(s, ["\\": "\\\\", "\"": "\\\"", "\n": "\\n"])
    }
}
