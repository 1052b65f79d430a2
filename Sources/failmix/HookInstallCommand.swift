import ArgumentParser
import FailmixKit

extension HookCommand {
    struct Install: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "install", abstract: "Install hooks (default: pre-push) into the effective hooks directory.")
        @Argument(help: "Hooks: pre-push, pre-merge-commit, pre-commit, pre-session, prepare-commit-msg (stamps the session trailer).") var hooks: [String] = ["pre-push"]
        @OptionGroup var repository: RepositoryOptions

        func validate() throws { try HookCommand.validate(hooks) }

        func run() throws {
            let installer = try HookCommand.installer(repository)
            for hook in hooks {
                switch try installer.install(hook) {
                case let .installed(path, chained):
                    print("failmix: installed \(path)" + (chained.map { "; the existing hook runs first (kept as \($0))" } ?? ""))
                case let .updated(path): print("failmix: updated \(path)")
                default: break
                }
            }
        }
    }
}
