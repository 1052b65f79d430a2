/// `text` percent-encoded for a URI (RFC 3986): every byte but the
/// unreserved ASCII letters, digits and `-._~` becomes `%XX`, and `/` too
/// unless `keepingSlashes` (a path keeps its separators; a GitLab project
/// path, "group/project", is one segment and does not).
public func percentEncoded(_ text: String, keepingSlashes: Bool) -> String {
    let hex = Array("0123456789ABCDEF".utf8)
    var out = [UInt8]()
    out.reserveCapacity(text.utf8.count)
    for byte in text.utf8 {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            out.append(byte)
        case UInt8(ascii: "/") where keepingSlashes:
            out.append(byte)
        default:
            out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 15)]]
        }
    }
    return String(decoding: out, as: UTF8.self)
}
