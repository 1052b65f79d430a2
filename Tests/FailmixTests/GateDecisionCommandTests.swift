import Foundation
import Testing
@testable import FailmixKit

/// Issue #14 through the real binary on real files: half-open probes,
/// "not enough data", CUSUM rules, who counts, liveness, shadow mode, racing
/// gates during a probe, the gptme exit contract, and the backtest agreeing
/// with the gate call by call.
@Suite struct GateDecisionCommandTests {
    func gate(_ ws: Workspace, _ extra: [String] = []) throws -> ProcessResult {
        try failmix(["gate", "--hook", "pre-session", "--no-git"] + extra, cwd: ws.repo)
    }

    func config(_ ws: Workspace, _ text: String) {
        ws.dir.write("repo/.failmix.toml", text)
    }

    static let loopsWindow = """
        [[rules]]
        name = "loops"
        mode = "abandoned_loop"
        window = 20
        fail = 0.5
        """

    @Test func aProbeIsJudgedOnItselfAndOneResumeIsEnough() throws {
        let ws = try Workspace()
        config(ws, Self.loopsWindow)
        // 12 of 20 sessions are open loops: paused.
        var lines = GateCommandTests.records(20) { $0 >= 8 ? #", "loop_status": "open""# : "" }
        ws.writeRecords(lines)
        #expect(try gate(ws).status == 1)
        #expect(try failmix(["resume", "--probe", "1"], cwd: ws.repo).status == 0)
        #expect(try gate(ws).status == 0)  // the probe runs: a fixed agent, a clean session
        lines += GateCommandTests.records(21) { _ in "" }.suffix(1)
        ws.writeRecords(lines)
        var r = try gate(ws, ["--format", "json"])
        // The window still holds 12/21 open loops, but the probe is what is judged: closed, and it stays closed.
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        var json = try jsonObject(r.stdout)
        let gateJSON = json["gate"] as! [String: Any]
        #expect((gateJSON["messages"] as! [String]).contains { $0.contains("the pause closed: the 1 probe session(s) passed (loops: 0 of 1 probe session(s) had abandoned_loop") })
        lines += GateCommandTests.records(22) { _ in "" }.suffix(1)
        ws.writeRecords(lines)
        r = try gate(ws, ["--format", "json"])
        json = try jsonObject(r.stdout)
        #expect(r.status == 0 && json["decision"] as? String == "pass", "\(r.stdout)")
        // The rule restarted at the resume: too few sessions since to judge, and it says so.
        let rule = (json["rules"] as! [[String: Any]])[0]
        #expect(rule["state"] as? String == "insufficient" && (rule["reason"] as! String).contains("since the resume"))

        // A failing probe pauses again, with the probe's result in the reason.
        let again = try Workspace()
        config(again, Self.loopsWindow)
        var more = GateCommandTests.records(20) { $0 >= 8 ? #", "loop_status": "open""# : "" }
        again.writeRecords(more)
        #expect(try gate(again).status == 1)
        _ = try failmix(["resume", "--probe", "1"], cwd: again.repo)
        #expect(try gate(again).status == 0)
        more += GateCommandTests.records(21) { _ in #", "loop_status": "open""# }.suffix(1)
        again.writeRecords(more)
        r = try gate(again)
        #expect(r.status == 1 && r.stdout.contains("loops: 1 of 1 probe session(s) had abandoned_loop (fail) — failed again after the resume"), "\(r.stdout)")
        #expect(try failmix(["status"], cwd: again.repo).stdout.contains("reopened"))
    }

    @Test func notEnoughDataIsAVerdictInEveryFormat() throws {
        let ws = try Workspace()
        ws.writeRecords(GateCommandTests.records(5) { _ in #", "outcome": "failed", "loop_status": "open", "intent_category_matched": false"# })
        var r = try gate(ws)
        #expect(r.status == 0 && r.stdout.hasPrefix("failmix gate: PASS (not enough data for 6 of 6 rules)"), "\(r.stdout)")
        #expect(r.stdout.contains("abandoned-loops insufficient (5/10)") && r.stdout.contains("not enough data (5/10 sessions)"))
        let json = try jsonObject(try gate(ws, ["--format", "json"]).stdout)
        #expect(json["decision"] as? String == "pass")
        let states = (json["rules"] as! [[String: Any]]).map { $0["state"] as! String }
        #expect(states == Array(repeating: "insufficient", count: 6))
        let markdown = try gate(ws, ["--format", "markdown"]).stdout
        #expect(markdown.contains("| abandoned\\-loops | insufficient |"), "\(markdown)")
        let prometheus = try gate(ws, ["--format", "prometheus"]).stdout
        #expect(prometheus.contains(#"failmix_gate_rule_state{rule="abandoned-loops",state="insufficient"} 1"#), "\(prometheus)")
        // on_insufficient = "warn": the decision says so (exit 0; --strict fails on it).
        config(ws, "[gate]\non_insufficient = \"warn\"\n")
        r = try gate(ws)
        #expect(r.status == 0 && r.stdout.hasPrefix("failmix gate: WARN"), "\(r.stdout)")
        #expect(try gate(ws, ["--strict"]).status == 1)
    }

    @Test func aCusumRulePausesAndRestartsOnResume() throws {
        let ws = try Workspace()
        let cusum = """
            [[rules]]
            name = "loops"
            mode = "abandoned_loop"
            kind = "cusum"
            baseline = 0.27
            alarm = 0.45

            """
        let byRunLength = ws.dir.write("run-length.toml", cusum + "run_length = 2000\n")
        let show = try failmix(["config", "show", "--config", byRunLength], cwd: ws.repo).stdout
        #expect(show.contains("kind = \"cusum\"") && show.contains("h = 4.598"), "\(show)")
        // The gate runs on the h that run_length gives (stated, so the ~40
        // gate runs below don't each solve for it again in a debug build).
        config(ws, cusum + "h = 4.598\n")
        // 40 healthy-looking sessions (1 in 4 open), then every other one open.
        var lines = GateCommandTests.records(40) { $0 % 4 == 0 ? #", "loop_status": "open""# : "" }
        ws.writeRecords(lines)
        var r = try gate(ws)
        #expect(r.status == 0 && r.stdout.contains("rules: loops pass"), "\(r.stdout)")
        var paused = false
        for i in 40..<120 {
            lines += GateCommandTests.records(i + 1) { $0 % 2 == 0 || $0 % 3 == 0 ? #", "loop_status": "open""# : "" }.suffix(1)
            ws.writeRecords(lines)
            r = try gate(ws)
            if r.status == 1 { paused = true; break }
        }
        #expect(paused && r.stdout.contains("CUSUM alarm"), "\(r.stdout)")
        _ = try failmix(["resume", "--probe", "1"], cwd: ws.repo)
        #expect(try gate(ws).status == 0)
        lines += GateCommandTests.records(lines.count + 1) { _ in #", "loop_status": "open""# }.suffix(1)
        ws.writeRecords(lines)
        // One open loop after the resume cannot raise a fresh CUSUM to h: the probe passes.
        r = try gate(ws, ["--format", "json"])
        let rule = (try jsonObject(r.stdout)["rules"] as! [[String: Any]])[0]
        #expect(r.status == 0 && rule["state"] as? String == "insufficient", "\(r.stdout)")
    }

    @Test func excludedRecordsAndInfraFailuresLeaveThePopulation() throws {
        let ws = try Workspace()
        // 30 sessions: 9 auth failures, 3 monitoring runs that failed, 2 duplicates that failed.
        let lines = GateCommandTests.records(30) { i in
            if i < 9 { return #", "outcome": "failed", "failure_reason": "auth""# }
            if i < 12 { return #", "outcome": "failed", "run_type": "monitoring""# }
            if i < 14 { return #", "outcome": "failed", "duplicate_of": "s20""# }
            return ""
        }
        ws.writeRecords(lines)
        config(ws, """
            [[rules]]
            name = "failures"
            mode = "any"
            window = 30
            fail = 0.2

            [[rules]]
            name = "infra-outage"
            mode = "infra"
            window = 30
            warn_count = 3
            """)
        let r = try gate(ws)
        #expect(r.status == 0 && r.stdout.contains("infra outage: 9 of the last 25 sessions failed on infrastructure"), "\(r.stdout)")
        // 25 sessions count; the 9 infra failures are skipped by the pause rule: 0/16 failed.
        let rules = try jsonObject(try gate(ws, ["--format", "json"]).stdout)["rules"] as! [[String: Any]]
        let reason = rules[0]["reason"] as! String
        #expect(reason.contains("failures: any 0/16 = 0.0% of the last 16 sessions") && reason.contains("[9 infra failure(s) skipped]"), "\(reason)")
        let report = try jsonObject(try failmix(["report", "--no-git", "--records", ws.records, "--last", "0", "--format", "json"]).stdout)
        #expect((report["records"] as! [String: Any])["sessions"] as? Int == 25 && report["excluded"] as? Int == 5)
        // Keep them: the population is the whole store again.
        config(ws, "[records]\nexclude = []\nexclude_duplicates = false\n")
        let all = try jsonObject(try failmix(["report", "--no-git", "--records", ws.records, "--last", "0", "--format", "json"], cwd: ws.repo).stdout)
        #expect((all["records"] as! [String: Any])["sessions"] as? Int == 30)
    }

    @Test func livenessSilenceAndADarkLane() throws {
        let ws = try Workspace()
        ws.writeRecords(GateCommandTests.records(30) { $0 >= 20 ? #", "outcome": "failed""# : "" })
        config(ws, """
            [[rules]]
            name = "silence"
            mode = "any"
            kind = "silence"
            max_silence = "6h"
            """)
        let r = try gate(ws, ["--format", "json"])
        let json = try jsonObject(r.stdout)
        let live = json["last_session"] as! [String: Any]
        #expect(live["session_id"] as? String == "s29" && (live["age_seconds"] as! Double) > 86_400 * 30)
        let rule = (json["rules"] as! [[String: Any]])[0]
        #expect(r.status == 0 && rule["state"] as? String == "warn" && (rule["reason"] as! String).contains("records stopped arriving"), "\(r.stdout)")
        #expect(((json["gate"] as! [String: Any])["messages"] as! [String]).contains { $0.hasPrefix("dark lane: each of the last 10 sessions ended in an exit failure") })
        let prometheus = try failmix(["report", "--no-git", "--records", ws.records, "--format", "prometheus"]).stdout
        #expect(prometheus.contains("failmix_last_session_timestamp_seconds 1770008400"), "\(prometheus)")
    }

    @Test func shadowModeNeverStopsTheAgentAndKeepsItsOwnState() throws {
        let ws = try Workspace()
        ws.writeRecords(GateCommandTests.records(30) { _ in #", "outcome": "failed""# })
        config(ws, "[gate]\nmode = \"shadow\"\n")
        let r = try gate(ws)
        #expect(r.status == 0 && r.stdout.hasPrefix("failmix gate: FAIL (shadow mode"), "\(r.stdout)")
        #expect(r.stderr.contains("shadow mode: the gate would have stopped this session"))
        let journal = try String(contentsOfFile: ws.repo + "/.git/failmix/shadow/journal.jsonl", encoding: .utf8)
        #expect(journal.contains("\"event\":\"paused\""))
        #expect(!FileManager.default.fileExists(atPath: ws.repo + "/.git/failmix/state.json"))
        #expect(try gate(ws, ["--exit-contract", "gptme-session-gate"]).status == 1)  // run
    }

    @Test func theGptmeSessionGateContract() throws {
        let ws = try Workspace()
        ws.writeRecords(GateCommandTests.records(30) { _ in "" })
        #expect(try gate(ws, ["--exit-contract", "gptme-session-gate"]).status == 1)  // run
        ws.writeRecords(GateCommandTests.records(30) { _ in #", "outcome": "failed""# })
        #expect(try gate(ws, ["--exit-contract", "gptme-session-gate"]).status == 0)  // skip
        config(ws, "[gate]\non_error = 2\n")
        #expect(try gate(ws, ["--exit-contract", "gptme-session-gate"]).status == 2)  // error
    }

    /// 20 gates started at once while `resume --probe 1` is in effect: the
    /// probe is counted under the state's lock, so exactly one session runs.
    @Test func twentyRacingGatesLetExactlyOneProbeThrough() throws {
        let ws = try Workspace()
        ws.writeRecords(GateCommandTests.records(30) { _ in #", "outcome": "failed""# })
        #expect(try gate(ws).status == 1)
        #expect(try failmix(["resume", "--probe", "1"], cwd: ws.repo).status == 0)
        // Every process is started before any is waited for.
        var env = ProcessInfo.processInfo.environment
        env["NO_COLOR"] = "1"
        let processes = try (0..<20).map { _ -> Process in
            let p = Process()
            p.executableURL = URL(fileURLWithPath: Paths.failmix)
            p.arguments = ["gate", "--hook", "pre-session", "--no-git"]
            p.currentDirectoryURL = URL(fileURLWithPath: ws.repo)
            p.environment = env
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            return p
        }
        let statuses = LockedArray<Int32>()
        for p in processes {
            p.waitUntilExit()
            statuses.append(p.terminationStatus)
        }
        #expect(statuses.values.filter { $0 == 0 }.count == 1, "\(statuses.values)")
        #expect(statuses.values.filter { $0 == 1 }.count == 19)
    }

    /// The backtest replays the gate: running the real gate after each
    /// appended record gives the same decision and rule states, call by call.
    @Test func theBacktestAgreesWithTheGateCallByCall() throws {
        let ws = try Workspace()
        config(ws, """
            [[rules]]
            name = "loops"
            mode = "abandoned_loop"
            kind = "cusum"
            baseline = 0.27
            alarm = 0.5
            h = 2.5
            window = 60

            [[rules]]
            name = "failures"
            mode = "any"
            window = 10
            warn = 0.5
            fail = 0.8
            streak = 2

            [[rules]]
            name = "infra-outage"
            mode = "infra"
            window = 10
            warn_count = 2
            """)
        // A fixed stream, so a failure replays; FAILMIX_TEST_SEED tries others.
        let seed = ProcessInfo.processInfo.environment["FAILMIX_TEST_SEED"].flatMap { UInt64($0) } ?? 11
        var rng = SplitMix64(seed: seed)
        let all = GateCommandTests.records(70) { i in
            let p = i < 25 ? 0.2 : i < 45 ? 0.7 : 0.2
            var fields = rng.nextDouble() < p ? #", "loop_status": "open""# : ""
            if rng.nextDouble() < (i < 40 ? 0.3 : 0.9) { fields += #", "intent_category_matched": false"# }
            if (30..<34).contains(i) { fields += #", "failure_reason": "rate_limit""# }
            return fields
        }
        ws.writeRecords(all)
        let backtest = try jsonObject(try failmix(["backtest", "--records", ws.records, "--format", "json", "--calls"], cwd: ws.repo).stdout)
        let calls = ((backtest["policies"] as! [[String: Any]])[0]["calls_detail"] as! [[String: Any]])
        #expect(calls.count == 70)
        var disagreements: [String] = []
        for i in 1..<70 {
            ws.writeRecords(Array(all[..<i]))
            let r = try gate(ws, ["--format", "json"])
            let json = try jsonObject(r.stdout)
            let gateJSON = json["gate"] as! [String: Any]
            let real = [gateJSON["decision"] as! String] + (json["rules"] as! [[String: Any]]).map { $0["state"] as! String }
            let replay = [calls[i]["decision"] as! String] + (calls[i]["rules"] as! [String])
            if real != replay { disagreements.append("call \(i) (seed \(seed)): gate \(real), backtest \(replay)") }
        }
        #expect(disagreements.isEmpty, "\(disagreements)")
        let summary = try failmix(["backtest", "--records", ws.records], cwd: ws.repo).stdout
        #expect(summary.contains("loops:") && summary.contains("alarm onset(s)"), "\(summary)")
    }
}
