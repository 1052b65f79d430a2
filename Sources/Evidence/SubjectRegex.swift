import CPCRE2

/// One `[git] subject_patterns` regex, compiled by PCRE2: the syntax users
/// know from ICU, Perl and git's own `--perl-regexp` (lookbehind included),
/// Unicode-aware (`\w` and `(?i)` beyond ASCII, as ICU was), and with a match
/// limit, so a pattern that backtracks exponentially gives up on a subject
/// instead of hanging the gate. The only PCRE2 (and its pointer) code.
final class SubjectRegex: @unchecked Sendable {  // the compiled code is read-only; match data is per call
    private let code: OpaquePointer
    private let limits: OpaquePointer?
    /// Capture groups in the pattern.
    let captureGroups: Int

    /// Steps PCRE2 may take per match attempt (its default is 10 million).
    static let matchLimit: UInt32 = 1_000_000

    /// Nil when PCRE2 refuses the pattern.
    init?(_ pattern: String) {
        var errorCode: Int32 = 0
        var errorOffset = 0
        let bytes = Array(pattern.utf8)
        let compiled = bytes.withUnsafeBufferPointer {
            // A NUL in the pattern is a character like any other: the length is explicit.
            pcre2_compile_8($0.baseAddress, $0.count, UInt32(PCRE2_UTF | PCRE2_UCP), &errorCode, &errorOffset, nil)
        }
        guard let compiled else { return nil }
        var count: UInt32 = 0
        guard pcre2_pattern_info_8(compiled, UInt32(PCRE2_INFO_CAPTURECOUNT), &count) == 0 else {
            pcre2_code_free_8(compiled)
            return nil
        }
        code = compiled
        captureGroups = Int(count)
        limits = pcre2_match_context_create_8(nil)
        if let limits { pcre2_set_match_limit_8(limits, Self.matchLimit) }
    }

    deinit {
        pcre2_match_context_free_8(limits)
        pcre2_code_free_8(code)
    }

    /// Group 1 of each match in `text`, left to right (nil where the group
    /// took no part). A match that hits the limit ends the search.
    func firstGroups(in text: String) -> [Substring?] {
        guard let data = pcre2_match_data_create_from_pattern_8(code, nil) else { return [] }
        defer { pcre2_match_data_free_8(data) }
        let bytes = Array(text.utf8)
        var found: [Substring?] = []
        var start = 0
        while start <= bytes.count {
            // The subject pointer must not be nil even when it is empty.
            let result = bytes.withUnsafeBufferPointer { subject in
                withUnsafePointer(to: 0 as UInt8) { empty in
                    pcre2_match_8(code, subject.baseAddress ?? empty, subject.count, start, 0, data, limits)
                }
            }
            guard result > 0, let ovector = pcre2_get_ovector_pointer_8(data) else { break }
            let (matchStart, matchEnd) = (ovector[0], ovector[1])
            // Offsets are within the subject and on character boundaries
            // (PCRE2_UTF); an unset group's are PCRE2_UNSET, ~0, which is -1 here.
            if result > 1, ovector[2] >= 0, ovector[2] <= ovector[3], ovector[3] <= bytes.count {
                found.append(Substring(String(decoding: bytes[ovector[2]..<ovector[3]], as: UTF8.self)))
            } else {
                found.append(nil)
            }
            guard matchEnd <= bytes.count, matchEnd >= start else { break }
            // After an empty match, on to the next character, as ICU did.
            start = matchEnd > matchStart ? matchEnd : Self.nextCharacter(after: matchEnd, in: bytes)
        }
        return found
    }

    private static func nextCharacter(after offset: Int, in bytes: [UInt8]) -> Int {
        var next = offset + 1
        while next < bytes.count, bytes[next] & 0xC0 == 0x80 { next += 1 }
        return next
    }
}
