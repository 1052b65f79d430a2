import Foundation
import Testing

/// Records for `sessions` one-hour sessions starting at `t0`, an hour apart.
private func writeRecords(_ dir: TempDir, ids: [String], t0: Int64, name: String = "session-records.jsonl") -> String {
    let iso = ISO8601DateFormatter()
    let lines = ids.enumerated().map { i, id -> String in
        let start = Date(timeIntervalSince1970: TimeInterval(t0 + Int64(i) * 7200))
        let end = start.addingTimeInterval(3600)
        return "{\"session_id\": \"\(id)\", \"start_time\": \"\(iso.string(from: start))\", \"end_time\": \"\(iso.string(from: end))\", \"timestamp\": \"\(iso.string(from: end))\", \"outcome\": \"productive\"}"
    }
    return dir.write(name, lines.joined(separator: "\n") + "\n")
}

private func check(_ json: [String: Any], _ name: String) -> [String: Any]? {
    (json["checks"] as? [[String: Any]])?.first { $0["name"] as? String == name }
}

@Suite struct DoctorTests {
    let t0: Int64 = 1_780_000_000
    let ids = (0..<12).map { String(format: "%04x%04x", 0xa000 + $0, $0) }

    /// The published incident: a global core.hooksPath points at a directory
    /// without prepare-commit-msg while the stamping hook sits in .git/hooks.
    @Test func theIncidentIsFoundAndFixed() throws {
        let r = try HookedRepository()
        let globalHooks = r.home.file("global-hooks")
        try FileManager.default.createDirectory(atPath: globalHooks, withIntermediateDirectories: true)
        try r.git(["config", "--global", "core.hooksPath", globalHooks])
        let stranded = r.repo.path + "/.git/hooks/prepare-commit-msg"
        try "#!/bin/sh\n[ -n \"$GIT_COMMITTER_SESSION_ID\" ] && git interpret-trailers --in-place --trailer \"Git-Session-Id: $GIT_COMMITTER_SESSION_ID\" \"$1\"\nexit 0\n"
            .write(toFile: stranded, atomically: true, encoding: .utf8)
        chmod(stranded, 0o755)
        let records = writeRecords(r.home, ids: ids, t0: t0)
        // Agent commits inside the sessions, the session exported as the launcher does.
        for (i, id) in ids.enumerated() {
            let at = t0 + Int64(i) * 7200 + 600
            try r.git(["commit", "-q", "--allow-empty", "-m", "work of \(i)"], session: id,
                      extra: ["GIT_AUTHOR_DATE": "@\(at) +0000", "GIT_COMMITTER_DATE": "@\(at) +0000"])
        }
        #expect(try r.headTrailers() == [])

        let doctor = try r.failmix(["doctor", "--records", records])
        #expect(doctor.status == 1, "\(doctor.stdout)\(doctor.stderr)")
        let ignoredLine = doctor.stdout.split(separator: "\n").first { $0.contains("hooks-ignored") } ?? ""
        #expect(ignoredLine.contains("FAIL") && ignoredLine.contains(r.repo.path + "/.git/hooks") && ignoredLine.contains(globalHooks))
        #expect(ignoredLine.contains("core.hooksPath in the global config"))
        let json = try jsonObject(try r.failmix(["doctor", "--records", records, "--format", "json"]).stdout)
        #expect(json["exit"] as? Int == 1)
        #expect(check(json, "trailer-coverage")?["status"] as? String == "fail")
        #expect(check(json, "stamping-hook")?["status"] as? String == "warn")
        #expect((check(json, "hooks-ignored")?["fix"] as? String)?.contains("failmix hook install prepare-commit-msg") == true)

        func coverage() throws -> (Double?, Int) {
            let report = try r.failmix(["report", "--records", records, "--repo", r.repo.path, "--agent-author", "bob@*",
                                        "--last", "0", "--format", "json"])
            #expect(report.status == 0, "\(report.stderr)")
            let window = (try jsonObject(report.stdout)["windows"] as? [[String: Any]])?.first
            let attribution = window?["attribution"] as? [String: Any]
            return (attribution?["trailer_coverage"] as? Double, attribution?["agent_commits"] as? Int ?? -1)
        }
        #expect(try coverage() == (0, 12))
        // The default policy warns on the first run.
        let gate = try r.failmix(["gate", "--records", records])
        #expect(gate.status == 0)
        #expect(gate.stdout.contains("WARN") && gate.stdout.contains("trailer-coverage: trailer coverage 0/12"))

        let install = try r.failmix(["hook", "install", "prepare-commit-msg"])
        #expect(install.stdout.contains(globalHooks + "/prepare-commit-msg"), "\(install.stdout)\(install.stderr)")
        for (i, id) in ids.enumerated() {
            let at = t0 + Int64(i) * 7200 + 1200
            try r.git(["commit", "-q", "--allow-empty", "-m", "more work of \(i)"], session: id,
                      extra: ["GIT_AUTHOR_DATE": "@\(at) +0000", "GIT_COMMITTER_DATE": "@\(at) +0000"])
        }
        #expect(try r.headTrailers() == ["Git-Session-Id: \(ids[11])"])
        #expect(try coverage() == (0.5, 24))
        let after = try jsonObject(try r.failmix(["doctor", "--records", records, "--format", "json"]).stdout)
        #expect(check(after, "stamping-hook")?["status"] as? String == "pass")
        #expect(check(after, "trailer-coverage")?["status"] as? String == "pass")
        // The stranded hook is still dead code, and doctor still says so.
        #expect(check(after, "hooks-ignored")?["status"] as? String == "fail")
    }

