import Foundation
import Testing
@testable import FailmixKit

/// `failmix gate` and its hooks as an agent's run loop and git run them.
@Suite struct GateCommandTests {
    /// `count` records, one an hour; `modes(i)` gives session i's fields.
    static func records(_ count: Int, _ fields: (Int) -> String) -> [String] {
        (0..<count).map { i in
            #"{"session_id": "s\#(i)", "timestamp": "2026-02-\#(String(format: "%02d", 1 + i / 24))T\#(String(format: "%02d", i % 24)):00:00Z", "outcome": "productive"\#(fields(i))}"#
        }
    }

    func gate(_ ws: Workspace, _ extra: [String] = []) throws -> ProcessResult {
        try failmix(["gate", "--hook", "pre-session", "--agent-author", "nobody@example.org"] + extra, cwd: ws.repo)
    }

    @Test func eachDefaultRuleAndTheExitContract() throws {
        // Below every rule: pass.
        var ws = try Workspace()
        ws.writeRecords(Self.records(30) { _ in "" })
        var r = try gate(ws)
        #expect(r.status == 0 && r.stdout.hasPrefix("failmix gate: PASS"), "\(r.stdout)\(r.stderr)")

        // noop at 20% > 15%: a warning only (exit 0), --strict fails, --warn-only never does.
        ws = try Workspace()
        ws.writeRecords(Self.records(30) { $0 % 5 == 0 ? #", "outcome": "noop""# : "" })
        r = try gate(ws)
        #expect(r.status == 0 && r.stdout.contains("warn: noop-rate: noop 6/30 = 20.0%"), "\(r.stdout)")
        #expect(try gate(ws, ["--strict"]).status == 1)

        // Failure rate 93% > 90%: fail.
        ws = try Workspace()
        ws.writeRecords(Self.records(30) { $0 < 28 ? #", "intent_category_matched": false"# : "" })
        r = try gate(ws)
        #expect(r.status == 1 && r.stdout.contains("fail: failure-rate: any 28/30 = 93.3%"), "\(r.stdout)")
        #expect(try gate(ws, ["--warn-only"]).status == 0)

        // Abandoned loops above 40% for 12 consecutive sessions: fail.
        ws = try Workspace()
        ws.writeRecords(Self.records(45) { $0 >= 20 ? (#", "loop_status": "open""# + ($0 % 2 == 0 ? #", "outcome": "noop""# : "")) : "" })
        r = try gate(ws, ["--config", ws.dir.write("only-loops.toml", "[[rules]]\nname = \"loops\"\nmode = \"abandoned_loop\"\nwindow = 30\nfail = 0.4\nstreak = 12\n")])
        #expect(r.status == 1 && r.stdout.contains("streak 12/12"), "\(r.stdout)")

        // CI breaks: 4 in the last 30 fail.
        ws = try Workspace()
        ws.writeRecords(Self.records(30) { $0 % 7 == 0 ? #", "grade_reasons": {"harm": "ci_break: red"}"# : "" })
        r = try gate(ws)
        #expect(r.status == 1 && r.stdout.contains("ci-breaks: ci_break 5/30"), "\(r.stdout)")
    }

    @Test func brokenConfigExitsTwoNamingTheLine() throws {
        let ws = try Workspace()
        ws.writeRecords(Self.records(5) { _ in "" })
        ws.dir.write("repo/.failmix.toml", "[gate]\non_error = \"closed\"\n\n[[rules]]\nmode = \"noop\"\nwarn = 2.0\n")
        let r = try gate(ws)
        #expect(r.status == 2)
        #expect(r.stderr.contains(".failmix.toml:6: key 'rules[0].warn': a rate must be between 0 and 1"), "\(r.stderr)")
        let check = try failmix(["config", "check"], cwd: ws.repo)
        #expect(check.status == 2)
        ws.dir.write("repo/.failmix.toml", Configuration.initTemplate)
        #expect(try failmix(["config", "check"], cwd: ws.repo).status == 0)
    }

    @Test func noRecordsYetPasses() throws {
        let ws = try Workspace()
        let r = try failmix(["gate"], cwd: ws.repo, environment: ["HOME": ws.dir.path, "PATH": "/usr/bin:/bin"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("no sessions yet"))
    }

    /// 600 sessions: more than the gate's cache keeps, so the probe must be
    /// counted against the whole store, not the newest sessions it holds.
    @Test(arguments: [30, 600])
    func pausedStaysPausedAndResumeLetsOneSessionThrough(count: Int) throws {
        let ws = try Workspace()
        let all = Self.records(count + 2) { $0 < count - 1 || $0 == count + 1 ? #", "outcome": "failed""# : "" }
        var lines = Array(all[..<count])
        ws.writeRecords(lines)
        #expect(try gate(ws).status == 1)
        // A healthy session arrives, but 28/30 is not below the clear level (80%).
        lines.append(all[count])
        ws.writeRecords(lines)
        var r = try gate(ws)
        #expect(r.status == 1 && r.stdout.contains("paused since"), "\(r.stdout)")
        let status = try failmix(["status"], cwd: ws.repo)
        #expect(status.stdout.hasPrefix("paused since") && status.stdout.contains("failure-rate"))
        #expect(try failmix(["resume", "--probe", "1"], cwd: ws.repo).status == 0)
        r = try gate(ws)
        #expect(r.status == 0 && r.stdout.contains("probe session 1 of 1"), "\(r.stdout)")  // the probe session may start
        lines.append(all[count + 1])
        ws.writeRecords(lines)
        r = try gate(ws)
        #expect(r.status == 1, "\(r.stdout)")  // one session went through, then paused again
        #expect(try failmix(["status"], cwd: ws.repo).stdout.contains("resumed by"))
    }

    /// `resume` and `ack` count sessions through the gate's own records cache:
    /// neither rebuilds it, so the next gate before a session stays warm.
    @Test func resumeAndAckKeepTheGatesRecordsCache() throws {
        let ws = try Workspace()
        ws.writeRecords(Self.records(30) { $0 < 28 ? #", "outcome": "failed""# : "" })
        #expect(try gate(ws).status == 1)
        let cacheDirectory = ws.repo + "/.git/failmix/cache"
        func cacheFiles() throws -> [String: Int] {
            var out: [String: Int] = [:]
            for name in try FileManager.default.contentsOfDirectory(atPath: cacheDirectory) where name.hasPrefix("records-") {
                out[name] = try FileManager.default.attributesOfItem(atPath: cacheDirectory + "/" + name)[.systemFileNumber] as? Int
            }
            return out
        }
        let before = try cacheFiles()
        #expect(!before.isEmpty)
        #expect(try failmix(["resume", "--probe", "1"], cwd: ws.repo).status == 0)
        #expect(try failmix(["ack", "failure-rate", "--sessions", "5", "--reason", "known"], cwd: ws.repo).status == 0)
        #expect(try cacheFiles() == before)
    }

    /// The gates mostly wait for each other's lock: async, so the waiting
    /// holds no thread of the cooperative pool.
    @Test func racingGatesKeepTheStateReadable() async throws {
        let ws = try Workspace()
        ws.writeRecords(Self.records(30) { $0 < 28 ? #", "outcome": "failed""# : "" })
        let statuses = LockedArray<Int32>()
        try await offPool { [self] in
            let group = DispatchGroup()
            for _ in 0..<6 {
                group.enter()
                Thread {
                    statuses.append((try? self.gate(ws).status) ?? -1)
                    group.leave()
                }.start()
            }
            group.wait()
        }
        #expect(statuses.values.allSatisfy { $0 == 1 })
        let state = try Data(contentsOf: URL(fileURLWithPath: ws.repo + "/.git/failmix/state.json"))
        #expect((try JSONSerialization.jsonObject(with: state) as? [String: Any])?["paused"] as? Bool == true)
    }

    @Test func prePushHookBlocksThenAllowsAfterResumeAndUninstallRestores() throws {
        let ws = try Workspace()
        ws.writeRecords(Self.records(30) { $0 < 28 ? #", "outcome": "failed""# : "" })
        try TestRepository.git(["init", "-q", "--bare", ws.dir.file("remote.git")], in: ws.dir.path)
        _ = try ws.git(["remote", "add", "origin", ws.dir.file("remote.git")])
        // A foreign hook in a core.hooksPath directory, which must keep running.
        let hooks = ws.dir.file("repo/my-hooks")
        let original = "#!/bin/sh\necho foreign hook ran >&2\nexit 0\n"
        ws.dir.write("repo/my-hooks/pre-push", original)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: hooks + "/pre-push")
        _ = try ws.git(["config", "core.hooksPath", "my-hooks"])
        var r = try failmix(["hook", "install", "pre-push"], cwd: ws.repo)
        #expect(r.status == 0 && r.stdout.contains("the existing hook runs first"), "\(r.stdout)\(r.stderr)")
        #expect(try failmix(["hook", "install", "pre-push"], cwd: ws.repo).stdout.contains("updated"))  // idempotent
        // An unknown hook name is a usage error, and nothing is written.
        let bogus = try failmix(["hook", "install", "bogus"], cwd: ws.repo)
        #expect(bogus.status == 2 && bogus.stderr.contains("unknown hook 'bogus'"), "\(bogus.stderr)")
        #expect(!FileManager.default.fileExists(atPath: hooks + "/bogus"))

        r = try ws.git(["push", "-q", "origin", "main"], expectFailure: true)
        #expect(r.status != 0)
        #expect(r.stderr.contains("foreign hook ran") && (r.stderr + r.stdout).contains("failmix gate: FAIL"), "\(r.stderr)|\(r.stdout)")

        let skipped = try TestRepository.run(["push", "-q", "--dry-run", "origin", "main"], in: ws.repo, environment: ["SKIP": "lint,failmix"])
        #expect(skipped.status == 0 && skipped.stderr.contains("SKIPPED"))

        #expect(try failmix(["resume"], cwd: ws.repo).status == 0)
        r = try ws.git(["push", "-q", "origin", "main"])
        #expect(r.status == 0, "\(r.stderr)")

        #expect(try failmix(["hook", "uninstall"], cwd: ws.repo).status == 0)
        #expect(try String(contentsOfFile: hooks + "/pre-push", encoding: .utf8) == original)
        #expect(!FileManager.default.fileExists(atPath: hooks + "/pre-push.failmix-orig"))
    }
}
