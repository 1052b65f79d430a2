import FailmixSupport
import FailmixRecords
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The gate's memory between runs, like a circuit breaker's: whether the
/// agent is paused, why, who resumed it, and acknowledged conditions.
public struct GateState: Codable, Sendable, Equatable {
    public struct Probe: Codable, Sendable, Equatable {
        /// Sessions let through after a resume before re-evaluating.
        public var allowed: Int
        /// How many sessions the store had when the person resumed.
        public var afterSessions: Int
        /// Gate calls that let a probe session through: under the state's
        /// lock, so racing gates let exactly `allowed` through, not one each.
        public var granted: Int?

        public init(allowed: Int, afterSessions: Int, granted: Int? = nil) {
            self.allowed = allowed
            self.afterSessions = afterSessions
            self.granted = granted
        }
    }

    /// A known, accepted condition: the rule warns instead of failing until
    /// `until` (a date) or for `sessions` more sessions.
    public struct Ack: Codable, Sendable, Equatable {
        public var rule: String
        public var until: Date?
        public var sessions: Int?
        public var startSessions: Int
        public var reason: String
        public var by: String
        public var at: Date

        public init(rule: String, until: Date?, sessions: Int?, startSessions: Int, reason: String, by: String, at: Date) {
            self.rule = rule
            self.until = until
            self.sessions = sessions
            self.startSessions = startSessions
            self.reason = reason
            self.by = by
            self.at = at
        }

        public func isActive(now: Date, sessionCount: Int) -> Bool {
            if let until, now >= until { return false }
            if let sessions {
                guard let since = GateState.sessions(since: startSessions, now: sessionCount), since < sessions else { return false }
            }
            return true
        }
    }

    /// Sessions that arrived since the store held `mark` sessions; nil when
    /// it holds fewer now (replaced, rotated away): nobody can say how many
    /// ran, so probes and acks counted from the mark end (the safe side).
    static func sessions(since mark: Int, now count: Int) -> Int? {
        guard mark >= 0, count >= mark else { return nil }
        return count - mark
    }

    /// Why a decoded state cannot be trusted: a count no run could have
    /// written (negative, or beyond any store). Such a file is reset.
    var problem: String? {
        let limit = 1 << 40
        if let probe, !(0...limit).contains(probe.allowed) || !(0...limit).contains(probe.afterSessions) {
            return "probe counts out of range"
        }
        for ack in acks {
            if !(0...limit).contains(ack.startSessions) || !(0...limit).contains(ack.sessions ?? 0) {
                return "ack '\(ack.rule)' counts out of range"
            }
        }
        let dates = [since, resumedAt] + acks.flatMap { [$0.until, $0.at] }
        if dates.contains(where: { $0.map { !SessionTime.inRange($0.timeIntervalSince1970) } ?? false }) {
            return "a date out of range"
        }
        return nil
    }

    public var paused = false
    public var since: Date?
    public var reasons: [String] = []
    /// The rules that failed when the pause began: they must clear to close it.
    public var rules: [String] = []
    public var resumedBy: String?
    public var resumedAt: Date?
    public var probe: Probe?
    public var acks: [Ack] = []
    /// Rules whose window restarted when a person resumed: rule name → the
    /// store's session count then. The sessions that caused a pause are not
    /// judged again once probes have cleared it (and a CUSUM restarts).
    public var resets: [String: Int]?

    public init() {}
}

/// A change worth keeping in the journal.
public struct GateEvent: Codable, Sendable, Equatable {
    public var at: Date
    public var event: String
    public var detail: String

    public init(at: Date, event: String, detail: String) {
        self.at = at
        self.event = event
        self.detail = detail
    }
}

/// The state file (`state.json`), its lock (`state.lock`) and its journal
/// (`journal.jsonl`) in one directory, normally `.git/failmix/`. Writes are
/// atomic (temporary file + rename) and made under an exclusive `flock`, so
/// racing gates never interleave; a damaged file is reported and replaced.
public struct GateStateStore: Sendable {
    public let directory: String

    public init(directory: String) { self.directory = directory }

    var statePath: String { directory + "/state.json" }
    var lockPath: String { directory + "/state.lock" }
    public var journalPath: String { directory + "/journal.jsonl" }

    /// Reads the state without changing it (`failmix status`).
    public func read() -> (GateState, warning: String?) {
        if let warning = linkWarning { return (GateState(), warning) }
        return load()
    }

