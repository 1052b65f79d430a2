import FailmixSupport
import FoundationEssentials

/// Orders sessions by window end (untimed first), ties in file order. Records
/// are nearly always appended in time order, so check before sorting; sort
/// small indices rather than the records themselves to keep memory flat.
package func sortByTime(_ sessions: inout [SessionRecord]) {
    func before(_ a: SessionRecord, _ b: SessionRecord) -> Bool {
        let ka = a.orderKey, kb = b.orderKey
        if ka != kb { return ka < kb }
        if a.location.file != b.location.file { return a.location.file < b.location.file }
        return a.location.line < b.location.line
    }
    var sorted = true
    for i in sessions.indices.dropFirst() where before(sessions[i], sessions[i - 1]) {
        sorted = false
        break
    }
    if sorted { return }
    var order = Array(0..<Int32(sessions.count))
    order.sort { before(sessions[Int($0)], sessions[Int($1)]) }
    // Apply the permutation in place, cycle by cycle.
    for start in order.indices where order[start] >= 0 {
        var current = start
        let saved = sessions[start]
        while true {
            let next = Int(order[current])
            order[current] = -1
            if next == start {
                sessions[current] = saved
                break
            }
            sessions[current] = sessions[next]
            current = next
        }
    }
}

/// Keeps only the last record of each session_id in read order (later
/// files — the primary is read last — and later lines win); returns how many
/// were folded. A few bytes a session, no per-id allocation. Equal ids hash
/// alike, so a large file's ids are split by hash into one part a core,
/// each folded on its own: the fold is the read's serial tail.
func foldDuplicates(_ sessions: inout [SessionRecord]) -> Int {
    let n = sessions.count
    guard n > 1 else { return 0 }
    let parts = n >= 65_536 ? min(2, max(1, ProcessInfo.activeCores)) : 1
    let records = sessions
    let pieces = WorkerSlots.filled(count: parts) { k in idHashes(records, n * k / parts..<n * (k + 1) / parts) }
    let hashes = (0..<parts).flatMap { pieces.take($0)! }
    let replaced = WorkerSlots.filled(count: parts) { k in replacedPositions(records, hashes, part: k, parts: parts) }
    var drop = [Bool](repeating: false, count: n)
    var folded = 0
    for k in 0..<parts {
        for position in replaced.take(k)! {
            drop[Int(position)] = true  // the earlier one goes
            folded += 1
        }
    }
    if folded > 0 {
        // Kept records slide down by swaps (moves, no copies), the dropped end up last.
        var kept = 0
        do {
            var span = sessions.mutableSpan
            for i in 0..<n where !drop[i] {
                if kept != i { span.swapAt(kept, i) }
                kept += 1
            }
        }
        sessions.removeLast(n - kept)
    }
    return folded
}

/// The session_id hashes of `records[range]`.
private func idHashes(_ records: [SessionRecord], _ range: Range<Int>) -> [UInt64] {
    let span = records.span
    return range.map { i in
        var id = span[i].sessionID
        return id.withUTF8 { fnv1a($0) }
    }
}

/// The positions of records that a later record with the same session_id
/// replaces, among those whose hash falls in `part` of `parts`, in order.
private func replacedPositions(_ records: [SessionRecord], _ hashes: [UInt64], part: Int, parts: Int) -> [Int32] {
    var table = PositionTable(capacity: records.count / parts + 1)
    var replaced: [Int32] = []
    let span = records.span
    for i in hashes.indices where parts == 1 || Int(hashes[i] >> 56) % parts == part {
        if let earlier = table.replace(hashes[i], i, { span[$0].sessionID == span[i].sessionID }) {
            replaced.append(Int32(earlier))
        }
    }
    return replaced
}
