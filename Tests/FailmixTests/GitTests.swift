import Foundation
import Testing
@testable import FailmixGit

/// Resident set size in pages, from /proc/self/statm.
private func residentPages() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = text.split(separator: " ")
    return fields.count > 1 ? Int(fields[1]) ?? 0 : 0
}

@Suite struct GitTests {
    let t0: Int64 = 1_780_000_000

    @Test func commitFieldsAndTrailers() throws {
        let repo = try TestRepository()
        let first = try repo.commit("first", at: t0)
        let second = try repo.commit("add feature\n\nBody text.\n\nGit-Session-Id: s1\nCo-authored-by: Ana <ana@example.org>\n",
                                     at: t0 + 60, author: TestRepository.agent, committedAt: t0 + 90)
        let walk = try Repository.open(repo.path).walk()
        let newest = try #require(try walk.next())
        #expect(newest.sha == second)
        #expect(newest.authorName == "Bob")
        #expect(newest.authorEmail == "bob@agents.example.org")
        #expect(newest.authorTime == t0 + 60)
        #expect(newest.committerTime == t0 + 90)
        #expect(newest.parents == [first])
        #expect(newest.message.hasPrefix("add feature\n\nBody text."))
        #expect(newest.trailers == [Trailer(key: "Git-Session-Id", value: "s1"),
                                    Trailer(key: "Co-authored-by", value: "Ana <ana@example.org>")])
        let oldest = try #require(try walk.next())
        #expect(oldest.sha == first && oldest.parents.isEmpty && oldest.trailers.isEmpty)
        #expect(try walk.next() == nil)
        #expect(try walk.next() == nil)
        #expect(try Repository.open(repo.path).commit(first).message == "first\n")
    }

    @Test func walkIsNewestFirstAndStopsBeforeACutoff() throws {
        let repo = try TestRepository()
        var shas: [String] = []
        for day in 0..<5 { shas.append(try repo.commit("day \(day)", at: t0 + Int64(day) * 86_400)) }
        let all = try collect(Repository.open(repo.path).walk())
        #expect(all.map(\.sha) == shas.reversed())
        let recent = try collect(Repository.open(repo.path).walk(stopBefore: t0 + 2 * 86_400))
        #expect(recent.map(\.sha) == Array(shas[2...].reversed()))
    }

    /// Branches merged back, commit times out of step with the graph: every
    /// commit once, in `git log`'s order (newest committer time first among
    /// the commits whose children have been seen).
    @Test func walkOverMergesVisitsEachCommitOnceByTime() throws {
        let repo = try TestRepository()
        try repo.commit("base", at: t0)
        for branch in 0..<3 {
            try repo.git(["checkout", "-q", "-b", "b\(branch)", "main"])
            for k in 0..<3 { try repo.commit("b\(branch) \(k)", at: t0 + Int64(100 * k + 10 * branch + 1)) }
            try repo.git(["checkout", "-q", "main"])
            try repo.commit("main \(branch)", at: t0 + Int64(50 + 100 * branch))
            try repo.git(["merge", "-q", "--no-ff", "-m", "merge b\(branch)", "b\(branch)"], environment: [
                "GIT_COMMITTER_DATE": "@\(t0 + 1000 + Int64(branch)) +0000", "GIT_AUTHOR_DATE": "@\(t0 + 1000 + Int64(branch)) +0000",
            ])
        }
        let walked = try collect(Repository.open(repo.path).walk())
        let expected = try repo.git(["log", "--format=%H"]).split(separator: "\n").map(String.init)
        #expect(walked.count == 16 && walked.map(\.sha) == expected)
    }

    @Test func revsAndAllBranches() throws {
        let repo = try TestRepository()
        let base = try repo.commit("base", at: t0)
        let onMain = try repo.commit("main work", at: t0 + 10)
        try repo.git(["checkout", "-q", "-b", "side", base])
        let onSide = try repo.commit("side work", at: t0 + 20)
        try repo.git(["checkout", "-q", "main"])
        try repo.git(["tag", "-a", "-m", "annotated", "v1", onSide])
        let repository = try Repository.open(repo.path)
        #expect(try Set(collect(repository.walk()).map(\.sha)) == [base, onMain])
        #expect(try Set(collect(repository.walk(from: WalkTips(revs: ["side"]))).map(\.sha)) == [base, onSide])
        #expect(try Set(collect(repository.walk(from: WalkTips(revs: ["v1"]))).map(\.sha)) == [base, onSide])
        #expect(try collect(repository.walk(from: WalkTips(allBranches: true))).map(\.sha) == [onSide, onMain, base])
        #expect(try Set(collect(repository.walk(from: WalkTips(revs: ["main~1"]))).map(\.sha)) == [base])
    }

    @Test func detachedHead() throws {
        let repo = try TestRepository()
        let first = try repo.commit("one", at: t0)
        try repo.commit("two", at: t0 + 10)
        try repo.git(["checkout", "-q", "--detach", first])
        let repository = try Repository.open(repo.path)
        #expect(repository.isHeadDetached)
        #expect(repository.headSHA == first)
        #expect(try collect(repository.walk()).map(\.sha) == [first])
    }

    @Test func worktreeSharesNotesAndHasItsOwnHead() throws {
        let repo = try TestRepository()
        let base = try repo.commit("base", at: t0)
        let worktree = try repo.addWorktree("wt", branch: "feature")
        let feature = try worktree.commit("in worktree", at: t0 + 10)
        try FileManager.default.createDirectory(atPath: worktree.path + "/sub/dir", withIntermediateDirectories: true)
        try Repository.open(repo.path).setNote(sha: feature, message: "status: success\n", authorName: "CI", authorEmail: "ci@example.org")

        let repository = try Repository.discover(from: worktree.path + "/sub/dir")
        #expect(repository.workdir == worktree.path)
        #expect(repository.headSHA == feature)
        #expect(repository.gitDirectory != repository.commonDirectory)
        #expect(try collect(repository.walk()).map(\.sha) == [feature, base])
        #expect(try repository.note(sha: feature) == "status: success\n")
    }

    @Test func emptyRepository() throws {
        let repo = try TestRepository()
        let repository = try Repository.open(repo.path)
        #expect(repository.isEmpty)
        #expect(repository.isHeadUnborn)
        #expect(repository.headSHA == nil)
        #expect(try collect(repository.walk()).isEmpty)
        #expect(try collect(repository.walk(from: WalkTips(allBranches: true))).isEmpty)
        try repo.commit("first", at: t0)
        #expect(!(try Repository.open(repo.path).isEmpty))
    }

    @Test func shallowCloneWalksToItsBoundary() throws {
        let source = try TestRepository()
        var shas: [String] = []
        for day in 0..<6 { shas.append(try source.commit("day \(day)", at: t0 + Int64(day) * 86_400)) }
        let clone = source.parent.file("clone")
        try TestRepository.git(["clone", "-q", "--depth", "3", "file://" + source.path, clone], in: source.parent.path)
        let repository = try Repository.open(clone)
        #expect(repository.isShallow)
        #expect(repository.shallowBoundary == [shas[3]])
        #expect(try collect(repository.walk()).map(\.sha) == Array(shas[3...].reversed()))
        #expect(!(try Repository.open(source.path).isShallow))
    }

    @Test func notesReadWriteAndOverwrite() throws {
        let repo = try TestRepository()
        let sha = try repo.commit("noted", at: t0)
        let other = try repo.commit("not noted", at: t0 + 1)
        let repository = try Repository.open(repo.path)
        #expect(try repository.notes() == nil)
        #expect(try repository.note(sha: sha) == nil)
        try repository.setNote(sha: sha, message: "status: failure\njob: test\n", authorName: "CI", authorEmail: "ci@example.org")
        #expect(try repository.note(sha: sha) == "status: failure\njob: test\n")
        try repository.setNote(sha: sha, message: "status: success\n", authorName: "CI", authorEmail: "ci@example.org")
        #expect(try repository.note(sha: sha) == "status: success\n")
        #expect(try repository.note(sha: other) == nil)
        #expect(try repository.note(ref: "refs/notes/commits", sha: sha) == nil)
        // What libgit2 wrote, git reads; and the other way round.
        #expect(try repo.git(["notes", "--ref", "refs/notes/ci", "show", sha]) == "status: success")
        try repo.git(["notes", "--ref", "refs/notes/other", "add", "-m", "from the CLI", other])
        #expect(try repository.note(ref: "refs/notes/other", sha: other) == "from the CLI\n")
    }

    @Test func errorsCarryLibgit2sMessage() throws {
        let dir = TempDir()
        #expect {
            try Repository.open(dir.file("missing"))
        } throws: { error in
            (error as? GitError)?.message.contains("missing") == true
        }
        let repo = try TestRepository()
        try repo.commit("one", at: t0)
        let repository = try Repository.open(repo.path)
        #expect {
            try repository.walk(from: WalkTips(revs: ["no-such-branch"]))
        } throws: { error in
            guard let error = error as? GitError else { return false }
            return error.isNotFound && error.description.contains("no-such-branch")
        }
        #expect(throws: GitError.self) { try repository.commit(String(repeating: "0", count: 40)) }
    }

    @Test func trailerParsing() {
        // libgit2 keeps a value's trailing blanks; attribution trims them.
        #expect(Trailer.parse("subject\n\nGit-Session-Id:  abc \nSigned-off-by: A <a@b>\n")
                == [Trailer(key: "Git-Session-Id", value: "abc "), Trailer(key: "Signed-off-by", value: "A <a@b>")])
        #expect(Trailer.parse("subject only\n").isEmpty)
        #expect(Trailer.parse("subject\n\nGit-Session-Id: abc\n\nnot a trailer block\n").isEmpty)
    }

    /// Opening, walking and reading notes many times leaves resident memory
    /// flat: every libgit2 object is freed. A leak grows every round, while
    /// other tests running alongside only add noise, so the smallest growth
    /// over a few rounds is what counts.
    @Test func noLeaksOfLibgit2Objects() throws {
        let repo = try TestRepository()
        let shas = try repo.importCommits((0..<40).map { ("commit \($0)\n\nGit-Session-Id: s\($0)\n", t0 + Int64($0)) })
        try Repository.open(repo.path).setNote(sha: shas[0], message: "status: failure\n", authorName: "CI", authorEmail: "ci@example.org")
        func exercise(_ times: Int) throws {
            for _ in 0..<times {
                let repository = try Repository.discover(from: repo.path)
                let walk = try repository.walk(from: WalkTips(allBranches: true))
                var count = 0
                while try walk.next() != nil { count += 1 }
                #expect(count == 40)
                #expect(try repository.note(sha: shas[0]) != nil)
                _ = try? repository.walk(from: WalkTips(revs: ["missing"]))
            }
        }
        try exercise(60)  // warm-up: caches, allocator arenas
        // Resident pages are the whole process's: other suites run in
        // parallel (some in-process), so the quietest of five rounds counts.
        var growth: [Int] = []
        for _ in 0..<5 {
            let before = residentPages()
            try exercise(80)
            growth.append(residentPages() - before)
        }
        #expect(growth.min()! <= 64, "resident pages grew by \(growth) per 80 iterations")
    }

    private func collect(_ walk: CommitWalk) throws -> [Commit] {
        var commits: [Commit] = []
        while let commit = try walk.next() { commits.append(commit) }
        return commits
    }
}
