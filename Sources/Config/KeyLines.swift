import FailmixSupport
import FoundationEssentials

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
            let line = raw.trimmingBlanks
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
                let value = line[line.index(after: equals)...].trimmingBlanks
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
        guard let end = rest.firstRange(of: closing) else { return nil }
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
