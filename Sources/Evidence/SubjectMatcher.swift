import FoundationEssentials

/// Finds a session named in a commit's subject by `[git] subject_patterns`
/// (regexes whose first capture group is the id). Subjects are first
/// screened word by word against the ids' first characters, so the regexes
/// run only on the few subjects that could name a session, and are compiled
/// only when the first such subject comes (`SubjectRegex`: PCRE2).
struct SubjectMatcher {
    private let sources: [String]
    private let compiled: Compiled

    /// The regexes, compiled on first use. Patterns that don't compile are
    /// reported by the configuration check; here they are skipped.
    private final class Compiled {
        let sources: [String]
        lazy var patterns: [SubjectRegex] = sources.compactMap { SubjectRegex($0) }
        init(_ sources: [String]) { self.sources = sources }
    }

    init(patterns: [String]) {
        sources = patterns
        compiled = Compiled(patterns)
    }

    /// Why a pattern is unusable, or nil.
    static func problem(with pattern: String) -> String? {
        guard let regex = SubjectRegex(pattern) else { return "is not a valid regular expression" }
        return regex.captureGroups >= 1 ? nil : "needs a capture group around the session id"
    }

    func match(message: String, ids: SessionIDIndex) -> SessionIDIndex.Match {
        guard !sources.isEmpty, Self.mayName(message, ids) else { return .none }
        let subject = message.prefix { $0 != "\n" }
        let words = subject.split { !($0.isLetter || $0.isNumber || $0 == "_") }
        guard words.contains(where: ids.mightName) else { return .none }
        let text = String(subject)
        for pattern in compiled.patterns {
            for captured in pattern.firstGroups(in: text) {
                guard let captured else { continue }
                let match = ids.match(captured)
                if match != .none { return match }
            }
        }
        return .none
    }

    /// The word screen below on the subject's bytes, for an ASCII subject
    /// (nearly all): the walk runs it on every commit, and splitting into
    /// Characters with Unicode properties cost a third of a cold walk. Any
    /// other subject (a byte of 0x80 or more, a carriage return) is left to
    /// the Character screen, so the answer is the same. A word's head is
    /// packed as `packedPrefix` packs it (`SessionIDIndex.packedHead`), while
    /// the word is scanned.
    private static func mayName(_ message: String, _ ids: SessionIDIndex) -> Bool {
        let p = message.utf8.span
        let n = p.count
        var i = 0
        while i < n, p[i] != UInt8(ascii: "\n") {
            let byte = p[i]
            if byte >= 0x80 || byte == UInt8(ascii: "\r") { return true }
            guard isWord(byte) else { i += 1; continue }
            let start = i
            var key: UInt64 = 0, length: UInt64 = 0
            while i < n, isWord(p[i]) {
                if length < UInt64(SessionIDIndex.minimumPrefix) {
                    let lower = (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(p[i]) ? p[i] | 0x20 : p[i]
                    key |= UInt64(lower) << (8 * length)
                    length += 1
                }
                i += 1
            }
            if i < n, p[i] >= 0x80 { return true }
            if ids.mightName(packedHead: key | length << 56) { return true }
            if ids.hasNonASCIIHeads {
                let head = (start..<(start + Int(length))).map {
                    (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(p[$0]) ? p[$0] | 0x20 : p[$0]
                }
                if ids.mightName(Substring(String(decoding: head, as: UTF8.self))) { return true }
            }
        }
        return false
    }

    /// ASCII letters, digits and `_`, as bits of two masks.
    @inline(__always)
    private static func isWord(_ byte: UInt8) -> Bool {
        byte < 64 ? (wordLow >> UInt64(byte)) & 1 != 0 : byte < 128 && (wordHigh >> UInt64(byte - 64)) & 1 != 0
    }

    /// Bits 48-57: '0'-'9'.
    private static let wordLow: UInt64 = 0x03FF_0000_0000_0000
    /// Bits 1-26 ('A'-'Z'), 31 ('_'), 33-58 ('a'-'z'), counted from 64.
    private static let wordHigh: UInt64 = 0x07FF_FFFE_87FF_FFFE
}
