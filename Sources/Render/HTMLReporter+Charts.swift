import FailmixClassify
import FailmixGate
import FailmixRecords
import FoundationEssentials

/// The plotting area of a chart: session index across, rate up.
struct ChartFrame {
    var width: Double
    var height: Double
    var left: Double
    var right: Double
    var top: Double
    var bottom: Double
    /// Sessions spanned (the x axis runs from the first to the last).
    var sessions: Int
    /// The top of the y axis (a rate).
    var yMax: Double

    func x(_ index: Int) -> Double {
        left + (sessions <= 1 ? 0 : Double(index) / Double(sessions - 1)) * (width - left - right)
    }

    func y(_ rate: Double) -> Double {
        top + (1 - min(max(rate, 0), yMax) / yMax) * (height - top - bottom)
    }

    /// `x,y x,y …` for a polyline.
    func points(_ indices: [Int], _ rates: [Double]) -> String {
        var s = ""
        s.reserveCapacity(indices.count * 12)
        for (i, r) in zip(indices, rates) {
            if !s.isEmpty { s += " " }
            s += fixed(x(i), 1) + "," + fixed(y(r), 1)
        }
        return s
    }

    /// The axis top: the highest value shown, rounded up to a tenth (at least 10%).
    static func yMax(_ values: [Double]) -> Double {
        let top = values.max() ?? 0
        return min(1, max(0.1, (top * 10).rounded(.up) / 10))
    }
}

/// A threshold the policy draws on a chart.
struct ThresholdMark {
    var rate: Double
    var level: String
    var label: String
}

extension Page {
    // MARK: Rolling-rate charts

    mutating func charts(_ report: Report, _ series: RateSeries) {
        let catalog = report.catalog
        w("<section id=\"charts\" aria-labelledby=\"charts-h\"><h2 id=\"charts-h\">Rolling rates</h2>\n")
        guard series.sessionCount > 0 else {
            w("<p>No sessions yet.</p></section>\n")
            return
        }
        let windows = series.windows
        let bases = series.bases
        w("<p class=\"legend\">Each chart: the share of the last ")
        w(windows.enumerated().map { "<span class=\"key s\($0.offset % 4)\">\($0.element)</span>" }.joined(separator: " and "))
        w(" sessions after each session")
        if bases.count > 1 { w(", <span class=\"key cor\">as corroborated by git</span> and <span class=\"key rec\">as recorded</span>") }
        w("; dotted lines: the policy's <span class=\"key warn\">warn</span> and <span class=\"key fail\">fail</span> thresholds.")
        if series.indices.count < series.sessionCount { w(" \(series.indices.count) of \(series.sessionCount) sessions are plotted (evenly spaced, the newest included).") }
        w("</p>\n<div class=\"grid\">\n")
        chart(report, series, mode: nil, label: "Any mode (failed)", name: "any")
        for (m, mode) in catalog.modes.enumerated() {
            chart(report, series, mode: m, label: mode.label, name: mode.name)
        }
        w("</div>\n</section>\n")
    }

    /// The thresholds of the rules watching `mode` (nil: rules on any mode);
    /// a count threshold is drawn as its share of the rule's window.
    func thresholds(_ rules: [GateRule], mode: String?) -> [ThresholdMark] {
        var marks: [ThresholdMark] = []
        for rule in rules {
            switch rule.target {
            case .any where mode == nil: break
            case .mode(let m) where m == mode: break
            default: continue
            }
            let pairs: [(String, Double?, Int?)] = [("warn", rule.warn, rule.warnCount), ("fail", rule.fail, rule.failCount)]
            for (level, rate, count) in pairs {
                if let rate {
                    marks.append(ThresholdMark(rate: rate, level: level, label: "\(rule.name) \(level) above \(percent(rate)) (last \(rule.window))"))
                } else if let count, rule.window > 0 {
                    marks.append(ThresholdMark(rate: Double(count) / Double(rule.window), level: level,
                                               label: "\(rule.name) \(level) at \(count) of the last \(rule.window)"))
                }
            }
        }
        return marks
    }