    @Test func hooksDirectoryResolution() throws {
        let r = try HookedRepository()
        func hooksCheck() throws -> [String: Any] {
            let json = try jsonObject(try r.failmix(["doctor", "--format", "json"]).stdout)
            return check(json, "hooks-directory")!
        }
        #expect(try hooksCheck()["message"] as? String == "git runs hooks from \(r.repo.path)/.git/hooks (no core.hooksPath)")
        // Relative to the working tree root, and missing.
        try r.git(["config", "core.hooksPath", "tools/hooks"])
        var c = try hooksCheck()
        #expect(c["status"] as? String == "warn" && (c["message"] as? String)?.contains("\(r.repo.path)/tools/hooks (core.hooksPath in the local config), which does not exist") == true)
        // A worktree's own configuration wins over the repository's.
        try r.git(["config", "extensions.worktreeConfig", "true"])
        try r.git(["config", "--worktree", "core.hooksPath", r.home.path])
        c = try hooksCheck()
        #expect(c["status"] as? String == "pass" && (c["message"] as? String)?.contains("core.hooksPath in the worktree config") == true)
        try r.git(["config", "--worktree", "--unset", "core.hooksPath"])
        // /dev/null switches hooks off.
        try r.git(["config", "--global", "core.hooksPath", "/dev/null"])
        try r.git(["config", "--unset", "core.hooksPath"])
        c = try hooksCheck()
        #expect(c["status"] as? String == "fail" && (c["message"] as? String)?.contains("/dev/null (core.hooksPath in the global config)") == true)
        // `hook install` follows the worktree config too.
        try r.git(["config", "--global", "--unset", "core.hooksPath"])
        try r.git(["config", "--worktree", "core.hooksPath", "wt-hooks"])
        let install = try r.failmix(["hook", "install", "prepare-commit-msg"])
        #expect(install.stdout.contains(r.repo.path + "/wt-hooks/prepare-commit-msg"), "\(install.stdout)\(install.stderr)")
    }

