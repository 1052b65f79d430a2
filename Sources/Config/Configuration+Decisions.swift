import FailmixGate

extension Configuration {
    /// The keys of CUSUM and silence rules, and of infra handling, for `config show`.
    static func renderDecisionKeys(_ rule: GateRule) -> String {
        var out = ""
        if rule.kind != .window { out += "kind = \(toml(rule.kind.rawValue))\n" }
        if let p = rule.cusum { out += "baseline = \(toml(p.baseline))\nalarm = \(toml(p.alarm))\nh = \(toml(p.h))\n" }
        if let s = rule.maxSilence { out += "max_silence = \(toml(s))\n" }
        if let f = rule.silenceFactor { out += "silence_factor = \(toml(f))\n" }
        if rule.kind != .window { out += "on_alarm = \(toml(rule.onAlarm.description))\n" }
        if let skip = rule.skipInfra { out += "skip_infra = \(skip)\n" }
        return out
    }
}
