import FoundationEssentials

/// One agent of a fleet: its records, its repository and its commit authors
/// (`[[agents]]` in the configuration, or `--agent NAME=RECORDS[:REPO]`).
public struct AgentDefinition: Sendable, Equatable {
    public var name: String
    public var records: [String]
    public var repository: String?
    /// Globs naming the agent's commits; empty: the configuration's.
    public var agentAuthors: [String]

    public init(name: String, records: [String], repository: String? = nil, agentAuthors: [String] = []) {
        self.name = name
        self.records = records
        self.repository = repository
        self.agentAuthors = agentAuthors
    }

    /// Letters, digits, `.`, `_` and `-`: a name that is safe as a label,
    /// a file name and a command-line word.
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64
            && name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0)) }
    }

    /// `NAME=RECORDS[:REPO]` from the command line.
    public static func parse(_ spec: String) throws(AgentSpecError) -> AgentDefinition {
        guard let eq = spec.firstIndex(of: "=") else {
            throw AgentSpecError("--agent '\(spec)': expected NAME=RECORDS[:REPO]")
        }
        let name = String(spec[..<eq])
        guard isValidName(name) else {
            throw AgentSpecError("--agent '\(spec)': the name must be letters, digits, '.', '_' or '-' (at most 64)")
        }
        let rest = spec[spec.index(after: eq)...]
        let parts = rest.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard let records = parts.first, !records.isEmpty else { throw AgentSpecError("--agent '\(spec)': no records file") }
        if parts.count == 2, parts[1].isEmpty { throw AgentSpecError("--agent '\(spec)': an empty repository after ':'") }
        return AgentDefinition(name: name, records: [records], repository: parts.count == 2 ? parts[1] : nil)
    }
}

public struct AgentSpecError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
