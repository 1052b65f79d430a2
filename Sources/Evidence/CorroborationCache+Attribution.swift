import FailmixRecords
import FailmixSupport

/// The attribution part of a cached corroboration: the noop reasons and
/// bookkeeping commits of each session, the agent commits with their
/// methods, and whether windows were usable. Written after the sessions.
extension CorroborationCache {
    static func encodeAttribution(_ c: Corroboration, into w: inout ByteWriter) {
        for s in c.sessions {
            w.u8(s.noopReason == nil ? 0 : 1)
            if let reason = s.noopReason { w.string(reason) }
            w.u64(UInt64(s.bookkeepingCommits.count))
            for sha in s.bookkeepingCommits { w.string(sha) }
        }
        w.u64(UInt64(c.agentCommits.count))
        for commit in c.agentCommits {
            w.string(commit.sha)
            w.i64(commit.authorTime)
            w.u8(UInt8(AttributionMethod.allCases.firstIndex(of: commit.method)!))
            w.u8(commit.ambiguousBy.map { UInt8(AttributionKind.allCases.firstIndex(of: $0)! + 1) } ?? 0)
            w.u64(UInt64(commit.sessions.count))
            for session in commit.sessions { w.u64(UInt64(UInt32(bitPattern: session))) }
        }
        w.f64(c.windowSlack)
        w.u8(c.windowsOff == nil ? 0 : 1)
        if let reason = c.windowsOff { w.string(reason) }
    }

    /// Fills in `c`; false when the bytes are damaged or out of range.
    static func decodeAttribution(_ r: inout ByteReader, into c: inout Corroboration) -> Bool {
        for i in c.sessions.indices {
            guard let hasReason = r.u8() else { return false }
            if hasReason != 0 { guard let reason = r.string() else { return false }; c.sessions[i].noopReason = reason }
            guard let n = r.u64(), n < 1 << 32 else { return false }
            for _ in 0..<n { guard let sha = r.string() else { return false }; c.sessions[i].bookkeepingCommits.append(sha) }
        }
        let methods = AttributionMethod.allCases, kinds = AttributionKind.allCases
        guard let count = r.u64(), count < 1 << 32 else { return false }
        c.agentCommits.reserveCapacity(Int(count))
        for _ in 0..<count {
            guard let sha = r.string(), let time = r.i64(), let method = r.u8(), Int(method) < methods.count,
                  let by = r.u8(), Int(by) <= kinds.count, let n = r.u64(), n < 1 << 32 else { return false }
            var sessions: [Int32] = []
            for _ in 0..<n {
                guard let v = r.u64(), v < UInt64(c.sessions.count) else { return false }
                sessions.append(Int32(v))
            }
            c.agentCommits.append(AgentCommit(sha: sha, authorTime: time, method: methods[Int(method)], sessions: sessions,
                                              ambiguousBy: by == 0 ? nil : kinds[Int(by) - 1]))
        }
        guard let slack = r.f64(), slack.isFinite, let off = r.u8() else { return false }
        c.windowSlack = slack
        if off != 0 { guard let reason = r.string() else { return false }; c.windowsOff = reason }
        return true
    }
}
