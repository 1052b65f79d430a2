#!/usr/bin/env python3
"""failmix's benchmark: runs failmix and the baselines side by side on the same
data, several times, and prints medians, peak RSS and ratios against the
targets of the speed issue. It is not a test and never fails CI.

    scripts/bench.py [--failmix .build/release/failmix] [--runs 5] [--quick]
                     [--results bench/RESULTS.md] [--git-only]

Data is generated in bench/out/ (ignored by git): 200k and 1M records with
../shared/tools/make-records when present (else a built-in generator of a
smaller shape; the file names say which), a repository of >= 100k commits with ../shared/tools/make-fixture
(synthetic git figures are skipped without it), and an 80k-commit repository
shaped like a real project's with scripts/make-realistic-repo.py (generated
once, several minutes: `git gc --aggressive` dominates).
"""
import argparse, json, os, platform, random, resource, shutil, statistics, subprocess, sys, time
from datetime import datetime, timezone

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# ../shared beside the checkout; FAILMIX_SHARED names it from a worktree elsewhere.
SHARED = os.environ.get("FAILMIX_SHARED") or os.path.join(os.path.dirname(ROOT), "shared")
OUT = os.path.join(ROOT, "bench", "out")


MAKE_RECORDS = os.path.join(SHARED, "tools", "make-records")
# Which generator wrote the records: its name is in each data file's name, as
# the two differ in shape (make-records: ~60 fields of the current
# gptme-sessions set; the built-in one: ~15 fields and a 900-byte padding
# string) and the Python reference takes about twice as long on the first.
GENERATOR = "shared" if os.path.exists(MAKE_RECORDS) else "builtin"


def records_file(n, seed=1):
    """The generated n-record file for `seed`, made on first use."""
    path = os.path.join(OUT, "records-%d-seed%d-%s.jsonl" % (n, seed, GENERATOR))
    if not os.path.exists(path):
        generate_records(path + ".partial", n, seed)
        os.rename(path + ".partial", path)
    return path


def generate_records(path, n, seed=1):
    if GENERATOR == "shared":
        subprocess.run([MAKE_RECORDS, path, str(n), "--seed", str(seed)], check=True)
        return
    rnd = random.Random(seed)
    t = datetime(2025, 1, 1, tzinfo=timezone.utc).timestamp()
    with open(path, "w") as f:
        for i in range(n):
            t += rnd.randint(60, 1800)
            dur = rnd.randint(20, 3600)
            outcome = rnd.choices(["productive", "noop", "failed"], [70, 20, 10])[0]
            f.write(json.dumps({
                "session_id": "%08x" % rnd.getrandbits(32),
                "timestamp": datetime.fromtimestamp(t, tz=timezone.utc).isoformat(),
                "start_time": datetime.fromtimestamp(t - dur, tz=timezone.utc).isoformat(),
                "end_time": datetime.fromtimestamp(t, tz=timezone.utc).isoformat(),
                "duration_seconds": dur, "outcome": outcome, "category": "code",
                "trajectory_path": "/home/agent/%032x.jsonl" % rnd.getrandbits(128),
                "deliverables": ["tidy module %d (%07x)" % (i, rnd.getrandbits(28))] if outcome == "productive" else [],
                "grades": {"productivity": round(rnd.random(), 3), "harm": 1.0},
                "grade_reasons": {"harm": "ci_break" if rnd.random() < 0.05 else "clean"},
                "loop_status": "open" if rnd.random() < 0.25 else "closed",
                "intent_category_matched": rnd.random() < 0.85,
                "padding": "x" * 900}) + "\n")


def run_once(cmd, setup=None, cwd=None, env=None):
    """Wall seconds, peak RSS (KiB) and CPU seconds (user + system) of one run of `cmd`,
    from the kernel's accounting of that process (wait4): microseconds, not the 10 ms
    steps /usr/bin/time prints, and no wrapper process inside the wall time."""
    if setup:
        setup()
    start = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=cwd, env=env)
    err = p.stderr.read()
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - start
    p.returncode = os.waitstatus_to_exitcode(status)
    p.stderr.close()
    if p.returncode not in (0, 1):
        sys.exit("benchmark command failed (%d): %s\n%s" % (p.returncode, " ".join(cmd), err.decode()[-2000:]))
    return wall, usage.ru_maxrss, usage.ru_utime + usage.ru_stime


