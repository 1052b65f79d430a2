/// `This reverts commit <40 hex>` lines in a commit message, found in one
/// pass over its bytes: anyone who can push writes these messages, and a
/// search that restarts from the top for every hit (as `range(of:)` over a
/// Substring did) made a 4.6 MB message cost 36 s.
enum RevertMessage {
    static let marker = Array("This reverts commit ".utf8)

    static func revertedCommits(in message: String) -> [String] {
        var found: [String] = []
        var message = message
        message.withUTF8 { bytes in
            let n = bytes.count, m = marker.count
            guard n >= m + 40 else { return }
            var i = 0
            while i + m + 40 <= n {
                // The marker's first byte, then the rest: each byte is looked
                // at a bounded number of times.
                guard bytes[i] == UInt8(ascii: "T") else { i += 1; continue }
                var k = 1
                while k < m, bytes[i + k] == marker[k] { k += 1 }
                guard k == m else { i += 1; continue }
                let start = i + m
                var hex = true
                for j in start..<start + 40 where !isHex(bytes[j]) {
                    hex = false
                    break
                }
                if hex { found.append(String(decoding: bytes[start..<start + 40], as: UTF8.self).lowercased()) }
                i = start
            }
        }
        return found
    }

    @inline(__always) static func isHex(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b | 0x20 >= 0x61 && b | 0x20 <= 0x66)
    }
}
