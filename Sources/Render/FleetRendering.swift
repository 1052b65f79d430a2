import FailmixClassify
import FailmixRecords
import FoundationEssentials

/// A format that cannot hold several agents in one document.
public struct FleetFormatError: Error, CustomStringConvertible {
    public let description: String
}

extension Reporters {
    /// Formats that render a fleet report themselves (every agent inside).
    static let fleetNative: Set<String> = [HTMLReporter.identifier, PrometheusReporter.identifier]
    /// Formats that read as one section per agent, then the fleet total.
    static let fleetSectioned: Set<String> = [TextReporter.identifier, MarkdownReporter.identifier]

    /// Whether the format can hold a fleet (every agent in one document).
    public static func rendersFleet(_ identifier: String) -> Bool {
        fleetNative.contains(identifier) || fleetSectioned.contains(identifier) || identifier == JSONReporter.identifier
    }

    /// Renders `report` — one agent's, or a fleet's — in `reporter`'s format.
    public static func render(_ reporter: any Reporter.Type, _ report: Report, options: RenderOptions,
                              into out: inout some TextOutputStream) throws(FleetFormatError) {
        guard report.context.isFleet, !fleetNative.contains(reporter.identifier) else {
            reporter.render(report, options: options, into: &out)
            return
        }
        let now = report.context.generatedAt.timeIntervalSince1970
        if reporter.identifier == JSONReporter.identifier {
            renderFleetJSON(report, now: now, into: &out)
            return
        }
        guard fleetSectioned.contains(reporter.identifier) else {
            throw FleetFormatError(description: "the \(reporter.identifier) format reports one agent at a time: run `failmix gate --agent NAME` (or report with one --agent) per agent")
        }
        let markdown = reporter.identifier == MarkdownReporter.identifier
        for agent in report.context.agents {
            let name = agent.context.agent ?? "?"
            let heading = "agent \(name) — \(newestText(agent, now: now))"
            out.write(markdown ? "## \(Escape.markdown(heading))\n\n" : "== \(Escape.terminal(heading)) ==\n")
            reporter.render(agent, options: options, into: &out)
            out.write("\n")
        }
        let total = "fleet total: \(report.context.agents.count) agents, every agent's windows added up"
        out.write(markdown ? "## \(total)\n\n" : "== \(total) ==\n")
        reporter.render(report, options: options, into: &out)
    }

    /// "newest session 2026-…Z, 3 h 5 min ago" (or "no timed session").
    static func newestText(_ agent: Report, now: Double) -> String {
        guard let end = agent.records.sessions.last?.end else { return "no timed session" }
        return "newest session \(Timestamp.format(end)), \(ageText(now - end)) ago"
    }

    /// The fleet total in schema 1, plus `agents`: each agent's own report
    /// (exactly what reporting it alone prints) with its name and silence.
    static func renderFleetJSON(_ report: Report, now: Double, into out: inout some TextOutputStream) {
        var total = ""
        JSONReporter.render(report, options: RenderOptions(), into: &total)
        // The total ends with `}` and a newline: the agents go in before it.
        while let last = total.last, last == "\n" || last == "}" {
            total.removeLast()
            if last == "}" { break }
        }
        out.write(total)
        out.write(",\"agents\":[")
        for (i, agent) in report.context.agents.enumerated() {
            out.write(i == 0 ? "\n{" : ",\n{")
            out.write("\"name\":\(JSONReporter.json(agent.context.agent ?? ""))")
            if let end = agent.records.sessions.last?.end {
                out.write(",\"newest_end\":\(JSONReporter.json(Timestamp.format(end))),\"seconds_since_newest\":\(JSONReporter.number(max(0, (now - end).rounded())))")
            } else {
                out.write(",\"newest_end\":null,\"seconds_since_newest\":null")
            }
            out.write(",\"decision\":\(agent.decision.map { "\"\($0.rawValue)\"" } ?? "null"),\"report\":")
            JSONReporter.render(agent, options: RenderOptions(), into: &out)
            out.write("}")
        }
        out.write("]}\n")
    }
}

/// "42 min", "3 h 5 min", "12 d 4 h": how long ago, for people.
func ageText(_ seconds: Double) -> String {
    let s = Int(max(0, min(seconds, 1e12)))
    if s < 3600 { return "\(s / 60) min" }
    if s < 86_400 { return "\(s / 3600) h \(s % 3600 / 60) min" }
    return "\(s / 86_400) d \(s % 86_400 / 3600) h"
}
