import Foundation
import Testing
@testable import FailmixKit
@testable import FailmixRecords

@Suite struct ClassifierTests {
    /// Modes the built-in rules give one record line.
    func modes(_ json: String, cutoff: Double = BuiltinModes.lowProductivityCutoff) -> [String] {
        let catalog = ModeCatalog(BuiltinModes.all(lowProductivityCutoff: cutoff))
        var schema = RecordSchema()
        let classifier = Classifier(catalog: catalog, plan: &schema.plan)
        var scanner = JSONLineScanner(plan: schema.plan)
        let bytes = Array(json.utf8)
        #expect(scanner.scan(bytes.span) == nil)
        return withLineFields(bytes.span, scanner.values) { catalog.names(ModeSet(bits: classifier.annotate($0))) }
    }

    @Test func eachBuiltinRule() {
        #expect(modes(#"{"outcome": "NOOP"}"#) == ["noop"])
        #expect(modes(#"{"outcome": "no\u006fp"}"#) == ["noop"])
        #expect(modes(#"{"outcome": "Blocked"}"#) == ["blocked"])
        #expect(modes(#"{"loop_status": "blocked"}"#) == ["blocked"])
        #expect(modes(#"{"loop_status": "BLOCKED"}"#) == [])  // loop_status is compared exactly
        #expect(modes(#"{"loop_status": "open"}"#) == ["abandoned_loop"])
        #expect(modes(#"{"grades": {"productivity": 0.29}}"#) == ["low_productivity"])
        #expect(modes(#"{"grades": {"productivity": 0.3}}"#) == [])
        #expect(modes(#"{"grade_reasons": {"harm": "ci_break: red after push"}}"#) == ["ci_break"])
        #expect(modes(#"{"grade_reasons": {"harm": "CI_BREAK"}}"#) == [])
        #expect(modes(#"{"intent_category_matched": false}"#) == ["routing_mismatch"])
        #expect(modes(#"{"intent_category_matched": null}"#) == [])
        #expect(modes(#"{"outcome": "failed"}"#) == ["exit_failure"])
        #expect(modes(#"{"outcome": "productive", "loop_status": "closed"}"#) == [])
    }

    @Test func productivityEdgeCasesMatchTheReference() {
        #expect(modes(#"{}"#) == [])  // missing counts as 0.5
        #expect(modes(#"{"grades": null}"#) == [])
        #expect(modes(#"{"grades": {"productivity": null}}"#) == [])
        #expect(modes(#"{"grades": {"productivity": -1e-9}}"#) == ["low_productivity"])
        #expect(modes(#"{"grades": {"productivity": NaN}}"#) == [])
        // The cutoff is a parameter; with it above 0.5 a missing grade is low.
        #expect(modes(#"{}"#, cutoff: 0.6) == ["low_productivity"])
    }

    @Test func severalModesInEvaluationOrder() {
        let line = #"{"outcome": "noop", "loop_status": "open", "grades": {"productivity": 0.1}, "intent_category_matched": false}"#
        #expect(modes(line) == ["noop", "abandoned_loop", "low_productivity", "routing_mismatch"])
    }

    @Test func userDefinedModesAreData() {
        var defs = BuiltinModes.all()
        defs.append(ModeDefinition(
            name: "timeout", label: "Timeout", cause: "c", fix: "f",
            anyOf: [[FieldCondition("failure_reason", .oneOf([.string("timeout"), .string("killed")], caseInsensitive: true)),
                     FieldCondition("span_aggregates.error_rate", .lessThan(0.5, whenMissing: nil))]]))
        let catalog = ModeCatalog(defs)
        var schema = RecordSchema()
        let classifier = Classifier(catalog: catalog, plan: &schema.plan)
        var scanner = JSONLineScanner(plan: schema.plan)
        for (json, expected) in [
            (#"{"failure_reason": "Killed", "span_aggregates": {"error_rate": 0.1}}"#, ["timeout"]),
            (#"{"failure_reason": "killed"}"#, []),
            (#"{"failure_reason": "oom", "span_aggregates": {"error_rate": 0.1}}"#, []),
        ] {
            let bytes = Array(json.utf8)
            _ = scanner.scan(bytes.span)
            let names = withLineFields(bytes.span, scanner.values) { catalog.names(ModeSet(bits: classifier.annotate($0))) }
            #expect(names == expected, "\(json)")
        }
    }

    @Test func windowsTrendsAndDominant() {
        let catalog = ModeCatalog(BuiltinModes.all())
        let noop = catalog.index(of: "noop")!, loop = catalog.index(of: "abandoned_loop")!
        var sessions: [ModeSet] = Array(repeating: ModeSet(), count: 70)
        sessions += (0..<30).map { i in
            var s = ModeSet()
            if i % 2 == 0 { s.insert(noop) }
            if i % 3 == 0 { s.insert(loop) }
            return s
        }
        let mix = FailureMix(catalog: catalog, sessions: sessions, sizes: [100, 30])
        #expect(mix.windows.map(\.total) == [100, 30])
        #expect(mix.windows[1].counts[noop] == 15 && mix.windows[1].counts[loop] == 10)
        #expect(mix.windows[1].failed == 20)
        #expect(mix.dominant == noop)
        let trend = mix.trends[noop]
        #expect(trend.direction == .up && abs(trend.points - 35.0) < 1e-9)
        #expect(mix.trends[catalog.index(of: "blocked")!].direction == .flat)
        let empty = FailureMix(catalog: catalog, sessions: [], sizes: [100, 30])
        #expect(empty.dominant == nil && empty.windows.allSatisfy { $0.total == 0 })
    }
}
