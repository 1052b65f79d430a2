import FailmixGit
import FoundationEssentials

extension Pipeline {
    /// Points per rolling-rate line of a fleet agent: its row of small charts.
    public static let fleetSeriesPoints = 60

    /// Reports every agent as if alone, one after the other, and adds their
    /// windows up into the fleet total. Each agent keeps only what its
    /// windows, charts and verdict need (its sessions trimmed to the largest
    /// window once counted), so memory grows with the agents, not their stores.
    public static func fleetReport(_ agents: [AgentDefinition], base: PipelineContext, now: Date = Date()) throws -> Report {
        var reports: [Report] = []
        for agent in agents {
            // Each agent its own context: its repository opened for it alone, then let go.
            let context = PipelineContext(configuration: base.configuration, options: agentOptions(agent, base: base.options))
            var report: Report
            do {
                report = try Pipeline.report(context)
            } catch {
                throw FleetError("agent \(agent.name): \(error)")
            }
            report.context.agent = agent.name
            attachGateContext(&report, context: context, now: now)
            report.context.series = RateSeries(report, maxPoints: fleetSeriesPoints)
            trimToWindows(&report)
            reports.append(report)
        }
        return fleetTotal(reports, catalog: ModeCatalog(base.options.modes), windows: base.options.windows, now: now)
    }

    /// One agent's options: its records, repository and authors over the
    /// shared ones. Without a repository of its own, the one holding its
    /// records (if any) keeps its gate state apart from other agents'.
    public static func agentOptions(_ agent: AgentDefinition, base: PipelineOptions) -> PipelineOptions {
        var options = base
        options.recordPaths = agent.records
        options.repositoryPath = agent.repository ?? agent.records.first.flatMap { path in
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
            return (try? Repository.location(from: directory)) != nil ? directory : nil
        }
        if var evidence = options.evidence, !agent.agentAuthors.isEmpty {
            evidence.agentAuthors = agent.agentAuthors
            options.evidence = evidence
        }
        return options
    }

    /// Drops the sessions older than the largest window (all are kept when a
    /// window is "all"): the windows are counted already, and the listed
    /// sessions read only the newest. A corroborated report keeps them all:
    /// its agent commits point at sessions by index, and its ambiguous
    /// commits name candidates from the whole store.
    static func trimToWindows(_ report: inout Report) {
        let sizes = report.mix.windows.map(\.last)
        guard report.corroboration == nil, !sizes.contains(0), let keep = sizes.max(), report.records.sessions.count > keep else { return }
        report.records.sessions = Array(report.records.sessions.suffix(keep))
    }

    /// The fleet's report: every agent's windows added up (as recorded; as
    /// corroborated when every agent was corroborated), input counts summed,
    /// the worst decision, and the agents' reports inside.
    static func fleetTotal(_ agents: [Report], catalog: ModeCatalog, windows sizes: [Int], now: Date) -> Report {
        func sum(_ mixes: [FailureMix]) -> FailureMix {
            FailureMix(catalog: catalog, windows: sizes.enumerated().map { k, size in
                var total = WindowSummary(last: size, total: 0, failed: 0, counts: Array(repeating: 0, count: catalog.modes.count))
                for mix in mixes where k < mix.windows.count {
                    let w = mix.windows[k]
                    total.total += w.total
                    total.failed += w.failed
                    for i in total.counts.indices where i < w.counts.count { total.counts[i] += w.counts[i] }
                }
                return total
            })
        }
        var records = RecordSet()
        for agent in agents {
            let r = agent.records
            records.files += r.files
            records.sessionCount += r.sessionCount
            records.recordLines += r.recordLines
            records.malformedCount += r.malformedCount
            records.malformed += r.malformed.prefix(max(0, 1000 - records.malformed.count))
            records.duplicatesFolded += r.duplicatesFolded
            records.partialTails += r.partialTails
            records.untimedCount += r.untimedCount
        }
        var report = Report(records: records, mix: sum(agents.map(\.mix)),
                            notes: agents.flatMap { a in a.notes.map { "\(a.context.agent ?? "?"): \($0)" } })
        let corroborated = agents.compactMap(\.corroboratedMix)
        if !agents.isEmpty, corroborated.count == agents.count { report.corroboratedMix = sum(corroborated) }
        report.decision = agents.compactMap(\.decision).max { $0.severity < $1.severity }
        report.context.agents = agents
        // One timeline for the fleet: every agent's gate events, each naming its agent.
        report.context.journal = agents.flatMap { a in
            a.context.journal.map { GateEvent(at: $0.at, event: $0.event, detail: "\(a.context.agent ?? "?"): \($0.detail)") }
        }.sorted { $0.at < $1.at }
        report.context.generatedAt = now
        report.context.rules = agents.first?.context.rules ?? []
        return report
    }
}

public struct FleetError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

extension Decision {
    /// pass < warn < fail < error.
    var severity: Int { [Decision.pass, .warn, .fail, .error].firstIndex(of: self) ?? 0 }
}
