import FailmixRecords
import FailmixSupport
import FoundationEssentials

/// A CI result attached to a commit in the notes ref: `key: value` lines
/// (`status`, `job`, `url`, `at`), or a JSON object with the same keys.
public struct CINote: Sendable, Equatable {
    /// Keys lower-cased, values trimmed.
    public var fields: [String: String]

    public init(parsing text: String) {
        let body = text.trimmingBlanksAndNewlines
        if body.hasPrefix("{"), let object = JSONValue(parsing: body.utf8)?.object {
            fields = Dictionary(object.map { ($0.key.lowercased(), $0.value.description) }, uniquingKeysWith: { first, _ in first })
            return
        }
        fields = [:]
        for line in body.split(whereSeparator: \.isNewline) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].trimmingBlanks.lowercased()
            let value = String(line[line.index(after: colon)...].trimmingBlanks)
            if !key.isEmpty, fields[key] == nil { fields[key] = value }
        }
    }

    /// A note to write: `status`, then `job`, `url` and `at` when given.
    public init(status: String, job: String? = nil, url: String? = nil, at time: Double) {
        fields = ["status": status, "at": Timestamp.format(time)]
        fields["job"] = job.map(Self.oneLine)
        fields["url"] = url.map(Self.oneLine)
    }

    /// The note's text as `key: value` lines, in the order they are read.
    public var text: String {
        ["status", "job", "url", "at"].compactMap { key in fields[key].map { "\(key): \($0)\n" } }.joined()
    }

    /// A value must not start a new `key: value` line of its own.
    static func oneLine(_ s: String) -> String {
        s.replacing("\r", with: " ").replacing("\n", with: " ")
    }

    public var status: String? { fields["status"] }
    public var isFailure: Bool { status?.lowercased() == "failure" }

    /// `job: X, url: Y, at: Z` with whichever of those the note has.
    public var summary: String {
        let parts = ["job", "url", "at"].compactMap { key in fields[key].map { "\(key): \($0)" } }
        return parts.isEmpty ? "status: \(status ?? "")" : parts.joined(separator: ", ")
    }
}
