import FailmixClassify
import FailmixGate
import FoundationEssentials

/// The keys of issue #14's decisions: rule kinds (CUSUM, silence), who
/// counts (`[records] exclude`), and how the gate decides on too little data
/// or in shadow mode.
extension ConfigReader {
    static let decisionRuleKeys = ["kind", "baseline", "alarm", "h", "run_length", "max_silence", "silence_factor",
                                   "on_alarm", "skip_infra"]

    mutating func readRuleKind(_ t: TOMLTableNode, key: String, into rule: inout GateRule) {
        rule.kind = choice(t, "kind", key + ".kind", RuleKind.self) ?? .window
        if let skip = bool(t, "skip_infra", key + ".skip_infra") { rule.skipInfra = skip }
        if let level = string(t, "on_alarm", key + ".on_alarm") {
            switch level {
            case "fail": rule.onAlarm = .fail
            case "warn": rule.onAlarm = .warn
            default: issue(key + ".on_alarm", "must be \"fail\" or \"warn\", not \"\(level)\"")
            }
        } else if rule.kind == .silence {
            rule.onAlarm = .warn  // records that stopped arriving are worth a look, not a stop
        }
        switch rule.kind {
        case .window:
            for k in Self.decisionRuleKeys where !["kind", "skip_infra"].contains(k) && t[k] != nil {
                issue("\(key).\(k)", "applies to kind = \"cusum\" or \"silence\" rules, not window rules")
            }
        case .cusum:
            if t["window"] == nil { rule.window = 300 }
            let baseline = rate(t, "baseline", key + ".baseline")
            let alarm = rate(t, "alarm", key + ".alarm")
            guard let baseline, let alarm else {
                if t["baseline"] == nil || t["alarm"] == nil { issue(key, "a CUSUM rule needs `baseline` and `alarm` rates (e.g. 0.27 and 0.45)") }
                return
            }
            guard baseline > 0, alarm < 1, alarm > baseline else {
                issue(key + ".alarm", "must be above baseline (\(baseline)) and below 1, with baseline above 0, not \(alarm)")
                return
            }
            let h = number(t, "h", key + ".h"), runLength = number(t, "run_length", key + ".run_length")
            switch (h, runLength) {
            case let (h?, nil):
                if h > 0, h <= 1_000 { rule.cusum = CusumParameters(baseline: baseline, alarm: alarm, h: h) } else { issue(key + ".h", "must be above 0 (and at most 1000), not \(h)") }
            case let (nil, length?):
                if length >= 10, length <= 1e7 { rule.cusum = CusumParameters(baseline: baseline, alarm: alarm, runLength: length) } else { issue(key + ".run_length", "must be between 10 and 10,000,000 sessions, not \(length)") }
            case (nil, nil):
                issue(key, "a CUSUM rule needs `h` or `run_length` (the healthy sessions between false alarms, e.g. 2000)")
            case (.some, .some):
                issue(key + ".run_length", "give `h` or `run_length`, not both")
            }
        case .silence:
            if let text = t["max_silence"] {
                if let seconds = text.int.map(Double.init) ?? text.double ?? text.string.flatMap(Self.seconds), seconds > 0 {
                    rule.maxSilence = seconds
                } else {
                    issue(key + ".max_silence", "expected seconds or a duration such as \"6h\", \"90m\", \"2d\"")
                }
            }
            if let factor = number(t, "silence_factor", key + ".silence_factor") {
                if factor > 1 { rule.silenceFactor = factor } else { issue(key + ".silence_factor", "must be above 1 (a multiple of the median gap), not \(factor)") }
            }
            if t["max_silence"] == nil, t["silence_factor"] == nil {
                issue(key, "a silence rule needs `max_silence` (e.g. \"6h\") or `silence_factor` (× the median gap between sessions)")
            }
        }
    }

    /// "90m", "6h", "2d", "45s" → seconds.
    static func seconds(_ text: String) -> Double? {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3_600, "d": 86_400]
        guard let unit = text.last.flatMap({ units[$0] }), let value = Double(text.dropLast()), value > 0, value.isFinite else { return nil }
        return value * unit
    }

    mutating func checkSequential(_ rule: GateRule, key: String, present: Set<String>) {
        for k in ["warn", "fail", "warn_count", "fail_count", "confidence", "streak", "clear"] where present.contains(k) {
            issue("\(key).\(k)", "applies to window rules, not kind = \"\(rule.kind.rawValue)\"")
        }
        if rule.window < rule.minSessions {
            issue(key + ".window", "the window (\(rule.window)) is smaller than min_sessions (\(rule.minSessions)): the rule could never decide")
        }
    }

    mutating func readGateDecisions(_ t: TOMLTableNode, into c: inout Configuration) {
        if let value = string(t, "on_insufficient", "gate.on_insufficient") {
            switch value {
            case "pass": c.onInsufficient = .pass
            case "warn": c.onInsufficient = .warn
            default: issue("gate.on_insufficient", "must be \"pass\" or \"warn\", not \"\(value)\"")
            }
        }
        c.gateMode = choice(t, "mode", "gate.mode", Configuration.GateMode.self) ?? c.gateMode
    }

    /// `exclude = [{ field = "run_type", in = ["monitoring", "test"] }]`: a
    /// record matching any condition leaves the population (an empty list
    /// keeps every record); `exclude_duplicates = false` keeps records that
    /// carry `duplicate_of`.
    mutating func readPopulation(_ t: TOMLTableNode, into c: inout Configuration) {
        if let value = t["exclude"] {
            if let array = value.array, array.isEmpty {
                c.population.exclude = []
            } else if let conditions = readConditions(t, key: "records", field: "exclude") {
                c.population.exclude = conditions
            }
        }
        if let keep = bool(t, "exclude_duplicates", "records.exclude_duplicates") { c.population.excludeDuplicates = keep }
    }
}
