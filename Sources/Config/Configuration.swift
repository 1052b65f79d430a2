import FailmixClassify
import FailmixGate
import FailmixRecords
import Foundation

/// Everything `.failmix.toml` can set, with the built-in defaults.
public struct Configuration: Sendable {
    public enum OnError: String, Sendable, CaseIterable {
        /// An internal error exits 2: the gate stays shut (the safe default).
        case closed
        /// An internal error exits 0 with a loud message: the agent runs on.
        case open
    }

    public var recordPaths: [String] = []
    public var timestampIs: TimestampMeaning = .end
    public var repository: String?
    public var revs: [String] = []
    public var allBranches = false
    public var trailer = "Git-Session-Id"
    public var agentAuthors: [String] = []
    public var windowSlack: Double = 0
    public var notesRef = "refs/notes/ci"
    public var modes: [ModeDefinition] = BuiltinModes.all()
    public var classes = FaultClasses.defaults
    public var rules = GateRule.defaults
    public var onError = OnError.closed
    public var clearMargin = 0.10
    public var blockModes = ["abandoned_loop", "ci_break"]
    public var statusContext = "failmix"
    /// The file this came from (nil: built-in defaults).
    public var source: String?

    public init() {}

    public static let fileName = ".failmix.toml"

    /// Changes whenever something that shapes a session's facts changes
    /// (the records cache keys on it).
    public var recordFingerprint: String {
        let text = modes.map { "\($0.name)=\($0.ruleText)" }.joined(separator: "\n") + "\n\(timestampIs.rawValue)"
        return String(fnv1a(text.utf8), radix: 16)
    }

