#!/usr/bin/env python3
"""Compare `failmix report --format json` with the reference classifier on one
records file: every session's modes (--last 0) and the window counts for
--last 100 and --last 30. Exit 1 on any difference.

Only the reference's modes are compared: failmix's own modes (e.g. `infra`)
are extra information and must not change the built-in modes, which are
compared exactly, per session and per window ("failed" counts sessions with
at least one reference mode).

    scripts/parity.py FAILMIX RECORDS [SEED_CLASSIFIER]
"""
import json, subprocess, sys, os

failmix, records = sys.argv[1], sys.argv[2]
here = os.path.dirname(os.path.abspath(__file__))
seed = sys.argv[3] if len(sys.argv) > 3 else os.path.join(here, "..", "..", "shared", "tools", "seed-classifier")

def run(cmd):
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)

problems = 0
for last in (0, 100, 30):
    ref = run([seed, records, "--last", str(last), "--json"])
    ours = run([failmix, "report", "--records", records, "--no-rotated", "--last", str(last), "--format", "json"])
    w = ours["windows"][0]
    known = set(ref["modes"])
    mine = {s["session_id"]: [m for m in s["modes"] if m in known] for s in ours["sessions"]}
    got = {"total": w["total"], "failed": sum(1 for ms in mine.values() if ms),
           "modes": {m: v["count"] for m, v in w["modes"].items() if m in known}}
    want = {"total": ref["total"], "failed": ref["failed"], "modes": ref["modes"]}
    if got != want:
        problems += 1
        print("window --last %d differs:\n  failmix %s\n  seed    %s" % (last, got, want))
    if set(mine) != set(ref["sessions"]):
        problems += 1
        print("--last %d: session sets differ: %d only in failmix, %d only in seed" % (
            last, len(set(mine) - set(ref["sessions"])), len(set(ref["sessions"]) - set(mine))))
    for sid, modes in ref["sessions"].items():
        if sid in mine and mine[sid] != modes:
            problems += 1
            if problems < 20:
                print("--last %d: session %s: failmix %s, seed %s" % (last, sid, mine[sid], modes))
print("%s: %s" % (records, "parity OK" if problems == 0 else "%d differences" % problems))
sys.exit(1 if problems else 0)
