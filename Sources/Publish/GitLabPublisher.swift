import FailmixSupport
import FoundationEssentials

/// Where a GitLab CI job reports to.
public struct GitLabTarget: Sendable {
    public var apiURL: String
    public var projectID: String
    public var sha: String
    public var token: String
    /// `PRIVATE-TOKEN` for a personal/project token, `JOB-TOKEN` for CI_JOB_TOKEN.
    public var tokenHeader: String
    public var mergeRequest: Int?
    public var jobURL: String?
    public var name: String
    /// The branch the pipeline runs for, and the pipeline: a status without
    /// them may attach to another pipeline of the same commit.
    public var ref: String?
    public var pipelineID: Int?

    public init(apiURL: String, projectID: String, sha: String, token: String, tokenHeader: String = "PRIVATE-TOKEN",
                mergeRequest: Int? = nil, jobURL: String? = nil, name: String = "failmix", ref: String? = nil,
                pipelineID: Int? = nil) {
        self.ref = ref
        self.pipelineID = pipelineID
        self.apiURL = apiURL.hasSuffix("/") ? String(apiURL.dropLast()) : apiURL
        self.projectID = projectID
        self.sha = sha
        self.token = token
        self.tokenHeader = tokenHeader
        self.mergeRequest = mergeRequest
        self.jobURL = jobURL
        self.name = name
    }
}

/// GitLab REST calls failmix makes: commit status and a sticky MR note.
public struct GitLabPublisher: Sendable {
    public let target: GitLabTarget
    public let client: HTTPClient

    public init(target: GitLabTarget, client: HTTPClient) {
        self.target = target
        self.client = client
    }

    var headers: [String: String] { [target.tokenHeader: target.token] }

    func url(_ path: String) -> String {
        let project = percentEncoded(target.projectID, keepingSlashes: false)
        return "\(target.apiURL)/projects/\(project)/\(path)"
    }

    /// `state`: success or failed.
    public func postStatus(state: String, description: String) throws(HTTPError) {
        var body: [String: JSONValue] = ["state": .string(state), "name": .string(target.name),
                                         "description": .string(truncate(description, to: 140))]
        if let job = target.jobURL { body["target_url"] = .string(job) }
        if let ref = target.ref { body["ref"] = .string(ref) }
        if let pipeline = target.pipelineID { body["pipeline_id"] = .number(Double(pipeline)) }
        _ = try client.send(.json("POST", url("statuses/\(target.sha)"), .object(body), headers: headers))
    }

    public func upsertNote(_ body: String) throws(HTTPError) {
        guard let mr = target.mergeRequest else { return }
        let pointer = target.jobURL.map { "the artifacts of [the job](\($0))." } ?? "the job's artifacts."
        let fitted = BodyLimit.fit(body, limit: BodyLimit.gitlabNote - GitHubPublisher.commentMarker.utf8.count - 1, fullReport: pointer)
        try upsertMarkedComment(
            fitted, client: client, headers: headers, list: { url("merge_requests/\(mr)/notes?per_page=100&page=\($0)") },
            update: { ("PUT", url("merge_requests/\(mr)/notes/\($0)")) }, create: url("merge_requests/\(mr)/notes"))
    }
}