    /// The effective configuration as TOML (`failmix config show`).
    public func renderTOML() -> String {
        func q(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
        func list(_ xs: [String]) -> String { "[" + xs.map(q).joined(separator: ", ") + "]" }
        func num(_ d: Double) -> String { d == d.rounded() && abs(d) < 1e9 ? String(format: "%.1f", d) : String(d) }
        var out = ""
        if let source { out += "# effective configuration (from \(source))\n\n" } else { out += "# effective configuration (built-in defaults; no \(Self.fileName))\n\n" }
        out += "[records]\npaths = \(list(recordPaths))\ntimestamp_is = \(q(timestampIs.rawValue))\n\n"
        out += "[git]\n"
        if let repository { out += "repo = \(q(repository))\n" }
        out += "revs = \(list(revs))\nall_branches = \(allBranches)\ntrailer = \(q(trailer))\nagent_authors = \(list(agentAuthors))\nwindow_slack = \(num(windowSlack))\nnotes_ref = \(q(notesRef))\n\n"
        for mode in modes {
            out += "[modes.\(mode.name)]\nlabel = \(q(mode.label))\n# rule: \(mode.ruleText)\ncause = \(q(mode.cause))\nfix = \(q(mode.fix))\n\n"
        }
        out += "[classes]\n" + classes.classes.map { "\($0.name) = \(list($0.modes))" }.joined(separator: "\n") + "\n\n"
        for rule in rules {
            out += "[[rules]]\nname = \(q(rule.name))\nmode = \(q(Self.targetName(rule.target)))\nwindow = \(rule.window)\n"
            if let w = rule.warn { out += "warn = \(num(w))\n" }
            if let f = rule.fail { out += "fail = \(num(f))\n" }
            if let w = rule.warnCount { out += "warn_count = \(w)\n" }
            if let f = rule.failCount { out += "fail_count = \(f)\n" }
            out += "min_sessions = \(rule.minSessions)\n"
            if let c = rule.confidence { out += "confidence = \(num(c))\n" }
            if let s = rule.streak { out += "streak = \(s)\n" }
            if let b = rule.basis { out += "basis = \(q(b.rawValue))\n" }
            if let c = rule.clear { out += "clear = \(num(c))\n" }
            out += "\n"
        }
        out += "[gate]\non_error = \(q(onError.rawValue))\nclear_margin = \(num(clearMargin))\n\n"
        out += "[ci]\nblock_modes = \(list(blockModes))\ncontext = \(q(statusContext))\n"
        return out
    }

    static func targetName(_ t: RuleTarget) -> String {
        switch t {
        case .any: "any"
        case .mode(let m): m
        case .faultClass(let c): c
        }
    }

    /// The commented file `failmix init` writes: every default, and why.
    public static let initTemplate = """
        # failmix policy. Every value below is the built-in default; delete what
        # you don't change. `failmix config check` validates this file and
        # `failmix config show` prints what is in effect.

        [records]
        # Records files; empty = discover state/sessions/session-records.jsonl,
        # then $GPTME_SESSIONS_DIR, then ~/.local/share/gptme-sessions.
        paths = []
        # What `timestamp` means when start_time/end_time are absent:
        # gptme-sessions writes it when a session ends.
        timestamp_is = "end"

        [git]
        # Commits are tied to sessions by this trailer, by SHAs in deliverables,
        # or by time inside one session's window.
        trailer = "Git-Session-Id"
        # Who the agent is (globs on e-mail or name). Empty: every author counts,
        # so a human's commit inside a session window is attributed to it.
        agent_authors = []
        # Seconds of clock slack around each session window.
        window_slack = 0
        # Where CI results are kept as git notes (`failmix ci record`).
        notes_ref = "refs/notes/ci"

        # Tune a built-in mode, switch it off, or add your own:
        # [modes.low_productivity]
        # cutoff = 0.3            # grades.productivity below this is low
        # [modes.timeout]
        # label = "Timeout"
        # cause = "tasks outgrow the session limit"
        # fix = "split tasks, raise the limit"
        # when = [{ field = "failure_reason", equals = "timeout" }]

        [classes]
        # Fault classes group modes so one rule can watch a kind of trouble.
        execution = ["abandoned_loop", "low_productivity", "exit_failure"]
        supply = ["noop", "blocked", "routing_mismatch"]
        quality = []
        external = ["ci_break"]

        # Why 30 sessions: about a day of a busy agent, enough that one session
        # moves a rate by ~3 points, recent enough to react the same day.
        # Why min_sessions 10: below that, one session is 10+ points; decide nothing.

        [[rules]]
        # More than 15% noops means the task supply is drying up: warn, don't stop.
        name = "noop-rate"
        mode = "noop"
        window = 30
        warn = 0.15
        min_sessions = 10

        [[rules]]
        # Most sessions failing somehow: warn at 70%, stop at 90%.
        name = "failure-rate"
        mode = "any"
        window = 30
        warn = 0.70
        fail = 0.90
        min_sessions = 10

        [[rules]]
        # The published practice: abandoned-loop rate above 40% for 12
        # consecutive sessions means pause and investigate. The streak keeps one
        # bad hour from stopping the agent.
        name = "abandoned-loops"
        mode = "abandoned_loop"
        window = 30
        fail = 0.40
        streak = 12
        min_sessions = 10

        [[rules]]
        # CI breaks are counted, not rated: 2 in 30 sessions is a warning, 4
        # stops the agent. Corroborated: git's reverts and CI notes count even
        # when the record didn't say so.
        name = "ci-breaks"
        mode = "ci_break"
        window = 30
        warn_count = 2
        fail_count = 4
        basis = "corroborated"
        min_sessions = 10

        # Optional on any rule: confidence = 0.9 fires only when the Wilson lower
        # bound of the rate exceeds the threshold (small windows don't flap);
        # clear = 0.25 sets the level a paused rule must fall below.

        [gate]
        # "closed": an internal error exits 2 and the agent waits (safe).
        # "open": exit 0 with a loud message and let the agent run.
        on_error = "closed"
        # A pause ends when every rule that caused it is this far below its threshold.
        clear_margin = 0.10

        [ci]
        # A pull request whose sessions had one of these modes fails the check.
        block_modes = ["abandoned_loop", "ci_break"]
        # The commit status / check run name.
        context = "failmix"

        """
}
