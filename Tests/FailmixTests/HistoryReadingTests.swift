import Foundation
import Testing
@testable import FailmixGit

/// How the walk and the notes reader read objects, on histories shaped the
/// way the fast paths have to handle them.
@Suite struct HistoryReadingTests {
    let t0: Int64 = 1_780_000_000

    /// Runs `git fast-import` on `stream` in `repo`.
    private func fastImport(_ repo: TestRepository, _ stream: String) throws {
        let result = try run("/usr/bin/env", ["git", "fast-import", "--quiet", "--done"], cwd: repo.path, stdin: stream)
        #expect(result.status == 0, "\(result.stderr)")
    }

    /// Hundreds of notes sit in two-character fan-out directories (git's
    /// layout once a notes tree grows); flat and fanned-out entries are found
    /// alike, and a commit without a note has none.
    @Test func notesInFanOutTrees() throws {
        let repo = try TestRepository()
        var stream = ""
        let count = 600
        for i in 1...count {
            stream += "commit refs/heads/main\nmark :\(i)\ncommitter A <a@example.org> \(t0 + Int64(i)) +0000\n"
            stream += "data 9\ncommit \(i % 10)\n\n"
        }
        stream += "commit refs/notes/ci\ncommitter CI <ci@example.org> \(t0 + 9999) +0000\ndata 5\nnotes\n"
        for i in 1...count where i % 7 != 0 {
            let text = "status: success\njob: \(i)\n"
            stream += "N inline :\(i)\ndata \(text.utf8.count)\n\(text)\n"
        }
        stream += "\ndone\n"
        try fastImport(repo, stream)
        let top = try repo.git(["ls-tree", "--name-only", "refs/notes/ci"]).split(separator: "\n")
        #expect(top.allSatisfy { $0.count == 2 }, "expected a fanned-out notes tree, got \(top.prefix(3))")

        let shas = try repo.git(["rev-list", "--reverse", "main"]).split(separator: "\n").map(String.init)
        #expect(shas.count == count)
        let repository = try Repository.open(repo.path)
        let notes = try #require(try repository.notes())
        for (i, sha) in shas.enumerated() where i % 37 == 0 || i % 7 == 6 {
            let expected: String? = (i + 1) % 7 == 0 ? nil : "status: success\njob: \(i + 1)\n"
            #expect(try notes.note(for: sha) == expected, "commit \(i + 1)")
            #expect(try notes.note(for: sha.uppercased()) == expected)
        }
        #expect(try notes.note(for: "not a sha") == nil)
    }

    /// A merge-heavy history from the bench's generator (small, not repacked,
    /// 300 of its ~3,500 files and none written out: only the history is
    /// read), made once per run and copied into `dir`; its path.
    private func realisticRepository(in dir: TempDir) throws -> String {
        try SharedFixture.copy(making: ["python3", Paths.packageRoot + "/scripts/make-realistic-repo.py"],
                               ["--commits", "400", "--sessions", "30", "--no-gc", "--no-checkout", "--files", "300"], to: dir.file("out"))
        return dir.file("out/repo")
    }

