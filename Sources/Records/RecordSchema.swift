/// The record fields failmix itself reads, the types they must have, and
/// their slots in the scanner's plan. Later stages add their own paths to
/// `plan` (the classifier's rule fields) before reading starts.
public struct RecordSchema: Sendable {
    public var plan = FieldPlan()
    public let sessionID: Int
    public let timestamp: Int
    public let startTime: Int
    public let endTime: Int
    public let duration: Int
    public let outcome: Int
    public let deliverables: Int
    public let harm: Int
    /// A field of the wrong type makes its line malformed (null is always fine).
    public private(set) var expectations: [(slot: Int, kind: RawValue.Kind)] = []

    public init() {
        sessionID = plan.slot(for: FieldPath("session_id"))
        timestamp = plan.slot(for: FieldPath("timestamp"))
        startTime = plan.slot(for: FieldPath("start_time"))
        endTime = plan.slot(for: FieldPath("end_time"))
        duration = plan.slot(for: FieldPath("duration_seconds"))
        outcome = plan.slot(for: FieldPath("outcome"))
        deliverables = plan.slot(for: FieldPath("deliverables"))
        harm = plan.slot(for: FieldPath("grade_reasons.harm"))
        for slot in [timestamp, startTime, endTime, outcome] { expect(slot, .string) }
        expect(duration, .number)
        expect(deliverables, .array)
        for (path, kind) in Self.typedFields { expect(plan.slot(for: FieldPath(path)), kind) }
    }

    /// Fields of the gptme-sessions record whose type the built-in rules rely on.
    static let typedFields: [(String, RawValue.Kind)] = [
        ("loop_status", .string),
        ("grades", .object),
        ("grades.productivity", .number),
        ("grade_reasons", .object),
        ("intent_category_matched", .bool),
        ("category", .string),
        ("recommended_category", .string),
    ]

    private mutating func expect(_ slot: Int, _ kind: RawValue.Kind) {
        expectations.append((slot, kind))
    }

    /// Why the line cannot be a record: its `session_id` is missing or not a
    /// string (the one field a record cannot do without).
    func identityProblem(_ fields: LineFields) -> String? {
        guard fields.kind(sessionID) != .string else { return nil }
        return fields.kind(sessionID) == .absent
            ? "missing session_id" : "session_id is \(fields.kind(sessionID).name), expected a string"
    }

    /// Every field of a type the pipeline cannot use: each counts as absent
    /// (as the reference classifier treats it) and is reported as a warning.
    /// `grade_reasons.harm` may be a string or a list of strings.
    func fieldProblems(_ fields: LineFields) -> [String] {
        var problems: [String] = []
        for (slot, expected) in expectations {
            let found = fields.kind(slot)
            if found != expected, found != .null, found != .absent {
                problems.append("\(plan.paths[slot]) is \(found.name), expected \(expected.name) (ignored)")
            }
        }
        let harmKind = fields.kind(harm)
        if harmKind != .string, harmKind != .array, harmKind != .null, harmKind != .absent {
            problems.append("grade_reasons.harm is \(harmKind.name), expected a string or a list of strings (ignored)")
        }
        return problems
    }
}
