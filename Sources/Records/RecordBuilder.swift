import FoundationEssentials

extension RecordReader {
    @inline(__always)
    func parse(
        _ line: Span<UInt8>, scanner: inout JSONLineScanner, annotator: some RecordAnnotator,
        location: RecordLocation, path: String, into chunk: inout Chunk
    ) -> SessionRecord? {
        if isBlank(line) { return nil }
        func malformed(_ error: String) {
            chunk.malformedCount += 1
            if chunk.malformed.count < options.malformedListLimit {
                chunk.malformed.append(MalformedLine(path: path, line: Int(location.line), error: error))
            }
        }
        if let failure = scanner.scan(line) {
            malformed(failure.message)
            return nil
        }
        return withLineFields(line, scanner.values) { fields -> SessionRecord? in
            // Only an unusable session_id loses the record; any other odd
            // field counts as absent and is listed as a warning.
            if let problem = schema.identityProblem(fields) {
                malformed(problem)
                return nil
            }
            if annotator.excludes(fields) {
                chunk.excludedCount += 1
                return nil
            }
            var warnings = schema.fieldProblems(fields)
            let record = makeRecord(fields, location: location, modeBits: annotator.annotate(fields), refs: &chunk.refs,
                                    warnings: &warnings)
            if !warnings.isEmpty {
                chunk.fieldWarningCount += 1
                if chunk.fieldWarnings.count < options.malformedListLimit {
                    chunk.fieldWarnings.append(MalformedLine(path: path, line: Int(location.line), error: warnings.joined(separator: "; ")))
                }
            }
            return record
        }
    }

    /// The record's facts; `warnings` gets a reason for every time that is
    /// out of range (the record is then untimed, but still counted).
    func makeRecord(
        _ fields: LineFields, location: RecordLocation, modeBits: UInt64, refs allRefs: inout [[String]],
        warnings: inout [String]
    ) -> SessionRecord {
        func time(_ slot: Int) -> Double? {
            guard fields.kind(slot) == .string else { return nil }
            if fields.value(slot).escaped, let s = fields.string(slot) { return Timestamp.parse(s) }
            return fields.withBytes(slot) { Timestamp.parse($0) }
        }
        var start = time(schema.startTime)
        var end = time(schema.endTime)
        // `timestamp` and the duration only fill in a missing end or start.
        if start == nil || end == nil {
            var duration = fields.number(schema.duration) ?? 0
            if duration.isNaN || duration < 0 { duration = 0 }
            // Longer than any usable window: the sum leaves the range and the
            // session becomes untimed below (clamped, so no infinity arithmetic).
            duration = min(duration, SessionTime.longestSpan * 2)
            switch options.timestampIs {
            case .end:
                if end == nil { end = time(schema.timestamp) }
                if start == nil, let e = end { start = e - duration }
            case .start:
                if start == nil { start = time(schema.timestamp) }
                if end == nil, let s = start { end = s + duration }
            }
        }
        var flags: SessionRecord.Flags = []
        if fields.stringEquals(schema.outcome, productiveOutcome.span, caseInsensitive: true) {
            flags.insert(.productive)
        }
        if fields.kind(schema.deliverables) == .array, !fields.withBytes(schema.deliverables, { isBlank($0.extracting(1..<$0.count - 1)) }) {
            flags.insert(.hasDeliverables)
        }
        var refsIndex: Int32 = -1
        if options.collectDeliverableRefs, flags.contains(.hasDeliverables) {
            var refs: [String] = []
            fields.forEachString(inArray: schema.deliverables) { refs.append(contentsOf: CommitRefs.extract(from: $0)) }
            if !refs.isEmpty {
                refsIndex = Int32(allRefs.count)
                allRefs.append(refs)
            }
        }
        var startTime = start ?? end ?? .nan, endTime = end ?? .nan
        if !SessionTime.isValid(startTime) || !SessionTime.isValid(endTime) {
            warnings.append(Self.outOfRange(fields, schema: schema))
            (startTime, endTime) = (.nan, .nan)
        }
        return SessionRecord(
            sessionID: fields.string(schema.sessionID) ?? "",
            startTime: startTime, endTime: endTime, location: location, modeBits: modeBits,
            flags: flags, refsIndex: refsIndex)
    }

    /// Why a record's window is out of range, naming the fields it came from.
    static func outOfRange(_ fields: LineFields, schema: RecordSchema) -> String {
        let named = [schema.startTime, schema.endTime, schema.timestamp, schema.duration]
            .filter { fields.kind($0) != .absent && fields.kind($0) != .null }
            .map { schema.plan.paths[$0].description }
        return "session window out of range (years 1–9999) from \(named.joined(separator: ", ")); the session is untimed"
    }
}
private let productiveOutcome = Array("productive".utf8)
