import Foundation
import Testing
@testable import FailmixKit

/// `failmix ci` as a GitHub Actions or GitLab CI job runs it, against a real
/// HTTP server on 127.0.0.1 standing in for the APIs.
@Suite struct CICheckCommandTests {
    static let hostileSubject = "fix: parser %0A::add-mask::x ::stop-commands::t0k <b>|pipe|</b> @octocat"

    /// 30 healthy sessions on main, then a pull request whose one commit was
    /// made by a session that abandoned its loop.
    func workspace() throws -> (Workspace, base: String, head: String) {
        let ws = try Workspace(commitAt: "2026-03-01T00:00:00Z")
        let base = try ws.git(["rev-parse", "HEAD"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        _ = try ws.git(["checkout", "-q", "-b", "agent/pr"])
        ws.dir.write("repo/src.txt", "change\n")
        _ = try ws.git(["add", "src.txt"])
        _ = try ws.git(["commit", "-q", "-m", Self.hostileSubject, "-m", "Git-Session-Id: s-bad"], date: "2026-03-02T10:30:00Z")
        let head = try ws.git(["rev-parse", "HEAD"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        var lines = (0..<30).map { #"{"session_id": "ok\#($0)", "timestamp": "2026-03-01T\#(String(format: "%02d", $0 % 24)):59:00Z", "duration_seconds": 60, "outcome": "productive"}"# }
        lines.append(#"{"session_id": "s-bad", "timestamp": "2026-03-02T11:00:00Z", "duration_seconds": 3600, "outcome": "productive", "loop_status": "open"}"#)
        ws.writeRecords(lines)
        return (ws, base, head)
    }

    func githubEnvironment(_ ws: Workspace, server: String, base: String, head: String) -> [String: String] {
        let event = ws.dir.write("event.json", #"{"pull_request": {"number": 7, "base": {"sha": "\#(base)"}, "head": {"sha": "\#(head)"}}}"#)
        var env = ProcessInfo.processInfo.environment
        env["GITHUB_ACTIONS"] = "true"
        env["GITLAB_CI"] = nil
        env["GITHUB_API_URL"] = server
        env["GITHUB_REPOSITORY"] = "acme/agent"
        env["GITHUB_SHA"] = head
        env["GITHUB_EVENT_PATH"] = event
        env["GITHUB_SERVER_URL"] = "https://github.example"
        env["GITHUB_RUN_ID"] = "42"
        env["GITHUB_STEP_SUMMARY"] = ws.dir.file("summary.md")
        env["GITHUB_OUTPUT"] = ws.dir.file("output.txt")
        env["GITHUB_TOKEN"] = "ghs_testtoken"
        return env
    }

    @Test func abandonedLoopSessionFailsThePullRequestEvenWhenTheGatePasses() throws {
        let (ws, base, head) = try workspace()
        let comments = CommentStore()
        let server = try TestHTTPServer { request, _ in
            request.path.contains("/comments") ? comments.handle(request) : .json(201, ["id": 5])
        }
        defer { server.stop() }
        let env = githubEnvironment(ws, server: server.url, base: base, head: head)
        let r = try failmix(["ci"], cwd: ws.repo, environment: env)
        #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
        // The global gate alone passes.
        #expect(try failmix(["gate", "--warn-only"], cwd: ws.repo).stdout.hasPrefix("failmix gate: PASS"))
        let requests = server.requests
        let status = requests.first { $0.path == "/repos/acme/agent/statuses/\(head)" }
        #expect((status?.json as? [String: Any])?["state"] as? String == "failure")
        #expect(((status?.json as? [String: Any])?["description"] as? String ?? "").count <= 140)
        let check = requests.first { $0.path == "/repos/acme/agent/check-runs" }?.json as? [String: Any]
        #expect(check?["conclusion"] as? String == "failure" && check?["head_sha"] as? String == head)
        let annotations = (check?["output"] as? [String: Any])?["annotations"] as? [[String: Any]] ?? []
        #expect(annotations.contains { ($0["message"] as? String ?? "").contains("s-bad") && $0["path"] as? String == "state/sessions/session-records.jsonl" })
        #expect(requests.allSatisfy { $0.headers["authorization"] == "Bearer ghs_testtoken" })
        #expect(!r.stdout.contains("ghs_testtoken") && !r.stderr.contains("ghs_testtoken"))
        // The summary names the session and the commit; outputs use heredocs.
        let summary = try String(contentsOfFile: ws.dir.file("summary.md"), encoding: .utf8)
        #expect(summary.contains("s\\-bad") && summary.contains(String(head.prefix(12))))
        let outputs = try String(contentsOfFile: ws.dir.file("output.txt"), encoding: .utf8)
        #expect(outputs.contains("decision<<ghadelimiter_") && outputs.contains("\nfail\n"))
        #expect(outputs.contains("failed_rules<<") && outputs.contains("pr.abandoned_loop"))
        // Workflow commands: only our annotations, the rest inside stop-commands.
        var stopped: String?
        for line in r.stdout.split(separator: "\n").map(String.init) {
            if let token = stopped { if line == "::\(token)::" { stopped = nil }; continue }
            if line.hasPrefix("::stop-commands::") { stopped = String(line.dropFirst("::stop-commands::".count)); continue }
            if line.hasPrefix("::") {
                #expect(line.hasPrefix("::error ") || line.hasPrefix("::warning ") || line.hasPrefix("::notice "), "\(line)")
            }
        }
        #expect(r.stdout.contains("::error file=state/sessions/session-records.jsonl,line=31,title=Pull-request session with abandoned_loop::"))
        // A second run updates the sticky comment instead of adding one.
        _ = try failmix(["ci"], cwd: ws.repo, environment: env)
        #expect(comments.bodies.count == 2)
        #expect(server.requests.filter { $0.method == "POST" && $0.path.hasSuffix("/comments") }.count == 1)
        #expect(server.requests.contains { $0.method == "PATCH" && $0.path.contains("/issues/comments/") })
    }

    @Test func readOnlyTokenFallsBackToAnnotations() throws {
        let (ws, base, head) = try workspace()
        let server = try TestHTTPServer { _, _ in .json(403, ["message": "Resource not accessible by integration"]) }
        defer { server.stop() }
        let r = try failmix(["ci"], cwd: ws.repo, environment: githubEnvironment(ws, server: server.url, base: base, head: head))
        #expect(r.status == 1)
        // A same-repository pull request: the token lacks a permission, named per call.
        #expect(r.stdout.contains("::notice title=failmix::the check run was not posted (HTTP 403)%3A the token lacks `checks: write`")
                || r.stdout.contains("::notice title=failmix::the check run was not posted (HTTP 403): the token lacks `checks: write`"), "\(r.stdout)")
        #expect(r.stdout.contains("the token lacks `statuses: write`") && r.stdout.contains("the token lacks `pull-requests: write`"))
        #expect(r.stdout.contains("a personal access token cannot create check runs") && !r.stdout.contains("fork"))
    }

    /// The check and the publisher as `failmix ci` runs them, with a retry
    /// policy that doesn't wait out real backoff against a server that is gone.
    @Test func unreachableServerChangesNothing() throws {
        let (ws, base, head) = try workspace()
        let server = try TestHTTPServer { _, _ in .json(201, [:]) }
        server.stop()
        let environment = githubEnvironment(ws, server: server.url, base: base, head: head)
        let configuration = try PipelineContext.loadConfiguration(explicit: nil, repositoryPath: ws.repo)
        var options = PipelineOptions(configuration)
        options.repositoryPath = ws.repo
        let ci = CIEnvironment(environment)
        let (report, level) = try Pipeline.check(PipelineContext(configuration: configuration, options: options),
                                                 pullRequest: PullRequestRange(range: nil, ci: ci))
        let warnings = LockedArray<String>()
        let publisher = CIPublisher(ci: ci, environment: environment, retry: RetryPolicy(attempts: 2, baseDelay: 0.01),
                                    log: .init(standardOutput: { _ in }, standardError: { warnings.append($0) }))
        publisher.publish(report)
        #expect(level == .fail && report.decision == .fail)
        #expect(warnings.values.contains { $0.contains("could not post the commit status") }, "\(warnings.values)")
        #expect(warnings.values.contains { $0.contains("could not post the check run") })
    }

    @Test func gitlabStatusNoteAndReports() throws {
        let (ws, base, head) = try workspace()
        let server = try TestHTTPServer { request, _ in request.method == "GET" ? .json(200, []) : .json(201, ["id": 1]) }
        defer { server.stop() }
        var env = ProcessInfo.processInfo.environment
        env["GITHUB_ACTIONS"] = nil
        env["GITLAB_CI"] = "true"
        env["CI_API_V4_URL"] = server.url + "/api/v4"
        env["CI_PROJECT_ID"] = "12"
        env["CI_COMMIT_SHA"] = head
        env["CI_MERGE_REQUEST_DIFF_BASE_SHA"] = base
        env["CI_MERGE_REQUEST_IID"] = "3"
        env["GITLAB_TOKEN"] = "glpat-x"
        let r = try failmix(["ci", "--format", "text", "--format", "codequality", "--output", "codequality=\(ws.dir.file("cq.json"))",
                             "--format", "junit", "--output", "junit=\(ws.dir.file("junit.xml"))"], cwd: ws.repo, environment: env)
        #expect(r.status == 1, "\(r.stderr)")
        let status = server.requests.first { $0.path == "/api/v4/projects/12/statuses/\(head)" }?.json as? [String: Any]
        #expect(status?["state"] as? String == "failed")
        #expect(server.requests.contains { $0.method == "POST" && $0.path == "/api/v4/projects/12/merge_requests/3/notes" })
        let issues = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: ws.dir.file("cq.json")))) as! [[String: Any]]
        #expect(issues.contains { $0["check_name"] as? String == "pr.abandoned_loop" })
        #expect(try String(contentsOfFile: ws.dir.file("junit.xml"), encoding: .utf8).contains("<failure"))
    }

    @Test func internalErrorStillConcludes() throws {
        let ws = try Workspace()
        ws.dir.write("repo/.failmix.toml", "[[rules]]\nmode = \"nope\"\nwarn = 0.5\n")
        let server = try TestHTTPServer { _, _ in .json(201, [:]) }
        defer { server.stop() }
        let head = try ws.git(["rev-parse", "HEAD"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let r = try failmix(["ci"], cwd: ws.repo, environment: githubEnvironment(ws, server: server.url, base: head, head: head))
        #expect(r.status == 2)
        #expect(r.stdout.contains("::error title=failmix::failmix ci could not decide"))
        let status = server.requests.first { $0.path.contains("/statuses/") }?.json as? [String: Any]
        #expect(status?["state"] as? String == "error")
    }

    /// A store with no usable record is an internal error once the
    /// configuration is read: `[gate] on_error` decides, as for the gate.
    @Test(arguments: ["closed", "open"])
    func internalErrorFollowsOnError(_ onError: String) throws {
        let ws = try Workspace()
        ws.writeRecords((0..<40).map { #"{"session_\#($0)": 1}"# })
        ws.dir.write("repo/.failmix.toml", "[gate]\non_error = \"\(onError)\"\n")
        let server = try TestHTTPServer { _, _ in .json(201, [:]) }
        defer { server.stop() }
        let head = try ws.git(["rev-parse", "HEAD"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let r = try failmix(["ci"], cwd: ws.repo, environment: githubEnvironment(ws, server: server.url, base: head, head: head))
        #expect(r.status == (onError == "open" ? 0 : 2), "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("::error title=failmix::failmix ci could not decide"), "\(r.stdout)")
        #expect(r.stderr.contains("on_error = \"\(onError)\""), "\(r.stderr)")
        let status = server.requests.first { $0.path.contains("/statuses/") }?.json as? [String: Any]
        #expect(status?["state"] as? String == (onError == "open" ? "success" : "error"), "\(String(describing: status))")
        if onError == "open" { #expect((status?["description"] as? String)?.contains("on_error = open") == true) }
    }
}
