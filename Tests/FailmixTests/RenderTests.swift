import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import FailmixKit

/// Every output format against hostile text from records and commits.
@Suite struct RenderTests {
    static let injections = [
        "\n::error::pwned", "::add-mask::secret", "%0A::error::x", "::stop-commands::abc", "| broken | table |",
        "<img src=x onerror=alert(1)>", "**bold** [link](http://evil)", "line1\r\nline2", "@octocat please merge",
        "x\u{1B}[2Jclear", "](javascript:alert(1))",
    ]

    func report() throws -> Report {
        let dir = TempDir()
        let lines = Self.injections.enumerated().map { i, text in
            let id = String(data: try! JSONSerialization.data(withJSONObject: [text]), encoding: .utf8)!.dropFirst().dropLast()
            return #"{"session_id": \#(id), "timestamp": "2026-01-01T0\#(i % 10):00:00Z", "outcome": "noop", "loop_status": "open"}"#
        }
        let path = dir.write("r.jsonl", lines.joined(separator: "\n") + "\n")
        let (set, catalog) = try readRecords([path])
        var report = Report(version: "t", records: set,
                            mix: FailureMix(catalog: catalog, sessions: set.sessions.map { ModeSet(bits: $0.modeBits) }, sizes: [100, 30]))
        report.decision = .fail
        report.findings = Self.injections.enumerated().map { i, text in
            Finding(level: i % 3 == 0 ? .failure : i % 3 == 1 ? .warning : .notice, rule: "pr.abandoned_loop",
                    title: "Abandoned loop \(text)", message: "session \(text) commit subject \(text)",
                    sessionID: text, commit: "abc123", path: "state/sessions/session-records.jsonl", line: i + 1)
        }
        return report
    }

    @Test func githubCommandsCannotBeInjected() throws {
        let r = try report()
        let out = GitHubReporter.render(r, options: RenderOptions(randomToken: "T0KEN"))
        let lines = out.split(separator: "\n", omittingEmptySubsequences: false)
        var stopped = false
        var commands = 0
        for line in lines {
            if stopped {
                if line == "::T0KEN::" { stopped = false }
                continue
            }
            if line == "::stop-commands::T0KEN" { stopped = true; continue }
            guard line.hasPrefix("::") else { continue }
            commands += 1
            // Outside the stopped block only our own annotations appear.
            #expect(line.hasPrefix("::error ") || line.hasPrefix("::warning ") || line.hasPrefix("::notice "), "\(line)")
            // GitHub reads `::NAME PROPERTIES::MESSAGE` from the start of a line;
            // the properties must hold no raw separators, the message is data.
            let afterName = line.drop { $0 != " " }.dropFirst()
            let properties = afterName.components(separatedBy: "::")[0]
            for property in properties.split(separator: ",") {
                #expect(property.split(separator: "=", maxSplits: 1).count == 2)
                #expect(!property.contains(":"), "\(property)")
            }
        }
        #expect(!stopped)
        #expect(commands == Self.injections.count)
        // The report text (with raw session ids) sits inside the stopped block only.
        #expect(out.contains("::stop-commands::T0KEN\n"))
        #expect(GitHubReporter.escapeData("a%b\r\nc") == "a%25b%0D%0Ac")
        #expect(GitHubReporter.escapeProperty("x:y,z\n") == "x%3Ay%2Cz%0A")
    }

    @Test func atMostTenAnnotationsPerLevel() throws {
        var r = try report()
        r.findings = (0..<25).map { Finding(level: .failure, rule: "r\($0)", title: "t", message: "m") }
        let out = GitHubReporter.render(r, options: RenderOptions(randomToken: "T"))
        #expect(out.components(separatedBy: "\n").filter { $0.hasPrefix("::error ") }.count == 10)
        #expect(out.contains("15 more findings"))
    }

    @Test func markdownTablesStayIntact() throws {
        let out = MarkdownReporter.render(try report())
        #expect(out.hasPrefix("## Session Reliability Report"))  // the sticky-comment marker is the publisher's (PublisherTests)
        let rows = out.split(separator: "\n").filter { $0.hasPrefix("| failure") || $0.hasPrefix("| warning") || $0.hasPrefix("| notice") }
        #expect(rows.count == Self.injections.count)
        for row in rows {
            let unescapedPipes = row.replacingOccurrences(of: "\\|", with: "").filter { $0 == "|" }.count
            #expect(unescapedPipes == 7, "\(row)")
        }
        #expect(!out.contains("<img") && !out.contains("@octocat"))
    }

    @Test func jsonStaysValid() throws {
        let out = JSONReporter.render(try report())
        let doc = try jsonObject(out)
        let ids = (doc["sessions"] as! [[String: Any]]).map { $0["session_id"] as! String }
        #expect(Set(ids) == Set(Self.injections))
    }

