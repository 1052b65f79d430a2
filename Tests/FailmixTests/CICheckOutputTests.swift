import Foundation
import Testing
@testable import FailmixKit

/// What `failmix ci` says besides annotations: the JSON verdict, and a 403
/// explained for what it is.
@Suite struct CICheckOutputTests {
    @Test func jsonCarriesDecisionRulesFindingsAndThePullRequestsSessions() throws {
        let (ws, base, head) = try CICheckCommandTests().workspace()
        var env = ProcessInfo.processInfo.environment
        env["GITHUB_ACTIONS"] = nil
        env["GITLAB_CI"] = nil
        let r = try failmix(["ci", "--range", "\(base)..\(head)", "--format", "json"], cwd: ws.repo, environment: env)
        #expect(r.status == 1, "\(r.stderr)")
        let json = try jsonObject(r.stdout)
        #expect(json["decision"] as? String == "fail")
        let rules = json["rules"] as? [[String: Any]] ?? []
        #expect(Set(rules.compactMap { $0["name"] as? String }).isSuperset(of: ["noop-rate", "failure-rate", "abandoned-loops", "ci-breaks"]), "\(rules)")
        #expect(rules.allSatisfy { $0["level"] is String && $0["sessions"] is Int && $0["rate"] is Double })
        let findings = json["findings"] as? [[String: Any]] ?? []
        let bad = findings.first { $0["rule"] as? String == "pr.abandoned_loop" }
        #expect(bad?["level"] as? String == "failure" && bad?["session_id"] as? String == "s-bad" && bad?["commit"] as? String == head)
        #expect(bad?["path"] as? String == "state/sessions/session-records.jsonl" && bad?["line"] as? Int == 31)
        let pr = json["pull_request"] as? [String: Any]
        #expect(pr?["base"] as? String == base && pr?["head"] as? String == head)
        let commits = pr?["commits"] as? [[String: Any]] ?? []
        #expect(commits.count == 1 && commits[0]["sha"] as? String == head && commits[0]["subject"] as? String == CICheckCommandTests.hostileSubject)
        let sessions = pr?["sessions"] as? [[String: Any]] ?? []
        #expect(sessions.count == 1 && sessions[0]["session_id"] as? String == "s-bad")
        #expect(sessions.first?["modes"] as? [String] == ["abandoned_loop"] && sessions.first?["commits"] as? [String] == [head])
        // A plain report has no verdict.
        let report = try jsonObject(try failmix(["report", "--format", "json"], cwd: ws.repo, environment: env).stdout)
        #expect(report["decision"] is NSNull && report["pull_request"] is NSNull && (report["findings"] as? [Any])?.isEmpty == true)
    }

    /// A fork's pull request gets a read-only token: the notice says so and
    /// blames no permission the workflow could add.
    @Test func forbiddenOnAForksPullRequestSaysFork() throws {
        let (ws, base, head) = try CICheckCommandTests().workspace()
        let server = try TestHTTPServer { _, _ in .json(403, ["message": "Resource not accessible by integration"]) }
        defer { server.stop() }
        var env = CICheckCommandTests().githubEnvironment(ws, server: server.url, base: base, head: head)
        let event: [String: Any] = ["pull_request": ["number": 7, "base": ["sha": base, "repo": ["full_name": "acme/agent"]],
                                                     "head": ["sha": head, "repo": ["full_name": "mallory/agent", "fork": true]]]]
        env["GITHUB_EVENT_PATH"] = ws.dir.file("fork-event.json")
        try JSONSerialization.data(withJSONObject: event).write(to: URL(fileURLWithPath: ws.dir.file("fork-event.json")))
        let r = try failmix(["ci"], cwd: ws.repo, environment: env)
        #expect(r.status == 1)
        let notices = r.stdout.split(separator: "\n").filter { $0.hasPrefix("::notice title=failmix::") && $0.contains("HTTP 403") }
        #expect(notices.count == 3, "\(r.stdout)")
        #expect(notices.allSatisfy { $0.contains("comes from a fork, whose token is read-only") && !$0.contains("lacks") })
    }
}
