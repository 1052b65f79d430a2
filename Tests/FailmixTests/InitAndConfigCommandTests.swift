import Foundation
import Testing
@testable import FailmixKit

@Suite struct InitAndConfigCommandTests {
    @Test func initWritesTheCommentedDefaultsOnce() throws {
        let ws = try Workspace()
        var r = try failmix(["init"], cwd: ws.repo)
        #expect(r.status == 0)
        let text = try String(contentsOfFile: ws.repo + "/.failmix.toml", encoding: .utf8)
        #expect(text == Configuration.initTemplate)
        r = try failmix(["init"], cwd: ws.repo)
        #expect(r.status == 2 && r.stderr.contains("exists"))
        r = try failmix(["config", "show"], cwd: ws.repo)
        #expect(r.status == 0 && r.stdout.contains("name = \"abandoned-loops\"") && r.stdout.contains("kind = \"cusum\"") && r.stdout.contains("h = 5.224"))
        #expect(try failmix(["config", "check"], cwd: ws.repo).stdout.contains("ok (6 rules, 8 modes)"))
    }

    @Test func ackIsShownAndValidated() throws {
        let ws = try Workspace()
        ws.writeRecords(GateCommandTests.records(30) { $0 < 28 ? #", "outcome": "failed""# : "" })
        #expect(try failmix(["ack", "no-such-rule", "--sessions", "3", "--reason", "x"], cwd: ws.repo).status == 2)
        #expect(try failmix(["ack", "failure-rate", "--sessions", "3", "--reason", "known outage"], cwd: ws.repo).status == 0)
        let r = try failmix(["gate"], cwd: ws.repo)
        #expect(r.status == 0 && r.stdout.contains("[acknowledged: warns instead of failing]"), "\(r.stdout)")
        #expect(try failmix(["status"], cwd: ws.repo).stdout.contains("ack: failure-rate for 3 sessions"))
    }
}
