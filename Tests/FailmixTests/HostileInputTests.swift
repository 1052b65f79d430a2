import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import FailmixKit

/// Issue #11's reproductions, each through the real `failmix` binary: hostile
/// records, configurations, caches, state, repositories and APIs must never
/// make a hook crash, hang, leak or lie. Every run is bounded, and a run that
/// ends by a signal or past its limit fails the test rather than hanging it.
@Suite struct HostileInputTests {
    static let hour = #""timestamp": "2026-01-01T01:00:00Z""#

    /// A workspace (a git repository with one commit) whose records are `lines`.
    func workspace(_ lines: [String]) throws -> Workspace {
        let ws = try Workspace()
        ws.writeRecords(lines)
        return ws
    }

    func healthy(_ count: Int, from first: Int = 0) -> [String] {
        (first..<first + count).map { i in
            #"{"session_id": "ok\#(i)", "timestamp": "2026-01-0\#(1 + i / 24)T\#(String(format: "%02d", i % 24)):30:00Z", "duration_seconds": 600, "outcome": "productive"}"#
        }
    }

    // MARK: 1. time arithmetic

    @Test(arguments: [
        #"{"session_id": "a", "timestamp": "2026-01-01T00:00:00Z", "duration_seconds": 1e19}"#,
        #"{"session_id": "a", "timestamp": "2026-01-01T00:00:00Z", "duration_seconds": 1e12}"#,
        #"{"session_id": "a", "timestamp": "2026-01-01T00:00:00Z", "duration_seconds": 1.7976931348623157e308}"#,
        #"{"session_id": "a", "timestamp": "0000-01-01T00:00:00Z", "duration_seconds": 60}"#,
        #"{"session_id": "a", "timestamp": "9999-12-31T23:59:59Z", "duration_seconds": 60}"#,
        #"{"session_id": "a", "timestamp": "9999-12-31T23:59:59Z", "duration_seconds": 60}"#.replacingOccurrences(of: "\"timestamp\"", with: "\"start_time\""),
        #"{"session_id": "a", "start_time": "0000-01-01T00:00:00-23:59", "end_time": "9999-12-31T24:00:00+23:59"}"#,
        #"{"session_id": "a", "timestamp": "2026-01-01T00:00:00Z", "duration_seconds": -9223372036854775808}"#,
    ])
    func outOfRangeTimesNeverTrapAndTheRecordStaysCounted(record: String) throws {
        let ws = try workspace([record] + healthy(3))
        // Every other renderer in one run (text on standard output, the rest
        // to files): a trap in any of them still ends that run by a signal.
        let files = ["sarif", "markdown", "junit", "prometheus", "codequality", "github"].map { ($0, ws.dir.file("report.\($0)")) }
        for args in [["report", "--format", "json", "--no-git", "--last", "0"], ["report", "--format", "json", "--last", "0"],
                     ["report"] + files.flatMap { ["--output", "\($0.0)=\($0.1)"] }, ["gate"], ["explain", "a"], ["status"]]
        {
            let r = try failmixBounded(args, cwd: ws.repo)
            #expect(r.keptContract, "\(args): \(r.summary)")
            if args.contains("json"), r.status == 0 {
                let json = try jsonObject(r.stdout)
                let records = json["records"] as? [String: Any]
                #expect(records?["sessions"] as? Int == 4, "\(args) \(r.stdout.prefix(300))")
            }
            if args.contains("--output"), r.status == 0 {
                let missing = files.filter { !FileManager.default.fileExists(atPath: $0.1) }.map(\.0)
                #expect(missing.isEmpty, "not rendered: \(missing)")
            }
        }
    }

