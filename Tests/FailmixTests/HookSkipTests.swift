import Foundation
import Testing
@testable import FailmixKit

/// Skipping one run on purpose, and what every hook does when failmix is
/// missing: one choice (refuse with exit 2, and say so), the same in
/// hooks/pre-push, hooks/pre-session and the installed hooks.
@Suite struct HookSkipTests {
    /// 30 sessions that all abandoned their loops: the gate fails.
    func failingWorkspace() throws -> Workspace {
        let ws = try Workspace()
        ws.writeRecords((0..<30).map { #"{"session_id": "l\#($0)", "timestamp": "2026-01-02T\#(String(format: "%02d", $0 % 24)):\#(String(format: "%02d", $0)):00Z", "outcome": "productive", "loop_status": "open"}"# })
        return ws
    }

    func environment(_ extra: [String: String]) -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["FAILMIX_SKIP"] = nil
        env["SKIP"] = nil
        env.merge(extra) { $1 }
        return env
    }

    @Test func theBinaryHonoursFailmixSkipAndSkipListsLoudly() throws {
        let ws = try failingWorkspace()
        #expect(try failmix(["gate"], cwd: ws.repo, environment: environment([:])).status == 1)
        for extra in [["FAILMIX_SKIP": "1"], ["SKIP": "failmix"], ["SKIP": "trailing-whitespace, failmix-gate"],
                      ["SKIP": "failmix-gate-installed"]] {
            let r = try failmix(["gate", "--hook", "pre-push"], cwd: ws.repo, environment: environment(extra))
            #expect(r.status == 0, "\(extra): \(r.stderr)")
            #expect(r.stderr.contains("*** gate SKIPPED for this pre-push") && r.stderr.contains("nothing was checked"), "\(r.stderr)")
            #expect(r.stdout.isEmpty)
        }
        // Other hooks' names, or FAILMIX_SKIP other than 1, skip nothing.
        for extra in [["SKIP": "failmixer,gate"], ["FAILMIX_SKIP": "0"]] {
            #expect(try failmix(["gate"], cwd: ws.repo, environment: environment(extra)).status == 1, "\(extra)")
        }
        // A skip is taken before the configuration is read: a broken one can't stop it.
        ws.dir.write("repo/.failmix.toml", "[[rules]]\nmode = \n")
        #expect(try failmix(["gate"], cwd: ws.repo, environment: environment(["SKIP": "failmix"])).status == 0)
    }

    /// The scripts without failmix anywhere: exit 2 and a message that says
    /// the push or session was refused — never "not gated" with a refusal.
    @Test func missingFailmixRefusesWithAMessageThatSaysSo() throws {
        let dir = TempDir("hooks")
        // A copy outside the checkout, so no .build/release beside it either.
        for hook in ["pre-push", "pre-session"] {
            try FileManager.default.createDirectory(atPath: dir.file("hooks"), withIntermediateDirectories: true)
            try? FileManager.default.removeItem(atPath: dir.file("hooks/\(hook)"))
            try FileManager.default.copyItem(atPath: "\(Paths.packageRoot)/hooks/\(hook)", toPath: dir.file("hooks/\(hook)"))
            let env = environment(["PATH": "/usr/bin:/bin"])
            let r = try run(dir.file("hooks/\(hook)"), [], cwd: dir.path, environment: env)
            #expect(r.status == 2, "\(hook): \(r.stderr)")
            let refusal = hook == "pre-push" ? "push refused (exit 2)" : "session not started (exit 2)"
            #expect(r.stderr.contains("executable not found") && r.stderr.contains(refusal), "\(r.stderr)")
            #expect(!r.stderr.contains("not gated"))
            let skipped = try run(dir.file("hooks/\(hook)"), [], cwd: dir.path, environment: environment(["PATH": "/usr/bin:/bin", "SKIP": "failmix-gate"]))
            #expect(skipped.status == 0 && skipped.stderr.contains("SKIPPED"), "\(skipped.stderr)")
        }
        // The installed hook makes the same choice.
        let ws = try Workspace()
        let installer = try HookInstaller(repository: Repository.open(ws.repo), executable: dir.file("gone/failmix"))
        _ = try installer.install("pre-push")
        let r = try run("\(ws.repo)/.git/hooks/pre-push", [], cwd: ws.repo, environment: environment(["PATH": "/usr/bin:/bin"]))
        #expect(r.status == 2 && r.stderr.contains("pre-push refused (exit 2)"), "\(r.stderr)")
        let skipped = try run("\(ws.repo)/.git/hooks/pre-push", [], cwd: ws.repo,
                              environment: environment(["PATH": "/usr/bin:/bin", "SKIP": " failmix-gate "]))
        #expect(skipped.status == 0 && skipped.stderr.contains("SKIPPED"), "\(skipped.stderr)")
    }

    /// With failmix on PATH the hook passes the gate's exit code on.
    @Test func hooksPassTheGatesExitCodeOn() throws {
        let ws = try failingWorkspace()
        let bin = URL(fileURLWithPath: Paths.failmix).deletingLastPathComponent().path
        let env = environment(["PATH": "\(bin):/usr/bin:/bin", "NO_COLOR": "1"])
        let r = try run("\(Paths.packageRoot)/hooks/pre-push", [], cwd: ws.repo, environment: env)
        #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("failmix gate: FAIL"))
    }
}
