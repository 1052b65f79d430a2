import Foundation

extension RecordReader {
    @inline(__always)
    func parse(
        _ line: UnsafeRawBufferPointer, scanner: inout JSONLineScanner, annotator: some RecordAnnotator,
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
        return scanner.values.withUnsafeBufferPointer { values -> SessionRecord? in
            let fields = LineFields(line: line, values: values)
            if let problem = schema.typeProblem(fields) {
                malformed(problem)
                return nil
            }
            if annotator.excludes(fields) {
                chunk.excludedCount += 1
                return nil
            }
            return makeRecord(fields, location: location, modeBits: annotator.annotate(fields), refs: &chunk.refs)
        }
    }

    func makeRecord(_ fields: LineFields, location: RecordLocation, modeBits: UInt64, refs allRefs: inout [[String]]) -> SessionRecord {
        func time(_ slot: Int) -> Double? {
            guard fields.kind(slot) == .string else { return nil }
            if fields.values[slot].escaped, let s = fields.string(slot) { return Timestamp.parse(s) }
            return Timestamp.parse(fields.raw(slot))
        }
        var start = time(schema.startTime)
        var end = time(schema.endTime)
        // `timestamp` and the duration only fill in a missing end or start.
        if start == nil || end == nil {
            var duration = fields.number(schema.duration) ?? 0
            if !duration.isFinite || duration < 0 { duration = 0 }
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
        if ("productive" as StaticString).withUTF8Buffer({ fields.stringEquals(schema.outcome, $0, caseInsensitive: true) }) {
            flags.insert(.productive)
        }
        if fields.kind(schema.deliverables) == .array, !isBlank(UnsafeRawBufferPointer(rebasing: fields.raw(schema.deliverables).dropFirst().dropLast())) {
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
        return SessionRecord(
            sessionID: fields.string(schema.sessionID) ?? "",
            startTime: start ?? end ?? .nan, endTime: end ?? .nan, location: location, modeBits: modeBits,
            flags: flags, refsIndex: refsIndex)
    }
}