import ArgumentParser
import FailmixKit

/// How a verdict becomes an exit code (`gate` and `ci` share the contract).
struct VerdictOptions: ParsableArguments {
    @Flag(help: "A warning fails too (exit 1).") var strict = false
    @Flag(help: "Never exit 1; report only.") var warnOnly = false

    func validate() throws {
        if strict && warnOnly { throw ValidationError("--strict and --warn-only contradict each other") }
    }

    func exit(_ level: Level) throws {
        let code = self.code(level)
        if code != 0 { throw ExitCode(code) }
    }

    func code(_ level: Level) -> Int32 { level.exitCode(strict: strict, warnOnly: warnOnly) }
}

extension ExitContract: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument) }
}
