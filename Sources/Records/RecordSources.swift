import FoundationEssentials

public struct RecordSource: Sendable, Equatable {
    public var path: String
    public var role: RecordFile.Role

    public init(path: String, role: RecordFile.Role) {
        self.path = path
        self.role = role
    }
}

/// Finds the records files to read: the given or discovered primaries, each
/// preceded by its rotated siblings, so the primary is read last and wins.
public enum RecordSources {
    public static let defaultRelativePath = "state/sessions/session-records.jsonl"

    /// Where records are looked for when no path is given, in order.
    public static func defaultCandidates(repositoryRoot: String?, environment: [String: String]) -> [String] {
        var candidates: [String] = []
        if let root = repositoryRoot { candidates.append(join(root, defaultRelativePath)) }
        if let dir = environment["GPTME_SESSIONS_DIR"], !dir.isEmpty {
            candidates.append(join(dir, "session-records.jsonl"))
        }
        if let home = environment["HOME"], !home.isEmpty {
            candidates.append(join(home, ".local/share/gptme-sessions/session-records.jsonl"))
        }
        return candidates
    }

    /// The sources for explicit `paths`, or the first default candidate that
    /// exists. Explicit paths are checked for existence by the reader, so a
    /// missing one is an error naming it.
    public static func resolve(
        explicit paths: [String], repositoryRoot: String?, environment: [String: String],
        includeRotated: Bool = true
    ) throws(RecordError) -> [RecordSource] {
        var primaries = paths
        if primaries.isEmpty {
            let candidates = defaultCandidates(repositoryRoot: repositoryRoot, environment: environment)
            guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
                throw .noRecords(searched: candidates)
            }
            primaries = [found]
        }
        var sources: [RecordSource] = []
        for primary in primaries {
            if includeRotated {
                sources += rotatedSiblings(of: primary).map { RecordSource(path: $0, role: .rotated) }
            }
            sources.append(RecordSource(path: primary, role: .primary))
        }
        return sources
    }

    /// `NAME-archive-*.jsonl` and `NAME.jsonl.bak-*` beside `primary`, oldest
    /// name first.
    public static func rotatedSiblings(of primary: String) -> [String] {
        let url = URL(fileURLWithPath: primary)
        let directory = url.deletingLastPathComponent().path
        let base = url.lastPathComponent
        let stem = base.hasSuffix(".jsonl") ? String(base.dropLast(6)) : base
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        return names.filter { name in
            (name.hasPrefix(stem + "-archive-") && name.hasSuffix(".jsonl")) || name.hasPrefix(base + ".bak-")
        }
        .sorted()
        .map { join(directory, $0) }
    }

    static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }
}
