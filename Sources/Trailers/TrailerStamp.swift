/// Adds a `Key: value` trailer to a commit message exactly where
/// `git interpret-trailers --no-divider --if-exists doNothing --trailer`
/// would (git 2.39's trailer.c, byte for byte), without starting libgit2 or
/// git: the `prepare-commit-msg` hook runs it on every commit.
///
/// Two deliberate differences, both where interpret-trailers would put the
/// trailer into the title paragraph: a message with no text yet (an editor
/// about to open) and a message without a final newline get the layout
/// `git commit -s` gives them (room for the title, then a blank line).
public enum TrailerStamp {
    /// The separator `trailer.separators` defaults to.
    static let separator = UInt8(ascii: ":")
    static let newline = UInt8(ascii: "\n")
    static let generatedPrefixes: [[UInt8]] = [Array("Signed-off-by: ".utf8), Array("(cherry picked from commit ".utf8)]
    static let cutLine = Array("------------------------ >8 ------------------------".utf8)

    /// The stamped message, or nil when the message already has a trailer
    /// with this key (git's token comparison: case-insensitive, over the
    /// shorter of the two tokens), which then wins.
    public static func stamp(_ message: [UInt8], key: String, value: String, commentChar: UInt8 = UInt8(ascii: "#")) -> [UInt8]? {
        let text = Text(bytes: message, comment: commentChar)
        let end = text.endOfLogMessage()
        let start = text.trailerStart(end: end)
        let items = text.trailerItems(start..<end)
        let keyBytes = Array(key.utf8)
        if items.contains(where: { $0.token.map { sameToken($0, keyBytes) } ?? false }) { return nil }

        var out: [UInt8] = []
        out.reserveCapacity(message.count + key.utf8.count + value.utf8.count + 8)
        let body = message[..<start]
        if body.allSatisfy(isSpace) {
            // No text yet: leave room for the title, as `git commit -s` does.
            out += [newline, newline]
        } else {
            out += body
            if body.last != newline { out.append(newline) }
            if !text.endsWithBlankLine(start) || body.last != newline { out.append(newline) }
        }
        for item in items { out += item.printed }
        out += keyBytes + Array(": ".utf8) + Array(value.utf8) + [newline]
        out += message[end...]
        return out
    }

    /// git's `same_token`: tokens compared case-insensitively over the
    /// length of the shorter one (so an existing `Git:` suppresses `Git-Session-Id`).
    static func sameToken(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        let n = min(a.count, b.count)
        for i in 0..<n where lower(a[i]) != lower(b[i]) { return false }
        return true
    }

    /// The comment character `core.commentChar` names: its first byte;
    /// `auto` (which git resolves per commit) is read back from the comment
    /// lines git wrote, else `#`, as interpret-trailers itself assumes.
    public static func commentChar(configured: String?, message: [UInt8]) -> UInt8 {
        guard let configured, !configured.isEmpty else { return UInt8(ascii: "#") }
        if configured.lowercased() != "auto" { return configured.utf8.first! }
        let markers = [Array(" Please enter".utf8), [UInt8(ascii: " ")] + cutLine]
        for candidate in "#;@!$%^&|:".utf8 {
            var lineStart = 0
            while lineStart < message.count {
                let lineEnd = message[lineStart...].firstIndex(of: newline) ?? message.count
                if message[lineStart] == candidate,
                   markers.contains(where: { message[(lineStart + 1)..<lineEnd].starts(with: $0) }) {
                    return candidate
                }
                lineStart = lineEnd + 1
            }
        }
        return UInt8(ascii: "#")
    }

    @inline(__always) static func isSpace(_ c: UInt8) -> Bool { c == 32 || (9...13).contains(c) }
    @inline(__always) public static func isAlnum(_ c: UInt8) -> Bool {
        (48...57).contains(c) || (65...90).contains(c) || (97...122).contains(c)
    }
    @inline(__always) static func lower(_ c: UInt8) -> UInt8 { (65...90).contains(c) ? c + 32 : c }

    /// A trailer block entry: a `token: value` trailer (continuation lines
    /// folded in) or a line that is not one.
    struct Item {
        var token: [UInt8]?
        var printed: [UInt8]
    }

    /// The message with the positions trailer.c computes over it.
    struct Text {
        let bytes: [UInt8]
        let comment: UInt8

        func nextLine(_ i: Int) -> Int {
            guard i < bytes.count, let nl = bytes[i...].firstIndex(of: TrailerStamp.newline) else { return bytes.count }
            return nl + 1
        }

        /// The start of the last line before `length` (-1 when empty); a final
        /// newline belongs to the last line.
        func lastLine(_ length: Int) -> Int {
            if length == 0 { return -1 }
            if length == 1 { return 0 }
            var i = length - 2
            while i >= 0 {
                if bytes[i] == TrailerStamp.newline { return i + 1 }
                i -= 1
            }
            return 0
        }

        func isBlankLine(_ i: Int) -> Bool {
            var i = i
            while i < bytes.count, bytes[i] != TrailerStamp.newline {
                guard TrailerStamp.isSpace(bytes[i]) else { return false }
                i += 1
            }
            return true
        }

        func endsWithBlankLine(_ length: Int) -> Bool {
            let l = lastLine(length)
            return l >= 0 && isBlankLine(l)
        }

