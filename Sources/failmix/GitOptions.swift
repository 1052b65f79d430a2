import ArgumentParser
import FailmixKit

/// How commits are read and attributed to sessions; shared by every command
/// that corroborates with git.
struct GitOptions: ParsableArguments {
    @Option(name: .customLong("rev"), help: ArgumentHelp("Walk history from this revision (repeatable; default HEAD).", valueName: "rev"))
    var revs: [String] = []

    @Flag(help: "Walk from every local branch.")
    var allBranches = false

    @Option(help: ArgumentHelp("The commit trailer naming a session.", valueName: "key"))
    var trailer = "Git-Session-Id"

    @Option(name: .customLong("agent-author"), help: ArgumentHelp(
        "A glob matched against a commit author's e-mail or name: the agent (repeatable). Without one, every author counts.",
        valueName: "pattern"))
    var agentAuthors: [String] = []

    @Option(help: ArgumentHelp("Seconds added before and after each session window.", valueName: "seconds"))
    var windowSlack: Double = 0

    @Option(help: ArgumentHelp("The notes ref holding CI results.", valueName: "ref"))
    var notesRef = "refs/notes/ci"

    @Flag(help: "Don't corroborate with git.")
    var noGit = false

    func validate() throws {
        guard windowSlack >= 0, windowSlack.isFinite else { throw ValidationError("--window-slack must be 0 or more") }
    }

    var evidence: EvidenceOptions? {
        noGit ? nil : EvidenceOptions(revs: revs, allBranches: allBranches, trailer: trailer, agentAuthors: agentAuthors,
                                      windowSlack: windowSlack, notesRef: notesRef)
    }
}
