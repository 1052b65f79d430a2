import FailmixClassify
import FailmixGit
import FailmixRecords
import FailmixSupport
import FoundationEssentials

/// The last corroboration, kept while nothing it depends on changed: the
/// walked tips (HEAD or the given revisions), the CI notes' tip, the options,
/// and every session's facts. A warm gate or report then skips the history
/// walk entirely. Only stores of moderate size are cached.
struct CorroborationCache {
    static let maxSessions = 50_000
    let path: String

    /// nil when the result can't be keyed cheaply (all branches) or is too large.
    static func key(records: RecordSet, catalog: ModeCatalog, options: EvidenceOptions, repository: Repository) -> String? {
        guard !options.allBranches, records.sessions.count <= maxSessions else { return nil }
        var text = "v2\u{0}\(repository.headSHA ?? "-")\u{0}"
        // A deepened or unshallowed clone has more history under the same HEAD.
        text += (repository.isShallow ? repository.shallowBoundary.sorted().joined(separator: ",") : "complete") + "\u{0}"
        text += catalog.modes.map(\.name).joined(separator: ",") + "\u{0}"
        for rev in options.revs { text += ((try? repository.resolve(rev)) ?? rev) + "\u{0}" }
        text += "\(repository.referenceTarget(options.notesRef) ?? "-")\u{0}\(options.notesRef)\u{0}\(options.trailer)\u{0}"
        text += options.agentAuthors.joined(separator: ",") + "\u{0}\(options.windowSlack)\u{0}"
        text += options.subjectPatterns.joined(separator: "\u{1}") + "\u{0}" + options.bookkeepingPaths.joined(separator: "\u{1}") + "\u{0}"
        // The sessions' facts as bytes, numbers by their bits: formatting two
        // Doubles per session as text cost a cold report of 3,000 sessions
        // 70M instructions.
        var w = ByteWriter()
        w.data = Array(text.utf8)
        w.data.reserveCapacity(w.data.count + records.sessions.count * 64)
        for s in records.sessions {
            w.data += s.sessionID.utf8
            w.u8(0)
            w.f64(s.start ?? -1)
            w.f64(s.end ?? -1)
            w.u64(s.modeBits)
            w.u8((s.isProductive ? 1 : 0) | (s.hasDeliverables ? 2 : 0))
            for ref in records.refs(of: s) {
                w.data += ref.utf8
                w.u8(UInt8(ascii: ","))
            }
            w.u8(UInt8(ascii: "\n"))
        }
        return String(fnv1a(w.data), radix: 16) + "-" + String(fnv1a(w.data.reversed()), radix: 16)
    }

    static let magic = Array("failmix-evidence-v4\n".utf8)  // v4: enums by raw value, checksum

    /// A compact binary file, not JSON: decoding JSON through Codable cost a
    /// warm run 3 ms, most of it runtime conformance lookups.
    func load(key: String) -> Corroboration? {
        guard let data = try? PrivateFiles.read(path) else { return nil }
        return ByteReader.withChecked(data) { r -> Corroboration? in
            guard r.bytes(Self.magic.count) == Self.magic[...], r.string() == key else { return nil }
            return Self.decode(&r)
        }
    }

    func save(_ corroboration: Corroboration, key: String) {
        var w = ByteWriter()
        w.bytes(Self.magic)
        w.string(key)
        Self.encode(corroboration, into: &w)
        w.checksum()
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        // A planted symbolic link is never written through (the records cache warns about it).
        guard PrivateFiles.symbolicLinkWarning([directory, path]) == nil else { return }
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // Written whole and renamed: a concurrent reader sees the old or the
        // new file. Not flushed to disk: after a crash a lost or torn cache
        // fails its checksum and is walked again, while the two fsyncs cost
        // a cold run 4-15 ms of waiting for the disk (a windowed walk's ~40).
        try? AtomicFile.write(w.data, to: path, durable: false)
    }

