import Foundation

/// Finds a session named in a commit's subject by `[git] subject_patterns`
/// (regexes whose first capture group is the id). Subjects are first
/// screened word by word against the ids' first characters, so the regexes
/// run only on the few subjects that could name a session.
struct SubjectMatcher {
    private let patterns: [NSRegularExpression]

    /// Patterns that don't compile are reported by the configuration check;
    /// here they are skipped.
    init(patterns: [String]) {
        self.patterns = patterns.compactMap { try? NSRegularExpression(pattern: $0) }
    }

    /// Why a pattern is unusable, or nil.
    static func problem(with pattern: String) -> String? {
        do {
            let regex = try NSRegularExpression(pattern: pattern)
            return regex.numberOfCaptureGroups >= 1 ? nil : "needs a capture group around the session id"
        } catch {
            return "is not a valid regular expression"
        }
    }

    var isEmpty: Bool { patterns.isEmpty }

    func match(message: String, ids: SessionIDIndex) -> SessionIDIndex.Match {
        guard !patterns.isEmpty, Self.mayName(message, ids) else { return .none }
        let subject = message.prefix { $0 != "\n" }
        let words = subject.split { !($0.isLetter || $0.isNumber || $0 == "_") }
        guard words.contains(where: ids.mightName) else { return .none }
        let text = String(subject)
        let range = NSRange(text.startIndex..., in: text)
        for pattern in patterns {
            for result in pattern.matches(in: text, range: range) where result.numberOfRanges > 1 {
                guard let captured = Range(result.range(at: 1), in: text) else { continue }
                let match = ids.match(text[captured])
                if match != .none { return match }
            }
        }
        return .none
    }

    /// The word screen below on the subject's bytes, for an ASCII subject
    /// (nearly all): the walk runs it on every commit, and splitting into
    /// Characters with Unicode properties cost a third of a cold walk. Any
    /// other subject (a byte of 0x80 or more, a carriage return) is left to
    /// the Character screen, so the answer is the same.
    private static func mayName(_ message: String, _ ids: SessionIDIndex) -> Bool {
        var message = message
        return message.withUTF8 { bytes -> Bool in
            func isWord(_ byte: UInt8) -> Bool {
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                    || byte == UInt8(ascii: "_")
            }
            var i = 0
            while i < bytes.count, bytes[i] != UInt8(ascii: "\n") {
                let byte = bytes[i]
                if byte >= 0x80 || byte == UInt8(ascii: "\r") { return true }
                guard isWord(byte) else { i += 1; continue }
                let start = i
                while i < bytes.count, isWord(bytes[i]) { i += 1 }
                if i < bytes.count, bytes[i] >= 0x80 { return true }
                let head = bytes[start..<min(start + SessionIDIndex.minimumPrefix, i)].lazy.map {
                    (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) ? $0 | 0x20 : $0
                }
                if ids.mightName(packedHead: SessionIDIndex.packedHead(head)) { return true }
                if ids.hasNonASCIIHeads, ids.mightName(Substring(String(decoding: head, as: UTF8.self))) { return true }
            }
            return false
        }
    }
}
