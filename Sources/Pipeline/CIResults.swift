import Foundation

/// What a CI check hands the CI service besides the report itself: step
/// outputs, where unlocated findings are shown, and why an API call was refused.
public enum CIResults {
    /// `$GITHUB_OUTPUT` pairs: decision, failed_rules, `rates` (every mode,
    /// custom ones too, as one JSON object: a composite action can only
    /// declare outputs it knows in advance) and `rate_<mode>`, all over the
    /// most recent window.
    public static func stepOutputs(_ report: Report) -> [(String, String)] {
        var pairs = [("decision", (report.decision ?? .pass).rawValue),
                     ("failed_rules", report.findings.filter { $0.level == .failure }.map(\.rule).joined(separator: ","))]
        guard let recent = report.mix.recent else { return pairs }
        let rates = report.catalog.modes.enumerated().map { (i, mode) in (mode.name, JSONReporter.number(recent.rate(recent.counts[i]))) }
        pairs.append(("rates", "{" + rates.map { "\(JSONReporter.json($0.0)):\($0.1)" }.joined(separator: ",") + "}"))
        pairs += rates.map { ("rate_\($0.0)", $0.1) }
        return pairs
    }

    /// A file of the repository to hang findings on that have no place of
    /// their own (code scanning shows only located results): the policy
    /// file, else a records file inside the repository, else a README.
    public static func anchorPath(repositoryRoot root: String, records: RecordSet, configPath: String?) -> String? {
        let candidates = [configPath, "\(root)/.failmix.toml"].compactMap { $0 }
            + records.files.map(\.path) + ["README.md", "README", "readme.md"].map { "\(root)/\($0)" }
        for candidate in candidates {
            guard let relative = pathInside(candidate, root: root) else { continue }
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: "\(root)/\(relative)", isDirectory: &isDirectory), !isDirectory.boolValue {
                return relative
            }
        }
        return nil
    }

    /// Why GitHub answered 403 to a call that needs `permission`: a fork's
    /// pull request gets a read-only token whatever the workflow asks; any
    /// other token lacks the permission (and a personal access token can
    /// never create check runs: only a GitHub App's token can).
    public static func forbiddenNotice(_ what: String, permission: String, fork: Bool) -> String {
        let fallback = "results are in the annotations and the step summary"
        if fork {
            return "the \(what) was not posted (HTTP 403): this pull request comes from a fork, whose token is read-only; \(fallback)"
        }
        let pat = permission == "checks: write" ? "; a personal access token cannot create check runs, use the workflow's GITHUB_TOKEN" : ""
        return "the \(what) was not posted (HTTP 403): the token lacks `\(permission)` (add it to the workflow's `permissions:`\(pat)); \(fallback)"
    }
}
