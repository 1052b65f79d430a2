import FailmixRecords

/// A value a rule compares a field with.
public enum ScalarValue: Sendable, Equatable, CustomStringConvertible {
    case string(String)
    case number(Double)
    case bool(Bool)

    public var description: String {
        switch self {
        case .string(let s): "\"\(s)\""
        case .number(let d): d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d)
        case .bool(let b): String(b)
        }
    }
}

/// What a field must satisfy. Type mismatches are simply false, as in the
/// reference rules (`productivity` that is not a number is never "low").
public enum Predicate: Sendable, Equatable {
    case equals(ScalarValue, caseInsensitive: Bool)
    case oneOf([ScalarValue], caseInsensitive: Bool)
    /// A number below the bound; a missing field counts as `whenMissing`.
    case lessThan(Double, whenMissing: Double?)
    case contains(String)
}

public struct FieldCondition: Sendable, Equatable {
    public var path: FieldPath
    public var predicate: Predicate

    public init(_ path: String, _ predicate: Predicate) {
        self.path = FieldPath(path)
        self.predicate = predicate
    }
}

/// A failure mode as data: it applies when every condition of any one clause
/// holds. Built-in modes and user-defined ones (from `.failmix.toml`) are the
/// same kind of value.
public struct ModeDefinition: Sendable, Equatable {
    public var name: String
    public var label: String
    /// The likely cause and fix shown when this mode dominates.
    public var cause: String
    public var fix: String
    public var anyOf: [[FieldCondition]]

    public init(name: String, label: String, cause: String, fix: String, anyOf: [[FieldCondition]]) {
        self.name = name
        self.label = label
        self.cause = cause
        self.fix = fix
        self.anyOf = anyOf
    }

    /// Readable form of the rule, for `explain` and `config show`.
    public var ruleText: String {
        anyOf.map { clause in
            clause.map { c in
                switch c.predicate {
                case let .equals(v, ci): "\(c.path) \(ci ? "equals (any case)" : "==") \(v)"
                case let .oneOf(vs, ci): "\(c.path) in [\(vs.map(\.description).joined(separator: ", "))]\(ci ? " (any case)" : "")"
                case let .lessThan(x, missing):
                    "\(c.path) < \(ScalarValue.number(x))" + (missing.map { " (missing counts as \(ScalarValue.number($0)))" } ?? "")
                case let .contains(s): "\(c.path) contains \"\(s)\""
                }
            }.joined(separator: " and ")
        }.joined(separator: " or ")
    }
}

/// Which records count at all: monitoring and test runs, and records that
/// name the session they duplicate, are not the agent's work.
public struct PopulationFilter: Sendable, Equatable {
    /// A record matching any of these leaves the population.
    public var exclude: [FieldCondition]
    /// Records carrying `duplicate_of` leave it.
    public var excludeDuplicates: Bool

    public init(exclude: [FieldCondition] = [], excludeDuplicates: Bool = false) {
        self.exclude = exclude
        self.excludeDuplicates = excludeDuplicates
    }

    /// The default: `run_type` monitoring or test, and duplicates.
    public static let defaults = PopulationFilter(
        exclude: [FieldCondition("run_type", .oneOf([.string("monitoring"), .string("test")], caseInsensitive: false))],
        excludeDuplicates: true)

    /// Readable form, for `config show` and the records cache's fingerprint.
    public var text: String {
        ModeDefinition(name: "", label: "", cause: "", fix: "", anyOf: exclude.map { [$0] }).ruleText
            + (excludeDuplicates ? " | duplicate_of" : "")
    }
}

public enum BuiltinModes {
    public static let lowProductivityCutoff = 0.3

    /// The published rules, in the reference classifier's evaluation order
    /// (the order it lists a session's modes in).
    public static func all(lowProductivityCutoff cutoff: Double = lowProductivityCutoff) -> [ModeDefinition] {
        [
            ModeDefinition(
                name: "noop", label: "NOOP", cause: "supply drought",
                fix: "tune the selector, seed the task queue, stop when supply is exhausted",
                anyOf: [[FieldCondition("outcome", .equals(.string("noop"), caseInsensitive: true))]]),
            ModeDefinition(
                name: "blocked", label: "Blocked", cause: "external dependencies",
                fix: "surface blockers, run less often",
                anyOf: [
                    [FieldCondition("outcome", .equals(.string("blocked"), caseInsensitive: true))],
                    [FieldCondition("loop_status", .equals(.string("blocked"), caseInsensitive: false))],
                ]),
            ModeDefinition(
                name: "abandoned_loop", label: "Abandoned loop", cause: "sessions too long or tasks too large",
                fix: "split tasks into phases, shorten time limits",
                anyOf: [[FieldCondition("loop_status", .equals(.string("open"), caseInsensitive: false))]]),
            ModeDefinition(
                name: "low_productivity", label: "Low prod", cause: "shallow tasks",
                fix: "better task sizing",
                anyOf: [[FieldCondition("grades.productivity", .lessThan(cutoff, whenMissing: 0.5))]]),
            ModeDefinition(
                name: "ci_break", label: "CI break", cause: "missing validation",
                fix: "tighter pre-commit and self-merge checks",
                anyOf: [[FieldCondition("grade_reasons.harm", .contains("ci_break"))]]),
            ModeDefinition(
                name: "routing_mismatch", label: "Routing mismatch", cause: "selector miscalibrated",
                fix: "recalibrate category weights",
                anyOf: [[FieldCondition("intent_category_matched", .equals(.bool(false), caseInsensitive: false))]]),
            ModeDefinition(
                name: "exit_failure", label: "Exit failure", cause: "crashes or non-zero exits",
                fix: "read the failure_reason of recent failures and fix the harness or environment",
                anyOf: [[FieldCondition("outcome", .equals(.string("failed"), caseInsensitive: true))]]),
            // Not in the reference classifier: failures of the infrastructure
            // (the model API's auth, rate limits, calls that got no response),
            // which pause rules skip and a warning rule of its own reports.
            ModeDefinition(
                name: "infra", label: "Infra failure", cause: "the model API or credentials failed, not the agent",
                fix: "check API keys, quotas and the provider's status; the agent needs no change",
                anyOf: [
                    [FieldCondition("failure_reason", .oneOf([.string("auth"), .string("rate_limit"), .string("pre_response_api_failure")], caseInsensitive: true))],
                    [FieldCondition("attempt_kind", .equals(.string("infra_retry"), caseInsensitive: false))],
                ]),
        ]
    }
}
