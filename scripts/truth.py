#!/usr/bin/env python3
"""Check `failmix report --format json` against a make-fixture truth.json:
every session's commits, ambiguous_commits, noop, ci_break and modes.

    scripts/truth.py FAILMIX FIXTURE_DIR
"""
import json, subprocess, sys

failmix, fx = sys.argv[1], sys.argv[2]
truth = json.load(open(fx + "/truth.json"))
out = subprocess.run([failmix, "report", "--repo", fx + "/repo", "--records", fx + "/session-records.jsonl",
                      "--agent-author", truth["config"]["agent_author_email"], "--last", "0", "--format", "json"],
                     capture_output=True, text=True)
if out.returncode != 0:
    sys.exit("failmix failed: " + out.stderr)
ours = {s["session_id"]: s for s in json.loads(out.stdout)["sessions"]}
bad = 0
for sid, want in truth["sessions"].items():
    got = ours.get(sid)
    if got is None:
        bad += 1
        print("%s: missing" % sid)
        continue
    for key in ("commits", "ambiguous_commits", "noop", "ci_break", "modes"):
        if got.get(key) != want.get(key):
            bad += 1
            if bad <= 20:
                print("%s %s: failmix %r, truth %r" % (sid, key, got.get(key), want.get(key)))
extra = set(ours) - set(truth["sessions"])
print("%s: %d sessions, %d differences%s" % (fx, len(truth["sessions"]), bad, ", extra sessions %s" % sorted(extra) if extra else ""))
sys.exit(1 if bad or extra else 0)
