import FoundationEssentials

public enum RecordError: Error, Sendable, CustomStringConvertible {
    case cannotRead(path: String, reason: String)
    case noRecords(searched: [String])

    public var description: String {
        switch self {
        case let .cannotRead(path, reason):
            "cannot read records file '\(path)': \(reason)"
        case let .noRecords(searched):
            "no session records found (looked for \(searched.map { "'\($0)'" }.joined(separator: ", ")))"
        }
    }
}

public struct RecordReadOptions: Sendable {
    public var timestampIs: TimestampMeaning = .end
    /// Pull commit ids out of `deliverables` (only the git stage needs them).
    public var collectDeliverableRefs = false
    /// How many malformed lines to list (all are counted).
    public var malformedListLimit = 1000

    public init() {}
}

/// Streams session-records files in large blocks, one line at a time, through
/// the scanner; memory holds one block per worker plus the compact sessions,
/// whatever the file's size. Large files are split at line boundaries and
/// scanned on every core, then merged in file order.
public struct RecordReader: Sendable {
    public let schema: RecordSchema
    public let options: RecordReadOptions
    /// Files at least this large are scanned in parallel chunks.
    public var parallelThreshold: Int64 = 8 << 20

    public init(schema: RecordSchema, options: RecordReadOptions = RecordReadOptions()) {
        self.schema = schema
        self.options = options
    }

    public func read(_ sources: [RecordSource], annotator: some RecordAnnotator & Sendable) throws(RecordError) -> RecordSet {
        var set = RecordSet()
        for source in sources {
            let fileIndex = Int32(set.files.count)
            var file = RecordFile(path: source.path, role: source.role)
            var chunks = try readFile(source.path, fileIndex: fileIndex, adoptable: set.sessions.isEmpty, annotator: annotator)
            if !set.sessions.isEmpty {
                set.sessions.reserveCapacity(set.sessions.count + chunks.reduce(0) { $0 + $1.records.count })
            }
            var lineBase = 0
            for i in chunks.indices {
                // Take the chunk out so its memory goes as soon as it is merged.
                var chunk = chunks[i]
                chunks[i] = Chunk()
                let refsBase = Int32(set.deliverableRefs.count)
                set.deliverableRefs += chunk.refs
                set.recordLines += chunk.records.count
                if set.sessions.isEmpty, lineBase == 0, refsBase == 0 {
                    // Adopt the first chunk's array (reserved for the whole
                    // file) instead of copying it: the peak holds one copy.
                    swap(&set.sessions, &chunk.records)
                } else {
                    // Copied in bulk, then placed: lines count from the file's start, refs from the set's.
                    let first = set.sessions.count
                    set.sessions.append(contentsOf: chunk.records)
                    chunk.records = []
                    var placed = set.sessions.mutableSpan
                    for i in first..<placed.count {
                        placed[i].location.line = Int32(clamping: Int(placed[i].location.line) + lineBase)
                        if placed[i].refsIndex >= 0 { placed[i].refsIndex += refsBase }
                    }
                }
                set.malformedCount += chunk.malformedCount
                set.excludedCount += chunk.excludedCount
                for var m in chunk.malformed where set.malformed.count < options.malformedListLimit {
                    m.line += lineBase
                    set.malformed.append(m)
                }
                set.fieldWarningCount += chunk.fieldWarningCount
                for var w in chunk.fieldWarnings where set.fieldWarnings.count < options.malformedListLimit {
                    w.line += lineBase
                    set.fieldWarnings.append(w)
                }
                if let tail = chunk.partialTail {
                    set.partialTails.append(PartialTail(path: source.path, line: tail.line + lineBase, bytes: tail.bytes))
                }
                lineBase += chunk.lines
                file.bytes += chunk.bytes
            }
            file.lines = lineBase
            set.files.append(file)
        }
        set.duplicatesFolded = foldDuplicates(&set.sessions)
        set.untimedCount = set.sessions.reduce(0) { $0 + ($1.end == nil ? 1 : 0) }
        set.sessionCount = set.sessions.count
        sortByTime(&set.sessions)
        return set
    }
}
