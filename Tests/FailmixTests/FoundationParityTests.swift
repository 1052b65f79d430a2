import Foundation
import Testing
@testable import FailmixEvidence
@testable import FailmixPublish
@testable import FailmixSupport

/// Sources stopped linking Foundation; what replaced each piece of it must
/// answer as Foundation did. The tests (which may link it) ask both.
@Suite struct FoundationParityTests {
    /// One `import Foundation` anywhere in Sources links all of it, and ICU's
    /// data, back into every start.
    @Test func sourcesImportOnlyFoundationEssentials() throws {
        let root = Paths.packageRoot + "/Sources"
        let files = try #require(FileManager.default.enumerator(atPath: root)).compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }
        #expect(files.count > 50)
        let fullFoundation = try Regex(#"(?m)^\s*(@\w+\s+)*import\s+(\w+\s+)?Foundation(\.|\s*$)"#)
        let offenders = try files.filter { try String(contentsOfFile: root + "/" + $0, encoding: .utf8).contains(fullFoundation) }
        #expect(offenders.isEmpty, "import Foundation in \(offenders)")
    }

    @Test func formattedIsStringFormat() {
        let values: [Double] = [0, -0.0, 0.05, 0.15, 0.25, 1.005, 2.5, -3.75, 12.345, 99.95, 100, 1e-7, 123_456.789, 1e300, .infinity, -.infinity]
        for format in ["%.1f%%", "%.0f%%", "%+.1f pp", "%.2f", "%.6f", "%.1f", "median delay at %.2f"] {
            for v in values {
                #expect(formatted(format, v) == String(format: format, v), "\(format) \(v)")
            }
        }
        for n in [0, 7, 59, 3_599, -4, Int(Int32.max) + 1] {
            #expect(formatted("%02ld", n) == String(format: "%02ld", n), "\(n)")
        }
        for scalar: UInt32 in [0, 0x1F, 0x7F, 0xFFFF] {
            #expect(formatted("\\u%04X", scalar) == String(format: "\\u%04X", scalar))
        }
        // Longer than the first buffer: formatted a second time, whole.
        #expect(formatted("%.1f", 1e300).utf8.count == 303)
        #expect(formatted("baseline %.0f%%, alarm %.0f%%", 12.0, 40.0) == "baseline 12%, alarm 40%")
    }

    @Test func jsonValueReadsWhatJSONSerializationReads() throws {
        let documents = [
            #"{"a": 1, "b": [true, false, null], "c": {"d": "x\"y\\z\u00e9\ud83d\ude00"}, "e": -2.5e3, "f": 0.1}"#,
            #"[1, 2.0, 9007199254740992, -0, "", {}]"#,
            #"{"pull_request": {"number": 42, "head": {"sha": "abc", "repo": {"fork": true, "full_name": "x/y"}}}}"#,
            #""just a string""#, "3", "true", "null",
        ]
        for text in documents {
            let ours = try #require(JSONValue(parsing: Array(text.utf8)), "\(text)")
            let theirs = try JSONSerialization.jsonObject(with: Data(text.utf8), options: .fragmentsAllowed)
            // What we write, Foundation reads back as the same document.
            let reread = try JSONSerialization.jsonObject(with: ours.serialized, options: .fragmentsAllowed)
            let canonical = { (object: Any) in try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .fragmentsAllowed]) }
            #expect(try canonical(reread) == canonical(theirs), "\(text) -> \(ours.text)")
        }
        // (FoundationEssentials' decoder takes a trailing comma, "[1,]", as JSON5 does.)
        for bad in ["", "{", "{\"a\" 1}", "nul", "\u{FF}"] {
            #expect(JSONValue(parsing: Array(bad.utf8)) == nil, "\(bad)")
        }
        let event = try #require(JSONValue(parsing: Array(documents[2].utf8)))
        #expect(event["pull_request"]?["number"]?.int == 42)
        #expect(event["pull_request"]?["head"]?["repo"]?["fork"]?.bool == true)
        #expect(event["pull_request"]?["missing"] == nil && event["pull_request"]?["number"]?["x"] == nil)
        #expect(JSONValue.number(2.5).int == nil && JSONValue.number(1e300).int == nil)
        // Object keys come out sorted, integral numbers without a fraction.
        #expect(JSONValue.object(["b": 1, "a": .number(0.5), "c": ["x/y"]]).text == #"{"a":0.5,"b":1,"c":["x/y"]}"#)
    }

    /// GitLab's project path and SARIF's artifact URIs: RFC 3986's
    /// unreserved bytes kept (and `/` for a path), as Foundation encodes.
    @Test func percentEncodingIsFoundations() {
        let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        for text in ["group/proj", "my group/sub-proj_1.x~y", "src/ä b%20c.swift", "a?b#c&d=e", "\u{1F600}/\u{0}", ""] {
            #expect(percentEncoded(text, keepingSlashes: false) == text.addingPercentEncoding(withAllowedCharacters: unreserved), "\(text)")
            let path = unreserved.union(CharacterSet(charactersIn: "/"))
            #expect(percentEncoded(text, keepingSlashes: true) == text.addingPercentEncoding(withAllowedCharacters: path), "\(text)")
        }
        #expect(percentEncoded("group/proj", keepingSlashes: false) == "group%2Fproj")
    }

    @Test func httpDateIsDateFormatters() {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        for seconds in [0.0, 784_111_777, 951_782_400, 1_700_000_000, 4_102_444_799] {
            let text = formatter.string(from: Date(timeIntervalSince1970: seconds))
            #expect(HTTPClient.httpDate(text) == seconds, "\(text)")
        }
        for bad in ["Sun, 06 Nov 1994 08:49:37", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun, 32 Nov 1994 08:49:37 GMT",
                    "Sun, 06 Nov 1994 24:00:00 GMT", "Sun, 06 Foo 1994 08:49:37 GMT", "", "120"] {
            #expect(HTTPClient.httpDate(bad) == nil, "\(bad)")
        }
        let inTwoMinutes = formatter.string(from: Date(timeIntervalSinceNow: 120))
        let wait = HTTPClient.retryAfterSeconds(" \(inTwoMinutes) ")
        #expect(wait.map { (115...121).contains($0) } == true, "\(String(describing: wait))")
        #expect(HTTPClient.retryAfterSeconds("Sun, 06 Nov 1994 08:49:37 GMT") == 0)
        #expect(HTTPClient.retryAfterSeconds("7") == 7)
    }

    /// `[git] subject_patterns`: the same patterns are refused, and the same
    /// session id is captured from each subject, as with NSRegularExpression.
    @Test func subjectPatternsAreICUs() throws {
        let patterns = [
            #"session ([0-9a-f-]{8,})"#, #"(?i)^\[(\w+)\]"#, #"\bsid=(\S+)"#, #"(?<=run )(\d+)"#, #"(?:x|y)(z+)"#,
            #"^(.+?):"#, #"\(([^)]+)\)$"#, "no group", "(?:only non-capturing)", "(", "[", "a{2,1}", "*x", #"(\d+"#,
        ]
        for pattern in patterns {
            let icu: String?
            if let regex = try? NSRegularExpression(pattern: pattern) {
                icu = regex.numberOfCaptureGroups >= 1 ? nil : "needs a capture group around the session id"
            } else {
                icu = "is not a valid regular expression"
            }
            #expect(SubjectMatcher.problem(with: pattern) == icu, "\(pattern)")
        }
        let subjects = ["session 1234abcd-ef: fix", "[ABC123] tidy", "chore: sid=xyz-9 done", "after run 4711 again",
                        "xzzz and yz", "feat: thing: more", "merge (topic-7)", "ümlaut session deadbeef00 ok", "nothing here"]
        for pattern in patterns where SubjectMatcher.problem(with: pattern) == nil {
            let icu = try NSRegularExpression(pattern: pattern)
            let ours = try #require(SubjectRegex(pattern))
            for subject in subjects {
                let theirs = icu.matches(in: subject, range: NSRange(subject.startIndex..., in: subject)).compactMap {
                    Range($0.range(at: 1), in: subject).map { String(subject[$0]) }
                }
                #expect(ours.firstGroups(in: subject).compactMap { $0.map(String.init) } == theirs, "\(pattern) on \(subject)")
            }
        }
    }

    /// A pattern that backtracks exponentially gives up at PCRE2's match
    /// limit (no session named) instead of holding the walk; the next subject
    /// is matched as usual.
    @Test func backtrackingStopsAtTheMatchLimit() throws {
        let regex = try #require(SubjectRegex(#"^(a+)+$"#))
        #expect(regex.firstGroups(in: String(repeating: "a", count: 40) + "b").isEmpty)
        #expect(regex.firstGroups(in: "aaa") == ["aaa"])
        #expect(try #require(SubjectRegex("(x)?y")).firstGroups(in: "y xy") == [nil, "x"])
        #expect(try #require(SubjectRegex("(a*)")).firstGroups(in: "b\u{e9}a") == ["", "", "a", ""])
    }

    @Test func detachedThreadRunsAndSleepWaits() {
        let done = DispatchSemaphore(value: 0)
        let started = ContinuousClock.now
        #expect(Threads.detach {
            Threads.sleep(seconds: 0.05)
            done.signal()
        })
        #expect(done.wait(timeout: .now() + 10) == .success)
        #expect(ContinuousClock.now - started >= .milliseconds(50))
        Threads.sleep(seconds: -1)
        Threads.sleep(seconds: .nan)
    }
}
