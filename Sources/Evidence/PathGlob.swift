/// A path glob as `[git] bookkeeping_paths` writes them: `*` and `?` stay
/// inside one directory, `**` crosses directories (`journal/**` is all of
/// journal/), `[...]` is a character class.
struct PathGlob {
    private let pattern: [Character]

    init(_ pattern: String) { self.pattern = Array(pattern) }

    func matches(_ path: String) -> Bool { Self.match(pattern[...], Array(path)[...]) }

    private static func match(_ p: ArraySlice<Character>, _ s: ArraySlice<Character>) -> Bool {
        var p = p, s = s
        while let c = p.first {
            switch c {
            case "*":
                let double = p.dropFirst().first == "*"
                let rest = p.dropFirst(double ? 2 : 1)
                // `**/` also matches no directory at all.
                if double, rest.first == "/", match(rest.dropFirst(), s) { return true }
                var t = s
                while true {
                    if match(rest, t) { return true }
                    guard let next = t.first, double || next != "/" else { return false }
                    t = t.dropFirst()
                }
            case "?":
                guard let next = s.first, next != "/" else { return false }
                p = p.dropFirst(); s = s.dropFirst()
            case "[":
                guard let close = p.dropFirst(2).firstIndex(of: "]"), let next = s.first, next != "/" else {
                    guard s.first == "[" else { return false }
                    p = p.dropFirst(); s = s.dropFirst()
                    continue
                }
                var set = p[(p.startIndex + 1)..<close]
                let negated = set.first == "!" || set.first == "^"
                if negated { set = set.dropFirst() }
                var hit = false
                var i = set.startIndex
                while i < set.endIndex {
                    if i + 2 < set.endIndex, set[i + 1] == "-" {
                        if set[i] <= next && next <= set[i + 2] { hit = true }
                        i += 3
                    } else {
                        if set[i] == next { hit = true }
                        i += 1
                    }
                }
                guard hit != negated else { return false }
                p = p[(close + 1)...]; s = s.dropFirst()
            default:
                guard s.first == c else { return false }
                p = p.dropFirst(); s = s.dropFirst()
            }
        }
        return s.isEmpty
    }
}

/// Bookkeeping paths: a commit is bookkeeping when every path it changes matches.
struct BookkeepingPaths {
    private let globs: [PathGlob]

    init(_ patterns: [String]) { globs = patterns.map(PathGlob.init) }

    var isEmpty: Bool { globs.isEmpty }

    /// True when there are changed paths and all of them are bookkeeping.
    func coversAll(_ paths: [String]) -> Bool {
        !globs.isEmpty && !paths.isEmpty && paths.allSatisfy { path in globs.contains { $0.matches(path) } }
    }
}
