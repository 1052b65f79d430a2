import Foundation
import Testing
@testable import FailmixEvidence
@testable import FailmixGit

/// The walk on its own thread (`CommitFeed`) is the walk: same commits, same
/// order, across batch boundaries, and its error where the walk has it.
@Suite struct CommitFeedTests {
    /// `count` commits on top of `base` (or a root), through one fast-import.
    private func importChain(_ repo: TestRepository, count: Int, on base: String? = nil) throws {
        var stream = ""
        for i in 1...count {
            let message = "c\(i)"
            stream += "commit refs/heads/main\ncommitter A <a@example.org> \(1_780_000_000 + i) +0000\ndata \(message.utf8.count)\n\(message)\n"
            if i == 1, let base { stream += "from \(base)\n" }
            stream += "\n"
        }
        let result = try TestRepository.run(["fast-import", "--quiet", "--done"], in: repo.path, stdin: stream + "done\n")
        #expect(result.status == 0, "\(result.stderr)")
    }

    private func drain(_ next: () throws(GitError) -> Commit?) -> (shas: [String], error: String?) {
        var shas: [String] = []
        do {
            while let commit = try next() { shas.append(commit.sha) }
        } catch {
            return (shas, error.description)
        }
        return (shas, nil)
    }

    @Test func feedIsTheWalkInOrderThenItsError() throws {
        let repo = try TestRepository()
        // A base commit whose parent is missing: the walk fails reading it, after 300 commits.
        let tree = try repo.git(["hash-object", "-t", "tree", "-w", "--stdin"])
        let base = try TestRepository.run(
            ["hash-object", "-t", "commit", "-w", "--literally", "--stdin"], in: repo.path,
            stdin: "tree \(tree)\nparent \(String(repeating: "1", count: 40))\nauthor A <a@example.org> 1780000000 +0000\ncommitter A <a@example.org> 1780000000 +0000\n\nbase\n"
        ).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try importChain(repo, count: 300, on: base)

        let walk = try Repository.open(repo.path).walk()
        let direct = drain { () throws(GitError) in try walk.next() }
        let feed = CommitFeed(try Repository.open(repo.path).walk())
        defer { feed.stop() }
        let fed = drain { () throws(GitError) in try feed.next() }
        #expect(direct.shas.count == 300 && direct.error != nil)
        #expect(fed.shas == direct.shas)
        #expect(fed.error == direct.error)
        // Asked again after the end, it stays ended.
        #expect(drain { () throws(GitError) in try feed.next() } == ([], direct.error))
    }

    /// Stopped early, the feed's thread lets go of the repository, which the
    /// caller then walks again in full.
    @Test func stoppedFeedLetsGoOfTheRepository() throws {
        let repo = try TestRepository()
        // More commits than the queue holds (16 batches): the thread waits for room when stopped.
        try importChain(repo, count: 3_000)
        let repository = try Repository.open(repo.path)
        let feed = CommitFeed(try repository.walk())
        for _ in 0..<20 { _ = try feed.next() }
        feed.stop()
        feed.stop()
        let walk = try repository.walk()
        #expect(drain { () throws(GitError) in try walk.next() }.shas.count == 3_000)
    }
}
