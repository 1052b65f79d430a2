import FailmixSupport
import Foundation

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
        count >= mark ? count - mark : nil
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
        load()
    }

    /// Runs `body` on the state under the lock and saves what it leaves,
    /// appending `events` it returns to the journal.
    public func update<T>(_ body: (inout GateState) -> (T, [GateEvent])) throws(GateStoreError) -> (T, warning: String?) {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .cannotCreate(path: directory, reason: "\(error)")
        }
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
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
        guard let data = FileManager.default.contents(atPath: statePath) else { return (GateState(), nil) }
        do {
            return (try Self.decoder.decode(GateState.self, from: data), nil)
        } catch {
            return (GateState(), "the gate state file \(statePath) was damaged (\(data.count) bytes) and was reset")
        }
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
        let fd = FileIO.openForAppending(journalPath)
        guard fd >= 0 else { throw .cannotWrite(.errno("write", journalPath)) }
        defer { close(fd) }
        guard text.withUnsafeBytes({ FileIO.writeAll(fd, $0) }) else { throw .cannotWrite(.errno("write", journalPath)) }
    }

    public func journal() -> [GateEvent] {
        guard let text = try? String(contentsOfFile: journalPath, encoding: .utf8) else { return [] }
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