    @Test func everyCheckHasAStatusAndFailuresAFix() throws {
        let r = try HookedRepository()
        try r.git(["commit", "-q", "--allow-empty", "-m", "first"])
        let records = writeRecords(r.home, ids: Array(ids.prefix(3)), t0: t0)
        try (String(contentsOfFile: records, encoding: .utf8) + "{not json\n").write(toFile: records, atomically: true, encoding: .utf8)
        try r.git(["remote", "add", "origin", "https://example.org/x.git"])
        try "[doctor]\nmax_silence = 60\n".write(toFile: r.repo.path + "/.failmix.toml", atomically: true, encoding: .utf8)
        let result = try r.failmix(["doctor", "--records", records, "--format", "json"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let json = try jsonObject(result.stdout)
        let checks = json["checks"] as! [[String: Any]]
        let names = checks.map { $0["name"] as! String }
        #expect(names == ["config", "hooks-directory", "hooks-installed", "hooks-ignored", "stamping-hook", "trailer-coverage",
                          "records", "record-times", "records-arriving", "shallow-clone", "ci-notes", "notes-refspec",
                          "agent-authors", "state", "pause"])
        for c in checks where c["status"] as? String != "pass" { #expect(c["fix"] is String, "\(c)") }
        #expect((check(json, "records")?["message"] as? String)?.contains("1 malformed line(s), first at line 4") == true)
        #expect((check(json, "records-arriving")?["message"] as? String)?.contains("[doctor] max_silence") == true)
        #expect((check(json, "notes-refspec")?["fix"] as? String) == "`git config --add remote.origin.fetch '+refs/notes/ci:refs/notes/ci'`")
        #expect(check(json, "ci-notes")?["status"] as? String == "warn")

        // An invalid configuration fails the config check; the rest still run.
        try "[gate]\non_eror = \"open\"\n".write(toFile: r.repo.path + "/.failmix.toml", atomically: true, encoding: .utf8)
        let invalid = try r.failmix(["doctor", "--records", records])
        #expect(invalid.status == 1 && invalid.stdout.contains("FAIL  config") && invalid.stdout.contains("did you mean 'on_error'"))
        // Outside a repository doctor cannot run.
        let nowhere = try failmix(["doctor"], cwd: r.home.path, environment: r.environment)
        #expect(nowhere.status == 2 && nowhere.stderr.contains("doctor could not run"))
    }

    /// Doctor reads its tail with the records reader: a line is malformed
    /// for doctor exactly when `failmix report` says so, with the same
    /// message (a trailing comma is not JSON, though Foundation's decoder
    /// takes it), and a half-written last line is neither.
    @Test func malformedLinesAreTheRecordReadersOwn() throws {
        let r = try HookedRepository()
        try r.git(["commit", "-q", "--allow-empty", "-m", "first"])
        let records = writeRecords(r.home, ids: Array(ids.prefix(2)), t0: t0)
        let text = try String(contentsOfFile: records, encoding: .utf8)
            + "{\"session_id\": \"bbbb0001\", \"timestamp\": \"2026-05-28T22:00:00Z\",}\n" + "{\"session_id\": \"bb"
        try text.write(toFile: records, atomically: true, encoding: .utf8)
        let doctor = try jsonObject(try r.failmix(["doctor", "--records", records, "--format", "json"]).stdout)
        let report = try jsonObject(try r.failmix(["report", "--records", records, "--format", "json"]).stdout)
        let malformed = try #require(((report["records"] as? [String: Any])?["malformed"] as? [[String: Any]])?.first)
        #expect(malformed["line"] as? Int == 3)
        let message = try #require(check(doctor, "records")?["message"] as? String)
        #expect(message.contains("(3 lines): 1 malformed line(s), first at line 3: \(malformed["error"] as! String)"), "\(message)")
        #expect((check(doctor, "record-times")?["message"] as? String) == "100% of the newest records have a start_time")
    }

    @Test func bulkImportedRecordsAreNamed() throws {
        guard let shared = Paths.shared else { return }
        let r = try HookedRepository()
        let result = try r.failmix(["doctor", "--records", shared + "/data/real/skogbackup-claude-session-records.jsonl", "--format", "json"])
        let times = check(try jsonObject(result.stdout), "record-times")
        #expect(times?["status"] as? String == "warn" && (times?["message"] as? String)?.contains("bulk import") == true)
    }
}

/// The attribution mix as Prometheus series, checked by the real promtool.
@Suite struct AttributionMetricsTests {
    @Test func commitsByMethodAndTrailerCoverage() throws {
        let repo = try TestRepository()
        let t0: Int64 = 1_780_000_000
        try repo.commit("stamped\n\nGit-Session-Id: aaaa0001\n", at: t0 + 100, author: TestRepository.agent)
        try repo.commit("by time", at: t0 + 200, author: TestRepository.agent)
        let dir = TempDir("prom-git")
        let records = dir.write("r.jsonl", """
            {"session_id": "aaaa0001", "start_time": "2026-05-28T20:26:40Z", "end_time": "2026-05-28T21:26:40Z", "outcome": "productive"}

            """)
        let result = try failmix(["report", "--records", records, "--repo", repo.path, "--agent-author", "bob@*", "--format", "prometheus"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("failmix_commits{method=\"trailer\",window=\"100\"} 1"))
        #expect(result.stdout.contains("failmix_commits{method=\"window\",window=\"100\"} 1"))
        #expect(result.stdout.contains("failmix_trailer_coverage_ratio{window=\"30\"} 0.5"))
        if let promtoolPath {
            let lint = try run(promtoolPath, ["check", "metrics"], stdin: result.stdout)
            #expect(lint.status == 0, "\(lint.stdout)\(lint.stderr)")
        }
        // The same mix in Markdown and in the HTML dashboard.
        let markdown = try failmix(["report", "--records", records, "--repo", repo.path, "--agent-author", "bob@*", "--format", "markdown"])
        #expect(markdown.stdout.contains("| trailer | 1 | 1 |") && markdown.stdout.contains("| **trailer coverage** | 50.0% of 2 | 50.0% of 2 |"))
        let html = try failmix(["report", "--records", records, "--repo", repo.path, "--agent-author", "bob@*", "--format", "html"])
        #expect(html.stdout.contains("<tr><th scope=\"row\">trailer coverage</th><td>50.0% of 2</td><td>50.0% of 2</td></tr>"))
    }
}
