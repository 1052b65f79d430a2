import FailmixClassify
import FailmixGate
import FailmixRecords

/// The sections of `.failmix.toml`, each read into the configuration.
extension ConfigReader {
    mutating func configuration(_ root: TOMLTableNode) -> Configuration {
        var c = Configuration()
        c.source = path
        unknownKeys(root, allowed: ["records", "git", "modes", "classes", "rules", "gate", "ci", "agents", "doctor"], in: "")
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
        if let agents = root["agents"] { readAgents(agents, into: &c) }
        if let doctor = table(root, "doctor", "doctor") { readDoctor(doctor, into: &c) }
        return c
    }

    mutating func readRecords(_ t: TOMLTableNode, into c: inout Configuration) {
        unknownKeys(t, allowed: ["paths", "timestamp_is", "exclude", "exclude_duplicates"], in: "records.")
        readPopulation(t, into: &c)
        c.recordPaths = strings(t, "paths", "records.paths") ?? c.recordPaths
        c.timestampIs = choice(t, "timestamp_is", "records.timestamp_is", TimestampMeaning.self) ?? c.timestampIs
    }

    mutating func readGit(_ t: TOMLTableNode, into c: inout Configuration) {
        unknownKeys(t, allowed: ["repo", "revs", "all_branches", "trailer", "agent_authors", "window_slack", "notes_ref",
                                 "session_env", "subject_patterns", "bookkeeping_paths"], in: "git.")
        readProvenance(t, into: &c)
        c.repository = string(t, "repo", "git.repo", nonEmpty: true)
        c.revs = strings(t, "revs", "git.revs") ?? c.revs
        c.allBranches = bool(t, "all_branches", "git.all_branches") ?? c.allBranches
        c.trailer = string(t, "trailer", "git.trailer", nonEmpty: true) ?? c.trailer
        c.agentAuthors = strings(t, "agent_authors", "git.agent_authors") ?? c.agentAuthors
        if let slack = number(t, "window_slack", "git.window_slack") {
            if slack >= 0, slack <= SessionTime.longestSpan {
                c.windowSlack = slack
            } else {
                issue("git.window_slack", "must be between 0 and \(Int(SessionTime.longestSpan)) seconds, not \(slack)")
            }
        }
        if let ref = string(t, "notes_ref", "git.notes_ref") {
            if ref.hasPrefix("refs/") { c.notesRef = ref } else { issue("git.notes_ref", "must be a full ref such as \"refs/notes/ci\", not \"\(ref)\"") }
        }
    }

    /// Built-in modes tuned or switched off, and user-defined modes added
    /// after them (in key order).
    mutating func readModes(_ table: TOMLTableNode, into c: inout Configuration) {
        let builtinNames = BuiltinModes.all().map(\.name)
        var overrides: [String: TOMLTableNode] = [:]
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
    mutating func readConditions(_ mode: TOMLTableNode, key: String, field: String = "when") -> [FieldCondition]? {
        let key = key + "." + field
        guard let array = mode[field]?.array, !array.isEmpty else {
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

    mutating func scalar(_ v: TOMLNode, _ key: String) -> ScalarValue? {
        if let s = v.string { return .string(s) }
        if let b = v.bool { return .bool(b) }
        if let i = v.int { return .number(Double(i)) }
        if let d = v.double { return .number(d) }
        issue(key, "expected a string, number or true/false, found \(Self.kind(v.type))")
        return nil
    }

    /// Classes named here replace the default of that name; others stay.
    mutating func readClasses(_ t: TOMLTableNode, modes: [String], into c: inout Configuration) {
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

    mutating func readGate(_ t: TOMLTableNode, into c: inout Configuration) {
        unknownKeys(t, allowed: ["on_error", "timeout", "clear_margin", "basis", "on_insufficient", "mode"], in: "gate.")
        readGateDecisions(t, into: &c)
        c.onError = choice(t, "on_error", "gate.on_error", Configuration.OnError.self) ?? c.onError
        if let timeout = number(t, "timeout", "gate.timeout") {
            if timeout > 0, timeout <= Configuration.maxTimeout {
                c.timeout = timeout
            } else {
                issue("gate.timeout", "must be more than 0 and at most \(Int(Configuration.maxTimeout)) seconds, not \(timeout)")
            }
        }
        c.clearMargin = rate(t, "clear_margin", "gate.clear_margin") ?? c.clearMargin
        c.defaultBasis = choice(t, "basis", "gate.basis", Basis.self)
    }

    mutating func readCI(_ t: TOMLTableNode, modes: [String], into c: inout Configuration) {
        unknownKeys(t, allowed: ["block_modes", "context"], in: "ci.")
        if let blockModes = strings(t, "block_modes", "ci.block_modes") {
            for (i, m) in blockModes.enumerated() where !modes.contains(m) {
                issue("ci.block_modes[\(i)]", "unknown mode '\(m)'" + didYouMean(m, modes))
            }
            c.blockModes = blockModes
        }
        c.statusContext = string(t, "context", "ci.context", nonEmpty: true) ?? c.statusContext
    }
}
