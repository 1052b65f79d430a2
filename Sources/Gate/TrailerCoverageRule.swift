import FailmixSupport
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a rule measures: the share of sessions with a failure mode, or the
/// share of agent commits that carry the session trailer.
public enum GateMetric: String, Sendable, CaseIterable {
    case modes
    case trailerCoverage = "trailer_coverage"
}

extension GateRule {
    /// A trailer-coverage rule: over the agent commits of the last `window`
    /// sessions, warn or fail when the share carrying the trailer is below a level.
    public static func trailerCoverage(
        name: String = "trailer-coverage", window: Int = 30, warnBelow: Double? = nil, failBelow: Double? = nil,
        minCommits: Int = 10
    ) -> GateRule {
        var rule = GateRule(name: name, target: .any, window: window, minSessions: 0)
        rule.metric = .trailerCoverage
        rule.warnBelow = warnBelow
        rule.failBelow = failBelow
        rule.minCommits = minCommits
        return rule
    }

    /// In the default policy: the write path of the 0-of-3,711 incident
    /// warns on the first run; a working hook stamps most agent commits.
    static let defaultTrailerCoverage = trailerCoverage(warnBelow: 0.20)
}

/// The agent commits of a window of sessions and how many carry the
/// session trailer (from the Evidence stage's attribution mix).
public struct TrailerCount: Sendable, Equatable {
    public var agentCommits: Int
    public var trailer: Int

    public init(agentCommits: Int, trailer: Int) {
        self.agentCommits = agentCommits
        self.trailer = trailer
    }
}

/// Judges trailer-coverage rules on the trailer counts the gate was given.
enum TrailerCoverageEvaluator {
    static func evaluate(_ rule: GateRule, _ input: GateInput) -> RuleEvaluation {
        let mix = input.trailerCounts[rule.window]
        let agent = mix?.agentCommits ?? 0
        let trailer = mix?.trailer ?? 0
        var evaluation = RuleEvaluation(rule: rule, level: .pass, basis: .corroborated, count: trailer, n: agent, bound: nil,
                                        streak: 0, notEnoughData: mix == nil || agent < rule.minCommits)
        if evaluation.notEnoughData { return evaluation }
        let coverage = Double(trailer) / Double(agent)
        if let fail = rule.failBelow, coverage < fail {
            evaluation.level = .fail
        } else if let warn = rule.warnBelow, coverage < warn {
            evaluation.level = .warn
        }
        return evaluation
    }

    static func reason(_ e: RuleEvaluation) -> String {
        let rule = e.rule
        if e.n == 0 && e.notEnoughData && e.rule.minCommits > 0 {
            return "\(rule.name): not enough data (0/\(rule.minCommits) agent commits in the last \(rule.window) sessions' span)"
        }
        if e.notEnoughData { return "\(rule.name): not enough data (\(e.n)/\(rule.minCommits) agent commits)" }
        var text = "\(rule.name): trailer coverage \(e.count)/\(e.n) = \(formatted("%.1f%%", e.rate * 100)) of the agent commits of the last \(rule.window) sessions"
        text += e.level == .pass ? ", not below \(threshold(e))" : " is below \(threshold(e)) (\(e.level)); is the prepare-commit-msg hook running? (`failmix doctor`)"
        if e.acknowledged { text += " [acknowledged: warns instead of failing]" }
        return text
    }

    static func threshold(_ e: RuleEvaluation) -> String {
        let level = e.level == .fail ? e.rule.failBelow : e.level == .warn ? e.rule.warnBelow : (e.rule.warnBelow ?? e.rule.failBelow)
        return level.map { formatted("%.0f%%", $0 * 100) } ?? "-"
    }

    /// A paused coverage rule clears once coverage is `clear` (or its fail
    /// level plus the margin) or more.
    static func isClear(_ e: RuleEvaluation, margin: Double) -> Bool {
        if e.notEnoughData { return false }
        return e.rate >= (e.rule.clear ?? ((e.rule.failBelow ?? e.rule.warnBelow ?? 0) + margin))
    }
}
