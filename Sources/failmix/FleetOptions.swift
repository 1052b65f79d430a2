import ArgumentParser
import FailmixKit

/// `--agent NAME=RECORDS[:REPO]` (repeatable): a fleet on the command line,
/// over the configuration's `[[agents]]`.
struct FleetOptions: ParsableArguments {
    @Option(name: .customLong("agent"), help: ArgumentHelp(
        "An agent of a fleet: NAME=RECORDS[:REPO] (repeatable; default: [[agents]] in the configuration). Each agent is reported as if alone, plus the fleet total.",
        valueName: "spec"))
    var specs: [String] = []

    func validate() throws {
        for spec in specs {
            do { _ = try AgentDefinition.parse(spec) } catch { throw ValidationError(error.description) }
        }
    }

    /// The agents given, else the configuration's; empty: not a fleet.
    func agents(_ configuration: Configuration) throws -> [AgentDefinition] {
        let given = try specs.map { spec in
            do { return try AgentDefinition.parse(spec) } catch { throw ValidationError("\(error)") }
        }
        let agents = given.isEmpty ? configuration.agents : given
        var seen: Set<String> = []
        for agent in agents where !seen.insert(agent.name).inserted {
            throw ValidationError("two agents are named '\(agent.name)'")
        }
        return agents
    }
}

/// The agent `gate --agent NAME` judges: NAME from `[[agents]]`, or NAME=RECORDS[:REPO].
func agentNamed(_ spec: String, in configuration: Configuration) throws -> AgentDefinition {
    if spec.contains("=") {
        do { return try AgentDefinition.parse(spec) } catch { throw FailmixFailure(message: error.description) }
    }
    guard let agent = configuration.agents.first(where: { $0.name == spec }) else {
        let names = configuration.agents.map(\.name)
        throw FailmixFailure(message: "no agent named '\(spec)'" + (names.isEmpty ? " (the configuration has no [[agents]]; or give NAME=RECORDS[:REPO])" : " (agents: \(names.joined(separator: ", ")))"))
    }
    return agent
}
