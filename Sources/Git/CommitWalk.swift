import CLibGit2

/// Where a walk starts: HEAD, unless revisions or all local branches are given.
public struct WalkTips: Sendable, Equatable {
    /// Anything `git rev-parse` understands (`main`, `v1.2~3`, a SHA), peeled to a commit.
    public var revs: [String]
    public var allBranches: Bool

    public init(revs: [String] = [], allBranches: Bool = false) {
        self.revs = revs
        self.allBranches = allBranches
    }

    var isHead: Bool { revs.isEmpty && !allBranches }
}

/// The commits reachable from the tips, newest first by committer time, each
/// once. Ends early at the first commit older than `stopBefore`, so a short
/// time span of a huge history stays cheap.
public final class CommitWalk {
    private let repository: Repository
    private let stopBefore: Int64?
    private var order: Order
    private var finished = false

    /// libgit2 1.5's revwalk fails on a shallow clone's missing parents
    /// (shallow grafts came in 1.7), so a shallow repository is walked by a
    /// time-ordered queue that does not follow the boundary commits' parents.
    private enum Order {
        case revwalk(OpaquePointer)
        case shallow(ShallowQueue)
    }

    init(repository: Repository, tips: [git_oid], stopBefore: Int64?) throws(GitError) {
        self.repository = repository
        self.stopBefore = stopBefore
        if repository.isShallow {
            let queue = ShallowQueue(boundary: repository.shallowBoundary)
            for tip in tips { try queue.push(tip, in: repository) }
            order = .shallow(queue)
            return
        }
        var walker: OpaquePointer?
        try check(git_revwalk_new(&walker, repository.handle), "starting a history walk")
        order = .revwalk(walker!)
        try check(git_revwalk_sorting(walker, GIT_SORT_TIME.rawValue), "sorting the history walk")
        for var tip in tips { try check(git_revwalk_push(walker, &tip), "walking from \(tip.hex)") }
    }

    deinit {
        if case .revwalk(let walker) = order { git_revwalk_free(walker) }
    }

    public func next() throws(GitError) -> Commit? {
        guard !finished, let commit = try nextCommit() else {
            finished = true
            return nil
        }
        defer { git_commit_free(commit) }
        if let stopBefore, Int64(git_commit_time(commit)) < stopBefore {
            finished = true
            return nil
        }
        return Commit(commit)
    }

    /// The next looked-up commit, which the caller frees.
    private func nextCommit() throws(GitError) -> OpaquePointer? {
        switch order {
        case .revwalk(let walker):
            var oid = git_oid()
            let code = git_revwalk_next(&oid, walker)
            if code == GIT_ITEROVER.rawValue { return nil }
            try check(code, "walking the history")
            return try repository.lookupCommit(oid)
        case .shallow(let queue):
            return try queue.pop(in: repository)
        }
    }
}

/// A max-heap of commits on committer time, for walking shallow clones.
final class ShallowQueue {
    let boundary: Set<String>
    private var heap: [(time: Int64, oid: git_oid)] = []
    private var seen: Set<String> = []

    init(boundary: Set<String>) { self.boundary = boundary }

    func push(_ oid: git_oid, in repository: Repository) throws(GitError) {
        guard seen.insert(oid.hex).inserted else { return }
        let time = try repository.withCommit(oid) { Int64(git_commit_time($0)) }
        heap.append((time, oid))
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[parent].time < heap[child].time else { break }
            heap.swapAt(parent, child)
            child = parent
        }
    }

    /// The newest queued commit (looked up; the caller frees it), its parents queued.
    func pop(in repository: Repository) throws(GitError) -> OpaquePointer? {
        guard let top = heap.first else { return nil }
        heap.swapAt(0, heap.count - 1)
        heap.removeLast()
        var node = 0
        while true {
            let left = 2 * node + 1, right = left + 1
            var largest = node
            if left < heap.count, heap[left].time > heap[largest].time { largest = left }
            if right < heap.count, heap[right].time > heap[largest].time { largest = right }
            if largest == node { break }
            heap.swapAt(node, largest)
            node = largest
        }
        if !boundary.contains(top.oid.hex) {
            let parents = try repository.withCommit(top.oid) { commit in
                (0..<git_commit_parentcount(commit)).map { git_commit_parent_id(commit, $0).pointee }
            }
            for parent in parents { try push(parent, in: repository) }
        }
        return try repository.lookupCommit(top.oid)
    }
}

extension Repository {
    /// Walks the history from `tips` (HEAD by default; nothing when HEAD is
    /// unborn), newest first, ending before the first commit whose committer
    /// time is below `stopBefore`.
    public func walk(from tips: WalkTips = WalkTips(), stopBefore: Int64? = nil) throws(GitError) -> CommitWalk {
        try CommitWalk(repository: self, tips: tipIDs(tips), stopBefore: stopBefore)
    }

    private func tipIDs(_ tips: WalkTips) throws(GitError) -> [git_oid] {
        var ids: [git_oid] = []
        for rev in tips.revs { ids.append(try commitID(rev)) }
        if tips.allBranches { ids += try localBranchTips() }
        if tips.isHead, !isHeadUnborn { ids.append(try commitID("HEAD")) }
        return ids
    }

    /// The commit a revision names (a tag is peeled to its commit).
    func commitID(_ rev: String) throws(GitError) -> git_oid {
        var object: OpaquePointer?
        try check(git_revparse_single(&object, handle, rev), "resolving '\(rev)'")
        defer { git_object_free(object) }
        var commit: OpaquePointer?
        try check(git_object_peel(&commit, object, GIT_OBJECT_COMMIT), "resolving '\(rev)' to a commit")
        defer { git_object_free(commit) }
        return git_object_id(commit).pointee
    }

    private func localBranchTips() throws(GitError) -> [git_oid] {
        var iterator: OpaquePointer?
        try check(git_branch_iterator_new(&iterator, handle, GIT_BRANCH_LOCAL), "listing branches")
        defer { git_branch_iterator_free(iterator) }
        var ids: [git_oid] = []
        while true {
            var reference: OpaquePointer?
            var type = GIT_BRANCH_LOCAL
            let code = git_branch_next(&reference, &type, iterator)
            if code == GIT_ITEROVER.rawValue { return ids }
            try check(code, "listing branches")
            defer { git_reference_free(reference) }
            var commit: OpaquePointer?
            try check(git_reference_peel(&commit, reference, GIT_OBJECT_COMMIT),
                      "resolving branch '\(String(cString: git_reference_name(reference)))'")
            ids.append(git_object_id(commit).pointee)
            git_object_free(commit)
        }
    }
}
