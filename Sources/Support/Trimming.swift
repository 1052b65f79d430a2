extension Substring {
    /// Without the blanks at either end: Foundation's
    /// `trimmingCharacters(in: .whitespaces)`, scalar by scalar, without
    /// bridging the text to NSString and back (parsers that trim every line
    /// spent most of their time there).
    public var trimmingBlanks: Substring { trimming(Self.isBlank) }

    /// Without blanks or line breaks at either end: `.whitespacesAndNewlines`.
    public var trimmingBlanksAndNewlines: Substring { trimming { Self.isBlank($0) || Self.isLineBreak($0) } }

    /// In Foundation's `CharacterSet.whitespaces`: tab, Unicode Zs, and U+200B.
    static func isBlank(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x20, 0xA0, 0x1680, 0x2000...0x200B, 0x202F, 0x205F, 0x3000: true
        default: false
        }
    }

    /// What `.whitespacesAndNewlines` adds to `.whitespaces`.
    static func isLineBreak(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x0A...0x0D, 0x85, 0x2028, 0x2029: true
        default: false
        }
    }

    private func trimming(_ blank: (Unicode.Scalar) -> Bool) -> Substring {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !blank($0) }), let last = scalars.lastIndex(where: { !blank($0) }) else { return "" }
        return Substring(scalars[first...last])
    }
}

extension String {
    /// See `Substring.trimmingBlanks`.
    public var trimmingBlanks: Substring { self[...].trimmingBlanks }
    /// See `Substring.trimmingBlanksAndNewlines`.
    public var trimmingBlanksAndNewlines: Substring { self[...].trimmingBlanksAndNewlines }
}
