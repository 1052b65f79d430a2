import Foundation
import Testing
@testable import FailmixKit

/// The HTML report in a real browser: headless Chromium with the network
/// off, driven over the DevTools protocol by scripts/browser-check.py (one
/// browser for the run, see BrowserSession). The browser mostly waits
/// (launch, page loads, settling): its tests are async so that waiting
/// happens off the cooperative pool.
@Suite struct DashboardBrowserTests {
    struct Loaded {
        var pages: [[String: Any]]
        func page(_ suffix: String, scripts: Bool) -> [String: Any] {
            pages.first { ($0["file"] as! String).hasSuffix(suffix) && ($0["scripts_enabled"] as! Bool) == scripts }!
        }
    }

    /// Each file with scripts, those in `withoutScripts` also without (a
    /// page costs the browser ~0.3 s of CPU: only those checked are loaded);
    /// screenshots of `photographed`.
    func load(_ files: [String], photographed: [String], withoutScripts: [String]) async throws -> Loaded {
        let answer = try await BrowserSession.shared.load(files, screenshots: photographed, withoutScripts: withoutScripts)
        let object = try JSONSerialization.jsonObject(with: answer) as! [String: Any]
        return Loaded(pages: object["pages"] as! [[String: Any]])
    }

    /// The browser starts while a test makes its pages (see BrowserSession).
    init() {
        BrowserSession.shared.warm()
    }

