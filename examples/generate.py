#!/usr/bin/env python3
"""Writes failmix's bundled example: an agent workspace with a git history
and the session records that describe it.

    examples/generate.py OUT_DIR [--sessions N] [--seed S]

OUT_DIR/session-records.jsonl  records in gptme-sessions' field names, with the
                               kinds of damage real files have: one line that is
                               not JSON, one with a wrong field type, one
                               duplicate, and a last line a writer is still
                               appending to.
OUT_DIR/repo/                  the agent's repository (built with git fast-import):
                               commits linked to sessions by a Git-Session-Id
                               trailer, by a SHA in deliverables, or only by
                               time; human commits; reverts; CI notes in
                               refs/notes/ci.

Standard library only; deterministic for a given seed.
"""
import argparse, json, os, random, subprocess
from datetime import datetime, timezone

AGENT = ("Bob", "bob@agents.example.org")
HUMAN = ("Erik", "erik@example.org")
CATEGORIES = ["code", "infrastructure", "content", "triage", "research", "cleanup"]


def iso(ts):
    return datetime.fromtimestamp(ts, tz=timezone.utc).isoformat(timespec="seconds")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--sessions", type=int, default=120)
    ap.add_argument("--seed", type=int, default=11)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    os.makedirs(a.out, exist_ok=True)
    repo = os.path.join(a.out, "repo")
    if not os.path.exists(os.path.join(repo, ".git")):
        subprocess.run(["git", "init", "-q", "-b", "main", repo], check=True)
    t = int(datetime(2026, 10, 1, tzinfo=timezone.utc).timestamp())
    sessions, events = [], []
    for i in range(a.sessions):
        t += rnd.randint(900, 4000)
        dur = rnd.randint(300, 2400)
        # Later sessions drift into a supply drought and open loops: the
        # example shows a trend, not a flat line.
        late = i > a.sessions * 0.7
        r = rnd.random()
        outcome = "noop" if r < (0.45 if late else 0.15) else ("failed" if r > 0.95 else "productive")
        s = {"id": "%08x" % rnd.getrandbits(32), "start": t - dur, "end": t, "dur": dur,
             "outcome": outcome, "category": rnd.choice(CATEGORIES), "commits": []}
        s["open"] = rnd.random() < (0.35 if late else 0.12)
        s["productivity"] = round(rnd.uniform(0.05, 0.95), 2)
        s["recommended"] = s["category"] if rnd.random() < 0.85 else rnd.choice(CATEGORIES)
        s["harm"] = "ci_break: tests red after push" if rnd.random() < 0.05 else "none"
        if outcome == "productive" or (outcome == "noop" and rnd.random() < 0.1):
            for k in range(rnd.randint(1, 3)):
                when = rnd.randint(s["start"] + 10, s["end"] - 5)
                link = rnd.choice(["trailer", "deliverable", "window"])
                c = {"session": s, "when": when, "link": link,
                     "subject": "%s: step %d of %s" % (s["category"], k + 1, s["id"])}
                s["commits"].append(c)
                events.append((when, c))
        sessions.append(s)
    for k in range(a.sessions // 4):
        when = rnd.randint(sessions[0]["start"], t)
        events.append((when, {"human": True, "when": when, "subject": "docs: human edit %d" % k}))
    events.sort(key=lambda e: e[0])

    fi = subprocess.Popen(["git", "fast-import", "--quiet", "--force", "--done"], cwd=repo,
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    w, mark = fi.stdin, 0

    def commit(who, when, msg, path):
        nonlocal mark
        mark += 1
        body, data = msg.encode(), ("%s %d\n" % (path, when)).encode()
        w.write(b"commit refs/heads/main\nmark :%d\n" % mark)
        w.write(("author %s <%s> %d +0000\ncommitter %s <%s> %d +0000\n" % (who + (when,) + who + (when,))).encode())
        w.write(b"data %d\n%s\nM 100644 inline %s\ndata %d\n%s\n\n" % (len(body), body, path.encode(), len(data), data))
        return mark

    def sha(m):
        w.write(b"get-mark :%d\n" % m)
        w.flush()
        return fi.stdout.readline().decode().strip()

    reverts = []
    for when, c in events:
        if c.get("human"):
            commit(HUMAN, when, c["subject"] + "\n", "docs/notes.md")
            continue
        msg = c["subject"] + "\n"
        if c["link"] == "trailer":
            msg += "\nGit-Session-Id: %s\n" % c["session"]["id"]
        c["mark"] = commit(AGENT, when, msg, "src/%s.txt" % c["session"]["category"])
        c["sha"] = sha(c["mark"])
        if "ci_break" in c["session"]["harm"] and c is c["session"]["commits"][0]:
            reverts.append(c)
    for c in reverts:
        when = c["session"]["end"] + 1800
        commit(HUMAN, when, 'Revert "%s"\n\nThis reverts commit %s.\n' % (c["subject"], c["sha"]),
               "src/%s.txt" % c["session"]["category"])
    w.write(b"done\n")
    w.close()
    fi.wait()
    subprocess.run(["git", "-C", repo, "checkout", "-q", "-f", "main"], check=False)

    lines = []
    for s in sessions:
        rec = {"session_id": s["id"], "timestamp": iso(s["end"]), "harness": "gptme",
               "model": "claude-opus-4-6", "run_type": "autonomous", "category": s["category"],
               "recommended_category": s["recommended"], "outcome": s["outcome"],
               "duration_seconds": s["dur"],
               "deliverables": ["%s (%s)" % (c["subject"], c["sha"][:7]) for c in s["commits"]
                                if c["link"] == "deliverable"],
               "grades": {"productivity": s["productivity"]}, "grade_reasons": {"harm": s["harm"]},
               "loop_status": "open" if s["open"] else "closed",
               "intent_category_matched": s["category"] == s["recommended"]}
        lines.append(json.dumps(rec))
    lines.insert(len(lines) // 2, '{"session_id": "broken-writer", "outcome": ')
    lines.insert(len(lines) // 3, '{"session_id": "typo", "timestamp": 17, "outcome": "noop"}')
    lines.append(lines[10])
    with open(os.path.join(a.out, "session-records.jsonl"), "w") as f:
        f.write("\n".join(lines) + "\n")
        f.write('{"session_id": "still-writing", "timestamp": "2026-1')
    print("%d sessions, %d commits -> %s" % (len(sessions), mark, a.out))


if __name__ == "__main__":
    main()
