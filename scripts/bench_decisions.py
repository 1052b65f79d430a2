"""The gate's decision figures for `make bench` (issue #14): the backtest's
speed on 100k sessions, and the decision-quality table of the default policy
and each documented alternative (bench/policies/*.toml), from `failmix
simulate` — seeded simulated agents driven through the real gate logic.
"""
import glob, json, os, subprocess, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def backtest_speed(fm, table, runs, records_file, measure, n=100_000):
    rec = records_file(n, seed=4)
    wall, rss = measure([fm, "backtest", "--records", rec, "--format", "json"], runs)
    table.add("backtest, default policy, %dk sessions" % (n // 1000), "%.3fs (%d KiB peak)" % (wall, rss), "<= 1 s",
              wall <= 1.0)


def decision_table(fm, sessions=300_000, replicates=400, seed=1):
    """Rows of (policy, figures) for the built-in default and every documented alternative."""
    policies = sorted(glob.glob(os.path.join(ROOT, "bench", "policies", "*.toml")))
    cmd = ["nice", "-n", "10", fm, "simulate", "--format", "json", "--seed", str(seed), "--sessions", str(sessions),
           "--replicates", str(replicates)]
    rows = []
    start = time.perf_counter()
    # The built-in default (no --config: an empty directory has no .failmix.toml), then each alternative.
    empty = tempfile.mkdtemp(prefix="failmix-no-config-")
    runs = [("default (built-in)", [])] + [(os.path.basename(p)[:-5], ["--config", p]) for p in policies]
    for name, extra in runs:
        out = subprocess.run(cmd + extra, check=True, capture_output=True, text=True, cwd=empty).stdout
        figures = json.loads(out)["policies"][0]
        rows.append((name, figures))
        print("  simulated %-22s %s" % (name, markdown_row(name, figures)), flush=True)
    print("  (decision table: %.0f s)" % (time.perf_counter() - start), flush=True)
    return rows


def markdown_row(name, f):
    num = lambda v: "-" if v is None else "%g" % v
    fp = " | ".join("%.2f" % s["per_1000"] for s in f["false_pauses"])
    dl = " | ".join(num(d["median"]) for d in f["delays"])
    r = f["resumes_after_fix"]
    return "| %s | %s | %s | %s / %s / %d |" % (name, fp, dl, num(r["median"]), num(r["p90"]), r["max"])


def markdown(rows):
    if not rows:
        return ""
    f = rows[0][1]
    head = "| policy | " + " | ".join("false pauses /1000 at %s" % s["stream"] for s in f["false_pauses"])
    head += " | " + " | ".join("median delay at %.2f" % d["rate"] for d in f["delays"]) + " | resumes after a fix (median / p90 / max) |\n"
    head += "|---|" + "---:|" * (len(f["false_pauses"]) + len(f["delays"]) + 1) + "\n"
    return head + "".join(markdown_row(name, fig) + "\n" for name, fig in rows)
