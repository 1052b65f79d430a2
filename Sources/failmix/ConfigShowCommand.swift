import ArgumentParser
import FailmixKit

extension ConfigCommand {
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Print the effective configuration as TOML.")
        @OptionGroup var config: ConfigOptions
        func run() throws { print(try config.configuration().renderTOML(), terminator: "") }
    }
}
