import CLibGit2

/// A `Key: value` line from a commit message's trailer block.
public struct Trailer: Sendable, Hashable {
    public var key: String
    public var value: String

    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }

    /// The trailers of `message`, as libgit2 (like `git interpret-trailers`) finds them.
    public static func parse(_ message: String) -> [Trailer] {
        LibGit2.ensureInitialized()
        var array = git_message_trailer_array()
        guard git_message_trailers(&array, message) == 0 else { return [] }
        defer { git_message_trailer_array_free(&array) }
        return (0..<array.count).map { i in
            let t = array.trailers[i]
            return Trailer(key: String(cString: t.key), value: String(cString: t.value))
        }
    }
}

/// One commit, copied out of libgit2 so it outlives the walk.
public struct Commit: Sendable, Hashable {
    /// Full lower-case hex SHA.
    public var sha: String
    public var authorName: String
    public var authorEmail: String
    /// Author time in seconds since the epoch: when the work was done, the
    /// time that attribution uses.
    public var authorTime: Int64
    /// Committer time: what the walk is ordered (and cut off) by.
    public var committerTime: Int64
    public var parents: [String]
    public var message: String
    public var trailers: [Trailer]

    /// Copies everything out of a looked-up `git_commit`.
    init(_ commit: OpaquePointer) {
        sha = git_commit_id(commit).pointee.hex
        let author = git_commit_author(commit).pointee
        authorName = author.name.map { String(cString: $0) } ?? ""
        authorEmail = author.email.map { String(cString: $0) } ?? ""
        authorTime = Int64(author.when.time)
        committerTime = Int64(git_commit_time(commit))
        parents = (0..<git_commit_parentcount(commit)).map { git_commit_parent_id(commit, $0).pointee.hex }
        message = git_commit_message(commit).map { String(cString: $0) } ?? ""
        // A trailer is a "key: value" line: without a colon there is none,
        // and most commits need no trailer parse.
        trailers = message.utf8.contains(UInt8(ascii: ":")) ? Trailer.parse(message) : []
    }
}

extension Repository {
    /// The commit with full SHA `sha`.
    public func commit(_ sha: String) throws(GitError) -> Commit {
        try withCommit(git_oid.parse(sha)) { Commit($0) }
    }

    /// Looks up a commit, hands it to `body` and frees it.
    func withCommit<T>(_ id: git_oid, _ body: (OpaquePointer) -> T) throws(GitError) -> T {
        let commit = try lookupCommit(id)
        defer { git_commit_free(commit) }
        return body(commit)
    }

    /// A looked-up `git_commit` that the caller frees.
    func lookupCommit(_ id: git_oid) throws(GitError) -> OpaquePointer {
        var oid = id
        var commit: OpaquePointer?
        try check(git_commit_lookup(&commit, handle, &oid), "reading commit \(id.hex)")
        return commit!
    }
}