    mutating func chart(_ report: Report, _ series: RateSeries, mode: Int?, label: String, name: String) {
        let lines = series.lines.filter { $0.mode == mode }
        let marks = thresholds(report.context.rules, mode: mode.map { report.catalog.modes[$0].name })
        let frame = ChartFrame(width: 640, height: 220, left: 46, right: 12, top: 12, bottom: 34, sessions: series.sessionCount,
                               yMax: ChartFrame.yMax(lines.flatMap(\.rates) + marks.map(\.rate)))
        let chartID = id("chart")
        let windows = series.windows
        let latest = lines.map { "last \($0.window) \($0.basis) \(percent($0.rates.last ?? 0))" }.joined(separator: ", ")
        let thresholdText = marks.isEmpty ? "no policy threshold" : marks.map(\.label).joined(separator: "; ")
        w("<figure class=\"chart\" data-mode=\"\(h(name))\">\n")
        w("<svg viewBox=\"0 0 \(Int(frame.width)) \(Int(frame.height))\" role=\"img\" aria-labelledby=\"\(chartID)-t \(chartID)-d\" ")
        w("data-sessions=\"\(series.sessionCount)\" data-ymax=\"\(rateText(frame.yMax))\" data-indices=\"\(series.indices.map(String.init).joined(separator: " "))\" ")
        w("data-frame=\"\(frame.left) \(frame.right) \(frame.top) \(frame.bottom) \(frame.width) \(frame.height)\">\n")
        w("<title id=\"\(chartID)-t\">\(h(label)): rolling rate over \(series.sessionCount) sessions</title>\n")
        w("<desc id=\"\(chartID)-d\">Share of the last \(windows.map(String.init).joined(separator: " and ")) sessions with \(h(label)) after each session. Latest: \(latest). Thresholds: \(h(thresholdText)).</desc>\n")
        axes(frame, series)
        for mark in marks {
            let y = fixed(frame.y(mark.rate), 1)
            w("<line class=\"th \(mark.level)\" x1=\"\(fixed(frame.left, 1))\" x2=\"\(fixed(frame.width - frame.right, 1))\" y1=\"\(y)\" y2=\"\(y)\" data-rate=\"\(rateText(mark.rate))\"><title>\(h(mark.label))</title></line>\n")
        }
        let corroborated = series.bases.count > 1
        for line in lines {
            let slot = windows.firstIndex(of: line.window) ?? 0
            let style = corroborated ? (line.basis == "corroborated" ? " cor" : " rec") : ""
            w("<polyline class=\"series s\(slot % 4)\(style)\" data-window=\"\(line.window)\" data-basis=\"\(line.basis)\" ")
            w("data-rates=\"\(line.rates.map(rateText).joined(separator: " "))\" points=\"\(frame.points(series.indices, line.rates))\">")
            w("<title>last \(line.window), \(line.basis)</title></polyline>\n")
        }
        w("</svg>\n<figcaption>\(h(label))")
        for line in lines { w(" · last \(line.window) \(line.basis): <strong>\(percent(line.rates.last ?? 0))</strong>") }
        w("</figcaption>\n</figure>\n")
    }

    /// Gridlines at 0, half and the top of the axis; the first and newest
    /// session on the x axis, with their dates when known.
    mutating func axes(_ frame: ChartFrame, _ series: RateSeries) {
        w("<g class=\"axis\">")
        for fraction in [0.0, 0.5, 1.0] {
            let rate = frame.yMax * fraction
            let y = fixed(frame.y(rate), 1)
            w("<line x1=\"\(fixed(frame.left, 1))\" x2=\"\(fixed(frame.width - frame.right, 1))\" y1=\"\(y)\" y2=\"\(y)\"/>")
            w("<text x=\"\(fixed(frame.left - 4, 1))\" y=\"\(y)\" text-anchor=\"end\" dominant-baseline=\"middle\">\(fixed(rate * 100, 0))%</text>")
        }
        let baseY = fixed(frame.height - frame.bottom + 14, 1)
        func date(_ k: Int) -> String {
            guard k < series.ends.count, let t = series.ends[k] else { return "" }
            return " · " + String(Timestamp.format(t).prefix(10))
        }
        if let first = series.indices.first, let last = series.indices.last {
            w("<text x=\"\(fixed(frame.left, 1))\" y=\"\(baseY)\" text-anchor=\"start\">session \(first + 1)\(date(0))</text>")
            w("<text x=\"\(fixed(frame.width - frame.right, 1))\" y=\"\(baseY)\" text-anchor=\"end\">session \(last + 1)\(date(series.indices.count - 1))</text>")
        }
        w("</g>\n")
    }

