import FailmixRecords

/// A set of failure modes, as bits indexed by position in the catalog.
public struct ModeSet: Sendable, Hashable, Sequence {
    public var bits: UInt64

    public init(bits: UInt64 = 0) { self.bits = bits }

    public var isEmpty: Bool { bits == 0 }
    public func contains(_ index: Int) -> Bool { bits & (1 << UInt64(index)) != 0 }
    public mutating func insert(_ index: Int) { bits |= 1 << UInt64(index) }
    public mutating func remove(_ index: Int) { bits &= ~(1 << UInt64(index)) }

    public func makeIterator() -> AnyIterator<Int> {
        var rest = bits
        return AnyIterator {
            guard rest != 0 else { return nil }
            let i = rest.trailingZeroBitCount
            rest &= rest - 1
            return i
        }
    }
}

/// The modes in play for a run, in report order.
public struct ModeCatalog: Sendable {
    public static let capacity = 64
    public let modes: [ModeDefinition]

    public init(_ modes: [ModeDefinition]) {
        precondition(modes.count <= Self.capacity, "at most \(Self.capacity) failure modes")
        self.modes = modes
    }

    public func index(of name: String) -> Int? { modes.firstIndex { $0.name == name } }
    public func names(_ set: ModeSet) -> [String] { set.map { modes[$0].name } }
}

/// Evaluates the catalog's rules on each scanned line: the Classify stage
/// running inside the Records stage's stream, so no record is ever decoded
/// whole.
public struct Classifier: RecordAnnotator, Sendable {
    struct Check: Sendable {
        enum Test: Sendable {
            case stringEquals([UInt8], caseInsensitive: Bool)
            case stringIn([[UInt8]], caseInsensitive: Bool)
            case numberEquals(Double)
            case numberIn([Double])
            case boolEquals(Bool)
            case lessThan(Double, whenMissing: Double?)
            case contains([UInt8])
            case never
        }
        var slot: Int
        var test: Test
    }

    public let catalog: ModeCatalog
    private let rules: [[[Check]]]  // mode → clauses → checks

    /// Registers every field the rules read in `plan`.
    public init(catalog: ModeCatalog, plan: inout FieldPlan) {
        self.catalog = catalog
        rules = catalog.modes.map { mode in
            mode.anyOf.map { clause in
                clause.map { condition in
                    Check(slot: plan.slot(for: condition.path), test: Self.compile(condition.predicate))
                }
            }
        }
    }

    static func compile(_ predicate: Predicate) -> Check.Test {
        func fold(_ s: String, _ ci: Bool) -> [UInt8] { Array((ci ? s.lowercased() : s).utf8) }
        switch predicate {
        case let .equals(.string(s), ci): return .stringEquals(fold(s, ci), caseInsensitive: ci)
        case let .equals(.number(d), _): return .numberEquals(d)
        case let .equals(.bool(b), _): return .boolEquals(b)
        case let .oneOf(values, ci):
            let strings = values.compactMap { if case .string(let s) = $0 { fold(s, ci) } else { nil } }
            let numbers = values.compactMap { if case .number(let d) = $0 { d } else { nil } }
            if !strings.isEmpty { return .stringIn(strings, caseInsensitive: ci) }
            if !numbers.isEmpty { return .numberIn(numbers) }
            if let b = values.compactMap({ if case .bool(let b) = $0 { b } else { nil } }).first { return .boolEquals(b) }
            return .never
        case let .lessThan(bound, missing): return .lessThan(bound, whenMissing: missing)
        case let .contains(s): return .contains(Array(s.utf8))
        }
    }

    public func annotate(_ fields: LineFields) -> UInt64 {
        var bits: UInt64 = 0
        for (mode, clauses) in rules.enumerated() {
            for clause in clauses where clause.allSatisfy({ Self.holds($0, fields) }) {
                bits |= 1 << UInt64(mode)
                break
            }
        }
        return bits
    }

    @inline(__always)
    static func holds(_ check: Check, _ fields: LineFields) -> Bool {
        switch check.test {
        case let .stringEquals(target, ci):
            return fields.stringEquals(check.slot, target, caseInsensitive: ci)
        case let .stringIn(targets, ci):
            return targets.contains { fields.stringEquals(check.slot, $0, caseInsensitive: ci) }
        case let .numberEquals(d):
            return fields.number(check.slot) == d
        case let .numberIn(ds):
            return fields.number(check.slot).map(ds.contains) ?? false
        case let .boolEquals(b):
            return fields.bool(check.slot) == b
        case let .lessThan(bound, missing):
            if fields.kind(check.slot) == .absent { return missing.map { $0 < bound } ?? false }
            return fields.number(check.slot).map { $0 < bound } ?? false
        case let .contains(needle):
            return fields.stringContains(check.slot, needle)
        case .never:
            return false
        }
    }
}
