import FailmixClassify
import FailmixGate
import FailmixRecords
import Foundation
import TOMLKit

/// One problem in a configuration file, located for a person to fix.
public struct ConfigIssue: Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var line: Int
    public var key: String
    public var message: String

    public var description: String { "\(path):\(line): key '\(key)': \(message)" }
}

public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public var issues: [ConfigIssue]
    public var description: String { issues.map(\.description).joined(separator: "\n") }
}

/// Reads and validates `.failmix.toml`: every problem is collected, each
/// with file, line and key, misspelt keys with a "did you mean".
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
            throw ConfigError(issues: [ConfigIssue(path: path, line: error.source.begin.line, key: "",
                                                   message: "TOML syntax error at column \(error.source.begin.column): \(error.description)")])
        } catch {
            throw ConfigError(issues: [ConfigIssue(path: path, line: 0, key: "", message: "\(error)")])
        }
        var reader = Reader(path: path, lines: LineLocator(text))
        let config = reader.configuration(table)
        if !reader.issues.isEmpty { throw ConfigError(issues: reader.issues.sorted { $0.line < $1.line }) }
        return config
    }
}

/// Finds the line of a dotted key (`gate.on_error`, `rules[2].warn`) in the
/// TOML text; TOMLKit keeps no source positions.
struct LineLocator {
    let lines: [Substring]

    init(_ text: String) { lines = text.split(separator: "\n", omittingEmptySubsequences: false) }

    func line(of key: String) -> Int {
        var parts = key.split(separator: ".").map(String.init)
        guard !parts.isEmpty else { return 1 }
        let leaf = parts.removeLast()
        var header = parts.joined(separator: ".")
        var occurrence = 0
        if let bracket = header.firstIndex(of: "["), header.hasSuffix("]") {
            occurrence = Int(header[header.index(after: bracket)..<header.index(before: header.endIndex)]) ?? 0
            header = String(header[..<bracket])
        }
        var inTable = header.isEmpty
        var seen = -1
        var headerLine = 1
        for (i, raw) in lines.enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("[") {
                let name = line.trimmingCharacters(in: CharacterSet(charactersIn: "[] ")).components(separatedBy: "#")[0]
                    .trimmingCharacters(in: CharacterSet(charactersIn: "[] "))
                if name == header || (header.isEmpty == false && line == "[\(header)]") {
                    seen += 1
                    inTable = seen == occurrence
                    if inTable { headerLine = i + 1 }
                } else {
                    inTable = false
                }
                // A key that names a whole table points at its header.
                if name == (parts + [leaf]).joined(separator: ".") { return i + 1 }
                continue
            }
            if inTable, line.hasPrefix(leaf), line.dropFirst(leaf.count).trimmingCharacters(in: .whitespaces).hasPrefix("=") {
                return i + 1
            }
        }
        return headerLine
    }
}

private struct Reader {
    let path: String
    let lines: LineLocator
    var issues: [ConfigIssue] = []

    init(path: String, lines: LineLocator) {
        self.path = path
        self.lines = lines
    }

    mutating func issue(_ key: String, _ message: String) {
        issues.append(ConfigIssue(path: path, line: lines.line(of: key), key: key, message: message))
    }

    mutating func unknownKeys(_ table: TOMLTable, allowed: [String], prefix: String) {
        for key in table.keys where !allowed.contains(key) {
            let near = allowed.min { editDistance($0, key) < editDistance($1, key) }
            let hint = near.map { editDistance($0, key) <= 2 ? "; did you mean '\($0)'?" : "" } ?? ""
            issue(prefix + key, "unknown key\(hint)")
        }
    }

    mutating func string(_ t: TOMLTable, _ key: String, _ full: String) -> String? {
        guard let v = t[key] else { return nil }
        guard let s = v.string else { issue(full, "expected a string, found \(v.type)"); return nil }
        return s
    }

