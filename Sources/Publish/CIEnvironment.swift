import FailmixSupport
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the CI service tells a job through its environment.
public enum CIProvider: String, Sendable, CaseIterable {
    case github, gitlab, plain
}

public struct CIEnvironment: Sendable {
    public var provider: CIProvider
    public var apiURL: String?
    /// GitHub `owner/name`, or GitLab project id.
    public var project: String?
    public var headSHA: String?
    public var baseSHA: String?
    public var pullRequest: Int?
    public var runURL: String?
    public var stepSummaryPath: String?
    public var outputPath: String?
    /// GitHub: the pull request comes from a fork, whose workflow token is
    /// read-only whatever the workflow asks for.
    public var isFork = false
    /// GitLab: the branch and the pipeline a commit status belongs to.
    public var ref: String?
    public var pipelineID: Int?

    /// Reads the environment; `override` forces a provider (`--provider`).
    public init(_ env: [String: String], override: CIProvider? = nil) {
        let detected: CIProvider = env["GITHUB_ACTIONS"] == "true" ? .github : env["GITLAB_CI"] == "true" ? .gitlab : .plain
        provider = override ?? detected
        switch provider {
        case .github:
            apiURL = env["GITHUB_API_URL"] ?? "https://api.github.com"
            project = env["GITHUB_REPOSITORY"]
            headSHA = env["GITHUB_SHA"]
            if let server = env["GITHUB_SERVER_URL"], let repo = env["GITHUB_REPOSITORY"], let run = env["GITHUB_RUN_ID"] {
                runURL = "\(server)/\(repo)/actions/runs/\(run)"
            }
            stepSummaryPath = env["GITHUB_STEP_SUMMARY"]
            outputPath = env["GITHUB_OUTPUT"]
            // A pull_request event's payload names the PR and its base and
            // head; a merge_group event's, the queued group's.
            if let eventPath = env["GITHUB_EVENT_PATH"], let data = FileManager.default.contents(atPath: eventPath),
                let event = JSONValue(parsing: data)
            {
                if let pr = event["pull_request"], pr.object != nil {
                    pullRequest = pr["number"]?.int
                    let base = pr["base"], head = pr["head"]
                    baseSHA = base?["sha"]?.string
                    headSHA = head?["sha"]?.string ?? headSHA
                    let headRepo = head?["repo"], baseRepo = base?["repo"]
                    isFork = headRepo?["fork"]?.bool == true
                        || headRepo?["full_name"]?.string.map { $0 != baseRepo?["full_name"]?.string } == true
                } else if let group = event["merge_group"], group.object != nil {
                    // A merge queue's group: its commits are base_sha..head_sha,
                    // and the required check reports on head_sha.
                    baseSHA = group["base_sha"]?.string
                    headSHA = group["head_sha"]?.string ?? headSHA
                }
            }
            if baseSHA == nil, let ref = env["GITHUB_BASE_REF"], !ref.isEmpty { baseSHA = "origin/\(ref)" }
        case .gitlab:
            apiURL = env["CI_API_V4_URL"]
            project = env["CI_PROJECT_ID"]
            headSHA = env["CI_COMMIT_SHA"]
            baseSHA = env["CI_MERGE_REQUEST_DIFF_BASE_SHA"]
            pullRequest = env["CI_MERGE_REQUEST_IID"].flatMap { Int($0) }
            runURL = env["CI_JOB_URL"]
            ref = [env["CI_MERGE_REQUEST_SOURCE_BRANCH_NAME"], env["CI_COMMIT_REF_NAME"]].compactMap { $0 }.first { !$0.isEmpty }
            pipelineID = env["CI_PIPELINE_ID"].flatMap { Int($0) }
        case .plain:
            break
        }
    }
}

/// Appends `name=value` pairs to a GitHub `$GITHUB_OUTPUT` file in the
/// multi-line-safe heredoc form, with a delimiter no value contains.
/// Names come from configuration (a mode's name): anything but letters,
/// digits, `_` and `-` becomes `_`, so a name can never end the line or
/// open a heredoc of its own.
public func githubOutputBlock(_ pairs: [(String, String)]) -> String {
    var text = ""
    for (rawName, value) in pairs {
        let name = String(String.UnicodeScalarView(rawName.unicodeScalars.map { u in
            u.properties.isASCIIHexDigit || ("a"..."z").contains(u) || ("A"..."Z").contains(u) || u == "_" || u == "-" ? u : "_"
        }))
        var delimiter: String
        repeat {
            delimiter = "ghadelimiter_" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        } while value.contains(delimiter)
        text += "\(name)<<\(delimiter)\n\(value)\n\(delimiter)\n"
    }
    return text
}

/// Appends text to a file (the step summary and output files are shared by
/// every step of a job: append, never replace).
public func appendToFile(_ path: String, _ text: String) throws(FileError) {
    let fd = FileIO.openForAppending(path)
    guard fd >= 0 else { throw .errno("append to", path) }
    defer { close(fd) }
    guard FileIO.writeAll(fd, Array(text.utf8)) else { throw .errno("append to", path) }
}
