import FailmixClassify
import FailmixEvidence
import FailmixRecords
import FailmixSupport
import FoundationEssentials

/// The machine report, schema 1 (documented in README.md). Fields are only
/// ever added, never renamed. Written straight to the stream, so a report of
/// every session never builds a document tree in memory.
public enum JSONReporter: Reporter {
    public static let identifier = "json"
    public static let schemaVersion = 1

    public static func render(_ report: Report, options: RenderOptions, into out: inout some TextOutputStream) {
        let catalog = report.catalog
        let r = report.records
        out.write("{\"schema\":\(schemaVersion),\"tool\":{\"name\":\"failmix\",\"version\":\(json(report.version))}")
        out.write(",\"records\":{\"files\":")
        out.write(array(r.files) { "{\"path\":\(json($0.path)),\"role\":\"\($0.role.rawValue)\",\"lines\":\($0.lines),\"bytes\":\($0.bytes)}" })
        out.write(",\"read\":\(r.recordLines),\"sessions\":\(r.sessionCount),\"malformed\":")
        out.write(array(r.malformed) { "{\"path\":\(json($0.path)),\"line\":\($0.line),\"error\":\(json($0.error))}" })
        out.write(",\"malformed_total\":\(r.malformedCount),\"field_warnings\":")
        out.write(array(r.fieldWarnings) { "{\"path\":\(json($0.path)),\"line\":\($0.line),\"warning\":\(json($0.error))}" })
        out.write(",\"field_warnings_total\":\(r.fieldWarningCount),\"duplicates\":\(r.duplicatesFolded),\"partial_tail\":")
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
            if let mix = report.attributionMix(in: w) { out.write("," + AttributionText.json(mix)) }
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
        // The gate's mode, pause and probes (null from `report`), and the newest session.
        out.write(",\"gate\":" + report.gateJSON())
        out.write(",\"last_session\":" + (Liveness(report)?.json() ?? "null"))
        if report.records.excludedCount > 0 { out.write(",\"excluded\":\(report.records.excludedCount)") }
        out.write(",\"git\":")
        if let e = report.corroboration {
            let repo = e.repository
            out.write("{\"repository\":\(json(repo.workdir ?? repo.gitDirectory)),\"head\":\(repo.headSHA.map(json) ?? "null"),\"shallow\":\(repo.isShallow),\"empty\":\(repo.isEmpty),\"detached\":\(repo.isDetached),\"commits_walked\":\(e.commitsWalked),\"unclaimed_commits\":[")
            out.write(e.unclaimedCommits.map(json).joined(separator: ","))
            out.write("]" + AttributionText.gitJSON(report, e))
            out.write(",\"notes\":[" + e.notes.map(json).joined(separator: ",") + "]}")
        } else {
            out.write("null")
        }
        out.write(",\"notes\":[")
        for (i, n) in report.notes.enumerated() {
            out.write(i == 0 ? "" : ",")
            out.write(json(n))
        }
        out.write("]")
        renderVerdict(report, into: &out)
        out.write(",\"sessions\":[")
        renderSessions(report, into: &out)
        out.write("\n]}\n")
    }

