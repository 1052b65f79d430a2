import FailmixClassify
import FailmixEvidence
import FailmixGate
import FailmixRecords
import Foundation
import TOMLKit

/// One problem in a configuration file, located for a person to fix.
public struct ConfigIssue: Sendable, Equatable, CustomStringConvertible {
    public var path: String
    /// 1-based; 0 when the file could not be read at all.
    public var line: Int
    /// Only TOML syntax errors know their column.
    public var column: Int?
    /// The dotted key (`gate.on_error`, `rules[2].warn`); empty for syntax errors.
    public var key: String
    public var message: String

    public var description: String {
        if line == 0 { return "\(path): \(message)" }
        if let column { return "\(path):\(line):\(column): \(message)" }
        return key.isEmpty ? "\(path):\(line): \(message)" : "\(path):\(line): key '\(key)': \(message)"
    }
}

/// Every problem found in a configuration file, in line order.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public var issues: [ConfigIssue]
    public var description: String { issues.map(\.description).joined(separator: "\n") }
}

/// Reads and validates `.failmix.toml`: every problem is collected, each
/// with file, line and key, misspelt keys and names with a "did you mean".
public enum ConfigLoader {
    /// The configuration at `path`, or the repository root's `.failmix.toml`,
    /// or the defaults when there is none.
    public static func load(explicit path: String?, repositoryRoot: String?) throws(ConfigError) -> Configuration {
        if let path { return try load(path) }
        if let root = repositoryRoot {
            let candidate = root + "/" + Configuration.fileName
            if FileManager.default.fileExists(atPath: candidate) { return try load(candidate) }
        }
        return Configuration()
    }

    public static func load(_ path: String) throws(ConfigError) -> Configuration {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ConfigError(issues: [ConfigIssue(path: path, line: 0, key: "", message: "cannot read the file")])
        }
        return try parse(text, path: path)
    }

    public static func parse(_ text: String, path: String) throws(ConfigError) -> Configuration {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigError(issues: [ConfigIssue(path: path, line: error.source.begin.line, column: error.source.begin.column,
                                                   key: "", message: "TOML syntax error: \(error.description)")])
        } catch {
            throw ConfigError(issues: [ConfigIssue(path: path, line: 1, key: "", message: "TOML syntax error: \(error)")])
        }
        var reader = Reader(path: path, keyLines: KeyLines(text))
        let config = reader.configuration(table)
        if !reader.issues.isEmpty {
            // Stable: issues on one line keep the order they were found in.
            let ordered = reader.issues.enumerated().sorted { ($0.element.line, $0.offset) < ($1.element.line, $1.offset) }
            throw ConfigError(issues: ordered.map(\.element))
        }
        return config
    }
}

/// The line of every key in a TOML text, by dotted path (`gate.on_error`,
/// `rules[2].warn`): TOMLKit keeps no source positions. A key that isn't on
/// a line of its own (inside an inline table) is found at its parent's line.
struct KeyLines {
    private var lines: [String: Int] = [:]

