import Foundation
import Testing
@testable import FailmixKit

@Suite struct ConfigTests {
    @Test func defaultsAndTemplateValidate() throws {
        let c = try ConfigLoader.parse(Configuration.initTemplate, path: "init.toml")
        #expect(c.rules == GateRule.defaults)
        #expect(c.classes == FaultClasses.defaults)
        // What `config show` prints reads back to the same configuration.
        let shown = try ConfigLoader.parse(Configuration().renderTOML(), path: "show.toml")
        #expect(shown.rules == GateRule.defaults && shown.modes.map(\.name) == Configuration().modes.map(\.name))
    }

    @Test func problemsNameFileLineAndKey() {
        let text = """
            [gate]
            on_eror = "open"

            [[rules]]
            mode = "noop"
            window = 30
            warn = 0.15

            [[rules]]
            mode = "abandoned_lop"
            window = 5
            min_sessions = 10
            warn = 0.6
            fail = 1.4

            [[rules]]
            mode = "any"
            warn = 0.9
            fail = 0.5
            """
        do {
            _ = try ConfigLoader.parse(text, path: "/x/.failmix.toml")
            Issue.record("expected errors")
        } catch {
            let lines = error.issues.map(\.description)
            #expect(lines.contains("/x/.failmix.toml:2: key 'gate.on_eror': unknown key; did you mean 'on_error'?"))
            #expect(lines.contains { $0.hasPrefix("/x/.failmix.toml:10: key 'rules[1].mode': unknown mode or class 'abandoned_lop'; did you mean 'abandoned_loop'?") })
            #expect(lines.contains("/x/.failmix.toml:18: key 'rules[2].warn': warn (0.9) is above fail (0.5)"))
            #expect(!lines.isEmpty)
        }
        do {
            _ = try ConfigLoader.parse("[[rules]]\nmode = \"noop\"\nwindow = 5\nfail = 1.4\n", path: "c.toml")
            Issue.record("expected configuration errors")
        } catch {
            let lines = error.issues.map(\.description)
            #expect(lines.contains("c.toml:4: key 'rules[0].fail': a rate must be between 0 and 1, not 1.4"))
            #expect(lines.contains { $0.hasPrefix("c.toml:3: key 'rules[0].window': the window (5) is smaller than min_sessions (10)") })
        }
    }

    @Test func syntaxErrorHasALine() {
        do {
            _ = try ConfigLoader.parse("[gate]\non_error = \n", path: "bad.toml")
            Issue.record("expected a syntax error")
        } catch {
            #expect(error.issues[0].line == 2)
            #expect(error.issues[0].message.contains("TOML syntax error"))
        }
    }

    @Test func userDefinedModes() throws {
        let c = try ConfigLoader.parse("""
            [modes.timeout]
            label = "Timeout"
            when = [{ field = "failure_reason", equals = "timeout", case_insensitive = true }, { field = "grades.alignment", less_than = 0.2 }]

            [modes.blocked]
            enabled = false

            [modes.low_productivity]
            cutoff = 0.4
            """, path: "m.toml")
        #expect(c.modes.map(\.name).contains("timeout") && !c.modes.map(\.name).contains("blocked"))
        let timeout = c.modes.first { $0.name == "timeout" }!
        #expect(timeout.anyOf == [[FieldCondition("failure_reason", .equals(.string("timeout"), caseInsensitive: true)),
                                   FieldCondition("grades.alignment", .lessThan(0.2, whenMissing: nil))]])
        #expect(c.modes.first { $0.name == "low_productivity" }!.ruleText.contains("< 0.4"))
    }

    /// What `config show` prints for a non-trivial configuration reads back
    /// to the same configuration, quoting and all.
    @Test func shownConfigurationReadsBackTheSame() throws {
        let text = """
            [records]
            paths = ["state/a \\"b\\".jsonl"]

            [git]
            agent_authors = ["bot@x.org"]
            window_slack = 30.0

            [modes.timeout]
            label = "Time\\tout"
            when = [{ field = "failure_reason", equals = "timeout", case_insensitive = true }, { field = "grades.alignment", less_than = 0.2 }]

            [modes.blocked]
            enabled = false

            [modes.low_productivity]
            cutoff = 0.4

            [gate]
            basis = "recorded"

            [[rules]]
            name = "timeouts"
            mode = "timeout"
            window = 20
            fail = 0.5

            [[rules]]
            name = "mine"
            mode = "noop"
            window = 30
            warn = 0.2
            basis = "corroborated"
            """
        let c = try ConfigLoader.parse(text, path: "m.toml")
        #expect(c.rules.map(\.basis) == [.recorded, .corroborated])  // [gate] basis fills in only the unset
        let shown = try ConfigLoader.parse(c.renderTOML(), path: "show.toml")
        #expect(shown.recordPaths == c.recordPaths && shown.agentAuthors == c.agentAuthors && shown.windowSlack == 30)
        #expect(shown.modes.map(\.name) == c.modes.map(\.name) && shown.modes.map(\.anyOf) == c.modes.map(\.anyOf))
        #expect(shown.modes.map(\.label) == c.modes.map(\.label) && shown.lowProductivityCutoff == 0.4)
        #expect(shown.rules == c.rules && shown.defaultBasis == .recorded)
        #expect(shown.renderTOML().drop { $0 != "\n" } == c.renderTOML().drop { $0 != "\n" })  // all but the source line
    }
}
