import FailmixSupport

/// Stamps a commit message file in place: read, stamped and replaced whole
/// (`AtomicFile`), so git never reads half a message. Plain libc, so the
/// `failmix-stamp` executable starts in about a millisecond.
public enum MessageFile {
    public enum Outcome: Equatable, Sendable {
        case stamped
        /// A trailer with the key is there already and wins.
        case alreadyThere
        case failed(String)
    }

    /// `configured` is `core.commentChar` as git reports it (nil or empty: `#`).
    public static func stamp(path: String, key: String, value: String, commentChar configured: String?) -> Outcome {
        // A commit message is small; refuse to slurp something that isn't one.
        guard let message = FileIO.contents(of: path, limit: 64 << 20) else {
            return .failed("cannot read the commit message \(path): \(FileIO.errorText())")
        }
        let comment = TrailerStamp.commentChar(configured: configured, message: message)
        guard let stamped = TrailerStamp.stamp(message, key: key, value: value, commentChar: comment) else { return .alreadyThere }
        do throws(FileError) {
            try AtomicFile.write(stamped, to: path)
        } catch {
            return .failed("cannot replace the commit message (\(error))")
        }
        return .stamped
    }
}

extension TrailerStamp {
    /// A trailer token git accepts: letters, digits and dashes.
    public static func isValidKey(_ key: String) -> Bool {
        !key.isEmpty && key.utf8.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "-") }
    }
}
