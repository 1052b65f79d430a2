import Foundation
import Testing
@testable import FailmixKit

@Suite struct CICheckBatchingTests {
    /// 60 pull-request commits, each from its own abandoned-loop session:
    /// 60+ located annotations go out as one POST of 50 and a PATCH of the rest; a
    /// 502 on the first call is retried; descriptions stay within 140.
    @Test func fiftyAnnotationsPerRequestAndRetryAfter502() async throws {
        let ws = try Workspace(commitAt: "2026-03-01T00:00:00Z")
        let base = try ws.git(["rev-parse", "HEAD"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        // 60 commits in one git process (fast-import), each adding a file.
        var stream = ""
        var lines: [String] = []
        let day = ISO8601DateFormatter().date(from: "2026-03-02T00:00:00Z")!.timeIntervalSince1970
        for i in 0..<60 {
            let message = "change \(i) with a long subject line that goes on and on\n\nGit-Session-Id: loop-\(i)\n"
            let when = "\(Int(day) + i / 6 * 3600 + i % 6 * 600) +0000"
            stream += "commit refs/heads/main\ncommitter Bob <bob@agents.example.org> \(when)\n"
            stream += "data \(message.utf8.count)\n\(message)"
            if i == 0 { stream += "from \(base)\n" }
            stream += "M 100644 inline f\(i).txt\ndata \("\(i)\n".utf8.count)\n\(i)\n\n"
            lines.append(#"{"session_id": "loop-\#(i)", "timestamp": "2026-03-03T00:00:00Z", "outcome": "productive", "loop_status": "open"}"#)
        }
        let imported = try TestRepository.run(["fast-import", "--quiet"], in: ws.repo, stdin: stream)
        #expect(imported.status == 0, "\(imported.stderr)")
        ws.writeRecords(lines)
        let head = try ws.git(["rev-parse", "main"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let server = try TestHTTPServer { request, index in
            if index == 0 { return .init(status: 502, body: "bad gateway") }
            if request.method == "GET" { return .json(200, []) }
            return .json(201, ["id": 77])
        }
        defer { server.stop() }
        var env = CICheckCommandTests().githubEnvironment(ws, server: server.url, base: base, head: head)
        env["GITHUB_STEP_SUMMARY"] = nil
        let repo = ws.repo
        let r = try await offPool { [env] in try failmix(["ci"], cwd: repo, environment: env) }  // sleeps through the retry's backoff
        #expect(r.status == 1, "\(r.stderr)")
        let requests = server.requests
        let statuses = requests.filter { $0.path == "/repos/acme/agent/statuses/\(head)" }
        #expect(statuses.count == 2)  // the 502, then the retry
        #expect(((statuses.last?.json as? [String: Any])?["description"] as? String ?? "").count <= 140)
        let checkCalls = requests.filter { $0.path.hasPrefix("/repos/acme/agent/check-runs") }
        #expect(checkCalls.map(\.method) == ["POST", "PATCH"])
        #expect(checkCalls.last?.path == "/repos/acme/agent/check-runs/77")
        let counts = checkCalls.map { ((($0.json as? [String: Any])?["output"] as? [String: Any])?["annotations"] as? [Any])?.count ?? -1 }
        // 60 pull-request findings plus the gate's own located ones.
        #expect(counts.count == 2 && counts[0] == 50 && counts[1] >= 10 && counts[1] < 50, "\(counts)")
        // Workflow-command annotations: at most 10 per level, the rest in the summary.
        #expect(r.stdout.components(separatedBy: "\n").filter { $0.hasPrefix("::error ") }.count == 10)
        #expect(r.stdout.contains("more findings are listed in the step summary"))
    }
}
