#!/usr/bin/env python3
"""Compare `failmix report --format json` with the reference classifier on one
records file: every session's modes (--last 0) and the window counts for
--last 100 and --last 30. Exit 1 on any difference.

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
    got = {"total": w["total"], "failed": w["failed"], "modes": {m: v["count"] for m, v in w["modes"].items()}}
    want = {"total": ref["total"], "failed": ref["failed"], "modes": ref["modes"]}
    if got != want:
        problems += 1
        print("window --last %d differs:\n  failmix %s\n  seed    %s" % (last, got, want))
    mine = {s["session_id"]: s["modes"] for s in ours["sessions"]}
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
