import FailmixClassify
import FailmixRecords

/// SARIF 2.1.0: one rule per failure mode and per finding rule; results for
/// the findings and for every failed session of the most recent window,
/// located at the record's file and line.
public enum SARIFReporter: Reporter {
    public static let identifier = "sarif"

    public static func render(_ report: Report, options: RenderOptions, into out: inout some TextOutputStream) {
        let q = JSONReporter.json
        let catalog = report.catalog
        var ruleIDs = catalog.modes.map { "mode/\($0.name)" }
        for f in report.findings where !ruleIDs.contains(f.rule) { ruleIDs.append(f.rule) }
        out.write("{\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\",\"version\":\"2.1.0\",\"runs\":[{")
        out.write("\"tool\":{\"driver\":{\"name\":\"failmix\",\"version\":\(q(report.version)),\"informationUri\":\"https://github.com/failmix/failmix\",\"rules\":[")
        for (i, id) in ruleIDs.enumerated() {
            out.write(i == 0 ? "" : ",")
            if i < catalog.modes.count {
                let m = catalog.modes[i]
                out.write("{\"id\":\(q(id)),\"name\":\(q(m.name)),\"shortDescription\":{\"text\":\(q(m.label + ": " + m.ruleText))},\"help\":{\"text\":\(q("Likely cause: \(m.cause). Fix: \(m.fix)."))},\"defaultConfiguration\":{\"level\":\"note\"}}")
            } else {
                out.write("{\"id\":\(q(id)),\"name\":\(q(id)),\"shortDescription\":{\"text\":\(q("failmix rule " + id))},\"defaultConfiguration\":{\"level\":\"error\"}}")
            }
        }
        out.write("]}},\"results\":[")
        var first = true
        func result(_ rule: String, _ level: String, _ message: String, _ path: String?, _ line: Int?) {
            out.write(first ? "\n" : ",\n")
            first = false
            let index = ruleIDs.firstIndex(of: rule) ?? 0
            out.write("{\"ruleId\":\(q(rule)),\"ruleIndex\":\(index),\"level\":\"\(level)\",\"message\":{\"text\":\(q(message))}")
            if let path {
                out.write(",\"locations\":[{\"physicalLocation\":{\"artifactLocation\":{\"uri\":\(q(path))}")
                if let line { out.write(",\"region\":{\"startLine\":\(max(1, line))}") }
                out.write("}}]")
            }
            out.write("}")
        }
        for f in report.rankedFindings {
            result(f.rule, f.level == .failure ? "error" : f.level == .warning ? "warning" : "note", f.title + ": " + f.message, f.path, f.line)
        }
        if let recent = report.mix.recent {
            for s in report.records.sessions.suffix(recent.total) where s.modeBits != 0 {
                let path = report.records.path(of: s.location)
                for m in ModeSet(bits: s.modeBits) {
                    result("mode/\(catalog.modes[m].name)", "note", "session \(s.sessionID): \(catalog.modes[m].label)", path, Int(s.location.line))
                }
            }
        }
        out.write("\n]}]}\n")
    }
}
