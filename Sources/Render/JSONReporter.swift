import FailmixClassify
import FailmixEvidence
import FailmixRecords

/// The machine report, schema 1 (documented in README.md). Fields are only
/// ever added, never renamed. Written straight to the stream, so a report of
/// every session never builds a document tree in memory.
public enum JSONReporter: Reporter {
    public static let identifier = "json"
    public static let summary = "versioned JSON (schema 1) for programs"
    public static let schemaVersion = 1

    public static func render(_ report: Report, options: RenderOptions, into out: inout some TextOutputStream) {
        let catalog = report.catalog
        let r = report.records
        out.write("{\"schema\":\(schemaVersion),\"tool\":{\"name\":\"failmix\",\"version\":\(json(report.version))}")
        out.write(",\"records\":{\"files\":")
        out.write(array(r.files) { "{\"path\":\(json($0.path)),\"role\":\"\($0.role.rawValue)\",\"lines\":\($0.lines),\"bytes\":\($0.bytes)}" })
        out.write(",\"read\":\(r.recordLines),\"sessions\":\(r.sessionCount),\"malformed\":")
        out.write(array(r.malformed) { "{\"path\":\(json($0.path)),\"line\":\($0.line),\"error\":\(json($0.error))}" })
        out.write(",\"malformed_total\":\(r.malformedCount),\"duplicates\":\(r.duplicatesFolded),\"partial_tail\":")
        out.write(array(r.partialTails) { "{\"path\":\(json($0.path)),\"line\":\($0.line),\"bytes\":\($0.bytes)}" })
        out.write(",\"untimed\":\(r.untimedCount)}")
        out.write(",\"modes\":")
        out.write(array(catalog.modes) { "{\"name\":\(json($0.name)),\"label\":\(json($0.label)),\"rule\":\(json($0.ruleText))}" })
        out.write(",\"windows\":[")
        for (i, w) in report.mix.windows.enumerated() {
            out.write(i == 0 ? "" : ",")
            out.write("{\"last\":\(w.last),\"total\":\(w.total),\"failed\":\(w.failed),\"failed_rate\":\(number(w.failedRate)),\"modes\":{")
            for (k, m) in catalog.modes.enumerated() {
                out.write(k == 0 ? "" : ",")
                out.write("\(json(m.name)):{\"count\":\(w.counts[k]),\"rate\":\(number(w.rate(w.counts[k])))}")
            }
            out.write("}")
            if let corrected = report.corroboratedMix?.windows[i], let v = report.verdicts(in: w) {
                out.write(",\"corroborated\":{\"failed\":\(corrected.failed),\"failed_rate\":\(number(corrected.failedRate)),\"modes\":{")
                for (k, m) in catalog.modes.enumerated() {
                    out.write(k == 0 ? "" : ",")
                    out.write("\(json(m.name)):{\"count\":\(corrected.counts[k]),\"rate\":\(number(corrected.rate(corrected.counts[k])))}")
                }
                out.write("}},\"verdicts\":{\"noop\":{")
                out.write(NoopVerdict.allCases.map { "\"\($0.rawValue)\":\(v.noop[$0, default: 0])" }.joined(separator: ","))
                out.write("},\"ci_break\":{")
                out.write(CIBreakVerdict.allCases.map { "\"\($0.rawValue)\":\(v.ciBreak[$0, default: 0])" }.joined(separator: ","))
                out.write("},\"productive_without_commits\":\(v.productiveWithoutCommits)}")
            }
            out.write("}")
        }
        out.write("],\"trends\":[")
        for (i, t) in report.mix.trends.enumerated() {
            out.write(i == 0 ? "" : ",")
            out.write("{\"mode\":\(json(catalog.modes[t.mode].name)),\"wider_rate\":\(number(t.widerRate)),\"recent_rate\":\(number(t.recentRate)),\"points\":\(number(t.points)),\"direction\":\"\(t.direction.rawValue)\"}")
        }
        out.write("],\"dominant\":")
        if let d = report.mix.dominant {
            let m = catalog.modes[d]
            out.write("{\"mode\":\(json(m.name)),\"cause\":\(json(m.cause)),\"fix\":\(json(m.fix))}")
        } else {
            out.write("null")
        }
        out.write(",\"git\":")
        if let e = report.corroboration {
            let repo = e.repository
            out.write("{\"repository\":\(json(repo.workdir ?? repo.gitDirectory)),\"head\":\(repo.headSHA.map(json) ?? "null"),\"shallow\":\(repo.isShallow),\"empty\":\(repo.isEmpty),\"detached\":\(repo.isDetached),\"commits_walked\":\(e.commitsWalked),\"unclaimed_commits\":[")
            out.write(e.unclaimedCommits.map(json).joined(separator: ","))
            out.write("],\"notes\":[" + e.notes.map(json).joined(separator: ",") + "]}")
        } else {
            out.write("null")
        }
        out.write(",\"notes\":[")
        for (i, n) in report.notes.enumerated() {
            out.write(i == 0 ? "" : ",")
            out.write(json(n))
        }
        out.write("],\"sessions\":[")
        // The one part that grows with the data: built line by line in a
        // reused buffer, with every constant piece quoted once up front.
        let quotedModes = catalog.modes.map { json($0.name) }
        let quotedFiles = r.files.map { json($0.path) }
        var first = true
        var line = ""
        line.reserveCapacity(256)
        let listed = report.listedSessions
        for index in listed.indices {
            let s = listed[index]
            line.removeAll(keepingCapacity: true)
            line += first ? "\n{\"session_id\":\"" : ",\n{\"session_id\":\""
            first = false
            Escape.json(s.sessionID, into: &line)
            line += "\",\"start\":"
            appendTime(s.start, to: &line)
            line += ",\"end\":"
            appendTime(s.end, to: &line)
            line += ",\"modes\":["
            var firstMode = true
            for m in ModeSet(bits: s.modeBits) {
                if !firstMode { line += "," }
                firstMode = false
                line += quotedModes[m]
            }
            line += "]"
            if let e = report.corroboration?.sessions[index] {
                appendEvidence(e, quotedModes: quotedModes, to: &line)
            }
            line += ",\"file\":"
            line += quotedFiles[Int(s.location.file)]
            line += ",\"line\":"
            line += String(s.location.line)
            line += "}"
            out.write(line)
        }
        out.write("\n]}\n")
    }

