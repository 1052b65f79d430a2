import ArgumentParser
import FailmixKit
import Foundation

@main
struct Failmix: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "failmix",
        abstract: "Tells how autonomous coding-agent sessions fail, proves it against git, and gates the agent.",
        discussion: "Exit codes: 0 ok (pass or warn), 1 the gate failed, 2 usage, input or configuration error.",
        version: FailmixVersion.banner,
        subcommands: [
            ReportCommand.self, GateCommand.self, ExplainCommand.self, StatusCommand.self, ResumeCommand.self, AckCommand.self,
            InitCommand.self, ConfigCommand.self, HookCommand.self, DoctorCommand.self, CICommand.self, VersionCommand.self,
            BacktestCommand.self, SimulateCommand.self,
        ],
        defaultSubcommand: ReportCommand.self
    )

    /// Exit codes are a contract with hooks and CI: 2 for every usage, input
    /// or configuration problem (ArgumentParser's own default is 64).
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let exit as ExitCode {
            Foundation.exit(exit.rawValue)
        } catch let failure as FailmixFailure {
            Stderr.line("failmix: error: \(failure.message)")
            Foundation.exit(failure.exitCode)
        } catch let error as RecordError {
            Stderr.line("failmix: error: \(error)")
            Foundation.exit(2)
        } catch let error as PipelineError {
            Stderr.line("failmix: error: \(error)")
            Foundation.exit(2)
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { print(message) }
                Foundation.exit(0)
            }
            Stderr.line(message)
            Foundation.exit(2)
        }
    }
}

/// An error that ends the run with a chosen exit code and one clear line.
struct FailmixFailure: Error {
    var message: String
    var exitCode: Int32 = 2
}

enum Stderr {
    static func line(_ s: String) {
        FileHandle.standardError.write(Data((s + "\n").utf8))
    }
}
