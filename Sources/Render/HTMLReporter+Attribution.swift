import FailmixClassify
import FailmixEvidence
import FoundationEssentials

/// How the commits of the last `window` sessions were tied to them, after
/// each session: the share of those commits per attribution method, and of
/// ambiguous ones (inside several sessions' windows, evidence for none).
struct AttributionSeries {
    var window: Int
    var indices: [Int]
    /// One line per method (then "ambiguous"), aligned with `indices`.
    var lines: [(name: String, shares: [Double])]
    /// Commits counted in the window at each sampled session.
    var commits: [Int]

    init(_ corroboration: Corroboration, window: Int, indices: [Int]) {
        self.window = window
        self.indices = indices
        let kinds = AttributionKind.allCases
        let sessions = corroboration.sessions
        // Per session: commits per method, then ambiguous ones.
        func counts(_ i: Int) -> [Int] {
            var c = [Int](repeating: 0, count: kinds.count + 1)
            for a in sessions[i].attributions { c[kinds.firstIndex(of: a.kind)!] += 1 }
            c[kinds.count] = sessions[i].ambiguousCommits.count
            return c
        }
        var running = [Int](repeating: 0, count: kinds.count + 1)
        var shares = [[Double]](repeating: [], count: kinds.count + 1)
        var totals: [Int] = []
        var next = 0
        for i in sessions.indices {
            for (k, n) in counts(i).enumerated() { running[k] += n }
            if i >= window { for (k, n) in counts(i - window).enumerated() { running[k] -= n } }
            while next < indices.count, indices[next] == i {
                let total = running.reduce(0, +)
                totals.append(total)
                for k in running.indices { shares[k].append(total == 0 ? 0 : Double(running[k]) / Double(total)) }
                next += 1
            }
        }
        lines = zip(kinds.map(\.rawValue) + ["ambiguous"], shares).map { ($0, $1) }
        commits = totals
    }
}

extension Page {
    /// The attribution mix over time, when git was read.
    mutating func attribution(_ report: Report, _ series: RateSeries) {
        guard let corroboration = report.corroboration, corroboration.sessions.count == series.sessionCount,
              series.sessionCount > 0 else { return }
        let window = series.windows.first ?? 100
        let mix = AttributionSeries(corroboration, window: window, indices: series.indices)
        let frame = ChartFrame(width: 640, height: 220, left: 46, right: 12, top: 12, bottom: 34, sessions: series.sessionCount, yMax: 1)
        let chartID = id("chart")
        let latest = mix.lines.map { "\($0.name) \(percent($0.shares.last ?? 0))" }.joined(separator: ", ")
        w("<section id=\"attribution\" aria-labelledby=\"attribution-h\"><h2 id=\"attribution-h\">How commits were tied to sessions</h2>\n")
        w("<p class=\"legend\">The commits of the last \(window) sessions after each session, by how failmix tied them: ")
        w(mix.lines.enumerated().map { "<span class=\"key s\($0.offset % 4)\(Self.attributionDash($0.offset))\">\(h($0.element.name))</span>" }.joined(separator: ", "))
        w(". A trailer ties a commit for certain; windows only by time; ambiguous commits are evidence for no session.</p>\n")
        w("<figure class=\"attribution\"><svg viewBox=\"0 0 640 220\" role=\"img\" aria-labelledby=\"\(chartID)-t \(chartID)-d\" ")
        w("data-sessions=\"\(series.sessionCount)\" data-window=\"\(window)\" data-indices=\"\(series.indices.map(String.init).joined(separator: " "))\" data-commits=\"\(mix.commits.map(String.init).joined(separator: " "))\">\n")
        w("<title id=\"\(chartID)-t\">Attribution mix over \(series.sessionCount) sessions</title>\n")
        w("<desc id=\"\(chartID)-d\">Share of the last \(window) sessions' commits per attribution method. Latest (\(mix.commits.last ?? 0) commits): \(latest).</desc>\n")
        axes(frame, series)
        for (k, line) in mix.lines.enumerated() {
            w("<polyline class=\"series s\(k % 4)\(Self.attributionDash(k))\" data-method=\"\(h(line.name))\" data-rates=\"\(line.shares.map(rateText).joined(separator: " "))\" points=\"\(frame.points(series.indices, line.shares))\"><title>\(h(line.name))</title></polyline>\n")
        }
        w("</svg>\n<figcaption>Tied by a trailer now: <strong>\(percent(mix.lines.first { $0.name == "trailer" }?.shares.last ?? 0))</strong> of \(mix.commits.last ?? 0) commits · \(h(latest))</figcaption></figure>\n")
        attributionMixTable(report)
        w("</section>\n")
    }

    /// The report's attribution mix per window, unattributed agent commits
    /// included, and the trailer coverage the `trailer-coverage` rule judges.
    mutating func attributionMixTable(_ report: Report) {
        let windows = report.mix.windows
        let mixes = windows.compactMap { report.attributionMix(in: $0) }
        guard mixes.count == windows.count, !windows.isEmpty else { return }
        w("<table class=\"attribution-mix\"><caption>Agent commits by method, and trailer coverage</caption>\n<thead><tr><th scope=\"col\">method</th>")
        w(windows.map { "<th scope=\"col\">\(h($0.label))</th>" }.joined() + "</tr></thead>\n<tbody>\n")
        for method in AttributionMethod.allCases {
            w("<tr><th scope=\"row\">\(method.rawValue)</th>" + mixes.map { "<td>\($0.counts[method, default: 0])</td>" }.joined() + "</tr>\n")
        }
        w("<tr><th scope=\"row\">trailer coverage</th>" + mixes.map { "<td>\(h(AttributionText.coverage($0))) of \($0.agentCommits)</td>" }.joined() + "</tr>\n")
        w("</tbody></table>\n")
    }

    /// Lines past the fourth colour are drawn dashed.
    static func attributionDash(_ k: Int) -> String { k >= 4 ? " rec" : "" }
}
