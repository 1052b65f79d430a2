import FailmixSupport

/// Commit ids as people and agents write them in `deliverables`:
/// `subject (abc1234)`, bare SHAs, `merge-commit (sha)`.
public enum CommitRefs {
    /// Lower-cased hex words of 7–40 characters, skipping any inside a URL
    /// (a whitespace-separated chunk containing `://`), whose hex is a path or
    /// query, not a claim of authorship.
    public static func extract(from text: String) -> [String] {
        var refs: [String] = []
        var utf8 = Array(text.utf8)
        let n = utf8.count
        // Blank out URL chunks first so their hex can't be picked up.
        let scheme = Array("://".utf8)
        var i = 0
        while i < n {
            while i < n, isSpace(utf8[i]) { i += 1 }
            let start = i
            while i < n, !isSpace(utf8[i]) { i += 1 }
            if utf8.span.extracting(start..<i).contains(scheme.span) {
                for k in start..<i { utf8[k] = 0x20 }
            }
        }
        i = 0
        while i < n {
            guard isHexDigit(utf8[i]), i == 0 || !isWordByte(utf8[i - 1]) else { i += 1; continue }
            var j = i
            while j < n, isHexDigit(utf8[j]) { j += 1 }
            let length = j - i
            if (7...40).contains(length), j == n || !isWordByte(utf8[j]) {
                refs.append(String(decoding: utf8[i..<j].map(asciiLower), as: UTF8.self))
            }
            i = j
        }
        return refs
    }

    @inline(__always) static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }

    /// Regex `\w` over ASCII: letters, digits, underscore; non-ASCII counts as
    /// a word byte so hex glued to other letters is never a whole word.
    @inline(__always) static func isWordByte(_ b: UInt8) -> Bool {
        isDigit(b) || (b | 0x20) &- UInt8(ascii: "a") < 26 || b == UInt8(ascii: "_") || b >= 0x80
    }
}
