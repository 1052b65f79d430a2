/// Where a record came from: which input file, which line (1-based), and the
/// byte offset of that line, so a later stage can point at it or re-read it.
public struct RecordLocation: Sendable, Hashable {
    public var file: Int32
    public var line: Int32
    public var offset: Int64

    package init(file: Int32, line: Int32, offset: Int64) {
        self.file = file
        self.line = line
        self.offset = offset
    }
}

/// One session as the Records stage hands it on: only what later stages
/// need, kept to 64 bytes because a busy agent has hundreds of thousands.
public struct SessionRecord: Sendable {
    public var sessionID: String
    /// Session window in seconds since the epoch; NaN when no usable time
    /// (use `start`/`end`, which say nil).
    package var startTime: Double
    package var endTime: Double
    public var location: RecordLocation
    /// Failure modes set by the classifier while the line was scanned.
    public var modeBits: UInt64
    package var flags: Flags
    /// Index into `RecordSet.deliverableRefs`, or -1 for none.
    package var refsIndex: Int32

    package struct Flags: OptionSet, Sendable {
        package let rawValue: UInt8
        package init(rawValue: UInt8) { self.rawValue = rawValue }
        static let productive = Flags(rawValue: 1)
        static let hasDeliverables = Flags(rawValue: 2)
    }

    package init(
        sessionID: String, startTime: Double, endTime: Double, location: RecordLocation, modeBits: UInt64, flags: Flags,
        refsIndex: Int32
    ) {
        self.sessionID = sessionID
        self.startTime = startTime
        self.endTime = endTime
        self.location = location
        self.modeBits = modeBits
        self.flags = flags
        self.refsIndex = refsIndex
    }

    public var start: Double? { startTime.isNaN ? nil : startTime }
    public var end: Double? { endTime.isNaN ? nil : endTime }
    /// `outcome` is "productive" (any case).
    public var isProductive: Bool { flags.contains(.productive) }
    /// `deliverables` is a non-empty array.
    public var hasDeliverables: Bool { flags.contains(.hasDeliverables) }
    /// Sorting key: untimed sessions come first.
    package var orderKey: Double { endTime.isNaN ? -.infinity : endTime }
}

/// The read, deduplicated, time-ordered sessions plus everything that went
/// wrong on the way in: the Records stage's output.
public struct RecordSet: Sendable {
    public var files: [RecordFile] = []
    /// Ordered by window end (untimed first), ties in file order. A cached
    /// read holds only the newest sessions here; `sessionCount` counts all.
    public var sessions: [SessionRecord] = []
    public var sessionCount = 0
    public var malformed: [MalformedLine] = []
    /// All malformed lines, including ones beyond the listed `malformed`.
    public var malformedCount = 0
    /// Records left out of the population (`[records] exclude`, `duplicate_of`)
    /// among the lines read this time (a cached read counts only the new ones).
    public var excludedCount = 0
    public var duplicatesFolded = 0
    public var partialTails: [PartialTail] = []
    public var untimedCount = 0
    /// Lines that held a record (before duplicates were folded).
    public var recordLines = 0
    /// Commit-id-like tokens from each session's `deliverables` (only
    /// collected when asked for), indexed by `SessionRecord.refsIndex`.
    public var deliverableRefs: [[String]] = []

    public init() {}

    public func refs(of session: SessionRecord) -> [String] {
        session.refsIndex < 0 ? [] : deliverableRefs[Int(session.refsIndex)]
    }

    public func path(of location: RecordLocation) -> String { files[Int(location.file)].path }
}

public struct RecordFile: Sendable, Equatable {
    public enum Role: String, Sendable { case primary, rotated }
    public var path: String
    public var role: Role
    public var lines = 0
    public var bytes: Int64 = 0

    package init(path: String, role: Role, lines: Int = 0, bytes: Int64 = 0) {
        self.path = path
        self.role = role
        self.lines = lines
        self.bytes = bytes
    }
}

public struct MalformedLine: Sendable, Equatable {
    public var path: String
    public var line: Int
    public var error: String

    package init(path: String, line: Int, error: String) {
        self.path = path
        self.line = line
        self.error = error
    }
}

/// A last line with no newline: a writer is mid-append; it is read next time.
public struct PartialTail: Sendable, Equatable {
    public var path: String
    public var line: Int
    public var bytes: Int

    public init(path: String, line: Int, bytes: Int) {
        self.path = path
        self.line = line
        self.bytes = bytes
    }
}

public enum TimestampMeaning: String, Sendable, CaseIterable {
    /// `timestamp` is when the session ended (gptme-sessions' convention).
    case end
    /// `timestamp` is when the session started.
    case start
}

public protocol RecordAnnotator {
    /// Mode bits for one scanned record; called on the reading thread.
    func annotate(_ fields: LineFields) -> UInt64
    /// Whether the record leaves the population (it is counted, not kept).
    func excludes(_ fields: LineFields) -> Bool
}

extension RecordAnnotator {
    public func excludes(_ fields: LineFields) -> Bool { false }
}