    /// The state, lock, journal or their directory planted as a symbolic
    /// link: none is read or written through (the gate decides afresh and
    /// remembers nothing), and the caller says so.
    var linkWarning: String? {
        PrivateFiles.symbolicLinkWarning([directory, statePath, lockPath, journalPath])
    }

    /// Runs `body` on the state under the lock and saves what it leaves,
    /// appending `events` it returns to the journal.
    public func update<T>(_ body: (inout GateState) -> (T, [GateEvent])) throws(GateStoreError) -> (T, warning: String?) {
        if let warning = linkWarning {
            var state = GateState()
            return (body(&state).0, warning)
        }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .cannotCreate(path: directory, reason: "\(error)")
        }
        PrivateFiles.removeStaleTemporaries(in: directory)
        let fd = PrivateFiles.openForUpdate(lockPath)
        guard fd >= 0 else { throw .cannotLock(path: lockPath, reason: FileIO.errorText()) }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else { throw .cannotLock(path: lockPath, reason: FileIO.errorText()) }
        }
        defer { flock(fd, LOCK_UN) }
        var (state, warning) = load()
        let before = state
        let (result, events) = body(&state)
        var allEvents = events
        if let warning { allEvents.insert(GateEvent(at: Date(), event: "recovered", detail: warning), at: 0) }
        if state != before || warning != nil { try save(state) }
        if !allEvents.isEmpty { try appendJournal(allEvents) }
        return (result, warning)
    }

    private func load() -> (GateState, warning: String?) {
        let bytes: [UInt8]
        do throws(FileError) {
            guard let read = try PrivateFiles.read(statePath, limit: 64 << 20) else { return (GateState(), nil) }
            bytes = read
        } catch {
            return (GateState(), "the gate state file could not be read (\(error.reason)) and was reset")
        }
        return Self.decode(bytes, path: statePath)
    }

    /// The state in `bytes`; a file that does not decode, or holds values
    /// no run could have written, is reset with a warning.
    static func decode(_ bytes: [UInt8], path: String) -> (GateState, warning: String?) {
        let state: GateState
        do {
            state = try decoder.decode(GateState.self, from: Data(bytes))
        } catch {
            return (GateState(), "the gate state file \(path) was damaged (\(bytes.count) bytes) and was reset")
        }
        if let problem = state.problem {
            return (GateState(), "the gate state file \(path) was damaged (\(problem)) and was reset")
        }
        return (state, nil)
    }

    private func save(_ state: GateState) throws(GateStoreError) {
        let data: Data
        do { data = try Self.encoder.encode(state) } catch { throw .cannotEncode("\(error)") }
        do throws(FileError) {
            try AtomicFile.write(Array(data), to: statePath)
        } catch {
            throw .cannotWrite(error)
        }
    }

    private func appendJournal(_ events: [GateEvent]) throws(GateStoreError) {
        var text = Data()
        for e in events {
            do { text += try Self.lineEncoder.encode(e) } catch { throw .cannotEncode("\(error)") }
            text += Data("\n".utf8)
        }
        let fd = PrivateFiles.openForAppending(journalPath)
        guard fd >= 0 else { throw .cannotWrite(.errno("write", journalPath)) }
        defer { close(fd) }
        guard FileIO.writeAll(fd, [UInt8](text)) else { throw .cannotWrite(.errno("write", journalPath)) }
    }

    public func journal() -> [GateEvent] {
        guard let bytes = try? PrivateFiles.read(journalPath) else { return [] }
        let text = String(decoding: bytes, as: UTF8.self)
        return text.split(separator: "\n").compactMap { try? Self.decoder.decode(GateEvent.self, from: Data($0.utf8)) }
    }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        e.dateEncodingStrategy = .iso8601
        return e
    }()
    static let lineEncoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        e.dateEncodingStrategy = .iso8601
        return e
    }()
    static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        return d
    }()
}

/// Why the gate's state could not be kept: every case names the file.
public enum GateStoreError: Error, Sendable, CustomStringConvertible {
    case cannotCreate(path: String, reason: String)
    case cannotLock(path: String, reason: String)
    case cannotWrite(FileError)
    case cannotEncode(String)

    public var description: String {
        switch self {
        case let .cannotCreate(path, reason): "cannot create \(path): \(reason)"
        case let .cannotLock(path, reason): "cannot lock \(path): \(reason)"
        case let .cannotWrite(error): error.description
        case let .cannotEncode(reason): "cannot encode the gate state: \(reason)"
        }
    }
}
