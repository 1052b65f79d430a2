public enum FailmixVersion {
    public static let current = "0.1.0"
}

import FailmixGit

extension FailmixVersion {
    /// The linked libgit2's version: proof that the library is really there.
    public static var libgit2: String { LibGit2.version }
    public static var banner: String { "failmix \(current) (libgit2 \(libgit2))" }
}
