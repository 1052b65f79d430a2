import FailmixRecords

/// A set of failure modes, as bits indexed by position in the catalog.
public struct ModeSet: Sendable, Hashable, Sequence {
    public var bits: UInt64

    public init(bits: UInt64 = 0) { self.bits = bits }

    public var isEmpty: Bool { bits == 0 }
    public func contains(_ index: Int) -> Bool { bits & (1 << UInt64(index)) != 0 }
    public mutating func insert(_ index: Int) { bits |= 1 << UInt64(index) }
    public mutating func remove(_ index: Int) { bits &= ~(1 << UInt64(index)) }

    public func makeIterator() -> Iterator { Iterator(rest: bits) }

    /// The members, lowest index first (a plain value: reports walk 200k sets).
    public struct Iterator: IteratorProtocol {
        var rest: UInt64

        public mutating func next() -> Int? {
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
///
/// The rules are compiled into flat arrays of plain values (clauses, checks,
/// one byte pool, one number pool): the per-line loop then touches no
/// reference-counted storage, which nested arrays of enums with array payloads
/// made cost a third of a full report.
public struct Classifier: RecordAnnotator, Sendable {
    enum Operation: UInt8 {
        case stringEquals, oneOf, numberEquals, boolEquals, lessThan, contains
    }

    struct Check {
        var slot: Int32
        var operation: Operation
        var caseInsensitive = false
        /// numberEquals / lessThan: the operand; boolEquals: 1 or 0.
        var number = 0.0
        /// lessThan: the value of a missing field (NaN: none, the check fails).
        var missing = Double.nan
        /// stringEquals / contains: a range of `bytes`; oneOf: of `strings`.
        var first: Int32 = 0
        var count: Int32 = 0
        /// oneOf: a range of `numbers`, and the booleans listed (bit 0: false,
        /// bit 1: true). A list may mix kinds; a field matches the values of its own.
        var numbersFirst: Int32 = 0
        var numbersCount: Int32 = 0
        var booleans: UInt8 = 0

        /// stringEquals / contains: the needle's range of `bytes`.
        var pooled: Range<Int> { Range(uncheckedBounds: (Int(first), Int(first) + Int(count))) }
    }

    /// The checks `first..<end` must all hold for `mode`; a mode's clauses
    /// are adjacent, and the first that holds decides it.
    struct Clause {
        var mode: Int32
        var first: Int32
        var end: Int32
    }

    public let catalog: ModeCatalog
    private let clauses: [Clause]
    private let checks: [Check]
    private let bytes: [UInt8]
    private let strings: [Range<Int32>]
    private let numbers: [Double]
    /// Conditions that take a record out of the population (`mode` unused):
    /// any one holding excludes it.
    private let exclusions: [Clause]
    /// The slot of `duplicate_of`, when records carrying it are excluded.
    private let duplicateSlot: Int32

    /// Registers every field the rules read in `plan`; `population` says
    /// which records leave the population.
    public init(catalog: ModeCatalog, plan: inout FieldPlan, population: PopulationFilter = PopulationFilter()) {
        self.catalog = catalog
        var clauses: [Clause] = [], checks: [Check] = [], bytes: [UInt8] = [], strings: [Range<Int32>] = [], numbers: [Double] = []
        func pooled(_ s: String, _ ci: Bool) -> Range<Int32> {
            let start = Int32(bytes.count)
            bytes += (ci ? s.lowercased() : s).utf8
            return start..<Int32(bytes.count)
        }
        let exclusionClauses = population.exclude.map { [$0] }
        let compiled = catalog.modes.enumerated().map { ($0.offset, $0.element.anyOf) } + [(-1, exclusionClauses)]
        var exclusions: [Clause] = []
        for (mode, anyOf) in compiled {
            for clause in anyOf {
                let first = Int32(checks.count)
                for condition in clause {
                    var check = Check(slot: Int32(plan.slot(for: condition.path)), operation: .oneOf)
                    switch condition.predicate {
                    case let .equals(.string(s), ci):
                        let r = pooled(s, ci)
                        (check.operation, check.caseInsensitive, check.first, check.count) = (.stringEquals, ci, r.lowerBound, Int32(r.count))
                    case let .equals(.number(d), _):
                        (check.operation, check.number) = (.numberEquals, d)
                    case let .equals(.bool(b), _):
                        (check.operation, check.number) = (.boolEquals, b ? 1 : 0)
                    case let .oneOf(values, ci):
                        (check.caseInsensitive, check.first, check.numbersFirst) = (ci, Int32(strings.count), Int32(numbers.count))
                        for value in values {
                            switch value {
                            case .string(let s): strings.append(pooled(s, ci)); check.count += 1
                            case .number(let d): numbers.append(d); check.numbersCount += 1
                            case .bool(let b): check.booleans |= b ? 2 : 1
                            }
                        }
                    case let .lessThan(bound, missing):
                        (check.operation, check.number, check.missing) = (.lessThan, bound, missing ?? .nan)
                    case let .contains(needle):
                        let r = pooled(needle, false)
                        (check.operation, check.first, check.count) = (.contains, r.lowerBound, Int32(r.count))
                    }
                    checks.append(check)
                }
                let compiledClause = Clause(mode: Int32(mode), first: first, end: Int32(checks.count))
                if mode < 0 { exclusions.append(compiledClause) } else { clauses.append(compiledClause) }
            }
        }
        self.exclusions = exclusions
        duplicateSlot = population.excludeDuplicates ? Int32(plan.slot(for: FieldPath("duplicate_of"))) : -1
        (self.clauses, self.checks, self.bytes, self.strings, self.numbers) = (clauses, checks, bytes, strings, numbers)
    }

    // The per-line loops below index the pools unchecked: every range a
    // clause, check or string holds was made in `init` by appending to the
    // pool it points into, so it lies inside it (and nothing changes them).
    public func annotate(_ fields: LineFields) -> UInt64 {
        let clauses = clauses.span, checks = checks.span, bytes = bytes.span, strings = strings.span, numbers = numbers.span
        var bits: UInt64 = 0
        for c in clauses.indices where bits & (1 << UInt64(clauses[unchecked: c].mode)) == 0 {
            let clause = clauses[unchecked: c]
            if Self.allHold(clause, fields, checks, bytes: bytes, strings: strings, numbers: numbers) { bits |= 1 << UInt64(clause.mode) }
        }
        return bits
    }

    /// Whether the record leaves the population: an exclusion condition
    /// holds, or it names the session it duplicates (`duplicate_of`).
    public func excludes(_ fields: LineFields) -> Bool {
        if duplicateSlot >= 0 {
            let kind = fields.kind(Int(duplicateSlot))
            if kind != .absent, kind != .null { return true }
        }
        guard !exclusions.isEmpty else { return false }
        let exclusions = exclusions.span, checks = checks.span, bytes = bytes.span, strings = strings.span, numbers = numbers.span
        for c in exclusions.indices
        where Self.allHold(exclusions[unchecked: c], fields, checks, bytes: bytes, strings: strings, numbers: numbers) {
            return true
        }
        return false
    }

    /// Whether every check of `clause` holds for the record.
    @inline(__always)
    static func allHold(
        _ clause: Clause, _ fields: LineFields, _ checks: Span<Check>, bytes: Span<UInt8>, strings: Span<Range<Int32>>,
        numbers: Span<Double>
    ) -> Bool {
        var i = Int(clause.first)
        while i < Int(clause.end) {
            if !holds(checks[unchecked: i], fields, bytes: bytes, strings: strings, numbers: numbers) { return false }
            i += 1
        }
        return true
    }

    @inline(__always)
    static func holds(
        _ check: Check, _ fields: LineFields, bytes: Span<UInt8>, strings: Span<Range<Int32>>, numbers: Span<Double>
    ) -> Bool {
        let slot = Int(check.slot)
        switch check.operation {
        case .stringEquals:
            return fields.stringEquals(slot, bytes.extracting(unchecked: check.pooled), caseInsensitive: check.caseInsensitive)
        case .oneOf:
            switch fields.kind(slot) {
            case .string:
                for i in Int(check.first)..<Int(check.first + check.count)
                where fields.stringEquals(slot, bytes.extracting(unchecked: Range(uncheckedBounds: (Int(strings[unchecked: i].lowerBound), Int(strings[unchecked: i].upperBound)))),
                                          caseInsensitive: check.caseInsensitive) {
                    return true
                }
                return false
            case .number:
                guard let d = fields.number(slot) else { return false }
                for i in Int(check.numbersFirst)..<Int(check.numbersFirst + check.numbersCount) where numbers[unchecked: i] == d { return true }
                return false
            case .bool:
                return check.booleans & (fields.bool(slot) == true ? 2 : 1) != 0
            default:
                return false
            }
        case .numberEquals:
            return fields.number(slot) == check.number
        case .boolEquals:
            return fields.bool(slot) == (check.number == 1)
        case .lessThan:
            if fields.kind(slot) == .absent { return check.missing < check.number }  // NaN: false
            return fields.number(slot).map { $0 < check.number } ?? false
        case .contains:
            // A string contains the needle; a list of strings has it as a member
            // (what Python's `in` means for each).
            if fields.kind(slot) == .array { return fields.arrayContainsString(slot, bytes.extracting(unchecked: check.pooled)) }
            return fields.stringContains(slot, bytes.extracting(unchecked: check.pooled))
        }
    }
}
