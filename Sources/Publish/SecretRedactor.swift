/// Removes secrets (API tokens) from text that may echo them: an error body,
/// a libcurl message. Not only whole tokens: any piece of 8 or more
/// characters of one is replaced, so a body cut short, a token split across
/// lines of a hex dump or echoed in part leaks nothing usable. Redaction
/// always happens before any truncation.
public struct SecretRedactor: Sendable {
    /// The shortest piece of a secret that is redacted.
    public static let minimumPiece = 8
    private let secrets: [[UInt8]]

    public init(_ secrets: [String]) {
        self.secrets = secrets.map { Array($0.utf8) }.filter { !$0.isEmpty }
    }

    public func redact(_ text: String) -> String {
        guard !secrets.isEmpty else { return text }
        let bytes = Array(text.utf8)
        var covered = [Bool](repeating: false, count: bytes.count)
        var any = false
        for secret in secrets {
            // A secret shorter than a piece is redacted whole.
            let piece = min(Self.minimumPiece, secret.count)
            guard bytes.count >= piece else { continue }
            // Every window of `piece` bytes of the secret, looked up by its
            // first byte: each text position is compared against the few
            // windows that start with the same byte.
            var windowsByFirst: [UInt8: [Int]] = [:]
            for start in 0...(secret.count - piece) { windowsByFirst[secret[start], default: []].append(start) }
            for i in 0...(bytes.count - piece) {
                guard let starts = windowsByFirst[bytes[i]] else { continue }
                for start in starts where bytes[i..<i + piece].elementsEqual(secret[start..<start + piece]) {
                    for k in i..<i + piece { covered[k] = true }
                    any = true
                    break
                }
            }
        }
        guard any else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            if covered[i] {
                out += Array("***".utf8)
                while i < bytes.count, covered[i] { i += 1 }
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