def measure(cmd, runs, setup=None, cwd=None, env=None):
    """Median wall seconds and max peak RSS (KiB) of `cmd` over `runs` runs."""
    results = [run_once(cmd, setup, cwd, env) for _ in range(runs)]
    return statistics.median(r[0] for r in results), max(r[1] for r in results)


def measure_pair(ours, baseline, runs, setup=None):
    """`ours` and `baseline` run alternately, so both see the same load on a
    shared machine: (median wall, median CPU, peak RSS) of each."""
    a, b = [], []
    run_once(baseline)  # the page cache warmed for both
    for _ in range(runs):
        b.append(run_once(baseline))
        a.append(run_once(ours, setup))
    summary = lambda rs: (statistics.median(r[0] for r in rs), statistics.median(r[2] for r in rs), max(r[1] for r in rs))
    return summary(a), summary(b)


GIT_LOG_FORMAT = "--format=%H%x00%ae%x00%at%x00%B"  # what a corroboration reads of each commit


def git_rows(table, fm, name, repo, records, runs, recent=None):
    """Cold corroboration of the whole history against `git log` in the same
    run, peak RSS, the warm run, and (given `recent` records) the windowed walk."""
    out = os.path.join(OUT, "git-%s.json" % name.split()[0])
    cmd = [fm, "report", "--records", records, "--repo", repo, "--agent-author", "bob@agents.example.org",
           "--last", "0", "--format", "json", "--output", out]
    if subprocess.run(cmd, capture_output=True).returncode != 0:
        print("  (failmix cannot corroborate yet: git figures skipped)")
        return

    def drop_git_cache():
        shutil.rmtree(os.path.join(repo, ".git", "failmix", "cache"), ignore_errors=True)
    walked = json.load(open(out))["git"]["commits_walked"]
    (cold, cold_cpu, cold_rss), (log, log_cpu, _) = measure_pair(cmd, ["git", "-C", repo, "log", GIT_LOG_FORMAT], runs,
                                                                setup=drop_git_cache)
    table.add("git corroboration cold, %s (%d commits walked)" % (name, walked),
              "%.3fs = %.2f x git log (%.3fs); cpu %.2fs vs %.2fs" % (cold, cold / log, log, cold_cpu, log_cpu),
              "<= 1.5x git log", cold <= 1.5 * log)
    worst = cold_rss
    if not recent:
        # The warm target is for a gate's few hundred sessions, not a report of thousands.
        warm, warm_rss = measure(cmd, runs)
        table.add("git corroboration warm (HEAD unchanged), %s" % name, "%.1f ms" % (warm * 1000), "<= 20 ms", warm <= 0.020)
        worst = max(worst, warm_rss)
    if recent:
        windowed = cmd[:3] + [recent] + cmd[4:]
        results = [run_once(windowed, drop_git_cache) for _ in range(max(runs, 7))]
        wall = statistics.median(r[0] for r in results)
        cpu = statistics.median(r[2] for r in results)
        worst = max(worst, max(r[1] for r in results))
        table.add("windowed walk cold, last 100 sessions over 2 days, %s" % name,
                  "%.1f ms (cpu %.1f ms)" % (wall * 1000, cpu * 1000), "<= 30 ms", wall <= 0.030)
    table.add("peak RSS, git corroboration, %s" % name, "%.1f MiB" % (worst / 1024), "<= 64 MiB", worst <= 64 * 1024)


def realistic_repository(commits):
    """scripts/make-realistic-repo.py's repository and records, generated once."""
    out = os.path.join(OUT, "realistic-%dk" % (commits // 1000))
    if not os.path.exists(os.path.join(out, "recent-100.jsonl")):
        shutil.rmtree(out, ignore_errors=True)
        print("generating %s (%d commits, git gc --aggressive: several minutes)" % (out, commits), flush=True)
        subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "make-realistic-repo.py"), out,
                        "--commits", str(commits)], check=True)
    return out


class Table:
    def __init__(self):
        self.rows = []

    def add(self, figure, value, target, ok):
        line = "%-58s %-28s target %-30s %s" % (figure, value, target, "met" if ok else "NOT MET")
        print(line, flush=True)
        self.rows.append((figure, value, target, "met" if ok else "**not met**"))