    /// An out-of-range window is untimed, with the reason listed for its line.
    @Test func outOfRangeTimeIsUntimedWithAReason() throws {
        let ws = try workspace([#"{"session_id": "a", "timestamp": "2026-01-01T00:00:00Z", "duration_seconds": 1e19}"#] + healthy(2))
        let r = try failmixBounded(["report", "--format", "json", "--no-git", "--last", "0"], cwd: ws.repo)
        #expect(r.keptContract && r.status == 0, "\(r.summary)")
        let records = try jsonObject(r.stdout)["records"] as? [String: Any] ?? [:]
        #expect(records["untimed"] as? Int == 1)
        let warnings = records["field_warnings"] as? [[String: Any]] ?? []
        #expect(warnings.contains { $0["line"] as? Int == 1 && ($0["warning"] as? String ?? "").contains("duration_seconds") }, "\(records)")
    }

    @Test func hugeWindowSlackIsRejectedOrSaturatedNeverATrap() throws {
        let ws = try workspace(healthy(5))
        for args in [["report", "--window-slack", "1e300"], ["gate", "--window-slack", "1e300"], ["report", "--window-slack", "inf"],
                     ["explain", "ok1", "--window-slack", "1e300"]]
        {
            let r = try failmixBounded(args + ["--agent-author", "bob@*"], cwd: ws.repo)
            #expect(r.keptContract, "\(args): \(r.summary)")
        }
        ws.dir.write("repo/.failmix.toml", "[git]\nwindow_slack = 1e300\n")
        let check = try failmixBounded(["config", "check"], cwd: ws.repo)
        #expect(check.status == 2 && check.stderr.contains(".failmix.toml:2: key 'git.window_slack'"), "\(check.summary)")
        let gate = try failmixBounded(["gate"], cwd: ws.repo)
        #expect(gate.keptContract && gate.status == 2, "\(gate.summary)")
    }

    // MARK: 2. config values that pass the check, then crash the gate

    @Test(arguments: [
        ("window = 9223372036854775807\nfail = 0.5\n", "window"),
        ("window = 30\nfail_count = 9223372036854775807\n", "fail_count"),
        ("window = 30\nfail = 0.5\nstreak = 9223372036854775807\n", "streak"),
        ("window = 30\nfail = 0.5\nmin_sessions = 9223372036854775807\n", "min_sessions"),
        ("window = 9223372036854775807\nfail_count = 9223372036854775807\n", "window"),
        ("window = 30\nfail = 0.5\nclear = 1e308\n", "clear"),
    ])
    func outOfRangeRuleValuesAreConfigErrors(body: String, key: String) throws {
        let ws = try workspace(healthy(40))
        ws.dir.write("repo/.failmix.toml", "[[rules]]\nname = \"r\"\nmode = \"noop\"\n" + body)
        let check = try failmixBounded(["config", "check"], cwd: ws.repo)
        #expect(check.status == 2 && check.stderr.contains(".failmix.toml:") && check.stderr.contains("key 'rules[0].\(key)'"), "\(check.summary)")
        for args in [["gate"], ["report"], ["ack", "r", "--sessions", "9223372036854775807", "--reason", "x"]] {
            let r = try failmixBounded(args, cwd: ws.repo)
            #expect(r.keptContract && r.status == 2, "\(args): \(r.summary)")
        }
        // `status` reads only the state, not the policy.
        #expect(try failmixBounded(["status"], cwd: ws.repo).keptContract)
    }

    @Test func extremeCommandLineCountsNeverTrap() throws {
        let ws = try workspace(healthy(40))
        for args in [["report", "--last", "9223372036854775807"], ["report", "--last", "-9223372036854775808"],
                     ["resume", "--probe", "9223372036854775807"], ["ack", "failure-rate", "--sessions", "9223372036854775807", "--reason", "x"],
                     ["gate"], ["status"], ["ack", "failure-rate", "--until", "9999-12-31T23:59:59Z", "--reason", "x"], ["gate"], ["status"]]
        {
            let r = try failmixBounded(args, cwd: ws.repo)
            #expect(r.keptContract, "\(args): \(r.summary)")
        }
    }

    // MARK: 3. damaged cache and state

    func cachedWorkspace() throws -> (Workspace, cache: String) {
        let ws = try workspace(healthy(40))
        let first = try failmixBounded(["gate"], cwd: ws.repo)
        #expect(first.status == 0, "\(first.summary)")
        let dir = ws.repo + "/.git/failmix/cache"
        let name = try FileManager.default.contentsOfDirectory(atPath: dir).first { $0.hasPrefix("records-") && $0.hasSuffix(".cache") }
        return (ws, dir + "/" + (name ?? "missing"))
    }

    func patch(_ path: String, at offset: Int, _ bytes: [UInt8]) throws {
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        try handle.seek(toOffset: UInt64(offset))
        try handle.write(contentsOf: Data(bytes))
        try handle.close()
    }

    @Test func damagedKeepFieldDiscardsTheCache() throws {
        let (ws, cache) = try cachedWorkspace()
        let data = try Data(contentsOf: URL(fileURLWithPath: cache))
        // magic, u32 version, u32-prefixed fingerprint, then the u64 `keep`.
        let magic = "failmix-records-cache\n".utf8.count
        let fingerprintLength = Int(data[magic + 4]) | Int(data[magic + 5]) << 8 | Int(data[magic + 6]) << 16 | Int(data[magic + 7]) << 24
        try patch(cache, at: magic + 8 + fingerprintLength, [UInt8](repeating: 0xFF, count: 8))
        let r = try failmixBounded(["gate"], cwd: ws.repo)
        #expect(r.keptContract && r.status == 0 && r.stdout.contains("PASS"), "\(r.summary)")
    }

    @Test func damagedIDCountDiscardsTheCache() throws {
        let (ws, cache) = try cachedWorkspace()
        try patch(cache + ".ids", at: 24, [0xF0] + [UInt8](repeating: 0xFF, count: 7))
        var lines = healthy(41)
        ws.writeRecords(lines)
        var r = try failmixBounded(["gate"], cwd: ws.repo)
        #expect(r.keptContract && r.status == 0, "\(r.summary)")
        lines = healthy(42)
        ws.writeRecords(lines)
        r = try failmixBounded(["report", "--format", "json", "--last", "0"], cwd: ws.repo)
        #expect(r.keptContract && r.status == 0, "\(r.summary)")
    }

    /// Random bit flips anywhere in the cache files: each is a cold read or a
    /// correct warm one, never a crash, and the verdict doesn't change.
    @Test func bitFlippedCachesAreDiscardedNotTrusted() throws {
        let (ws, cache) = try cachedWorkspace()
        let pristine = try Data(contentsOf: URL(fileURLWithPath: cache))
        let pristineIDs = try Data(contentsOf: URL(fileURLWithPath: cache + ".ids"))
        var rng = SplitMix64(seed: 11)
        for round in 0..<60 {
            var bytes = [UInt8](pristine), ids = [UInt8](pristineIDs)
            for _ in 0..<3 {
                if rng.next() % 4 == 0 {
                    let i = Int(rng.next() % UInt64(ids.count))
                    ids[i] ^= 1 << UInt8(rng.next() % 8)
                } else {
                    let i = Int(rng.next() % UInt64(bytes.count))
                    bytes[i] ^= 1 << UInt8(rng.next() % 8)
                }
            }
            try Data(bytes).write(to: URL(fileURLWithPath: cache))
            try Data(ids).write(to: URL(fileURLWithPath: cache + ".ids"))
            if round % 2 == 1 { ws.writeRecords(healthy(40 + round / 2)) }  // an append: the ids are read too
            let r = try failmixBounded(["gate"], cwd: ws.repo)
            #expect(r.keptContract && r.status == 0, "round \(round): \(r.summary)")
            if !r.keptContract { break }
        }
    }

    @Test(arguments: ["-9223372036854775808", "9223372036854775807", "1e300", "\"x\""])
    func damagedStateIsResetWithAWarning(startSessions: String) throws {
        let ws = try workspace(healthy(40))
        ws.dir.write("repo/.git/failmix/state.json", #"""
            {"acks": [{"rule": "failure-rate", "sessions": 9223372036854775807, "startSessions": \#(startSessions),
                       "reason": "x", "by": "me", "at": "2026-01-01T00:00:00Z"}], "paused": true,
             "probe": {"allowed": 9223372036854775807, "afterSessions": -9223372036854775808}, "reasons": [], "rules": []}
            """#)
        for args in [["gate"], ["status"], ["resume", "--probe", "1"], ["gate"]] {
            let r = try failmixBounded(args, cwd: ws.repo)
            #expect(r.keptContract, "\(args): \(r.summary)")
        }
    }

    // MARK: 4. notes ref pointing at a blob or nothing

    @Test(arguments: ["blob", "missing", "tree"])
    func badNotesRefIsWarnedAboutNotFollowed(kind: String) throws {
        let ws = try workspace([#"{"session_id": "s1", "timestamp": "2026-01-01T01:00:00Z", "duration_seconds": 3600, "outcome": "productive"}"#])
        switch kind {
        case "blob":
            let blob = try ws.git(["hash-object", "-w", "README"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            _ = try ws.git(["update-ref", "refs/notes/ci", blob])
        case "tree":
            let tree = try ws.git(["rev-parse", "HEAD^{tree}"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            _ = try ws.git(["update-ref", "refs/notes/ci", tree])
        default:
            ws.dir.write("repo/.git/refs/notes/ci", "0123456789abcdef0123456789abcdef01234567\n")
        }
        for _ in 0..<4 {
            let r = try failmixBounded(["report", "--agent-author", "bob@*"], cwd: ws.repo)
            #expect(r.keptContract && r.status == 0, "\(r.summary)")
            #expect((r.stdout + r.stderr).contains("refs/notes/ci is not a readable notes commit"), "\(r.summary)")
            if !r.keptContract { break }
        }
    }

    // MARK: 5. a damaged loose object: an error naming it, at once

    /// libgit2 1.5.1 spins forever inflating a truncated loose object;
    /// failmix reads loose objects itself (LooseObjectReader), so the run
    /// ends at once with an error naming the object, long before the
    /// deadline (kept as the backstop), and `on_error` decides the exit.
    @Test(arguments: ["closed", "open"])
    func damagedLooseHeadObjectIsAnErrorNamingIt(onError: String) throws {
        let ws = try workspace(healthy(30))
        let head = try ws.git(["rev-parse", "HEAD"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let object = ws.repo + "/.git/objects/" + head.prefix(2) + "/" + head.dropFirst(2)
        let original = try Data(contentsOf: URL(fileURLWithPath: object))
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: object)
        ws.dir.write("repo/.failmix.toml", "[gate]\non_error = \"\(onError)\"\ntimeout = 30\n")
        var flipped = original
        flipped[flipped.count / 2] ^= 0x5A
        // Cut in the header, cut in the body, and a changed byte (zlib's checksum or data check).
        for (damage, bytes) in [("header", original.prefix(4)), ("half", original.prefix(original.count / 2)), ("flipped", flipped)] {
            try bytes.write(to: URL(fileURLWithPath: object))
            // An abbreviated id too: libgit2 resolves it through every backend's read_prefix.
            let abbreviated = ["report", "--rev", String(head.prefix(7)), "--agent-author", "bob@*"]
            for args in [["gate", "--agent-author", "bob@*"], ["report", "--agent-author", "bob@*"], abbreviated] {
                let r = try failmixBounded(args, cwd: ws.repo, limit: 40)
                #expect(r.keptContract, "\(damage) \(args): \(r.summary)")
                // Far inside the 30 s deadline: the damage is found, not waited out.
                #expect(r.seconds < 10, "\(damage) \(args): \(r.summary)")
                #expect(r.stderr.contains("object \(head) is damaged"), "\(damage) \(args): \(r.summary)")
                #expect(!r.stderr.contains("timed out"), "\(damage) \(args): \(r.summary)")
                if args[0] == "gate" {
                    #expect(r.status == (onError == "open" ? 0 : 2), "\(damage): \(r.summary)")
                } else {
                    #expect(r.status == 2, "\(damage): \(r.summary)")
                }
            }
        }
        // Intact again: the same loose object reads as before.
        try original.write(to: URL(fileURLWithPath: object))
        let r = try failmixBounded(["gate", "--agent-author", "bob@*"], cwd: ws.repo, limit: 40)
        #expect(r.keptContract && r.status != 2 && !r.stderr.contains("damaged"), "\(r.summary)")
    }

    /// A damaged note is the run's error, naming the object (not a note
    /// taken as absent), and intact again it is evidence.
    @Test func damagedLooseNoteIsAnErrorNamingIt() throws {
        let ws = try workspace([#"{"session_id": "s1", "timestamp": "2026-01-01T01:00:00Z", "duration_seconds": 3600, "outcome": "productive"}"#])
        let head = try ws.git(["rev-parse", "HEAD"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        _ = try ws.git(["notes", "--ref", "refs/notes/ci", "add", "-m", "status: failure\njob: build", head])
        let note = try ws.git(["rev-parse", "refs/notes/ci:\(head)"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let object = ws.repo + "/.git/objects/" + note.prefix(2) + "/" + note.dropFirst(2)
        let original = try Data(contentsOf: URL(fileURLWithPath: object))
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: object)
        let report = ["report", "--agent-author", "bob@*", "--format", "json", "--last", "0"]
        for (damage, bytes) in [("header", original.prefix(4)), ("half", original.prefix(original.count / 2))] {
            try bytes.write(to: URL(fileURLWithPath: object))
            let r = try failmixBounded(report, cwd: ws.repo, limit: 40)
            #expect(r.keptContract && r.status == 2, "\(damage): \(r.summary)")
            #expect(r.stderr.contains("object \(note) is damaged"), "\(damage): \(r.summary)")
        }
        try original.write(to: URL(fileURLWithPath: object))
        let r = try failmixBounded(report, cwd: ws.repo, limit: 40)
        #expect(r.status == 0 && r.stdout.contains(#""ci_note""#) && r.stdout.contains("job: build"), "\(r.summary)")
    }

    // MARK: 6. an API that pages forever

    @Test func endlessCommentPagesAreCappedWithinTheDeadline() throws {
        let ws = try workspace(healthy(30))
        let head = try ws.git(["rev-parse", "HEAD"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let page = "[" + (0..<100).map { #"{"id": \#($0), "body": "nothing here"}"# }.joined(separator: ",") + "]"
        let server = try TestHTTPServer { request, _ in
            request.path.contains("/comments") && request.method == "GET"
                ? TestHTTPServer.Response(status: 200, headers: ["Content-Type": "application/json"], body: page) : .json(201, ["id": 1])
        }
        defer { server.stop() }
        let event = ws.dir.write("event.json", #"{"pull_request": {"number": 7, "base": {"sha": "\#(head)"}, "head": {"sha": "\#(head)"}}}"#)
        var env = ProcessInfo.processInfo.environment
        env["GITHUB_ACTIONS"] = "true"
        env["GITLAB_CI"] = nil
        env["GITHUB_API_URL"] = server.url
        env["GITHUB_REPOSITORY"] = "acme/agent"
        env["GITHUB_SHA"] = head
        env["GITHUB_EVENT_PATH"] = event
        env["GITHUB_TOKEN"] = "ghs_testtoken"
        ws.dir.write("repo/.failmix.toml", "[gate]\ntimeout = 5\n")
        let r = try failmixBounded(["ci"], cwd: ws.repo, environment: env, limit: 40)
        #expect(r.keptContract && r.seconds < 15, "\(r.summary)")
        let pages = server.requests.filter { $0.path.contains("/comments") && $0.method == "GET" }.count
        // Paging is capped (100 pages of 100 is far beyond any real pull request).
        #expect(pages >= 1 && pages <= 100, "\(pages) pages: \(r.summary)")
    }

    // MARK: 7. revert parsing is linear

    /// A 4.6 MB message of revert lines: `report` must not spend seconds on it.
    @Test func hugeRevertMessageIsParsedInLinearTime() throws {
        let ws = try workspace([#"{"session_id": "s1", "timestamp": "2026-01-01T01:00:00Z", "duration_seconds": 3600, "outcome": "productive"}"#])
        let sha = String(repeating: "ab", count: 20)
        let line = "This reverts commit \(sha).\n"
        let message = "Revert everything\n\n" + String(repeating: line, count: 4_600_000 / line.utf8.count)
        ws.dir.write("message.txt", message)
        _ = try ws.git(["commit", "-q", "--allow-empty", "-F", ws.dir.file("message.txt")], date: "2026-01-01T00:40:00Z")
        let r = try failmixBounded(["report", "--agent-author", "bob@*"], cwd: ws.repo, limit: 20)
        #expect(r.keptContract && r.status == 0, "\(r.summary)")
        // Generous: the quadratic scan took 36 s; a linear one takes milliseconds.
        #expect(r.seconds < 5, "\(r.summary)")
    }

    // MARK: 8. a token echoed in an error body

    @Test(arguments: ["github", "gitlab"])
    func echoedTokenIsRedactedBeforeTruncation(provider: String) throws {
        let ws = try workspace(healthy(30))
        let head = try ws.git(["rev-parse", "HEAD"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let token = provider == "github" ? "ghp_" + String(repeating: "Zq7Xw", count: 7) + "K3m9pL2v" : "glpat-" + String(repeating: "Hr4Tn", count: 5) + "Bx2Kq9Pz1J"
        let body = String(repeating: ".", count: 162) + "Authorization: Bearer " + token + "\n"
        let server = try TestHTTPServer { _, _ in
            TestHTTPServer.Response(status: 400, headers: ["Content-Type": "text/plain"], body: body)
        }
        defer { server.stop() }
        var env = ProcessInfo.processInfo.environment
        for key in env.keys where key.hasPrefix("GITHUB_") || key.hasPrefix("GITLAB") || key.hasPrefix("CI_") { env[key] = nil }
        if provider == "github" {
            let event = ws.dir.write("event.json", #"{"pull_request": {"number": 7, "base": {"sha": "\#(head)"}, "head": {"sha": "\#(head)"}}}"#)
            env["GITHUB_ACTIONS"] = "true"
            env["GITHUB_API_URL"] = server.url
            env["GITHUB_REPOSITORY"] = "acme/agent"
            env["GITHUB_SHA"] = head
            env["GITHUB_EVENT_PATH"] = event
            env["GITHUB_TOKEN"] = token
        } else {
            env["GITLAB_CI"] = "true"
            env["CI_API_V4_URL"] = server.url
            env["CI_PROJECT_ID"] = "12"
            env["CI_COMMIT_SHA"] = head
            env["CI_MERGE_REQUEST_IID"] = "3"
            env["FAILMIX_GITLAB_TOKEN"] = token
            env["GITLAB_TOKEN"] = token
        }
        let r = try failmixBounded(["ci"], cwd: ws.repo, environment: env, limit: 60)
        #expect(r.keptContract, "\(r.summary)")
        let text = r.stdout + r.stderr
        let chars = Array(token)
        for start in 0...(chars.count - 8) {
            let piece = String(chars[start..<start + 8])
            #expect(!text.contains(piece), "leaked '\(piece)': \(r.summary)")
        }
    }

    // MARK: 9. the user's hook is never lost

    func hookRepo() throws -> (Workspace, hook: String) {
        let ws = try workspace(healthy(3))
        let hook = ws.repo + "/.git/hooks/pre-push"
        ws.dir.write("repo/.git/hooks/pre-push", "#!/bin/sh\necho user-hook-ran\nexit 0\n")
        chmod(hook, 0o755)
        return (ws, hook)
    }

    @Test func uninstallRestoresTheOriginalEvenWhenOurHookIsGone() throws {
        let (ws, hook) = try hookRepo()
        #expect(try failmixBounded(["hook", "install", "pre-push"], cwd: ws.repo).status == 0)
        try FileManager.default.removeItem(atPath: hook)
        let r = try failmixBounded(["hook", "uninstall", "pre-push"], cwd: ws.repo)
        #expect(r.keptContract, "\(r.summary)")
        #expect((try? String(contentsOfFile: hook, encoding: .utf8))?.contains("user-hook-ran") == true, "\(r.summary)")
        #expect(!FileManager.default.fileExists(atPath: hook + ".failmix-orig"))
    }

    /// A kill between install's steps used to leave only `pre-push.failmix-orig`:
    /// the next install or uninstall must put a working chain or the user's hook back.
    @Test func interruptedInstallIsRepairedByTheNextRun() throws {
        for next in ["install", "uninstall"] {
            let (ws, hook) = try hookRepo()
            try FileManager.default.moveItem(atPath: hook, toPath: hook + ".failmix-orig")  // the state a kill left
            let r = try failmixBounded(["hook", next, "pre-push"], cwd: ws.repo)
            #expect(r.keptContract && r.status == 0, "\(next): \(r.summary)")
            let run = try runBounded("/bin/sh", ["-c", "FAILMIX_SKIP=1 \"\(hook)\""], limit: 10)
            #expect(run.stdout.contains("user-hook-ran"), "\(next): \(run.summary)")
        }
    }

    /// SIGKILL at random moments of install and uninstall: at every point the
    /// user's hook, or a chain that runs it, is in place and executable.
    @Test func killedInstallsAlwaysLeaveTheUsersHookRunnable() throws {
        let (ws, hook) = try hookRepo()
        var rng = SplitMix64(seed: 9)
        for round in 0..<30 {
            let args = ["hook", round % 2 == 0 ? "install" : "uninstall", "pre-push"]
            let delay = Double(rng.next() % 6000) / 1_000_000
            _ = try failmixBounded(args, cwd: ws.repo, limit: delay)
            let executable = FileManager.default.isExecutableFile(atPath: hook)
            let run = try runBounded("/bin/sh", ["-c", "FAILMIX_SKIP=1 \"\(hook)\""], limit: 10)
            #expect(executable && run.stdout.contains("user-hook-ran"), "round \(round) after \(delay) s: \(run.summary)")
            if !run.stdout.contains("user-hook-ran") { break }
        }
    }

    // MARK: 10, 11. control characters and injection in every sink

    static let hostileID = "h1-\u{1B}]0;pwned\u{07}\u{1B}[2J\u{9B}31m\u{7F}\u{0}x"

    func controlFree(_ text: String, allowTabs: Bool = true) -> Bool {
        !text.unicodeScalars.contains { u in
            (u.value < 0x20 && u != "\n" && !(allowTabs && u == "\t")) || (0x7F...0x9F).contains(u.value)
        }
    }

    @Test func controlCharactersNeverReachAnySink() throws {
        let idJSON = "h1-\\u001b]0;pwned\\u0007\\u001b[2J\\u009b31m\\u007f\\u0000x"
        var lines = (0..<30).map { #"{"session_id": "f\#($0)", "timestamp": "2026-01-01T\#(String(format: "%02d", $0 % 24)):00:00Z", "outcome": "failed"}"# }
        lines.append(#"{"session_id": "\#(idJSON)", "timestamp": "2026-01-02T01:00:00Z", "outcome": "failed", "loop_status": "open"}"#)
        let ws = try workspace(lines)
        _ = try ws.git(["commit", "-q", "--allow-empty", "-m", "subject \u{1B}]0;pwned\u{07}\u{1B}[2J", "-m", "Git-Session-Id: \(Self.hostileID.replacingOccurrences(of: "\u{0}", with: ""))"],
                       date: "2026-01-02T00:30:00Z")
        // Each command renders every format in one run: text on standard output, the rest to files.
        let formats = ["github", "markdown", "json", "sarif", "junit", "prometheus", "codequality"]
        for command in ["report", "gate"] {
            let outputs = formats.flatMap { ["--output", "\($0)=\(ws.dir.file("\(command).\($0)"))"] }
            let r = try failmixBounded([command, "--format", "text"] + outputs + (command == "report" ? ["--agent-author", "bob@*"] : []), cwd: ws.repo)
            #expect(r.keptContract, "\(command): \(r.summary)")
            #expect(controlFree(r.stdout), "\(command) text: \(r.stdout.debugDescription.prefix(2000))")
            #expect(command == "gate" || controlFree(r.stderr), "\(command): \(r.stderr.debugDescription)")
            for format in formats {
                let text = try String(contentsOfFile: ws.dir.file("\(command).\(format)"), encoding: .utf8)
                #expect(controlFree(text), "\(command) \(format): \(text.debugDescription.prefix(2000))")
            }
        }
        let explain = try failmixBounded(["explain", "h1-"], cwd: ws.repo)
        #expect(explain.keptContract && controlFree(explain.stdout) && controlFree(explain.stderr), "\(explain.stdout.debugDescription)")
    }

    @Test func hostileNamesInThePullRequestsOwnConfigCannotInject() throws {
        var lines = healthy(30)
        lines += (0..<10).map { #"{"session_id": "x\#($0)", "timestamp": "2026-01-03T0\#($0):00:00Z", "outcome": "weird"}"# }
        let ws = try workspace(lines)
        let head = try ws.git(["rev-parse", "HEAD"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        ws.dir.write("repo/.failmix.toml", #"""
            [modes."evil\ndecision=pass\n"]
            when = [{ field = "outcome", equals = "weird" }]

            [modes."<img src=x onerror=alert(1)>"]
            when = [{ field = "outcome", equals = "weird" }]

            [[rules]]
            name = "bad\u0001rule\u001b[2J"
            mode = "<img src=x onerror=alert(1)>"
            window = 30
            fail = 0.1

            [[rules]]
            name = "other"
            mode = "evil\ndecision=pass\n"
            window = 30
            fail = 0.1
            """#)
        let check = try failmixBounded(["config", "check"], cwd: ws.repo)
        #expect(check.keptContract && controlFree(check.stdout + check.stderr), "\(check.summary)")
        guard check.status == 0 else { return }  // names refused outright: nothing can be injected
        let event = ws.dir.write("event.json", #"{"pull_request": {"number": 7, "base": {"sha": "\#(head)"}, "head": {"sha": "\#(head)"}}}"#)
        var env = ProcessInfo.processInfo.environment
        for key in env.keys where key.hasPrefix("GITHUB_") || key.hasPrefix("GITLAB") || key.hasPrefix("CI_") { env[key] = nil }
        env["GITHUB_ACTIONS"] = "true"
        env["GITHUB_REPOSITORY"] = "acme/agent"
        env["GITHUB_SHA"] = head
        env["GITHUB_EVENT_PATH"] = event
        env["GITHUB_STEP_SUMMARY"] = ws.dir.file("summary.md")
        env["GITHUB_OUTPUT"] = ws.dir.file("output.txt")
        let r = try failmixBounded(["ci"], cwd: ws.repo, environment: env)
        #expect(r.keptContract && r.status == 1, "\(r.summary)")
        // $GITHUB_OUTPUT parsed as the runner does: one decision, and it is fail.
        let outputs = (try? String(contentsOfFile: ws.dir.file("output.txt"), encoding: .utf8)) ?? ""
        var decisions: [String] = []
        var heredoc: (name: String, delimiter: String, value: [String])?
        for line in outputs.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if var open = heredoc {
                if line == open.delimiter {
                    if open.name == "decision" { decisions.append(open.value.joined(separator: "\n")) }
                    heredoc = nil
                } else {
                    open.value.append(line)
                    heredoc = open
                }
            } else if let range = line.range(of: "<<") {
                heredoc = (String(line[..<range.lowerBound]), String(line[range.upperBound...]), [])
            } else if let eq = line.firstIndex(of: "=") {
                if line[..<eq] == "decision" { decisions.append(String(line[line.index(after: eq)...])) }
            }
        }
        #expect(decisions == ["fail"], "\(outputs.debugDescription)")
        let summary = (try? String(contentsOfFile: ws.dir.file("summary.md"), encoding: .utf8)) ?? ""
        #expect(!summary.contains("<img") && controlFree(summary), "\(summary)")
        let junit = try failmixBounded(["gate", "--format", "junit"], cwd: ws.repo)
        #expect(controlFree(junit.stdout), "\(junit.stdout.debugDescription)")
        #expect(XMLParser(data: Data(junit.stdout.utf8)).parse(), "\(junit.stdout)")
        let markdown = try failmixBounded(["gate", "--format", "markdown"], cwd: ws.repo)
        #expect(!markdown.stdout.contains("<img"), "\(markdown.stdout)")
        let prometheus = try failmixBounded(["report", "--format", "prometheus"], cwd: ws.repo)
        for line in prometheus.stdout.split(separator: "\n") where !line.hasPrefix("#") {
            #expect(!line.contains("decision=pass") || line.contains("\\n"), "\(line)")
        }
        #expect(controlFree(prometheus.stdout), "\(prometheus.stdout.debugDescription)")
    }

    // MARK: 12. symlinks under .git/failmix

    @Test func symlinkedJournalIsRefusedNotWrittenThrough() throws {
        let ws = try workspace((0..<30).map { #"{"session_id": "f\#($0)", "timestamp": "2026-01-01T\#(String(format: "%02d", $0 % 24)):00:00Z", "outcome": "failed"}"# })
        let outside = ws.dir.write("outside.txt", "precious\n")
        try FileManager.default.createDirectory(atPath: ws.repo + "/.git/failmix", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: ws.repo + "/.git/failmix/journal.jsonl", withDestinationPath: outside)
        let outsideState = ws.dir.write("outside-state.json", "{}")
        try FileManager.default.createSymbolicLink(atPath: ws.repo + "/.git/failmix/state.json", withDestinationPath: outsideState)
        let r = try failmixBounded(["gate"], cwd: ws.repo)
        #expect(r.keptContract, "\(r.summary)")
        #expect(try String(contentsOfFile: outside, encoding: .utf8) == "precious\n")
        #expect(try String(contentsOfFile: outsideState, encoding: .utf8) == "{}")
        #expect(r.stderr.contains("symlink") || r.stderr.contains("symbolic link"), "\(r.summary)")
    }

    @Test func symlinkedCacheDirectoryIsRefused() throws {
        let ws = try workspace(healthy(30))
        let outside = ws.dir.file("outside")
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        ws.dir.write("outside/records-keep.cache", "mine")
        ws.dir.write("outside/other", "mine")
        try FileManager.default.createDirectory(atPath: ws.repo + "/.git/failmix", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: ws.repo + "/.git/failmix/cache", withDestinationPath: outside)
        for _ in 0..<2 {
            let r = try failmixBounded(["gate", "--agent-author", "bob@*"], cwd: ws.repo)
            #expect(r.keptContract && r.status == 0, "\(r.summary)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside).sorted() == ["other", "records-keep.cache"])
    }

    // MARK: 13. output failures

    @Test func writeFailuresAreErrorsAndLeaveThePreviousFile() throws {
        let ws = try workspace(healthy(200))
        let full = try runBounded("/bin/sh", ["-c", "exec \"$0\" report --no-git > /dev/full", Paths.failmix], cwd: ws.repo, limit: 20)
        #expect(full.keptContract && full.status == 2, "\(full.summary)")
        let gate = try runBounded("/bin/sh", ["-c", "exec \"$0\" gate > /dev/full", Paths.failmix], cwd: ws.repo, limit: 20)
        #expect(gate.keptContract && gate.status == 2, "\(gate.summary)")
        let out = ws.dir.write("out.json", "{\"previous\": true}\n")
        // A 700-byte file-size limit (SIGXFSZ ignored, as a shell's ulimit leaves it).
        let limiter = ["python3", "-c",
                       "import os,sys,signal,resource; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); resource.setrlimit(resource.RLIMIT_FSIZE,(700,700)); os.execv(sys.argv[1], sys.argv[1:])"]
        let limited = try failmixBounded(["report", "--no-git", "--last", "0", "--format", "json", "--output", out], cwd: ws.repo, preExec: limiter)
        #expect(limited.keptContract && limited.status == 2, "\(limited.summary)")
        #expect(try String(contentsOfFile: out, encoding: .utf8) == "{\"previous\": true}\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: ws.dir.path).filter { $0.hasPrefix("out.json") } == ["out.json"])
    }

    // MARK: 14. a NUL byte in the configuration

    @Test func nulByteInConfigIsAnError() throws {
        let ws = try workspace(healthy(3))
        ws.dir.write("repo/.failmix.toml", "# x\u{0}\n[[rules]]\nname = \"only\"\nmode = \"noop\"\nfail = 0.5\n")
        let r = try failmixBounded(["config", "check"], cwd: ws.repo)
        #expect(r.status == 2 && r.stderr.contains(".failmix.toml:1"), "\(r.summary)")
        let gate = try failmixBounded(["gate"], cwd: ws.repo)
        #expect(gate.status == 2, "\(gate.summary)")
    }

    /// Found by the config fuzz target: toml++ aborted (SIGABRT) on
    /// replacement characters in a table header. Non-ASCII stays fine in
    /// strings and comments.
    @Test func nonASCIIInATableHeaderIsAnErrorNotAnAbort() throws {
        let ws = try workspace(healthy(3))
        ws.dir.write("repo/.failmix.toml", "[[" + String(repeating: "\u{FFFD}", count: 24) + "rules]]\nname = 3\n")
        let r = try failmixBounded(["config", "check"], cwd: ws.repo)
        #expect(r.keptContract && r.status == 2 && r.stderr.contains(".failmix.toml:1:3: TOML syntax error"), "\(r.summary)")
        ws.dir.write("repo/.failmix.toml", "# café ✓\n[modes.x]\nlabel = \"naïve — ok\"\ncause = '''\nmulti ✓ line\n'''\nwhen = [{ field = \"a\", equals = \"é\" }]\n")
        let ok = try failmixBounded(["config", "check"], cwd: ws.repo)
        #expect(ok.status == 0, "\(ok.summary)")
        let gate = try failmixBounded(["gate"], cwd: ws.repo)
        #expect(gate.keptContract, "\(gate.summary)")
    }

    /// toml++ asserts (SIGABRT) on a table header that does not start with a
    /// key (`[[[` found by the config fuzzer in CI): an error at its column.
    @Test(arguments: [("[[[", 3), ("[.a]\n", 2), ("[[.]]\n", 3), ("# x\n[[ [\n", 4), ("[ \t.a]\n", 4)])
    func tableHeaderWithoutAKeyIsAnErrorNotAnAbort(header: String, column: Int) throws {
        let ws = try workspace(healthy(3))
        ws.dir.write("repo/.failmix.toml", header)
        let r = try failmixBounded(["config", "check"], cwd: ws.repo)
        let line = header.hasPrefix("#") ? 2 : 1
        #expect(r.keptContract && r.status == 2
                && r.stderr.contains(".failmix.toml:\(line):\(column): TOML syntax error: a table header must start with a key"),
                "\(r.summary)")
        // A bracket that opens a line inside a value is an array, not a header.
        ws.dir.write("repo/.failmix.toml", "[git]\nagent_authors = [\n[\"a\"],\n]\n")
        let nested = try failmixBounded(["config", "check"], cwd: ws.repo)
        #expect(nested.keptContract && !nested.stderr.contains("table header"), "\(nested.summary)")
    }

    /// toml++ asserts on a value whose brackets do not nest (`s=[}`, found
    /// by the config fuzzer): an error at the stray bracket.
    @Test(arguments: [("s=[}", 1, 4), ("x = [1,\n}\n", 2, 1), ("x = {a = [1}\n", 1, 12), ("x = [\"]\", 1]]\n", 1, 13)])
    func bracketsThatDoNotNestAreAnErrorNotAnAbort(text: String, line: Int, column: Int) throws {
        let ws = try workspace(healthy(3))
        ws.dir.write("repo/.failmix.toml", text)
        let r = try failmixBounded(["config", "check"], cwd: ws.repo)
        #expect(r.keptContract && r.status == 2 && r.stderr.contains(".failmix.toml:\(line):\(column): TOML syntax error: "),
                "\(r.summary)")
    }

    // MARK: 15. exact line numbers across chunks

    @Test func lineNumbersSurviveChunkingAfterBlankLines() throws {
        let dir = TempDir("lines")
        let blank = String(repeating: " ", count: 93) + "\n"
        var text = String(repeating: blank, count: 80_000)
        var i = 0
        while text.utf8.count < 15_000_000 {
            text += #"{"session_id": "r\#(i)", "timestamp": "2026-01-01T00:00:00Z", "outcome": "productive", "pad": "\#(String(repeating: "p", count: 60))"}"# + "\n"
            i += 1
        }
        let path = dir.write("session-records.jsonl", text)
        let r = try failmixBounded(["report", "--records", path, "--no-git", "--last", "0", "--format", "json"], limit: 120)
        #expect(r.keptContract && r.status == 0, "\(r.summary.prefix(500))")
        let sessions = try jsonObject(r.stdout)["sessions"] as? [[String: Any]] ?? []
        let first = sessions.first { $0["session_id"] as? String == "r0" }
        #expect(first?["line"] as? Int == 80_001, "\(String(describing: first))")
        let last = sessions.first { $0["session_id"] as? String == "r\(i - 1)" }
        #expect(last?["line"] as? Int == 80_000 + i, "\(String(describing: last))")
        // The same through the gate's streaming read (SARIF points at the newest record).
        let repo = TempDir("lines-repo")
        try runTool("git", ["init", "-q", repo.path])
        let sarif = try failmixBounded(["report", "--records", path, "--repo", repo.path, "--last", "0", "--format", "json", "--no-git"], limit: 120)
        #expect(sarif.keptContract)
        let explain = try failmixBounded(["explain", "r0", "--records", path, "--no-git"], limit: 120)
        #expect(explain.stdout.contains(":80001"), "\(explain.summary.prefix(800))")
    }

    // MARK: 16. one odd field never drops a record; an all-malformed store is an error

    @Test func oddFieldTypeKeepsTheRecordWithAWarning() throws {
        let ws = try workspace([
            #"{"session_id": "a", "timestamp": "2026-01-01T01:00:00Z", "grade_reasons": {"harm": ["ci_break"]}}"#,
            #"{"session_id": "b", "timestamp": "2026-01-01T02:00:00Z", "outcome": ["noop"], "loop_status": 5}"#,
            #"{"session_id": "c", "timestamp": "2026-01-01T03:00:00Z", "grades": {"productivity": "high"}}"#,
        ])
        let r = try failmixBounded(["report", "--format", "json", "--no-git", "--last", "0"], cwd: ws.repo)
        #expect(r.keptContract && r.status == 0, "\(r.summary)")
        let json = try jsonObject(r.stdout)
        let records = json["records"] as? [String: Any] ?? [:]
        #expect(records["sessions"] as? Int == 3 && records["malformed_total"] as? Int == 0, "\(records)")
        let sessions = json["sessions"] as? [[String: Any]] ?? []
        #expect(sessions.first { $0["session_id"] as? String == "a" }?["modes"] as? [String] == ["ci_break"], "\(sessions)")
        let warnings = records["field_warnings"] as? [[String: Any]] ?? []
        #expect(Set(warnings.compactMap { $0["line"] as? Int }) == [2, 3], "\(warnings)")
    }

    @Test func storeOfOnlyMalformedRecordsIsAnInputErrorForTheGate() throws {
        let ws = try workspace((0..<40).map { #"{"session_\#($0)": 1}"# })
        let closed = try failmixBounded(["gate"], cwd: ws.repo)
        #expect(closed.keptContract && closed.status == 2 && !closed.stdout.contains("no sessions yet"), "\(closed.summary)")
        ws.dir.write("repo/.failmix.toml", "[gate]\non_error = \"open\"\n")
        let open = try failmixBounded(["gate"], cwd: ws.repo)
        #expect(open.keptContract && open.status == 0 && open.stderr.contains("on_error"), "\(open.summary)")
    }

    // MARK: 17. stale temporary files

    @Test func staleTemporaryFilesAreCleaned() throws {
        let ws = try workspace(healthy(30))
        #expect(try failmixBounded(["gate"], cwd: ws.repo).status == 0)
        let dir = ws.repo + "/.git/failmix"
        // What writers killed mid-write left: Foundation's atomic temp files and ours (pid 999999 is not running).
        ws.dir.write("repo/.git/failmix/.dat.nosyncAB12", "x")
        ws.dir.write("repo/.git/failmix/state.json.tmp-999999", "x")
        ws.dir.write("repo/.git/failmix/cache/.dat.nosync9F", "x")
        ws.dir.write("repo/.git/failmix/cache/records-0.cache.tmp-999999", "x")
        let old = Date(timeIntervalSinceNow: -3600)
        for f in [".dat.nosyncAB12", "state.json.tmp-999999", "cache/.dat.nosync9F", "cache/records-0.cache.tmp-999999"] {
            try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: dir + "/" + f)
        }
        ws.writeRecords(healthy(31))
        #expect(try failmixBounded(["gate"], cwd: ws.repo).status == 0)
        let left = try FileManager.default.subpathsOfDirectory(atPath: dir).filter { $0.contains("nosync") || $0.contains(".tmp-") }
        #expect(left.isEmpty, "\(left)")
    }
}
