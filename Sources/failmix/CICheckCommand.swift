import ArgumentParser
import FailmixKit
import Foundation

/// The required check that gates self-merges: the global gate plus the pull
/// request's own sessions, reported where reviewers look. It always
/// concludes: an internal error still posts an `error` status.
struct CICheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Gate a pull request: the policy, plus the sessions behind its commits (the default `ci` command).",
        discussion: "Exit codes as `failmix gate`: 0 pass or warn, 1 fail, 2 error. Annotation and API failures never change them.")

    @Option(help: "github, gitlab or plain (default: detected from the environment).") var provider: CIProvider?
    @Option(help: ArgumentHelp("The pull request's commits, BASE..HEAD (default: from the CI environment).", valueName: "range"))
    var range: String?
    @Option(help: ArgumentHelp("The environment variable holding the API token.", valueName: "name"))
    var tokenEnv: String?
    @OptionGroup var verdict: VerdictOptions
    @OptionGroup var config: ConfigOptions
    @OptionGroup var records: RecordOptions
    @OptionGroup var git: GitOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let env = ProcessInfo.processInfo.environment
        let ci = CIEnvironment(env, override: provider)
        let tokenName = tokenEnv ?? (ci.provider == .gitlab ? "GITLAB_TOKEN" : "GITHUB_TOKEN")
        let token = env[tokenName].flatMap { $0.isEmpty ? nil : $0 }
        let client = HTTPClient(retry: RetryPolicy(), timeout: 10, secrets: token.map { [$0] } ?? [])
        var publisher = Publisher(ci: ci, token: token, client: client, context: "failmix")
        let report: Report
        let level: Level
        do {
            let (configuration, options) = try config.load(records: records, git: git)
            publisher.context = configuration.statusContext
            (report, level) = try evaluate(configuration, options, ci: ci)
        } catch {
            let message = "failmix could not decide: \(error)"
            publisher.concludeWithError(message)
            throw FailmixFailure(message: message)
        }
        try output.write(report, default: ci.provider == .github ? "github" : "text")
        publisher.publish(report)
        try verdict.exit(level)
    }

    private func evaluate(_ configuration: Configuration, _ options: PipelineOptions, ci: CIEnvironment) throws -> (Report, Level) {
        let gate = try Pipeline.gate(options, config: configuration, remember: false)
        var report = gate.report
        var level = gate.decision.level
        guard let (base, head) = try pullRequestRange(ci) else { return (report, level) }
        let full = try Pipeline.report(options)
        guard let evidence = full.corroboration else {
            throw FailmixFailure(message: "checking a pull request's sessions needs the git repository (--repo)")
        }
        let repository = try Repository.discover(from: options.repositoryPath ?? FileManager.default.currentDirectoryPath)
        let pr = try PullRequestCheck.evaluate(
            base: base, head: head, repository: repository, records: full.records, corroboration: evidence,
            catalog: full.catalog, blockModes: configuration.blockModes, repositoryRoot: repository.workdir)
        report.findings += pr.findings
        report.pullRequest = pr.summary
        if let root = repository.workdir {
            report.repositoryRoot = root
            report.anchorPath = CIResults.anchorPath(repositoryRoot: root, records: full.records, configPath: configuration.source)
        }
        let sessions = Set(pr.commits.flatMap(\.sessions)).count
        report.notes.append("pull request \(base.prefix(12))..\(head.prefix(12)): \(pr.commits.count) commits from \(sessions) sessions")
        level = max(level, pr.level)
        report.decision = Decision(level)
        return (report, level)
    }

    private func pullRequestRange(_ ci: CIEnvironment) throws -> (String, String)? {
        if let range {
            let parts = range.components(separatedBy: "..")
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw ValidationError("--range must be BASE..HEAD")
            }
            return (parts[0], parts[1])
        }
        guard let base = ci.baseSHA else { return nil }
        return (base, ci.headSHA ?? "HEAD")
    }
}

/// Where the verdict goes besides standard output. Every network failure is
/// reported and never changes the verdict.
struct Publisher {
    let ci: CIEnvironment
    let token: String?
    let client: HTTPClient
    var context: String

