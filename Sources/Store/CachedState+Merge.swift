import FailmixRecords
import FailmixSupport
import FoundationEssentials

extension CachedState {
    /// Folds newly appended records in; false when the tail can no longer be
    /// trusted to hold the newest `minimum` sessions.
    mutating func merge(_ chunk: RecordReader.Chunk, into fileIndex: Int, keep limit: Int, minimum: Int, listLimit: Int) -> Bool {
        let streaming = runs != nil
        guard streaming || ids != nil else { return false }
        let lineBase = Int32(clamping: files[fileIndex].lines)
        recordLines += chunk.records.count
        malformedCount += chunk.malformedCount
        for var m in chunk.malformed where malformed.count < listLimit {
            m.line += Int(lineBase)
            malformed.append(m)
        }
        fieldWarningCount += chunk.fieldWarningCount
        for var w in chunk.fieldWarnings where fieldWarnings.count < listLimit {
            w.line += Int(lineBase)
            fieldWarnings.append(w)
        }
        var position = PositionTable(capacity: tail.count + chunk.records.count)
        for (i, session) in tail.enumerated() {
            position.set(fnv1a(session.sessionID.utf8), i) { self.tail[$0].sessionID == session.sessionID }
        }
        let oldest = tail.first?.orderKey ?? -.infinity
        var dropped = Set<Int>()
        for var record in chunk.records {
            record.location.line = record.location.line.addingReportingOverflow(lineBase).overflow ? .max : record.location.line + lineBase
            let refs = record.refsIndex >= 0 ? chunk.refs[Int(record.refsIndex)] : []
            let hash = fnv1a(record.sessionID.utf8)
            if let runs, (try? runs.add(hash, untimed: record.end == nil)) == nil { return false }
            let same = { (p: Int) in self.tail[p].sessionID == record.sessionID }
            if let i = position.find(hash, same) {
                if !streaming {
                    duplicatesFolded += 1
                    // The newest record decides whether the session has a time.
                    untimedCount += (record.end == nil ? 1 : 0) - (tail[i].end == nil ? 1 : 0)
                }
                if !complete, record.orderKey < oldest {
                    // It moves below the tail: the tail loses a session.
                    dropped.insert(i)
                    position.remove(hash, same)
                    continue
                }
                record.refsIndex = refs.isEmpty ? -1 : Int32(tailRefs.count)
                tailRefs.append(refs)
                tail[i] = record
                continue
            }
            if let ids {
                if ids.contains(hash) {
                    duplicatesFolded += 1
                } else {
                    ids.insert(hash)
                    if record.end == nil { untimedCount += 1 }
                }
            }
            if !complete, record.orderKey < oldest { continue }  // older than every session kept
            record.refsIndex = refs.isEmpty ? -1 : Int32(tailRefs.count)
            tailRefs.append(refs)
            position.set(hash, tail.count, same)
            tail.append(record)
        }
        if !dropped.isEmpty { tail = tail.enumerated().filter { !dropped.contains($0.offset) }.map(\.element) }
        if let ids { sessionCount = ids.count }
        sortByTime(&tail)
        if tail.count > limit {
            tail.removeFirst(tail.count - limit)
            complete = false
        }
        // Compact the refs table to the sessions still kept.
        var refs: [[String]] = []
        for i in tail.indices where tail[i].refsIndex >= 0 {
            refs.append(tailRefs[Int(tail[i].refsIndex)])
            tail[i].refsIndex = Int32(refs.count - 1)
        }
        tailRefs = refs
        return complete || tail.count >= minimum
    }

    /// Deliverable refs for the kept sessions, their lines read again (the
    /// streaming read skipped extracting them for a million sessions).
    mutating func readRefs(_ sources: [RecordSource], reader: RecordReader, annotator: some RecordAnnotator) throws(RecordError) {
        tailRefs = []
        for (file, source) in sources.enumerated() {
            let wanted = tail.indices.filter { Int(tail[$0].location.file) == file && tail[$0].hasDeliverables }
            guard !wanted.isEmpty else { continue }
            let refs = try reader.deliverableRefs(source.path, fileIndex: Int32(file),
                                                  offsets: wanted.map { tail[$0].location.offset }.sorted(), annotator: annotator)
            for i in wanted {
                guard let found = refs[tail[i].location.offset], !found.isEmpty else { continue }
                tail[i].refsIndex = Int32(tailRefs.count)
                tailRefs.append(found)
            }
        }
    }
}
