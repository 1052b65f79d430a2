import ArgumentParser
import FailmixKit
import FoundationEssentials

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
        let note = CINote(status: status.rawValue, job: job, url: url, at: Date().timeIntervalSince1970)
        let commit = try repository.recordCIResult(note, ref: notesRef, at: sha)
        print("failmix: recorded \(status.rawValue) for \(commit.prefix(12)) in \(notesRef)")
    }
}
