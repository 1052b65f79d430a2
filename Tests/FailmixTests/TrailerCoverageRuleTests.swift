import Foundation
import Testing
@testable import FailmixClassify
@testable import FailmixConfig
@testable import FailmixGate

@Suite struct TrailerCoverageRuleTests {
    func input(trailer: Int, others: Int, window: Int = 30) -> GateInput {
        var input = GateInput(catalog: ModeCatalog(BuiltinModes.all()), recorded: Array(repeating: ModeSet(), count: 40))
        input.trailerCounts[window] = TrailerCount(agentCommits: trailer + others, trailer: trailer)
        return input
    }

    @Test func levelsAndNotEnoughCommits() {
        let rule = GateRule.trailerCoverage(warnBelow: 0.5, failBelow: 0.1, minCommits: 10)
        #expect(GateEvaluator.evaluate(rule, input(trailer: 0, others: 12)).level == .fail)
        #expect(GateEvaluator.evaluate(rule, input(trailer: 3, others: 9)).level == .warn)
        #expect(GateEvaluator.evaluate(rule, input(trailer: 6, others: 6)).level == .pass)
        let few = GateEvaluator.evaluate(rule, input(trailer: 0, others: 9))
        #expect(few.notEnoughData && few.level == .pass && few.reason.contains("not enough data (9/10 agent commits)"))
        let failing = GateEvaluator.evaluate(rule, input(trailer: 0, others: 12))
        #expect(failing.reason == "trailer-coverage: trailer coverage 0/12 = 0.0% of the agent commits of the last 30 sessions is below 10% (fail); is the prepare-commit-msg hook running? (`failmix doctor`)")
        // A pause it holds clears at the fail level plus the margin.
        #expect(!GateEvaluator.isClear(GateEvaluator.evaluate(rule, input(trailer: 2, others: 10)), margin: 0.1))
        #expect(GateEvaluator.isClear(GateEvaluator.evaluate(rule, input(trailer: 3, others: 9)), margin: 0.1))
    }

    @Test func theDefaultPolicyWarnsOnTheIncident() {
        let rule = GateRule.defaults.first { $0.metric == .trailerCoverage }!
        var state = GateState()
        let decision = Gate().decide(input(trailer: 0, others: 3711), state: &state, remember: false).0
        #expect(decision.level == .warn)
        #expect(decision.evaluations.contains { $0.rule == rule && $0.level == .warn })
    }

    @Test func configurationReadsChecksAndShowsIt() throws {
        let text = """
        [[rules]]
        name = "stamps"
        metric = "trailer_coverage"
        window = 50
        warn_below = 0.6
        fail_below = 0.2
        min_commits = 25

        """
        let c = try ConfigLoader.parse(text, path: "c.toml")
        #expect(c.rules == [GateRule.trailerCoverage(name: "stamps", window: 50, warnBelow: 0.6, failBelow: 0.2, minCommits: 25)])
        #expect(try ConfigLoader.parse(c.renderTOML(), path: "show.toml").rules == c.rules)
        let bad = "[[rules]]\nmetric = \"trailer_coverage\"\nwarn_below = 0.1\nfail_below = 0.3\nwarn = 0.2\n"
        #expect(throws: ConfigError.self) { try ConfigLoader.parse(bad, path: "bad.toml") }
        do {
            _ = try ConfigLoader.parse(bad, path: "bad.toml")
        } catch {
            let lines = error.description.split(separator: "\n")
            #expect(lines.contains { $0.contains("key 'rules[0].warn': unknown key") })
            #expect(lines.contains { $0.contains("warn_below (0.1) is below fail_below (0.3)") })
        }
        let env = "[git]\nsession_env = [\"OK_NAME\", \"not ok\"]\nsubject_patterns = [\"no group\", \"(\"]\ntrailer = \"Bad Key\"\n"
        do {
            _ = try ConfigLoader.parse(env, path: "git.toml")
            Issue.record("expected errors")
        } catch {
            #expect(error.description.contains("git.toml:2: key 'git.session_env[1]': 'not ok' is not an environment variable name"))
            #expect(error.description.contains("key 'git.subject_patterns[0]': needs a capture group around the session id"))
            #expect(error.description.contains("key 'git.subject_patterns[1]': is not a valid regular expression"))
            #expect(error.description.contains("key 'git.trailer': a trailer key is letters, digits and dashes"))
        }
    }
}
