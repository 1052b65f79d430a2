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
        guard !patterns.isEmpty else { return .none }
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
}
