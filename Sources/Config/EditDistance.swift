/// "; did you mean 'X'?" when a candidate is a likely misspelling of `word`.
func didYouMean(_ word: String, _ candidates: [String], prefix: String = "; did you mean ") -> String {
    let length = word.count
    let limit = max(1, min(2, length / 3))
    // Names whose lengths differ by more than `limit` are further than it:
    // not worth the table (an unknown key is checked against every name).
    let scored = candidates.lazy.filter { abs($0.count - length) <= limit }.map { ($0, editDistance($0, word)) }
    guard let (near, distance) = scored.min(by: { $0.1 < $1.1 }), distance > 0, distance <= limit else { return "" }
    return "\(prefix)'\(near)'?"
}

/// Edit distance counting a swap of neighbours as one edit (optimal string
/// alignment), since "fial" for "fail" is the commonest slip.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    // One flat (a.count + 1) x (b.count + 1) table, row-major.
    let width = b.count + 1
    var d = [Int](repeating: 0, count: (a.count + 1) * width)
    for i in 0...a.count { d[i * width] = i }
    for j in 0...b.count { d[j] = j }
    for i in stride(from: 1, through: a.count, by: 1) {
        for j in stride(from: 1, through: b.count, by: 1) {
            let substitution = a[i - 1] == b[j - 1] ? 0 : 1
            var best = min(d[(i - 1) * width + j] + 1, d[i * width + j - 1] + 1, d[(i - 1) * width + j - 1] + substitution)
            if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                best = min(best, d[(i - 2) * width + j - 2] + 1)
            }
            d[i * width + j] = best
        }
    }
    return d[a.count * width + b.count]
}
