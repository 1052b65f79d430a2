import FailmixRecords
import FailmixSupport
import FoundationEssentials

/// How a cached read went, for `--verbose` output and the benchmark.
public enum CacheOutcome: Sendable, Equatable {
    /// Nothing usable was cached (or it was invalid): a full read.
    case cold(reason: String)
    /// Nothing changed since the cache was written.
    case warm
    /// Only bytes appended to the primary file were read.
    case appended(bytes: Int64)
    /// The cache's files are symbolic links (planted to have failmix write
    /// elsewhere): a full read, nothing cached. The reason is a warning to show.
    case refused(reason: String)
}

/// The latest sessions of a records store, kept between runs so a gate that
/// runs before every session reads only what was appended since the last run.
///
/// The cache holds the newest `keep + margin` sessions in order, the hashes of
/// every session id (so totals and duplicates stay exact), the input problems
/// seen so far, and the identity of each file read. Anything else changing —
/// a rotated file, the primary rewritten, truncated or replaced, the rules
/// (config fingerprint) — invalidates it and the store is read again in full:
/// never a wrong answer.
public struct RecentRecordsCache {
    public static let formatVersion: UInt32 = 3  // 2: field warnings; 3: checksum
    /// Extra sessions kept beyond `keep`, so a few late duplicates that push
    /// sessions out of the tail don't force a full read.
    public static let margin = 256

    public let directory: String
    public let keep: Int
    /// Changes whenever anything that shapes a record's facts changes.
    public let fingerprint: String
    /// How much of the store a cold read holds at once (per worker).
    public var segmentBytes: Int64 = 32 << 20
    /// Session id hashes per sorted run a cold read spills (tests make it small).
    public var idRunLength = 1 << 18

    public init(directory: String, keep: Int, fingerprint: String) {
        self.directory = directory
        self.keep = keep
        self.fingerprint = fingerprint
    }

    func cachePath(for sources: [RecordSource]) -> String {
        let key = fnv1a(sources.map(\.path).joined(separator: "\u{0}").utf8)
        return directory + "/records-" + String(key, radix: 16) + ".cache"
    }

    /// The newest sessions (at least `keep` when the store has them), read
    /// through the cache.
    public func read(
        _ sources: [RecordSource], reader: RecordReader, annotator: some RecordAnnotator & Sendable
    ) throws(RecordError) -> (RecordSet, CacheOutcome) {
        let path = cachePath(for: sources)
        let ids = CachedState.idsPath(path)
        if let warning = PrivateFiles.symbolicLinkWarning([URL(fileURLWithPath: directory).deletingLastPathComponent().path, directory, path, ids, ids + "-new"]) {
            return (try reader.read(sources, annotator: annotator), .refused(reason: warning))
        }
        PrivateFiles.removeStaleTemporaries(in: directory)
        let identities = sources.map { FileIdentity(path: $0.path) }
        if let missing = identities.firstIndex(where: { $0 == nil }) {
            // Let the reader produce the proper error for the missing file.
            _ = try reader.read([sources[missing]], annotator: annotator)
        }
        let current = identities.map { $0! }
        var outcome = CacheOutcome.cold(reason: "no cache")
        if let state = CachedState.load(path) {
            switch state.validate(fingerprint: fingerprint, keep: keep, sources: sources, current: current) {
            case .invalid(let reason):
                outcome = .cold(reason: reason)
            case .unchanged:
                return (state.recordSet(sources: sources), .warm)
            case .appended(let from):
                var state = state
                guard state.loadIDs(path) else {
                    outcome = .cold(reason: "the cached session ids are missing or stale")
                    break
                }
                let primary = sources.count - 1
                let chunk = try reader.readRange(sources[primary].path, fileIndex: Int32(primary), from: from,
                                                 to: current[primary].size, annotator: annotator)
                if state.merge(chunk, into: primary, keep: keep + Self.margin, minimum: keep,
                                            listLimit: reader.options.malformedListLimit) {
                    state.advance(primary, past: chunk, from: from, identity: current[primary])
                    state.sealFile(primary)
                    try? state.save(path)
                    return (state.recordSet(sources: sources), .appended(bytes: chunk.bytes))
                }
                outcome = .cold(reason: "too many late duplicates for the cached tail")
            }
        }
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if let state = try streamAll(sources, identities: current, path: path, reader: reader, annotator: annotator) {
            try? state.save(path)
            return (state.recordSet(sources: sources), outcome)
        }
        // Late duplicates emptied the tail while streaming: read everything.
        let full = try reader.read(sources, annotator: annotator)
        let state = CachedState(full: full, sources: sources, identities: current, fingerprint: fingerprint, keep: keep)
        try? state.save(path)
        return (state.recordSet(sources: sources), outcome)
    }

    /// A full read in bounded memory: the store streams through in segments,
    /// and only the newest sessions and the id hashes are kept.
    private func streamAll(
        _ sources: [RecordSource], identities: [FileIdentity], path: String, reader: RecordReader,
        annotator: some RecordAnnotator & Sendable
    ) throws(RecordError) -> CachedState? {
        var state = CachedState(empty: sources, identities: identities, fingerprint: fingerprint, keep: keep)
        let runs = SessionIDRuns(basePath: CachedState.idsPath(path), runLength: idRunLength)
        state.runs = runs
        var ok = true
        let streaming = reader.withoutRefs
        for (i, source) in sources.enumerated() {
            try streaming.forEachSegment(source.path, fileIndex: Int32(i), size: identities[i].size, annotator: annotator,
                                         segmentBytes: segmentBytes) { chunk, from in
                ok = ok && state.merge(chunk, into: i, keep: keep + Self.margin, minimum: 0,
                                                      listLimit: reader.options.malformedListLimit)
                state.advance(i, past: chunk, from: from, identity: identities[i])
            }
            state.sealFile(i)
        }
        guard ok && (state.complete || state.tail.count >= keep) else { return nil }
        // Counted from the merged runs: a later record of a session replaces
        // an earlier one, as in a full read.
        guard let (unique, untimed) = try? runs.finish(), let ids = SessionIDStore.open(CachedState.idsPath(path)) else { return nil }
        (state.sessionCount, state.untimedCount, state.duplicatesFolded) = (unique, untimed, state.recordLines - unique)
        state.runs = nil
        state.ids = ids
        if reader.options.collectDeliverableRefs {
            try state.readRefs(sources, reader: reader, annotator: annotator)
        }
        return state
    }
}