    // MARK: Gate history

    mutating func timeline(_ report: Report) {
        let events = report.context.journal.suffix(HTMLReporter.timelineEvents)
        w("<section id=\"history\" aria-labelledby=\"history-h\"><h2 id=\"history-h\">Gate history</h2>\n")
        guard let first = events.first?.at else {
            w("<p>The gate's journal is empty: no pauses, resumes or acks yet.</p></section>\n")
            return
        }
        let start = first.timeIntervalSince1970
        // At least a minute across, so a lone event does not fill the axis.
        let end = max(report.context.generatedAt.timeIntervalSince1970, events.last!.at.timeIntervalSince1970, start + 60)
        let span = end - start
        let (width, left, right) = (640.0, 12.0, 12.0)
        func x(_ t: Double) -> Double { left + (t - start) / span * (width - left - right) }
        let chartID = id("timeline")
        let counts = Dictionary(grouping: events, by: \.event).map { "\($0.value.count) \($0.key)" }.sorted().joined(separator: ", ")
        w("<figure class=\"timeline\"><svg viewBox=\"0 0 \(Int(width)) 90\" role=\"img\" aria-labelledby=\"\(chartID)-t \(chartID)-d\">")
        w("<title id=\"\(chartID)-t\">Gate events from \(h(Timestamp.format(start))) to \(h(Timestamp.format(end)))</title>")
        w("<desc id=\"\(chartID)-d\">\(events.count) events: \(h(counts)). Listed in the table below.</desc>\n")
        w("<g class=\"axis\"><line x1=\"\(left)\" x2=\"\(width - right)\" y1=\"50\" y2=\"50\"/>")
        w("<text x=\"\(left)\" y=\"80\" text-anchor=\"start\">\(h(String(Timestamp.format(start).prefix(16))))</text>")
        w("<text x=\"\(width - right)\" y=\"80\" text-anchor=\"end\">\(h(String(Timestamp.format(end).prefix(16))))</text></g>\n")
        // Paused stretches as bands: from a pause (or reopening) to the next clearing.
        var pausedAt: Double?
        for e in events {
            let t = e.at.timeIntervalSince1970
            if ["paused", "reopened"].contains(e.event), pausedAt == nil { pausedAt = t }
            if e.event == "cleared", let p = pausedAt {
                w("<rect class=\"band\" x=\"\(fixed(x(p), 1))\" y=\"38\" width=\"\(fixed(max(1, x(t) - x(p)), 1))\" height=\"24\"/>")
                pausedAt = nil
            }
        }
        if let p = pausedAt, report.context.state?.paused ?? true {
            w("<rect class=\"band\" x=\"\(fixed(x(p), 1))\" y=\"38\" width=\"\(fixed(max(1, x(end) - x(p)), 1))\" height=\"24\"/>")
        }
        for e in events {
            let t = e.at.timeIntervalSince1970
            w("<circle class=\"ev \(eventClass(e.event))\" cx=\"\(fixed(x(t), 1))\" cy=\"50\" r=\"6\" data-event=\"\(h(e.event))\"><title>\(h(Timestamp.format(t))) \(h(e.event)): \(h(e.detail))</title></circle>")
        }
        w("</svg></figure>\n")
        w("<table class=\"journal\"><caption>The latest \(min(events.count, HTMLReporter.journalRows)) gate events, newest first</caption><thead><tr><th scope=\"col\">time (UTC)</th><th scope=\"col\">event</th><th scope=\"col\">detail</th></tr></thead><tbody>\n")
        for e in events.suffix(HTMLReporter.journalRows).reversed() {
            w("<tr><td>\(h(Timestamp.format(e.at.timeIntervalSince1970)))</td><td><span class=\"badge \(eventClass(e.event))\">\(h(e.event))</span></td><td>\(h(e.detail))</td></tr>\n")
        }
        w("</tbody></table>\n</section>\n")
    }

