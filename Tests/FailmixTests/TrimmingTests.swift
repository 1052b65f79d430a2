import Foundation
import Testing
@testable import FailmixSupport

/// The trimming that replaced Foundation's in the line parsers (CI notes,
/// config key lines) trims exactly what Foundation trims.
@Suite struct TrimmingTests {
    @Test func blankSetsAreFoundations() {
        for value in 0..<0x11_0000 {
            guard let scalar = Unicode.Scalar(value) else { continue }
            #expect(Substring.isBlank(scalar) == CharacterSet.whitespaces.contains(scalar), "U+\(String(value, radix: 16))")
            #expect((Substring.isBlank(scalar) || Substring.isLineBreak(scalar)) == CharacterSet.whitespacesAndNewlines.contains(scalar),
                    "U+\(String(value, radix: 16))")
        }
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
