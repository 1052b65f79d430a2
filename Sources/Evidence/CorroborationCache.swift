import FailmixClassify
import FailmixGit
import FailmixRecords
import Foundation

/// The last corroboration, kept while nothing it depends on changed: the
/// walked tips (HEAD or the given revisions), the CI notes' tip, the options,
/// and every session's facts. A warm gate or report then skips the history
/// walk entirely. Only stores of moderate size are cached (the file is JSON).
struct CorroborationCache {
    static let maxSessions = 50_000
    let path: String

    /// nil when the result can't be keyed cheaply (all branches) or is too large.
    static func key(records: RecordSet, catalog: ModeCatalog, options: EvidenceOptions, repository: Repository) -> String? {
        guard !options.allBranches, records.sessions.count <= maxSessions else { return nil }
        var text = "v1\u{0}\(repository.headSHA ?? "-")\u{0}\(repository.isShallow)\u{0}"
        text += catalog.modes.map(\.name).joined(separator: ",") + "\u{0}"
        for rev in options.revs { text += ((try? repository.resolve(rev)) ?? rev) + "\u{0}" }
        text += "\(repository.referenceTarget(options.notesRef) ?? "-")\u{0}\(options.notesRef)\u{0}\(options.trailer)\u{0}"
        text += options.agentAuthors.joined(separator: ",") + "\u{0}\(options.windowSlack)\u{0}"
        for s in records.sessions {
            text += "\(s.sessionID)|\(s.start ?? -1)|\(s.end ?? -1)|\(s.modeBits)|\(s.isProductive)|\(s.hasDeliverables)|"
            text += records.refs(of: s).joined(separator: ",") + "\n"
        }
        return String(fnv1a(text.utf8), radix: 16) + "-" + String(fnv1a(text.utf8.reversed()), radix: 16)
    }

    struct Entry: Codable {
        var key: String
        var corroboration: Corroboration
    }

    func load(key: String) -> Corroboration? {
        guard let data = FileManager.default.contents(atPath: path),
            let entry = try? JSONDecoder().decode(Entry.self, from: data), entry.key == key
        else { return nil }
        return entry.corroboration
    }

    func save(_ corroboration: Corroboration, key: String) {
        guard let data = try? JSONEncoder().encode(Entry(key: key, corroboration: corroboration)) else { return }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let temp = path + ".tmp-\(getpid())"
        // Written whole and renamed: a concurrent reader sees the old or the new file.
        if FileManager.default.createFile(atPath: temp, contents: data) { _ = rename(temp, path) }
    }
}
