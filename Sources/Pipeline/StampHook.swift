import FailmixEvidence
import FailmixGit
import FailmixTrailers
import FoundationEssentials

/// The `prepare-commit-msg` hook that stamps every commit made inside an
/// agent session with `<trailer>: <session id>`, so attribution needs no
/// clocks. The trailer key and the session variables are written into the
/// script when it is installed (`failmix doctor` notices when they no longer
/// match the configuration). Outside a session the script exits before
/// starting anything; inside one it runs `failmix-stamp` (plain libc, no
/// libgit2: about a millisecond), else `failmix hook stamp`.
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
        # The comment character matters only for lines that could be comments.
        cc=
        while IFS= read -r line; do
          case $line in [![:alnum:][:space:]]*) cc=$(git config --get core.commentChar); break ;; esac
        done < "$1"
        FAILMIX=\(shellQuote(executable))
        # failmix-stamp beside failmix starts in a millisecond; failmix itself is the fallback.
        STAMP=${FAILMIX%/*}/failmix-stamp
        [ -x "$STAMP" ] || STAMP=$(command -v failmix-stamp) && exec "$STAMP" "$1" \(shellQuote(trailer)) "$id" "$cc"
        [ -x "$FAILMIX" ] || FAILMIX=$(command -v failmix) || { echo "failmix: not found; this commit is not stamped with \(trailer)" >&2; exit 0; }
        exec "$FAILMIX" hook stamp "$1" --trailer \(shellQuote(trailer)) --session-id "$id" --comment-char "$cc"

        """
    }

    /// The trailer key and variables an installed stamping script was written with.
    public static func installed(in script: String) -> StampSettings? {
        guard let idLine = script.split(separator: "\n").first(where: { $0.hasPrefix("id=${") }),
              let stampLine = script.split(separator: "\n").first(where: { $0.contains(" hook stamp ") }),
              let keyStart = stampLine.firstRange(of: "--trailer '")?.upperBound,
              let keyEnd = stampLine[keyStart...].firstIndex(of: "'") else { return nil }
        let names = idLine.split(separator: "{").dropFirst().map { $0.prefix { $0 != ":" } }.map(String.init)
        return StampSettings(trailer: String(stampLine[keyStart..<keyEnd]), environment: names)
    }
}
