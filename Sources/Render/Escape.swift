import FailmixClassify
import FailmixRecords

/// Escaping of untrusted text (anything from records or commits) for each
/// sink it can reach. One function per sink; every renderer uses these.
public enum Escape {
    /// For a terminal: control characters (ESC sequences, CR, BEL, C1) become
    /// visible `\u{…}` so a record cannot move the cursor or recolour output.
    public static func terminal(_ s: String) -> String { visibleControls(s) }

    /// A control character no sink passes through raw: C0 (tab and newline
    /// included; each sink keeps those it allows), DEL, C1, and the Unicode
    /// line and paragraph separators.
    static func isControl(_ u: Unicode.Scalar) -> Bool {
        u.value < 0x20 || (0x7F...0x9F).contains(u.value) || u.value == 0x2028 || u.value == 0x2029
    }

    /// `s` with every control character but those in `keeping` written as
    /// visible `\u{…}` text: the shared core of every sink's escaping, so
    /// ESC, BEL, NUL, DEL and C1 never reach a terminal, a log, a workflow
    /// command, Markdown, XML, JSON or a metrics label as themselves.
    public static func visibleControls(_ s: String, keeping: Set<Unicode.Scalar> = []) -> String {
        guard s.unicodeScalars.contains(where: { isControl($0) && !keeping.contains($0) }) else { return s }
        var out = ""
        for u in s.unicodeScalars {
            if isControl(u), !keeping.contains(u) {
                out += "\\u{\(String(u.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(u)
            }
        }
        return out
    }

    /// For a Markdown table cell or paragraph: no element, link, HTML or
    /// table break can be formed; line breaks become spaces.
    public static func markdown(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for u in s.unicodeScalars {
            switch u {
            // HTML-significant characters (and @, which would notify a user) as
            // entities; Markdown punctuation backslash-escaped.
            case "<", ">", "&": out += html(String(u))
            case "@": out += "&#64;"
            case "\\", "`", "*", "_", "{", "}", "[", "]", "(", ")", "#", "+", "-", "!", "|", "~":
                out += "\\"
                out.unicodeScalars.append(u)
            case "\n", "\r", "\t": out += " "
            default:
                if isControl(u) { out += "\\u{\(String(u.value, radix: 16))}" } else { out.unicodeScalars.append(u) }
            }
        }
        return out
    }

    /// Replaces the scalars `table` names; the shared core of the escapes
    /// whose rules are a short list of substitutions.
    public static func substituting(_ s: String, _ table: [Unicode.Scalar: String]) -> String {
        guard s.unicodeScalars.contains(where: { table[$0] != nil }) else { return s }
        var out = ""
        for u in s.unicodeScalars {
            if let replacement = table[u] { out += replacement } else { out.unicodeScalars.append(u) }
        }
        return out
    }

    /// For HTML and XML text and attribute values: markup characters as
    /// entities, control characters visible (XML 1.0 forbids most of them
    /// even as character references). `keeping` newlines and tabs suits
    /// element text; attributes keep none.
    public static func html(_ s: String, keeping: Set<Unicode.Scalar> = []) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for u in visibleControls(s, keeping: keeping).unicodeScalars {
            switch u {
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\u{FFFE}", "\u{FFFF}": out += "\u{FFFD}"  // not XML characters
            default: out.unicodeScalars.append(u)
            }
        }
        return out
    }

    /// The body of a JSON string (no quotes). `<`, `>`, `&` and U+2028/9 are
    /// escaped too, so the output is also safe inside HTML `<script>` and JS.
    public static func json(_ s: String) -> String {
        var out = ""
        json(s, into: &out)
        return out
    }

    public static func json(_ s: String, into out: inout String) {
        guard needsJSONEscape(s) else { out += s; return }
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "<", ">", "&", "\u{2028}", "\u{2029}":
                out += unicodeEscape(u.value)
            default:
                if isControl(u) { out += unicodeEscape(u.value) } else { out.unicodeScalars.append(u) }
            }
        }
    }

    /// Any byte `json` may rewrite (0xE2 leads U+2028/9).
    public static func needsJSONEscape(_ s: String) -> Bool {
        var s = s
        return s.withUTF8 { bytes in
            // 0x7F is DEL; 0xC2 leads C1 (U+0080–U+009F) and other Latin-1 (checked per scalar).
            for b in bytes where b < 0x20 || b == 0x22 || b == 0x5C || b == 0x3C || b == 0x3E || b == 0x26 || b == 0xE2 || b == 0x7F || b == 0xC2 {
                return true
            }
            return false
        }
    }

    private static func unicodeEscape(_ v: UInt32) -> String {
        let hex = String(v, radix: 16)
        return "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
    }
}
