import Foundation
import Testing
@testable import FailmixKit

@Suite struct GateEvaluatorTests {
    let catalog = ModeCatalog(BuiltinModes.all())

    /// Sessions oldest first; `flags(i)` names the modes of session i.
    func input(_ count: Int, _ flags: (Int) -> [String]) -> GateInput {
        let sets = (0..<count).map { i -> ModeSet in
            var s = ModeSet()
            for name in flags(i) { s.insert(catalog.index(of: name)!) }
            return s
        }
        return GateInput(catalog: catalog, recorded: sets)
    }

    @Test func wilsonLowerBoundMatchesKnownValues() {
        // Reference values computed with scipy.stats.norm.ppf.
        #expect(abs(inverseNormalCDF(0.9) - 1.2815515655446004) < 1e-8)
        #expect(abs(inverseNormalCDF(0.975) - 1.959963984540054) < 1e-8)
        #expect(abs(wilsonLowerBound(count: 7, n: 30, confidence: 0.9) - 0.14982625883730233) < 1e-8)
        #expect(abs(wilsonLowerBound(count: 12, n: 30, confidence: 0.95) - 0.267126169574135) < 1e-8)
        #expect(wilsonLowerBound(count: 0, n: 10, confidence: 0.9) == 0)
    }

    @Test func confidenceStopsSmallWindowsFlapping() {
        // 7/30 = 23% "exceeds 15%", but its 90% lower bound (15.0%) barely does not.
        var rule = GateRule(name: "noop", target: .mode("noop"), window: 30, warn: 0.15)
        let data = input(30) { $0 < 7 ? ["noop"] : [] }
        #expect(GateEvaluator.evaluate(rule, data).level == .warn)
        rule.confidence = 0.9
        let e = GateEvaluator.evaluate(rule, data)
        #expect(e.level == .pass)
        #expect(abs(e.bound! - 0.1498) < 1e-3)
        #expect(e.reason.contains("90%-confidence lower bound 15.0%"))
    }

    @Test func streakEdges() {
        // The published practice (the default before the CUSUM): above 40% for 12 consecutive sessions.
        let rule = GateRule(name: "abandoned-loops", target: .mode("abandoned_loop"), window: 30, fail: 0.40, streak: 12)
        let eleven = GateEvaluator.evaluate(rule, streakInput(above: 11))
        let twelve = GateEvaluator.evaluate(rule, streakInput(above: 12))
        #expect(eleven.level == .pass && eleven.streak == 11)
        #expect(twelve.level == .fail && twelve.streak == 12)
        #expect(twelve.reason.contains("streak 12/12"))
    }

    /// Exactly the last `above` evaluation points have a window over 40%.
    func streakInput(above: Int) -> GateInput {
        let total = 60
        let firstAbove = total - above
        // 13 open loops at [firstAbove - 12, firstAbove]: a 30-session window
        // ending after firstAbove holds all 13 (43% > 40%); earlier ones hold at most 12 (40%).
        return input(total) { i in (firstAbove - 12..<firstAbove + 1).contains(i) ? ["abandoned_loop"] : [] }
    }

    @Test func minSessionsMeansNoDecision() {
        let rule = GateRule(name: "any", target: .any, window: 30, fail: 0.5, minSessions: 10)
        let few = GateEvaluator.evaluate(rule, input(9) { _ in ["noop"] })
        #expect(few.level == .pass && few.notEnoughData && few.reason.contains("not enough data (9/10 sessions)"))
        #expect(GateEvaluator.evaluate(rule, input(10) { _ in ["noop"] }).level == .fail)
    }

    @Test func countRulesClassesAndBasis() {
        let ci = GateRule.defaults.first { $0.name == "ci-breaks" }!
        #expect(GateEvaluator.evaluate(ci, input(30) { $0 < 1 ? ["ci_break"] : [] }).level == .pass)
        #expect(GateEvaluator.evaluate(ci, input(30) { $0 < 2 ? ["ci_break"] : [] }).level == .warn)
        #expect(GateEvaluator.evaluate(ci, input(30) { $0 < 4 ? ["ci_break"] : [] }).level == .fail)
        let supply = GateRule(name: "supply", target: .faultClass("supply"), window: 20, fail: 0.5)
        #expect(GateEvaluator.evaluate(supply, input(20) { $0 % 2 == 0 ? ["blocked"] : ($0 % 3 == 0 ? ["routing_mismatch"] : []) }).level == .fail)
        // Corroborated: git turned the recorded noops into productive sessions.
        var data = input(30) { _ in ["noop"] }
        data.corroborated = Array(repeating: ModeSet(), count: 30)
        let noop = GateRule(name: "n", target: .mode("noop"), window: 30, fail: 0.5)
        #expect(GateEvaluator.evaluate(noop, data).level == .pass)
        var recorded = noop
        recorded.basis = .recorded
        #expect(GateEvaluator.evaluate(recorded, data).level == .fail)
    }

