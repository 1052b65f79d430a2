#!/usr/bin/env python3
"""Build a repository shaped like a long-lived real project, plus the session
records of an agent that worked in it, for `make bench`.

    scripts/make-realistic-repo.py OUT [--commits 80000] [--seed 1]
                                       [--window 250] [--depth 50] [--no-gc]
                                       [--no-checkout] [--files N]

What makes it unlike the synthetic fixture, and like git's or CPython's history:
- commit messages of log-normal size (median ~450 bytes, a long tail past 10 KB),
  wrapped paragraphs and trailers (Signed-off-by, Reviewed-by, Acked-by);
- large trees: ~3,500 files in two levels of directories, a wide root; every
  commit rewrites the trees on the paths of the 1-6 files it touches;
- merges: topic branches (several open at once, forked from older main commits)
  merged with git.git-style messages that list the topic's subjects;
  about a fifth of the commits are merges;
- author times before committer times (patches applied later), a few commits
  whose committer clock ran behind their parent's;
- reverts, CI notes on a share of the commits (refs/notes/ci), reflogs;
- `git gc --aggressive` (pack window 250, delta depth 50), so commits sit in deep
  delta chains against each other, and a commit-graph file, as `git gc` writes.

The history goes in through `git fast-import` (using `git` to build test data;
failmix itself reads only through libgit2), ~80k commits in well under a minute;
the aggressive repack takes the rest (a few minutes on two cores).

Layout of OUT:
    repo/                       the repository (branch main, HEAD at its tip)
    session-records.jsonl       every session of the agent, spread over the history
    recent-100.jsonl            the last 100 sessions (about two days)
"""
import argparse, json, math, os, random, subprocess, sys, time

AGENT = ("Bob", "bob@agents.example.org")
TRAILER = "Git-Session-Id"
END = 1_790_000_000  # 2026-09-22: a fixed end, so the data is the same every time
WORDS = ("the a to of and in is for that it with as on be this by are not we from at or an can but was "
         "which if has when so all more one use should also only new file code test make case value "
         "function error path object return read write cache index tree commit branch merge config "
         "option parse buffer string memory pointer lock thread signal process output input update "
         "check handle list entry remove add fix change move rename call set get flag default build "
         "patch series review message header body line loop state reset free alloc size count limit "
         "instead because otherwise without rather than before after while during since until every "
         "first last next previous current older newer larger smaller correctly properly already").split()
TOPIC_WORDS = ("fix refs pack index diff merge rebase config doc test perf cache graph walk fetch push "
               "log grep blame bisect notes reflog worktree submodule hooks trailer format mailmap "
               "sparse checkout stash remote transport http ssh gpg tag describe archive").split()
DIRS = ("src lib docs tests tools contrib scripts include builtin compat refs xdiff t/helper "
        "Documentation/technical templates ci po").split()


def words(rnd, n):
    return " ".join(rnd.choices(WORDS, k=n))


def paragraph(rnd, size):
    """~size bytes of text wrapped at 72 columns."""
    out, line = [], []
    length = width = 0
    while length < size:
        w = rnd.choice(WORDS)
        if width + len(w) + 1 > 72:
            out.append(" ".join(line))
            line, width = [], 0
        line.append(w)
        width += len(w) + 1
        length += len(w) + 1
    if line:
        out.append(" ".join(line))
    out[-1] += "."
    return "\n".join(out)


PHRASES = []  # a project's recurring paragraphs, filled from the seed


class People:
    """Authors with a Zipf-like share of the commits, as in real projects."""

    def __init__(self, rnd, n=400):
        self.people = [("Dev%03d %s" % (i, rnd.choice(["Lee", "Ng", "Smith", "Kowalski", "Haraldsson"])),
                        "dev%03d@%s" % (i, rnd.choice(["example.org", "example.com", "mail.example.net"])))
                       for i in range(n)]
        self.weights = [1 / (i + 1) ** 1.1 for i in range(n)]

    def pick(self, rnd):
        return rnd.choices(self.people, self.weights)[0]


