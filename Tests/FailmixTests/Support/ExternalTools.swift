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

    /// Under pyenv, `python3` and the tools installed with it on PATH are
    /// shims: bash scripts costing ~50 ms of CPU a call before the real
    /// program starts. The directory of the interpreter they resolve to (from
    /// a directory without a .python-version, as tests run) holds the same
    /// programs; the processes tests start find it first (nil without pyenv).
    static let resolvedPythonBin: String? = {
        guard let shim = path("python3"), shim.contains("/shims/") else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: shim)
        process.arguments = ["-c", "import os, sys; print(os.path.dirname(sys.executable))"]
        process.currentDirectoryURL = URL(fileURLWithPath: "/")
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let dir = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard process.terminationStatus == 0, FileManager.default.isExecutableFile(atPath: dir + "/python3") else { return nil }
        return dir
    }()

    private static let importable = LockedDictionary<[String], Bool>()

    /// Whether python3 finds every module (asked once per list, of the
    /// suite's one interpreter, PythonBatch). Found, not imported: importing
    /// check_jsonschema alone cost 0.36 s of CPU, and a test whose module is
    /// there but broken should fail, not skip.
    static func pythonHas(_ modules: [String]) -> Bool {
        if modules.isEmpty { return true }
        guard path("python3") != nil else { return false }
        return importable.value(for: modules) {
            let script = "import importlib.util, sys; sys.exit(0 if all(importlib.util.find_spec(m) for m in sys.argv[1:]) else 1)"
            return (try? PythonBatch.run(code: script, modules).status) == 0
        }
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

/// Python tools run as their command lines would (`python3 SCRIPT ARGS`,
/// `python3 -m MODULE ARGS`, `python3 -c CODE ARGS`), every call of the test run answered by one
/// interpreter (`scripts/python-batch.py --serve`, a LineServer): a start and
/// a tool's imports (check-jsonschema's ~0.35 s of CPU) are paid once, not
/// per call. The tools must be importable by python3 (as pip installs them).
enum PythonBatch {
    private static let server = LineServer(name: "python-batch.py") {
        ("/usr/bin/env", ["python3", Paths.packageRoot + "/scripts/python-batch.py", "--serve"])
    }

    /// `python3 SCRIPT ARGUMENTS...`.
    static func run(script: String, _ arguments: [String]) throws -> ProcessResult {
        try run(["script": script, "args": arguments])
    }

    /// `python3 -m MODULE ARGUMENTS...`.
    static func run(module: String, _ arguments: [String]) throws -> ProcessResult {
        try run(["module": module, "args": arguments])
    }

    /// `python3 -c CODE ARGUMENTS...`.
    static func run(code: String, _ arguments: [String]) throws -> ProcessResult {
        try run(["code": code, "args": arguments])
    }

    /// check-jsonschema's own command line.
    static func checkJSONSchema(_ arguments: [String]) throws -> ProcessResult {
        try run(module: "check_jsonschema", arguments)
    }

    private static func run(_ request: [String: Any]) throws -> ProcessResult {
        let answer = try JSONSerialization.jsonObject(with: server.askWaiting(request)) as? [String: Any]
        guard let status = answer?["status"] as? Int, let stdout = answer?["stdout"] as? String, let stderr = answer?["stderr"] as? String
        else { throw LineServer.Failed(description: "python-batch.py: no status in \(answer ?? [:])") }
        return ProcessResult(status: Int32(clamping: status), stdout: stdout, stderr: stderr)
    }
}
