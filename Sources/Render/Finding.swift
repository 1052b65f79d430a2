import FailmixRecords
import FailmixSupport

/// Something a reviewer should see, located where possible: a gate rule that
/// fired, a pull-request session that broke policy. Every CI-facing format
/// (annotations, SARIF, Code Quality, JUnit) renders the same findings.
public struct Finding: Sendable, Equatable {
    public enum Level: String, Sendable, Comparable {
        case failure, warning, notice

        var rank: Int { self == .failure ? 0 : self == .warning ? 1 : 2 }
        public static func < (a: Level, b: Level) -> Bool { a.rank < b.rank }
    }

    public var level: Level
    /// A stable identifier: a gate rule name, or `pr.MODE` for a PR session.
    public var rule: String
    public var title: String
    /// May hold untrusted text (session ids, commit subjects): escape per sink.
    public var message: String
    public var sessionID: String?
    public var commit: String?
    /// Repository-relative path of the records file and the record's line.
    public var path: String?
    public var line: Int?

    public init(level: Level, rule: String, title: String, message: String, sessionID: String? = nil,
                commit: String? = nil, path: String? = nil, line: Int? = nil) {
        self.level = level
        self.rule = rule
        self.title = title
        self.message = message
        self.sessionID = sessionID
        self.commit = commit
        self.path = path
        self.line = line
    }

    /// Stable across runs for the same session and rule (GitLab deduplicates on it).
    public var fingerprint: String { Finding.fingerprint(rule: rule, sessionID: sessionID, commit: commit) }

    /// 16 hex digits naming a rule's verdict on one session (and commit):
    /// the same in every run, whatever line the record moved to.
    public static func fingerprint(rule: String, sessionID: String?, commit: String?) -> String {
        let h = fnv1a("\(rule)\u{0}\(sessionID ?? "")\u{0}\(commit ?? "")".utf8)
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

/// The overall verdict of a gate or CI check.
public enum Decision: String, Sendable {
    case pass, warn, fail, error
}
