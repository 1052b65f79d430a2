import FailmixSupport
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a check's verdict goes besides standard output: GitHub's step
/// summary, step outputs, commit status, check run and sticky comment, or
/// GitLab's commit status and merge-request note. Every network failure is
/// reported and never changes the verdict.
public struct CIPublisher {
    /// Where the publisher speaks: workflow commands and notices go to
    /// standard output (GitHub reads them there), warnings to standard error.
    public struct Log {
        public var standardOutput: (String) -> Void
        public var standardError: (String) -> Void

        public init(standardOutput: @escaping (String) -> Void, standardError: @escaping (String) -> Void) {
            self.standardOutput = standardOutput
            self.standardError = standardError
        }

        public static var console: Log {
            Log(standardOutput: { print($0) },
                standardError: { line in _ = FileIO.writeAll(STDERR_FILENO, Array((line + "\n").utf8)) })
        }
    }

    public let ci: CIEnvironment
    let token: String?
    let client: HTTPClient
    let jobToken: String?
    let log: Log
    /// The status context / check name (`[ci] context`).
    public var context = "failmix"

    /// The token comes from `tokenEnv` (default `GITLAB_TOKEN` on GitLab,
    /// else `GITHUB_TOKEN`) and is never printed; `retry` is how API calls
    /// retry (tests make it quick).
    public init(ci: CIEnvironment, environment: [String: String], tokenEnv: String? = nil,
                retry: RetryPolicy = RetryPolicy(), log: Log = .console) {
        self.ci = ci
        let name = tokenEnv ?? (ci.provider == .gitlab ? "GITLAB_TOKEN" : "GITHUB_TOKEN")
        token = environment[name].flatMap { $0.isEmpty ? nil : $0 }
        jobToken = environment["CI_JOB_TOKEN"]
        client = HTTPClient(retry: retry, timeout: 10, secrets: token.map { [$0] } ?? [],
                            budgetEnds: { Deadline.shared.remaining.map { Date(timeIntervalSinceNow: $0 - 0.5) } })
        self.log = log
    }

    public func publish(_ report: Report) {
        let decision = report.decision ?? .pass
        switch ci.provider {
        case .github:
            let summary = MarkdownReporter.render(report)
            if let path = ci.stepSummaryPath {
                let fitted = BodyLimit.fit(summary, limit: BodyLimit.githubStepSummary,
                                           fullReport: "`failmix ci --format markdown --output FILE`, or the action's report files.")
                attempt("the step summary") { try appendToFile(path, fitted) }
            }
            if let path = ci.outputPath { attempt("the step outputs") { try appendToFile(path, githubOutputBlock(Self.outputs(report))) } }
            guard let github = githubPublisher() else {
                notice("no \(tokenDescription) token: commit status, check run and comment skipped; see the annotations")
                return
            }
            let state = decision == .fail ? "failure" : decision == .error ? "error" : "success"
            let conclusion = decision == .fail ? "failure" : decision == .warn ? "neutral" : "success"
            let annotations = report.rankedFindings.compactMap { f -> CheckAnnotation? in
                guard let path = f.path else { return nil }
                return CheckAnnotation(path: Escape.visibleControls(path), line: f.line ?? 1, level: f.level.rawValue,
                                       title: Escape.visibleControls(f.title), message: Escape.visibleControls(f.message, keeping: ["\n"]))
            }
            api("commit status", permission: "statuses: write") { () throws(HTTPError) in
                try github.postStatus(state: state, description: description(report))
            }
            api("check run", permission: "checks: write") { () throws(HTTPError) in
                try github.publishCheckRun(conclusion: conclusion, title: "failmix: \(decision.rawValue)", summary: summary, annotations: annotations)
            }
            api("pull-request comment", permission: "pull-requests: write") { () throws(HTTPError) in try github.upsertComment(summary) }
        case .gitlab:
            guard let gitlab = gitlabPublisher() else {
                log.standardError("failmix: no \(tokenDescription) token: commit status and merge-request note skipped")
                return
            }
            api("commit status") { () throws(HTTPError) in
                try gitlab.postStatus(state: decision == .fail || decision == .error ? "failed" : "success", description: description(report))
            }
            api("merge-request note") { () throws(HTTPError) in try gitlab.upsertNote(MarkdownReporter.render(report)) }
        case .plain:
            break
        }
    }

