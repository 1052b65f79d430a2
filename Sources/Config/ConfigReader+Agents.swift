import FoundationEssentials

extension ConfigReader {
    /// `[[agents]]`: name, records (a path or a list), repo, agent_authors.
    /// Relative paths are relative to the configuration file, so a fleet's
    /// file means the same from any working directory.
    mutating func readAgents(_ value: TOMLNode, into c: inout Configuration) {
        guard let array = value.array else {
            issue("agents", "expected [[agents]] tables, found \(Self.kind(value.type))")
            return
        }
        let base = URL(fileURLWithPath: path).deletingLastPathComponent()
        func resolve(_ p: String) -> String { p.hasPrefix("/") ? p : base.appendingPathComponent(p).standardizedFileURL.path }
        var names: Set<String> = []
        for (i, element) in array.enumerated() {
            let key = "agents[\(i)]"
            guard let t = element.table else { issue(key, "each agent must be an [[agents]] table"); continue }
            unknownKeys(t, allowed: ["name", "records", "repo", "agent_authors"], in: key + ".")
            guard let name = string(t, "name", key + ".name", nonEmpty: true) else {
                if t["name"] == nil { issue(key, "an agent needs `name`") }
                continue
            }
            guard AgentDefinition.isValidName(name) else {
                issue(key + ".name", "'\(name)': use letters, digits, '.', '_' or '-' (at most 64)")
                continue
            }
            if !names.insert(name).inserted { issue(key + ".name", "another agent is named '\(name)'") }
            var records: [String] = []
            if let v = t["records"], v.string != nil {
                records = [string(t, "records", key + ".records", nonEmpty: true)].compactMap { $0 }
            } else if let list = strings(t, "records", key + ".records") {
                records = list
            }
            if records.isEmpty {
                if t["records"] == nil || t["records"]?.array?.isEmpty == true { issue(key, "an agent needs `records` (its session-records.jsonl)") }
                continue
            }
            c.agents.append(AgentDefinition(
                name: name, records: records.map(resolve), repository: string(t, "repo", key + ".repo", nonEmpty: true).map(resolve),
                agentAuthors: strings(t, "agent_authors", key + ".agent_authors") ?? []))
        }
    }
}