    init(_ text: String) {
        var table = ""
        var arrayEntries: [String: Int] = [:]
        var openString: String?  // the delimiter of a multi-line string being skipped
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            let line = raw.trimmingCharacters(in: .whitespaces)
            if let delimiter = openString {
                if line.contains(delimiter) { openString = nil }
                continue
            }
            if line.hasPrefix("[[") {
                guard let name = Self.headerPath(line.dropFirst(2), closing: "]]") else { continue }
                let entry = arrayEntries[name, default: 0]
                arrayEntries[name] = entry + 1
                table = "\(name)[\(entry)]"
                record(name, number)
                record(table, number)
            } else if line.hasPrefix("[") {
                guard let name = Self.headerPath(line.dropFirst(), closing: "]") else { continue }
                table = name
                record(name, number)
            } else if let equals = line.firstIndex(of: "="), let key = Self.dottedPath(line[..<equals]) {
                record(table.isEmpty ? key : table + "." + key, number)
                let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
                for delimiter in ["\"\"\"", "'''"] where value.hasPrefix(delimiter) && !value.dropFirst(3).contains(delimiter) {
                    openString = delimiter
                }
            }
        }
    }

    private mutating func record(_ key: String, _ line: Int) {
        if lines[key] == nil { lines[key] = line }
    }

    /// The line of `key`, else of its nearest parent that has one, else 1.
    func line(of key: String) -> Int {
        var key = key
        while true {
            if let line = lines[key] { return line }
            if key.hasSuffix("]"), let bracket = key.lastIndex(of: "[") {
                key = String(key[..<bracket])
            } else if let dot = key.lastIndex(of: ".") {
                key = String(key[..<dot])
            } else {
                return 1
            }
        }
    }

    private static func headerPath(_ rest: Substring, closing: String) -> String? {
        guard let end = rest.range(of: closing) else { return nil }
        return dottedPath(rest[..<end.lowerBound])
    }

    /// `a . "b" .c` → `a.b.c`; nil unless every part is a bare or quoted key.
    private static func dottedPath(_ text: Substring) -> String? {
        var parts: [String] = []
        var current = ""
        var quote: Character?
        for c in text {
            if let q = quote {
                if c == q { quote = nil } else { current.append(c) }
            } else if c == "\"" || c == "'" {
                quote = c
            } else if c == "." {
                parts.append(current)
                current = ""
            } else if c.isLetter || c.isNumber || c == "_" || c == "-" {
                current.append(c)
            } else if !c.isWhitespace {
                return nil
            }
        }
        parts.append(current)
        guard quote == nil, !parts.contains(where: \.isEmpty) else { return nil }
        return parts.joined(separator: ".")
    }
}

/// Walks the parsed TOML into a `Configuration`, collecting every problem.
private struct Reader {
    let path: String
    let keyLines: KeyLines
    var issues: [ConfigIssue] = []

    init(path: String, keyLines: KeyLines) {
        self.path = path
        self.keyLines = keyLines
    }

    mutating func issue(_ key: String, _ message: String) {
        issues.append(ConfigIssue(path: path, line: keyLines.line(of: key), key: key, message: message))
    }

    // MARK: Values

    mutating func unknownKeys(_ table: TOMLTable, allowed: [String], in prefix: String) {
        for key in table.keys where !allowed.contains(key) {
            issue(prefix + key, "unknown key" + didYouMean(key, allowed))
        }
    }

    mutating func table(_ parent: TOMLTable, _ key: String, _ full: String) -> TOMLTable? {
        guard let v = parent[key] else { return nil }
        guard let t = v.table else { issue(full, "expected a table, found \(Self.kind(v.type))"); return nil }
        return t
    }

    mutating func string(_ t: TOMLTable, _ key: String, _ full: String, nonEmpty: Bool = false) -> String? {
        guard let v = t[key] else { return nil }
        guard let s = v.string else { issue(full, "expected a string, found \(Self.kind(v.type))"); return nil }
        if nonEmpty, s.isEmpty { issue(full, "must not be empty"); return nil }
        return s
    }

    mutating func bool(_ t: TOMLTable, _ key: String, _ full: String) -> Bool? {
        guard let v = t[key] else { return nil }
        guard let b = v.bool else { issue(full, "expected true or false, found \(Self.kind(v.type))"); return nil }
        return b
    }

    mutating func number(_ t: TOMLTable, _ key: String, _ full: String) -> Double? {
        guard let v = t[key] else { return nil }
        guard let d = v.double ?? v.int.map(Double.init) else { issue(full, "expected a number, found \(Self.kind(v.type))"); return nil }
        guard d.isFinite else { issue(full, "must be a finite number"); return nil }
        return d
    }

    mutating func integer(_ t: TOMLTable, _ key: String, _ full: String, min: Int) -> Int? {
        guard let v = t[key] else { return nil }
        guard let i = v.int else { issue(full, "expected a whole number, found \(Self.kind(v.type))"); return nil }
        guard i >= min else { issue(full, "must be \(min) or more, not \(i)"); return nil }
        return i
    }

    mutating func rate(_ t: TOMLTable, _ key: String, _ full: String) -> Double? {
        guard let r = number(t, key, full) else { return nil }
        guard (0...1).contains(r) else { issue(full, "a rate must be between 0 and 1, not \(r)"); return nil }
        return r
    }

