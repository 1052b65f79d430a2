import Foundation
import Testing
@testable import FailmixSupport

/// The trimming that replaced Foundation's in the line parsers (CI notes,
/// config key lines) trims exactly what Foundation trims.
@Suite struct TrimmingTests {
    /// Every scalar: the differences are gathered and expected once (two
    /// million passing #expects were most of this test's second of CPU).
    @Test func blankSetsAreFoundations() {
        var blank: [String] = [], blankOrNewline: [String] = []
        for value in 0..<0x11_0000 {
            guard let scalar = Unicode.Scalar(value) else { continue }
            if Substring.isBlank(scalar) != CharacterSet.whitespaces.contains(scalar) { blank.append("U+\(String(value, radix: 16))") }
            if (Substring.isBlank(scalar) || Substring.isLineBreak(scalar)) != CharacterSet.whitespacesAndNewlines.contains(scalar) {
                blankOrNewline.append("U+\(String(value, radix: 16))")
            }
        }
        #expect(blank.isEmpty, "isBlank differs from CharacterSet.whitespaces at \(blank.prefix(20))")
        #expect(blankOrNewline.isEmpty, "isBlank || isLineBreak differs from CharacterSet.whitespacesAndNewlines at \(blankOrNewline.prefix(20))")
    }

    @Test func trimmingMatchesFoundation() {
        let samples = ["", " ", "\t a b \t", "\u{00A0}x\u{3000}", "x\u{2028}", "\u{2029} y \u{85}", "\r\n z\u{0B}\u{0C}",
                       " \u{301}e ", "\u{200B}w\u{200B}", "é ", "\u{1680}\u{202F}k\u{205F}", "  \n", "a"]
        for s in samples {
            #expect(String(s.trimmingBlanks) == s.trimmingCharacters(in: .whitespaces), "\(s.unicodeScalars.map(\.value))")
            #expect(String(s.trimmingBlanksAndNewlines) == s.trimmingCharacters(in: .whitespacesAndNewlines), "\(s.unicodeScalars.map(\.value))")
        }
    }
}
