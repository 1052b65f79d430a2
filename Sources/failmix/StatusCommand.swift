import ArgumentParser
import FailmixKit
import FoundationEssentials

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show the pause state, its reasons, acks and recent changes.")

    @OptionGroup var repository: RepositoryOptions

    func run() throws {
        let store = GateStateStore(directory: failmixDirectory(try repository.discover()))
        let (state, warning) = store.read()
        if let warning { Stderr.line("failmix: warning: \(warning)") }
        print(StatusReporter.render(state, journal: store.journal()), terminator: "")
    }
}
