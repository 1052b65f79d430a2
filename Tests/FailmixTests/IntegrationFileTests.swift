import Foundation
import Testing
@testable import FailmixKit

/// The integration files, checked by the ecosystems' own validators:
/// check-jsonschema's bundled GitHub Actions, workflow and GitLab CI schemas,
/// and pre-commit's manifest and config validation.
@Suite struct IntegrationFileTests {
    static let root = Paths.packageRoot

    /// check-jsonschema's own command line, once per file (see PythonBatch).
    @Test(.enabled(if: ExternalTools.available(["check-jsonschema"], python: ["check_jsonschema"])))
    func actionWorkflowAndGitLabTemplateAreValid() throws {
        guard ExternalTools.require(["check-jsonschema"], python: ["check_jsonschema"]) else { return }
        // The validator does reject a broken file (the old unquoted `: `).
        let dir = TempDir("schema")
        let broken = dir.write("action.yml", "name: x\ndescription: y\ninputs:\n  a:\n    description: Path (default: z).\nruns:\n  using: composite\n  steps: []\n")
        let calls = [("vendor.github-actions", "\(Self.root)/ci/github/action.yml"),
                     ("vendor.github-workflows", "\(Self.root)/ci/github/failmix.yml"),
                     ("vendor.gitlab-ci", "\(Self.root)/ci/gitlab/failmix.gitlab-ci.yml"),
                     ("vendor.github-actions", broken)].map { ["--builtin-schema", $0.0, $0.1] }
        let results = try calls.map(PythonBatch.checkJSONSchema)
        for (call, result) in zip(calls, results).dropLast() {
            #expect(result.status == 0, "\(call[2]): \(result.stdout)\(result.stderr)")
        }
        #expect(results.last?.status != 0, "the broken action passed: \(results.last?.stdout ?? "")")
    }

    /// A composite action's outputs are static: each built-in mode has its
    /// `rate_<mode>`, custom modes are in `rates`, and every output is
    /// wired to a step that exists.
    @Test(.enabled(if: ExternalTools.available(["python3"], python: ["yaml"])))
    func actionDeclaresEveryOutputAndInput() throws {
        guard ExternalTools.require(["python3"], python: ["yaml"]) else { return }
        let script = """
            import json, sys, yaml
            a = yaml.safe_load(open(sys.argv[1]))
            print(json.dumps({"outputs": {k: v["value"] for k, v in a["outputs"].items()},
                              "inputs": sorted(a["inputs"]), "steps": [s.get("id") for s in a["runs"]["steps"]]}))
            """
        let r = try PythonBatch.run(code: script, ["\(Self.root)/ci/github/action.yml"])
        #expect(r.status == 0, "\(r.stderr)")
        let action = try jsonObject(r.stdout)
        let outputs = action["outputs"] as? [String: String] ?? [:]
        let steps = Set((action["steps"] as? [Any] ?? []).compactMap { $0 as? String })
        for mode in BuiltinModes.all() {
            #expect(outputs["rate_\(mode.name)"] == "${{ steps.failmix.outputs.rate_\(mode.name) }}", "rate_\(mode.name)")
        }
        for name in ["decision", "failed_rules", "rates", "report", "sarif", "exit-code"] {
            #expect(outputs[name] != nil, "output \(name)")
        }
        for value in outputs.values {
            let step = value.components(separatedBy: "steps.").last?.components(separatedBy: ".").first ?? ""
            #expect(steps.contains(step), "\(value) names no step")
        }
        #expect(Set(action["inputs"] as? [String] ?? []).isSuperset(of: ["binary", "config", "records", "range", "formats", "upload-sarif", "fail-on", "token"]))
    }

