#!/usr/bin/env python3
"""Runs check-jsonschema's own command line several times in one Python
process: a start of the interpreter and of check-jsonschema's imports (~0.4 s
of CPU each) for the lot, not for every file. Each argument is one JSON array,
the arguments of one `check-jsonschema` call; the output is a JSON array with,
for each call in order, {"args": [...], "status": exit status, "output": its
standard output and error}.

    check-jsonschema-batch.py '["--builtin-schema", "vendor.github-actions", "action.yml"]' ...
    check-jsonschema-batch.py --serve

With --serve it answers calls until its input ends, one a line: each line a
JSON object {"id": ..., "args": [...]}, each answer a line {"id": ...,
"status": ..., "output": ...} (a test suite starts it once for all its
tests' calls).
"""
import contextlib, io, json, sys, traceback

from check_jsonschema import main


def run(args):
    out = io.StringIO()
    status = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            main(args=args, prog_name="check-jsonschema")
        except SystemExit as exit:
            status = exit.code if isinstance(exit.code, int) else (0 if exit.code is None else 1)
    return {"args": args, "status": status, "output": out.getvalue()}


def serve():
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            request = json.loads(line)
            answer = dict(run(list(request["args"])), id=request.get("id"))
        except Exception:
            answer = {"id": None, "error": traceback.format_exc()}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    if sys.argv[1:] == ["--serve"]:
        serve()
    else:
        json.dump([run(json.loads(a)) for a in sys.argv[1:]], sys.stdout)
