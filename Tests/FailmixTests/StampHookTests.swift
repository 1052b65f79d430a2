import Foundation
import Testing

/// A repository whose commits run the installed `prepare-commit-msg` hook,
/// with git's configuration isolated from the machine's (HOME, no system file).
final class HookedRepository {
    let home = TempDir("failmix-home")
    let repo: TestRepository

    init() throws {
        repo = try TestRepository(TempDir("failmix-stamp"))
        try git(["config", "user.name", "Bob"])
        try git(["config", "user.email", "bob@agents.example.org"])
    }

    var environment: [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["HOME"] = home.path
        env["XDG_CONFIG_HOME"] = home.path + "/.config"
        env["GIT_CONFIG_NOSYSTEM"] = "1"
        env.removeValue(forKey: "GIT_COMMITTER_SESSION_ID")
        // The hook finds failmix through the path written into it; PATH for `git` itself.
        return env
    }

    @discardableResult
    func git(_ arguments: [String], session: String? = nil, extra: [String: String] = [:]) throws -> String {
        var env = environment
        if let session { env["GIT_COMMITTER_SESSION_ID"] = session }
        env.merge(extra) { $1 }
        let result = try runTool("git", ["-c", "commit.gpgsign=false"] + arguments, cwd: repo.path, environment: env)
        guard result.status == 0 else { throw TestRepository.CommandFailed(description: "git \(arguments): \(result.stderr)") }
        return result.stdout
    }

    @discardableResult
    func failmix(_ arguments: [String]) throws -> ProcessResult {
        try FailmixTests.failmix(arguments, cwd: repo.path, environment: environment)
    }

    /// The trailers of HEAD's message as `git interpret-trailers --parse` reads them.
    func headTrailers(_ rev: String = "HEAD") throws -> [String] {
        let message = try git(["log", "-1", "--format=%B", rev])
        let dir = TempDir("failmix-msg")
        let file = dir.write("m", message)
        return try git(["interpret-trailers", "--parse", file]).split(separator: "\n").map(String.init)
    }
}

@Suite struct StampHookTests {
    @Test func stampsEveryKindOfCommitMessage() throws {
        let r = try HookedRepository()
        let install = try r.failmix(["hook", "install", "prepare-commit-msg"])
        #expect(install.status == 0, "\(install.stderr)")
        #expect(install.stdout.contains(r.repo.path + "/.git/hooks/prepare-commit-msg"))

        // -m, inside a session and outside one.
        try r.git(["commit", "-q", "--allow-empty", "-m", "first"], session: "ff15abcd")
        #expect(try r.headTrailers() == ["Git-Session-Id: ff15abcd"])
        try r.git(["commit", "-q", "--allow-empty", "-m", "a human's commit"])
        #expect(try r.headTrailers() == [])

        // Existing trailers (-s): ours goes after them.
        try r.git(["commit", "-q", "-s", "--allow-empty", "-m", "signed\n\nbody"], session: "ff15abcd")
        #expect(try r.headTrailers() == ["Signed-off-by: Bob <bob@agents.example.org>", "Git-Session-Id: ff15abcd"])

        // An existing Git-Session-Id wins: no second trailer.
        try r.git(["commit", "-q", "--allow-empty", "-m", "mine\n\nGit-Session-Id: 1111aaaa"], session: "ff15abcd")
        #expect(try r.headTrailers() == ["Git-Session-Id: 1111aaaa"])

        // Amend by another session keeps the trailer that is there.
        try r.git(["commit", "-q", "--amend", "--allow-empty", "--no-edit"], session: "2222bbbb")
        #expect(try r.headTrailers() == ["Git-Session-Id: 1111aaaa"])

        // The editor: the message is typed after the hook ran; `commit -v`
        // adds a scissors line and a diff, with a non-default comment char.
        let editor = r.home.write("editor.sh", "#!/bin/sh\nsed -i '1s/^/typed in the editor/' \"$1\"\n")
        chmod(editor, 0o755)
        try r.git(["config", "core.commentChar", ";"])
        try "x\n".write(toFile: r.repo.path + "/f.txt", atomically: true, encoding: .utf8)
        try r.git(["add", "f.txt"])
        try r.git(["commit", "-q", "-v"], session: "3333cccc", extra: ["GIT_EDITOR": editor])
        #expect(try r.git(["log", "-1", "--format=%s"]) == "typed in the editor\n")
        #expect(try r.headTrailers() == ["Git-Session-Id: 3333cccc"])
        try r.git(["config", "--unset", "core.commentChar"])

        // A merge commit (git's own message) and a squash.
        try r.git(["checkout", "-q", "-b", "side"])
        try r.git(["commit", "-q", "--allow-empty", "-m", "on the side"], session: "4444dddd")
        try r.git(["checkout", "-q", "main"])
        try r.git(["commit", "-q", "--allow-empty", "-m", "on main"])
        try r.git(["merge", "-q", "--no-ff", "--no-edit", "side"], session: "5555eeee")
        #expect(try r.git(["log", "-1", "--format=%P"]).split(separator: " ").count == 2)
        #expect(try r.headTrailers() == ["Git-Session-Id: 5555eeee"])
        try r.git(["checkout", "-q", "-b", "squashed", "HEAD~1"])
        try "y\n".write(toFile: r.repo.path + "/g.txt", atomically: true, encoding: .utf8)
        try r.git(["checkout", "-q", "side"])
        try r.git(["add", "g.txt"])
        try r.git(["commit", "-q", "-m", "file on side"], session: "4444dddd")
        try r.git(["checkout", "-q", "squashed"])
        try r.git(["merge", "-q", "--squash", "side"])
        try r.git(["commit", "-q", "--no-edit"], session: "6666ffff")
        #expect(try r.headTrailers() == ["Git-Session-Id: 6666ffff"])
    }

