import ArgumentParser
import FailmixKit
import Foundation

/// Leaves a CI result in git (a note in the CI notes ref) where failmix reads
/// it back as ci_break evidence. Share them with
/// `git push origin refs/notes/ci` and `git fetch origin refs/notes/ci:refs/notes/ci`.
struct CIRecordCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record", abstract: "Write or update a commit's CI result note (default ref refs/notes/ci).")

    enum Status: String, ExpressibleByArgument { case success, failure }

    @Option(help: "The CI result.") var status: Status
    @Option(help: ArgumentHelp("The commit (default HEAD).", valueName: "rev")) var sha = "HEAD"
    @Option(help: ArgumentHelp("The CI job's name.", valueName: "name")) var job: String?
    @Option(help: ArgumentHelp("A link to the CI run.", valueName: "url")) var url: String?
    @Option(help: ArgumentHelp("The notes ref (default: notes_ref in .failmix.toml, else refs/notes/ci).", valueName: "ref"))
    var notesRef: String?
    @OptionGroup var config: ConfigOptions
    @OptionGroup var repository: RepositoryOptions

    func run() throws {
        let repository = try self.repository.discover()
        // The policy's `notes_ref`, where `failmix report` reads CI results.
        let notesRef = try notesRef ?? config.configuration(repositoryPath: repository.workdir).notesRef
        let commit = try repository.resolve(sha)
        var lines = ["status: \(status.rawValue)"]
        if let job { lines.append("job: \(Self.oneLine(job))") }
        if let url { lines.append("url: \(Self.oneLine(url))") }
        lines.append("at: \(Timestamp.format(Date().timeIntervalSince1970))")
        let identity = repository.identity() ?? ("failmix", "failmix@localhost")
        // One note per commit: running it again replaces the result, never adds a second.
        try repository.setNote(ref: notesRef, sha: commit, message: lines.joined(separator: "\n") + "\n",
                               authorName: identity.name, authorEmail: identity.email)
        print("failmix: recorded \(status.rawValue) for \(commit.prefix(12)) in \(notesRef)")
    }

    /// A value must not start a new `key: value` line of its own.
    static func oneLine(_ s: String) -> String {
        s.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
    }
}
