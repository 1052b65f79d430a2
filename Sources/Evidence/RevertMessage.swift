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
        var message = message
        return message.withUTF8 { bytes in
            var found: [String] = []
            let length = marker.count
            var at = 0
            while bytes.count - at >= length + 40 {
                // memchr to each "T", then compare the rest.
                guard let t = memchr(bytes.baseAddress! + at, Int32(UInt8(ascii: "T")), bytes.count - at - length - 39) else { break }
                at = UnsafeRawPointer(t) - UnsafeRawPointer(bytes.baseAddress!)
                if marker.withUnsafeBytes({ memcmp(t, $0.baseAddress!, length) }) == 0 {
                    let sha = bytes[(at + length)..<(at + length + 40)]
                    if sha.allSatisfy(isHex) { found.append(String(decoding: sha, as: UTF8.self).lowercased()) }
                    at += length
                } else {
                    at += 1
                }
            }
            return found
        }
    }

    @inline(__always) static func isHex(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b | 0x20 >= 0x61 && b | 0x20 <= 0x66)
    }
}
