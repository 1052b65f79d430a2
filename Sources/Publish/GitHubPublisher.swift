import FailmixSupport
import FoundationEssentials

/// Where a GitHub Actions run reports to.
public struct GitHubTarget: Sendable {
    public var apiURL: String
    /// `owner/name`.
    public var repository: String
    public var sha: String
    public var token: String
    /// The run's page, linked from the status.
    public var runURL: String?
    public var pullRequest: Int?
    public var context: String

    public init(apiURL: String, repository: String, sha: String, token: String, runURL: String? = nil,
                pullRequest: Int? = nil, context: String = "failmix") {
        self.apiURL = apiURL.hasSuffix("/") ? String(apiURL.dropLast()) : apiURL
        self.repository = repository
        self.sha = sha
        self.token = token
        self.runURL = runURL
        self.pullRequest = pullRequest
        self.context = context
    }
}

/// One check-run annotation (GitHub's field names).
public struct CheckAnnotation: Sendable {
    public var path: String
    public var line: Int
    public var level: String  // notice | warning | failure
    public var title: String
    public var message: String

    public init(path: String, line: Int, level: String, title: String, message: String) {
        self.path = path
        self.line = line
        self.level = level
        self.title = title
        self.message = message
    }

    var json: JSONValue {
        ["path": .string(path), "start_line": .number(Double(line)), "end_line": .number(Double(line)),
         "annotation_level": .string(level), "title": .string(String(title.prefix(255))),
         "message": .string(String(message.prefix(64 * 1024)))]
    }
}

/// GitHub REST calls failmix makes: commit status, check run, sticky comment.
public struct GitHubPublisher: Sendable {
    /// GitHub accepts at most this many annotations per check-run request.
    public static let annotationsPerRequest = 50
    public static let commentMarker = "<!-- failmix -->"

    public let target: GitHubTarget
    public let client: HTTPClient

    public init(target: GitHubTarget, client: HTTPClient) {
        self.target = target
        self.client = client
    }

    var headers: [String: String] {
        ["Authorization": "Bearer \(target.token)", "Accept": "application/vnd.github+json",
         "X-GitHub-Api-Version": "2022-11-28"]
    }

    func url(_ path: String) -> String { "\(target.apiURL)/repos/\(target.repository)/\(path)" }

    /// Where a cut body sends the reader: the run, whose job summary and
    /// report files hold everything.
    var fullReportPointer: String {
        target.runURL.map { "the job summary and report files of [the run](\($0))." } ?? "the job summary and report files of this run."
    }

    /// `state`: success, failure or error; the description is cut to 140 characters.
    public func postStatus(state: String, description: String) throws(HTTPError) {
        var body: [String: JSONValue] = ["state": .string(state), "context": .string(target.context),
                                         "description": .string(truncate(description, to: 140))]
        if let run = target.runURL { body["target_url"] = .string(run) }
        _ = try client.send(.json("POST", url("statuses/\(target.sha)"), .object(body), headers: headers))
    }

    /// Creates a completed check run; annotations beyond the first 50 are
    /// added with PATCH requests of 50 each.
    public func publishCheckRun(conclusion: String, title: String, summary: String, annotations: [CheckAnnotation]) throws(HTTPError) {
        let batches = stride(from: 0, to: max(annotations.count, 1), by: Self.annotationsPerRequest).map {
            Array(annotations[min($0, annotations.count)..<min($0 + Self.annotationsPerRequest, annotations.count)])
        }
        let summary = BodyLimit.fit(summary, limit: BodyLimit.githubCheckSummary, fullReport: fullReportPointer)
        func output(_ batch: [CheckAnnotation]) -> JSONValue {
            ["title": .string(String(title.prefix(255))), "summary": .string(summary), "annotations": .array(batch.map(\.json))]
        }
        var body: [String: JSONValue] = ["name": .string(target.context), "head_sha": .string(target.sha), "status": "completed",
                                         "conclusion": .string(conclusion), "output": output(batches[0])]
        if let run = target.runURL { body["details_url"] = .string(run) }
        let created = try client.send(.json("POST", url("check-runs"), .object(body), headers: headers))
        guard batches.count > 1 else { return }
        guard let id = created.json?["id"]?.int else {
            throw .status(method: "POST", url: url("check-runs"), code: created.status, message: "no check run id in the response")
        }
        for batch in batches.dropFirst() {
            _ = try client.send(.json("PATCH", url("check-runs/\(id)"), ["output": output(batch)], headers: headers))
        }
    }

    /// Updates the pull request's failmix comment (found by its hidden
    /// marker), or creates it when there is none.
    public func upsertComment(_ body: String) throws(HTTPError) {
        guard let pr = target.pullRequest else { return }
        let fitted = BodyLimit.fit(body, limit: BodyLimit.githubComment - Self.commentMarker.utf8.count - 1, fullReport: fullReportPointer)
        try upsertMarkedComment(
            fitted, client: client, headers: headers, list: { url("issues/\(pr)/comments?per_page=100&page=\($0)") },
            update: { ("PATCH", url("issues/comments/\($0)")) }, create: url("issues/\(pr)/comments"))
    }
}

/// The sticky-comment protocol both services share: page through the
/// comments, update the one carrying the hidden marker, else create one.
func upsertMarkedComment(
    _ body: String, client: HTTPClient, headers: [String: String], list: (Int) -> String,
    update: (Int) -> (method: String, url: String), create: String
) throws(HTTPError) {
    let marker = GitHubPublisher.commentMarker
    let text = body.contains(marker) ? body : marker + "\n" + body
    var page = 1
    // A pull request has far fewer than 50 pages of 100 comments; a server
    // that keeps answering full pages must not keep the check running.
    while page <= maxCommentPages {
        let comments = try client.send(.json("GET", list(page), nil, headers: headers)).json?.array ?? []
        if let existing = comments.first(where: { $0["body"]?.string?.contains(marker) == true }),
            let id = existing["id"]?.int
        {
            let (method, url) = update(id)
            _ = try client.send(.json(method, url, ["body": .string(text)], headers: headers))
            return
        }
        if comments.count < 100 { break }
        page += 1
    }
    _ = try client.send(.json("POST", create, ["body": .string(text)], headers: headers))
}

/// The most pages of comments searched for the sticky one.
let maxCommentPages = 50

/// Cuts `s` to at most `limit` characters, ending with "…" when cut.
public func truncate(_ s: String, to limit: Int) -> String {
    s.count <= limit ? s : String(s.prefix(limit - 1)) + "…"
}
