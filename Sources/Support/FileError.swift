#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed file operation, naming the file and the system's reason.
public struct FileError: Error, Sendable, CustomStringConvertible {
    /// What was being done: "read", "write", "replace", …
    public var operation: String
    public var path: String
    public var reason: String

    public init(_ operation: String, _ path: String, reason: String) {
        self.operation = operation
        self.path = path
        self.reason = reason
    }

    /// The error for the `errno` left by the call that just failed.
    public static func errno(_ operation: String, _ path: String) -> FileError {
        FileError(operation, path, reason: FileIO.errorText())
    }

    public var description: String { "cannot \(operation) '\(path)': \(reason)" }
}
