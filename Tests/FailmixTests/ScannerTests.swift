import Testing
@testable import FailmixKit
@testable import FailmixRecords

@Suite struct ScannerTests {
    func scan(_ line: String, paths: [String] = ["a", "b.c"]) -> (ScanFailure?, [RawValue], [UInt8]) {
        var plan = FieldPlan()
        for p in paths { plan.slot(for: FieldPath(p)) }
        var scanner = JSONLineScanner(plan: plan)
        let bytes = Array(line.utf8)
        let failure = scanner.scan(bytes.span)
        return (failure, scanner.values, bytes)
    }

    @Test func capturesPlannedFieldsOnly() {
        // The top-level "a" comes first: a nested "a" captured by mistake would overwrite it.
        let (failure, values, bytes) = scan(#"{"a": "hi", "x": [1, {"a": 5}], "b": {"c": 0.25, "d": null}, "y": {"a": 7}}"#)
        #expect(failure == nil)
        #expect(values[0].kind == .string && String(decoding: bytes[Int(values[0].start)..<Int(values[0].end)], as: UTF8.self) == "hi")
        #expect(values[1].kind == .number && String(decoding: bytes[Int(values[1].start)..<Int(values[1].end)], as: UTF8.self) == "0.25")
    }

    @Test(arguments: [
        "{not json", "[1,2]", "{\"a\": 1,}", "{\"a\" 1}", "{\"a\": tru}", "{\"a\": 01}", "{\"a\": 1.}",
        "{\"a\": \"\u{01}\"}", "{\"a\": \"\\x\"}", "{\"a\": 1} x", "{\"a\": \"unterminated}", "",
        "{\"a\": -}", "{\"a\": 1e}",
    ])
    func rejectsInvalidJSON(_ line: String) {
        #expect(scan(line).0 != nil)
    }

    @Test(arguments: [
        "{}", " {\"a\": NaN} ", "{\"a\": -Infinity}", "{\"a\": 1e-5, \"a\": \"dup\"}", "{\"a\": \"\\ud800\"}",
        "\u{FEFF}{\"a\": 1}", "{\"a\": \"é\\u00e9\"}", "{\"a\":[[[[]]]]}\r",
    ])
    func acceptsWhatPythonAccepts(_ line: String) {
        #expect(scan(line).0 == nil)
    }

    @Test func rejectsInvalidUTF8() {
        var plan = FieldPlan()
        plan.slot(for: FieldPath("a"))
        var scanner = JSONLineScanner(plan: plan)
        let bytes: [UInt8] = Array("{\"a\": \"".utf8) + [0xC3, 0x28] + Array("\"}".utf8)
        #expect(scanner.scan(bytes.span)?.reason == .invalidUTF8)
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        let line = "{\"a\":" + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}"
        #expect(scan(line).0?.reason == .tooDeep)
    }