    /// Every commit of a merge-heavy history (the bench's generator, small)
    /// reads as git shows it: author, times, parents, message; the walk
    /// visits each once, newest committer time first.
    @Test func walkReadsWhatGitShows() throws {
        let dir = TempDir("failmix-realistic")
        let repo = try realisticRepository(in: dir)
        let log = try runTool("git", ["-C", repo, "log", "-z", "--format=%H%x01%an%x01%ae%x01%at%x01%ct%x01%P%x01%B"])
        var expected: [String: [String]] = [:]
        for record in log.stdout.split(separator: "\0", omittingEmptySubsequences: true) {
            let fields = record.split(separator: "\u{1}", maxSplits: 6, omittingEmptySubsequences: false).map(String.init)
            expected[fields[0]] = fields
        }
        #expect(expected.count > 400)
        let walk = try Repository.open(repo).walk()
        var seen = Set<String>()
        var previous = Int64.max / 2
        var merges = 0
        while let commit = try walk.next() {
            #expect(seen.insert(commit.sha).inserted)
            let fields = try #require(expected[commit.sha])
            #expect(commit.authorName == fields[1] && commit.authorEmail == fields[2])
            #expect(commit.authorTime == Int64(fields[3]) && commit.committerTime == Int64(fields[4]))
            #expect(commit.parents == fields[5].split(separator: " ").map(String.init))
            #expect(commit.message == fields[6], "message of \(commit.sha)")
            if commit.parents.count > 1 { merges += 1 }
            // The generator lets a few committer clocks run behind; apart from those, newest first.
            if commit.committerTime > previous + 7200 { Issue.record("out of order: \(commit.sha)") }
            previous = commit.committerTime
        }
        #expect(seen.count == expected.count)
        #expect(merges > 40)
    }

