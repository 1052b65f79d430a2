import FailmixClassify
import FailmixRecords

/// JUnit XML (GitLab's test report): one test case per finding rule, failed
/// when any finding of that rule is a failure.
public enum JUnitReporter: Reporter {
    public static let identifier = "junit"

    public static func render(_ report: Report, options: RenderOptions, into out: inout some TextOutputStream) {
        var rules: [String] = []
        for f in report.findings where !rules.contains(f.rule) { rules.append(f.rule) }
        let failing = rules.filter { r in report.findings.contains { $0.rule == r && $0.level == .failure } }
        out.write("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        // Jenkins' junit-10.xsd requires tests, failures and errors on a
        // suite and allows skipped and time there (not skipped on testsuites).
        let counts = "tests=\"\(max(rules.count, 1))\" failures=\"\(failing.count)\" errors=\"0\""
        out.write("<testsuites name=\"failmix\" \(counts) time=\"0\">\n")
        out.write("  <testsuite name=\"failmix\" \(counts) skipped=\"0\" time=\"0\">\n")
        if rules.isEmpty {
            out.write("    <testcase classname=\"failmix\" name=\"gate\" time=\"0\"/>\n")
        }
        for rule in rules {
            let findings = report.findings.filter { $0.rule == rule }
            out.write("    <testcase classname=\"failmix\" name=\"\(Escape.html(rule))\" time=\"0\">")
            let text = findings.map { "\($0.level.rawValue): \($0.title): \($0.message)" }.joined(separator: "\n")
            if failing.contains(rule) {
                out.write("\n      <failure message=\"\(Escape.html(findings[0].title))\">\(Escape.html(xmlSafe(text)))</failure>\n    ")
            } else {
                out.write("\n      <system-out>\(Escape.html(xmlSafe(text)))</system-out>\n    ")
            }
            out.write("</testcase>\n")
        }
        out.write("  </testsuite>\n</testsuites>\n")
    }

    /// XML 1.0 forbids most control characters even when escaped.
    static func xmlSafe(_ s: String) -> String {
        String(String.UnicodeScalarView(s.unicodeScalars.map { u in
            (u.value < 0x20 && u != "\n" && u != "\t" && u != "\r") || u.value == 0xFFFE || u.value == 0xFFFF ? "\u{FFFD}" : u
        }))
    }
}
