import Foundation
import Testing

/// The ecosystems' own clients and validators (check-jsonschema, pre-commit,
/// xmllint, python3 with PyYAML and jsonschema). A developer without one
/// skips the tests that need it; CI (`CI=true`, where .ci/run installs them
/// all) runs them, and a missing one there fails the test instead.
enum ExternalTools {
    static let isCI = ProcessInfo.processInfo.environment["CI"] == "true"

    /// The executable's path on PATH.
    static func path(_ name: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    static func pythonHas(_ modules: [String]) -> Bool {
        if modules.isEmpty { return true }
        guard path("python3") != nil else { return false }
        return (try? runTool("python3", ["-c", modules.map { "import \($0)" }.joined(separator: "; ")]).status) == 0
    }

    /// For `.enabled(if:)`: every tool present, or running in CI.
    static func available(_ tools: [String], python: [String] = []) -> Bool {
        isCI || (tools.allSatisfy { path($0) != nil } && pythonHas(python))
    }

    /// Inside an enabled test: records an issue (in CI) when something is missing.
    static func require(_ tools: [String], python: [String] = []) -> Bool {
        let missing = tools.filter { path($0) == nil } + (pythonHas(python) ? [] : python.map { "python3 module \($0)" })
        if !missing.isEmpty { Issue.record("missing \(missing.joined(separator: ", ")): .ci/run installs them") }
        return missing.isEmpty
    }
}