    @Test func hysteresisAndProbe() {
        let rule = GateRule(name: "noops", target: .mode("noop"), window: 20, fail: 0.5, minSessions: 10)
        let gate = Gate(rules: [rule], clearMargin: 0.10)
        var state = GateState()
        // 12/20 noops: fail and pause.
        var (d, events) = gate.decide(input(20) { $0 < 12 ? ["noop"] : [] }, state: &state, remember: true)
        #expect(d.level == .fail && state.paused && events.map(\.event) == ["paused"])
        // 9/20 = 45%: below the threshold but not below clear (40%): still paused.
        (d, _) = gate.decide(input(20) { $0 < 9 ? ["noop"] : [] }, state: &state, remember: true)
        #expect(d.level == .fail && state.paused)
        // 7/20 = 35%: cleared.
        (d, events) = gate.decide(input(20) { $0 < 7 ? ["noop"] : [] }, state: &state, remember: true)
        #expect(d.level == .pass && !state.paused && events.map(\.event) == ["cleared"])
        // Fail again, then a person resumes with --probe 1 at 20 sessions.
        (d, _) = gate.decide(input(20) { _ in ["noop"] }, state: &state, remember: true)
        #expect(state.paused)
        _ = Gate.resume(&state, probe: 1, sessionCount: 20, by: "ana")
        (d, _) = gate.decide(input(20) { _ in ["noop"] }, state: &state, remember: true)
        #expect(d.level == .pass)  // the probe session may run
        (d, _) = gate.decide(input(21) { _ in ["noop"] }, state: &state, remember: true)
        #expect(d.level == .fail && state.paused && state.probe == nil)  // exactly one went through
    }

    @Test func probeAndAcksEndWhenTheStoreShrinks() {
        let gate = Gate(rules: [GateRule(name: "noops", target: .mode("noop"), window: 10, fail: 0.5)])
        var state = GateState()
        _ = gate.decide(input(20) { _ in ["noop"] }, state: &state, remember: true)
        _ = Gate.resume(&state, probe: 3, sessionCount: 20, by: "ana")
        // The store was replaced by a shorter one: nobody can say how many ran.
        var shrunk = input(10) { _ in ["noop"] }
        var (d, _) = gate.decide(shrunk, state: &state, remember: true)
        #expect(d.level == .fail && state.paused && state.probe == nil)
        // The input's whole-store count, not the sessions it carries, drives the probe.
        _ = Gate.resume(&state, probe: 1, sessionCount: 5_000, by: "ana")
        shrunk.sessionCount = 5_000
        (d, _) = gate.decide(shrunk, state: &state, remember: true)
        #expect(d.level == .pass)
        shrunk.sessionCount = 5_001
        (d, _) = gate.decide(shrunk, state: &state, remember: true)
        #expect(d.level == .fail && state.paused)
        let ack = GateState.Ack(rule: "noops", until: nil, sessions: 5, startSessions: 100, reason: "r", by: "b", at: Date())
        #expect(ack.isActive(now: Date(), sessionCount: 104) && !ack.isActive(now: Date(), sessionCount: 105))
        #expect(!ack.isActive(now: Date(), sessionCount: 50))
    }

    @Test func aRuleFailingDuringAPauseJoinsItAndAnAckReleasesIt() {
        let noops = GateRule(name: "noops", target: .mode("noop"), window: 10, fail: 0.5)
        let blocked = GateRule(name: "blocked", target: .mode("blocked"), window: 10, fail: 0.5)
        let gate = Gate(rules: [noops, blocked])
        var state = GateState()
        var (d, _) = gate.decide(input(10) { _ in ["noop"] }, state: &state, remember: true)
        #expect(state.rules == ["noops"])
        var events: [GateEvent]
        (d, events) = gate.decide(input(10) { _ in ["noop", "blocked"] }, state: &state, remember: true)
        #expect(d.paused && state.rules == ["noops", "blocked"] && events.map(\.event) == ["pause-extended"])
        // noops clears; blocked still holds the pause until a person acknowledges it.
        (d, _) = gate.decide(input(10) { _ in ["blocked"] }, state: &state, remember: true)
        #expect(d.level == .fail && state.paused)
        state.acks = [GateState.Ack(rule: "blocked", until: nil, sessions: nil, startSessions: 10, reason: "known", by: "erik", at: Date())]
        (d, events) = gate.decide(input(10) { _ in ["blocked"] }, state: &state, remember: true)
        #expect(!state.paused && d.level == .warn && events.map(\.event) == ["cleared"])
    }

    @Test func ackTurnsFailIntoWarnUntilItExpires() {
        let rule = GateRule(name: "noops", target: .mode("noop"), window: 20, fail: 0.5)
        let gate = Gate(rules: [rule])
        var state = GateState()
        state.acks = [GateState.Ack(rule: "noops", until: nil, sessions: 2, startSessions: 20, reason: "known outage", by: "erik", at: Date())]
        var (d, _) = gate.decide(input(20) { _ in ["noop"] }, state: &state, remember: true)
        #expect(d.level == .warn && d.evaluations[0].acknowledged && !state.paused)
        (d, _) = gate.decide(input(22) { _ in ["noop"] }, state: &state, remember: true)
        #expect(d.level == .fail && state.acks.isEmpty)
    }

    @Test func noSessionsYetPasses() {
        var state = GateState()
        let (d, _) = Gate().decide(input(0) { _ in [] }, state: &state, remember: true)
        #expect(d.level == .pass && d.messages == ["no sessions yet"])
    }
}
