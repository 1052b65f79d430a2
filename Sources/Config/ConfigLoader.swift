import FailmixClassify
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
        var reader = ConfigReader(path: path, keyLines: KeyLines(text))
        let config = reader.configuration(table)
        if !reader.issues.isEmpty {
            // Stable: issues on one line keep the order they were found in.
            let ordered = reader.issues.enumerated().sorted { ($0.element.line, $0.offset) < ($1.element.line, $1.offset) }
            throw ConfigError(issues: ordered.map(\.element))
        }
        return config
    }
}
