/// Bodies the CI services cap: a comment or summary over the limit is
/// refused (GitHub answers 422), so the report is posted cut at a line
/// boundary, ending with where the whole of it is.
public enum BodyLimit {
    /// GitHub: an issue or pull-request comment.
    public static let githubComment = 65_536
    /// GitHub: a check run's `output.summary`.
    public static let githubCheckSummary = 65_535
    /// GitHub: one step's `$GITHUB_STEP_SUMMARY` (1 MiB).
    public static let githubStepSummary = 1_048_576
    /// GitLab: a merge-request note.
    public static let gitlabNote = 1_000_000

    /// `body` whole when it fits in `limit` UTF-8 bytes (bytes, so it fits
    /// however the service counts characters); else its longest prefix of
    /// whole lines that leaves room for a closing note pointing at `fullReport`.
    public static func fit(_ body: String, limit: Int, fullReport: String) -> String {
        guard body.utf8.count > limit else { return body }
        let totalLines = body.split(separator: "\n", omittingEmptySubsequences: false).count
        var shownLines = 0
        var kept = Substring.UTF8View.Index?.none
        let utf8 = body.utf8
        // Room for the note, whose line count has at most 7 digits.
        let room = limit - note(shown: 9_999_999, total: totalLines, fullReport: fullReport).utf8.count
        guard room > 0 else { return String(note(shown: 0, total: totalLines, fullReport: fullReport).utf8.prefix(limit)) ?? "" }
        var offset = 0
        for i in utf8.indices {
            if offset >= room { break }
            if utf8[i] == UInt8(ascii: "\n") {
                kept = i
                shownLines += 1
            }
            offset += 1
        }
        let prefix = kept.map { String(body[..<$0]) } ?? ""
        return prefix + note(shown: shownLines, total: totalLines, fullReport: fullReport)
    }

    static func note(shown: Int, total: Int, fullReport: String) -> String {
        "\n\n---\n**Truncated:** \(shown) of \(total) lines shown (the service's size limit). The full report: \(fullReport)\n"
    }
}
