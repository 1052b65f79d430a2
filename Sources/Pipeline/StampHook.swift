import FailmixEvidence
import FailmixGit
import Foundation

/// The `prepare-commit-msg` hook that stamps every commit made inside an
/// agent session with `<trailer>: <session id>`, so attribution needs no
/// clocks. The trailer key and the session variables are written into the
/// script when it is installed (`failmix doctor` notices when they no longer
/// match the configuration). Outside a session the script exits before
/// starting anything; inside one it runs `failmix hook stamp`, which edits
/// the message without starting libgit2.
public struct StampSettings: Sendable, Equatable {
    public static let hookName = "prepare-commit-msg"
    
    public var trailer: String
    /// Environment variables holding the session id; the first non-empty one wins.
    public var environment: [String]

    public init(trailer: String = "Git-Session-Id", environment: [String] = EvidenceOptions.defaultSessionEnvironment) {
        self.trailer = trailer
        self.environment = environment
    }

    /// `${A:-${B:-}}`: the first non-empty variable, in sh.
    var shellLookup: String {
        environment.reversed().reduce("") { inner, name in "${\(name):-\(inner)}" }
    }

    func script(executable: String, marker: String) -> String {
        let names = environment.joined(separator: ", ")
        return """
        #!/bin/sh
        \(marker) (\(Self.hookName)). Installed by `failmix hook install \(Self.hookName)`;
        # `failmix hook uninstall` removes it and restores any hook it replaced.
        # Stamps commits made in an agent session with `\(trailer): <id>` (id from \(names)).
        hookdir=${0%/*}
        # A hook that was here before runs first; its failure still blocks.
        if [ -x "$hookdir/\(Self.hookName).failmix-orig" ]; then
          "$hookdir/\(Self.hookName).failmix-orig" "$@" || exit $?
        fi
        id=\(shellLookup)
        [ -n "$id" ] || exit 0
        FAILMIX=\(shellQuote(executable))
        [ -x "$FAILMIX" ] || FAILMIX=$(command -v failmix) || { echo "failmix: not found; this commit is not stamped with \(trailer)" >&2; exit 0; }
        exec "$FAILMIX" hook stamp "$1" --trailer \(shellQuote(trailer)) --session-id "$id" --comment-char "$(git config --get core.commentChar)"

        """
    }

    /// The trailer key and variables an installed stamping script was written with.
    public static func installed(in script: String) -> StampSettings? {
        guard let idLine = script.split(separator: "\n").first(where: { $0.hasPrefix("id=${") }),
              let stampLine = script.split(separator: "\n").first(where: { $0.contains(" hook stamp ") }),
              let keyStart = stampLine.range(of: "--trailer '")?.upperBound,
              let keyEnd = stampLine[keyStart...].firstIndex(of: "'") else { return nil }
        let names = idLine.split(separator: "{").dropFirst().map { $0.prefix { $0 != ":" } }.map(String.init)
        return StampSettings(trailer: String(stampLine[keyStart..<keyEnd]), environment: names)
    }
}

/// Stamps a commit message file (`failmix hook stamp`): atomically
/// replaced, untouched when the trailer key is already there.
public enum MessageStamper {
    public enum Outcome: Equatable, Sendable { case stamped, alreadyThere }

    public static func stamp(file: String, trailer: String, sessionID: String, commentChar configured: String?) throws -> Outcome {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw HookError("cannot read the commit message \(file)")
        }
        let message = [UInt8](data)
        let comment = TrailerStamp.commentChar(configured: configured, message: message)
        guard let stamped = TrailerStamp.stamp(message, key: trailer, value: sessionID, commentChar: comment) else {
            return .alreadyThere
        }
        let temp = file + ".failmix-\(getpid())"
        guard FileManager.default.createFile(atPath: temp, contents: Data(stamped)), rename(temp, file) == 0 else {
            unlink(temp)
            throw HookError("cannot write the commit message \(file): \(String(cString: strerror(errno)))")
        }
        return .stamped
    }
}