    mutating func strings(_ t: TOMLTable, _ key: String, _ full: String) -> [String]? {
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
    mutating func choice<T: RawRepresentable & CaseIterable>(_ t: TOMLTable, _ key: String, _ full: String, _: T.Type) -> T?
    where T.RawValue == String {
        guard let s = string(t, key, full) else { return nil }
        if let value = T(rawValue: s) { return value }
        let names = T.allCases.map(\.rawValue)
        issue(full, "must be \(names.map { "\"\($0)\"" }.joined(separator: " or ")), not \"\(s)\"" + didYouMean(s, names))
        return nil
    }

    static func kind(_ type: TOMLType) -> String {
        switch type {
        case .table: "a table"
        case .array: "an array"
        case .string: "a string"
        case .int: "a whole number"
        case .double: "a number"
        case .bool: "true or false"
        case .date, .time, .dateTime: "a date or time"
        }
    }

    // MARK: Sections

    mutating func configuration(_ root: TOMLTable) -> Configuration {
        var c = Configuration()
        c.source = path
        unknownKeys(root, allowed: ["records", "git", "modes", "classes", "rules", "gate", "ci", "doctor"], in: "")
        if let records = table(root, "records", "records") { readRecords(records, into: &c) }
        if let git = table(root, "git", "git") { readGit(git, into: &c) }
        if let modes = table(root, "modes", "modes") { readModes(modes, into: &c) }
        let modeNames = c.modes.map(\.name)
        // Defaults name built-in modes: drop those switched off, so the
        // effective configuration refers only to modes that exist.
        c.classes = FaultClasses(c.classes.classes.map { ($0.name, $0.modes.filter(modeNames.contains)) })
        c.blockModes = c.blockModes.filter(modeNames.contains)
        c.rules = c.rules.filter { if case .mode(let m) = $0.target { modeNames.contains(m) } else { true } }
        if let classes = table(root, "classes", "classes") { readClasses(classes, modes: modeNames, into: &c) }
        if let gate = table(root, "gate", "gate") { readGate(gate, into: &c) }
        if let v = root["rules"] {
            if let array = v.array {
                c.rules = []
                var names: Set<String> = []
                for (i, element) in array.enumerated() {
                    guard let t = element.table else { issue("rules[\(i)]", "each rule must be a [[rules]] table"); continue }
                    guard let rule = readRule(t, index: i, modes: modeNames, classes: c.classes) else { continue }
                    if !names.insert(rule.name).inserted {
                        issue("rules[\(i)].name", "another rule is named '\(rule.name)' (acks and reports tell rules apart by name); give this one its own `name`")
                    }
                    c.rules.append(rule)
                }
            } else {
                issue("rules", "expected [[rules]] tables, found \(Self.kind(v.type))")
            }
        }
        if let basis = c.defaultBasis {
            for i in c.rules.indices where c.rules[i].basis == nil { c.rules[i].basis = basis }
        }
        if let ci = table(root, "ci", "ci") { readCI(ci, modes: modeNames, into: &c) }
        if let doctor = table(root, "doctor", "doctor") { readDoctor(doctor, into: &c) }
        return c
    }

    mutating func readRecords(_ t: TOMLTable, into c: inout Configuration) {
        unknownKeys(t, allowed: ["paths", "timestamp_is"], in: "records.")
        c.recordPaths = strings(t, "paths", "records.paths") ?? c.recordPaths
        c.timestampIs = choice(t, "timestamp_is", "records.timestamp_is", TimestampMeaning.self) ?? c.timestampIs
    }

    mutating func readGit(_ t: TOMLTable, into c: inout Configuration) {
        unknownKeys(t, allowed: ["repo", "revs", "all_branches", "trailer", "agent_authors", "window_slack", "notes_ref",
                                 "session_env", "subject_patterns", "bookkeeping_paths"], in: "git.")
        readProvenance(t, into: &c)
        c.repository = string(t, "repo", "git.repo", nonEmpty: true)
        c.revs = strings(t, "revs", "git.revs") ?? c.revs
        c.allBranches = bool(t, "all_branches", "git.all_branches") ?? c.allBranches
        c.trailer = string(t, "trailer", "git.trailer", nonEmpty: true) ?? c.trailer
        c.agentAuthors = strings(t, "agent_authors", "git.agent_authors") ?? c.agentAuthors
        if let slack = number(t, "window_slack", "git.window_slack") {
            if slack >= 0 { c.windowSlack = slack } else { issue("git.window_slack", "must be 0 or more seconds, not \(slack)") }
        }
        if let ref = string(t, "notes_ref", "git.notes_ref") {
            if ref.hasPrefix("refs/") { c.notesRef = ref } else { issue("git.notes_ref", "must be a full ref such as \"refs/notes/ci\", not \"\(ref)\"") }
        }
    }

    /// Built-in modes tuned or switched off, and user-defined modes added
    /// after them (in key order).
    mutating func readModes(_ table: TOMLTable, into c: inout Configuration) {
        let builtinNames = BuiltinModes.all().map(\.name)
        var overrides: [String: TOMLTable] = [:]
        var added: [ModeDefinition] = []
        var disabled: Set<String> = []
        for name in table.keys {
            let key = "modes.\(name)"
            guard let t = self.table(table, name, key) else { continue }
            let parameters = Configuration.builtinModeParameters[name] ?? []
            unknownKeys(t, allowed: ["enabled", "label", "cause", "fix", "when"] + parameters, in: key + ".")
            if name == "any" { issue(key, "'any' is reserved: a rule with mode = \"any\" counts sessions with any mode"); continue }
            if bool(t, "enabled", key + ".enabled") == false {
                if !builtinNames.contains(name), t["when"] == nil {
                    issue(key, "no built-in mode '\(name)' to switch off" + didYouMean(name, builtinNames))
                }
                disabled.insert(name)
                continue
            }
            if builtinNames.contains(name) {
                overrides[name] = t
                continue
            }
            guard t["when"] != nil else {
                issue(key, "a new mode needs `when = [{ field = …, equals = … }]`" + didYouMean(name, builtinNames, prefix: "; or did you mean the built-in "))
                continue
            }
            guard let conditions = readConditions(t, key: key) else { continue }
            added.append(ModeDefinition(
                name: name, label: string(t, "label", key + ".label") ?? name,
                cause: string(t, "cause", key + ".cause") ?? "(not configured)",
                fix: string(t, "fix", key + ".fix") ?? "(not configured)", anyOf: [conditions]))
        }
        if let t = overrides["low_productivity"], let cutoff = rate(t, "cutoff", "modes.low_productivity.cutoff") {
            if t["when"] != nil { issue("modes.low_productivity.cutoff", "has no effect: `when` replaces the rule it tunes") }
            c.lowProductivityCutoff = cutoff
        }
        var modes = BuiltinModes.all(lowProductivityCutoff: c.lowProductivityCutoff).filter { !disabled.contains($0.name) }
        for i in modes.indices {
            guard let t = overrides[modes[i].name] else { continue }
            let key = "modes.\(modes[i].name)"
            if let label = string(t, "label", key + ".label") { modes[i].label = label }
            if let cause = string(t, "cause", key + ".cause") { modes[i].cause = cause }
            if let fix = string(t, "fix", key + ".fix") { modes[i].fix = fix }
            if t["when"] != nil, let conditions = readConditions(t, key: key) { modes[i].anyOf = [conditions] }
        }
        modes += added
        if modes.count > ModeCatalog.capacity {
            issue("modes", "\(modes.count) modes; at most \(ModeCatalog.capacity) fit")
            modes.removeLast(modes.count - ModeCatalog.capacity)
        }
        c.modes = modes
    }

    /// `when = [{ field = "outcome", equals = "timeout" }, …]`: all must hold.
    mutating func readConditions(_ mode: TOMLTable, key: String) -> [FieldCondition]? {
        let key = key + ".when"
        guard let array = mode["when"]?.array, !array.isEmpty else {
            issue(key, "expected a non-empty array of conditions like { field = \"outcome\", equals = \"timeout\" }")
            return nil
        }
        let operators = ["equals", "in", "less_than", "contains"]
        var conditions: [FieldCondition] = []
        var valid = true
        for (i, element) in array.enumerated() {
            let at = "\(key)[\(i)]"
            guard let t = element.table else { issue(at, "expected a condition table, found \(Self.kind(element.type))"); valid = false; continue }
            let issuesBefore = issues.count
            unknownKeys(t, allowed: ["field"] + operators + ["case_insensitive", "missing"], in: at + ".")
            let field = string(t, "field", at + ".field", nonEmpty: true)
            if t["field"] == nil { issue(at, "a condition needs `field` (a dotted path such as \"grades.alignment\")") }
            let given = operators.filter { t[$0] != nil }
            guard given.count == 1 else {
                issue(at, given.isEmpty ? "a condition needs one of \(operators.joined(separator: ", "))"
                                        : "a condition takes one of \(given.joined(separator: ", ")), not several")
                valid = false
                continue
            }
            let caseInsensitive = bool(t, "case_insensitive", at + ".case_insensitive")
            let missing = number(t, "missing", at + ".missing")
            if caseInsensitive != nil, !["equals", "in"].contains(given[0]) { issue(at + ".case_insensitive", "applies only to equals and in") }
            if missing != nil, given[0] != "less_than" { issue(at + ".missing", "applies only to less_than") }
            var predicate: FailmixClassify.Predicate?
            switch given[0] {
            case "equals":
                predicate = scalar(t["equals"]!, at + ".equals").map { .equals($0, caseInsensitive: caseInsensitive ?? false) }
            case "in":
                if let values = t["in"]!.array {
                    let scalars = values.enumerated().map { scalar($1, "\(at).in[\($0)]") }
                    if !scalars.contains(where: { $0 == nil }) { predicate = .oneOf(scalars.compactMap { $0 }, caseInsensitive: caseInsensitive ?? false) }
                } else {
                    issue(at + ".in", "expected an array of values, found \(Self.kind(t["in"]!.type))")
                }
            case "less_than":
                predicate = number(t, "less_than", at + ".less_than").map { .lessThan($0, whenMissing: missing) }
            default:
                predicate = string(t, "contains", at + ".contains").map { .contains($0) }
            }
            if let field, let predicate, issues.count == issuesBefore {
                conditions.append(FieldCondition(field, predicate))
            } else {
                valid = false
            }
        }
        return valid ? conditions : nil
    }

    mutating func scalar(_ v: TOMLValueConvertible, _ key: String) -> ScalarValue? {
        if let s = v.string { return .string(s) }
        if let b = v.bool { return .bool(b) }
        if let i = v.int { return .number(Double(i)) }
        if let d = v.double { return .number(d) }
        issue(key, "expected a string, number or true/false, found \(Self.kind(v.type))")
        return nil
    }

    /// Classes named here replace the default of that name; others stay.
    mutating func readClasses(_ t: TOMLTable, modes: [String], into c: inout Configuration) {
        var classes = c.classes.classes
        for name in t.keys {
            let key = "classes.\(name)"
            if name == "any" || modes.contains(name) {
                issue(key, "'\(name)' is already \(name == "any" ? "the rule target for every mode" : "a mode name"); a class needs its own name")
                continue
            }
            guard let members = strings(t, name, key) else { continue }
            for (i, m) in members.enumerated() where !modes.contains(m) {
                issue("\(key)[\(i)]", "unknown mode '\(m)'" + didYouMean(m, modes))
            }
            if let existing = classes.firstIndex(where: { $0.name == name }) {
                classes[existing].modes = members
            } else {
                classes.append((name, members))
            }
        }
        c.classes = FaultClasses(classes)
    }

    mutating func readGate(_ t: TOMLTable, into c: inout Configuration) {
        unknownKeys(t, allowed: ["on_error", "clear_margin", "basis"], in: "gate.")
        c.onError = choice(t, "on_error", "gate.on_error", Configuration.OnError.self) ?? c.onError
        c.clearMargin = rate(t, "clear_margin", "gate.clear_margin") ?? c.clearMargin
        c.defaultBasis = choice(t, "basis", "gate.basis", Basis.self)
    }

    mutating func readCI(_ t: TOMLTable, modes: [String], into c: inout Configuration) {
        unknownKeys(t, allowed: ["block_modes", "context"], in: "ci.")
        if let blockModes = strings(t, "block_modes", "ci.block_modes") {
            for (i, m) in blockModes.enumerated() where !modes.contains(m) {
                issue("ci.block_modes[\(i)]", "unknown mode '\(m)'" + didYouMean(m, modes))
            }
            c.blockModes = blockModes
        }
        c.statusContext = string(t, "context", "ci.context", nonEmpty: true) ?? c.statusContext
    }

    mutating func readRule(_ t: TOMLTable, index: Int, modes: [String], classes: FaultClasses) -> GateRule? {
        let key = "rules[\(index)]"
        if let metric = choice(t, "metric", key + ".metric", GateMetric.self), metric == .trailerCoverage {
            return readCoverageRule(t, key: key)
        }
        unknownKeys(t, allowed: ["name", "mode", "window", "warn", "fail", "warn_count", "fail_count", "min_sessions",
                                 "confidence", "streak", "basis", "clear", "metric"], in: key + ".")
        let targetName = string(t, "mode", key + ".mode")
        if t["mode"] == nil { issue(key, "a rule needs `mode` (a mode, a class, or \"any\")") }
        let classNames = classes.classes.map(\.name)
        var target: RuleTarget?
        if let targetName {
            if targetName == "any" {
                target = .any
            } else if modes.contains(targetName) {
                target = .mode(targetName)
            } else if classNames.contains(targetName) {
                target = .faultClass(targetName)
            } else {
                issue(key + ".mode", "unknown mode or class '\(targetName)'" + didYouMean(targetName, modes + classNames + ["any"]))
            }
        }
        var rule = GateRule(name: string(t, "name", key + ".name", nonEmpty: true) ?? targetName ?? key, target: target ?? .any,
                            window: integer(t, "window", key + ".window", min: 1) ?? 30)
        rule.warn = rate(t, "warn", key + ".warn")
        rule.fail = rate(t, "fail", key + ".fail")
        rule.warnCount = integer(t, "warn_count", key + ".warn_count", min: 1)
        rule.failCount = integer(t, "fail_count", key + ".fail_count", min: 1)
        rule.minSessions = integer(t, "min_sessions", key + ".min_sessions", min: 0) ?? rule.minSessions
        if let confidence = number(t, "confidence", key + ".confidence") {
            if confidence > 0, confidence < 1 { rule.confidence = confidence } else { issue(key + ".confidence", "must be between 0 and 1 (e.g. 0.9), not \(confidence)") }
        }
        rule.streak = integer(t, "streak", key + ".streak", min: 1)
        rule.basis = choice(t, "basis", key + ".basis", Basis.self)
        rule.clear = number(t, "clear", key + ".clear")
        checkThresholds(rule, key: key, present: Set(t.keys))
        return target == nil ? nil : rule
    }

    /// The impossible combinations: no threshold, rates mixed with counts,
    /// warn above fail, a window that can never decide or never reach a count.
    mutating func checkThresholds(_ rule: GateRule, key: String, present: Set<String>) {
        let rates = present.intersection(["warn", "fail"]), counts = present.intersection(["warn_count", "fail_count"])
        if rates.isEmpty, counts.isEmpty { issue(key, "a rule needs a threshold: warn, fail, warn_count or fail_count") }
        if !rates.isEmpty, !counts.isEmpty { issue(key + "." + counts.sorted()[0], "a rule uses rates (warn, fail) or counts (warn_count, fail_count), not both") }
        if let w = rule.warn, let f = rule.fail, w > f { issue(key + ".warn", "warn (\(w)) is above fail (\(f))") }
        if let w = rule.warnCount, let f = rule.failCount, w > f { issue(key + ".warn_count", "warn_count (\(w)) is above fail_count (\(f))") }
        if rule.window < rule.minSessions {
            issue(key + ".window", "the window (\(rule.window)) is smaller than min_sessions (\(rule.minSessions)): the rule could never decide")
        }
        if let count = rule.failCount ?? rule.warnCount, count > rule.window {
            issue(key + "." + (rule.failCount != nil ? "fail_count" : "warn_count"), "a count of \(count) can never be reached in a window of \(rule.window)")
        }
        if rule.confidence != nil, !counts.isEmpty { issue(key + ".confidence", "applies to rates, not counts") }
        if let clear = rule.clear {
            // Only a failing rule pauses the agent, so only it has a level to clear.
            if let threshold = rule.fail ?? rule.failCount.map(Double.init) {
                if clear < 0 || clear > threshold { issue(key + ".clear", "must be between 0 and the fail threshold (\(threshold)), not \(clear)") }
            } else if rule.warn != nil || rule.warnCount != nil {
                issue(key + ".clear", "has no effect: only a rule with fail or fail_count pauses the agent")
            }
        }
    }

    // MARK: Provenance: the session trailer, subjects, bookkeeping, coverage

    mutating func readProvenance(_ t: TOMLTable, into c: inout Configuration) {
        if let trailer = t["trailer"]?.string, !trailer.isEmpty, !EvidenceOptions.isTrailerKey(trailer) {
            issue("git.trailer", "a trailer key is letters, digits and dashes, not \"\(trailer)\"")
        }
        if let names = strings(t, "session_env", "git.session_env") {
            if names.isEmpty { issue("git.session_env", "name at least one environment variable (default [\"GIT_COMMITTER_SESSION_ID\"])") }
            for (i, name) in names.enumerated() where !EvidenceOptions.isVariableName(name) {
                issue("git.session_env[\(i)]", "'\(name)' is not an environment variable name")
            }
            if !names.isEmpty { c.sessionEnvironment = names }
        }
        if let patterns = strings(t, "subject_patterns", "git.subject_patterns") {
            for (i, pattern) in patterns.enumerated() {
                if let problem = EvidenceOptions.problem(withSubjectPattern: pattern) { issue("git.subject_patterns[\(i)]", problem) }
            }
            c.subjectPatterns = patterns
        }
        c.bookkeepingPaths = strings(t, "bookkeeping_paths", "git.bookkeeping_paths") ?? c.bookkeepingPaths
    }

    mutating func readDoctor(_ t: TOMLTable, into c: inout Configuration) {
        unknownKeys(t, allowed: ["max_silence"], in: "doctor.")
        if let silence = number(t, "max_silence", "doctor.max_silence") {
            if silence > 0 { c.maxSilence = silence } else { issue("doctor.max_silence", "must be more than 0 seconds, not \(silence)") }
        }
    }

    /// `metric = "trailer_coverage"`: warn_below / fail_below over the agent
    /// commits of the last `window` sessions, from `min_commits` commits on.
    mutating func readCoverageRule(_ t: TOMLTable, key: String) -> GateRule? {
        unknownKeys(t, allowed: ["name", "metric", "window", "warn_below", "fail_below", "min_commits", "clear"], in: key + ".")
        var rule = GateRule.trailerCoverage(
            name: string(t, "name", key + ".name", nonEmpty: true) ?? "trailer-coverage",
            window: integer(t, "window", key + ".window", min: 1) ?? 30,
            warnBelow: rate(t, "warn_below", key + ".warn_below"), failBelow: rate(t, "fail_below", key + ".fail_below"),
            minCommits: integer(t, "min_commits", key + ".min_commits", min: 0) ?? 10)
        rule.clear = rate(t, "clear", key + ".clear")
        if rule.warnBelow == nil, rule.failBelow == nil { issue(key, "a trailer_coverage rule needs warn_below or fail_below") }
        if let w = rule.warnBelow, let f = rule.failBelow, w < f { issue(key + ".warn_below", "warn_below (\(w)) is below fail_below (\(f))") }
        if let clear = rule.clear, let f = rule.failBelow, clear < f { issue(key + ".clear", "must be at least fail_below (\(f)), not \(clear)") }
        return rule
    }

    // MARK: Suggestions

    /// "; did you mean 'X'?" when a candidate is a likely misspelling of `word`.
    func didYouMean(_ word: String, _ candidates: [String], prefix: String = "; did you mean ") -> String {
        let scored = candidates.map { ($0, editDistance($0, word)) }
        guard let (near, distance) = scored.min(by: { $0.1 < $1.1 }), distance > 0,
              distance <= max(1, min(2, word.count / 3)) else { return "" }
        return "\(prefix)'\(near)'?"
    }
}

/// Edit distance counting a swap of neighbours as one edit (optimal string
/// alignment), since "fial" for "fail" is the commonest slip.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
    for i in 0...a.count { d[i][0] = i }
    for j in 0...b.count { d[0][j] = j }
    for i in stride(from: 1, through: a.count, by: 1) {
        for j in stride(from: 1, through: b.count, by: 1) {
            let substitution = a[i - 1] == b[j - 1] ? 0 : 1
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + substitution)
            if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
            }
        }
    }
    return d[a.count][b.count]
}
