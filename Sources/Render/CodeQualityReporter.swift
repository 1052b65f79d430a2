import FailmixClassify
import FailmixRecords

/// GitLab Code Quality report: one issue per finding, with a fingerprint that
/// stays the same for the same session and rule across pipelines.
public enum CodeQualityReporter: Reporter {
    public static let identifier = "codequality"

    public static func render(_ report: Report, options: RenderOptions, into out: inout some TextOutputStream) {
        let q = JSONReporter.json
        out.write("[")
        for (i, f) in report.rankedFindings.enumerated() {
            out.write(i == 0 ? "\n" : ",\n")
            let severity = f.level == .failure ? "major" : f.level == .warning ? "minor" : "info"
            out.write("{\"description\":\(q(f.title + ": " + f.message)),\"check_name\":\(q(f.rule)),\"fingerprint\":\"\(f.fingerprint)\",\"severity\":\"\(severity)\",")
            out.write("\"location\":{\"path\":\(q(f.path ?? ".failmix.toml")),\"lines\":{\"begin\":\(f.line ?? 1)}}}")
        }
        out.write("\n]\n")
    }
}
