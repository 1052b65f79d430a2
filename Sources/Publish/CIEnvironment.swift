import Foundation

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
            // A pull_request event's payload names the PR and its base and head.
            if let eventPath = env["GITHUB_EVENT_PATH"], let data = FileManager.default.contents(atPath: eventPath),
                let event = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                let pr = event["pull_request"] as? [String: Any]
            {
                pullRequest = pr["number"] as? Int
                baseSHA = (pr["base"] as? [String: Any])?["sha"] as? String
                headSHA = ((pr["head"] as? [String: Any])?["sha"] as? String) ?? headSHA
            }
            if baseSHA == nil, let ref = env["GITHUB_BASE_REF"], !ref.isEmpty { baseSHA = "origin/\(ref)" }
        case .gitlab:
            apiURL = env["CI_API_V4_URL"]
            project = env["CI_PROJECT_ID"]
            headSHA = env["CI_COMMIT_SHA"]
            baseSHA = env["CI_MERGE_REQUEST_DIFF_BASE_SHA"]
            pullRequest = env["CI_MERGE_REQUEST_IID"].flatMap { Int($0) }
            runURL = env["CI_JOB_URL"]
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
public func appendToFile(_ path: String, _ text: String) throws {
    guard let handle = FileHandle(forWritingAtPath: path) else {
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8)) else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
        }
        return
    }
    defer { try? handle.close() }
    try handle.seekToEnd()
    try handle.write(contentsOf: Data(text.utf8))
}