    /// The fixture agent: records and a repository (../shared's make-fixture),
    /// a policy strict enough to pause it, and a journal with a pause, a
    /// resume and an ack, so every section has something to show.
    func workspace(_ dir: TempDir) throws -> (records: String, args: [String]) {
        let fx = dir.file("fx")
        try SharedFixture.copy(["--sessions", "400", "--seed", "5"], to: fx)
        let policy = dir.write("policy.toml", """
            [[rules]]
            name = "noop-rate"
            mode = "noop"
            window = 30
            warn = 0.05
            fail = 0.10

            [[rules]]
            name = "ci-breaks"
            mode = "ci_break"
            window = 30
            warn_count = 2
            fail_count = 4

            """)
        let records = fx + "/session-records.jsonl"
        let args = ["--records", records, "--repo", fx + "/repo", "--agent-author", "bob@agents.example.org", "--config", policy]
        #expect(try failmix(["gate"] + args).status == 1)
        #expect(try failmix(["resume", "--probe", "1", "--records", records, "--repo", fx + "/repo", "--config", policy]).status == 0)
        #expect(try failmix(["ack", "ci-breaks", "--sessions", "20", "--reason", "flaky <b>runner</b>", "--records", records,
                             "--repo", fx + "/repo", "--config", policy]).status == 0)
        return (records, args)
    }

    @Test(.enabled(if: chromiumPath != nil && Paths.shared != nil, "needs chromium and ../shared"))
    func plottedPointsEqualTheJSONReportsRatesWithNoRequestOrError() async throws {
        let dir = TempDir("dash")
        let (_, args) = try workspace(dir)
        let html = dir.file("mix.html"), json = dir.file("mix.json")
        #expect(try failmix(["report", "--format", "html", "--output", html] + args).status == 0)
        #expect(try failmix(["report", "--format", "json", "--output", json, "--last", "0", "--last", "100", "--last", "30"] + args).status == 0)
        // A page that does request and log: the harness must see both, or it proves nothing.
        let bad = dir.write("control.html", #"<!DOCTYPE html><title>control</title><img src="http://example.invalid/x.png"><script>console.error("boom")</script>"#)
        let loaded = try await load([bad, html], photographed: [html], withoutScripts: [html])

        let control = loaded.page("control.html", scripts: true)
        #expect((control["requests"] as! [String]).contains("http://example.invalid/x.png"))
        #expect((control["errors"] as! [String]).contains { $0.contains("boom") })

        let report = try jsonObject(String(contentsOfFile: json, encoding: .utf8))
        let sessions = report["sessions"] as! [[String: Any]]
        #expect(sessions.count == 400)
        let windows = report["windows"] as! [[String: Any]]
        for scripts in [true, false] {
            let page = loaded.page("mix.html", scripts: scripts)
            #expect(page["requests"] as! [String] == [], "requests: \(page["requests"]!)")
            #expect(page["errors"] as! [String] == [], "errors: \(page["errors"]!)")
            let dom = page["dom"] as! [String: Any]
            #expect(dom["images"] as! Int == 0)
            #expect(dom["scripts"] as! Int == 1)
            #expect(dom["headers"] as! Bool)
            let tables = dom["tables"] as! [[String: Any]]
            #expect(tables.count == 1)
            #expect(tables[0]["rows"] as! Int == HTMLReporter.tableRows)
            // Without scripts every row shows and the filter (which needs them) does not.
            #expect(tables[0]["visible"] as! Int == HTMLReporter.tableRows)
            #expect(tables[0]["filter_shown"] as! Bool == scripts)
            #expect(dom["timeline_events"] as! Int == 3)
            let verdict = dom["verdict"] as! String
            #expect(verdict.lowercased().contains("paused") && verdict.contains("noop-rate"), "\(verdict)")
            #expect(verdict.contains("flaky <b>runner</b>"), "the ack's reason is shown as text: \(verdict)")
        }
        let dom = loaded.page("mix.html", scripts: true)["dom"] as! [String: Any]
        let charts = dom["charts"] as! [[String: Any]]
        let modes = (report["modes"] as! [[String: Any]]).map { $0["name"] as! String }
        #expect(charts.map { $0["mode"] as! String } == ["any"] + modes)
        // Thousands of points: the differences are gathered, then expected once
        // (an #expect per point cost seconds of the suite's CPU).
        var compared = 0
        var wrong: [String] = []
        for chart in charts {
            let mode = chart["mode"] as! String
            #expect(chart["rendered"] as! Bool && chart["labelled"] as! Bool)
            #expect(!(chart["title"] as! String).isEmpty && !(chart["desc"] as! String).isEmpty)
            #expect(chart["sessions"] as! Int == 400)
            let indices = chart["indices"] as! [Int]
            let frame = chart["frame"] as! [Double]  // left right top bottom width height
            let yMax = chart["ymax"] as! Double
            let lines = chart["lines"] as! [[String: Any]]
            #expect(lines.count == 4, "100 and 30, recorded and corroborated")
            for line in lines {
                let window = line["window"] as! Int, basis = line["basis"] as! String
                let rates = line["rates"] as! [Double]
                let points = line["points"] as! [[Double]]
                #expect(rates.count == indices.count && points.count == indices.count)
                let key = basis == "corroborated" ? "corroborated_modes" : "modes"
                let hit = sessions.map { s -> Bool in
                    let m = s[key] as! [String]
                    return mode == "any" ? !m.isEmpty : m.contains(mode)
                }
                for (k, i) in indices.enumerated() {
                    let from = max(0, i - window + 1)
                    let expected = Double(hit[from...i].filter { $0 }.count) / Double(i - from + 1)
                    if abs(rates[k] - expected) >= 1e-6 { wrong.append("\(mode) \(window) \(basis) at \(i): \(rates[k]) vs \(expected)") }
                    // The point drawn is where that rate belongs.
                    let x = frame[0] + Double(i) / 399 * (frame[4] - frame[0] - frame[1])
                    let y = frame[2] + (1 - min(expected, yMax) / yMax) * (frame[5] - frame[2] - frame[3])
                    if !(abs(points[k][0] - x) < 0.06 && abs(points[k][1] - y) < 0.06) {
                        wrong.append("\(mode) \(window) \(basis) at \(i): point \(points[k]) vs \([x, y])")
                    }
                    compared += 1
                }
                // The newest point is the JSON report's window rate.
                let summary = windows.first { $0["last"] as! Int == window }!
                let source = basis == "corroborated" ? summary["corroborated"] as! [String: Any] : summary
                let jsonRate = mode == "any" ? source["failed_rate"] as! Double
                    : ((source["modes"] as! [String: Any])[mode] as! [String: Any])["rate"] as! Double
                #expect(abs(rates.last! - jsonRate) < 1e-6, "\(mode) \(window) \(basis): \(rates.last!) vs JSON \(jsonRate)")
            }
            if mode == "noop" { #expect(Set(chart["thresholds"] as! [Double]) == [0.05, 0.10]) }
            if mode == "ci_break" { #expect(Set(chart["thresholds"] as! [Double]).count == 2) }
        }
        #expect(wrong.isEmpty, "\(wrong.count) wrong points, e.g. \(wrong.prefix(10))")
        #expect(compared >= 8 * 4 * 400)
        // The attribution mix: each method's share of the last 100 sessions' commits, as the JSON report lists them.
        let attribution = dom["attribution"] as! [[String: Any]]
        #expect(attribution.count == 1)
        let mix = attribution[0]
        #expect(mix["rendered"] as! Bool && mix["window"] as! Int == 100)
        var checkedCommits = 0
        // Each session's commits by method, read out of the JSON once.
        let sessionMethods = sessions.map { s -> [String: Int] in
            var byMethod: [String: Int] = [:]
            for kind in (s["attribution"] as! [String: String]).values { byMethod[kind, default: 0] += 1 }
            byMethod["ambiguous", default: 0] += (s["ambiguous_commits"] as! [String]).count
            return byMethod
        }
        let mixCommits = mix["commits"] as! [Int]
        let mixLines = (mix["lines"] as! [[String: Any]]).map { (method: $0["method"] as! String, rates: $0["rates"] as! [Double]) }
        wrong = []
        for (k, i) in (mix["indices"] as! [Int]).enumerated() {
            var byMethod: [String: Int] = [:]
            for counts in sessionMethods[max(0, i - 99)...i] { byMethod.merge(counts, uniquingKeysWith: +) }
            let total = byMethod.values.reduce(0, +)
            if mixCommits[k] != total { wrong.append("commits at \(i): \(mixCommits[k]) vs \(total)") }
            checkedCommits += total
            for line in mixLines {
                let expected = total == 0 ? 0 : Double(byMethod[line.method] ?? 0) / Double(total)
                if abs(line.rates[k] - expected) >= 1e-6 { wrong.append("\(line.method) at \(i): \(line.rates[k]) vs \(expected)") }
            }
        }
        #expect(wrong.isEmpty, "\(wrong.count) wrong attribution points, e.g. \(wrong.prefix(10))")
        #expect(checkedCommits > 0, "the fixture's sessions have commits")
        // The per-window mix table: trailer coverage as the JSON report computes it (windows 100 and 30).
        let page = try String(contentsOfFile: html, encoding: .utf8)
        let cells = try [100, 30].map { last -> String in
            let summary = windows.first { ($0["last"] as! Int) == last }!
            let attribution = try #require(summary["attribution"] as? [String: Any])
            let coverage = try #require(attribution["trailer_coverage"] as? Double)
            return "<td>\(String(format: "%.1f%%", coverage * 100)) of \(attribution["agent_commits"] as! Int)</td>"
        }
        #expect(page.contains("<tr><th scope=\"row\">trailer coverage</th>" + cells.joined() + "</tr>"), "\(cells)")
        // Filtering by mode shows exactly the rows with it.
        let filter = loaded.page("mix.html", scripts: true)["filter"] as! [[String: Any]]
        #expect(filter.count == modes.count)
        for f in filter { #expect(f["visible"] as! Int == f["expected"] as! Int, "\(f)") }
        #expect(filter.contains { ($0["visible"] as! Int) > 0 && ($0["visible"] as! Int) < HTMLReporter.tableRows })
        let shots = loaded.page("mix.html", scripts: true)["screenshots"] as! [String]
        for shot in shots {
            let size = (try FileManager.default.attributesOfItem(atPath: shot)[.size] as? Int) ?? 0
            #expect(size > 20_000, "\(shot) is \(size) bytes")
        }
    }

    @Test(.enabled(if: chromiumPath != nil, "needs chromium"))
    func hostileRecordsStayText() async throws {
        let dir = TempDir("dash-hostile")
        let lines = RenderTests.injections.enumerated().map { i, text in
            let id = String(data: try! JSONSerialization.data(withJSONObject: [text + "</code></td><script>alert(1)</script>"]), encoding: .utf8)!.dropFirst().dropLast()
            return #"{"session_id": \#(id), "timestamp": "2026-01-01T0\#(i % 10):00:00Z", "outcome": "noop", "loop_status": "open"}"#
        }
        let path = dir.write("r.jsonl", lines.joined(separator: "\n") + "\n")
        let html = dir.file("hostile.html")
        #expect(try failmix(["report", "--records", path, "--no-git", "--format", "html", "--output", html]).status == 0)
        let loaded = try await load([html], photographed: [], withoutScripts: [html])
        for scripts in [true, false] {
            let page = loaded.page("hostile.html", scripts: scripts)
            #expect(page["requests"] as! [String] == [])
            #expect(page["errors"] as! [String] == [])
            let dom = page["dom"] as! [String: Any]
            #expect(dom["scripts"] as! Int == 1)
            #expect(dom["images"] as! Int == 0)
            #expect(dom["iframes"] as! Int == 0)
            let tables = dom["tables"] as! [[String: Any]]
            #expect(tables[0]["rows"] as! Int == RenderTests.injections.count)
        }
    }

    @Test(.enabled(if: chromiumPath != nil && Paths.shared != nil, "needs chromium and ../shared"))
    func fleetRowsOfSmallChartsMatchEachAgent() async throws {
        let dir = TempDir("dash-fleet")
        let agents = try FleetTests.agents(dir)
        let args = ["--agent-author", "bob@agents.example.org"] + agents.flatMap { ["--agent", "\($0.name)=\($0.records):\($0.repo)"] }
        // The gate pauses one agent (4 corroborated CI breaks in its last 30): its event joins the fleet's timeline.
        let a3 = agents[0]
        #expect(try failmix(["gate", "--agent", "\(a3.name)=\(a3.records):\(a3.repo)", "--agent-author", "bob@agents.example.org"]).status == 1)
        let html = dir.file("fleet.html")
        #expect(try failmix(["report", "--format", "html", "--output", html] + args).status == 0)
        let json = try failmix(["report", "--format", "json"] + args)
        let listed = try jsonObject(json.stdout)["agents"] as! [[String: Any]]
        let loaded = try await load([html], photographed: [html], withoutScripts: [])
        let page = loaded.page("fleet.html", scripts: true)
        #expect(page["requests"] as! [String] == [] && page["errors"] as! [String] == [], "\(page["requests"]!) \(page["errors"]!)")
        let dom = page["dom"] as! [String: Any]
        // One sessions table for the fleet: the newest sessions of every agent, with an agent column.
        let tables = dom["tables"] as! [[String: Any]]
        #expect(tables.count == 1 && tables[0]["rows"] as! Int == HTMLReporter.tableRows)
        #expect(dom["timeline_events"] as! Int == 1)
        let rows = dom["sparks"] as! [[String: Any]]
        #expect(rows.map { $0["agent"] as! String } == agents.map(\.name))
        for (row, entry) in zip(rows, listed) {
            let report = entry["report"] as! [String: Any]
            let modes = (report["modes"] as! [[String: Any]]).map { $0["name"] as! String }
            let window30 = (report["windows"] as! [[String: Any]]).first { $0["last"] as! Int == 30 }!
            let corroborated = window30["corroborated"] as! [String: Any]
            let charts = row["charts"] as! [[String: Any]]
            #expect(charts.count == modes.count + 1)
            #expect(abs((row["seconds_since"] as! Double) - (entry["seconds_since_newest"] as! Double)) < 60)
            for (k, chart) in charts.enumerated() {
                #expect(chart["rendered"] as! Bool)
                #expect(chart["sessions"] as! Int == (report["records"] as! [String: Any])["sessions"] as! Int)
                let line = (chart["lines"] as! [[String: Any]])[0]
                #expect(line["window"] as! Int == 30 && line["basis"] as! String == "corroborated")
                let expected = k == 0 ? corroborated["failed_rate"] as! Double
                    : ((corroborated["modes"] as! [String: Any])[modes[k - 1]] as! [String: Any])["rate"] as! Double
                #expect(abs((line["rates"] as! [Double]).last! - expected) < 1e-6, "\(row["agent"]!) \(k)")
                #expect((chart["indices"] as! [Int]).count <= Pipeline.fleetSeriesPoints)
            }
        }
    }
}

