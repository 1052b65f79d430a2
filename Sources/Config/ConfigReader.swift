
/// Walks the parsed TOML into a `Configuration`, collecting every problem.
struct ConfigReader {
    let path: String
    let text: String
    var issues: [ConfigIssue] = []
    /// Only a file with a problem needs its keys' lines: found at the first.
    private var keyLines: KeyLines?

    init(path: String, text: String) {
        self.path = path
        self.text = text
    }

    mutating func issue(_ key: String, _ message: String) {
        if keyLines == nil { keyLines = KeyLines(text) }
        issues.append(ConfigIssue(path: path, line: keyLines!.line(of: key), key: key, message: message))
    }

    mutating func unknownKeys(_ table: TOMLTableNode, allowed: [String], in prefix: String) {
        for key in table.keys where !allowed.contains(key) {
            issue(prefix + key, "unknown key" + didYouMean(key, allowed))
        }
    }

    mutating func table(_ parent: TOMLTableNode, _ key: String, _ full: String) -> TOMLTableNode? {
        guard let v = parent[key] else { return nil }
        guard let t = v.table else { issue(full, "expected a table, found \(Self.kind(v.type))"); return nil }
        return t
    }

    mutating func string(_ t: TOMLTableNode, _ key: String, _ full: String, nonEmpty: Bool = false) -> String? {
        guard let v = t[key] else { return nil }
        guard let s = v.string else { issue(full, "expected a string, found \(Self.kind(v.type))"); return nil }
        if nonEmpty, s.isEmpty { issue(full, "must not be empty"); return nil }
        return s
    }

    mutating func bool(_ t: TOMLTableNode, _ key: String, _ full: String) -> Bool? {
        guard let v = t[key] else { return nil }
        guard let b = v.bool else { issue(full, "expected true or false, found \(Self.kind(v.type))"); return nil }
        return b
    }

    mutating func number(_ t: TOMLTableNode, _ key: String, _ full: String) -> Double? {
        guard let v = t[key] else { return nil }
        guard let d = v.double ?? v.int.map(Double.init) else { issue(full, "expected a number, found \(Self.kind(v.type))"); return nil }
        guard d.isFinite else { issue(full, "must be a finite number"); return nil }
        return d
    }

    /// The most sessions a window, count or streak can name: far beyond any
    /// store, and small enough that no sum or product of them overflows.
    static let maxSessions = 1_000_000_000

    mutating func integer(_ t: TOMLTableNode, _ key: String, _ full: String, min: Int, max: Int = maxSessions) -> Int? {
        guard let v = t[key] else { return nil }
        guard let i = v.int else { issue(full, "expected a whole number, found \(Self.kind(v.type))"); return nil }
        guard i >= min else { issue(full, "must be \(min) or more, not \(i)"); return nil }
        guard i <= max else { issue(full, "must be at most \(max), not \(i)"); return nil }
        return i
    }

    mutating func rate(_ t: TOMLTableNode, _ key: String, _ full: String) -> Double? {
        guard let r = number(t, key, full) else { return nil }
        guard (0...1).contains(r) else { issue(full, "a rate must be between 0 and 1, not \(r)"); return nil }
        return r
    }

    mutating func strings(_ t: TOMLTableNode, _ key: String, _ full: String) -> [String]? {
        guard let v = t[key] else { return nil }
        guard let array = v.array else { issue(full, "expected an array of strings, found \(Self.kind(v.type))"); return nil }
        var out: [String] = []
        for (i, element) in array.enumerated() {
            guard let s = element.string else { issue("\(full)[\(i)]", "expected a string, found \(Self.kind(element.type))"); return nil }
            out.append(s)
        }
        return out
    }

    /// One of `choices` by raw value.
    mutating func choice<T: RawRepresentable & CaseIterable>(_ t: TOMLTableNode, _ key: String, _ full: String, _: T.Type) -> T?
    where T.RawValue == String {
        guard let s = string(t, key, full) else { return nil }
        if let value = T(rawValue: s) { return value }
        let names = T.allCases.map(\.rawValue)
        issue(full, "must be \(names.map { "\"\($0)\"" }.joined(separator: " or ")), not \"\(s)\"" + didYouMean(s, names))
        return nil
    }

    static func kind(_ type: TOMLKind) -> String {
        switch type {
        case .table: "a table"
        case .array: "an array"
        case .string: "a string"
        case .integer: "a whole number"
        case .floatingPoint: "a number"
        case .boolean: "true or false"
        case .date, .timeType, .dateTime: "a date or time"
        }
    }
}