    func eventClass(_ event: String) -> String {
        switch event {
        case "paused", "reopened", "pause-extended": "fail"
        case "cleared": "pass"
        case "ack", "ack-expired": "warn"
        default: "info"
        }
    }

    // MARK: Fleet

    mutating func fleet(_ report: Report) {
        let agents = report.context.agents
        let catalog = report.catalog
        w("<section id=\"fleet\" aria-labelledby=\"fleet-h\"><h2 id=\"fleet-h\">Agents</h2>\n")
        w("<div class=\"scroll\"><table class=\"fleet\"><caption>One row per agent: the rolling rate of each mode over its latest sessions</caption><thead><tr>")
        w("<th scope=\"col\">agent</th><th scope=\"col\">decision</th><th scope=\"col\">sessions</th><th scope=\"col\">newest session</th><th scope=\"col\">failed</th>")
        for mode in catalog.modes { w("<th scope=\"col\">\(h(mode.label))</th>") }
        w("</tr></thead><tbody>\n")
        let now = report.context.generatedAt.timeIntervalSince1970
        for agent in agents {
            let name = agent.context.agent ?? "?"
            let series = agent.context.series ?? RateSeries(agent)
            let level = agent.context.gate?.level.description ?? agent.decision?.rawValue ?? "none"
            w("<tr data-agent=\"\(h(name))\"><th scope=\"row\">\(h(name))</th><td>\(badge(level))</td><td>\(agent.records.sessionCount)</td>")
            if let newest = agent.records.sessions.last?.end {
                w("<td data-seconds-since=\"\(Int(max(0, now - newest)))\">\(h(Timestamp.format(newest))) (\(ageText(now - newest)) ago)</td>")
            } else {
                w("<td>—</td>")
            }
            let window = series.windows.last ?? 30
            let basis = series.bases.last ?? "recorded"
            sparkline(series, mode: nil, window: window, basis: basis, label: "\(name): failed")
            for (m, mode) in catalog.modes.enumerated() {
                sparkline(series, mode: m, window: window, basis: basis, label: "\(name): \(mode.label)")
            }
            w("</tr>\n")
        }
        w("</tbody></table></div>\n</section>\n")
    }

    mutating func sparkline(_ series: RateSeries, mode: Int?, window: Int, basis: String, label: String) {
        guard let line = series.line(mode: mode, window: window, basis: basis), series.sessionCount > 0 else {
            w("<td>—</td>")
            return
        }
        let frame = ChartFrame(width: 120, height: 36, left: 2, right: 2, top: 3, bottom: 3, sessions: series.sessionCount,
                               yMax: ChartFrame.yMax(line.rates))
        let sparkID = id("spark")
        let latest = percent(line.rates.last ?? 0)
        w("<td class=\"spark\"><svg viewBox=\"0 0 120 36\" role=\"img\" aria-labelledby=\"\(sparkID)-t\" data-sessions=\"\(series.sessionCount)\" data-ymax=\"\(rateText(frame.yMax))\" data-indices=\"\(series.indices.map(String.init).joined(separator: " "))\">")
        w("<title id=\"\(sparkID)-t\">\(h(label)), last \(window) \(basis): \(latest) now, up to \(percent(line.rates.max() ?? 0))</title>")
        w("<polyline class=\"series s0\" data-window=\"\(window)\" data-basis=\"\(basis)\" data-rates=\"\(line.rates.map(rateText).joined(separator: " "))\" points=\"\(frame.points(series.indices, line.rates))\"/>")
        w("</svg> <span class=\"latest\">\(latest)</span></td>")
    }
}
