import Foundation
import Testing
@testable import FailmixKit

/// ci/github/action.yml executed step by step the way the Actions runner
/// does (scripts/actions-runner-sim.py: expressions resolved, GITHUB_OUTPUT,
/// GITHUB_STEP_SUMMARY, GITHUB_EVENT_PATH, workflow commands parsed), in a
/// scratch agent repository, with the action at a path of its own, against
/// a loopback HTTP server standing in for the GitHub API.
@Suite struct ActionRunnerSimulationTests {
    static let enabled = ExternalTools.available(["python3", "git"], python: ["yaml"])
    static let simulator = "\(Paths.packageRoot)/scripts/actions-runner-sim.py"

    /// The action as the runner downloads it (`_actions/OWNER/REPO/REF`):
    /// ci/github/action.yml two directories below the package's sources.
    func installAction(in dir: TempDir) throws -> (root: String, action: String) {
        let root = dir.file("_actions/failmix/failmix/v1")
        let fm = FileManager.default
        try fm.createDirectory(atPath: "\(root)/ci/github", withIntermediateDirectories: true)
        try fm.copyItem(atPath: "\(Paths.packageRoot)/ci/github/action.yml", toPath: "\(root)/ci/github/action.yml")
        try fm.copyItem(atPath: "\(Paths.packageRoot)/Package.swift", toPath: "\(root)/Package.swift")
        try fm.copyItem(atPath: "\(Paths.packageRoot)/Sources", toPath: "\(root)/Sources")
        return (root, "\(root)/ci/github")
    }

    struct Run {
        var result: [String: Any]
        var outputs: [String: String] { result["outputs"] as? [String: String] ?? [:] }
        var annotations: [[String: Any]] { result["annotations"] as? [[String: Any]] ?? [] }
        var steps: [[String: Any]] { result["steps"] as? [[String: Any]] ?? [] }
        var cache: [[String: Any]] { result["cache"] as? [[String: Any]] ?? [] }
        var conclusion: String { result["conclusion"] as? String ?? "" }
        func step(_ id: String) -> [String: Any]? { steps.first { $0["id"] as? String == id } }
        var log: String { result["log"] as? String ?? "" }
    }

    func simulate(action: String, workspace: String, eventName: String, event: [String: Any], sha: String,
                  server: TestHTTPServer, inputs: [String: String], path: String, scratch: TempDir,
                  env: [String: String] = [:]) throws -> Run {
        let eventFile = scratch.file("event-\(UUID().uuidString.prefix(6)).json")
        try JSONSerialization.data(withJSONObject: event).write(to: URL(fileURLWithPath: eventFile))
        let resultFile = scratch.file("result-\(UUID().uuidString.prefix(6)).json")
        try FileManager.default.createDirectory(atPath: scratch.file("runner"), withIntermediateDirectories: true)
        var args = [Self.simulator, "--action", action, "--workspace", workspace, "--event-name", eventName,
                    "--event", eventFile, "--sha", sha, "--api-url", server.url, "--token", "ghs_simtoken",
                    "--path", path, "--cache-dir", scratch.file("cache"), "--runner-temp", scratch.file("runner"),
                    "--result", resultFile]
        for (k, v) in inputs.sorted(by: { $0.key < $1.key }) { args += ["--with", "\(k)=\(v)"] }
        for (k, v) in env.sorted(by: { $0.key < $1.key }) { args += ["--env", "\(k)=\(v)"] }
        let r = try runTool("python3", args)
        #expect(r.status == 0, "simulator: \(r.stdout)\(r.stderr)")
        let data = try Data(contentsOf: URL(fileURLWithPath: resultFile))
        return Run(result: try JSONSerialization.jsonObject(with: data) as! [String: Any])
    }

    static var systemPath: String { "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin" }
    static var failmixDirectory: String { URL(fileURLWithPath: Paths.failmix).deletingLastPathComponent().path }