    /// A walk that renews its object database every few commits (to drop
    /// libgit2's delta-base cache) reads the same commits in the same order
    /// as one that never does; the old pack really is closed (not picked up
    /// again from libgit2's table of open packs); and the repository still
    /// reads objects after the walk.
    @Test func walkRenewingTheObjectDatabase() throws {
        let dir = TempDir("failmix-renew")
        let repo = try realisticRepository(in: dir)
        #expect(try runTool("git", ["-C", repo, "repack", "-adq"]).status == 0)
        // The newest commits loose, read through failmix's loose-object reader across renewals.
        for i in 1...12 {
            let made = try runTool("git", ["-C", repo, "-c", "user.name=A", "-c", "user.email=a@example.org",
                                           "commit", "-q", "--allow-empty", "-m", "loose \(i)"])
            #expect(made.status == 0, "\(made.stderr)")
        }
        func shas(renewingEvery n: Int) throws -> [String] {
            let walk = try Repository.open(repo).walk(from: WalkTips(), stopBefore: nil, commitsPerObjectDatabase: n)
            var out: [String] = []
            while let commit = try walk.next() { out.append(commit.sha) }
            return out
        }
        let plain = try shas(renewingEvery: .max)
        #expect(plain.count > 400)
        #expect(try shas(renewingEvery: 7) == plain)

        // Between reads the pack is open once (a descriptor on its .pack
        // file), or not at all right after a renewal; twice would mean the
        // old pack stayed open beside the new one.
        let unique = String(dir.path.split(separator: "/").last!)  // links show the path normalised
        // Asked after every commit, among the descriptors of every test running
        // alongside: read with readdir/readlink (Foundation's listing and link
        // reading were seconds of the suite's CPU here).
        func openPacks() throws -> Int {
            guard let fds = opendir("/proc/self/fd") else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
            defer { closedir(fds) }
            var count = 0
            var target = [CChar](repeating: 0, count: 4096)
            while let entry = readdir(fds) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                let length = readlink("/proc/self/fd/" + name, &target, target.count - 1)
                guard length > 0 else { continue }
                let link = String(decoding: target[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
                if link.hasSuffix(".pack") && link.contains(unique) { count += 1 }
            }
            return count
        }
        let repository = try Repository.open(repo)
        let walk = try repository.walk(from: WalkTips(), stopBefore: nil, commitsPerObjectDatabase: 20)
        var open = Set<Int>()
        while try walk.next() != nil { open.insert(try openPacks()) }
        #expect(open == [0, 1])
        #expect(try repository.walk().next()?.sha == plain[0])
    }

    /// Odd commit objects read the way libgit2 reads them: extra and
    /// multi-line headers skipped, the e-mail inside the last <>, names and
    /// e-mails trimmed, leading blank lines of the message dropped, a
    /// signature without an e-mail or time read as empty rather than failing.
    @Test func oddCommitObjects() throws {
        let repo = try TestRepository()
        let tree = try repo.git(["hash-object", "-t", "tree", "-w", "--stdin"])
        func object(_ text: String) throws -> String {
            let result = try run("/usr/bin/env", ["git", "hash-object", "-t", "commit", "-w", "--literally", "--stdin"],
                                 cwd: repo.path, stdin: text)
            #expect(result.status == 0, "\(result.stderr)")
            return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let parent = try object("tree \(tree)\nauthor A <a@x> 5 +0000\ncommitter A <a@x> 6 +0000\n\nfirst\n")
        let signed = try object("""
            tree \(tree)
            parent \(parent)
            parent \(parent)
            author  Jo  Doe <jo> <jo@example.org >  1700000000 -0130
            committer C <c@x> 1700000100 +0000
            encoding ISO-8859-1
            gpgsig -----BEGIN PGP SIGNATURE-----
             parent 0000000000000000000000000000000000000000
             author Nobody <nobody@x> 1 +0000
             -----END PGP SIGNATURE-----


            subject

            Git-Session-Id: s1
            Signed-off-by: Jo <jo@example.org>

            """)
        let repository = try Repository.open(repo.path)
        let commit = try repository.commit(signed)
        #expect(commit.sha == signed)
        #expect(commit.parents == [parent, parent])
        #expect(commit.authorName == "Jo  Doe <jo>" && commit.authorEmail == "jo@example.org")
        #expect(commit.authorTime == 1_700_000_000 && commit.committerTime == 1_700_000_100)
        #expect(commit.message == "subject\n\nGit-Session-Id: s1\nSigned-off-by: Jo <jo@example.org>\n")
        #expect(commit.trailerValues(forKey: "git-session-id") == ["s1"])
        #expect(commit.trailerValues(forKey: "Reviewed-by").isEmpty)

        let bare = try object("tree \(tree)\nauthor nobody\ncommitter C <c@x>\n")
        let odd = try repository.commit(bare)
        #expect(odd.authorName.isEmpty && odd.authorEmail.isEmpty && odd.authorTime == 0 && odd.committerTime == 0)
        #expect(odd.message.isEmpty && odd.parents.isEmpty)
        #expect(throws: GitError.self) { try repository.commit(tree) }
    }

    /// Trailer keys are screened in libgit2's buffer before any becomes a
    /// String: what is found is still the whole parse filtered by key, in any case.
    @Test func trailerValuesAreTheWholeParseFilteredByKey() throws {
        let repo = try TestRepository()
        let message = "x\n\nGit-Session-Id: a\nSigned-off-by: A\ngit-session-ID: b\nGit-Session: c\nGit-Session-Ids: d\nGIT-SESSION-ID: e\n"
        let sha = try #require(try repo.importCommits([(message, t0)]).last)
        let commit = try Repository.open(repo.path).commit(sha)
        let whole = commit.trailers.filter { $0.key.lowercased() == "git-session-id" }.map(\.value)
        #expect(whole == ["a", "b", "e"])
        #expect(commit.trailerValues(forKey: "Git-Session-Id") == whole)
        #expect(commit.trailerValues(forKey: "git-session") == ["c"])
        #expect(commit.trailerValues(forKey: "GIT-SESSION-IDS") == ["d"])
        #expect(commit.trailerValues(forKey: "Signed-Off-By") == ["A"])
        #expect(commit.trailerValues(forKey: "Git-Session-I").isEmpty)
    }

    @Test func trailerKeyPrecheck() {
        #expect(Commit.mayContain("x\n\nGIT-session-ID: 1\n", "git-session-id"))
        #expect(Commit.mayContain("x\n\nSigned-off-by: A\nGit-Session-Id: 1", "git-session-id"))
        #expect(!Commit.mayContain("x\n\nsee Git-Session-Id: 1\n", "git-session-id"))
        #expect(!Commit.mayContain("x\n\nSigned-off-by: A\n", "git-session-id"))
        #expect(!Commit.mayContain("", "k"))
        #expect(Commit.mayContain("anything", "clé"))
    }
}