    /// What a gate or CI check decided and why: the decision (null for a
    /// plain report), every rule evaluated, the findings, and for a CI check
    /// the commits it evaluated with the sessions behind them.
    static func renderVerdict(_ report: Report, into out: inout some TextOutputStream) {
        out.write(",\"decision\":" + (report.decision.map { "\"\($0.rawValue)\"" } ?? "null"))
        out.write(",\"rules\":")
        out.write(array(report.rules) { e in
            "{\"name\":\(json(e.rule.name)),\"target\":\(json(e.rule.target.description)),\"window\":\(e.rule.window),\"level\":\"\(e.level)\",\"basis\":\"\(e.basis.rawValue)\",\"count\":\(e.count),\"sessions\":\(e.n),\"rate\":\(number(e.rate)),\"threshold\":\(json(e.threshold)),\"not_enough_data\":\(e.notEnoughData),\"acknowledged\":\(e.acknowledged)" + Report.ruleDetailJSON(e, holding: report.context.gate?.holding.contains(e.rule.name) ?? false) + "}"
        })
        out.write(",\"findings\":")
        out.write(array(report.rankedFindings) { f in
            "{\"level\":\"\(f.level.rawValue)\",\"rule\":\(json(f.rule)),\"title\":\(json(f.title)),\"message\":\(json(f.message)),\"session_id\":\(f.sessionID.map(json) ?? "null"),\"commit\":\(f.commit.map(json) ?? "null"),\"path\":\(f.path.map(json) ?? "null"),\"line\":\(f.line.map(String.init) ?? "null"),\"fingerprint\":\"\(f.fingerprint)\"}"
        })
        out.write(",\"pull_request\":")
        guard let pr = report.pullRequest else { out.write("null"); return }
        out.write("{\"base\":\(json(pr.base)),\"head\":\(json(pr.head)),\"commits\":")
        out.write(array(pr.commits) { c in
            "{\"sha\":\(json(c.sha)),\"subject\":\(json(c.subject)),\"sessions\":[\(c.sessionIDs.map(json).joined(separator: ","))]}"
        })
        out.write(",\"sessions\":")
        out.write(array(pr.sessions) { s in
            "{\"session_id\":\(json(s.id)),\"modes\":[\(s.modes.map(json).joined(separator: ","))],\"commits\":[\(s.commits.map(json).joined(separator: ","))]}"
        })
        out.write("}")
    }

    /// The one part that grows with the data (a row per session, 200k in a
    /// busy store): rows are built as bytes, every constant piece quoted once
    /// up front, two blocks at a time on two threads, and handed on in order.
    /// A report that fits one block is built on this thread: Dispatch would
    /// start two threads and its event loop for an empty second block.
    private static func renderSessions(_ report: Report, into out: inout some TextOutputStream) {
        let rows = SessionRows(report: report)
        let listed = report.listedSessions
        let block = 8192
        var start = listed.startIndex
        while start < listed.endIndex {
            let ranges = (0..<2).map { k in
                min(start + k * block, listed.endIndex)..<min(start + (k + 1) * block, listed.endIndex)
            }
            let blocks = WorkerSlots.filled(count: ranges[1].isEmpty ? 1 : 2) { k in rows.render(ranges[k]) }
            let bytesOut = out as? any ByteOutputStream
            for k in 0..<blocks.count {
                guard let bytes = blocks.take(k), !bytes.isEmpty else { continue }
                if let bytesOut {
                    bytesOut.write(bytes: bytes)
                } else {
                    out.write(String(decoding: bytes, as: UTF8.self))
                }
            }
            start = ranges[1].upperBound
        }
    }

    /// Renders ranges of the session rows; safe to use from several threads.
    private struct SessionRows: @unchecked Sendable {  // read-only after init
        let report: Report
        let quotedModes: [[UInt8]]
        let quotedFiles: [[UInt8]]

        init(report: Report) {
            self.report = report
            quotedModes = report.catalog.modes.map { Array(json($0.name).utf8) }
            quotedFiles = report.records.files.map { Array(json($0.path).utf8) }
        }

