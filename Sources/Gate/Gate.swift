import FailmixSupport
import FailmixClassify
import FailmixRecords
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The Gate stage's output: the decision, every rule's numbers, and the
/// pause state behind it.
public struct GateDecision: Sendable {
    public var level: Level
    public var evaluations: [RuleEvaluation]
    public var paused: Bool
    /// Lines that explain the decision beyond the rules (pause, probe, acks).
    public var messages: [String]
    public var acks: [GateState.Ack]
    /// The rules holding the pause (below their threshold, not yet clear).
    public var holding: [String] = []
    /// Half-open: the causing rules judged on the probe sessions.
    public var probeResults: [RuleEvaluation] = []

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
/// person resumes (letting `probe` sessions through, then judging the rules
/// that caused the pause on those sessions: half-open).
public struct Gate: Sendable {
    public var rules: [GateRule]
    /// How far below its threshold a rule must fall to clear a pause.
    public var clearMargin: Double
    /// The decision when a rule has too few sessions to decide: pass or warn.
    public var onInsufficient: Level

    public init(rules: [GateRule] = GateRule.defaults, clearMargin: Double = 0.10, onInsufficient: Level = .pass) {
        self.rules = rules
        self.clearMargin = clearMargin
        self.onInsufficient = onInsufficient
    }

    /// Every rule's verdict, each window restarted at the resume that reset it.
    public func evaluate(_ input: GateInput, state: GateState) -> [RuleEvaluation] {
        rules.map { rule in
            GateEvaluator.evaluate(rule, input, since: state.resets?[rule.name].flatMap { input.index(after: $0) })
        }
    }

    /// Evaluates `input`; when `remember` (a pre-session gate, not a report)
    /// the pause state in `state` is updated. Returns the journal events.
    public func decide(_ input: GateInput, state: inout GateState, remember: Bool, now: Date = Date()) -> (GateDecision, [GateEvent]) {
        var events: [GateEvent] = []
        let sessionCount = input.sessionCount
        // Acknowledged conditions warn instead of failing until they expire.
        let expired = state.acks.filter { !$0.isActive(now: now, sessionCount: sessionCount) }
        if remember, !expired.isEmpty {
            state.acks.removeAll { !$0.isActive(now: now, sessionCount: sessionCount) }
            events += expired.map { GateEvent(at: now, event: "ack-expired", detail: $0.rule) }
        }
        if remember { pruneResets(&state, input) }
        let active = state.acks.filter { $0.isActive(now: now, sessionCount: sessionCount) }
        var evaluations = evaluate(input, state: state)
        acknowledge(&evaluations, active)
        var decision = GateDecision(level: level(evaluations), evaluations: evaluations, paused: false, messages: [], acks: active)
        if input.visible == 0 {
            decision.level = onInsufficient
            decision.messages.append("no sessions yet")
            return (decision, events)
        }
        decision.messages += Self.darkLane(input)
        if state.paused, let probe = state.probe {
            if let result = halfOpen(probe, input, &state, &decision, remember: remember, now: now, events: &events) {
                return result
            }
        }
        let failing = decision.evaluations.filter { $0.level == .fail }
        if state.paused {
            // An acknowledged rule no longer holds the pause: a person accepted it.
            let holding = decision.evaluations.filter { e in
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
            decision.holding = holding.map(\.rule.name)
            let since = state.since.map { " since \(Self.iso($0))" } ?? ""
            decision.messages.append("paused\(since): \(state.reasons.joined(separator: "; "))")
            for e in holding where e.level != .fail {
                decision.messages.append(e.rule.kind == .cusum
                    ? "\(e.rule.name): the CUSUM alarm has not ended; or run `failmix resume`"
                    : "\(e.rule.name) is \(formatted("%.1f%%", e.rate * 100)), not yet below its clear level; or run `failmix resume`")
            }
            return (decision, events)
        }
        if !failing.isEmpty, remember {
            pause(&state, failing.map(\.rule.name), failing.map(\.reason), now: now, event: "paused", events: &events)
        }
        decision.paused = !failing.isEmpty
        return (decision, events)
    }

    /// The decision's level: the highest rule level, and `on_insufficient`
    /// when a rule could not decide.
    func level(_ evaluations: [RuleEvaluation]) -> Level {
        var level = evaluations.map(\.level).max() ?? .pass
        if evaluations.contains(where: { $0.notEnoughData }) { level = max(level, onInsufficient) }
        return level
    }

    func acknowledge(_ evaluations: inout [RuleEvaluation], _ active: [GateState.Ack]) {
        for i in evaluations.indices where evaluations[i].level == .fail && active.contains(where: { $0.rule == evaluations[i].rule.name }) {
            evaluations[i].level = .warn
            evaluations[i].acknowledged = true
        }
    }

    /// A reset older than its rule's lookback no longer changes anything.
    func pruneResets(_ state: inout GateState, _ input: GateInput) {
        guard let resets = state.resets else { return }
        let kept = resets.filter { name, mark in
            guard mark <= input.sessionCount, let rule = rules.first(where: { $0.name == name }) else { return false }
            return input.sessionCount - mark < rule.lookback + 1
        }
        state.resets = kept.isEmpty ? nil : kept
    }

    /// "Dark lane": every recent session ended in an exit failure — the
    /// agent runs but nothing it starts works (or the harness is broken).
    static func darkLane(_ input: GateInput) -> [String] {
        guard let exit = input.catalog.index(of: "exit_failure") else { return [] }
        let recent = input.recorded[max(0, input.visible - 10)..<input.visible]
        guard recent.count >= 5, recent.allSatisfy({ $0.contains(exit) }) else { return [] }
        return ["dark lane: each of the last \(recent.count) sessions ended in an exit failure; the agent may not be doing any work (check its harness, credentials and failure_reason)"]
    }

    func pause(_ state: inout GateState, _ rules: [String], _ reasons: [String], now: Date, event: String, events: inout [GateEvent]) {
        state.paused = true
        state.since = now
        state.reasons = reasons
        state.rules = rules
        state.probe = nil
        events.append(GateEvent(at: now, event: event, detail: state.reasons.joined(separator: "; ")))
    }

    func close(_ state: inout GateState, now: Date, why: String, events: inout [GateEvent]) {
        state.paused = false
        state.probe = nil
        state.rules = []
        state.reasons = []
        events.append(GateEvent(at: now, event: "cleared", detail: why))
    }

    /// A person lets `probe` sessions through a pause; the gate re-evaluates after them.
    public static func resume(_ state: inout GateState, probe: Int, sessionCount: Int, by user: String, now: Date = Date()) -> [GateEvent] {
        guard state.paused else { return [] }
        state.probe = GateState.Probe(allowed: probe, afterSessions: sessionCount, granted: 0)
        // The rules that paused the agent restart from here: judged on the
        // probes, then on the sessions after them (a CUSUM from zero).
        var resets = state.resets ?? [:]
        for rule in state.rules { resets[rule] = sessionCount }
        state.resets = resets
        state.resumedBy = user
        state.resumedAt = now
        return [GateEvent(at: now, event: "resumed", detail: "by \(user), probe \(probe)")]
    }

    static func iso(_ date: Date) -> String { Timestamp.format(date.timeIntervalSince1970) }
}
