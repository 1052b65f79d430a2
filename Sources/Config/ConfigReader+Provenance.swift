import FailmixEvidence
import FailmixGate

/// `[git]`'s provenance keys (the session trailer's variables, subject
/// patterns, bookkeeping paths), `[doctor]`, and trailer-coverage rules.
extension ConfigReader {
    mutating func readProvenance(_ t: TOMLTableNode, into c: inout Configuration) {
        if let trailer = t["trailer"]?.string, !trailer.isEmpty, !EvidenceOptions.isTrailerKey(trailer) {
            issue("git.trailer", "a trailer key is letters, digits and dashes, not \"\(trailer)\"")
        }
        if let names = strings(t, "session_env", "git.session_env") {
            if names.isEmpty { issue("git.session_env", "name at least one environment variable (default [\"GIT_COMMITTER_SESSION_ID\"])") }
            for (i, name) in names.enumerated() where !EvidenceOptions.isVariableName(name) {
                issue("git.session_env[\(i)]", "'\(name)' is not an environment variable name")
            }
            if !names.isEmpty { c.sessionEnvironment = names }
        }
        if let patterns = strings(t, "subject_patterns", "git.subject_patterns") {
            for (i, pattern) in patterns.enumerated() {
                if let problem = EvidenceOptions.problem(withSubjectPattern: pattern) { issue("git.subject_patterns[\(i)]", problem) }
            }
            c.subjectPatterns = patterns
        }
        c.bookkeepingPaths = strings(t, "bookkeeping_paths", "git.bookkeeping_paths") ?? c.bookkeepingPaths
    }

    mutating func readDoctor(_ t: TOMLTableNode, into c: inout Configuration) {
        unknownKeys(t, allowed: ["max_silence"], in: "doctor.")
        if let silence = number(t, "max_silence", "doctor.max_silence") {
            if silence > 0 { c.maxSilence = silence } else { issue("doctor.max_silence", "must be more than 0 seconds, not \(silence)") }
        }
    }

    /// `metric = "trailer_coverage"`: warn_below / fail_below over the agent
    /// commits of the last `window` sessions, from `min_commits` commits on.
    mutating func readCoverageRule(_ t: TOMLTableNode, key: String) -> GateRule? {
        unknownKeys(t, allowed: ["name", "metric", "window", "warn_below", "fail_below", "min_commits", "clear"], in: key + ".")
        var rule = GateRule.trailerCoverage(
            name: string(t, "name", key + ".name", nonEmpty: true) ?? "trailer-coverage",
            window: integer(t, "window", key + ".window", min: 1) ?? 30,
            warnBelow: rate(t, "warn_below", key + ".warn_below"), failBelow: rate(t, "fail_below", key + ".fail_below"),
            minCommits: integer(t, "min_commits", key + ".min_commits", min: 0) ?? 10)
        rule.clear = rate(t, "clear", key + ".clear")
        if rule.warnBelow == nil, rule.failBelow == nil { issue(key, "a trailer_coverage rule needs warn_below or fail_below") }
        if let w = rule.warnBelow, let f = rule.failBelow, w < f { issue(key + ".warn_below", "warn_below (\(w)) is below fail_below (\(f))") }
        if let clear = rule.clear, let f = rule.failBelow, clear < f { issue(key + ".clear", "must be at least fail_below (\(f)), not \(clear)") }
        return rule
    }
}
