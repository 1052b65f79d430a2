import Foundation
import Testing

/// A real repository in a temporary directory, built with the git CLI.
final class TestRepository {
    static let agent = (name: "Bob", email: "bob@agents.example.org")
    static let human = (name: "Erik", email: "erik@example.org")

    struct CommandFailed: Error, CustomStringConvertible {
        var description: String
    }

    private let directory: TempDir
    let path: String

    /// A new repository (branch main), or a copy of what `template` made
    /// once per `key` from one (a copy costs a few file copies, each git
    /// process it saves ~2 ms of CPU; the suite makes ~150 repositories).
    init(_ directory: TempDir = TempDir("failmix-git"), name: String = "repo",
         template key: [String] = [], _ template: (TestRepository) throws -> Void = { _ in }) throws {
        self.directory = directory
        path = directory.file(name)
        try SharedFixture.copy(key: ["repository"] + key, to: path) { out in
            try Self.git(["init", "-q", "-b", "main", out], in: Scratch.root)
            try template(TestRepository(directory: directory, path: out))
        }
    }

    private init(directory: TempDir, path: String) {
        self.directory = directory
        self.path = path
    }

    /// A linked worktree beside this repository, on a new branch.
    func addWorktree(_ name: String, branch: String) throws -> TestRepository {
        let worktree = directory.file(name)
        try git(["worktree", "add", "-q", "-b", branch, worktree])
        return TestRepository(directory: directory, path: worktree)
    }

    var parent: TempDir { directory }

    /// Runs the git CLI in `cwd` without the machine's system config; the
    /// result whatever the exit status.
    static func run(
        _ arguments: [String], in cwd: String, environment extra: [String: String] = [:], stdin: String? = nil
    ) throws -> ProcessResult {
        var environment = ProcessInfo.processInfo.environment
        environment["GIT_CONFIG_NOSYSTEM"] = "1"
        environment.merge(extra) { $1 }
        return try FailmixTests.run("/usr/bin/env", ["git", "-c", "commit.gpgsign=false", "-c", "protocol.file.allow=always"] + arguments,
                                    cwd: cwd, environment: environment, stdin: stdin)
    }

    /// Runs git and returns its output; a failure throws.
    @discardableResult
    static func git(_ arguments: [String], in cwd: String, environment extra: [String: String] = [:]) throws -> String {
        let result = try run(arguments, in: cwd, environment: extra)
        guard result.status == 0 else {
            throw CommandFailed(description: "git \(arguments.joined(separator: " ")): \(result.stderr)")
        }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @discardableResult
    func git(_ arguments: [String], environment: [String: String] = [:]) throws -> String {
        try Self.git(arguments, in: path, environment: environment)
    }

    /// An empty commit by `author` at `time` (committed then too, unless told), returning its SHA.
    @discardableResult
    func commit(
        _ message: String, at time: Int64, author: (name: String, email: String) = human, committedAt: Int64? = nil
    ) throws -> String {
        // Its summary line, "[main (root-commit) SHA] subject", with the SHA
        // unabbreviated: no `rev-parse` process after each of ~150 commits.
        let summary = try git(["-c", "core.abbrev=no", "commit", "--allow-empty", "-m", message], environment: [
            "GIT_AUTHOR_NAME": author.name, "GIT_AUTHOR_EMAIL": author.email, "GIT_AUTHOR_DATE": "@\(time) +0000",
            "GIT_COMMITTER_NAME": author.name, "GIT_COMMITTER_EMAIL": author.email,
            "GIT_COMMITTER_DATE": "@\(committedAt ?? time) +0000",
        ])
        let bracket = summary.prefix { $0 != "\n" }.dropFirst().prefix { $0 != "]" }
        let sha = String(bracket.split(separator: " ").last ?? "")
        guard summary.hasPrefix("["), sha.count == 40, sha.allSatisfy(\.isHexDigit) else {
            throw CommandFailed(description: "git commit said no SHA: \(summary)")
        }
        return sha
    }
}

extension TestRepository {
    /// Empty commits by `author` on a new repository's main branch, each
    /// committed at its author time, as `commit` makes them but all in one
    /// git process (`fast-import`): their SHAs, oldest first. Messages are
    /// taken as they are (end them with a newline, as `git commit` would).
    @discardableResult
    func importCommits(_ commits: [(message: String, time: Int64)], author: (name: String, email: String) = human) throws -> [String] {
        var stream = ""
        for commit in commits {
            let who = "\(author.name) <\(author.email)> \(commit.time) +0000"
            stream += "commit refs/heads/main\nauthor \(who)\ncommitter \(who)\n"
            stream += "data \(commit.message.utf8.count)\n\(commit.message)\n"
        }
        stream += "done\n"
        let imported = try Self.run(["fast-import", "--quiet", "--done"], in: path, stdin: stream)
        guard imported.status == 0 else { throw CommandFailed(description: "git fast-import: \(imported.stderr)") }
        return try git(["rev-list", "--reverse", "main"]).split(separator: "\n").map(String.init).suffix(commits.count)
    }
}

/// A tiny agent workspace: a git repository with one agent commit inside a
/// session's window, and that session's record.
struct Workspace: @unchecked Sendable {
    let dir = TempDir("workspace")
    let repository: TestRepository
    var repo: String { repository.path }
    var records: String { dir.file("repo/state/sessions/session-records.jsonl") }

    /// git in the repository as the agent (at `date`, when given); a failure
    /// is a test issue unless expected.
    func git(_ args: [String], date: String? = nil, expectFailure: Bool = false) throws -> ProcessResult {
        try Self.git(args, in: repo, date: date, expectFailure: expectFailure)
    }

    private static func git(_ args: [String], in repo: String, date: String?, expectFailure: Bool = false) throws -> ProcessResult {
        let agent = TestRepository.agent
        var env = ["GIT_AUTHOR_NAME": agent.name, "GIT_AUTHOR_EMAIL": agent.email,
                   "GIT_COMMITTER_NAME": agent.name, "GIT_COMMITTER_EMAIL": agent.email]
        if let date {
            env["GIT_AUTHOR_DATE"] = date
            env["GIT_COMMITTER_DATE"] = date
        }
        let r = try TestRepository.run(args, in: repo, environment: env)
        if r.status != 0, !expectFailure { Issue.record("git \(args): \(r.stderr)") }
        return r
    }

    /// The repository is made once per `date` and copied (see TestRepository).
    init(commitAt date: String = "2026-01-01T00:30:00Z") throws {
        repository = try TestRepository(dir, name: "repo", template: ["workspace", date]) { template in
            try "x\n".write(toFile: template.path + "/README", atomically: false, encoding: .utf8)
            _ = try Self.git(["add", "README"], in: template.path, date: nil)
            _ = try Self.git(["commit", "-q", "-m", "work of s1"], in: template.path, date: date)
        }
    }

    func writeRecords(_ lines: [String]) {
        dir.write("repo/state/sessions/session-records.jsonl", lines.joined(separator: "\n") + "\n")
    }
}
