import FailmixGate

/// `[[rules]]` tables and the combinations of thresholds that cannot work.
extension ConfigReader {
    mutating func readRule(_ t: TOMLTableNode, index: Int, modes: [String], classes: FaultClasses) -> GateRule? {
        let key = "rules[\(index)]"
        if let metric = choice(t, "metric", key + ".metric", GateMetric.self), metric == .trailerCoverage {
            return readCoverageRule(t, key: key)
        }
        unknownKeys(t, allowed: ["name", "mode", "window", "warn", "fail", "warn_count", "fail_count", "min_sessions",
                                 "confidence", "streak", "basis", "clear", "metric"] + Self.decisionRuleKeys, in: key + ".")
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
        readRuleKind(t, key: key, into: &rule)
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
        if rule.kind == .window { checkThresholds(rule, key: key, present: Set(t.keys)) } else { checkSequential(rule, key: key, present: Set(t.keys)) }
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
}
