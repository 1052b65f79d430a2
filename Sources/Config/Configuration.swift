import FailmixClassify
import FailmixEvidence
import FailmixGate
import FailmixRecords
import FailmixSupport
import FoundationEssentials

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
    /// `[git] session_env`: where the stamping hook finds the session id.
    public var sessionEnvironment = EvidenceOptions.defaultSessionEnvironment
    /// `[git] subject_patterns`: regexes whose one capture group is a session id.
    public var subjectPatterns = EvidenceOptions.defaultSubjectPatterns
    /// `[git] bookkeeping_paths`: globs; a commit touching only these doesn't refute a noop.
    public var bookkeepingPaths: [String] = []
    /// `[doctor] max_silence`: seconds without a new record before doctor
    /// warns (nil: 4× the median gap between recent records).
    public var maxSilence: Double?
    public var modes: [ModeDefinition] = BuiltinModes.all()
    /// `[modes.low_productivity] cutoff`, already applied to `modes`; kept so
    /// `config show` can print it.
    public var lowProductivityCutoff = BuiltinModes.lowProductivityCutoff
    public var classes = FaultClasses.defaults
    public var rules = GateRule.defaults
    public var onError = OnError.closed
    /// `[gate] timeout`: seconds a gate or ci run may take before the
    /// watchdog ends it (`on_error` decides the exit code).
    public var timeout: Double = 10
    /// The longest `timeout` accepted.
    public static let maxTimeout: Double = 3600
    /// `[gate] on_insufficient`: the decision when a rule has too few sessions.
    public var onInsufficient = Level.pass
    /// `[gate] mode`: "shadow" evaluates, journals and reports, and never stops the agent.
    public var gateMode = GateMode.enforce
    /// `[records] exclude` and `exclude_duplicates`.
    public var population = PopulationFilter.defaults
    public var clearMargin = 0.10
    /// `[gate] basis`: the basis of every rule that names none, already
    /// applied to `rules` (nil: corroborated when git is available, else recorded).
    public var defaultBasis: Basis?
    public var blockModes = ["abandoned_loop", "ci_break"]
    public var statusContext = "failmix"
    /// A fleet: the agents `report` covers together and `gate --agent` names.
    public var agents: [AgentDefinition] = []
    /// The file this came from (nil: built-in defaults).
    public var source: String?

    public init() {}

    /// `[gate] mode`.
    public enum GateMode: String, Sendable, CaseIterable {
        /// Pauses stop the agent (exit 1).
        case enforce
        /// What the gate would do is evaluated, journalled (in its own state)
        /// and reported; the exit code always lets the session run.
        case shadow
    }

    public static let fileName = ".failmix.toml"

    /// What a built-in mode takes besides label, cause, fix and when.
    static let builtinModeParameters = ["low_productivity": ["cutoff"]]

    /// Changes whenever something that shapes a session's facts changes
    /// (the records cache keys on it).
    public var recordFingerprint: String {
        let text = modes.map { "\($0.name)=\($0.ruleText)" }.joined(separator: "\n") + "\n\(timestampIs.rawValue)\n\(population.text)"
        return String(fnv1a(text.utf8), radix: 16)
    }

    /// The effective configuration as TOML (`failmix config show`); it reads
    /// back to the same configuration.
    public func renderTOML() -> String {
        var out = "# effective configuration (" + (source.map { "from \($0)" } ?? "built-in defaults; no \(Self.fileName)") + ")\n\n"
        out += "[records]\npaths = \(Self.toml(recordPaths))\ntimestamp_is = \(Self.toml(timestampIs.rawValue))\n"
        out += "exclude = [" + population.exclude.map(Self.toml).joined(separator: ", ") + "]\nexclude_duplicates = \(population.excludeDuplicates)\n\n"
        out += "[git]\n"
        if let repository { out += "repo = \(Self.toml(repository))\n" }
        out += "revs = \(Self.toml(revs))\nall_branches = \(allBranches)\ntrailer = \(Self.toml(trailer))\n"
        out += "agent_authors = \(Self.toml(agentAuthors))\nwindow_slack = \(Self.toml(windowSlack))\nnotes_ref = \(Self.toml(notesRef))\n"
        out += "session_env = \(Self.toml(sessionEnvironment))\nsubject_patterns = \(Self.toml(subjectPatterns))\n"
        out += "bookkeeping_paths = \(Self.toml(bookkeepingPaths))\n\n"
        out += renderModes()
        out += "[classes]\n" + classes.classes.map { "\($0.name) = \(Self.toml($0.modes))\n" }.joined() + "\n"
        for rule in rules {
            if rule.metric == .trailerCoverage { out += Self.renderCoverageRule(rule); continue }
            out += "[[rules]]\nname = \(Self.toml(rule.name))\nmode = \(Self.toml(Self.targetName(rule.target)))\nwindow = \(rule.window)\n"
            if let w = rule.warn { out += "warn = \(Self.toml(w))\n" }
            if let f = rule.fail { out += "fail = \(Self.toml(f))\n" }
            if let w = rule.warnCount { out += "warn_count = \(w)\n" }
            if let f = rule.failCount { out += "fail_count = \(f)\n" }
            out += "min_sessions = \(rule.minSessions)\n"
            if let c = rule.confidence { out += "confidence = \(Self.toml(c))\n" }
            if let s = rule.streak { out += "streak = \(s)\n" }
            if let b = rule.basis { out += "basis = \(Self.toml(b.rawValue))\n" }
            if let c = rule.clear { out += "clear = \(Self.toml(c))\n" }
            out += Self.renderDecisionKeys(rule)
            out += "\n"
        }
        out += "[gate]\non_error = \(Self.toml(onError.rawValue))\ntimeout = \(Self.toml(timeout))\nclear_margin = \(Self.toml(clearMargin))\n"
        out += "on_insufficient = \(Self.toml(onInsufficient.description))\nmode = \(Self.toml(gateMode.rawValue))\n"
        if let defaultBasis { out += "basis = \(Self.toml(defaultBasis.rawValue))\n" }
        if let maxSilence { out += "\n[doctor]\nmax_silence = \(Self.toml(maxSilence))\n" }
        out += "\n[ci]\nblock_modes = \(Self.toml(blockModes))\ncontext = \(Self.toml(statusContext))\n"
        for agent in agents {
            out += "\n[[agents]]\nname = \(Self.toml(agent.name))\nrecords = \(Self.toml(agent.records))\n"
            if let repo = agent.repository { out += "repo = \(Self.toml(repo))\n" }
            if !agent.agentAuthors.isEmpty { out += "agent_authors = \(Self.toml(agent.agentAuthors))\n" }
        }
        return out
    }

    /// Built-in modes switched off, then every mode in effect: a built-in one
    /// with its rule as a comment unless `when` replaced it.
    private func renderModes() -> String {
        let builtins = BuiltinModes.all(lowProductivityCutoff: lowProductivityCutoff)
        var out = ""
        for builtin in builtins where !modes.contains(where: { $0.name == builtin.name }) {
            out += "[modes.\(builtin.name)]\nenabled = false\n\n"
        }
        for mode in modes {
            out += "[modes.\(mode.name)]\nlabel = \(Self.toml(mode.label))\ncause = \(Self.toml(mode.cause))\nfix = \(Self.toml(mode.fix))\n"
            if mode.name == "low_productivity", lowProductivityCutoff != BuiltinModes.lowProductivityCutoff {
                out += "cutoff = \(Self.toml(lowProductivityCutoff))\n"
            }
            if builtins.contains(where: { $0.name == mode.name && $0.anyOf == mode.anyOf }) {
                out += "# rule: \(mode.ruleText)\n"
            } else if mode.anyOf.count == 1 {
                out += "when = [" + mode.anyOf[0].map(Self.toml).joined(separator: ", ") + "]\n"
            } else {
                // Only code builds such modes: `when` holds one set of conditions.
                out += "# rule (alternatives; `when` cannot express them): \(mode.ruleText)\n"
            }
            out += "\n"
        }
        return out
    }

    static func renderCoverageRule(_ rule: GateRule) -> String {
        var out = "[[rules]]\nname = \(toml(rule.name))\nmetric = \(toml(rule.metric.rawValue))\nwindow = \(rule.window)\n"
        if let w = rule.warnBelow { out += "warn_below = \(toml(w))\n" }
        if let f = rule.failBelow { out += "fail_below = \(toml(f))\n" }
        out += "min_commits = \(rule.minCommits)\n"
        if let c = rule.clear { out += "clear = \(toml(c))\n" }
        return out + "\n"
    }

    static func targetName(_ t: RuleTarget) -> String {
        switch t {
        case .any: "any"
        case .mode(let m): m
        case .faultClass(let c): c
        }
    }

    // MARK: TOML literals

    static func toml(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F: out += formatted("\\u%04X", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    static func toml(_ strings: [String]) -> String { "[" + strings.map(toml).joined(separator: ", ") + "]" }

    /// Always with a fraction or exponent, so it reads back as a float.
    static func toml(_ d: Double) -> String { d == d.rounded() && abs(d) < 1e15 ? formatted("%.1f", d) : String(d) }

    static func toml(_ value: ScalarValue) -> String {
        switch value {
        case .string(let s): toml(s)
        case .number(let d): toml(d)
        case .bool(let b): String(b)
        }
    }

    static func toml(_ condition: FieldCondition) -> String {
        var parts = ["field = \(toml(condition.path.description))"]
        switch condition.predicate {
        case let .equals(value, caseInsensitive):
            parts.append("equals = \(toml(value))")
            if caseInsensitive { parts.append("case_insensitive = true") }
        case let .oneOf(values, caseInsensitive):
            parts.append("in = [" + values.map(toml).joined(separator: ", ") + "]")
            if caseInsensitive { parts.append("case_insensitive = true") }
        case let .lessThan(bound, whenMissing):
            parts.append("less_than = \(toml(bound))")
            if let whenMissing { parts.append("missing = \(toml(whenMissing))") }
        case let .contains(text):
            parts.append("contains = \(toml(text))")
        }
        return "{ " + parts.joined(separator: ", ") + " }"
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
        # Records that are not the agent's work leave the population (any one
        # condition, written as in [modes]); `exclude = []` keeps them all.
        exclude = [{ field = "run_type", in = ["monitoring", "test"] }]
        # A record carrying `duplicate_of` repeats another session: leave it out.
        exclude_duplicates = true

        [git]
        # repo = "."             # the repository to corroborate with (default: the one you run in)
        # Where the agent's commits are looked for: empty = HEAD, because an
        # agent normally works on the checked-out branch.
        revs = []
        # Walk every local branch too: for agents that push to branches of their own.
        all_branches = false
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
        # The `prepare-commit-msg` hook (`failmix hook install prepare-commit-msg`)
        # stamps `trailer: <id>` on commits made while one of these variables
        # is set (the first non-empty wins).
        session_env = \(Configuration.toml(EvidenceOptions.defaultSessionEnvironment))
        # Report-tail commits name their session only in the subject: regexes
        # whose one capture group is the id (`session ff15 — …`, `… (ff15)`).
        subject_patterns = \(Configuration.toml(EvidenceOptions.defaultSubjectPatterns))
        # Commits touching only these paths (globs; ** crosses directories) are
        # attributed but don't refute a noop, e.g. ["journal/**", "state/**"].
        bookkeeping_paths = []

        # Tune a built-in mode, switch it off, or add your own (every condition
        # in `when` must hold: equals, in, less_than or contains):
        # [modes.low_productivity]
        # cutoff = 0.3            # grades.productivity below this is low
        # [modes.routing_mismatch]
        # enabled = false         # this agent has no task selector
        # [modes.timeout]
        # label = "Timeout"
        # cause = "tasks outgrow the session limit"
        # fix = "split tasks, raise the limit"
        # when = [{ field = "failure_reason", equals = "timeout" }, { field = "grades.alignment", less_than = 0.2 }]

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
        # A sequential test (Bernoulli CUSUM) instead of the published
        # "above 40% for 12 consecutive sessions": from the healthy level (27%)
        # to 50% it pauses a healthy agent 2.6x less often (0.39 vs 1.02 false
        # pauses per 1,000 sessions) and finds a rise to 50% as fast (median
        # 31 sessions); h 5.224 = 2,500 healthy sessions between false alarms
        # (or give `run_length = 2500` and h is computed). See README.
        name = "abandoned-loops"
        mode = "abandoned_loop"
        kind = "cusum"
        baseline = 0.27
        alarm = 0.50
        h = 5.224
        window = 300
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

        [[rules]]
        # API outages (failure_reason auth, rate_limit, pre_response_api_failure,
        # or attempt_kind "infra_retry") are the `infra` mode: every other rule
        # skips those sessions (skip_infra = false counts them); this one warns.
        name = "infra-outage"
        mode = "infra"
        window = 30
        warn_count = 3
        min_sessions = 10

        [[rules]]
        # The share of agent commits carrying the session trailer: near 0 means
        # the stamping hook is not running (installed where git doesn't look),
        # and attribution fell back to clocks. Warns below 20% with 10+ commits.
        name = "trailer-coverage"
        metric = "trailer_coverage"
        window = 30
        warn_below = 0.20
        min_commits = 10

        # Optional: warn when records stop arriving (a lane gone dark):
        # [[rules]]
        # name = "silence"
        # mode = "any"
        # kind = "silence"
        # max_silence = "6h"      # or silence_factor = 8 (x the median gap between sessions)

        # Optional on any rule: confidence = 0.9 fires a rate rule only when the
        # Wilson lower bound of its rate exceeds the threshold (off by default:
        # with min_sessions 10 the raw rate is what people expect to see);
        # clear = 0.25 sets the level a paused rule must fall below.

        [gate]
        # "closed": an internal error exits 2 and the agent waits (safe).
        # "open": exit 0 with a loud message and let the agent run.
        on_error = "closed"
        # Seconds a gate or ci run may take (a hung repository or API must not
        # hold the agent); past it, on_error decides: closed exits 2, open exits 0.
        timeout = 10
        # A pause ends when every rule that caused it is this far below its
        # threshold (count rules: one session below), so a rate hovering at
        # the threshold doesn't pause and resume the agent every session.
        clear_margin = 0.10
        # basis = "recorded"     # for rules without their own basis; default:
        #                        # corroborated when git is available, else recorded
        # A rule with fewer than min_sessions sessions says "insufficient":
        # the decision stays "pass", or "warn" to make the lack of data loud.
        on_insufficient = "pass"
        # "shadow": evaluate, journal (in .git/failmix/shadow/) and report what
        # the gate would do, and always let the session run: try a policy live.
        mode = "enforce"

        [doctor]
        # max_silence = 21600    # seconds without a new record before `failmix doctor`
        #                        # warns; default: 4x the median gap between records

        [ci]
        # A pull request whose sessions had one of these modes fails the check.
        block_modes = ["abandoned_loop", "ci_break"]
        # The commit status / check run name.
        context = "failmix"

        """
}