    /// The check must conclude even when failmix itself failed.
    /// Reports a run that could not decide. `blocking` (on_error = closed)
    /// posts an error status, which a required check treats as red; an open
    /// policy posts success with the error in its description, so the
    /// merge goes as configured while the annotation stays loud.
    public func concludeWithError(_ message: String, blocking: Bool = true) {
        let description = blocking ? message : "could not decide (on_error = open): \(message)"
        switch ci.provider {
        case .github:
            log.standardOutput("::error title=failmix::\(GitHubReporter.escapeData(message))")
            if let github = githubPublisher() { api("commit status", permission: "statuses: write") { () throws(HTTPError) in try github.postStatus(state: blocking ? "error" : "success", description: description) } }
        case .gitlab:
            if let gitlab = gitlabPublisher() { api("commit status") { () throws(HTTPError) in try gitlab.postStatus(state: blocking ? "failed" : "success", description: description) } }
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
        let header = jobToken == token ? "JOB-TOKEN" : "PRIVATE-TOKEN"
        return GitLabPublisher(target: GitLabTarget(apiURL: api, projectID: project, sha: sha, token: token, tokenHeader: header,
                                                    mergeRequest: ci.pullRequest, jobURL: ci.runURL, name: context, ref: ci.ref,
                                                    pipelineID: ci.pipelineID), client: client)
    }

    /// The commit status's one line: the decision and the rules behind it.
    func description(_ report: Report) -> String {
        let fired = report.rankedFindings.filter { $0.level != .notice }.map(\.rule)
        return "\((report.decision ?? .pass).rawValue)" + (fired.isEmpty ? "" : ": " + Array(Set(fired)).sorted().joined(separator: ", "))
    }

    /// `$GITHUB_OUTPUT` pairs for later steps, over the most recent window:
    /// the decision, the failed rules, `rates` (every mode, custom ones too,
    /// as one JSON object: a composite action can only declare outputs it
    /// knows in advance) and `rate_<mode>`.
    static func outputs(_ report: Report) -> [(String, String)] {
        var pairs = [("decision", (report.decision ?? .pass).rawValue),
                     ("failed_rules", Escape.visibleControls(report.findings.filter { $0.level == .failure }.map(\.rule).joined(separator: ",")))]
        guard let recent = report.mix.recent else { return pairs }
        let rates = report.catalog.modes.enumerated().map { (i, mode) in (mode.name, JSONReporter.number(recent.rate(recent.counts[i]))) }
        pairs.append(("rates", "{" + rates.map { "\(JSONReporter.json($0.0)):\($0.1)" }.joined(separator: ",") + "}"))
        pairs += rates.map { ("rate_\($0.0)", $0.1) }
        return pairs
    }

    /// Why GitHub answered 403 to a call that needs `permission`: a fork's
    /// pull request gets a read-only token whatever the workflow asks; any
    /// other token lacks the permission (and a personal access token can
    /// never create check runs: only a GitHub App's token can).
    static func forbiddenNotice(_ what: String, permission: String, fork: Bool) -> String {
        let fallback = "results are in the annotations and the step summary"
        if fork {
            return "the \(what) was not posted (HTTP 403): this pull request comes from a fork, whose token is read-only; \(fallback)"
        }
        let pat = permission == "checks: write" ? "; a personal access token cannot create check runs, use the workflow's GITHUB_TOKEN" : ""
        return "the \(what) was not posted (HTTP 403): the token lacks `\(permission)` (add it to the workflow's `permissions:`\(pat)); \(fallback)"
    }

    func api(_ what: String, permission: String = "api", _ call: () throws(HTTPError) -> Void) {
        do {
            try call()
        } catch {
            if error.statusCode == 403, ci.provider == .github {
                notice(Self.forbiddenNotice(what, permission: permission, fork: ci.isFork))
            } else {
                log.standardError("failmix: warning: could not post the \(what): \(error)")
            }
        }
    }

    func attempt(_ what: String, _ body: () throws -> Void) {
        do { try body() } catch { log.standardError("failmix: warning: could not write \(what): \(error)") }
    }

    func notice(_ text: String) {
        if ci.provider == .github {
            log.standardOutput("::notice title=failmix::\(GitHubReporter.escapeData(text))")
        } else {
            log.standardError("failmix: \(text)")
        }
    }
}
