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
        let code = level.exitCode(strict: strict, warnOnly: warnOnly)
        if code != 0 { throw ExitCode(code) }
    }
}
