import Foundation
import Testing
@testable import FailmixKit

/// The GitHub and GitLab API calls against a real HTTP server on 127.0.0.1.
@Suite struct PublisherTests {
    func github(_ server: TestHTTPServer, pr: Int? = 12) -> GitHubPublisher {
        GitHubPublisher(
            target: GitHubTarget(apiURL: server.url, repository: "acme/agent", sha: "abc123", token: "tok",
                                 runURL: "https://ci.example/run/1", pullRequest: pr),
            client: HTTPClient(retry: RetryPolicy(attempts: 3, baseDelay: 0.01)))
    }

    @Test func statusTruncatesTo140Characters() throws {
        let server = try TestHTTPServer { _, _ in .json(201, [:]) }
        defer { server.stop() }
        try github(server).postStatus(state: "failure", description: String(repeating: "é", count: 300))
        let request = server.requests[0]
        #expect(request.method == "POST" && request.path == "/repos/acme/agent/statuses/abc123")
        let body = request.json as! [String: Any]
        let description = body["description"] as! String
        #expect(description.count == 140 && description.hasSuffix("…"))
        #expect(body["state"] as? String == "failure" && body["context"] as? String == "failmix")
        #expect(body["target_url"] as? String == "https://ci.example/run/1")
        #expect(request.headers["authorization"] == "Bearer tok")
    }

    @Test func checkRunSendsFiftyAnnotationsPerRequest() throws {
        let server = try TestHTTPServer { request, _ in request.method == "POST" ? .json(201, ["id": 99]) : .json(200, [:]) }
        defer { server.stop() }
        let annotations = (0..<120).map { CheckAnnotation(path: "r.jsonl", line: $0 + 1, level: "failure", title: "t", message: "m\($0)") }
        try github(server).publishCheckRun(conclusion: "failure", title: "failmix: fail", summary: "s", annotations: annotations)
        let requests = server.requests
        #expect(requests.map(\.method) == ["POST", "PATCH", "PATCH"])
        #expect(requests[0].path == "/repos/acme/agent/check-runs")
        #expect(requests[1].path == "/repos/acme/agent/check-runs/99")
        let counts = requests.map { (($0.json as! [String: Any])["output"] as! [String: Any])["annotations"] as! [Any] }.map(\.count)
        #expect(counts == [50, 50, 20])
        let first = requests[0].json as! [String: Any]
        #expect(first["conclusion"] as? String == "failure" && first["head_sha"] as? String == "abc123")
    }

    @Test func stickyCommentIsUpdatedNotDuplicated() throws {
        let comments = CommentStore()
        let server = try TestHTTPServer { request, _ in comments.handle(request) }
        defer { server.stop() }
        try github(server).upsertComment("first report")
        try github(server).upsertComment("second report")
        #expect(comments.bodies.count == 2)  // one foreign comment, one of ours
        #expect(comments.bodies[1].contains("second report") && comments.bodies[1].contains(GitHubPublisher.commentMarker))
        let methods = server.requests.map { "\($0.method) \($0.path)" }
        #expect(methods.contains("POST /repos/acme/agent/issues/12/comments"))
        #expect(methods.contains("PATCH /repos/acme/agent/issues/comments/2"))
        #expect(methods.filter { $0.hasPrefix("POST") }.count == 1)
    }

    @Test func gitlabStatusAndNote() throws {
        let server = try TestHTTPServer { request, _ in
            request.method == "GET" ? .json(200, [["id": 5, "body": "<!-- failmix -->\nold"]]) : .json(201, [:])
        }
        defer { server.stop() }
        let publisher = GitLabPublisher(
            target: GitLabTarget(apiURL: server.url + "/api/v4", projectID: "group/proj", sha: "def456", token: "glpat",
                                 mergeRequest: 3, jobURL: "https://gl.example/job/7"),
            client: HTTPClient(retry: RetryPolicy(attempts: 2, baseDelay: 0.01)))
        try publisher.postStatus(state: "failed", description: "2 rules failed")
        try publisher.upsertNote("new")
        let r = server.requests
        #expect(r[0].method == "POST" && r[0].path == "/api/v4/projects/group%2Fproj/statuses/def456")
        #expect((r[0].json as! [String: Any])["state"] as? String == "failed")
        #expect(r[0].headers["private-token"] == "glpat")
        #expect(r.last!.method == "PUT" && r.last!.path == "/api/v4/projects/group%2Fproj/merge_requests/3/notes/5")
    }

    @Test func githubOutputHeredocIsMultilineSafe() {
        let block = githubOutputBlock([("decision", "fail"), ("reasons", "a\nb\nEOF")])
        let lines = block.split(separator: "\n").map(String.init)
        #expect(lines[0].hasPrefix("decision<<ghadelimiter_"))
        let delimiter = String(lines[0].dropFirst("decision<<".count))
        #expect(lines[1] == "fail" && lines[2] == delimiter)
        #expect(lines[4...6] == ["a", "b", "EOF"])
    }

    @Test func environmentDetection() throws {
        let dir = TempDir()
        let event = dir.write("event.json", #"{"pull_request": {"number": 8, "base": {"sha": "b1"}, "head": {"sha": "h1"}}}"#)
        let gh = CIEnvironment(["GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "o/r", "GITHUB_EVENT_PATH": event,
                                "GITHUB_SERVER_URL": "https://github.com", "GITHUB_RUN_ID": "5", "GITHUB_SHA": "merge"])
        #expect(gh.provider == .github && gh.pullRequest == 8 && gh.baseSHA == "b1" && gh.headSHA == "h1")
        #expect(gh.runURL == "https://github.com/o/r/actions/runs/5" && gh.apiURL == "https://api.github.com")
        let gl = CIEnvironment(["GITLAB_CI": "true", "CI_MERGE_REQUEST_DIFF_BASE_SHA": "base", "CI_COMMIT_SHA": "head",
                                "CI_MERGE_REQUEST_IID": "4"])
        #expect(gl.provider == .gitlab && gl.baseSHA == "base" && gl.headSHA == "head" && gl.pullRequest == 4)
        #expect(CIEnvironment([:]).provider == .plain)
        #expect(CIEnvironment(["GITHUB_ACTIONS": "true"], override: .plain).provider == .plain)
    }
}

/// A tiny stand-in for GitHub's issue comments: one foreign comment exists.
final class CommentStore: @unchecked Sendable {
    private let lock = NSLock()
    private var store: [(id: Int, body: String)] = [(1, "LGTM from a human")]

    var bodies: [String] { lock.withLock { store.map(\.body) } }

    func handle(_ request: TestHTTPServer.Request) -> TestHTTPServer.Response {
        lock.withLock {
            let body = (request.json as? [String: Any])?["body"] as? String ?? ""
            switch request.method {
            case "GET":
                return .json(200, store.map { ["id": $0.id, "body": $0.body] })
            case "POST":
                store.append((store.count + 1, body))
                return .json(201, ["id": store.count])
            case "PATCH":
                let id = Int(request.path.split(separator: "/").last!)!
                if let i = store.firstIndex(where: { $0.id == id }) { store[i].body = body }
                return .json(200, ["id": id])
            default:
                return .init(status: 405)
            }
        }
    }
}
