import FailmixClassify
import FailmixRecords

/// GitHub Actions workflow commands: one annotation per finding (GitHub shows
/// at most 10 per level in a step, so the most important come first and the
/// complete list goes to the step summary), then the text report inside a
/// `::stop-commands::` block so nothing from records or commits can run as a
/// workflow command.
public enum GitHubReporter: Reporter {
    public static let identifier = "github"
    /// GitHub displays this many annotations of each level per step.
    public static let annotationsPerLevel = 10

    public static func render(_ report: Report, options: RenderOptions, into out: inout some TextOutputStream) {
        var shown: [Finding.Level: Int] = [:]
        var hidden = 0
        for finding in report.rankedFindings {
            let count = shown[finding.level, default: 0]
            guard count < annotationsPerLevel else { hidden += 1; continue }
            shown[finding.level] = count + 1
            out.write(annotation(finding) + "\n")
        }
        if hidden > 0 {
            out.write("::notice title=failmix::\(escapeData("\(hidden) more findings are listed in the step summary"))\n")
        }
        // The plain report carries untrusted text: stop command processing
        // for it with a token nobody can guess.
        let token = stopToken(options.randomToken)
        out.write("::stop-commands::\(token)\n")
        TextReporter.render(report, options: RenderOptions(), into: &out)
        out.write("::\(token)::\n")
    }

    public static func annotation(_ f: Finding) -> String {
        let command = f.level == .failure ? "error" : f.level == .warning ? "warning" : "notice"
        var properties: [String] = []
        if let path = f.path {
            properties.append("file=\(escapeProperty(path))")
            if let line = f.line { properties.append("line=\(line)") }
        }
        properties.append("title=\(escapeProperty(f.title))")
        return "::\(command) \(properties.joined(separator: ","))::\(escapeData(f.message))"
    }

    /// Workflow-command message escaping (GitHub's `escapeData`).
    /// Other control characters (ESC, BEL, C1…) are made visible, so a log
    /// viewer never interprets them.
    public static func escapeData(_ s: String) -> String {
        Escape.visibleControls(Escape.substituting(s, ["%": "%25", "\r": "%0D", "\n": "%0A"]))
    }

    /// Workflow-command property escaping (GitHub's `escapeProperty`).
    public static func escapeProperty(_ s: String) -> String {
        escapeData(s).replacing(":", with: "%3A").replacing(",", with: "%2C")
    }

    static func stopToken(_ fixed: String?) -> String {
        if let fixed { return fixed }
        var rng = SystemRandomNumberGenerator()
        return (0..<4).map { _ in
            let hex = String(rng.next() as UInt64, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
    }
}