    /// pull_request: the input `binary`, extra formats and the SARIF upload.
    @Test(.enabled(if: enabled)) func pullRequestWithBinaryFormatsAndSarifUpload() throws {
        guard ExternalTools.require(["python3", "git"], python: ["yaml"]) else { return }
        let (ws, base, head) = try CICheckCommandTests().workspace()
        let scratch = TempDir("runner-sim")
        let (_, action) = try installAction(in: scratch)
        let comments = CommentStore()
        let server = try TestHTTPServer { request, _ in
            request.path.contains("/comments") ? comments.handle(request) : .json(201, ["id": 5])
        }
        defer { server.stop() }
        let event: [String: Any] = ["pull_request": ["number": 7, "base": ["sha": base, "repo": ["full_name": "acme/agent"]],
                                                     "head": ["sha": head, "repo": ["full_name": "acme/agent", "fork": false]]]]
        let run = try simulate(action: action, workspace: ws.repo, eventName: "pull_request", event: event, sha: head, server: server,
                               inputs: ["binary": Paths.failmix, "formats": "sarif junit", "upload-sarif": "true"],
                               path: Self.systemPath, scratch: scratch)
        // The check fails (exit 1) after every step that reports has run.
        #expect(run.conclusion == "failure", "\(run.steps)\n\(run.log)")
        #expect(run.step("failmix")?["conclusion"] as? String == "success")
        #expect(run.steps.last?["exit_code"] as? Int == 1)
        #expect(run.cache.isEmpty, "no build with an input binary")
        let outputs = run.outputs
        #expect(outputs["decision"] == "fail" && outputs["exit-code"] == "1", "\(outputs)")
        #expect(outputs["failed_rules"]?.contains("pr.abandoned_loop") == true)
        #expect(Double(outputs["rate_abandoned_loop"] ?? "") ?? 0 > 0, "\(outputs)")
        let rates = try JSONSerialization.jsonObject(with: Data((outputs["rates"] ?? "").utf8)) as? [String: Double]
        #expect(Set(rates?.keys.map { $0 } ?? []) == Set(BuiltinModes.all().map(\.name)), "\(outputs["rates"] ?? "")")
        for mode in BuiltinModes.all() { #expect(outputs["rate_\(mode.name)"].flatMap(Double.init) != nil, "rate_\(mode.name)") }
        // formats added files beside the annotations, never instead of them.
        #expect(outputs["report"] == "failmix-out/failmix.json" && outputs["sarif"] == "failmix-out/failmix.sarif")
        for file in ["failmix.json", "failmix.sarif", "failmix-junit.xml"] {
            #expect(FileManager.default.fileExists(atPath: "\(ws.repo)/failmix-out/\(file)"), "\(file)")
        }
        let report = try jsonObject(String(contentsOfFile: "\(ws.repo)/failmix-out/failmix.json", encoding: .utf8))
        #expect(report["decision"] as? String == "fail")
        let prSessions = ((report["pull_request"] as? [String: Any])?["sessions"] as? [[String: Any]])?.compactMap { $0["session_id"] as? String }
        #expect(prSessions == ["s-bad"])
        let errors = run.annotations.filter { $0["level"] as? String == "error" }
        #expect(errors.contains { $0["file"] as? String == "state/sessions/session-records.jsonl" && $0["line"] as? Int == 31
                && $0["title"] as? String == "Pull-request session with abandoned_loop"
                && ($0["message"] as? String ?? "").contains(CICheckCommandTests.hostileSubject) }, "\(run.annotations)")
        // Untrusted text ran no workflow command.
        #expect((run.result["masks"] as? [Any])?.isEmpty == true && (run.result["deprecated_commands"] as? [Any])?.isEmpty == true)
        #expect((run.result["summary"] as? String ?? "").contains("Session Reliability Report"))
        let requests = server.requests
        #expect((requests.first { $0.path == "/repos/acme/agent/statuses/\(head)" }?.json as? [String: Any])?["state"] as? String == "failure")
        #expect(requests.contains { $0.method == "POST" && $0.path == "/repos/acme/agent/check-runs" })
        #expect(requests.contains { $0.method == "POST" && $0.path == "/repos/acme/agent/issues/7/comments" })
        let upload = requests.first { $0.path == "/repos/acme/agent/code-scanning/sarifs" }
        #expect((upload?.json as? [String: Any])?["commit_sha"] as? String == head)
        #expect(requests.allSatisfy { $0.headers["authorization"] == "Bearer ghs_simtoken" })
    }

    /// merge_group: failmix from PATH; the group's base..head is checked and
    /// the status goes on the group's head; there is no PR to comment on.
    @Test(.enabled(if: enabled)) func mergeGroupUsesFailmixOnPath() throws {
        guard ExternalTools.require(["python3", "git"], python: ["yaml"]) else { return }
        let (ws, base, head) = try CICheckCommandTests().workspace()
        // A mode of the user's own: no output of the action can be declared
        // for it, so it is read from `rates`.
        ws.dir.write("repo/.failmix.toml", "[modes.flaky]\nlabel = \"Flaky\"\nwhen = [{ field = \"outcome\", equals = \"productive\" }]\n")
        let scratch = TempDir("runner-sim")
        let (_, action) = try installAction(in: scratch)
        let server = try TestHTTPServer { _, _ in .json(201, ["id": 9]) }
        defer { server.stop() }
        let event: [String: Any] = ["merge_group": ["base_sha": base, "head_sha": head, "base_ref": "refs/heads/main",
                                                    "head_ref": "refs/heads/gh-readonly-queue/main/pr-7-\(head.prefix(8))"]]
        let run = try simulate(action: action, workspace: ws.repo, eventName: "merge_group", event: event, sha: head, server: server,
                               inputs: [:], path: "\(Self.failmixDirectory):\(Self.systemPath)", scratch: scratch)
        #expect(run.conclusion == "failure")
        #expect(run.log.contains("using \(Paths.failmix) from PATH") || run.log.contains("from PATH"), "\(run.log.prefix(2000))")
        #expect(run.outputs["decision"] == "fail")
        let rates = try JSONSerialization.jsonObject(with: Data((run.outputs["rates"] ?? "").utf8)) as? [String: Double]
        #expect(rates?["flaky"] == 1.0 && rates?["noop"] == 0, "\(run.outputs["rates"] ?? "")")
        let report = try jsonObject(String(contentsOfFile: "\(ws.repo)/failmix-out/failmix.json", encoding: .utf8))
        #expect((report["pull_request"] as? [String: Any])?["base"] as? String == base)
        #expect(run.annotations.contains { $0["level"] as? String == "error" && $0["line"] as? Int == 31 })
        let requests = server.requests
        #expect(requests.contains { $0.method == "POST" && $0.path == "/repos/acme/agent/statuses/\(head)" })
        #expect((requests.first { $0.path == "/repos/acme/agent/check-runs" }?.json as? [String: Any])?["head_sha"] as? String == head)
        #expect(!requests.contains { $0.path.contains("/comments") })
    }

    /// Neither an input nor PATH: the action builds failmix from its own
    /// source (a `swift` stand-in that records its arguments and installs
    /// the already-built binary, so the test needn't compile for minutes),
    /// caches it under a key of that source's hash, restores it next time
    /// instead of building, and builds again when the source changes.
    @Test(.enabled(if: enabled)) func buildIsCachedByTheActionsSourceRevision() throws {
        guard ExternalTools.require(["python3", "git"], python: ["yaml"]) else { return }
        let ws = try Workspace(commitAt: "2026-03-01T00:00:00Z")
        let base = try ws.git(["rev-parse", "HEAD"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        ws.dir.write("repo/src.txt", "change\n")
        _ = try ws.git(["add", "src.txt"])
        _ = try ws.git(["commit", "-q", "-m", "good work", "-m", "Git-Session-Id: s-good"], date: "2026-03-02T10:30:00Z")
        let head = try ws.git(["rev-parse", "HEAD"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        ws.writeRecords((0..<30).map { #"{"session_id": "ok\#($0)", "timestamp": "2026-03-01T\#(String(format: "%02d", $0 % 24)):59:00Z", "duration_seconds": 60, "outcome": "productive"}"# }
                        + [#"{"session_id": "s-good", "timestamp": "2026-03-02T11:00:00Z", "duration_seconds": 3600, "outcome": "productive"}"#])
        let scratch = TempDir("runner-sim")
        let (root, action) = try installAction(in: scratch)
        let shim = scratch.write("shim/swift", """
            #!/bin/sh
            # A stand-in for `swift build`: logs its arguments, installs the prebuilt failmix.
            echo "$*" >> "$SHIM_LOG"
            [ "$1" = --version ] && { echo "Swift version 6.1 (stand-in)"; exit 0; }
            scratch=""
            while [ $# -gt 0 ]; do [ "$1" = --scratch-path ] && scratch=$2; shift; done
            mkdir -p "$scratch/release" && cp "$FAILMIX_PREBUILT" "$scratch/release/failmix"

            """)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: shim)
        let log = scratch.file("swift.log")
        let server = try TestHTTPServer { _, _ in .json(201, ["id": 1]) }
        defer { server.stop() }
        let event: [String: Any] = ["pull_request": ["number": 8, "base": ["sha": base], "head": ["sha": head]]]
        func go() throws -> Run {
            try simulate(action: action, workspace: ws.repo, eventName: "pull_request", event: event, sha: head, server: server,
                         inputs: ["formats": "junit"], path: "\(scratch.file("shim")):\(Self.systemPath)", scratch: scratch,
                         env: ["SHIM_LOG": log, "FAILMIX_PREBUILT": Paths.failmix])
        }
        func builds() -> [String] {
            ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init).filter { $0.hasPrefix("build") }
        }
        var run = try go()
        #expect(run.conclusion == "success" && run.outputs["decision"] == "pass", "\(run.steps)\n\(run.log.suffix(3000))")
        #expect(builds().count == 1 && builds()[0].contains("-c release") && builds()[0].contains("--package-path \(root)"), "\(builds())")
        let key = run.cache.first { $0["action"] as? String == "save" }?["key"] as? String ?? ""
        #expect(key.hasPrefix("failmix-Linux-X64-") && run.cache.contains { $0["action"] as? String == "save" && $0["saved"] as? Bool == true }, "\(run.cache)")
        #expect(FileManager.default.fileExists(atPath: "\(ws.repo)/failmix-out/failmix-junit.xml"))

        run = try go()
        #expect(run.conclusion == "success")
        #expect(run.cache.contains { $0["action"] as? String == "restore" && $0["hit"] as? Bool == true && $0["key"] as? String == key }, "\(run.cache)")
        #expect(builds().count == 1, "a cache hit must not build: \(builds())")

        // The action's source changes: a new key, a new build.
        try ("// changed\n").appendingToFile("\(root)/Sources/Pipeline/Version.swift")
        run = try go()
        let newKey = run.cache.first { $0["action"] as? String == "restore" }?["key"] as? String ?? ""
        #expect(newKey != key && !newKey.isEmpty)
        #expect(builds().count == 2, "\(builds())")
        #expect(run.outputs["decision"] == "pass")
    }
}

extension String {
    func appendingToFile(_ path: String) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(utf8))
    }
}
