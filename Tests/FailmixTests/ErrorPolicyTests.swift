import Foundation
import Testing
@testable import FailmixKit

/// What a gate does when its `[gate] timeout` runs out, through the real
/// binary: a records "file" that is a FIFO with no writer blocks the read
/// until the watchdog ends the run. Each run waits out its 1 s deadline:
/// off the cooperative pool (async), so the waiting holds no test thread.
@Suite struct ErrorPolicyTests {
    @Test(arguments: [
        ("[gate]\ntimeout = 1\n", 2, "on_error = \"closed\": exit 2"),
        ("[gate]\ntimeout = 1\non_error = \"open\"\n", 0, "on_error = \"open\": letting it go"),
        // Shadow mode never stops the agent, whatever on_error says.
        ("[gate]\ntimeout = 1\nmode = \"shadow\"\n", 0, "mode = \"shadow\": letting it go"),
    ])
    func anOverrunGateFollowsItsPolicy(config: String, status: Int32, says: String) async throws {
        try await overrun(config: config, arguments: [], status: status, says: says)
    }

    /// gptme's session gate runs the session on 1 and skips it on 0: letting
    /// the agent go must say 1 there, and closed stays 2.
    @Test(arguments: [("open", Int32(1)), ("closed", Int32(2))])
    func anOverrunSpeaksTheCallersExitContract(onError: String, status: Int32) async throws {
        try await overrun(config: "[gate]\ntimeout = 1\non_error = \"\(onError)\"\n", arguments: ["--exit-contract", "gptme-session-gate"],
                    status: status, says: "on_error = \"\(onError)\"")
    }

    func overrun(config: String, arguments: [String], status: Int32, says: String) async throws {
        let ws = try Workspace()
        try FileManager.default.createDirectory(atPath: ws.dir.file("repo/state/sessions"), withIntermediateDirectories: true)
        #expect(mkfifo(ws.dir.file("repo/state/sessions/session-records.jsonl"), 0o600) == 0)
        ws.dir.write("repo/.failmix.toml", config)
        let repo = ws.repo
        let r = try await offPool { try failmixBounded(["gate"] + arguments, cwd: repo, limit: 15) }
        #expect(r.keptContract && r.status == status, "\(r.summary)")
        #expect(r.stderr.contains("timed out after 1 s while reading the records") && r.stderr.contains(says), "\(r.summary)")
    }
}