    @Test(.enabled(if: ExternalTools.available(["pre-commit"])))
    func preCommitManifestAndTheReadmeConfigAreValid() throws {
        guard ExternalTools.require(["pre-commit"]) else { return }
        let r = try runTool("pre-commit", ["validate-manifest", "\(Self.root)/.pre-commit-hooks.yaml"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        let dir = TempDir("precommit")
        let config = dir.write(".pre-commit-config.yaml", try readmePreCommitConfig())
        let c = try runTool("pre-commit", ["validate-config", config])
        #expect(c.status == 0, "\(c.stdout)\(c.stderr)")
    }

    /// The `.pre-commit-config.yaml` block of the README (the one users copy).
    func readmePreCommitConfig() throws -> String {
        let readme = try String(contentsOfFile: "\(Self.root)/README.md", encoding: .utf8)
        let marker = "```yaml\n# .pre-commit-config.yaml\n"
        guard let start = readme.range(of: marker) else {
            Issue.record("README has no .pre-commit-config.yaml block")
            return ""
        }
        let rest = readme[start.upperBound...]
        return String(rest[..<(rest.range(of: "```")?.lowerBound ?? rest.endIndex)])
    }

    /// Real pre-commit in a scratch agent repository, with the README's
    /// configuration pointed at a clone of this manifest: the installed hook
    /// runs the gate on `git push`, refuses a failing one, and both
    /// SKIP=failmix (the alias, honoured by pre-commit) and FAILMIX_SKIP=1
    /// (honoured by failmix itself) let one push through, loudly.
    @Test(.enabled(if: ExternalTools.available(["pre-commit", "git"])))
    func preCommitRunsTheGateOnPushAndHonoursSkips() throws {
        guard ExternalTools.require(["pre-commit", "git"]) else { return }
        let dir = TempDir("precommit-run")
        // The hooks repository: the manifest at a commit, as users reference it.
        let hooksRepo = dir.file("failmix-hooks")
        try runTool("git", ["init", "-q", "-b", "main", hooksRepo])
        try FileManager.default.copyItem(atPath: "\(Self.root)/.pre-commit-hooks.yaml", toPath: "\(hooksRepo)/.pre-commit-hooks.yaml")
        try runTool("git", ["-C", hooksRepo, "add", "."])
        try runTool("git", ["-C", hooksRepo, "-c", "user.name=t", "-c", "user.email=t@x", "commit", "-q", "-m", "hooks"])
        let rev = try runTool("git", ["-C", hooksRepo, "rev-parse", "HEAD"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        // The agent workspace: 30 sessions that all abandoned their loops fail the gate.
        let ws = try Workspace()
        ws.writeRecords((0..<30).map { #"{"session_id": "l\#($0)", "timestamp": "2026-01-02T\#(String(format: "%02d", $0 % 24)):\#(String(format: "%02d", $0)):00Z", "outcome": "productive", "loop_status": "open"}"# })
        ws.dir.write("repo/.gitignore", "state/\n")
        let config = try readmePreCommitConfig()
            .replacingOccurrences(of: "https://github.com/failmix/failmix", with: hooksRepo)
            .replacingOccurrences(of: "rev: v0.1.0", with: "rev: \(rev)")
            .replacingOccurrences(of: "id: failmix-gate\n", with: "id: failmix-gate-installed\n")
        #expect(config.contains(hooksRepo) && config.contains(rev) && config.contains("failmix-gate-installed"), "\(config)")
        ws.dir.write("repo/.pre-commit-config.yaml", config)
        _ = try ws.git(["add", ".pre-commit-config.yaml", ".gitignore"])
        _ = try ws.git(["commit", "-q", "-m", "pre-commit"])
        let remote = dir.file("remote.git")
        try runTool("git", ["init", "-q", "--bare", remote])
        _ = try ws.git(["remote", "add", "origin", remote])

        var env = ProcessInfo.processInfo.environment
        env["PRE_COMMIT_HOME"] = dir.file("cache")
        env["PATH"] = URL(fileURLWithPath: Paths.failmix).deletingLastPathComponent().path + ":" + (env["PATH"] ?? "")
        env["FAILMIX_SKIP"] = nil
        env["SKIP"] = nil
        env["NO_COLOR"] = "1"
        let install = try runTool("pre-commit", ["install", "--hook-type", "pre-push"], cwd: ws.repo, environment: env)
        #expect(install.status == 0, "\(install.stdout)\(install.stderr)")

        var push = try runTool("git", ["push", "-q", "origin", "main"], cwd: ws.repo, environment: env)
        #expect(push.status != 0, "a failing gate must refuse the push: \(push.stdout)\(push.stderr)")
        #expect(push.stdout.contains("failmix gate") && push.stdout.contains("Failed"), "\(push.stdout)\(push.stderr)")
        #expect(push.stdout.contains("FAIL"), "\(push.stdout)")

        var skip = env
        skip["SKIP"] = "failmix"
        push = try runTool("git", ["push", "-q", "origin", "main"], cwd: ws.repo, environment: skip)
        #expect(push.status == 0, "\(push.stdout)\(push.stderr)")
        #expect(push.stdout.contains("Skipped"), "\(push.stdout)")

        _ = try ws.git(["commit", "-q", "--allow-empty", "-m", "more"])
        skip["SKIP"] = nil
        skip["FAILMIX_SKIP"] = "1"
        push = try runTool("git", ["push", "-q", "origin", "main"], cwd: ws.repo, environment: skip)
        #expect(push.status == 0, "\(push.stdout)\(push.stderr)")
        #expect((push.stdout + push.stderr).contains("SKIPPED"), "\(push.stdout)\(push.stderr)")

        // The swift-built hook is skipped by its id before pre-commit would build it.
        ws.dir.write("repo/.pre-commit-config.yaml", config.replacingOccurrences(of: "failmix-gate-installed", with: "failmix-gate"))
        skip["FAILMIX_SKIP"] = nil
        skip["SKIP"] = "failmix-gate"
        let run = try runTool("pre-commit", ["run", "--hook-stage", "pre-push", "--all-files"], cwd: ws.repo, environment: skip)
        #expect(run.status == 0 && run.stdout.contains("Skipped"), "\(run.stdout)\(run.stderr)")
    }
}
