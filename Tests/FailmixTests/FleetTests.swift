import Foundation
import Testing
@testable import FailmixKit

/// Fleet mode: several agents in one report, each exactly as if alone.
@Suite struct FleetTests {
    /// Three fixture agents (records + repository each) of different sizes,
    /// made once per run, copied into `dir`.
    static func agents(_ dir: TempDir) throws -> [(name: String, records: String, repo: String)] {
        try [3, 17, 5].map { seed in
            let fx = dir.file("a\(seed)")
            try SharedFixture.copy(["--sessions", String(seed * 20 + 100), "--seed", String(seed)], to: fx)
            return ("a\(seed)", fx + "/session-records.jsonl", fx + "/repo")
        }
    }

    @Test(.enabled(if: Paths.shared != nil, "needs ../shared"))
    func eachAgentReportsAsIfAlone() throws {
        let dir = TempDir("fleet")
        let agents = try Self.agents(dir)
        let author = ["--agent-author", "bob@agents.example.org"]
        let fleet = try failmix(["report", "--format", "json"] + author + agents.flatMap { ["--agent", "\($0.name)=\($0.records):\($0.repo)"] })
        #expect(fleet.status == 0, "\(fleet.stderr)")
        let report = try jsonObject(fleet.stdout)
        let listed = report["agents"] as! [[String: Any]]
        #expect(listed.map { $0["name"] as! String } == agents.map(\.name))
        var totals = [0, 0]
        for (agent, entry) in zip(agents, listed) {
            let alone = try failmix(["report", "--format", "json", "--records", agent.records, "--repo", agent.repo] + author)
            let expected = try jsonObject(alone.stdout)
            let own = entry["report"] as! [String: Any]
            // The same windows, verdicts and sessions: JSON-equal, key by key.
            for key in ["windows", "trends", "dominant", "sessions", "modes"] {
                #expect(NSDictionary(dictionary: [key: own[key]!]) == NSDictionary(dictionary: [key: expected[key]!]), "\(agent.name) \(key)")
            }
            #expect((own["git"] as! [String: Any])["commits_walked"] as! Int == (expected["git"] as! [String: Any])["commits_walked"] as! Int)
            let records = own["records"] as! [String: Any]
            #expect(records["sessions"] as! Int == (expected["records"] as! [String: Any])["sessions"] as! Int)
            // Time since the newest session: the newest session's end, against now.
            let newest = (expected["sessions"] as! [[String: Any]]).last!["end"] as! String
            #expect(entry["newest_end"] as! String == newest)
            let silence = Date().timeIntervalSince1970 - Timestamp.parse(newest)!
            #expect(abs((entry["seconds_since_newest"] as! Double) - silence) < 60)
            let windows = expected["windows"] as! [[String: Any]]
            for (k, w) in windows.enumerated() { totals[k] += w["total"] as! Int }
        }
        // The fleet total adds every agent's windows up.
        let total = report["windows"] as! [[String: Any]]
        #expect(total.map { $0["total"] as! Int } == totals)
        #expect((report["records"] as! [String: Any])["sessions"] as! Int == 160 + 440 + 200)
    }

    @Test(.enabled(if: Paths.shared != nil, "needs ../shared"))
    func prometheusSeriesCarryTheAgentLabelAndNoSessionID() throws {
        let dir = TempDir("fleet-prom")
        let agents = try Self.agents(dir)
        let r = try failmix(["report", "--format", "prometheus"] + agents.flatMap { ["--agent", "\($0.name)=\($0.records):\($0.repo)"] })
        #expect(r.status == 0, "\(r.stderr)")
        try PrometheusParser.validate(r.stdout)
        let samples = r.stdout.split(separator: "\n").filter { !$0.hasPrefix("#") }
        for line in samples where !line.hasPrefix("failmix_build_info") {
            #expect(agents.contains { line.contains("agent=\"\($0.name)\"") }, "\(line)")
        }
        #expect(!r.stdout.contains("session_id") && !r.stdout.contains("session="))
        #expect(samples.contains { $0.hasPrefix("failmix_last_session_timestamp_seconds{agent=\"a17\"}") })
    }