    func publish(_ report: Report) {
        let decision = report.decision ?? .pass
        switch ci.provider {
        case .github:
            let summary = MarkdownReporter.render(report)
            if let path = ci.stepSummaryPath {
                let fitted = BodyLimit.fit(summary, limit: BodyLimit.githubStepSummary, fullReport: "`failmix ci --format markdown --output FILE`, or the action's report files.")
                attempt("the step summary") { try appendToFile(path, fitted) }
            }
            if let path = ci.outputPath { attempt("the step outputs") { try appendToFile(path, githubOutputBlock(CIResults.stepOutputs(report))) } }
            guard let github = githubPublisher() else {
                notice("no \(tokenDescription) token: commit status, check run and comment skipped; see the annotations")
                return
            }
            let state = decision == .fail ? "failure" : decision == .error ? "error" : "success"
            let conclusion = decision == .fail ? "failure" : decision == .warn ? "neutral" : "success"
            let annotations = report.rankedFindings.compactMap { f -> CheckAnnotation? in
                guard let path = f.path else { return nil }
                return CheckAnnotation(path: path, line: f.line ?? 1, level: f.level.rawValue,
                                       title: f.title, message: f.message)
            }
            api("commit status", permission: "statuses: write") { () throws(HTTPError) in try github.postStatus(state: state, description: description(report)) }
            api("check run", permission: "checks: write") { () throws(HTTPError) in
                try github.publishCheckRun(conclusion: conclusion, title: "failmix: \(decision.rawValue)", summary: summary, annotations: annotations)
            }
            api("pull-request comment", permission: "pull-requests: write") { () throws(HTTPError) in try github.upsertComment(summary) }
        case .gitlab:
            guard let gitlab = gitlabPublisher() else {
                Stderr.line("failmix: no \(tokenDescription) token: commit status and merge-request note skipped")
                return
            }
            api("commit status") { () throws(HTTPError) in try gitlab.postStatus(state: decision == .fail || decision == .error ? "failed" : "success", description: description(report)) }
            api("merge-request note") { () throws(HTTPError) in try gitlab.upsertNote(MarkdownReporter.render(report)) }
        case .plain:
            break
        }
    }

    /// The check must conclude even when failmix itself failed.
    func concludeWithError(_ message: String) {
        switch ci.provider {
        case .github:
            print("::error title=failmix::\(GitHubReporter.escapeData(message))")
            if let github = githubPublisher() { api("commit status", permission: "statuses: write") { () throws(HTTPError) in try github.postStatus(state: "error", description: message) } }
        case .gitlab:
            if let gitlab = gitlabPublisher() { api("commit status") { () throws(HTTPError) in try gitlab.postStatus(state: "failed", description: message) } }
        case .plain:
            break
        }
    }

    var tokenDescription: String { ci.provider == .gitlab ? "GitLab" : "GitHub" }

    func githubPublisher() -> GitHubPublisher? {
        guard let token, let api = ci.apiURL, let repo = ci.project, let sha = ci.headSHA else { return nil }
        return GitHubPublisher(target: GitHubTarget(apiURL: api, repository: repo, sha: sha, token: token, runURL: ci.runURL,
                                                    pullRequest: ci.pullRequest, context: context), client: client)
    }

    func gitlabPublisher() -> GitLabPublisher? {
        guard let token, let api = ci.apiURL, let project = ci.project, let sha = ci.headSHA else { return nil }
        let header = ProcessInfo.processInfo.environment["CI_JOB_TOKEN"] == token ? "JOB-TOKEN" : "PRIVATE-TOKEN"
        return GitLabPublisher(target: GitLabTarget(apiURL: api, projectID: project, sha: sha, token: token, tokenHeader: header,
                                                    mergeRequest: ci.pullRequest, jobURL: ci.runURL, name: context, ref: ci.ref,
                                                    pipelineID: ci.pipelineID), client: client)
    }

    func description(_ report: Report) -> String {
        let fired = report.rankedFindings.filter { $0.level != .notice }.map(\.rule)
        return "\((report.decision ?? .pass).rawValue)" + (fired.isEmpty ? "" : ": " + Array(Set(fired)).sorted().joined(separator: ", "))
    }


    func api(_ what: String, permission: String = "api", _ call: () throws(HTTPError) -> Void) {
        do {
            try call()
        } catch {
            if error.statusCode == 403, ci.provider == .github {
                notice(CIResults.forbiddenNotice(what, permission: permission, fork: ci.isFork))
            } else {
                Stderr.line("failmix: warning: could not post the \(what): \(error)")
            }
        }
    }

    func attempt(_ what: String, _ body: () throws -> Void) {
        do { try body() } catch { Stderr.line("failmix: warning: could not write \(what): \(error)") }
    }

    func notice(_ text: String) {
        if ci.provider == .github { print("::notice title=failmix::\(GitHubReporter.escapeData(text))") } else { Stderr.line("failmix: \(text)") }
    }
}

extension CIProvider: ExpressibleByArgument {}
