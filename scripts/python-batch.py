#!/usr/bin/env python3
"""Runs Python command lines one after another in one interpreter, each as
`python3 SCRIPT ARGS...`, `python3 -m MODULE ARGS...` or `python3 -c CODE
ARGS...` would run it: its
own __main__, sys.argv, standard output and error, and exit status. For a
test suite that calls Python tools many times: an interpreter's start and a
tool's imports (check-jsonschema's ~0.35 s of CPU) are paid once, not per
call.

    python-batch.py --serve

Each line of input is a JSON object {"id": ..., "script": PATH | "module":
NAME | "code": TEXT, "args": [...]}; each gets one line back, {"id": ..., "status": N,
"stdout": "...", "stderr": "..."} (or {"id": ..., "error": "..."} for a
request it could not read). It ends when its input does.
"""
import contextlib, io, json, runpy, sys, traceback


def run(request):
    out, err = io.StringIO(), io.StringIO()
    status = 0
    argv = sys.argv
    first = request.get("script") or request.get("module") or "-c"
    sys.argv = [first] + [str(a) for a in request.get("args", [])]
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                if "script" in request:
                    runpy.run_path(request["script"], run_name="__main__")
                elif "code" in request:
                    exec(compile(request["code"], "<string>", "exec"), {"__name__": "__main__"})
                else:
                    runpy.run_module(request["module"], run_name="__main__", alter_sys=True)
            except SystemExit as exit:
                status = exit.code if isinstance(exit.code, int) else (0 if exit.code is None else 1)
                if not isinstance(exit.code, (int, type(None))):
                    print(exit.code, file=sys.stderr)
            except BaseException:
                # As the interpreter reports an uncaught exception: on standard error, status 1.
                traceback.print_exc()
                status = 1
    finally:
        sys.argv = argv
    return {"status": status, "stdout": out.getvalue(), "stderr": err.getvalue()}


def serve():
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            request = json.loads(line)
            answer = dict(run(request), id=request.get("id"))
        except Exception:
            answer = {"id": None, "error": traceback.format_exc()}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    if sys.argv[1:] != ["--serve"]:
        sys.exit(__doc__)
    serve()
