import FailmixClassify
import FailmixRecords

/// How a renderer may decorate its output.
public struct RenderOptions: Sendable {
    /// ANSI colour (only on a terminal, never with NO_COLOR).
    public var color = false
    /// A fixed `::stop-commands::` token (tests only; normally random).
    public var randomToken: String?

    public init(color: Bool = false, randomToken: String? = nil) {
        self.color = color
        self.randomToken = randomToken
    }
}

/// One output format: an identifier and one pure render function.
public protocol Reporter {
    static var identifier: String { get }
    static func render(_ report: Report, options: RenderOptions, into out: inout some TextOutputStream)
}

extension Reporter {
    public static func render(_ report: Report, options: RenderOptions = RenderOptions()) -> String {
        var s = ""
        render(report, options: options, into: &s)
        return s
    }
}

/// An output stream that also takes raw UTF-8 bytes, so a report of 200k
/// rows needn't become a String first. Class-bound: a renderer casting its
/// `inout some TextOutputStream` to it writes to the same stream, in order.
public protocol ByteOutputStream: AnyObject, TextOutputStream {
    func write(bytes: [UInt8])
}

/// Every output format, by identifier. Add a format here and nowhere else.
public enum Reporters {
    public static var all: [any Reporter.Type] { [
        TextReporter.self,
        JSONReporter.self,
        MarkdownReporter.self,
        GitHubReporter.self,
        SARIFReporter.self,
        CodeQualityReporter.self,
        JUnitReporter.self,
        PrometheusReporter.self,
        HTMLReporter.self,
    ] }

    public static func named(_ identifier: String) -> (any Reporter.Type)? {
        all.first { $0.identifier == identifier }
    }

    public static var identifiers: [String] { all.map { $0.identifier } }
}