    @Test func duplicateKeysLastWins() {
        let (_, values, bytes) = scan(#"{"a": "first", "a": "second"}"#)
        let s = String(decoding: bytes[Int(values[0].start)..<Int(values[0].end)], as: UTF8.self)
        #expect(s == "second")
    }

    /// Keys that share lengths and 8-byte prefixes with planned ones, and a
    /// short key read from the very end of a tight buffer, find their slots
    /// and nothing else.
    @Test func keyLookupTellsNearMissesApart() {
        let paths = ["a", "ab", "abcdefgh", "abcdefghi", "abcdefghj", "n.abcdefghijklmnop"]
        let line = #"{"abcdefghX":0,"abcdefghj":2,"a":3,"abcdefgZ":4,"abcdefgh":5,"ab":6,"abcdefghi":1,"n":{"abcdefghijklmnoq":7,"abcdefghijklmnop":8},"b":9}"#
        let (failure, values, bytes) = scan(line, paths: paths)
        #expect(failure == nil)
        let text = values.map { String(decoding: bytes[Int($0.start)..<Int($0.end)], as: UTF8.self) }
        #expect(text == ["3", "6", "5", "1", "2", "8"])
        for short in [#"{"a":1}"#, #"{"ab":1}"#] {
            var plan = FieldPlan()
            for p in paths { plan.slot(for: FieldPath(p)) }
            var scanner = JSONLineScanner(plan: plan)
            let tight = UnsafeMutableRawBufferPointer.allocate(byteCount: short.utf8.count, alignment: 1)
            defer { tight.deallocate() }
            tight.copyBytes(from: short.utf8)
            #expect(scanner.scan(Span(_unsafeBytes: UnsafeRawBufferPointer(tight))) == nil)
            #expect(scanner.values.filter { $0.kind == .number }.count == 1)
        }
    }

    /// The SWAR mask's lowest flagged byte is the first byte a string scan
    /// must stop at, wherever it falls in the word and whatever follows it.
    @Test func specialByteMaskFindsTheFirstStop() {
        var generator = SystemRandomNumberGenerator()
        let alphabet: [UInt8] = [0x22, 0x5C, 0x00, 0x1F, 0x20, 0x41, 0x7E, 0x7F, 0x80, 0xC3, 0xFF, 0x21, 0x5B, 0x5D]
        var wrong: [[UInt8]] = []
        for _ in 0..<20_000 {
            let bytes = (0..<8).map { _ in Int.random(in: 0..<4, using: &generator) == 0 ? alphabet.randomElement(using: &generator)! : UInt8.random(in: 0x23...0x5B, using: &generator) }
            let word = bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
            let first = bytes.firstIndex { $0 == 0x22 || $0 == 0x5C || $0 < 0x20 || $0 >= 0x80 }
            let mask = specialStringBytes(word)
            if (mask == 0 ? nil : mask.trailingZeroBitCount >> 3) != first { wrong.append(bytes) }
        }
        #expect(wrong.isEmpty, "the mask misses the first stop in \(wrong.count) words, e.g. \(wrong.prefix(10))")
    }

    /// The short-decimal fast path rounds exactly as strtod does.
    @Test func numbersParseExactly() {
        var generator = SystemRandomNumberGenerator()
        var samples = ["0.39", "-0.0", "0.1", "0.3", "123456789012.345", "9.999999999999999", "1e5", "-2.5E-3", "0.000001", "17", "-4"]
        for _ in 0..<20_000 {
            let whole = String(UInt64.random(in: 0..<1_000_000, using: &generator))
            let fraction = String((0..<Int.random(in: 1...9, using: &generator)).map { _ in "0123456789".randomElement(using: &generator)! })
            samples.append((Bool.random(using: &generator) ? "-" : "") + whole + "." + fraction)
        }
        let wrong = samples.filter { text in
            parseJSONNumber(Array(text.utf8).span)?.bitPattern != Double(text)?.bitPattern
        }
        #expect(wrong.isEmpty, "parsed unlike strtod: \(wrong.prefix(20))")
    }

    @Test func escapedKeysMatch() {
        let (_, values, _) = scan(#"{"\u0061": 3}"#)
        #expect(values[0].kind == .number)
    }

    @Test func decodesEscapes() {
        let raw = #"a\"b\\c\nd\u00e9\ud83d\ude00"#
        let s = decodeJSONString(Array(raw.utf8).span)
        #expect(s == "a\"b\\c\nd\u{e9}\u{1F600}")
    }

    /// The scanner remembers each object's key order and recognises a key
    /// that repeats it without scanning or hashing it. Whatever order came
    /// before — a record whose keys are reordered, missing, added, renamed
    /// to near misses, escaped, too long to remember, or a line cut short —
    /// a scanner that has seen other lines must capture the same values and
    /// fail at the same offset as a fresh one.
    @Test func rememberedKeyOrderNeverChangesTheResult() {
        let paths = ["session_id", "outcome", "grades.productivity", "grades.harm", "a", "abcdefgh", "abcdefghijklmnopqrstuvwxyz0123456789"]
        var plan = FieldPlan()
        for p in paths { plan.slot(for: FieldPath(p)) }
        let members: [(String, String)] = [
            ("session_id", #""s1""#), ("outcome", #""noop""#), ("grades", #"{"productivity": 0.2, "harm": 1}"#),
            ("a", "[1, {\"a\": 2}]"), ("abcdefgh", "true"), ("abcdefghX", "null"), ("abcdefg", "7"),
            ("abcdefghijklmnopqrstuvwxyz0123456789", #""long""#), ("x", #"{"outcome": "nested"}"#),
            (#"outc\u006fme"#, #""escaped""#), ("outcomf", #""near""#), ("", "0"),
        ]
        var generator = SystemRandomNumberGenerator()
        var warm = JSONLineScanner(plan: plan)
        var previous: [(String, String)] = []
        for round in 0..<3000 {
            // Mostly the previous line's keys again (what a writer does), else a new order.
            var chosen = previous
            if round % 3 == 0 {
                chosen = Array(members.shuffled(using: &generator).prefix(Int.random(in: 0...members.count, using: &generator)))
            }
            previous = chosen
            let separator = round % 5 == 0 ? "," : ", "
            let colon = [": ", ":", " : ", ":  ", ":\t"][round % 10 < 6 ? 0 : Int.random(in: 0..<5, using: &generator)]
            var line = "{" + chosen.map { "\"\($0.0)\"\(colon)\($0.1)" }.joined(separator: separator) + "}"
            if round % 7 == 0 { line = String(line.prefix(Int.random(in: 0...line.count, using: &generator))) }
            let bytes = Array(line.utf8)
            // A tight buffer: the line's last byte is the allocation's last.
            let tight = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 1)
            defer { tight.deallocate() }
            tight.copyBytes(from: bytes)
            var fresh = JSONLineScanner(plan: plan)
            let expected = fresh.scan(Span(_unsafeBytes: UnsafeRawBufferPointer(tight)))
            let found = warm.scan(Span(_unsafeBytes: UnsafeRawBufferPointer(tight)))
            #expect(found == expected, "\(line)")
            #expect(warm.values == fresh.values, "\(line)")
        }
    }

    /// A file whose writer changed its key order part-way reads every record
    /// alike before and after the change.
    @Test func keyOrderChangeMidFile() {
        var plan = FieldPlan()
        for p in ["session_id", "outcome", "grades.productivity"] { plan.slot(for: FieldPath(p)) }
        var scanner = JSONLineScanner(plan: plan)
        let before = #"{"session_id": "a", "outcome": "noop", "grades": {"productivity": 0.1, "alignment": 1}}"#
        let after = #"{"grades": {"alignment": 1, "productivity": 0.1}, "outcome": "noop", "extra": 1, "session_id": "a"}"#
        func captured(_ line: String) -> [String] {
            let bytes = Array(line.utf8)
            #expect(scanner.scan(bytes.span) == nil)
            return scanner.values.map { String(decoding: bytes[Int($0.start)..<Int($0.end)], as: UTF8.self) }
        }
        for line in [before, before, after, after, before, after] {
            #expect(captured(line) == ["a", "noop", "0.1"], "\(line)")
        }
    }
}