def git_section(table, fm, runs, n_commits, n_realistic):
    # ---- git corroboration vs a git log walk --------------------------------
    # The synthetic history (short messages, one-file trees, a straight line)
    # and one shaped like a real project's (scripts/make-realistic-repo.py).
    fixture = os.path.join(SHARED, "tools", "make-fixture")
    if os.path.exists(fixture):
        fx = os.path.join(OUT, "git-%d" % n_commits)
        if not os.path.exists(os.path.join(fx, "truth.json")):
            shutil.rmtree(fx, ignore_errors=True)
            subprocess.run([fixture, fx, "--sessions", "300", "--human-commits", str(n_commits)],
                           check=True, capture_output=True)
        repo, recs = os.path.join(fx, "repo"), os.path.join(fx, "session-records.jsonl")
        git_rows(table, fm, "synthetic %dk" % (n_commits // 1000), repo, recs, runs)
        # `failmix doctor` reads only recent history and the records' tail.
        doctor = [fm, "doctor", "--repo", repo, "--records", recs]
        if subprocess.run(doctor, capture_output=True).returncode in (0, 1):
            took, _ = measure(doctor, runs)
            table.add("doctor, %dk-commit repository" % (n_commits // 1000), "%.1f ms" % (took * 1000), "<= 200 ms", took <= 0.200)
    else:
        print("  (no ../shared/tools/make-fixture: synthetic git figures skipped)")
    real = realistic_repository(n_realistic)
    git_rows(table, fm, "realistic %dk" % (n_realistic // 1000), os.path.join(real, "repo"),
             os.path.join(real, "session-records.jsonl"), runs, recent=os.path.join(real, "recent-100.jsonl"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--failmix", default=os.path.join(ROOT, ".build", "release", "failmix"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="smaller data, fewer runs (a smoke run)")
    ap.add_argument("--results", default=os.path.join(ROOT, "bench", "RESULTS.md"))
    ap.add_argument("--git-only", action="store_true", help="only the git figures (results file not written)")
    a = ap.parse_args()
    fm = os.path.abspath(a.failmix)
    runs = 2 if a.quick else a.runs
    n_report, n_gate, n_commits = (20_000, 100_000, 10_000) if a.quick else (200_000, 1_000_000, 100_000)
    n_realistic = 8_000 if a.quick else 80_000
    if a.git_only:
        os.makedirs(OUT, exist_ok=True)
        git_section(Table(), fm, runs, n_commits, n_realistic)
        return
    os.makedirs(OUT, exist_ok=True)
    table = Table()

    # ---- full report vs wc -l vs the Python reference --------------------
    rec = records_file(n_report)
    size = os.path.getsize(rec)
    print("data: %s (%d records, %.0f MB, %s generator)" % (rec, n_report, size / 1e6, GENERATOR), flush=True)
    # To standard output, as the Python reference prints its JSON (both to /dev/null).
    report = [fm, "report", "--no-git", "--records", rec, "--last", "0", "--format", "json"]
    # Each baseline alternates with failmix on the same file, so both see the same load.
    (ours, ours_cpu, ours_rss), (wc, _, _) = measure_pair(report, ["wc", "-l", rec], runs)
    seed = os.path.join(SHARED, "tools", "seed-classifier")
    print("  wc -l %.3fs   failmix report %.3fs (cpu %.3fs, %d KiB peak)" % (wc, ours, ours_cpu, ours_rss), flush=True)
    table.add("full report, %dk records vs wc -l" % (n_report // 1000), "%.3fs = %.1f x wc -l" % (ours, ours / wc),
              "<= 5x wc -l", ours <= 5 * wc)
    if os.path.exists(seed):
        (mine, mine_cpu, _), (py, py_cpu, _) = measure_pair(report, [seed, rec, "--last", "0", "--json"], runs)
        table.add("full report vs Python reference (%s records)" % GENERATOR,
                  "%.3fs vs %.2fs = %.0fx faster (cpu %.0fx)" % (mine, py, py / mine, py_cpu / mine_cpu),
                  ">= 50x faster", py / mine >= 50)
    table.add("peak RSS, full report", "%.1f MiB" % (ours_rss / 1024), "<= 64 MiB", ours_rss <= 64 * 1024)

    # ---- the HTML dashboard vs the JSON report on the same records ----------
    html_out = os.path.join(OUT, "report.html")
    same = [fm, "report", "--no-git", "--records", rec, "--last", "100", "--last", "30"]
    json_t, _ = measure(same + ["--format", "json"], runs)
    html_t, html_rss = measure(same + ["--format", "html", "--output", html_out], runs)
    table.add("HTML report, %dk records vs the JSON report" % (n_report // 1000),
              "%.3fs vs %.3fs = %.2fx" % (html_t, json_t, html_t / json_t), "<= 2x the JSON report", html_t <= 2 * json_t)
    table.add("peak RSS, HTML report", "%.1f MiB" % (html_rss / 1024), "<= 64 MiB", html_rss <= 64 * 1024)

    # ---- the gate on a large file: cold, warm, after an append ------------
    big = records_file(n_gate, seed=2)
    has_gate = subprocess.run([fm, "gate", "--help"], capture_output=True).returncode == 0
    if has_gate:
        work = os.path.join(OUT, "gate-repo")
        shutil.rmtree(work, ignore_errors=True)
        os.makedirs(work)
        subprocess.run(["git", "init", "-q", work], check=True)
        live = os.path.join(work, "session-records.jsonl")
        shutil.copy(big, live)
        gate = [fm, "gate", "--records", live, "--repo", work, "--warn-only"]
        cache_dir = os.path.join(work, ".git", "failmix")

        def drop_cache():
            shutil.rmtree(os.path.join(cache_dir, "cache"), ignore_errors=True)

        cold, cold_rss = measure(gate, runs, setup=drop_cache, cwd=work)
        subprocess.run(gate, capture_output=True, cwd=work)
        warm, warm_rss = measure(gate, runs, cwd=work)
        extra = records_file(100, seed=99)
        extra_lines = open(extra).read()

        def append():
            subprocess.run(gate, capture_output=True, cwd=work)  # absorb the previous append
            with open(live, "a") as f:
                f.write(extra_lines)
        appended, app_rss = measure(gate, runs, setup=append, cwd=work)
        full_big, _ = measure([fm, "report", "--no-git", "--records", live, "--last", "0", "--format", "json"], runs)
        table.add("gate, last 100 of %dk, warm" % (n_gate // 1000), "%.1f ms" % (warm * 1000), "<= 20 ms", warm <= 0.020)
        table.add("gate, after 100 appended", "%.1f ms" % (appended * 1000), "<= 30 ms", appended <= 0.030)
        table.add("gate, cold (no cache)", "%.3fs vs full report %.3fs" % (cold, full_big), "<= full report (+5% timing noise)",
                  cold <= full_big * 1.05)
        worst = max(cold_rss, warm_rss, app_rss)
        table.add("peak RSS, gate (any)", "%.1f MiB" % (worst / 1024), "<= 64 MiB", worst <= 64 * 1024)
    else:
        print("  (no `failmix gate` yet: gate figures skipped)")

    # ---- the HTML page of a big store; a fleet of 100 agents ------------------
    big_html = os.path.join(OUT, "big.html")
    subprocess.run([fm, "report", "--no-git", "--records", big, "--format", "html", "--output", big_html], check=True,
                   capture_output=True)
    size_mb = os.path.getsize(big_html) / 1e6
    table.add("HTML report size, %dk records" % (n_gate // 1000), "%.2f MB" % size_mb, "<= 2 MB", size_mb <= 2)
    fleet_dir = os.path.join(OUT, "fleet-%d-%s" % (n_gate, GENERATOR))
    per_agent = n_gate // 100
    if not os.path.exists(os.path.join(fleet_dir, "agent-99.jsonl")):
        shutil.rmtree(fleet_dir, ignore_errors=True)
        os.makedirs(fleet_dir)
        with open(big) as f:
            for k in range(100):
                with open(os.path.join(fleet_dir, "agent-%02d.jsonl" % k), "w") as out:
                    for _ in range(per_agent):
                        out.write(f.readline())
    agents = sum((["--agent", "agent-%02d=%s" % (k, os.path.join(fleet_dir, "agent-%02d.jsonl" % k))] for k in range(100)), [])
    worst_fleet = 0
    for fmt in ("json", "html", "prometheus"):
        fleet_t, fleet_rss = measure([fm, "report", "--no-git", "--format", fmt, "--output", os.path.join(OUT, "fleet." + fmt)] + agents, runs)
        print("  fleet of 100 agents, %s: %.3fs, %d KiB peak" % (fmt, fleet_t, fleet_rss), flush=True)
        worst_fleet = max(worst_fleet, fleet_rss)
    table.add("peak RSS, fleet report, 100 agents x %dk records" % (per_agent // 1000), "%.1f MiB" % (worst_fleet / 1024),
              "<= 64 MiB", worst_fleet <= 64 * 1024)

    git_section(table, fm, runs, n_commits, n_realistic)

    # ---- the stamping hook, per commit ------------------------------------------
    stamp_repo = os.path.join(OUT, "stamp-repo")
    shutil.rmtree(stamp_repo, ignore_errors=True)
    subprocess.run(["git", "init", "-q", stamp_repo], check=True)
    if subprocess.run([fm, "hook", "install", "prepare-commit-msg", "--repo", stamp_repo], capture_output=True).returncode == 0:
        hook = os.path.join(stamp_repo, ".git", "hooks", "prepare-commit-msg")
        message = os.path.join(stamp_repo, ".git", "COMMIT_EDITMSG")
        template = "Fix the parser\n\nWhy it was wrong.\n\nSigned-off-by: Bob <bob@agents.example.org>\n" \
                   "# Please enter the commit message for your changes.\n#\n# On branch main\n"

        def fresh_message():
            with open(message, "w") as f:
                f.write(template)
        session = dict(os.environ, GIT_COMMITTER_SESSION_ID="ff15abcd-0000-4000-8000-00000000beef")
        outside = {k: v for k, v in os.environ.items() if k != "GIT_COMMITTER_SESSION_ID"}
        stamped, _ = measure([hook, message, "message"], max(runs, 20), setup=fresh_message, cwd=stamp_repo, env=session)
        if "Git-Session-Id: ff15abcd" not in open(message).read():
            sys.exit("the stamping hook did not stamp")
        idle, _ = measure([hook, message, "message"], max(runs, 20), setup=fresh_message, cwd=stamp_repo, env=outside)
        table.add("prepare-commit-msg hook, in a session", "%.1f ms per commit" % (stamped * 1000), "<= 10 ms", stamped <= 0.010)
        table.add("prepare-commit-msg hook, outside a session", "%.1f ms per commit" % (idle * 1000), "<= 10 ms", idle <= 0.010)

    # ---- the gate's decisions: backtest speed, decision quality (issue #14) -----
    sys.path.insert(0, os.path.join(ROOT, "scripts"))
    import bench_decisions
    decisions = ""
    if subprocess.run([fm, "backtest", "--help"], capture_output=True).returncode == 0:
        bench_decisions.backtest_speed(fm, table, runs, records_file, measure)
        rows = bench_decisions.decision_table(fm, *((50_000, 100) if a.quick else (300_000, 400)))
        decisions = bench_decisions.markdown(rows)
        print("\nDecision quality (failmix simulate, seed 1):\n" + decisions)

    # ---- summary ---------------------------------------------------------------
    cpu = "unknown"
    try:
        cpu = [l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")][0]
    except Exception:
        pass
    machine = "%s, %d cores, %s, Python %s" % (cpu, os.cpu_count(), platform.platform(), platform.python_version())
    print("\nSummary (%s)" % machine)
    print("| figure | measured | target | |")
    for row in table.rows:
        print("| %s | %s | %s | %s |" % row)
    if not a.quick:
        with open(a.results, "w") as f:
            f.write("# Benchmark results\n\nLast `make bench` run, %s.\n\nMachine: %s.\n\n" % (
                datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), machine))
            f.write("Medians of %d runs; RSS is the peak over the runs. Records from the %s generator; "
                    "each baseline (wc -l, the Python reference, git log) runs alternately with failmix.\n\n"
                    % (runs, "shared make-records" if GENERATOR == "shared" else "built-in"))
            f.write("| figure | measured | target | |\n|---|---|---|---|\n")
            for row in table.rows:
                f.write("| %s | %s | %s | %s |\n" % row)
            if decisions:
                f.write("\n## Decision quality\n\nSeeded simulated agents (`failmix simulate`, seed 1) through the real gate; "
                        "see bench/DECISIONS.md for the definitions and the figures before issue #14.\n\n" + decisions)
        print("\nwrote %s" % a.results)


if __name__ == "__main__":
    main()
