import FailmixClassify
import FailmixEvidence
import FailmixRecords

/// What `failmix explain` shows about one session.
public struct SessionExplanation {
    public var session: SessionRecord
    public var recordPath: String
    public var catalog: ModeCatalog
    /// Record fields the rules and the evidence read, as compact JSON, in order.
    public var fields: [(name: String, value: String)] = []
    /// The session's evidence; nil without git.
    public var evidence: SessionEvidence?
    /// The first line of each commit's message, by SHA.
    public var subjects: [String: String] = [:]

    public init(session: SessionRecord, recordPath: String, catalog: ModeCatalog) {
        self.session = session
        self.recordPath = recordPath
        self.catalog = catalog
    }
}

/// `failmix explain`'s text: the record, modes, window, commits, evidence
/// and verdicts of one session. Untrusted text is escaped for the terminal.
public enum ExplainReporter {
    public static func render(_ e: SessionExplanation) -> String {
        let t = Escape.terminal
        let session = e.session
        var out = "Session \(t(session.sessionID))\n"
        out += "  record: \(t(e.recordPath)):\(session.location.line)\n"
        for (name, value) in e.fields {
            out += "    \(padded(String(name.prefix(24)), to: 24)) \(t(value))\n"
        }
        out += "  window: \(session.start.map(Timestamp.format) ?? "none") .. \(session.end.map(Timestamp.format) ?? "none")"
        if let s = session.start, let end = session.end { out += " (\(Int(end - s)) s)" }
        out += "\n  modes (as recorded):\n"
        let recorded = ModeSet(bits: session.modeBits)
        if recorded.isEmpty { out += "    none: no rule fired\n" }
        for m in recorded { out += "    \(e.catalog.modes[m].name): \(t(e.catalog.modes[m].ruleText))\n" }
        guard let evidence = e.evidence else {
            return out + "  git: corroboration skipped (no repository; give one with --repo)\n"
        }
        func subject(_ sha: String) -> String { t(e.subjects[sha] ?? "") }
        out += "  commits attributed: \(evidence.attributions.count)\n"
        for a in evidence.attributions { out += "    \(a.sha.prefix(12)) by \(a.kind.rawValue): \(subject(a.sha))\n" }
        if !evidence.ambiguousCommits.isEmpty {
            out += "  ambiguous commits (inside several sessions' windows, attributed to none):\n"
            for sha in evidence.ambiguousCommits { out += "    \(sha.prefix(12)): \(subject(sha))\n" }
        }
        for item in evidence.evidence { out += "  evidence: \(item.sha.prefix(12)) \(item.kind.rawValue): \(t(item.detail))\n" }
        if let noop = evidence.noop { out += "  noop verdict: \(noop.rawValue)\n" }
        if let ci = evidence.ciBreak { out += "  ci_break verdict: \(ci.rawValue)\n" }
        if evidence.productiveWithoutCommits { out += "  note: recorded as productive, but no commit and no deliverables\n" }
        let corrected = ModeSet(bits: evidence.corroboratedModeBits)
        if corrected != recorded { out += "  modes (as corroborated): \(e.catalog.names(corrected).joined(separator: ", "))\n" }
        return out
    }
}
