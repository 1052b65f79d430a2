import Foundation
import Testing
@testable import FailmixKit

@Suite struct EscapeTests {
    static let hostile = "x\u{1B}[31mred\r\n::error::boom | <script>alert(1)</script> *bold* [l](http://e) @octocat `c` \"q\" \u{7}\u{2028}"

    @Test func terminalHasNoControlCharacters() {
        let s = Escape.terminal(Self.hostile)
        #expect(!s.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F || $0.value == 0x2028 })
        #expect(s.contains("\\u{1b}"))
    }

    @Test func jsonRoundTrips() throws {
        let literal = "[\"" + Escape.json(Self.hostile) + "\"]"
        #expect(!literal.contains("<") && !literal.contains("\u{2028}"))
        let back = try JSONSerialization.jsonObject(with: Data(literal.utf8)) as! [String]
        #expect(back == [Self.hostile])
    }

    @Test func markdownCannotBreakTablesOrInjectHTML() {
        let s = Escape.markdown(Self.hostile)
        #expect(!s.contains("\n") && !s.contains("\r"))
        #expect(!s.contains("<") && !s.contains("@octocat"))
        // Every pipe is escaped, so a table cell stays one cell.
        #expect(!s.replacingOccurrences(of: "\\|", with: "").contains("|"))
    }

    @Test func html() {
        #expect(Escape.html("<a href=\"x\">'&'</a>") == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
    }
}