        /// Rows `range` as bytes. The block is sized for the worst case first
        /// and filled by a `ByteWriter`: appending to an array piece by piece
        /// cost 200 ns a row.
        func render(_ range: Range<Int>) -> [UInt8] {
            let listed = report.listedSessions
            let evidence: [String]? = report.corroboration.map { c in
                range.map { i in
                    var text = ""
                    appendEvidence(c.sessions[i], quotedModes: quotedModes, to: &text)
                    return text
                }
            }
            let modesBound = quotedModes.reduce(0) { $0 + $1.count + 1 }
            let filesBound = quotedFiles.map(\.count).max() ?? 0
            var bound = 0
            for (k, i) in range.enumerated() {
                bound += 128 + 6 * listed[i].sessionID.utf8.count + modesBound + filesBound + (evidence?[k].utf8.count ?? 0)
            }
            return BlockWriter.bytes(capacity: bound) { w in
                // Consecutive sessions mostly share a day: format the date once.
                var day = Int.min
                var date = BlockWriter.DayPrefix()
                func time(_ t: Double?) {
                    guard let t, SessionTime.inRange(t) else { w.put("null"); return }
                    let whole = Int(t.rounded(.down))
                    let (d, r) = whole.quotientAndRemainder(dividingBy: 86_400)
                    let thisDay = r < 0 ? d - 1 : d
                    w.put(UInt8(ascii: "\""))
                    if thisDay != day {
                        day = thisDay
                        date = w.putDayPrefix(Double(thisDay) * 86_400)
                    } else {
                        w.put(date)
                    }
                    let seconds = whole - thisDay * 86_400
                    w.twoDigits(seconds / 3600); w.put(UInt8(ascii: ":"))
                    w.twoDigits(seconds / 60 % 60); w.put(UInt8(ascii: ":"))
                    w.twoDigits(seconds % 60); w.put(UInt8(ascii: "Z"))
                    w.put(UInt8(ascii: "\""))
                }
                for (k, index) in range.enumerated() {
                    let s = listed[index]
                    w.put(index == listed.startIndex ? "\n{\"session_id\":\"" : ",\n{\"session_id\":\"")
                    if Escape.needsJSONEscape(s.sessionID) { w.put(Escape.json(s.sessionID)) } else { w.put(s.sessionID) }
                    w.put("\",\"start\":")
                    time(s.start)
                    w.put(",\"end\":")
                    time(s.end)
                    w.put(",\"modes\":[")
                    var firstMode = true
                    for m in ModeSet(bits: s.modeBits) {
                        if !firstMode { w.put(UInt8(ascii: ",")) }
                        firstMode = false
                        w.put(quotedModes[m])
                    }
                    w.put(UInt8(ascii: "]"))
                    if let evidence { w.put(evidence[k]) }
                    w.put(",\"file\":")
                    w.put(quotedFiles[Int(s.location.file)])
                    w.put(",\"line\":")
                    w.put(String(s.location.line))
                    w.put(UInt8(ascii: "}"))
                }
            }
        }
    }

    /// The git fields of one session; `noop` and `ci_break` only when they apply.
    private static func appendEvidence(_ e: SessionEvidence, quotedModes: [[UInt8]], to line: inout String) {
        line += ",\"corroborated_modes\":["
        line += ModeSet(bits: e.corroboratedModeBits).map { String(decoding: quotedModes[$0], as: UTF8.self) }.joined(separator: ",")
        line += "],\"commits\":["
        line += e.commits.map { "\"\($0)\"" }.joined(separator: ",")
        line += "],\"attribution\":{"
        line += e.attributions.map { "\"\($0.sha)\":\"\($0.kind.rawValue)\"" }.joined(separator: ",")
        line += "},\"ambiguous_commits\":["
        line += e.ambiguousCommits.map { "\"\($0)\"" }.joined(separator: ",")
        line += "]"
        if let noop = e.noop { line += ",\"noop\":\"\(noop.rawValue)\"" }
        if let reason = e.noopReason { line += ",\"noop_reason\":\(json(reason))" }
        if !e.bookkeepingCommits.isEmpty { line += ",\"bookkeeping_commits\":[" + e.bookkeepingCommits.map { "\"\($0)\"" }.joined(separator: ",") + "]" }
        if let ci = e.ciBreak { line += ",\"ci_break\":\"\(ci.rawValue)\"" }
        line += ",\"evidence\":["
        line += e.evidence.map { "{\"sha\":\"\($0.sha)\",\"kind\":\"\($0.kind.rawValue)\",\"detail\":\(json($0.detail))}" }.joined(separator: ",")
        line += "],\"productive_without_commits\":\(e.productiveWithoutCommits)"
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
