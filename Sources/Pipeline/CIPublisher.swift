import Foundation

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
                standardError: { FileHandle.standardError.write(Data(($0 + "\n").utf8)) })
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
        client = HTTPClient(retry: retry, timeout: 10, secrets: token.map { [$0] } ?? [])
        self.log = log
    }

    public func publish(_ report: Report) {
        let decision = report.decision ?? .pass
        switch ci.provider {
        case .github:
            let summary = MarkdownReporter.render(report)
            if let path = ci.stepSummaryPath { attempt("the step summary") { try appendToFile(path, summary) } }
            if let path = ci.outputPath { attempt("the step outputs") { try appendToFile(path, githubOutputBlock(outputs(report))) } }
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
            api("commit status") { () throws(HTTPError) in try github.postStatus(state: state, description: description(report)) }
            api("check run") { () throws(HTTPError) in
                try github.publishCheckRun(conclusion: conclusion, title: "failmix: \(decision.rawValue)", summary: summary, annotations: annotations)
            }
            api("pull-request comment") { () throws(HTTPError) in try github.upsertComment(summary) }
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
    public func concludeWithError(_ message: String) {
        switch ci.provider {
        case .github:
            log.standardOutput("::error title=failmix::\(GitHubReporter.escapeData(message))")
            if let github = githubPublisher() { api("commit status") { () throws(HTTPError) in try github.postStatus(state: "error", description: message) } }
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
        let header = jobToken == token ? "JOB-TOKEN" : "PRIVATE-TOKEN"
        return GitLabPublisher(target: GitLabTarget(apiURL: api, projectID: project, sha: sha, token: token, tokenHeader: header,
                                                    mergeRequest: ci.pullRequest, jobURL: ci.runURL, name: context), client: client)
    }

    /// The commit status's one line: the decision and the rules behind it.
    func description(_ report: Report) -> String {
        let fired = report.rankedFindings.filter { $0.level != .notice }.map(\.rule)
        return "\((report.decision ?? .pass).rawValue)" + (fired.isEmpty ? "" : ": " + Array(Set(fired)).sorted().joined(separator: ", "))
    }

    /// `$GITHUB_OUTPUT` pairs for later steps: the decision, the failed
    /// rules, and each mode's rate in the recent window.
    func outputs(_ report: Report) -> [(String, String)] {
        var pairs = [("decision", (report.decision ?? .pass).rawValue),
                     ("failed_rules", report.findings.filter { $0.level == .failure }.map(\.rule).joined(separator: ","))]
        if let recent = report.mix.recent {
            for (i, mode) in report.catalog.modes.enumerated() {
                pairs.append(("rate_\(mode.name)", JSONReporter.number(recent.rate(recent.counts[i]))))
            }
        }
        return pairs
    }

    func api(_ what: String, _ call: () throws(HTTPError) -> Void) {
        do {
            try call()
        } catch {
            if error.statusCode == 403 {
                notice("the token may not write the \(what) (HTTP 403, e.g. a fork's read-only token); results are in the annotations and the step summary")
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
