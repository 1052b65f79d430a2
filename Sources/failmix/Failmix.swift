import ArgumentParser
import FailmixKit
import FailmixSupport
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
        // A closed pipe is a write error (exit 2), not a death by SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        do {
            var command = try parseAsRoot()
            try command.run()
            exitFlushed(0)
        } catch let exit as ExitCode {
            exitFlushed(exit.rawValue)
        } catch let failure as FailmixFailure {
            Stderr.line("failmix: error: \(failure.message)")
            Glibc.exit(failure.exitCode)
        } catch let error as RecordError {
            Stderr.line("failmix: error: \(error)")
            Glibc.exit(2)
        } catch let error as PipelineError {
            Stderr.line("failmix: error: \(error)")
            Glibc.exit(2)
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { print(message) }
                Glibc.exit(0)
            }
            Stderr.line(message)
            Glibc.exit(2)
        }
    }
}

/// An error that ends the run with a chosen exit code and one clear line.
struct FailmixFailure: Error {
    var message: String
    var exitCode: Int32 = 2
}

enum Stderr {
    /// One line for a person's terminal or a CI log: control characters
    /// in it (from records, commits or paths) are made visible.
    static func line(_ s: String) {
        let text = Escape.visibleControls(s, keeping: ["\n", "\t"]) + "\n"
        _ = FileIO.writeAll(STDERR_FILENO, Array(text.utf8))
    }
}

/// Exits with `code` once standard output is flushed; output that could
/// not be written (a full disk, a closed pipe) is an error, exit 2.
func exitFlushed(_ code: Int32) -> Never {
    // fflush(NULL) flushes every stream; stdout is the one we write.
    if fflush(nil) != 0 {
        Stderr.line("failmix: error: cannot write standard output: \(FileIO.errorText())")
        exit(2)
    }
    exit(code)
}
