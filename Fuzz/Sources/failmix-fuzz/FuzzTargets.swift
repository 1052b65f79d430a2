@testable import FailmixClassify
@testable import FailmixConfig
@testable import FailmixEvidence
@testable import FailmixGate
@testable import FailmixGit
@testable import FailmixRecords
@testable import FailmixStore
@testable import FailmixSupport
import Foundation

/// One fuzz target per parser or decoder that reads untrusted bytes. Each
/// takes the fuzzer's input and drives the real code path with it; a trap,
/// an out-of-bounds access or a leak is the finding.
enum FuzzTargets {
    static let all: [String: @Sendable (UnsafeRawBufferPointer) -> Void] = [
        "records": records,
        "timestamp": timestamp,
        "config": config,
        "messages": messages,
        "records-cache": recordsCache,
        "session-ids": sessionIDs,
        "evidence-cache": evidenceCache,
        "state": state,
    ]

    /// A scratch file in memory (/dev/shm) that the record reader reads by
    /// descriptor, as it reads a records file.
    nonisolated(unsafe) static var scratch: (fd: Int32, path: String) = (-1, "")
    nonisolated(unsafe) static var reader: RecordReader!
    nonisolated(unsafe) static var classifier: Classifier!
    /// The built-in modes: fixed input, built once rather than per execution.
    nonisolated(unsafe) static var catalog: ModeCatalog!

    static func prepare() {
        let directory = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        let path = "\(directory)/failmix-fuzz-\(getpid()).jsonl"
        scratch = (open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600), path)
        unlink(path)  // the descriptor keeps it; nothing is left behind
        catalog = ModeCatalog(BuiltinModes.all())
        var schema = RecordSchema()
        classifier = Classifier(catalog: ModeCatalog(BuiltinModes.all()), plan: &schema.plan)
        var options = RecordReadOptions()
        options.collectDeliverableRefs = true
        reader = RecordReader(schema: schema, options: options)
    }

    /// The line scanner, the record builder (times, durations, deliverable
    /// refs, field warnings) and the classifier, over a whole chunk of lines;
    /// then the chunk's records through ordering and duplicate folding.
    static func records(_ data: UnsafeRawBufferPointer) {
        ftruncate(scratch.fd, 0)
        if !data.isEmpty { _ = pwrite(scratch.fd, data.baseAddress, data.count, 0) }
        guard let chunk = try? reader.readChunk(fd: scratch.fd, path: scratch.path, from: 0, to: Int64(data.count), last: true,
                                                fileIndex: 0, annotator: classifier)
        else { return }
        var sessions = chunk.records
        for s in sessions {
            precondition(SessionTime.isValid(s.startTime) && SessionTime.isValid(s.endTime), "a time out of range escaped")
            if s.refsIndex >= 0 { _ = chunk.refs[Int(s.refsIndex)] }
            _ = s.start.map(Timestamp.format)
        }
        _ = foldDuplicates(&sessions)
        sortByTime(&sessions)
    }

    /// The timestamp parser, and formatting whatever it returns and any
    /// Double the bytes spell.
    static func timestamp(_ data: UnsafeRawBufferPointer) {
        let bytes = Array(data)
        if let t = Timestamp.parse(bytes.span) {
            _ = Timestamp.format(t)
        }
        if data.count >= 8 {
            _ = Timestamp.format(data.loadUnaligned(as: Double.self))
        }
    }

    /// `.failmix.toml`: TOML, then every section's reader and checks.
    static func config(_ data: UnsafeRawBufferPointer) {
        let text = String(decoding: data, as: UTF8.self)
        guard let configuration = try? ConfigLoader.parse(text, path: "fuzz.toml") else { return }
        _ = configuration.recordFingerprint
        // What `config show` prints reads back (a failure to is a bug, not a crash).
        _ = try? ConfigLoader.parse(configuration.renderTOML(), path: "shown.toml")
    }

    /// Commit messages: trailers (libgit2's parser), revert lines, CI notes,
    /// and commit ids in deliverables.
    static func messages(_ data: UnsafeRawBufferPointer) {
        let text = String(decoding: data, as: UTF8.self)
        _ = Trailer.parse(text)
        _ = RevertMessage.revertedCommits(in: text)
        let note = CINote(parsing: text)
        _ = note.summary
        _ = note.isFailure
        _ = CommitRefs.extract(from: text)
    }

    /// The gate's records cache: the fuzzer's bytes with a valid checksum
    /// appended, so the decoder behind the checksum is what gets explored.
    static func recordsCache(_ data: UnsafeRawBufferPointer) {
        var bytes = Array(data)
        bytes += withUnsafeBytes(of: fnv1a(data).littleEndian) { Array($0) }
        guard let state = ByteReader.withChecked(bytes, { CachedState.decode(&$0) }) else { return }
        let sources = state.files.map { RecordSource(path: $0.path, role: $0.role) }
        let set = state.recordSet(sources: sources)
        for s in set.sessions {
            _ = set.refs(of: s)
            _ = set.path(of: s.location)
        }
        _ = FailureMix(catalog: catalog, sessions: set.sessions.map { ModeSet(bits: $0.modeBits) }, sizes: [30, 100])
    }

    /// The session-id store, opened as the gate opens it: the input is the
    /// base file (mapped), its header and count checked, then searched.
    static func sessionIDs(_ data: UnsafeRawBufferPointer) {
        guard (try? AtomicFile.write(Array(data), to: sessionIDsPath, durable: false)) != nil else { return }
        defer { unlink(sessionIDsPath) }
        if let map = MappedFile(path: sessionIDsPath), let count = SessionIDStore.hashCount(map) {
            precondition(32 + count * 8 == data.count)
        }
        if let store = SessionIDStore.open(sessionIDsPath) {
            for probe: UInt64 in [0, 1, .max, data.count >= 40 ? data.loadUnaligned(fromByteOffset: 32, as: UInt64.self) : 7] {
                _ = store.contains(probe)
            }
        }
    }

    /// One file per fuzzing process (its delta file, path + "-new", never exists).
    static let sessionIDsPath = FileManager.default.temporaryDirectory.path + "/failmix-fuzz-session-ids-\(getpid())"

    /// The corroboration cache, checksum appended as for the records cache.
    static func evidenceCache(_ data: UnsafeRawBufferPointer) {
        var bytes = Array(data)
        bytes += withUnsafeBytes(of: fnv1a(data).littleEndian) { Array($0) }
        bytes.withUnsafeBytes { raw in
            guard var r = ByteReader.checked(raw) else { return }
            _ = CorroborationCache.decode(&r)
        }
    }

    /// The gate's state file, then a decision made with it.
    static func state(_ data: UnsafeRawBufferPointer) {
        var (state, _) = GateStateStore.decode(Array(data), path: "state.json")
        let input = GateInput(catalog: catalog, recorded: Array(repeating: ModeSet(bits: 1), count: 40), sessionCount: 40)
        _ = Gate().decide(input, state: &state, remember: true, now: Date(timeIntervalSince1970: 1_800_000_000))
        for ack in state.acks { _ = ack.isActive(now: Date(), sessionCount: Int(data.count)) }
    }
}
