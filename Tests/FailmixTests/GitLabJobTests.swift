import Foundation
import Testing
@testable import FailmixKit

/// The `failmix` job of ci/gitlab/failmix.gitlab-ci.yml, its before_script
/// and script run as a shell runner does (scripts/gitlab-job-sim.py) in a
/// scratch agent repository that has no Package.swift, against a loopback
/// server standing in for the GitLab API.
@Suite struct GitLabJobTests {
    static let enabled = ExternalTools.available(["python3", "git", "bash"], python: ["yaml"])
    static let template = "\(Paths.packageRoot)/ci/gitlab/failmix.gitlab-ci.yml"

    func runJob(_ ws: Workspace, env: [String: String]) throws -> [String: Any] {
        var args = [Paths.packageRoot + "/scripts/gitlab-job-sim.py", "--file", Self.template, "--job", "failmix", "--project-dir", ws.repo]
        for (k, v) in env.sorted(by: { $0.key < $1.key }) { args += ["--env", "\(k)=\(v)"] }
        var environment = ProcessInfo.processInfo.environment
        for name in ["FAILMIX_BIN", "FAILMIX_REF", "FAILMIX_ARGS", "GITHUB_ACTIONS", "GITLAB_TOKEN"] { environment[name] = nil }
        let r = try runTool("python3", args, environment: environment)
        #expect(r.status == 0, "\(r.stderr)")
        return try jsonObject(r.stdout)
    }

    func gitlabEnvironment(_ server: TestHTTPServer, base: String, head: String) -> [String: String] {
        ["CI_API_V4_URL": server.url + "/api/v4", "CI_PROJECT_ID": "12", "CI_COMMIT_SHA": head,
         "CI_MERGE_REQUEST_DIFF_BASE_SHA": base, "CI_MERGE_REQUEST_IID": "3", "CI_COMMIT_REF_NAME": "agent/pr",
         "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME": "agent/pr", "CI_PIPELINE_ID": "991", "CI_PIPELINE_SOURCE": "merge_request_event",
         "CI_JOB_URL": "https://gitlab.example/acme/agent/-/jobs/5", "GITLAB_TOKEN": "glpat-sim", "NO_COLOR": "1"]
    }

    @Test(.enabled(if: enabled)) func jobRunsInAWorkspaceWithoutPackageSwiftAndPublishes() throws {
        guard ExternalTools.require(["python3", "git", "bash"], python: ["yaml"]) else { return }
        let (ws, base, head) = try CICheckCommandTests().workspace()
        #expect(!FileManager.default.fileExists(atPath: "\(ws.repo)/Package.swift"))
        let server = try TestHTTPServer { request, _ in request.method == "GET" ? .json(200, []) : .json(201, ["id": 1]) }
        defer { server.stop() }
        var env = gitlabEnvironment(server, base: base, head: head)
        env["FAILMIX_BIN"] = Paths.failmix
        let job = try runJob(ws, env: env)
        let log = job["log"] as? String ?? ""
        #expect(job["exit_code"] as? Int == 1, "\(log)")
        #expect(log.contains("failmix gate: FAIL") && log.contains("failmix 0."), "\(log)")
        let reports = job["reports"] as? [String: String] ?? [:]
        for path in [reports["codequality"], reports["junit"]].compactMap({ $0 }) + ["failmix-out/failmix.md", "failmix-out/failmix.json"] {
            #expect(FileManager.default.fileExists(atPath: "\(ws.repo)/\(path)"), "\(path) not produced")
        }
        #expect(reports.keys.sorted() == ["codequality", "junit"] && job["artifacts_when"] as? String == "always")
        if let shared = Paths.shared, ExternalTools.path("check-jsonschema") != nil, ExternalTools.pythonHas(["check_jsonschema"]),
           let cq = reports["codequality"] {
            let c = try PythonBatch.checkJSONSchema(["--schemafile", "\(shared)/schemas/gitlab-codequality.schema.json", "\(ws.repo)/\(cq)"])
            #expect(c.status == 0, "\(c.stdout)\(c.stderr)")
        }
        let status = server.requests.first { $0.path == "/api/v4/projects/12/statuses/\(head)" }?.json as? [String: Any]
        #expect(status?["state"] as? String == "failed" && status?["ref"] as? String == "agent/pr" && status?["pipeline_id"] as? Int == 991, "\(status ?? [:])")
        #expect(server.requests.contains { $0.method == "POST" && $0.path == "/api/v4/projects/12/merge_requests/3/notes" })
        #expect(server.requests.allSatisfy { $0.headers["private-token"] == "glpat-sim" })
    }

    /// Without FAILMIX_BIN the job uses the build of FAILMIX_REF cached in
    /// .failmix-cache/ (no rebuild); a FAILMIX_BIN that isn't there is a
    /// clear error (exit 2), never a silent pass.
    @Test(.enabled(if: enabled)) func cachedBuildOfThePinnedRevisionAndABadBinary() throws {
        guard ExternalTools.require(["python3", "git", "bash"], python: ["yaml"]) else { return }
        let (ws, base, head) = try CICheckCommandTests().workspace()
        let server = try TestHTTPServer { request, _ in request.method == "GET" ? .json(200, []) : .json(201, ["id": 1]) }
        defer { server.stop() }
        let arch = try runTool("uname", ["-m"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let cached = "\(ws.repo)/.failmix-cache/0123abc-\(arch)/failmix"
        try FileManager.default.createDirectory(atPath: (cached as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Paths.failmix, toPath: cached)
        var env = gitlabEnvironment(server, base: base, head: head)
        env["FAILMIX_REF"] = "0123abc"
        env["FAILMIX_REPOSITORY"] = "/nonexistent/failmix.git"   // a build would fail: it must not be tried
        var job = try runJob(ws, env: env)
        #expect(job["exit_code"] as? Int == 1, "\(job["log"] ?? "")")
        #expect(FileManager.default.fileExists(atPath: "\(ws.repo)/failmix-out/failmix-junit.xml"))

        env["FAILMIX_BIN"] = "/nonexistent/failmix"
        job = try runJob(ws, env: env)
        #expect(job["exit_code"] as? Int == 2)
        #expect((job["log"] as? String ?? "").contains("FAILMIX_BIN (/nonexistent/failmix) is not an executable file"))
    }
}
