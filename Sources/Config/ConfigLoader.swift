import FailmixSupport
import FailmixClassify
import FailmixGate
import FailmixRecords
import FoundationEssentials

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
        // TOML allows no control characters but tab (and CR before LF); the
        // parser underneath reads a C string and would stop at a NUL, so a
        // file with one must be refused here, at its line.
        if let (line, column, byte) = controlCharacter(in: text) {
            throw ConfigError(issues: [ConfigIssue(path: path, line: line, column: column, key: "",
                                                   message: "TOML syntax error: control character U+\(formatted("%04X", byte)) is not allowed")])
        }
        // toml++ (inside TOMLKit) aborts on an assertion, instead of reporting
        // an error, for some input that is not TOML (found by fuzzing): refuse
        // it here, at its line and column.
        if let (line, column, message) = parserAbort(in: text) {
            throw ConfigError(issues: [ConfigIssue(path: path, line: line, column: column, key: "",
                                                   message: "TOML syntax error: \(message)")])
        }
        let document: TOMLDocument
        do {
            document = try TOMLDocument(parsing: text)
        } catch {
            throw ConfigError(issues: [ConfigIssue(path: path, line: error.line, column: error.column,
                                                   key: "", message: "TOML syntax error: \(error.message)")])
        }
        var reader = ConfigReader(path: path, text: text)
        let config = reader.configuration(document.root)
        if !reader.issues.isEmpty {
            // Stable: issues on one line keep the order they were found in.
            let ordered = reader.issues.enumerated().sorted { ($0.element.line, $0.offset) < ($1.element.line, $1.offset) }
            throw ConfigError(issues: ordered.map(\.element))
        }
        return config
    }
}

extension ConfigLoader {
    /// The first place where toml++ would abort rather than report an error
    /// (1-based line and column, counted in bytes): a non-ASCII character
    /// outside strings and comments (TOML allows them only there), or a table
    /// header whose first key does not start with a bare-key character or a
    /// quote (`[.a]`, `[[[`), or a bracket in a value that closes another kind
    /// (`s=[}`). Strings (basic, literal, multi-line) and comments are skipped
    /// as TOML delimits them; brackets inside values are not headers.
    static func parserAbort(in text: String) -> (line: Int, column: Int, message: String)? {
        let b = Array(text.utf8)
        let quote = UInt8(ascii: "\""), apostrophe = UInt8(ascii: "'"), backslash = UInt8(ascii: "\\")
        let open = UInt8(ascii: "["), space = UInt8(ascii: " "), tab = UInt8(ascii: "\t")
        var i = 0, line = 1, lineStart = 0
        // After `=` until the value ends: nested brackets there are arrays, not headers.
        var inValue = false, atLineStart = true
        var openers: [UInt8] = []  // the value's open `[` and `{`, innermost last
        func starts(_ q: UInt8, count: Int, at k: Int) -> Bool { k + count <= b.count && b[k..<k + count].allSatisfy { $0 == q } }
        func startsKey(_ c: UInt8) -> Bool {
            switch c {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"), quote, apostrophe: true
            default: false
            }
        }
        while i < b.count {
            let c = b[i]
            if c == 0x0A {
                line += 1
                lineStart = i + 1
                i += 1
                if openers.isEmpty { inValue = false }
                atLineStart = true
                continue
            }
            if c == space || c == tab || c == 0x0D { i += 1; continue }
            defer { atLineStart = false }
            if c == UInt8(ascii: "#") {
                while i < b.count, b[i] != 0x0A { i += 1 }
            } else if c == quote || c == apostrophe {
                let multi = starts(c, count: 3, at: i)
                i += multi ? 3 : 1
                while i < b.count {
                    if c == quote, b[i] == backslash { i += 2; continue }
                    if b[i] == 0x0A {
                        if !multi { break }  // an unterminated string: toml++ reports it
                        line += 1
                        lineStart = i + 1
                    }
                    if b[i] == c, !multi || starts(c, count: 3, at: i) {
                        i += multi ? 3 : 1
                        // A multi-line string may end with up to two more quotes.
                        while multi, i < b.count, b[i] == c { i += 1 }
                        break
                    }
                    i += 1
                }
            } else if c >= 0x80 {
                return (line, i - lineStart + 1, "a non-ASCII character outside a string or comment (quote the key)")
            } else if c == open, atLineStart, !inValue {
                var k = i + 1
                if k < b.count, b[k] == open { k += 1 }
                while k < b.count, b[k] == space || b[k] == tab { k += 1 }
                guard k < b.count, startsKey(b[k]) else {
                    return (line, k - lineStart + 1, "a table header must start with a key")
                }
                i = k
            } else {
                if c == UInt8(ascii: "="), !inValue { inValue = true }
                if inValue, c == open || c == UInt8(ascii: "{") { openers.append(c) }
                if inValue, c == UInt8(ascii: "]") || c == UInt8(ascii: "}") {
                    let opener = c == UInt8(ascii: "]") ? open : UInt8(ascii: "{")
                    guard openers.last == opener else {
                        return (line, i - lineStart + 1, "'\(Character(Unicode.Scalar(c)))' closes nothing open here")
                    }
                    openers.removeLast()
                }
                i += 1
            }
        }
        return nil
    }

    /// The first control character TOML forbids (1-based line and column).
    static func controlCharacter(in text: String) -> (line: Int, column: Int, byte: UInt8)? {
        var line = 1, column = 0
        var previousCR = false
        for b in text.utf8 {
            column += 1
            if previousCR, b != 0x0A { return (line, column - 1, 0x0D) }
            previousCR = b == 0x0D
            switch b {
            case 0x0A: line += 1; column = 0
            case 0x09, 0x0D: break
            case 0..<0x20, 0x7F: return (line, column, b)
            default: break
            }
        }
        return previousCR ? (line, column, 0x0D) : nil
    }
}
