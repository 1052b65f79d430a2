#!/usr/bin/env python3
"""Runs one job of a GitLab CI file the way a shell-executor runner does, for
tests of ci/gitlab/failmix.gitlab-ci.yml outside GitLab: `extends` merged
(hash keys deep-merged, everything else replaced, as GitLab does), the job's
`variables` exported (variables already in the environment — CI/CD settings
and global ones — win over the job's, so they are only defaults here when
not set), `before_script` and `script` run in one bash process with
`set -eo pipefail` (a failing line ends the job), then `after_script` in a
fresh one, in the project directory. Prints a JSON result: the exit code, the
log and the artifact report paths the job declares."""
import argparse
import json
import os
import subprocess
import sys

import yaml


def merge(base, override):
    out = dict(base)
    for k, v in override.items():
        out[k] = merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def resolve(document, name, seen=()):
    job = document[name]
    parents = job.get("extends", [])
    if isinstance(parents, str):
        parents = [parents]
    merged = {}
    for parent in parents:
        if parent in seen:
            raise SystemExit(f"extends cycle at {parent}")
        merged = merge(merged, resolve(document, parent, seen + (parent,)))
    return merge(merged, {k: v for k, v in job.items() if k != "extends"})


def lines(value):
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--file", required=True)
    p.add_argument("--job", required=True)
    p.add_argument("--project-dir", required=True)
    p.add_argument("--env", action="append", default=[], metavar="NAME=VALUE")
    p.add_argument("--timeout", type=float, default=600)
    args = p.parse_args()
    with open(args.file) as f:
        document = yaml.safe_load(f)
    job = resolve(document, args.job)
    if "script" not in job:
        raise SystemExit(f"job {args.job} has no script")
    env = dict(os.environ)
    env.update(kv.split("=", 1) for kv in args.env)
    for k, v in (job.get("variables") or {}).items():
        value = v["value"] if isinstance(v, dict) else str(v)
        env.setdefault(k, value)
    env["CI_PROJECT_DIR"] = os.path.abspath(args.project_dir)
    env["GITLAB_CI"] = "true"
    env["CI"] = "true"
    body = "set -eo pipefail\n" + "\n".join(lines(job.get("before_script")) + lines(job["script"])) + "\n"
    proc = subprocess.run(["bash", "--noprofile", "--norc", "-c", body], cwd=args.project_dir, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=args.timeout)
    log = proc.stdout.decode("utf-8", "replace")
    after = lines(job.get("after_script"))
    if after:
        a = subprocess.run(["bash", "--noprofile", "--norc", "-c", "\n".join(after)], cwd=args.project_dir, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=args.timeout)
        log += a.stdout.decode("utf-8", "replace")
    artifacts = job.get("artifacts") or {}
    json.dump({"exit_code": proc.returncode, "log": log, "image": job.get("image"),
               "reports": artifacts.get("reports") or {}, "paths": artifacts.get("paths") or [],
               "artifacts_when": artifacts.get("when"), "rules": job.get("rules")}, sys.stdout, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