def message(rnd, people, subject, trailers, cc=()):
    """A subject, a log-normal body (median ~450 bytes, long tail), trailers."""
    size = int(rnd.lognormvariate(6.0, 1.0))
    if rnd.random() < 0.002:
        size = rnd.randint(10_000, 40_000)  # the rare essay
    body = []
    while size > 0:
        if rnd.random() < 0.8:
            # Real messages repeat each other: cherry-picks, rebased series,
            # a project's phrasing and templates. Such commits deltify.
            text = rnd.choice(PHRASES)
            if rnd.random() < 0.5:
                cut = rnd.randrange(len(text))
                text = text[:cut] + rnd.choice(WORDS) + text[cut:]
        else:
            text = paragraph(rnd, min(size, int(rnd.uniform(150, 700))))
        body.append(text)
        size -= len(text)
    if rnd.random() < 0.15:
        body.append("    " + "\n    ".join("%s(%s);" % (rnd.choice(WORDS), rnd.choice(WORDS)) for _ in range(rnd.randint(2, 8))))
    text = subject + "\n"
    if body:
        text += "\n" + "\n\n".join(body) + "\n"
    tl = list(trailers)
    if rnd.random() < 0.2:
        tl.append("Reviewed-by: %s <%s>" % people.pick(rnd))
    if rnd.random() < 0.1:
        tl.append("Acked-by: %s <%s>" % people.pick(rnd))
    if cc:
        tl += cc
    if tl:
        text += "\n" + "\n".join(tl) + "\n"
    return text


class Files:
    """The tree: ~3,500 small text files in two directory levels and a wide root."""

    def __init__(self, rnd, limit=None):
        self.rnd = rnd
        self.paths = ["%s.c" % w for w in rnd.sample(WORDS, 60)]
        for d in DIRS:
            for sub in range(rnd.randint(3, 12)):
                for f in range(rnd.randint(8, 40)):
                    self.paths.append("%s/%s%d/%s_%d.%s" % (d, rnd.choice(TOPIC_WORDS), sub, rnd.choice(WORDS), f,
                                                            rnd.choice(["c", "h", "py", "txt", "sh"])))
        self.paths = sorted(set(self.paths))[:limit]
        self.weights = [1 / (i + 1) ** 0.8 for i in range(len(self.paths))]
        rnd.shuffle(self.weights)
        self.content = {}

    def initial(self):
        for p in self.paths:
            self.content[p] = self.fresh()
        return list(self.content.items())

    def fresh(self):
        n = max(3, int(self.rnd.lognormvariate(3.0, 0.8)))
        return "".join("%s\n" % words(self.rnd, self.rnd.randint(2, 9)) for _ in range(min(n, 200)))

    def edit(self, overlay, k):
        """k changed files: a few lines replaced or added in each."""
        changed = []
        for p in set(self.rnd.choices(self.paths, self.weights, k=k)):
            lines = overlay.get(p, self.content[p]).split("\n")[:-1]
            for _ in range(self.rnd.randint(1, 3)):
                i = self.rnd.randrange(len(lines) + 1)
                if i < len(lines) and self.rnd.random() < 0.6:
                    lines[i] = words(self.rnd, self.rnd.randint(2, 9))
                elif len(lines) < 300:
                    lines.insert(i, words(self.rnd, self.rnd.randint(2, 9)))
            text = "\n".join(lines) + "\n"
            overlay[p] = text
            changed.append((p, text))
        return changed


