import FailmixSupport
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `This reverts commit <40 hex>` lines in a commit message, found in one
/// pass over its bytes (memchr to each "T"): anyone who can push writes these messages, and a
/// search that restarts from the top for every hit (as `range(of:)` over a
/// Substring did) made a 4.6 MB message cost 36 s.
enum RevertMessage {
    static let marker = Array("This reverts commit ".utf8)

    static func revertedCommits(in message: String) -> [String] {
        let bytes = message.utf8.span
        var found: [String] = []
        let length = marker.count
        var at = 0
        while bytes.count - at >= length + 40 {
            // memchr to each "T", then compare the rest.
            at = bytes.index(of: UInt8(ascii: "T"), from: at)
            guard bytes.count - at >= length + 40 else { break }
            if bytes.extracting(at..<(at + length)).starts(with: marker) {
                let sha = (at + length)..<(at + length + 40)
                if sha.allSatisfy({ isHex(bytes[$0]) }) { found.append(bytes.utf8String(sha).lowercased()) }
                at += length
            } else {
                at += 1
            }
        }
        return found
    }

    @inline(__always) static func isHex(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b | 0x20 >= 0x61 && b | 0x20 <= 0x66)
    }
}
