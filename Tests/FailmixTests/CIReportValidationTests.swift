import Foundation
import Testing
@testable import FailmixKit

/// failmix's CI reports against what their consumers accept: SARIF against
/// the OASIS 2.1.0 schema (python jsonschema) and GitHub code scanning's
/// rules, JUnit against Jenkins xUnit's junit-10.xsd (xmllint), Code Quality
/// against GitLab's fields (check-jsonschema). The schemas are in ../shared.
@Suite struct CIReportValidationTests {
    static let enabled = Paths.shared != nil
        && ExternalTools.available(["python3", "xmllint", "check-jsonschema"], python: ["jsonschema", "check_jsonschema"])

    /// The pull-request workspace of the CI tests plus a commit no session
    /// claims (made days after every session).
    func workspace() throws -> (Workspace, base: String, head: String) {
        let (ws, base, _) = try CICheckCommandTests().workspace()
        ws.dir.write("repo/other.txt", "by hand\n")
        _ = try ws.git(["add", "other.txt"])
        _ = try ws.git(["commit", "-q", "-m", "a human's fix"], date: "2026-03-09T12:00:00Z")
        let head = try ws.git(["rev-parse", "HEAD"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        return (ws, base, head)
    }

    func reports(_ ws: Workspace, base: String, head: String, into name: String) throws -> (sarif: String, junit: String, codequality: String) {
        let out = (sarif: ws.dir.file("\(name).sarif"), junit: ws.dir.file("\(name).xml"), codequality: ws.dir.file("\(name).cq.json"))
        var env = ProcessInfo.processInfo.environment
        env["GITHUB_ACTIONS"] = nil
        env["GITLAB_CI"] = nil
        // The records named by their absolute path: results must still be repository-relative.
        let r = try failmix(["ci", "--provider", "plain", "--range", "\(base)..\(head)", "--records", ws.records,
                             "--format", "text", "--output", "sarif=\(out.sarif)", "--output", "junit=\(out.junit)",
                             "--output", "codequality=\(out.codequality)"], cwd: ws.repo, environment: env)
        #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
        return out
    }

    @Test(.enabled(if: enabled)) func sarifIsValidAndWhatCodeScanningTakes() throws {
        guard ExternalTools.require(["python3"], python: ["jsonschema"]), let shared = Paths.shared else { return }
        let (ws, base, head) = try workspace()
        let first = try reports(ws, base: base, head: head, into: "one")
        let schema = "\(shared)/schemas/sarif-schema-2.1.0.json"
        // Every file against the schema in one Python process: the first five
        // errors of each, as a JSON object by file.
        let validate = """
            import json, sys, jsonschema
            schema = json.load(open(sys.argv[1]))
            validator = jsonschema.validators.validator_for(schema)(schema)
            found = {}
            for path in sys.argv[2:]:
                errors = sorted(validator.iter_errors(json.load(open(path))), key=lambda e: list(e.path))
                found[path] = ["%s %s" % (list(e.path), e.message) for e in errors[:5]]
            print(json.dumps(found))
            """
        // The validator is real: a result without a message is rejected.
        let broken = ws.dir.write("broken.sarif", #"{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"ruleId": "r"}]}]}"#)
        let v = try PythonBatch.run(code: validate, [schema, first.sarif, broken])
        try #require(v.status == 0, "\(v.stderr)")
        let errors = try #require(try JSONSerialization.jsonObject(with: Data(v.stdout.utf8)) as? [String: [String]])
        #expect(errors[first.sarif] == [], "SARIF schema: \(errors[first.sarif] ?? ["not checked"])")
        #expect(errors[broken]?.isEmpty == false, "the broken SARIF passed")

        let sarif = try jsonObject(String(contentsOfFile: first.sarif, encoding: .utf8))
        let run = (sarif["runs"] as! [[String: Any]])[0]
        let rules = ((run["tool"] as! [String: Any])["driver"] as! [String: Any])["rules"] as! [[String: Any]]
        for rule in rules {
            for key in ["shortDescription", "fullDescription"] {
                let text = (rule[key] as? [String: Any])?["text"] as? String
                #expect(text?.isEmpty == false, "\(rule["id"]!) \(key)")
            }
            let help = rule["help"] as? [String: Any]
            #expect(!(help?["text"] as? String ?? "").isEmpty && !(help?["markdown"] as? String ?? "").isEmpty, "\(rule["id"]!) help")
        }
        let results = run["results"] as! [[String: Any]]
        #expect(results.contains { $0["ruleId"] as? String == "pr.unclaimed" })
        #expect(results.contains { $0["ruleId"] as? String == "pr.abandoned_loop" })
        #expect(results.contains { ($0["ruleId"] as? String ?? "").hasPrefix("mode/") })
        for result in results {
            let id = result["ruleId"] as? String ?? "?"
            let index = result["ruleIndex"] as? Int ?? -1
            #expect(index >= 0 && index < rules.count && rules[index]["id"] as? String == id, "\(id) ruleIndex")
            let location = ((result["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])
            let artifact = location?["artifactLocation"] as? [String: Any]
            let uri = artifact?["uri"] as? String ?? ""
            #expect(artifact?["uriBaseId"] as? String == "%SRCROOT%", "\(id): \(result)")
            #expect(!uri.isEmpty && !uri.hasPrefix("/") && !uri.contains(":") && !uri.hasPrefix(".."), "\(id): uri \(uri)")
            // A file of the analysed commit (the records are not committed yet: anchored).
            #expect(try ws.git(["cat-file", "-e", "HEAD:\(uri.removingPercentEncoding ?? uri)"], expectFailure: true).status == 0,
                    "\(id): \(uri) is not a file of the commit")
            #expect(((location?["region"] as? [String: Any])?["startLine"] as? Int ?? 0) >= 1)
            let fingerprint = (result["partialFingerprints"] as? [String: String])?[SARIFReporter.fingerprintKey]
            #expect(fingerprint?.isEmpty == false, "\(id)")
        }
        // Once committed, the records file holds the session results, at
        // their lines; fingerprints stay the same although the records grew.
        try (#"{"session_id": "late", "timestamp": "2026-03-01T00:10:00Z", "outcome": "productive"}"# + "\n"
             + String(contentsOfFile: ws.records, encoding: .utf8))
            .write(toFile: ws.records, atomically: true, encoding: .utf8)
        _ = try ws.git(["add", "-f", "state/sessions/session-records.jsonl"])
        _ = try ws.git(["commit", "-q", "-m", "records"], date: "2026-03-09T13:00:00Z")
        let newHead = try ws.git(["rev-parse", "HEAD"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let second = try reports(ws, base: base, head: newHead, into: "two")
        let secondResults = ((try jsonObject(String(contentsOfFile: second.sarif, encoding: .utf8))["runs"] as! [[String: Any]])[0]["results"] as! [[String: Any]])
        let loop = secondResults.first { $0["ruleId"] as? String == "mode/abandoned_loop" }
        let place = ((loop?["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])
        #expect((place?["artifactLocation"] as? [String: Any])?["uri"] as? String == "state/sessions/session-records.jsonl")
        #expect((place?["region"] as? [String: Any])?["startLine"] as? Int == 32, "\(place ?? [:])")
        func fingerprints(_ path: String) throws -> Set<String> {
            let run = (try jsonObject(String(contentsOfFile: path, encoding: .utf8))["runs"] as! [[String: Any]])[0]
            return Set((run["results"] as! [[String: Any]]).compactMap { ($0["partialFingerprints"] as? [String: String])?[SARIFReporter.fingerprintKey] })
        }
        let a = try fingerprints(first.sarif), b = try fingerprints(second.sarif)
        #expect(!a.isEmpty && a.isSubset(of: b), "\(a.subtracting(b))")
    }

    @Test(.enabled(if: enabled)) func junitPassesJenkinsXSDAndCodeQualityGitLabsSchema() throws {
        guard ExternalTools.require(["xmllint", "check-jsonschema"], python: ["check_jsonschema"]), let shared = Paths.shared else { return }
        let (ws, base, head) = try workspace()
        let out = try reports(ws, base: base, head: head, into: "r")
        let x = try runTool("xmllint", ["--noout", "--schema", "\(shared)/schemas/jenkins-xunit-junit-10.xsd", out.junit])
        #expect(x.status == 0, "\(x.stdout)\(x.stderr)")
        let junit = try String(contentsOfFile: out.junit, encoding: .utf8)
        for suite in junit.components(separatedBy: "<testsuite ").dropFirst() {
            let tag = suite.prefix { $0 != ">" }
            for attribute in ["tests=", "failures=", "errors=", "skipped=", "time="] {
                #expect(tag.contains(attribute), "\(attribute) missing in <testsuite\(tag)>")
            }
        }
        // The schema is enforced: the old output (no errors attribute) fails it.
        let old = ws.dir.write("old.xml", junit.replacingOccurrences(of: " errors=\"0\"", with: ""))
        #expect(try runTool("xmllint", ["--noout", "--schema", "\(shared)/schemas/jenkins-xunit-junit-10.xsd", old]).status != 0)
        let schema = "\(shared)/schemas/gitlab-codequality.schema.json"
        let c = try PythonBatch.checkJSONSchema(["--schemafile", schema, out.codequality])
        #expect(c.status == 0, "\(c.stdout)\(c.stderr)")
        // The schema is enforced: an issue without its fingerprint fails it.
        let issues = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out.codequality))) as? [[String: Any]])
        try #require(!issues.isEmpty)
        let unprinted = ws.dir.write("unprinted.cq.json", String(decoding: try JSONSerialization.data(
            withJSONObject: issues.map { $0.filter { $0.key != "fingerprint" } }), as: UTF8.self))
        #expect(try PythonBatch.checkJSONSchema(["--schemafile", schema, unprinted]).status != 0, "an issue without a fingerprint passed")
    }
}
