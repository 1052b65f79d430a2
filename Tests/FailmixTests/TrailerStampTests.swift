import Foundation
import Testing
@testable import FailmixTrailers

/// `git interpret-trailers` on each of `messages`, as the hook's placement
/// must match: one git process for them all (`--in-place`, a file each),
/// each file then holding what git made of that message.
private func gitInterpret(_ messages: [String], commentChar: String?, extra: [String]) throws -> [String] {
    let dir = TempDir("failmix-trailers")
    let files = messages.indices.map { dir.write("msg\($0)", messages[$0]) }
    var args = ["-c", "core.commentChar=\(commentChar ?? "#")", "interpret-trailers", "--in-place"] + extra + files
    if commentChar == nil { args.removeFirst(2) }
    let result = try runTool("git", args, cwd: dir.path)
    #expect(result.status == 0, "\(result.stderr)")
    return try files.map { String(decoding: try Data(contentsOf: URL(fileURLWithPath: $0)), as: UTF8.self) }
}

/// Builds messages from the pieces trailer blocks are made of, reproducibly.
private struct MessageGenerator {
    var state: UInt64

    mutating func next(_ n: Int) -> Int {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Int((state >> 33) % UInt64(n))
    }

    mutating func message(comment: String) -> String {
        let pieces = [
            "Fix the parser", "Body text explains why.", "", "", "Signed-off-by: A U Thor <a@example.org>",
            "Reviewed-by: B <b@example.org>", "Key:value", "Key : spaced", "Closes #12", " continued line",
            "\tcontinued with a tab", "\(comment) a comment line", "Git-Session-Id: 1234abcd", "git-session-id: old",
            "Git: short token", "Not a trailer line", "--- a divider", "Conflicts:", "\tsrc/file.c",
            "(cherry picked from commit 0123456789abcdef0123456789abcdef01234567)", "Co-authored-by: C <c@x>",
            "URL: https://example.org/a:b", "  ", "Multi-Word-Key: v",
        ]
        var lines = [["Subject line", "fix: thing", "Merge branch 'x'"][next(3)]]
        for _ in 0..<next(9) { lines.append(pieces[next(pieces.count)]) }
        // Often a trailer block that already names a session (or a token git takes for its key).
        if next(4) == 0 { lines += ["", ["Git-Session-Id: 9999", "GIT-SESSION-ID:x", "Git: y"][next(3)]] }
        var text = lines.joined(separator: "\n") + "\n"
        switch next(4) {
        case 0: text += "\n\(comment) Please enter the commit message for your changes.\n\(comment)\n\(comment) On branch main\n"
        case 1: text += "\(comment) ------------------------ >8 ------------------------\n\(comment) Do not modify.\ndiff --git a/x b/x\n+Key: not a trailer\n"
        default: break
        }
        return text
    }
}

@Suite struct TrailerStampTests {
    @Test(arguments: [nil, ";"] as [String?])
    func placementMatchesGitInterpretTrailers(commentChar: String?) throws {
        var generator = MessageGenerator(state: commentChar == nil ? 7 : 11)
        let comment = commentChar ?? "#"
        var stamped = 0, kept = 0
        let messages = (0..<120).map { _ in generator.message(comment: comment) }
        let gits = try gitInterpret(messages, commentChar: commentChar,
                                    extra: ["--no-divider", "--if-exists", "doNothing", "--trailer", "Git-Session-Id: ff15"])
        var keptPairs: [(message: String, git: String)] = []
        for (message, git) in zip(messages, gits) {
            let ours = TrailerStamp.stamp(Array(message.utf8), key: "Git-Session-Id", value: "ff15",
                                          commentChar: UInt8(ascii: comment == "#" ? "#" : ";"))
            if let ours {
                stamped += 1
                #expect(String(decoding: ours, as: UTF8.self) == git, "message:\n\(message)")
            } else {
                kept += 1
                keptPairs.append((message, git))
            }
        }
        // An existing trailer with the key wins: git adds nothing either (the
        // trailers it parses before and after are the same).
        let parsed = try gitInterpret(keptPairs.map(\.message) + keptPairs.map(\.git), commentChar: commentChar,
                                      extra: ["--no-divider", "--parse"])
        for (k, pair) in keptPairs.enumerated() {
            #expect(parsed[k] == parsed[keptPairs.count + k], "message:\n\(pair.message)")
        }
        #expect(stamped > 40 && kept > 5, "stamped \(stamped), kept \(kept)")
    }

    @Test func messagesInterpretTrailersWouldPutIntoTheTitle() {
        func stamp(_ s: String) -> String { String(decoding: TrailerStamp.stamp(Array(s.utf8), key: "K", value: "v")!, as: UTF8.self) }
        // An editor about to open: room for the title, as `git commit -s` leaves it.
        #expect(stamp("\n# Please enter the commit message\n") == "\n\nK: v\n# Please enter the commit message\n")
        #expect(stamp("") == "\n\nK: v\n")
        // No final newline: the trailer still gets its own paragraph.
        #expect(stamp("subject") == "subject\n\nK: v\n")
        #expect(stamp("subject\n\nA: b") == "subject\n\nA: b\nK: v\n")
    }

    @Test func commentCharAutoIsReadFromTheLinesGitWrote() {
        let message = Array("#123 is fixed\n\n; Please enter the commit message\n".utf8)
        #expect(TrailerStamp.commentChar(configured: "auto", message: message) == UInt8(ascii: ";"))
        #expect(TrailerStamp.commentChar(configured: nil, message: message) == UInt8(ascii: "#"))
        #expect(TrailerStamp.commentChar(configured: "%", message: message) == UInt8(ascii: "%"))
    }
}