    mutating func bool(_ t: TOMLTable, _ key: String, _ full: String) -> Bool? {
        guard let v = t[key] else { return nil }
        guard let b = v.bool else { issue(full, "expected true or false, found \(v.type)"); return nil }
        return b
    }

    mutating func number(_ t: TOMLTable, _ key: String, _ full: String) -> Double? {
        guard let v = t[key] else { return nil }
        if let d = v.double { return d }
        if let i = v.int { return Double(i) }
        issue(full, "expected a number, found \(v.type)")
        return nil
    }

    mutating func integer(_ t: TOMLTable, _ key: String, _ full: String, min: Int) -> Int? {
        guard let v = t[key] else { return nil }
        guard let i = v.int else { issue(full, "expected a whole number, found \(v.type)"); return nil }
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
        guard let array = v.array else { issue(full, "expected an array of strings, found \(v.type)"); return nil }
        var out: [String] = []
        for element in array {
            guard let s = element.string else { issue(full, "expected an array of strings"); return nil }
            out.append(s)
        }
        return out
    }

    mutating func section(_ root: TOMLTable, _ key: String) -> TOMLTable? {
        guard let v = root[key] else { return nil }
        guard let t = v.table else { issue(key, "expected a table, found \(v.type)"); return nil }
        return t
    }

    mutating func configuration(_ root: TOMLTable) -> Configuration {
        var c = Configuration()
        c.source = path
        unknownKeys(root, allowed: ["records", "git", "modes", "classes", "rules", "gate", "ci"], prefix: "")
        if let r = section(root, "records") {
            unknownKeys(r, allowed: ["paths", "timestamp_is"], prefix: "records.")
            c.recordPaths = strings(r, "paths", "records.paths") ?? []
            if let t = string(r, "timestamp_is", "records.timestamp_is") {
                if let m = TimestampMeaning(rawValue: t) { c.timestampIs = m } else { issue("records.timestamp_is", "must be \"end\" or \"start\", not \"\(t)\"") }
            }
        }
        if let g = section(root, "git") {
            unknownKeys(g, allowed: ["repo", "revs", "all_branches", "trailer", "agent_authors", "window_slack", "notes_ref"], prefix: "git.")
            c.repository = string(g, "repo", "git.repo")
            c.revs = strings(g, "revs", "git.revs") ?? []
            c.allBranches = bool(g, "all_branches", "git.all_branches") ?? false
            c.trailer = string(g, "trailer", "git.trailer") ?? c.trailer
            c.agentAuthors = strings(g, "agent_authors", "git.agent_authors") ?? []
            if let s = number(g, "window_slack", "git.window_slack") {
                if s >= 0 { c.windowSlack = s } else { issue("git.window_slack", "must be 0 or more") }
            }
            c.notesRef = string(g, "notes_ref", "git.notes_ref") ?? c.notesRef
        }
        if let modes = section(root, "modes") { c.modes = readModes(modes) }
        let modeNames = c.modes.map(\.name)
        if let classes = section(root, "classes") {
            var list: [(name: String, modes: [String])] = []
            for name in classes.keys {
                guard let members = strings(classes, name, "classes.\(name)") else { continue }
                for m in members where !modeNames.contains(m) { issue("classes.\(name)", "unknown mode '\(m)'\(suggest(m, modeNames))") }
                list.append((name, members))
            }
            c.classes = FaultClasses(list)
        }
        if let v = root["rules"] {
            if let array = v.array {
                c.rules = []
                for (i, element) in array.enumerated() {
                    guard let t = element.table else { issue("rules", "each [[rules]] entry must be a table"); continue }
                    if let rule = readRule(t, index: i, modes: modeNames, classes: c.classes) { c.rules.append(rule) }
                }
            } else {
                issue("rules", "expected [[rules]] tables, found \(v.type)")
            }
        }
        if let g = section(root, "gate") {
            unknownKeys(g, allowed: ["on_error", "clear_margin"], prefix: "gate.")
            if let e = string(g, "on_error", "gate.on_error") {
                if let v = Configuration.OnError(rawValue: e) { c.onError = v } else { issue("gate.on_error", "must be \"closed\" or \"open\", not \"\(e)\"") }
            }
            c.clearMargin = rate(g, "clear_margin", "gate.clear_margin") ?? c.clearMargin
        }
        if let ci = section(root, "ci") {
            unknownKeys(ci, allowed: ["block_modes", "context"], prefix: "ci.")
            if let modes = strings(ci, "block_modes", "ci.block_modes") {
                for m in modes where !modeNames.contains(m) { issue("ci.block_modes", "unknown mode '\(m)'\(suggest(m, modeNames))") }
                c.blockModes = modes
            }
            c.statusContext = string(ci, "context", "ci.context") ?? c.statusContext
        }
        return c
    }