    @Test func chainsTheHookThatWasThereAndReadsTheConfiguredVariables() throws {
        let r = try HookedRepository()
        let hooks = r.repo.path + "/.git/hooks"
        try "#!/bin/sh\nprintf '\\nTicket: T-1\\n' >> \"$1\"\n".write(toFile: hooks + "/prepare-commit-msg", atomically: true, encoding: .utf8)
        chmod(hooks + "/prepare-commit-msg", 0o755)
        try "[git]\ntrailer = \"Agent-Session\"\nsession_env = [\"AGENT_SESSION\", \"GIT_COMMITTER_SESSION_ID\"]\n"
            .write(toFile: r.repo.path + "/.failmix.toml", atomically: true, encoding: .utf8)
        let install = try r.failmix(["hook", "install", "prepare-commit-msg"])
        #expect(install.status == 0, "\(install.stderr)")
        #expect(install.stdout.contains("the existing hook runs first"))
        try r.git(["commit", "-q", "--allow-empty", "-m", "subject\n"], extra: ["AGENT_SESSION": "abcd", "GIT_COMMITTER_SESSION_ID": "ignored"])
        #expect(try r.headTrailers() == ["Ticket: T-1", "Agent-Session: abcd"])
        // Empty first variable: the next one wins.
        try r.git(["commit", "-q", "--allow-empty", "-m", "again"], extra: ["AGENT_SESSION": "", "GIT_COMMITTER_SESSION_ID": "beef"])
        #expect(try r.headTrailers() == ["Ticket: T-1", "Agent-Session: beef"])

        let uninstall = try r.failmix(["hook", "uninstall", "prepare-commit-msg"])
        #expect(uninstall.status == 0)
        #expect(try String(contentsOfFile: hooks + "/prepare-commit-msg", encoding: .utf8).contains("Ticket: T-1"))
    }

    /// Without failmix-stamp the hook falls back to `failmix hook stamp`: same placement.
    @Test func theFallbackStampsTheSame() throws {
        let dir = TempDir("failmix-fallback")
        let message = "Subject\n\nBody.\n\nSigned-off-by: A <a@x>\n; a comment\n"
        let viaFailmix = dir.write("a", message), viaStamp = dir.write("b", message)
        #expect(try failmix(["hook", "stamp", viaFailmix, "--session-id", "ff15", "--comment-char", ";"]).status == 0)
        let stamp = URL(fileURLWithPath: Paths.failmix).deletingLastPathComponent().appendingPathComponent("failmix-stamp").path
        #expect(try run(stamp, [viaStamp, "Git-Session-Id", "ff15", ";"]).status == 0)
        let a = try String(contentsOfFile: viaFailmix, encoding: .utf8), b = try String(contentsOfFile: viaStamp, encoding: .utf8)
        #expect(a == b && a == "Subject\n\nBody.\n\nSigned-off-by: A <a@x>\nGit-Session-Id: ff15\n; a comment\n")
        // Bad input never blocks: exit 0, a message, the file untouched.
        let bad = try run(stamp, [viaStamp, "Bad Key", "x"])
        #expect(bad.status == 0 && bad.stderr.contains("not a trailer key"))
        let missing = try run(stamp, [dir.file("nope"), "K", "x"])
        #expect(missing.status == 0 && missing.stderr.contains("cannot read"))
    }

    @Test func aMissingFailmixNeverBlocksACommit() throws {
        let r = try HookedRepository()
        #expect(try r.failmix(["hook", "install", "prepare-commit-msg"]).status == 0)
        let hook = r.repo.path + "/.git/hooks/prepare-commit-msg"
        let text = try String(contentsOfFile: hook, encoding: .utf8)
            .replacingOccurrences(of: "FAILMIX='", with: "FAILMIX='/nonexistent/")
        try text.write(toFile: hook, atomically: true, encoding: .utf8)
        chmod(hook, 0o755)
        var env = r.environment
        env["PATH"] = "/usr/bin:/bin"
        env["GIT_COMMITTER_SESSION_ID"] = "ff15"
        let result = try runTool("git", ["commit", "--allow-empty", "-m", "still commits"], cwd: r.repo.path, environment: env)
        #expect(result.status == 0)
        #expect(result.stderr.contains("not stamped"))
    }

    /// Installed by a failmix found on PATH (argv[0] a bare name), the hook
    /// names the real binary, not the working directory's `./failmix`.
    @Test func theHookNamesTheBinaryEvenWhenFailmixWasFoundOnPath() throws {
        let r = try HookedRepository()
        var env = r.environment
        let binary = URL(fileURLWithPath: Paths.failmix).resolvingSymlinksInPath().path
        env["PATH"] = URL(fileURLWithPath: binary).deletingLastPathComponent().path + ":/usr/bin:/bin"
        let installed = try run("/bin/sh", ["-c", "failmix hook install prepare-commit-msg pre-push"], cwd: r.repo.path, environment: env)
        #expect(installed.status == 0, "\(installed.stderr)")
        for hook in ["prepare-commit-msg", "pre-push"] {
            let text = try String(contentsOfFile: r.repo.path + "/.git/hooks/" + hook, encoding: .utf8)
            #expect(text.contains("'\(binary)'"), "\(hook) names \(text.split(separator: "\n").filter { $0.contains("FAILMIX=") })")
        }
    }
}
