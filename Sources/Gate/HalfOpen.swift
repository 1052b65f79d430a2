import FailmixSupport
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The half-open state of the pause, as a circuit breaker's: after
/// `resume --probe N`, exactly N sessions are let through (counted under the
/// state's lock, so racing gates cannot each let one through), and once they
/// have run, the rules that caused the pause are judged on those N sessions
/// alone — a fresh sample. Passing probes close the pause; failing ones
/// pause again, with the probe results in the reason.
extension Gate {
    /// nil: no half-open decision (the store shrank and the probe ended);
    /// the caller judges the windows.
    func halfOpen(
        _ probe: GateState.Probe, _ input: GateInput, _ state: inout GateState, _ decision: inout GateDecision,
        remember: Bool, now: Date, events: inout [GateEvent]
    ) -> (GateDecision, [GateEvent])? {
        guard let through = GateState.sessions(since: probe.afterSessions, now: input.sessionCount) else {
            // Replaced or rotated away: nobody can say how many probes ran.
            if remember { state.probe = nil }
            return nil
        }
        let who = state.resumedBy ?? "someone"
        if through < probe.allowed {
            let granted = max(probe.granted ?? through, through)
            if granted < probe.allowed {
                if remember { state.probe?.granted = granted + 1 }
                decision.level = .pass
                decision.messages.append("resumed by \(who): probe session \(granted + 1) of \(probe.allowed) let through; the rules that paused the agent are judged on the probe sessions once they have run")
            } else {
                decision.level = .fail
                decision.paused = true
                decision.messages.append("paused: waiting for the \(probe.allowed) probe session(s) let through to finish (\(through) recorded so far); `failmix resume` again if one never will")
            }
            return (decision, events)
        }
        let since = input.index(after: probe.afterSessions) ?? 0
        let active = state.acks.filter { $0.isActive(now: now, sessionCount: input.sessionCount) }
        var results = rules.filter { state.rules.contains($0.name) }.map { GateEvaluator.judgeProbes($0, input, since: since) }
        acknowledge(&results, active)
        decision.probeResults = results
        let failedProbes = results.filter { $0.level == .fail }
        let others = decision.evaluations.filter { $0.level == .fail && !state.rules.contains($0.rule.name) }
        if remember { state.probe = nil }
        let summary = results.map(Self.probeSummary).joined(separator: "; ")
        if failedProbes.isEmpty, others.isEmpty {
            let why = "the \(through) probe session(s) passed (\(summary))"
            if remember { close(&state, now: now, why: why, events: &events) }
            decision.messages.append("the pause closed: \(why)")
            return (decision, events)
        }
        let reasons = failedProbes.map { "\(Self.probeSummary($0)) — failed again after the resume by \(who)" } + others.map(\.reason)
        if remember {
            pause(&state, failedProbes.map(\.rule.name) + others.map(\.rule.name), reasons, now: now, event: "reopened", events: &events)
        }
        decision.level = .fail
        decision.paused = true
        decision.messages.append("the probe sessions failed again: paused: \(reasons.joined(separator: "; "))")
        return (decision, events)
    }

    /// "abandoned-loops: 1 of 1 probe session(s) had abandoned_loop (fail)".
    static func probeSummary(_ e: RuleEvaluation) -> String {
        var text = "\(e.rule.name): \(e.count) of \(e.n) probe session(s) had \(e.rule.target)"
        if let scan = e.cusum { text += ", CUSUM \(scan.alarmed ? "alarm," : "at") " + formatted("%.2f", scan.statistic) }
        return text + " (\(e.level))"
    }
}
