import FailmixClassify
import FailmixEvidence
import FailmixRecords

import Foundation

/// Everything a renderer may show: the value that flows into the Render
/// stage. Renderers only read it.
public struct Report: Sendable {
    public var version: String
    public var records: RecordSet
    public var mix: FailureMix
    /// Things a reader must know to trust the numbers (skipped stages,
    /// suspicious input), in plain words.
    public var notes: [String]
    /// The gate's or CI check's verdict, when one was taken.
    public var decision: Decision?
    /// What reviewers should see, most important first.
    public var findings: [Finding] = []
    /// What git says about each session (aligned with `records.sessions`);
    /// nil when corroboration was skipped.
    public var corroboration: Corroboration?
    /// The same windows with the modes as git corrects them.
    public var corroboratedMix: FailureMix?
    /// The gate, its journal, the policy and the fleet, for dashboards.
    public var context = ReportContext()

    public init(version: String, records: RecordSet, mix: FailureMix, notes: [String] = []) {
        self.version = version
        self.records = records
        self.mix = mix
        self.notes = notes
    }

    /// Findings ordered failures first, then warnings, then notices (stable).
    public var rankedFindings: [Finding] {
        findings.enumerated().sorted { ($0.element.level, $0.offset) < ($1.element.level, $1.offset) }.map(\.element)
    }

    public var catalog: ModeCatalog { mix.catalog }

    /// Attaches git's verdicts and the corrected mix over the same windows.
    public mutating func attach(_ corroboration: Corroboration) {
        self.corroboration = corroboration
        corroboratedMix = FailureMix(
            catalog: catalog, sessions: corroboration.sessions.map { ModeSet(bits: $0.corroboratedModeBits) },
            sizes: mix.windows.map(\.last))
    }

    /// Verdict counts over the same sessions as `window`.
    public func verdicts(in window: WindowSummary) -> VerdictCounts? {
        corroboration.map { $0.verdictCounts(in: (records.sessions.count - window.total)..<records.sessions.count) }
    }

    /// The sessions of the largest window, oldest first.
    public var listedSessions: ArraySlice<SessionRecord> {
        let largest = mix.windows.contains { $0.last == 0 } ? 0 : (mix.windows.map(\.last).max() ?? 0)
        return largest == 0 ? records.sessions[...] : records.sessions.suffix(largest)
    }

    /// The most recent and the widest window the trends compare, when there are two.
    public var trendWindows: (recent: WindowSummary, wider: WindowSummary)? {
        guard !mix.trends.isEmpty, let recent = mix.recent, let wider = mix.wider else { return nil }
        return (recent, wider)
    }
}

/// Percentages as the reference report prints them (`%.1f`).
public func percent(_ rate: Double) -> String { String(format: "%.1f%%", rate * 100) }

public func signedPoints(_ points: Double) -> String { String(format: "%+.1f pp", points) }