    /// `[[agents]]` in the configuration, relative to the file; `gate --agent NAME`.
    @Test func configuredAgentsAndGateOneAgent() throws {
        let dir = TempDir("fleet-config")
        func records(_ outcome: String, _ n: Int) -> String {
            (0..<n).map { #"{"session_id": "\#(outcome)\#($0)", "timestamp": "2026-01-01T\#(String(format: "%02d", $0 % 24)):00:00Z", "outcome": "\#(outcome)"}"# }
                .joined(separator: "\n") + "\n"
        }
        dir.write("agents/busy/session-records.jsonl", records("productive", 20))
        dir.write("agents/idle/session-records.jsonl", records("noop", 20))
        let config = dir.write("fleet/failmix.toml", """
            [[agents]]
            name = "busy"
            records = "../agents/busy/session-records.jsonl"

            [[agents]]
            name = "idle"
            records = ["../agents/idle/session-records.jsonl"]
            agent_authors = ["idle@agents.example.org"]

            """)
        let fleet = try failmix(["report", "--config", config, "--no-git", "--format", "json"], cwd: dir.path)
        #expect(fleet.status == 0, "\(fleet.stderr)")
        let agents = try jsonObject(fleet.stdout)["agents"] as! [[String: Any]]
        #expect(agents.map { $0["name"] as! String } == ["busy", "idle"])
        let idle = try failmix(["gate", "--config", config, "--no-git", "--agent", "idle", "--format", "prometheus"], cwd: dir.path)
        #expect(idle.status == 1, "every session failed (noop): \(idle.stderr)")
        #expect(idle.stdout.contains("failmix_gate_decision{agent=\"idle\",decision=\"fail\"} 1"), "\(idle.stdout)")
        #expect(idle.stdout.contains("failmix_gate_paused{agent=\"idle\"} 1"))
        #expect(idle.stdout.contains("failmix_mode_ratio{agent=\"idle\",mode=\"noop\",window=\"30\",basis=\"recorded\"} 1"))
        // The gate's own page: its decision, the pause it just recorded, the policy's thresholds.
        let page = try failmix(["gate", "--config", config, "--no-git", "--agent", "idle", "--format", "html"], cwd: dir.path)
        #expect(page.status == 1)
        #expect(page.stdout.contains("<title>failmix report — idle</title>") && page.stdout.contains("data-event=\"paused\""))
        #expect(page.stdout.contains("class=\"th fail\""))
        let busy = try failmix(["gate", "--config", config, "--no-git", "--agent", "busy", "--format", "prometheus"], cwd: dir.path)
        #expect(busy.status == 0)
        #expect(busy.stdout.contains("failmix_gate_decision{agent=\"busy\",decision=\"pass\"} 1"), "\(busy.stdout)")
        // Each agent keeps its own pause: the busy one is not held by the idle one's.
        #expect(busy.stdout.contains("failmix_gate_paused{agent=\"busy\"} 0"))
        // The effective configuration lists the agents (paths resolved) and reads back the same.
        let shown = try failmix(["config", "show", "--config", config])
        #expect(shown.stdout.contains("[[agents]]\nname = \"idle\"\nrecords = [\"\(dir.path)/agents/idle/session-records.jsonl\"]"), "\(shown.stdout)")
        let again = dir.write("shown.toml", shown.stdout)
        #expect(try failmix(["config", "check", "--config", again]).status == 0)
        let unknown = try failmix(["gate", "--config", config, "--agent", "nobody"], cwd: dir.path)
        #expect(unknown.status == 2 && unknown.stderr.contains("no agent named 'nobody' (agents: busy, idle)"), "\(unknown.stderr)")
        #expect(try failmix(["report", "--agent", "bad name=x.jsonl"]).status == 2)
        #expect(try failmix(["report", "--config", config, "--no-git", "--format", "sarif"], cwd: dir.path).status == 2)
        let bad = dir.write("bad.toml", """
            [[agents]]
            name = "x"

            [[agents]]
            name = "x"
            records = "a.jsonl"
            repos = "r"

            """)
        let check = try failmix(["config", "check", "--config", bad])
        #expect(check.status == 2)
        #expect(check.stderr.contains("bad.toml:1: key 'agents[0]': an agent needs `records`"), "\(check.stderr)")
        #expect(check.stderr.contains("key 'agents[1].name': another agent is named 'x'"), "\(check.stderr)")
        #expect(check.stderr.contains("key 'agents[1].repos': unknown key; did you mean 'repo'?"), "\(check.stderr)")
    }
}