    mutating func readModes(_ table: TOMLTable) -> [ModeDefinition] {
        var modes = BuiltinModes.all()
        var disabled: [String] = []
        for name in table.keys {
            let key = "modes.\(name)"
            guard let t = table[name]?.table else { issue(key, "expected a table"); continue }
            let builtin = modes.firstIndex { $0.name == name }
            unknownKeys(t, allowed: ["enabled", "label", "cause", "fix", "when"] + (name == "low_productivity" ? ["cutoff"] : []), prefix: key + ".")
            if bool(t, "enabled", key + ".enabled") == false { disabled.append(name); continue }
            if let i = builtin {
                if let cutoff = number(t, "cutoff", key + ".cutoff") {
                    modes[i] = BuiltinModes.all(lowProductivityCutoff: cutoff).first { $0.name == name }!
                }
                if let label = string(t, "label", key + ".label") { modes[i].label = label }
                if let cause = string(t, "cause", key + ".cause") { modes[i].cause = cause }
                if let fix = string(t, "fix", key + ".fix") { modes[i].fix = fix }
                if let when = t["when"]?.array, let conditions = readConditions(when, key: key + ".when") { modes[i].anyOf = [conditions] }
                continue
            }
            guard let when = t["when"]?.array else { issue(key, "a new mode needs `when = [{ field = …, equals = … }]`"); continue }
            guard let conditions = readConditions(when, key: key + ".when"), !conditions.isEmpty else { continue }
            guard modes.count < ModeCatalog.capacity else { issue(key, "at most \(ModeCatalog.capacity) modes"); continue }
            modes.append(ModeDefinition(
                name: name, label: string(t, "label", key + ".label") ?? name,
                cause: string(t, "cause", key + ".cause") ?? "(not configured)",
                fix: string(t, "fix", key + ".fix") ?? "(not configured)", anyOf: [conditions]))
        }
        return modes.filter { !disabled.contains($0.name) }
    }

    mutating func readConditions(_ array: TOMLArray, key: String) -> [FieldCondition]? {
        var out: [FieldCondition] = []
        for element in array {
            guard let t = element.table else { issue(key, "each condition must be a table { field = …, equals = … }"); return nil }
            unknownKeys(t, allowed: ["field", "equals", "in", "less_than", "contains", "case_insensitive", "missing"], prefix: key + ".")
            guard let field = string(t, "field", key + ".field") else { issue(key, "a condition needs `field`"); return nil }
            let ci = bool(t, "case_insensitive", key + ".case_insensitive") ?? false
            func scalar(_ v: TOMLValueConvertible) -> ScalarValue? {
                if let s = v.string { return .string(s) }
                if let b = v.bool { return .bool(b) }
                if let i = v.int { return .number(Double(i)) }
                if let d = v.double { return .number(d) }
                return nil
            }
            if let v = t["equals"], let s = scalar(v) {
                out.append(FieldCondition(field, .equals(s, caseInsensitive: ci)))
            } else if let v = t["in"]?.array {
                out.append(FieldCondition(field, .oneOf(v.compactMap { scalar($0) }, caseInsensitive: ci)))
            } else if let bound = number(t, "less_than", key + ".less_than") {
                out.append(FieldCondition(field, .lessThan(bound, whenMissing: number(t, "missing", key + ".missing"))))
            } else if let s = string(t, "contains", key + ".contains") {
                out.append(FieldCondition(field, .contains(s)))
            } else {
                issue(key, "a condition needs one of equals, in, less_than, contains")
                return nil
            }
        }
        return out
    }