def plan_sessions(rnd, start, n_history, recent_days=6, per_day=50):
    """Sessions spread over the whole history, then a dense recent stretch
    (per_day a day, so the last 100 span about two days)."""
    out = []
    for t in sorted(rnd.uniform(start + 86_400, END - (recent_days + 1) * 86_400) for _ in range(n_history)):
        out.append(int(t))
    t = END - recent_days * 86_400
    while t < END - 3600:
        out.append(int(t))
        t += int(rnd.expovariate(per_day / 86_400.0))
    sessions = []
    for i, s in enumerate(out):
        dur = rnd.randint(300, 2700)
        kind = rnd.choices(["productive", "noop", "noop_lying", "failed"], [70, 18, 4, 8])[0]
        sessions.append({"id": "%08x-%05d" % (rnd.getrandbits(32), i), "start": s, "end": s + dur, "dur": dur,
                         "kind": kind, "commits": [], "category": rnd.choice(TOPIC_WORDS)})
    return sessions


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--commits", type=int, default=80_000, help="about this many commits, merges included")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--sessions", type=int, default=6_000, help="sessions spread over the history (the last 6 days add ~300)")
    ap.add_argument("--window", type=int, default=250, help="pack window of the repack (git gc --aggressive: 250)")
    ap.add_argument("--depth", type=int, default=50, help="delta depth of the repack (git gc --aggressive: 50)")
    ap.add_argument("--no-gc", action="store_true", help="leave fast-import's packs as they are")
    ap.add_argument("--no-checkout", action="store_true",
                    help="write no files out (the index is still main's tip): for tests that read only the history")
    ap.add_argument("--files", type=int, help="at most this many files in the tree (default all ~3,500): for tests that "
                    "read only the history, whose blobs and trees then cost fast-import and a repack a tenth")
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    began = time.time()
    a.out = os.path.abspath(a.out)
    repo = os.path.join(a.out, "repo")
    if os.path.exists(repo):
        sys.exit("%s exists" % repo)
    os.makedirs(a.out, exist_ok=True)
    subprocess.run(["git", "init", "-q", "-b", "main", repo], check=True)

    # ---- when things happen ------------------------------------------------
    # ~80% of the commits are non-merge: human ones at ~20 a day, the agent's
    # inside its sessions. Times are committer times, ascending.
    n_plain = int(a.commits * 0.8)
    days = n_plain / 20.0
    start = int(END - days * 86_400)
    sessions = plan_sessions(rnd, start, a.sessions)
    events = []
    for s in sessions:
        if s["kind"] in ("productive", "noop_lying"):
            for _ in range(rnd.randint(1, 4) if s["kind"] == "productive" else 1):
                events.append((rnd.randint(s["start"] + 30, s["end"] - 5), s))
    n_human = max(0, n_plain - len(events))
    for _ in range(n_human):
        events.append((rnd.randint(start + 600, END), None))
    events.sort(key=lambda e: e[0])

    PHRASES.extend(paragraph(rnd, int(rnd.uniform(150, 700))) for _ in range(400))
    people = People(rnd)
    files = Files(rnd, a.files)
    maintainer = people.people[0]
    fi = subprocess.Popen(["git", "fast-import", "--quiet", "--done", "--active-branches=32",
                           "--export-marks=" + os.path.join(a.out, "marks")],
                          cwd=repo, stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=1 << 20)
    w = fi.stdin
    mark = 0
    n_merges = 0

    def emit(ref, who, when, author_when, msg, parents, changes):
        nonlocal mark
        mark += 1
        body = msg.encode()
        out = [b"commit %s\nmark :%d\n" % (ref.encode(), mark),
               ("author %s <%s> %d +0000\ncommitter %s <%s> %d +0000\n" %
                (who[0], who[1], author_when, who[0], who[1], when)).encode(),
               b"data %d\n" % len(body), body, b"\n"]
        if parents:
            out.append(b"from :%d\n" % parents[0])
            for p in parents[1:]:
                out.append(b"merge :%d\n" % p)
        for path, text in changes:
            data = text.encode()
            out.append(b"M 100644 inline %s\ndata %d\n" % (path.encode(), len(data)))
            out.append(data)
            out.append(b"\n")
        out.append(b"\n")
        w.write(b"".join(out))
        return mark

    def sha_of(m):
        w.write(b"get-mark :%d\n" % m)
        w.flush()
        return fi.stdout.readline().decode().strip()

    # the initial import
    root = emit("refs/heads/main", maintainer, start, start, "Initial revision\n", [], files.initial())
    main_tip = root
    topics = []          # open topic branches
    slots = list(range(32))
    subjects = {}        # mark -> subject (for reverts and merge messages)
    recent_main = [root]
    notes = []
    last_time = start

    cc_blocks = {}

    def cc_of(who):
        """The Cc list an author keeps sending a series to (as on a mailing list)."""
        if who not in cc_blocks:
            cc_blocks[who] = ["Cc: %s <%s>" % people.pick(rnd) for _ in range(rnd.choice([0, 3, 6, 10, 14, 20]))]
        return cc_blocks[who]

    def merge_topic(topic, when):
        nonlocal main_tip, n_merges
        n_merges += 1
        name = topic["name"]
        lines = ["Merge branch '%s'" % name, ""]
        if rnd.random() < 0.8:
            lines.append("* %s:" % name)
            lines += ["  %s" % subjects[m] for m in topic["marks"]]
            lines.append("")
        if rnd.random() < 0.5:
            lines.append(paragraph(rnd, rnd.randint(80, 400)))
        msg = "\n".join(lines).rstrip("\n") + "\n"
        changes = sorted(topic["overlay"].items())
        for p, text in changes:
            files.content[p] = text
        main_tip = emit("refs/heads/main", maintainer, when, when, msg, [main_tip, topic["tip"]], changes)
        recent_main.append(main_tip)
        slots.append(topic["slot"])
        topics.remove(topic)

    for when, session in events:
        when = max(when, last_time)
        # Now and then a committer's clock is behind: the commit is older than its parent.
        shown = when - rnd.randint(60, 7200) if rnd.random() < 0.003 else when
        last_time = when
        if session is not None:
            who = AGENT
            author_when = shown
            subject = "%s: %s" % (session["category"], words(rnd, rnd.randint(3, 8)))
            how = rnd.random()
            link = "trailer" if how < 0.4 else ("deliverable" if how < 0.7 else "window")
            trailers = ["%s: %s" % (TRAILER, session["id"])] if link == "trailer" else []
        else:
            who = people.pick(rnd)
            author_when = shown - (rnd.randint(0, 10 * 86_400) if rnd.random() < 0.4 else 0)
            subject = "%s: %s" % (rnd.choice(TOPIC_WORDS), words(rnd, rnd.randint(3, 9)))
            link = None
            trailers = ["Signed-off-by: %s <%s>" % who] if rnd.random() < 0.7 else []
        # A revert of an earlier commit, now and then.
        if session is None and rnd.random() < 0.004 and len(recent_main) > 10:
            victim = rnd.choice(recent_main[-200:])
            subject = 'Revert "%s"' % subjects.get(victim, "an earlier change")[:60]
            msg = "%s\n\nThis reverts commit %s.\n\n%s\n" % (subject, sha_of(victim), paragraph(rnd, 120))
        else:
            msg = message(rnd, people, subject, trailers, cc_of(who))
        k = min(6, 1 + int(rnd.expovariate(0.9)))
        r = rnd.random()
        if r < 0.35 or (session is not None and r < 0.6):
            changes = files.edit(files.content, k)
            main_tip = emit("refs/heads/main", who, shown, author_when, msg, [main_tip], changes)
            recent_main.append(main_tip)
            m = main_tip
        else:
            if topics and rnd.random() < 0.6:
                topic = rnd.choice(topics)
            elif slots:
                # Forked from a recent main commit, not always the tip.
                base = rnd.choice(recent_main[-20:])
                topic = {"name": "%s/%s-%s" % (who[1][:2], rnd.choice(TOPIC_WORDS), rnd.choice(WORDS)),
                         "tip": base, "overlay": {}, "marks": [], "slot": slots.pop()}
                topics.append(topic)
            else:
                topic = rnd.choice(topics)
            changes = files.edit(topic["overlay"], k)
            if topic.get("body") and "This reverts" not in msg:
                # A series: each patch's message grows out of the previous one's.
                body = topic["body"]
                cut = rnd.randrange(len(body))
                body = body[:cut] + words(rnd, rnd.randint(1, 6)) + " " + body[cut:]
                if rnd.random() < 0.3:
                    body += "\n" + paragraph(rnd, rnd.randint(60, 300)) + "\n"
                msg = subject + "\n" + body
            topic["body"] = msg.split("\n", 1)[1]
            topic["tip"] = emit("refs/heads/wip/%d" % topic["slot"], who, shown, author_when, msg, [topic["tip"]], changes)
            topic["marks"].append(topic["tip"])
            m = topic["tip"]
        subjects[m] = subject
        if session is not None:
            session["commits"].append({"mark": m, "link": link, "subject": subject})
        if rnd.random() < 0.12:
            notes.append((m, "status: %s\njob: test\nat: %d\n" % ("failure" if rnd.random() < 0.08 else "success", when)))
        # Merge a topic that has had its commits.
        ready = [t for t in topics if t["marks"] and (len(t["marks"]) >= 16 or rnd.random() < 0.1)]
        if ready and rnd.random() < 0.8:
            last_time += rnd.randint(1, 600)
            merge_topic(rnd.choice(ready), last_time)
    for topic in list(topics):
        if topic["marks"]:
            last_time += 60
            merge_topic(topic, last_time)
    # CI notes, a notes commit per thousand, as a CI job appends them.
    parent = None
    for i in range(0, len(notes), 1000):
        mark += 1
        w.write(b"commit refs/notes/ci\nmark :%d\ncommitter CI <ci@example.org> %d +0000\ndata 9\nci notes\n" % (mark, last_time))
        if parent:
            w.write(b"from :%d\n" % parent)
        parent = mark
        for m, text in notes[i:i + 1000]:
            d = text.encode()
            w.write(b"N inline :%d\ndata %d\n%s\n" % (m, len(d), d))
        w.write(b"\n")
    w.write(b"done\n")
    w.close()
    if fi.wait() != 0:
        sys.exit("fast-import failed")
    marks = {}
    with open(os.path.join(a.out, "marks")) as f:
        for line in f:
            m, sha = line.split()
            marks[int(m[1:])] = sha
    os.unlink(os.path.join(a.out, "marks"))
    if a.no_checkout:
        subprocess.run(["git", "-C", repo, "read-tree", "main"], check=True)
    else:
        subprocess.run(["git", "-C", repo, "checkout", "-q", "-f", "main"], check=True)
    imported = time.time()

    # Reflogs beside them: a line per main commit of the last few thousand.
    logs = os.path.join(repo, ".git", "logs", "refs", "heads")
    os.makedirs(logs, exist_ok=True)
    zero = "0" * 40
    lines, prev = [], zero
    for m in recent_main[-5000:]:
        sha = marks[m]
        lines.append("%s %s %s <%s> %d +0000\tpull: Fast-forward\n" % (prev, sha, maintainer[0], maintainer[1], END))
        prev = sha
    for path in (os.path.join(logs, "main"), os.path.join(repo, ".git", "logs", "HEAD")):
        with open(path, "w") as f:
            f.writelines(lines)

    if not a.no_gc:
        # git gc --aggressive, with the window and depth named (its defaults unless given).
        subprocess.run(["git", "-C", repo, "-c", "gc.aggressiveWindow=%d" % a.window, "-c", "gc.aggressiveDepth=%d" % a.depth,
                        "-c", "gc.writeCommitGraph=true", "gc", "--aggressive", "--quiet"], check=True)
        subprocess.run(["git", "-C", repo, "commit-graph", "write", "--reachable"], check=True)

    # ---- the agent's records --------------------------------------------
    def iso(ts):
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))

    records = []
    for s in sessions:
        outcome = {"noop_lying": "noop"}.get(s["kind"], s["kind"])
        rec = {"session_id": s["id"], "timestamp": iso(s["end"]), "start_time": iso(s["start"]), "end_time": iso(s["end"]),
               "duration_seconds": s["dur"], "harness": "claude-code", "model": "claude-opus-4-6", "run_type": "autonomous",
               "category": s["category"], "outcome": outcome,
               "deliverables": ["%s (%s)" % (c["subject"], marks[c["mark"]][:rnd.choice([7, 10, 40])])
                                for c in s["commits"] if c["link"] == "deliverable" and s["kind"] == "productive"],
               "grades": {"productivity": round(rnd.uniform(0.05, 0.95), 2)},
               "grade_reasons": {"harm": "ci_break: tests failed" if rnd.random() < 0.05 else "clean"},
               "loop_status": "open" if rnd.random() < 0.2 else "closed",
               "intent_category_matched": rnd.random() < 0.85}
        records.append(json.dumps(rec) + "\n")
    with open(os.path.join(a.out, "session-records.jsonl"), "w") as f:
        f.writelines(records)
    with open(os.path.join(a.out, "recent-100.jsonl"), "w") as f:
        f.writelines(records[-100:])
    print("%d commits (%d merges), %d sessions, %d notes -> %s (import %.0fs, total %.0fs)" % (
        mark - (len(notes) + 999) // 1000, n_merges, len(sessions), len(notes), a.out, imported - began, time.time() - began))


if __name__ == "__main__":
    main()