    static func encode(_ c: Corroboration, into w: inout ByteWriter) {
        func optional(_ s: String?) { w.u8(s == nil ? 0 : 1); if let s { w.string(s) } }
        func strings(_ list: [String]) { w.u64(UInt64(list.count)); for s in list { w.string(s) } }
        // An enum as its raw value (none: absent), so reordering or adding
        // cases never turns an old cache into different verdicts.
        func index<E: RawRepresentable<String>>(_ value: E?) { optional(value?.rawValue) }
        let repo = c.repository
        optional(repo.workdir)
        w.string(repo.gitDirectory)
        optional(repo.headSHA)
        w.u8(repo.isShallow ? 1 : 0); w.u8(repo.isEmpty ? 1 : 0); w.u8(repo.isDetached ? 1 : 0)
        w.u8(repo.missingHistoryBefore == nil ? 0 : 1)
        if let before = repo.missingHistoryBefore { w.i64(before) }
        strings(c.notes)
        w.u64(UInt64(c.commitsWalked))
        strings(c.unclaimedCommits)
        w.u64(UInt64(c.sessions.count))
        for s in c.sessions {
            w.u64(UInt64(s.attributions.count))
            for a in s.attributions { w.string(a.sha); index(a.kind) }
            strings(s.ambiguousCommits)
            index(s.noop)
            index(s.ciBreak)
            w.u64(UInt64(s.evidence.count))
            for e in s.evidence { w.string(e.sha); index(e.kind); w.string(e.detail) }
            w.u8(s.productiveWithoutCommits ? 1 : 0)
            w.u64(s.corroboratedModeBits)
        }
        encodeAttribution(c, into: &w)
    }

    /// nil when the bytes are damaged or truncated.
    static func decode(_ r: inout ByteReader) -> Corroboration? {
        func optional() -> String?? {
            guard let flag = r.u8() else { return nil }
            return flag == 0 ? .some(nil) : r.string().map { .some($0) }
        }
        func strings() -> [String]? {
            guard let n = r.count(minimumSize: 4) else { return nil }
            var out: [String] = []
            for _ in 0..<n { guard let s = r.string() else { return nil }; out.append(s) }
            return out
        }
        func value<E: RawRepresentable<String>>(_: E.Type) -> E?? {
            guard let raw = optional() else { return nil }
            guard let raw else { return .some(nil) }
            return E(rawValue: raw).map { .some($0) }  // an unknown value: damaged
        }
        func flag() -> Bool? { r.u8().map { $0 != 0 } }
        guard let workdir = optional(), let gitDirectory = r.string(), let head = optional(),
            let shallow = flag(), let empty = flag(), let detached = flag(), let hasBefore = flag()
        else { return nil }
        var before: Int64?
        if hasBefore { guard let b = r.i64() else { return nil }; before = b }
        guard let notes = strings(), let walked = r.int(), let unclaimed = strings(), let count = r.count(minimumSize: 30) else { return nil }
        var sessions: [SessionEvidence] = []
        sessions.reserveCapacity(count)
        for _ in 0..<count {
            var s = SessionEvidence()
            guard let attributions = r.count(minimumSize: 5) else { return nil }
            for _ in 0..<attributions {
                guard let sha = r.string(), let kind = value(AttributionKind.self), let kind else { return nil }
                s.attributions.append(CommitAttribution(sha: sha, kind: kind))
            }
            guard let ambiguous = strings(), let noop = value(NoopVerdict.self), let ci = value(CIBreakVerdict.self),
                let items = r.count(minimumSize: 9) else { return nil }
            (s.ambiguousCommits, s.noop, s.ciBreak) = (ambiguous, noop, ci)
            for _ in 0..<items {
                guard let sha = r.string(), let kind = value(EvidenceItem.Kind.self), let kind, let detail = r.string() else { return nil }
                s.evidence.append(EvidenceItem(sha: sha, kind: kind, detail: detail))
            }
            guard let productive = flag(), let bits = r.u64() else { return nil }
            (s.productiveWithoutCommits, s.corroboratedModeBits) = (productive, bits)
            sessions.append(s)
        }
        let repository = RepositoryInfo(workdir: workdir, gitDirectory: gitDirectory, headSHA: head, isShallow: shallow,
                                        isEmpty: empty, isDetached: detached, missingHistoryBefore: before)
        var result = Corroboration(sessions: sessions, repository: repository, notes: notes, commitsWalked: walked,
                                   unclaimedCommits: unclaimed)
        guard decodeAttribution(&r, into: &result), r.atEnd else { return nil }
        return result
    }
}