    mutating func readRule(_ t: TOMLTable, index: Int, modes: [String], classes: FaultClasses) -> GateRule? {
        let key = "rules[\(index)]"
        unknownKeys(t, allowed: ["name", "mode", "window", "warn", "fail", "warn_count", "fail_count", "min_sessions",
                                 "confidence", "streak", "basis", "clear"], prefix: key + ".")
        guard let modeName = string(t, "mode", key + ".mode") else { issue(key, "a rule needs `mode` (a mode, a class, or \"any\")"); return nil }
        let target: RuleTarget
        if modeName == "any" {
            target = .any
        } else if modes.contains(modeName) {
            target = .mode(modeName)
        } else if classes.modes(of: modeName) != nil {
            target = .faultClass(modeName)
        } else {
            issue(key + ".mode", "unknown mode or class '\(modeName)'\(suggest(modeName, modes + classes.classes.map(\.name) + ["any"]))")
            return nil
        }
        let window = integer(t, "window", key + ".window", min: 1) ?? 30
        var rule = GateRule(name: string(t, "name", key + ".name") ?? "\(modeName)-\(index)", target: target, window: window)
        rule.warn = rate(t, "warn", key + ".warn")
        rule.fail = rate(t, "fail", key + ".fail")
        rule.warnCount = integer(t, "warn_count", key + ".warn_count", min: 1)
        rule.failCount = integer(t, "fail_count", key + ".fail_count", min: 1)
        rule.minSessions = integer(t, "min_sessions", key + ".min_sessions", min: 0) ?? 10
        if let c = number(t, "confidence", key + ".confidence") {
            if c > 0, c < 1 { rule.confidence = c } else { issue(key + ".confidence", "must be between 0 and 1 (e.g. 0.9), not \(c)") }
        }
        rule.streak = integer(t, "streak", key + ".streak", min: 1)
        if let b = string(t, "basis", key + ".basis") {
            if let basis = Basis(rawValue: b) { rule.basis = basis } else { issue(key + ".basis", "must be \"corroborated\" or \"recorded\", not \"\(b)\"") }
        }
        rule.clear = number(t, "clear", key + ".clear")
        if rule.warn == nil, rule.fail == nil, rule.warnCount == nil, rule.failCount == nil {
            issue(key, "a rule needs a threshold: warn, fail, warn_count or fail_count")
        }
        if let w = rule.warn, let f = rule.fail, w > f { issue(key + ".warn", "warn (\(w)) is above fail (\(f))") }
        if let w = rule.warnCount, let f = rule.failCount, w > f { issue(key + ".warn_count", "warn_count (\(w)) is above fail_count (\(f))") }
        if window < rule.minSessions { issue(key + ".window", "the window (\(window)) is smaller than min_sessions (\(rule.minSessions)): the rule could never decide") }
        if let count = rule.failCount ?? rule.warnCount, count > window { issue(key, "a count of \(count) can never be reached in a window of \(window)") }
        return rule
    }

    func suggest(_ word: String, _ candidates: [String]) -> String {
        guard let near = candidates.min(by: { editDistance($0, word) < editDistance($1, word) }), editDistance(near, word) <= 2 else { return "" }
        return "; did you mean '\(near)'?"
    }
}

/// Levenshtein distance, for "did you mean".
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    var previous = Array(0...b.count)
    for (i, ca) in a.enumerated() {
        var current = [i + 1] + Array(repeating: 0, count: b.count)
        for (j, cb) in b.enumerated() {
            current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (ca == cb ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}
