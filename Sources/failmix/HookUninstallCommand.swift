import ArgumentParser
import FailmixKit

extension HookCommand {
    struct Uninstall: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "uninstall", abstract: "Remove failmix's hooks, restoring what they replaced.")
        @Argument(help: "Hooks to remove (default: every failmix hook).") var hooks: [String] = []
        @OptionGroup var repository: RepositoryOptions

        func validate() throws { try HookCommand.validate(hooks) }

        func run() throws {
            let installer = try HookCommand.installer(repository)
            for hook in hooks.isEmpty ? HookInstaller.hookNames : hooks {
                switch try installer.uninstall(hook) {
                case let .removed(path, restored):
                    print("failmix: removed \(path)" + (restored != nil ? "; restored the hook it replaced" : ""))
                default: break
                }
            }
        }
    }
}
