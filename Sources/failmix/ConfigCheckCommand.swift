import ArgumentParser
import FailmixKit

extension ConfigCommand {
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "check", abstract: "Validate the configuration; exit 2 naming file, line and key of every problem.")
        @OptionGroup var config: ConfigOptions
        func run() throws {
            let configuration = try config.configuration()
            print("failmix: \(configuration.source ?? "built-in defaults"): ok (\(configuration.rules.count) rules, \(configuration.modes.count) modes)")
        }
    }
}
