import ArgumentParser
import FailmixKit
import FoundationEssentials

/// The decision-quality table: simulated agents run through the real gate.
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Measure a policy on simulated agents: false pauses, detection delay, resumes after a fix.",
        discussion: """
            Each policy gates seeded simulated agents whose sessions have one mode (abandoned_loop) at a chosen rate: \
            false pauses per 1,000 sessions at 0.27, 0.30 and bursty 0.27; the median number of sessions from a \
            shift to 0.43, 0.50 or 0.60 until the pause; and how many `resume --probe 1` an operator needs once the \
            cause is fixed. The gate logic is the real one, call by call.
            """)

    @OptionGroup var policies: PolicyOptions
    @Option(help: "Seed of the simulated agents.") var seed: UInt64 = 1
    @Option(help: "Sessions of each healthy stream.") var sessions = 300_000
    @Option(help: "Replicates of each shift.") var replicates = 400
    @Option(help: "The simulated mode.") var mode = "abandoned_loop"
    @Option(help: "text, markdown or json.") var format = "text"

    func validate() throws {
        guard ["text", "markdown", "json"].contains(format) else { throw ValidationError("--format must be text, markdown or json") }
        guard sessions >= 1_000, replicates >= 1 else { throw ValidationError("--sessions must be 1000 or more and --replicates 1 or more") }
    }

    func run() throws {
        var rows: [(policy: String, figures: DecisionSimulation.Figures)] = []
        for (name, configuration) in try policies.load() {
            var simulation = DecisionSimulation(config: configuration)
            simulation.seed = seed
            simulation.healthySessions = sessions
            simulation.replicates = replicates
            simulation.mode = mode
            do {
                rows.append((name, try simulation.run()))
            } catch {
                throw FailmixFailure(message: "\(name): \(error)")
            }
        }
        switch format {
        case "json": print(DecisionQualityTable.json(rows), terminator: "")
        case "markdown": print(DecisionQualityTable.markdown(rows), terminator: "")
        default: print(DecisionQualityTable.text(rows), terminator: "")
        }
    }
}
