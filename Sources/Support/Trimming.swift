extension Substring {
    /// Without the spaces and tabs at either end: Foundation's
    /// `trimmingCharacters(in: .whitespaces)` (tab and Unicode Zs), scalar
    /// by scalar, without bridging the text to NSString and back (parsers
    /// that trim every line spent most of their time there).
    public var trimmingBlanks: Substring {
        trimming { $0 == "\t" || Self.isSpaceSeparator($0) }
    }

    /// Without whitespace or line breaks at either end: `.whitespacesAndNewlines`
    /// (Unicode Z*, U+000A through U+000D, U+0085, and tab).
    public var trimmingBlanksAndNewlines: Substring {
        trimming { scalar in
            switch scalar.value {
            case 0x09...0x0D, 0x85: true
            case 0..<0x80: scalar == " "
            default:
                switch scalar.properties.generalCategory {
                case .spaceSeparator, .lineSeparator, .paragraphSeparator: true
                default: false
                }
            }
        }
    }

    private static func isSpaceSeparator(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x80 ? scalar == " " : scalar.properties.generalCategory == .spaceSeparator
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
