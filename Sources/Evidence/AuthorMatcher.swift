import FoundationEssentials
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Decides which commit authors are the agent: fnmatch-style globs against
/// the e-mail or the name, in any case. With no patterns everybody is,
/// except bots (`[bot]` in the name or e-mail), which never are.
public struct AuthorMatcher: Sendable {
    private let patterns: [String]
    /// Histories have few distinct authors and many commits.
    private var known: [Author: Bool] = [:]

    private struct Author: Hashable {
        var name: String
        var email: String
    }

    public init(patterns: [String]) { self.patterns = patterns.map { $0.lowercased() } }

    public var countsEveryone: Bool { patterns.isEmpty }

    public mutating func isAgent(name: String, email: String) -> Bool {
        let key = Author(name: name, email: email)
        if let answer = known[key] { return answer }
        if Self.isBot(name: name, email: email) {
            known[key] = false
            return false
        }
        if patterns.isEmpty { return true }
        // Lower-case both sides rather than rely on FNM_CASEFOLD, a GNU extension.
        let subjects = [email.lowercased(), name.lowercased()]
        let answer = patterns.contains { pattern in subjects.contains { fnmatch(pattern, $0, 0) == 0 } }
        known[key] = answer
        return answer
    }

    /// GitHub's and GitLab's app accounts: `dependabot[bot]`, `…[bot]@users.noreply.github.com`.
    static func isBot(name: String, email: String) -> Bool {
        name.lowercased().contains("[bot]") || email.lowercased().contains("[bot]")
    }
}
