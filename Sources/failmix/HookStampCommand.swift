import ArgumentParser
import FailmixKit

/// What the installed `prepare-commit-msg` hook runs inside an agent
/// session: adds the session trailer to the message file. Starts neither
/// libgit2 nor git, and never blocks a commit over a stamping problem.
struct HookStampCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stamp", abstract: "Add the session trailer to a commit message file (run by the prepare-commit-msg hook).",
        shouldDisplay: false)

    @Argument(help: "The commit message file git passes to prepare-commit-msg.") var file: String
    @Option(help: "The trailer key.") var trailer = "Git-Session-Id"
    @Option(help: "The session id.") var sessionID: String
    @Option(help: "core.commentChar as git reports it (empty: '#').") var commentChar: String?

    func validate() throws {
        guard EvidenceOptions.isTrailerKey(trailer) else { throw ValidationError("--trailer must be letters, digits and dashes") }
    }

    func run() throws {
        // A session id is one token: anything else would break the message.
        let id = String(sessionID.trimmingBlanks)
        guard !id.isEmpty, !id.contains(where: \.isNewline) else {
            Stderr.line("failmix: the session id is not a single line; this commit is not stamped")
            return
        }
        if case let .failed(why) = MessageFile.stamp(path: file, key: trailer, value: id, commentChar: commentChar) {
            Stderr.line("failmix: \(why); this commit is not stamped with \(trailer)")
        }
    }
}
