/// "; did you mean 'X'?" when a candidate is a likely misspelling of `word`.
func didYouMean(_ word: String, _ candidates: [String], prefix: String = "; did you mean ") -> String {
    let scored = candidates.map { ($0, editDistance($0, word)) }
    guard let (near, distance) = scored.min(by: { $0.1 < $1.1 }), distance > 0,
          distance <= max(1, min(2, word.count / 3)) else { return "" }
    return "\(prefix)'\(near)'?"
}

/// Edit distance counting a swap of neighbours as one edit (optimal string
/// alignment), since "fial" for "fail" is the commonest slip.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
    for i in 0...a.count { d[i][0] = i }
    for j in 0...b.count { d[0][j] = j }
    for i in stride(from: 1, through: a.count, by: 1) {
        for j in stride(from: 1, through: b.count, by: 1) {
            let substitution = a[i - 1] == b[j - 1] ? 0 : 1
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + substitution)
            if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
            }
        }
    }
    return d[a.count][b.count]
}