    /// The git fields of one session; `noop` and `ci_break` only when they apply.
    private static func appendEvidence(_ e: SessionEvidence, quotedModes: [String], to line: inout String) {
        line += ",\"corroborated_modes\":["
        line += ModeSet(bits: e.corroboratedModeBits).map { quotedModes[$0] }.joined(separator: ",")
        line += "],\"commits\":["
        line += e.commits.map { "\"\($0)\"" }.joined(separator: ",")
        line += "],\"attribution\":{"
        line += e.attributions.map { "\"\($0.sha)\":\"\($0.kind.rawValue)\"" }.joined(separator: ",")
        line += "},\"ambiguous_commits\":["
        line += e.ambiguousCommits.map { "\"\($0)\"" }.joined(separator: ",")
        line += "]"
        if let noop = e.noop { line += ",\"noop\":\"\(noop.rawValue)\"" }
        if let ci = e.ciBreak { line += ",\"ci_break\":\"\(ci.rawValue)\"" }
        line += ",\"evidence\":["
        line += e.evidence.map { "{\"sha\":\"\($0.sha)\",\"kind\":\"\($0.kind.rawValue)\",\"detail\":\(json($0.detail))}" }.joined(separator: ",")
        line += "],\"productive_without_commits\":\(e.productiveWithoutCommits)"
    }

    private static func appendTime(_ t: Double?, to line: inout String) {
        guard let t else { line += "null"; return }
        line += "\""
        line += Timestamp.format(t)
        line += "\""
    }

    /// A JSON array of small items.
    static func array<T>(_ items: [T], _ element: (T) -> String) -> String {
        "[" + items.map(element).joined(separator: ",") + "]"
    }

    /// A JSON string literal of untrusted text.
    public static func json(_ s: String) -> String {
        var out = "\""
        Escape.json(s, into: &out)
        out += "\""
        return out
    }

    /// A JSON number; non-finite values (which JSON lacks) become null.
    public static func number(_ d: Double) -> String {
        guard d.isFinite else { return "null" }
        if d == d.rounded(), abs(d) < 1e15 { return String(Int(d)) }
        return String(d)
    }
}
