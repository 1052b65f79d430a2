import FailmixClassify
import FailmixGate
import FoundationEssentials

/// What a dashboard shows beyond the failure mix: the gate's verdict with
/// its pause state and journal, the policy's thresholds, and — in fleet mode —
/// every agent's own report. The Pipeline fills it; renderers only read it.
public struct ReportContext: Sendable {
    /// The gate's decision on these sessions (never remembered: a report changes no state).
    public var gate: GateDecision?
    /// `[gate] mode` of the gate that decided: "enforce", or "shadow" (reported, never stops the agent).
    public var gateMode: String?
    /// The pause state as stored (`.git/failmix/state.json`).
    public var state: GateState?
    /// The gate's journal, oldest first (`.git/failmix/journal.jsonl`).
    public var journal: [GateEvent] = []
    /// The policy whose thresholds the charts draw.
    public var rules: [GateRule] = []
    /// The agent this report is about (fleet mode, `gate --agent`): the
    /// `agent` label of every Prometheus series.
    public var agent: String?
    /// Fleet mode: each agent's report; the enclosing report is the fleet total.
    public var agents: [Report] = []
    /// Rolling rates over every session, taken before a fleet agent's
    /// sessions are trimmed to its windows (nil: computed from the records).
    public var series: RateSeries?
    /// When the report was made: the "now" of ages and timelines.
    public var generatedAt = Date()

    public init() {}

    /// The fleet's agents, when this is a fleet report.
    public var isFleet: Bool { !agents.isEmpty }
}
