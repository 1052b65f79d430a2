public enum FailmixVersion {
    public static let current = "0.1.0"
}

import FailmixGit

extension FailmixVersion {
    /// The linked libgit2's version: proof that the library is really there.
    public static var libgit2: String { LibGit2.version }
    public static var banner: String { "failmix \(current) (libgit2 \(libgit2))" }
}

extension Report {
    /// A report made by this build of failmix.
    init(records: RecordSet, mix: FailureMix, notes: [String]) {
        self.init(version: FailmixVersion.current, records: records, mix: mix, notes: notes)
        libgit2Version = FailmixVersion.libgit2
    }
}
