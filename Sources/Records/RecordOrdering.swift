import FailmixSupport

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
/// were folded. A few bytes a session, no per-id allocation.
func foldDuplicates(_ sessions: inout [SessionRecord]) -> Int {
    let n = sessions.count
    guard n > 1 else { return 0 }
    var drop = [Bool](repeating: false, count: n)
    var folded = 0
    var table = PositionTable(capacity: n)
    do {
        let records = sessions.span
        for i in 0..<n {
            var id = records[i].sessionID
            let hash = id.withUTF8 { fnv1a($0) }
            if let earlier = table.replace(hash, i, { records[$0].sessionID == records[i].sessionID }) {
                drop[earlier] = true  // the earlier one goes
                folded += 1
            }
        }
    }
    if folded > 0 {
        var position = 0
        sessions.removeAll { _ in
            defer { position += 1 }
            return drop[position]
        }
    }
    return folded
}
