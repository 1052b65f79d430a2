import FoundationEssentials

/// One gate run skipped on purpose, the way pre-commit users expect:
/// `FAILMIX_SKIP=1`, or pre-commit's `SKIP` (a comma-separated list of hook
/// ids and aliases) naming failmix. pre-commit itself skips a hook whose id
/// or alias is listed; failmix honours the list too, so it holds when the
/// gate runs from a git hook or a run loop.
public enum HookSkip {
    /// The names a SKIP list may use for failmix: the alias and the hook ids
    /// in .pre-commit-hooks.yaml.
    public static let names: Set<String> = ["failmix", "failmix-gate", "failmix-gate-installed"]

    /// What asked for the skip, or nil when the gate must run.
    public static func reason(_ environment: [String: String]) -> String? {
        if environment["FAILMIX_SKIP"] == "1" { return "FAILMIX_SKIP=1" }
        let listed = (environment["SKIP"] ?? "").split(separator: ",").map { String($0.trimmingBlanks) }
        return listed.first(where: names.contains).map { "SKIP lists \($0)" }
    }
}
