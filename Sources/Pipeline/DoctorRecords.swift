import FailmixSupport
import FailmixEvidence
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The records checks of `failmix doctor`, on the newest part of the
/// records file only (its last `Doctor.recordsTail` bytes): found and
/// readable, malformed lines, records without `start_time`, timestamps of a
/// bulk import, and whether records still arrive at their usual pace.
struct DoctorRecords {
    let options: Doctor.Options
    let configuration: Configuration
    let repositoryRoot: String?

    /// What the newest lines say, as the records reader reads them.
    struct Tail {
        var records = 0
        var malformedCount = 0
        var firstMalformed: MalformedLine?
        var withoutStartTime = 0
        /// Window ends (end_time, else timestamp) and durations of the records that have them.
        var ends: [Double] = []
        var durations: [Double] = []
        /// The tail began mid-file: line numbers are counted from its start.
        var partial = false
    }

    func checks() -> [DoctorCheck] {
        let explicit = options.recordPaths.isEmpty ? configuration.recordPaths : options.recordPaths
        let primary: String
        do {
            guard let found = try RecordSources.resolve(explicit: explicit, repositoryRoot: repositoryRoot,
                                                        environment: options.environment, includeRotated: false).last?.path
            else { throw RecordError.noRecords(searched: []) }
            primary = found
        } catch {
            let searched = RecordSources.defaultCandidates(repositoryRoot: repositoryRoot, environment: options.environment)
            return [DoctorCheck("records", .warn, "no records file found (looked in \(searched.joined(separator: ", ")))",
                                fix: "point `[records] paths` in .failmix.toml at the agent's session-records.jsonl")]
        }
        let fd = FileIO.openForReading(primary)
        guard fd >= 0 else {
            let exists = FileManager.default.fileExists(atPath: primary)
            return [DoctorCheck("records", .fail, exists ? "\(primary) is not readable" : "\(primary) does not exist",
                                fix: exists ? "give failmix's user read access to it" : "fix `[records] paths` in .failmix.toml")]
        }
        defer { close(fd) }
        let tail = readTail(fd, path: primary)
        var checks: [DoctorCheck] = []
        let lines = tail.records + tail.malformedCount
        let scope = tail.partial ? "the newest \(lines) lines of \(primary)" : "\(primary) (\(lines) lines)"
        if let first = tail.firstMalformed {
            checks.append(DoctorCheck("records", .warn, "\(scope): \(tail.malformedCount) malformed line(s), first at line \(first.line)\(tail.partial ? " of the tail" : ""): \(first.error)",
                                      fix: "`failmix report --strict` lists them with file and line; fix the writer"))
        } else {
            checks.append(DoctorCheck("records", .pass, "\(scope): no malformed lines"))
        }
        checks.append(timesCheck(tail))
        checks.append(silenceCheck(tail))
        return checks
    }

    func timesCheck(_ tail: Tail) -> DoctorCheck {
        let name = "record-times"
        let records = tail.records
        guard records > 0 else { return DoctorCheck(name, .pass, "no records yet") }
        let sorted = tail.ends.sorted()
        let median = tail.durations.sorted().dropFirst(tail.durations.count / 2).first ?? 0
        if let first = sorted.first, let last = sorted.last,
           let note = ClockCheck.bulkImport(timed: sorted.count, span: last - first, medianDuration: median) {
            return DoctorCheck(name, .warn, note + "; window attribution is off and noops only windows could judge are unverifiable",
                               fix: "have the writer record real start_time/end_time; stamp commits (`failmix hook install prepare-commit-msg`)")
        }
        let share = Double(tail.withoutStartTime) / Double(records)
        if share > 0.5 {
            return DoctorCheck(name, .warn, formatted("%.0f%% of the newest records have no start_time: their windows are guessed from timestamp and duration_seconds", share * 100),
                               fix: "have the writer record start_time and end_time")
        }
        return DoctorCheck(name, .pass, formatted("%.0f%% of the newest records have a start_time", (1 - share) * 100))
    }

    /// Silent for more than 4× the usual gap between records (or `[doctor] max_silence`).
    func silenceCheck(_ tail: Tail) -> DoctorCheck {
        let name = "records-arriving"
        let ends = tail.ends.sorted()
        guard let newest = ends.last else { return DoctorCheck(name, .pass, "no timed records yet") }
        var gaps: [Double] = []
        for (later, earlier) in zip(ends.dropFirst(), ends) where later > earlier { gaps.append(later - earlier) }
        gaps.sort()
        let median: Double? = gaps.isEmpty ? nil : gaps[gaps.count / 2]
        let usual: Double? = median.map { (gap: Double) -> Double in gap * 4 }
        guard let limit = configuration.maxSilence ?? usual else {
            return DoctorCheck(name, .pass, "newest record \(Timestamp.format(newest)); too few records to know their usual pace")
        }
        let silent = options.now.timeIntervalSince1970 - newest
        let basis = configuration.maxSilence != nil ? "[doctor] max_silence" : "4× the median gap"
        if silent > limit {
            return DoctorCheck(name, .warn, "no new record for \(Self.duration(silent)) (newest \(Timestamp.format(newest))), more than \(Self.duration(limit)) (\(basis))",
                               fix: "check that the agent runs and its harness still writes records (`failmix status` if the gate paused it)")
        }
        return DoctorCheck(name, .pass, "newest record \(Self.duration(max(0, silent))) ago, within \(Self.duration(limit)) (\(basis))")
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s < 120 { return "\(s) s" }
        if s < 7200 { return "\(s / 60) min" }
        if s < 172_800 { return "\(s / 3600) h" }
        return "\(s / 86_400) days"
    }

    /// The whole lines of the last `Doctor.recordsTail` bytes, read by the
    /// records reader itself, so a line doctor calls malformed is one
    /// `failmix report` calls malformed (same scanner, same message); a last
    /// line without a newline is a writer mid-append and is left alone.
    func readTail(_ fd: Int32, path: String) -> Tail {
        var tail = Tail()
        let size = FileIO.size(fd) ?? 0
        var start = max(0, size - Int64(Doctor.recordsTail))
        tail.partial = start > 0
        if tail.partial {
            guard let newline = FileIO.offset(of: 10, in: fd, from: start, before: size) else { return tail }
            start = newline + 1
        }
        let schema = RecordSchema()
        let marker = StartTimeMarker(slot: schema.startTime)
        var options = RecordReadOptions()
        options.timestampIs = configuration.timestampIs
        options.malformedListLimit = 1
        guard let chunk = try? RecordReader(schema: schema, options: options)
            .readChunk(fd: fd, path: path, from: start, to: size, last: true, fileIndex: 0, annotator: marker)
        else { return tail }
        tail.records = chunk.records.count
        tail.malformedCount = chunk.malformedCount
        tail.firstMalformed = chunk.malformed.first
        for record in chunk.records {
            if record.modeBits & StartTimeMarker.hasStartTime == 0 { tail.withoutStartTime += 1 }
            guard let end = record.end else { continue }
            tail.ends.append(end)
            if let start = record.start { tail.durations.append(end - start) }
        }
        return tail
    }
}

/// Marks the records whose line gives a usable `start_time`: the one thing
/// doctor asks that a record's window (start and end) does not keep.
private struct StartTimeMarker: RecordAnnotator, Sendable {
    static let hasStartTime: UInt64 = 1
    let slot: Int

    func annotate(_ fields: LineFields) -> UInt64 {
        fields.string(slot).flatMap(Timestamp.parse) != nil ? Self.hasStartTime : 0
    }
}
