import FailmixClassify
import FailmixRecords
import Foundation

/// The Gate stage's output: the decision, every rule's numbers, and the
/// pause state behind it.
public struct GateDecision: Sendable {
    public var level: Level
    public var evaluations: [RuleEvaluation]
    public var paused: Bool
    /// Lines that explain the decision beyond the rules (pause, probe, acks).
    public var messages: [String]
    public var acks: [GateState.Ack]

    public var firedRules: [RuleEvaluation] { evaluations.filter { $0.level != .pass } }

    /// The exit-code contract: 0 pass or warn, 1 fail; `strict` fails on a
    /// warning too; `warnOnly` never fails.
    public func exitCode(strict: Bool = false, warnOnly: Bool = false) -> Int32 {
        level.exitCode(strict: strict, warnOnly: warnOnly)
    }
}

extension Level {
    /// The exit-code contract shared by `gate` and `ci`.
    public func exitCode(strict: Bool = false, warnOnly: Bool = false) -> Int32 {
        if warnOnly { return 0 }
        return self == .fail || (strict && self == .warn) ? 1 : 0
    }
}

/// Decides, remembering pauses: a failing gate pauses the agent; the pause
/// holds until every rule that caused it falls below its clear level, or a
/// person resumes (letting `probe` sessions through, then re-evaluating).
public struct Gate: Sendable {
    public var rules: [GateRule]
    /// How far below its threshold a rule must fall to clear a pause.
    public var clearMargin: Double

    public init(rules: [GateRule] = GateRule.defaults, clearMargin: Double = 0.10) {
        self.rules = rules
        self.clearMargin = clearMargin
    }

    /// Evaluates `input`; when `remember` (a pre-session gate, not a report)
    /// the pause state in `state` is updated. Returns the journal events.
    public func decide(_ input: GateInput, state: inout GateState, remember: Bool, now: Date = Date()) -> (GateDecision, [GateEvent]) {
        var events: [GateEvent] = []
        let sessionCount = input.sessionCount
        var evaluations = rules.map { GateEvaluator.evaluate($0, input) }
        // Acknowledged conditions warn instead of failing until they expire.
        let expired = state.acks.filter { !$0.isActive(now: now, sessionCount: sessionCount) }
        if remember, !expired.isEmpty {
            state.acks.removeAll { !$0.isActive(now: now, sessionCount: sessionCount) }
            events += expired.map { GateEvent(at: now, event: "ack-expired", detail: $0.rule) }
        }
        let active = state.acks.filter { $0.isActive(now: now, sessionCount: sessionCount) }
        for i in evaluations.indices where evaluations[i].level == .fail && active.contains(where: { $0.rule == evaluations[i].rule.name }) {
            evaluations[i].level = .warn
            evaluations[i].acknowledged = true
        }
        let raw = evaluations.map(\.level).max() ?? .pass
        var decision = GateDecision(level: raw, evaluations: evaluations, paused: false, messages: [], acks: active)
        if input.recorded.isEmpty {
            decision.level = .pass
            decision.messages.append("no sessions yet")
            return (decision, events)
        }
        let failing = evaluations.filter { $0.level == .fail }
        if state.paused {
            if let probe = state.probe {
                if let through = GateState.sessions(since: probe.afterSessions, now: sessionCount), through < probe.allowed {
                    decision.level = .pass
                    decision.messages.append("resumed by \(state.resumedBy ?? "someone"): probe session \(through + 1) of \(probe.allowed) let through; the gate re-evaluates after it")
                    return (decision, events)
                }
                // Half-open: the probe sessions ran; judge again on them.
                if remember {
                    state.probe = nil
                    if failing.isEmpty {
                        close(&state, now: now, why: "the probe sessions passed", events: &events)
                    } else {
                        pause(&state, failing, now: now, event: "reopened", events: &events)
                    }
                }
                decision.paused = !failing.isEmpty
                if !failing.isEmpty { decision.messages.append("the probe sessions failed again: paused") }
                return (decision, events)
            }
            // An acknowledged rule no longer holds the pause: a person accepted it.
            let holding = evaluations.filter { e in
                state.rules.contains(e.rule.name) && !e.acknowledged && !GateEvaluator.isClear(e, margin: clearMargin)
            }
            if holding.isEmpty, failing.isEmpty {
                let why = "every rule that paused the agent is below its clear level or acknowledged"
                if remember { close(&state, now: now, why: why, events: &events) }
                decision.messages.append("the pause cleared: \(why)")
                return (decision, events)
            }
            // A rule that starts failing during the pause joins it: it too must clear.
            let joining = failing.filter { !state.rules.contains($0.rule.name) }
            if remember, !joining.isEmpty {
                state.rules += joining.map(\.rule.name)
                state.reasons += joining.map(\.reason)
                events.append(GateEvent(at: now, event: "pause-extended", detail: joining.map(\.reason).joined(separator: "; ")))
            }
            decision.level = .fail
            decision.paused = true
            let since = state.since.map { " since \(Self.iso($0))" } ?? ""
            decision.messages.append("paused\(since): \(state.reasons.joined(separator: "; "))")
            for e in holding where e.level != .fail {
                decision.messages.append("\(e.rule.name) is \(String(format: "%.1f%%", e.rate * 100)), not yet below its clear level; or run `failmix resume`")
            }
            return (decision, events)
        }
        if !failing.isEmpty, remember {
            pause(&state, failing, now: now, event: "paused", events: &events)
            decision.paused = true
        }
        return (decision, events)
    }

    private func pause(_ state: inout GateState, _ failing: [RuleEvaluation], now: Date, event: String, events: inout [GateEvent]) {
        state.paused = true
        state.since = now
        state.reasons = failing.map(\.reason)
        state.rules = failing.map(\.rule.name)
        state.probe = nil
        events.append(GateEvent(at: now, event: event, detail: state.reasons.joined(separator: "; ")))
    }

    private func close(_ state: inout GateState, now: Date, why: String, events: inout [GateEvent]) {
        state.paused = false
        state.probe = nil
        state.rules = []
        state.reasons = []
        events.append(GateEvent(at: now, event: "cleared", detail: why))
    }

    /// A person lets `probe` sessions through a pause; the gate re-evaluates after them.
    public static func resume(_ state: inout GateState, probe: Int, sessionCount: Int, by user: String, now: Date = Date()) -> [GateEvent] {
        guard state.paused else { return [] }
        state.probe = GateState.Probe(allowed: probe, afterSessions: sessionCount)
        state.resumedBy = user
        state.resumedAt = now
        return [GateEvent(at: now, event: "resumed", detail: "by \(user), probe \(probe)")]
    }

    static func iso(_ date: Date) -> String { Timestamp.format(date.timeIntervalSince1970) }
}
