// failmix-stamp MESSAGE-FILE TRAILER-KEY SESSION-ID [COMMENT-CHAR]
//
// The stamping hook's fast path: adds `TRAILER-KEY: SESSION-ID` to a commit
// message where `git interpret-trailers` would. No libgit2, no Foundation,
// no configuration: it starts in about a millisecond, on every agent commit.
// It never blocks a commit: problems are reported and it exits 0.
import FailmixSupport
import FailmixTrailers

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

func warn(_ text: String) {
    let line = "failmix-stamp: " + text + "\n"
    _ = FileIO.writeAll(2, Array(line.utf8))
}

let arguments = CommandLine.arguments
if arguments.count < 4 || arguments.count > 5 {
    warn("usage: failmix-stamp MESSAGE-FILE TRAILER-KEY SESSION-ID [COMMENT-CHAR]; nothing stamped")
    exit(0)
}
let (file, key, value) = (arguments[1], arguments[2], arguments[3])
if !TrailerStamp.isValidKey(key) {
    warn("'\(key)' is not a trailer key (letters, digits, dashes); nothing stamped")
} else if value.isEmpty || value.utf8.contains(where: { $0 == 10 || $0 == 13 }) {
    warn("the session id is not a single line; nothing stamped")
} else if case let .failed(why) = MessageFile.stamp(path: file, key: key, value: value, commentChar: arguments.count == 5 ? arguments[4] : nil) {
    warn("\(why); this commit is not stamped with \(key)")
}
exit(0)
