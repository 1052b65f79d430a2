import ArgumentParser
import FailmixKit

/// How commits are read and attributed to sessions; shared by every command
/// that corroborates with git.
struct GitOptions: ParsableArguments {
    @Option(name: .customLong("rev"), help: ArgumentHelp("Walk history from this revision (repeatable; default HEAD).", valueName: "rev"))
    var revs: [String] = []

    @Flag(help: "Walk from every local branch.")
    var allBranches = false

    @Option(help: ArgumentHelp("The commit trailer naming a session (default: Git-Session-Id).", valueName: "key"))
    var trailer: String?

    @Option(name: .customLong("agent-author"), help: ArgumentHelp(
        "A glob matched against a commit author's e-mail or name: the agent (repeatable). Without one, every author counts.",
        valueName: "pattern"))
    var agentAuthors: [String] = []

    @Option(help: ArgumentHelp("Seconds added before and after each session window (default: 0).", valueName: "seconds"))
    var windowSlack: Double?

    @Option(help: ArgumentHelp("The notes ref holding CI results (default: refs/notes/ci).", valueName: "ref"))
    var notesRef: String?

    @Flag(help: "Don't corroborate with git.")
    var noGit = false

    /// The options these flags set, over the configuration's.
    func apply(to options: inout PipelineOptions) {
        if noGit { options.evidence = nil }
        guard var evidence = options.evidence else { return }
        if !agentAuthors.isEmpty { evidence.agentAuthors = agentAuthors }
        if !revs.isEmpty { evidence.revs = revs }
        if allBranches { evidence.allBranches = true }
        if let trailer { evidence.trailer = trailer }
        if let windowSlack { evidence.windowSlack = windowSlack }
        if let notesRef { evidence.notesRef = notesRef }
        options.evidence = evidence
    }

    func validate() throws {
        if let windowSlack, !(windowSlack >= 0 && windowSlack.isFinite) { throw ValidationError("--window-slack must be 0 or more") }
    }
}