    @Test func sarifHasTheRequiredFields() throws {
        let doc = try jsonObject(SARIFReporter.render(try report()))
        #expect(doc["version"] as? String == "2.1.0")
        let runs = doc["runs"] as! [[String: Any]]
        #expect(runs.count == 1)
        let driver = (runs[0]["tool"] as! [String: Any])["driver"] as! [String: Any]
        #expect(driver["name"] as? String == "failmix")
        let rules = driver["rules"] as! [[String: Any]]
        #expect(rules.allSatisfy { $0["id"] is String })
        let results = runs[0]["results"] as! [[String: Any]]
        #expect(!results.isEmpty)
        for result in results {
            #expect((result["message"] as? [String: Any])?["text"] is String)
            let id = result["ruleId"] as! String
            let index = result["ruleIndex"] as! Int
            #expect(rules[index]["id"] as? String == id)
            #expect(["error", "warning", "note", "none"].contains(result["level"] as! String))
            if let locations = result["locations"] as? [[String: Any]] {
                let physical = locations[0]["physicalLocation"] as! [String: Any]
                #expect((physical["artifactLocation"] as? [String: Any])?["uri"] is String)
                #expect(((physical["region"] as? [String: Any])?["startLine"] as? Int ?? 1) >= 1)
            }
        }
    }

    @Test func codeQualityAndJUnit() throws {
        let r = try report()
        let issues = try JSONSerialization.jsonObject(with: Data(CodeQualityReporter.render(r).utf8)) as! [[String: Any]]
        #expect(issues.count == Self.injections.count)
        for issue in issues {
            for key in ["description", "check_name", "fingerprint", "severity"] { #expect(issue[key] is String) }
            let location = issue["location"] as! [String: Any]
            #expect(location["path"] as? String == "state/sessions/session-records.jsonl")
            #expect((location["lines"] as? [String: Any])?["begin"] is Int)
        }
        #expect(Set(issues.map { $0["fingerprint"] as! String }).count == issues.count)
        let xml = JUnitReporter.render(r)
        let parser = XMLParser(data: Data(xml.utf8))
        #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
        #expect(xml.contains("<failure"))
    }

    @Test func prometheusParsesStrictly() throws {
        let text = PrometheusReporter.render(try report())
        try PrometheusParser.validate(text)
        #expect(text.contains("failmix_gate_decision{decision=\"fail\"} 1"))
        #expect(text.contains("failmix_mode_ratio{mode=\"noop\",window=\"30\",basis=\"recorded\"}"))
        #expect(PrometheusReporter.escapeLabel("a\"b\\c\nd") == "a\\\"b\\\\c\\nd")
    }
}

/// A strict parser of the Prometheus text exposition format (0.0.4): every
/// line is a comment (HELP/TYPE), blank, or a sample whose metric and label
/// names are valid, label values properly escaped, value a float; every
/// family has a TYPE before its first sample and no family appears twice.
enum PrometheusParser {
    struct Failure: Error, CustomStringConvertible { var description: String }

    static func validate(_ text: String) throws {
        var typed = Set<String>()
        var seenFamilies: [String] = []
        let name = try Regex(#"^[a-zA-Z_:][a-zA-Z0-9_:]*$"#)
        let label = try Regex(#"^[a-zA-Z_][a-zA-Z0-9_]*$"#)
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = String(raw)
            if line.isEmpty { continue }
            if line.hasPrefix("#") {
                let parts = line.split(separator: " ", maxSplits: 3).map(String.init)
                guard parts.count >= 3, ["HELP", "TYPE"].contains(parts[1]), parts[2].wholeMatch(of: name) != nil else {
                    throw Failure(description: "line \(n + 1): bad comment")
                }
                if parts[1] == "TYPE" {
                    guard parts.count == 4, ["counter", "gauge", "histogram", "summary", "untyped"].contains(parts[3]) else {
                        throw Failure(description: "line \(n + 1): bad TYPE")
                    }
                    guard !seenFamilies.contains(parts[2]) else { throw Failure(description: "line \(n + 1): family twice") }
                    seenFamilies.append(parts[2])
                    typed.insert(parts[2])
                }
                continue
            }
            var i = line.startIndex
            while i < line.endIndex, line[i] != "{", line[i] != " " { i = line.index(after: i) }
            let metric = String(line[..<i])
            guard metric.wholeMatch(of: name) != nil, typed.contains(metric) else {
                throw Failure(description: "line \(n + 1): bad or untyped metric '\(metric)'")
            }
            if i < line.endIndex, line[i] == "{" {
                i = line.index(after: i)
                while line[i] != "}" {
                    var j = i
                    while line[j] != "=" { j = line.index(after: j) }
                    guard String(line[i..<j]).wholeMatch(of: label) != nil else { throw Failure(description: "line \(n + 1): label name") }
                    j = line.index(after: j)
                    guard line[j] == "\"" else { throw Failure(description: "line \(n + 1): label value not quoted") }
                    j = line.index(after: j)
                    while line[j] != "\"" {
                        if line[j] == "\\" {
                            j = line.index(after: j)
                            guard "\\\"n".contains(line[j]) else { throw Failure(description: "line \(n + 1): bad escape") }
                        } else if line[j] == "\n" {
                            throw Failure(description: "line \(n + 1): raw newline")
                        }
                        j = line.index(after: j)
                    }
                    j = line.index(after: j)
                    if line[j] == "," { j = line.index(after: j) }
                    i = j
                }
                i = line.index(after: i)
            }
            let rest = line[i...].split(separator: " ")
            guard rest.count == 1 || rest.count == 2, Double(rest[0]) != nil || ["NaN", "+Inf", "-Inf"].contains(rest[0]) else {
                throw Failure(description: "line \(n + 1): bad value")
            }
        }
    }
}
