import FailmixRender

/// `failmix doctor`'s two outputs; everything found in files or git is escaped.
extension DoctorReport {
    /// A line per check, its fix under each warning or failure, a summary last.
    public func text(color: Bool) -> String {
        func paint(_ s: String, _ code: String) -> String { color ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }
        var out = "failmix doctor: \(Escape.terminal(repository))\n"
        let width = (checks.map(\.name.count).max() ?? 0) + 2
        for check in checks {
            let word: String
            switch check.status {
            case .pass: word = paint("pass", "32")
            case .warn: word = paint("WARN", "33")
            case .fail: word = paint("FAIL", "31")
            }
            out += "  \(word)  \(padded(check.name, to: width))\(Escape.terminal(check.message))\n"
            if check.status != .pass, !check.fix.isEmpty {
                out += "        \(String(repeating: " ", count: width))fix: \(Escape.terminal(check.fix))\n"
            }
        }
        out += "\(count(.fail)) failed, \(count(.warn)) warning(s), \(count(.pass)) passed\n"
        return out
    }

    /// `{"schema":1,"repository":…,"status":…,"checks":[{name,status,message,fix}],"summary":{…}}`.
    public func json() -> String {
        var out = "{\"schema\":1,\"tool\":{\"name\":\"failmix\",\"version\":\(JSONReporter.json(FailmixVersion.current))}"
        out += ",\"repository\":\(JSONReporter.json(repository)),\"status\":\"\(worst.rawValue)\",\"exit\":\(exitCode),\"checks\":["
        out += checks.map { c in
            "{\"name\":\(JSONReporter.json(c.name)),\"status\":\"\(c.status.rawValue)\",\"message\":\(JSONReporter.json(c.message)),\"fix\":\(c.fix.isEmpty ? "null" : JSONReporter.json(c.fix))}"
        }.joined(separator: ",")
        out += "],\"summary\":{\"pass\":\(count(.pass)),\"warn\":\(count(.warn)),\"fail\":\(count(.fail))}}\n"
        return out
    }
}
