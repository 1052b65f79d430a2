import Foundation
import Testing
@testable import FailmixKit

@Suite struct CusumTests {
    /// The Markov-chain run length agrees with a seeded Monte Carlo of the
    /// same CUSUM, in control and after a shift.
    @Test(arguments: [(0.27, 2.5), (0.27, 3.5), (0.45, 4.0)])
    func runLengthMatchesMonteCarlo(rate: Double, h: Double) {
        let p = CusumParameters(baseline: 0.27, alarm: 0.45, h: h)
        var rng = SplitMix64(seed: 7)
        var total = 0.0
        // Run lengths are ~geometric: 2,500 runs put the simulated mean within ~2% (1σ).
        let runs = 2_500
        let up = p.up, down = p.down  // computed properties: a log() each, hoisted out of the loop
        for _ in 0..<runs {
            var sum = 0.0, n = 0
            while true {
                n += 1
                sum = max(0, sum + (rng.nextDouble() < rate ? up : down))
                if sum >= h { break }
            }
            total += Double(n)
        }
        let simulated = total / Double(runs)
        let computed = p.runLength(at: rate)
        #expect(abs(computed - simulated) / simulated < 0.06, "computed \(computed), simulated \(simulated)")
    }

    @Test func hFromARunLength() {
        let h = CusumParameters.threshold(baseline: 0.27, alarm: 0.45, runLength: 2_000)
        #expect(h == 4.598, "\(h)")  // what `config show` prints for these values
        let p = CusumParameters(baseline: 0.27, alarm: 0.45, runLength: 2_000)
        #expect(abs(p.runLength(at: 0.27) - 2_000) / 2_000 < 0.01)
        #expect(p.runLength(at: 0.5) < 40)
    }

    @Test func alarmResetsAndClearsOnAsMuchEvidence() {
        let p = CusumParameters(baseline: 0.27, alarm: 0.45, h: 1.0)
        // Two hits raise 1.02 ≥ h: alarm, the sum restarts.
        var scan = CusumScan.scan(p, [true, true])
        #expect(scan.alarmed && scan.alarmedNow && scan.alarms == 1 && scan.alarmAge == 0)
        // Misses add evidence for the baseline (0.283 each): four reach h and end the alarm.
        scan = CusumScan.scan(p, [true, true, false, false, false])
        #expect(scan.alarmed && scan.alarmAge == 3)
        scan = CusumScan.scan(p, [true, true, false, false, false, false])
        #expect(!scan.alarmed && scan.statistic == 0)
    }

    @Test func aCusumRuleFailsWhileAlarmedAndTheDefaultPolicyHoldsIt() {
        let catalog = ModeCatalog(BuiltinModes.all())
        let loop = catalog.index(of: "abandoned_loop")!
        var rule = GateRule(name: "loops", target: .mode("abandoned_loop"), window: 300)
        rule.kind = .cusum
        rule.cusum = CusumParameters(baseline: 0.27, alarm: 0.45, h: 4.64)
        let sessions = (0..<100).map { i -> ModeSet in
            var s = ModeSet()
            if i >= 60 || i % 4 == 0 { s.insert(loop) }
            return s
        }
        let e = GateEvaluator.evaluate(rule, GateInput(catalog: catalog, recorded: sessions))
        #expect(e.level == .fail && e.cusum!.alarmed && e.reason.contains("CUSUM alarm"), "\(e.reason)")
        // Restarted at session 95 (a resume): five sessions are too few to decide.
        let since = GateEvaluator.evaluate(rule, GateInput(catalog: catalog, recorded: sessions), since: 95)
        #expect(since.notEnoughData && since.state == .insufficient)
    }
}
