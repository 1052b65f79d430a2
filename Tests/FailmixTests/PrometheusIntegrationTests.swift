import Foundation
import Testing
@testable import FailmixKit

let promtoolPath: String? = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first { FileManager.default.isExecutableFile(atPath: $0) }

/// ci/prometheus and ci/grafana against failmix's real output and the real promtool.
@Suite struct PrometheusIntegrationTests {
    static let rules = Paths.packageRoot + "/ci/prometheus/failmix-rules.yml"
    static let ruleTests = Paths.packageRoot + "/ci/prometheus/failmix-rules.test.yml"
    static let dashboard = Paths.packageRoot + "/ci/grafana/failmix-dashboard.json"

    /// Metric names (not recording rules, not functions) in PromQL text.
    static func metricNames(_ text: String) throws -> Set<String> {
        Set(text.matches(of: try Regex(#"\bfailmix_[a-z0-9_]+\b"#)).map { String(text[$0.range]) })
    }

    /// Every family a real gate run writes (with its decision and pause state).
    func exported() throws -> (text: String, names: Set<String>) {
        let dir = TempDir("prom")
        let lines = (0..<40).map { #"{"session_id": "s\#($0)", "timestamp": "2026-01-01T\#(String(format: "%02d", $0 % 24)):\#(String(format: "%02d", $0 / 24)):00Z", "outcome": "\#($0 % 3 == 0 ? "noop" : "productive")"}"# }
        let path = dir.write("r.jsonl", lines.joined(separator: "\n") + "\n")
        let r = try failmix(["gate", "--records", path, "--no-git", "--agent", "a1=\(path)", "--format", "prometheus", "--warn-only"], cwd: dir.path)
        #expect(r.status == 0, "\(r.stderr)")
        let names = Set(r.stdout.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.map { String($0.split(separator: " ")[2]) })
        return (r.stdout, names)
    }

    @Test func everyQueriedMetricIsExported() throws {
        let (_, names) = try exported()
        #expect(names == Set(PrometheusReporter.metricNames).subtracting(PrometheusReporter.gitOnlyMetricNames),
                "a family the reporter lists but a gate run did not write")
        let dashboard = try String(contentsOfFile: Self.dashboard, encoding: .utf8)
        let object = try JSONSerialization.jsonObject(with: Data(dashboard.utf8)) as! [String: Any]
        var queries: [String] = []
        for panel in object["panels"] as! [[String: Any]] {
            for target in panel["targets"] as! [[String: Any]] { queries.append(target["expr"] as! String) }
        }
        for variable in (object["templating"] as! [String: Any])["list"] as! [[String: Any]] {
            if let definition = variable["definition"] as? String { queries.append(definition) }
        }
        #expect(queries.count >= 10)
        let queried = try Self.metricNames(queries.joined(separator: "\n"))
        #expect(!queried.isEmpty)
        // Git-only families (attribution) appear when git was read; the reporter lists them.
        let written = names.union(PrometheusReporter.gitOnlyMetricNames)
        #expect(queried.subtracting(written).isEmpty, "the dashboard queries what failmix never writes: \(queried.subtracting(written))")
        let rules = try Self.metricNames(String(contentsOfFile: Self.rules, encoding: .utf8))
        #expect(rules.subtracting(names).isEmpty, "the rules query what failmix never writes: \(rules.subtracting(names))")
        // Conventions: 0–1 values end in _ratio, nothing claims to be a counter.
        #expect(!names.contains { $0.hasSuffix("_total") })
        #expect(names.contains("failmix_build_info"))
    }

    @Test(.enabled(if: promtoolPath != nil, "needs promtool (Debian: prometheus)"))
    func promtoolChecksTheRulesAndTheirTests() throws {
        let check = try run(promtoolPath!, ["check", "rules", Self.rules])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        let test = try run(promtoolPath!, ["test", "rules", Self.ruleTests], cwd: Paths.packageRoot + "/ci/prometheus")
        #expect(test.status == 0, "\(test.stdout)\(test.stderr)")
        #expect(test.stdout.contains("SUCCESS"))
    }

    @Test(.enabled(if: promtoolPath != nil, "needs promtool (Debian: prometheus)"))
    func promtoolAcceptsTheExposition() throws {
        let (text, _) = try exported()
        let lint = try run(promtoolPath!, ["check", "metrics"], stdin: text)
        #expect(lint.status == 0, "\(lint.stdout)\(lint.stderr)")
        #expect(text.contains("failmix_build_info{version=\"\(FailmixVersion.current)\",libgit2=\"\(FailmixVersion.libgit2)\"} 1"))
        #expect(text.contains("failmix_gate_paused{agent=\"a1\"} 0"))
    }
}