        func startsWith(_ i: Int, _ prefix: [UInt8]) -> Bool {
            i + prefix.count <= bytes.count && bytes[i..<(i + prefix.count)].elementsEqual(prefix)
        }

        /// wt_status_locate_end: where the scissors line (`# ---- >8 ----`) begins.
        func scissors() -> Int {
            let pattern = [TrailerStamp.newline, comment, UInt8(ascii: " ")] + TrailerStamp.cutLine
            if startsWith(0, Array(pattern.dropFirst())) { return 0 }
            var i = 0
            while i + pattern.count <= bytes.count {
                if bytes[i] == TrailerStamp.newline, startsWith(i, pattern) { return i + 1 }
                i += 1
            }
            return bytes.count
        }

        /// The end of the log message: before the scissors, and before the
        /// trailing run of comment and blank lines (and an old `Conflicts:` block).
        func endOfLogMessage() -> Int {
            let cutoff = scissors()
            var boc = 0, bol = 0
            var inConflicts = false
            while bol < cutoff {
                let next = nextLine(bol)
                if bytes[bol] == comment || bytes[bol] == TrailerStamp.newline {
                    if boc == 0 { boc = bol }
                } else if startsWith(bol, Array("Conflicts:\n".utf8)) {
                    inConflicts = true
                    if boc == 0 { boc = bol }
                } else if inConflicts, bytes[bol] == UInt8(ascii: "\t") {
                    // a pathname in the conflicts block
                } else if boc != 0 {
                    boc = 0
                    inConflicts = false
                }
                bol = next
            }
            return boc != 0 ? boc : cutoff
        }

        /// find_separator: the offset of the separator in a `token: value`
        /// line (the token alphanumerics and dashes, then optional blanks), or -1.
        func separator(at line: Int) -> Int {
            var whitespace = false
            var c = line
            while c < bytes.count {
                let ch = bytes[c]
                if ch == TrailerStamp.separator { return c - line }
                if !whitespace, TrailerStamp.isAlnum(ch) || ch == UInt8(ascii: "-") { c += 1; continue }
                if c != line, ch == 32 || ch == 9 { whitespace = true; c += 1; continue }
                break
            }
            return -1
        }

        /// find_trailer_start: the last paragraph, when it is all trailers, or
        /// holds a git-generated one and is at least 25% trailers; else `end`.
        func trailerStart(end len: Int) -> Int {
            var s = 0
            while s < len {
                if bytes[s] != comment, isBlankLine(s) { break }
                s = nextLine(s)
            }
            let endOfTitle = s
            var onlySpaces = true, recognizedPrefix = false
            var trailerLines = 0, nonTrailerLines = 0, continuations = 0
            var l = lastLine(len)
            while l >= endOfTitle {
                defer { l = lastLine(l) }
                if bytes[l] == comment {
                    nonTrailerLines += continuations
                    continuations = 0
                    continue
                }
                if isBlankLine(l) {
                    if onlySpaces { continue }
                    nonTrailerLines += continuations
                    if recognizedPrefix, trailerLines * 3 >= nonTrailerLines { return nextLine(l) }
                    if trailerLines > 0, nonTrailerLines == 0 { return nextLine(l) }
                    return len
                }
                onlySpaces = false
                if TrailerStamp.generatedPrefixes.contains(where: { startsWith(l, $0) }) {
                    trailerLines += 1
                    continuations = 0
                    recognizedPrefix = true
                    continue
                }
                if separator(at: l) >= 1, !TrailerStamp.isSpace(bytes[l]) {
                    trailerLines += 1
                    continuations = 0
                } else if TrailerStamp.isSpace(bytes[l]) {
                    continuations += 1
                } else {
                    nonTrailerLines += 1 + continuations
                    continuations = 0
                }
            }
            return len
        }

        /// The block's entries as interpret-trailers prints them back:
        /// `token: value` normalised, comment lines dropped, other lines as they are.
        func trailerItems(_ block: Range<Int>) -> [Item] {
            var lines: [ArraySlice<UInt8>] = []
            var i = block.lowerBound
            var lastIsTrailer = false
            while i < block.upperBound {
                let next = min(nextLine(i), block.upperBound)
                let line = bytes[i..<next]
                if lastIsTrailer, TrailerStamp.isSpace(line.first!) {
                    lines[lines.count - 1] = ArraySlice(lines[lines.count - 1] + line)
                } else {
                    lines.append(line)
                    lastIsTrailer = separator(in: line) >= 1
                }
                i = next
            }
            var items: [Item] = []
            for line in lines where line.first != comment {
                let position = separator(in: line)
                if position >= 1 {
                    let token = trim(line.prefix(position))
                    let value = trim(line.dropFirst(position + 1))
                    items.append(Item(token: Array(token), printed: Array(token) + Array(": ".utf8) + value + [TrailerStamp.newline]))
                } else {
                    var text = Array(line)
                    if text.last == TrailerStamp.newline { text.removeLast() }
                    items.append(Item(token: nil, printed: text + [TrailerStamp.newline]))
                }
            }
            return items
        }

        private func separator(in line: ArraySlice<UInt8>) -> Int {
            Text(bytes: Array(line), comment: comment).separator(at: 0)
        }

        private func trim(_ s: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
            var s = s
            while let f = s.first, TrailerStamp.isSpace(f) { s.removeFirst() }
            while let l = s.last, TrailerStamp.isSpace(l) { s.removeLast() }
            return s
        }
    }
}
