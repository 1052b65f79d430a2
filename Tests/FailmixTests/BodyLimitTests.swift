import Foundation
import Testing
@testable import FailmixKit

/// Every body failmix sends stays within what the service accepts; a cut
/// one ends with where the whole report is.
@Suite struct BodyLimitTests {
    @Test func fitCutsAtALineAndPointsAtTheFullReport() {
        let lines = (0..<5000).map { "| row \($0) | é✓ \(String(repeating: "x", count: 20)) |" }
        let body = lines.joined(separator: "\n")
        let fitted = BodyLimit.fit(body, limit: 65_536, fullReport: "the run https://ci.example/1")
        #expect(fitted.utf8.count <= 65_536 && fitted.utf8.count > 60_000, "\(fitted.utf8.count)")
        #expect(fitted.hasSuffix("The full report: the run https://ci.example/1\n"))
        let kept = fitted.components(separatedBy: "\n\n---\n")[0]
        #expect(body.hasPrefix(kept) && kept.hasSuffix("|"), "cut inside a line")
        #expect(fitted.contains("lines shown") && fitted.contains("of 5000 lines"))
        #expect(BodyLimit.fit("short", limit: 65_536, fullReport: "x") == "short")
    }

    /// A pull request of 900 commits, each from a session that abandoned its
    /// loop (a 300-session history already made a 62 KB comment): every
    /// request failmix sends stays within GitHub's limits.
    @Test func nineHundredSessionPullRequestStaysWithinGitHubsLimits() throws {
        let ws = try Workspace(commitAt: "2026-03-01T00:00:00Z")
        let base = try ws.git(["rev-parse", "HEAD"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        // 900 commits in one git process (fast-import), each claimed by its session's trailer.
        var stream = ""
        var records: [String] = []
        for i in 0..<900 {
            let message = "change \(i): a subject line long enough to make the summary table wide\n\nGit-Session-Id: loop-\(i)\n"
            let time = 1_772_409_600 + i * 60
            stream += "commit refs/heads/agent/pr\nauthor Bob <bob@agents.example.org> \(time) +0000\ncommitter Bob <bob@agents.example.org> \(time) +0000\n"
            stream += "data \(message.utf8.count)\n\(message)"
            stream += i == 0 ? "from \(base)\n\n" : "\n"
            records.append(#"{"session_id": "loop-\#(i)", "timestamp": "2026-03-02T00:00:00Z", "outcome": "productive", "loop_status": "open"}"#)
        }
        let input = ws.dir.write("stream.fi", stream)
        let imported = try runTool("sh", ["-c", "git -C '\(ws.repo)' fast-import --quiet < '\(input)'"])
        #expect(imported.status == 0, "\(imported.stderr)")
        _ = try ws.git(["checkout", "-q", "agent/pr"])
        let head = try ws.git(["rev-parse", "HEAD"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        ws.writeRecords(records)

        let comments = CommentStore()
        let server = try TestHTTPServer { request, _ in
            request.path.contains("/comments") ? comments.handle(request) : .json(201, ["id": 77])
        }
        defer { server.stop() }
        var env = CICheckCommandTests().githubEnvironment(ws, server: server.url, base: base, head: head)
        env["GITHUB_SHA"] = head
        let r = try failmix(["ci", "--format", "github"], cwd: ws.repo, environment: env)
        #expect(r.status == 1, "\(r.stderr)")
        let requests = server.requests
        let runURL = "https://github.example/acme/agent/actions/runs/42"
        let commentBodies = requests.filter { $0.path.contains("/comments") && $0.method != "GET" }
            .compactMap { ($0.json as? [String: Any])?["body"] as? String }
        #expect(commentBodies.count == 1)
        for body in commentBodies {
            #expect(body.count <= 65_536 && body.utf16.count <= 65_536, "comment: \(body.count)")
            #expect(body.contains("**Truncated:**") && body.hasSuffix("[the run](\(runURL)).\n"), "\(body.suffix(300))")
            #expect(body.hasPrefix(GitHubPublisher.commentMarker))
        }
        let checks = requests.filter { $0.path.hasPrefix("/repos/acme/agent/check-runs") }
        #expect(checks.count >= 18, "900+ annotations, 50 per request: \(checks.count)")
        var annotations = 0
        for check in checks {
            let output = (check.json as? [String: Any])?["output"] as? [String: Any]
            let summary = output?["summary"] as? String ?? ""
            #expect(summary.count <= 65_535 && summary.hasSuffix("[the run](\(runURL)).\n"), "summary \(summary.count)")
            #expect((output?["title"] as? String ?? "").count <= 255)
            let batch = output?["annotations"] as? [[String: Any]] ?? []
            #expect(batch.count <= 50)
            annotations += batch.count
            #expect(batch.allSatisfy { ($0["message"] as? String ?? "").utf8.count <= 65_536 })
        }
        #expect(annotations >= 900)
        let status = requests.first { $0.path == "/repos/acme/agent/statuses/\(head)" }?.json as? [String: Any]
        #expect((status?["description"] as? String ?? "").count <= 140)
        // The step summary (1 MiB allowed) keeps every session.
        let summary = try String(contentsOfFile: ws.dir.file("summary.md"), encoding: .utf8)
        #expect(summary.utf8.count <= BodyLimit.githubStepSummary && summary.contains("loop\\-899"))
    }

    @Test func gitlabNoteStaysUnderAMillionCharacters() throws {
        let server = try TestHTTPServer { request, _ in request.method == "GET" ? .json(200, []) : .json(201, ["id": 1]) }
        defer { server.stop() }
        let publisher = GitLabPublisher(
            target: GitLabTarget(apiURL: server.url + "/api/v4", projectID: "12", sha: "abc", token: "t", mergeRequest: 3,
                                 jobURL: "https://gitlab.example/job/5"),
            client: HTTPClient(retry: RetryPolicy(attempts: 1)))
        let body = (0..<40_000).map { "| session-\($0) | abandoned loop | \(String(repeating: "y", count: 10)) |" }.joined(separator: "\n")
        #expect(body.count > 1_000_000)
        try publisher.upsertNote(body)
        let sent = (server.requests.last?.json as? [String: Any])?["body"] as? String ?? ""
        #expect(sent.count <= 1_000_000 && sent.count > 990_000, "\(sent.count)")
        #expect(sent.hasSuffix("[the job](https://gitlab.example/job/5).\n"))
        // Under the limit, nothing is cut.
        try publisher.upsertNote("small")
        let small = (server.requests.last?.json as? [String: Any])?["body"] as? String
        #expect(small?.hasSuffix("small") == true)
    }
}
