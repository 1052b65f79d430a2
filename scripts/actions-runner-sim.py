#!/usr/bin/env python3
"""Runs a composite GitHub Action's steps the way the Actions runner does, for
tests of ci/github/action.yml outside GitHub.

What it reproduces (from the runner's documented behaviour):
- inputs: `with:` values over the action's defaults, defaults being
  expressions themselves (`${{ github.token }}`). A composite action gets NO
  `INPUT_*` variables (only JavaScript and Docker actions do), so none are
  set here either: an action that read them would fail on GitHub too.
- `${{ }}` expressions in run, env, with, working-directory and outputs;
  `if:` conditions with the implicit `success() &&`; the github, runner,
  inputs, steps and env contexts; the operators and functions the action
  language has.
- run steps: `bash --noprofile --norc -eo pipefail FILE` (or `sh -e FILE`),
  working directory the workspace, fresh GITHUB_OUTPUT / GITHUB_ENV /
  GITHUB_PATH / GITHUB_STEP_SUMMARY files per step, parsed afterwards with
  the runner's `name=value` / `name<<DELIMITER` grammar (a malformed file
  fails the step), GITHUB_ACTION_PATH set.
- workflow commands on stdout: ::error/::warning/::notice with properties,
  ::add-mask::, ::stop-commands::TOKEN ... ::TOKEN::, %-unescaping of data
  and properties; the deprecated ::set-output is recorded.
- outcome/conclusion per step, continue-on-error, the action's outputs.
- actions/cache/restore and actions/cache/save against a local cache
  directory; github/codeql-action/upload-sarif records the file it would send.

Writes a JSON result (steps, outputs, annotations, summary, log, cache and
upload events, conclusion) to --result.
"""
import argparse
import base64
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request

import yaml


# ---------------------------------------------------------------- expressions

class ExpressionError(Exception):
    pass


TOKEN = re.compile(r"""
    \s*(?:
      (?P<number>-?\d+(?:\.\d+)?)
    | (?P<string>'(?:[^']|'')*')
    | (?P<op>==|!=|<=|>=|&&|\|\||[!<>()\[\].,*])
    | (?P<ident>[A-Za-z_][A-Za-z0-9_-]*)
    )""", re.X)


def tokenize(text):
    tokens, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ExpressionError(f"cannot parse expression at {text[pos:]!r}")
        pos = m.end()
        kind = m.lastgroup
        tokens.append((kind, m.group(kind)))
    return tokens


def truthy(v):
    return not (v is None or v is False or v == 0 or v == "" or (isinstance(v, float) and v != v))


def to_string(v):
    if v is None:
        return ""
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, (dict, list)):
        return json.dumps(v, indent=2)
    return str(v)


def loose_equal(a, b):
    if isinstance(a, str) and isinstance(b, str):
        return a.lower() == b.lower()
    def num(x):
        if x is None:
            return 0
        if isinstance(x, bool):
            return int(x)
        if isinstance(x, (int, float)):
            return x
        try:
            return float(x) if str(x).strip() else 0
        except ValueError:
            return float("nan")
    if type(a) is type(b):
        return a == b
    return num(a) == num(b)


class Evaluator:
    def __init__(self, contexts, functions):
        self.contexts = contexts
        self.functions = functions

    def evaluate(self, text):
        self.tokens = tokenize(text)
        self.i = 0
        value = self.or_()
        if self.i != len(self.tokens):
            raise ExpressionError(f"unexpected {self.tokens[self.i][1]!r} in {text!r}")
        return value

    def peek(self):
        return self.tokens[self.i] if self.i < len(self.tokens) else (None, None)

    def take(self, op=None):
        tok = self.peek()
        if op is not None and tok[1] != op:
            raise ExpressionError(f"expected {op!r}, found {tok[1]!r}")
        self.i += 1
        return tok

    def or_(self):
        v = self.and_()
        while self.peek()[1] == "||":
            self.take()
            rhs = self.and_()
            v = v if truthy(v) else rhs
        return v

    def and_(self):
        v = self.cmp()
        while self.peek()[1] == "&&":
            self.take()
            rhs = self.cmp()
            v = rhs if truthy(v) else v
        return v

    def cmp(self):
        v = self.unary()
        while self.peek()[1] in ("==", "!=", "<", "<=", ">", ">="):
            op = self.take()[1]
            rhs = self.unary()
            if op == "==":
                v = loose_equal(v, rhs)
            elif op == "!=":
                v = not loose_equal(v, rhs)
            else:
                v = {"<": v < rhs, "<=": v <= rhs, ">": v > rhs, ">=": v >= rhs}[op]
        return v

    def unary(self):
        if self.peek()[1] == "!":
            self.take()
            return not truthy(self.unary())
        return self.postfix()

    def postfix(self):
        v = self.primary()
        while self.peek()[1] in (".", "["):
            if self.take()[1] == ".":
                kind, name = self.take()
                if kind != "ident":
                    raise ExpressionError(f"bad property {name!r}")
                v = v.get(name) if isinstance(v, dict) else None
            else:
                key = self.or_()
                self.take("]")
                if isinstance(v, dict):
                    v = v.get(key)
                elif isinstance(v, list) and isinstance(key, (int, float)):
                    v = v[int(key)] if 0 <= int(key) < len(v) else None
                else:
                    v = None
        return v

    def primary(self):
        kind, value = self.take()
        if kind == "number":
            return float(value) if "." in value else int(value)
        if kind == "string":
            return value[1:-1].replace("''", "'")
        if value == "(":
            v = self.or_()
            self.take(")")
            return v
        if kind == "ident":
            if value in ("true", "false"):
                return value == "true"
            if value == "null":
                return None
            if self.peek()[1] == "(":
                self.take()
                args = []
                while self.peek()[1] != ")":
                    args.append(self.or_())
                    if self.peek()[1] == ",":
                        self.take()
                self.take(")")
                fn = self.functions.get(value.lower())
                if fn is None:
                    raise ExpressionError(f"unknown function {value}")
                return fn(*args)
            if value not in self.contexts:
                raise ExpressionError(f"unknown context {value!r}")
            return self.contexts[value]
        raise ExpressionError(f"unexpected {value!r}")


def format_function(fmt, *args):
    def sub(m):
        return to_string(args[int(m.group(1))])
    return re.sub(r"\{(\d+)\}", sub, fmt.replace("{{", "\0").replace("}}", "\1")).replace("\0", "{").replace("\1", "}")


# ---------------------------------------------------------------- the runner

COMMAND = re.compile(r"^::([A-Za-z-]+)(?: ([^:]*))?::(.*)$")


def unescape_data(s):
    return s.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def unescape_property(s):
    return unescape_data(s.replace("%3A", ":").replace("%2C", ","))


class Runner:
    def __init__(self, args):
        self.args = args
        self.action_dir = os.path.abspath(args.action)
        with open(os.path.join(self.action_dir, "action.yml")) as f:
            self.action = yaml.safe_load(f)
        if self.action.get("runs", {}).get("using") != "composite":
            raise SystemExit("not a composite action")
        self.workspace = os.path.abspath(args.workspace)
        self.temp = tempfile.mkdtemp(prefix="runner-temp-", dir=args.runner_temp)
        with open(args.event) as f:
            self.event = json.load(f)
        self.extra_env = dict(kv.split("=", 1) for kv in args.env)
        self.job_env = {}
        self.path_prefix = []
        self.steps = {}
        self.step_results = []
        self.annotations = []
        self.masks = []
        self.deprecated = []
        self.log = []
        self.summary = ""
        self.cache_events = []
        self.uploads = []
        self.failed = False
        github = {
            "action_path": self.action_dir,
            "workspace": self.workspace,
            "event_name": args.event_name,
            "event": self.event,
            "sha": args.sha,
            "ref": args.ref,
            "repository": args.repository,
            "repository_owner": args.repository.split("/")[0],
            "token": args.token,
            "api_url": args.api_url,
            "server_url": "https://github.com",
            "run_id": "4242",
            "run_attempt": "1",
            "action_ref": "",
            "action_repository": "",
        }
        self.contexts = {
            "github": github,
            "runner": {"os": "Linux", "arch": "X64", "temp": self.temp, "tool_cache": os.path.join(self.temp, "tool-cache"),
                       "name": "sim", "environment": "github-hosted"},
            "steps": self.steps,
            "env": {},
            "job": {"status": "success"},
        }
        inputs = {}
        given = dict(kv.split("=", 1) for kv in args.with_)
        declared = self.action.get("inputs", {}) or {}
        for name in given:
            if name not in declared:
                raise SystemExit(f"input {name!r} is not declared by the action")
        for name, spec in declared.items():
            if name in given:
                inputs[name] = given[name]
            else:
                inputs[name] = self.interpolate(to_string((spec or {}).get("default", "")))
        self.contexts["inputs"] = inputs

    # -- expressions

    def functions(self):
        status = lambda: not self.failed
        return {
            "success": status,
            "always": lambda: True,
            "failure": lambda: self.failed,
            "cancelled": lambda: False,
            "contains": lambda a, b: (any(loose_equal(x, b) for x in a) if isinstance(a, list)
                                      else to_string(b).lower() in to_string(a).lower()),
            "startswith": lambda a, b: to_string(a).lower().startswith(to_string(b).lower()),
            "endswith": lambda a, b: to_string(a).lower().endswith(to_string(b).lower()),
            "format": format_function,
            "join": lambda a, sep=",": sep.join(map(to_string, a)) if isinstance(a, list) else to_string(a),
            "tojson": lambda v: json.dumps(v, indent=2),
            "fromjson": lambda s: json.loads(s),
            "hashfiles": self.hash_files,
        }

    def hash_files(self, *patterns):
        # Like the runner: only files under the workspace count.
        import glob
        import hashlib
        files = []
        for p in patterns:
            for f in glob.glob(os.path.join(self.workspace, p), recursive=True):
                real = os.path.realpath(f)
                if real.startswith(os.path.realpath(self.workspace) + os.sep) and os.path.isfile(real):
                    files.append(real)
        if not files:
            return ""
        h = hashlib.sha256()
        for f in sorted(set(files)):
            h.update(hashlib.sha256(open(f, "rb").read()).digest())
        return h.hexdigest()

    def eval(self, expr):
        return Evaluator(self.contexts, self.functions()).evaluate(expr)

    def interpolate(self, text):
        if not isinstance(text, str) or "${{" not in text:
            return text
        out, pos = "", 0
        while True:
            start = text.find("${{", pos)
            if start < 0:
                return out + text[pos:]
            end = text.find("}}", start)
            if end < 0:
                raise ExpressionError(f"unclosed expression in {text!r}")
            out += text[pos:start] + to_string(self.eval(text[start + 3:end]))
            pos = end + 2

    def condition(self, text):
        if text is None:
            return not self.failed
        if isinstance(text, bool):
            return text
        text = str(text).strip()
        if text.startswith("${{") and text.endswith("}}"):
            text = text[3:-2]
        if not re.search(r"\b(success|always|failure|cancelled)\s*\(", text):
            text = f"success() && ({text})"
        return truthy(self.eval(text))

    # -- files the runner hands a step

    def file_commands(self, index):
        d = os.path.join(self.temp, "_runner_file_commands", str(index))
        os.makedirs(d)
        files = {}
        for name in ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH", "GITHUB_STEP_SUMMARY", "GITHUB_STATE"):
            p = os.path.join(d, name.lower())
            open(p, "w").close()
            files[name] = p
        return files

    @staticmethod
    def parse_key_values(path):
        """The runner's grammar: `name=value`, or `name<<DELIM`, lines, DELIM."""
        pairs = {}
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        i = 0
        while i < len(lines):
            line = lines[i].rstrip("\r")
            i += 1
            if line == "":
                continue
            heredoc = line.find("<<")
            equals = line.find("=")
            if heredoc > 0 and (equals < 0 or heredoc < equals):
                name, delimiter = line[:heredoc], line[heredoc + 2:]
                if not name or not delimiter:
                    raise ValueError(f"invalid format {line!r}")
                value = []
                while True:
                    if i >= len(lines):
                        raise ValueError(f"matching delimiter not found {delimiter!r}")
                    current = lines[i].rstrip("\r")
                    i += 1
                    if current == delimiter:
                        break
                    value.append(current)
                pairs[name] = "\n".join(value)
            elif equals > 0:
                pairs[line[:equals]] = line[equals + 1:]
            else:
                raise ValueError(f"invalid format {line!r}")
        return pairs

    def base_env(self, files):
        env = {
            "PATH": os.pathsep.join(self.path_prefix + [self.args.path or os.environ.get("PATH", "/usr/bin:/bin")]),
            "HOME": os.environ.get("HOME", "/root"),
            "LANG": os.environ.get("LANG", "C.UTF-8"),
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_WORKSPACE": self.workspace,
            "GITHUB_EVENT_NAME": self.args.event_name,
            "GITHUB_EVENT_PATH": os.path.abspath(self.args.event),
            "GITHUB_SHA": self.args.sha,
            "GITHUB_REF": self.args.ref,
            "GITHUB_REPOSITORY": self.args.repository,
            "GITHUB_API_URL": self.args.api_url,
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_RUN_ID": "4242",
            "GITHUB_ACTION_PATH": self.action_dir,
            "RUNNER_OS": "Linux",
            "RUNNER_ARCH": "X64",
            "RUNNER_TEMP": self.temp,
            "RUNNER_TOOL_CACHE": os.path.join(self.temp, "tool-cache"),
        }
        for var in ("TMPDIR", "SWIFT_EXEC", "XDG_CACHE_HOME"):
            if var in os.environ:
                env[var] = os.environ[var]
        env.update(files)
        env.update(self.job_env)
        env.update(self.extra_env)
        return env

    # -- workflow commands

    def process_output(self, text):
        stopped = None
        for raw in text.split("\n"):
            line = raw.rstrip("\r")
            if stopped is not None:
                if line == f"::{stopped}::":
                    stopped = None
                else:
                    self.log.append(line)
                continue
            m = COMMAND.match(line)
            if not m:
                self.log.append(line)
                continue
            command, props, data = m.group(1), m.group(2) or "", m.group(3)
            properties = {}
            for part in filter(None, props.split(",")):
                if "=" in part:
                    k, v = part.split("=", 1)
                    properties[k] = unescape_property(v)
            if command == "stop-commands":
                stopped = data
            elif command in ("error", "warning", "notice"):
                a = {"level": command, "message": unescape_data(data)}
                for k in ("file", "line", "endLine", "col", "endColumn", "title"):
                    if k in properties:
                        a[k] = int(properties[k]) if k in ("line", "endLine", "col", "endColumn") and properties[k].isdigit() else properties[k]
                self.annotations.append(a)
            elif command == "add-mask":
                self.masks.append(unescape_data(data))
            elif command in ("set-output", "save-state", "set-env", "add-path"):
                self.deprecated.append(line)
            elif command in ("group", "endgroup", "debug", "echo"):
                pass
            else:
                self.log.append(line)
        if stopped is not None:
            self.log.append(f"[sim] stop-commands {stopped} never resumed")

    # -- steps

    def run(self):
        for index, step in enumerate(self.action["runs"].get("steps", [])):
            sid = step.get("id") or f"__{index}"
            name = step.get("name") or step.get("uses") or step.get("run", "").split("\n")[0]
            result = {"id": sid, "name": name}
            if not self.condition(step.get("if")):
                self.steps[sid] = {"outputs": {}, "outcome": "skipped", "conclusion": "skipped"}
                result.update(outcome="skipped", conclusion="skipped")
                self.step_results.append(result)
                continue
            try:
                if "run" in step:
                    code, outputs = self.run_script(index, step)
                else:
                    code, outputs = self.run_uses(step)
            except (ExpressionError, ValueError, OSError) as e:
                self.log.append(f"[sim] step {name!r} failed: {e}")
                code, outputs = 1, {}
            outcome = "success" if code == 0 else "failure"
            continue_on_error = truthy(self.interpolate(step.get("continue-on-error", False))) if isinstance(step.get("continue-on-error"), str) else bool(step.get("continue-on-error"))
            conclusion = "success" if outcome == "success" or continue_on_error else "failure"
            if conclusion == "failure":
                self.failed = True
            self.steps[sid] = {"outputs": outputs, "outcome": outcome, "conclusion": conclusion}
            result.update(outcome=outcome, conclusion=conclusion, exit_code=code)
            self.step_results.append(result)
        outputs = {}
        for name, spec in (self.action.get("outputs") or {}).items():
            outputs[name] = self.interpolate(to_string((spec or {}).get("value", "")))
        return outputs

    def run_script(self, index, step):
        files = self.file_commands(index)
        env = self.base_env(files)
        step_env = {k: self.interpolate(to_string(v)) for k, v in (step.get("env") or {}).items()}
        env.update(step_env)
        script = self.interpolate(step["run"])
        shell = self.interpolate(step.get("shell", ""))
        if not shell:
            raise ValueError("a composite run step needs `shell`")
        fd, path = tempfile.mkstemp(suffix=".sh", dir=self.temp)
        with os.fdopen(fd, "w") as f:
            f.write(script)
        command = {"bash": ["bash", "--noprofile", "--norc", "-eo", "pipefail", path],
                   "sh": ["sh", "-e", path]}.get(shell)
        if command is None:
            command = [part.replace("{0}", path) for part in shell.split()]
        cwd = self.interpolate(step.get("working-directory", "")) or self.workspace
        if not os.path.isabs(cwd):
            cwd = os.path.join(self.workspace, cwd)
        proc = subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              timeout=self.args.step_timeout)
        self.process_output(proc.stdout.decode("utf-8", "replace"))
        outputs = self.parse_key_values(files["GITHUB_OUTPUT"])
        self.job_env.update(self.parse_key_values(files["GITHUB_ENV"]))
        with open(files["GITHUB_PATH"]) as f:
            self.path_prefix = [p for p in f.read().split("\n") if p] + self.path_prefix
        with open(files["GITHUB_STEP_SUMMARY"], encoding="utf-8") as f:
            summary = f.read()
        if len(summary.encode()) > 1024 * 1024:
            self.annotations.append({"level": "error", "message": "$GITHUB_STEP_SUMMARY upload aborted, supports content up to a size of 1024k"})
        else:
            self.summary += summary
        return proc.returncode, outputs

    def run_uses(self, step):
        uses = step["uses"]
        given = {k: self.interpolate(to_string(v)) for k, v in (step.get("with") or {}).items()}
        action, _, _ = uses.partition("@")
        if action == "actions/cache/restore":
            key = given["key"]
            paths = [p for p in given["path"].split("\n") if p.strip()]
            stored = os.path.join(self.args.cache_dir, re.sub(r"[^A-Za-z0-9._-]", "_", key))
            hit = os.path.isdir(stored)
            if hit:
                for i, p in enumerate(paths):
                    target = p if os.path.isabs(p) else os.path.join(self.workspace, p)
                    shutil.rmtree(target, ignore_errors=True)
                    shutil.copytree(os.path.join(stored, str(i)), target, symlinks=True)
            self.cache_events.append({"action": "restore", "key": key, "paths": paths, "hit": hit})
            return 0, {"cache-hit": "true" if hit else "", "cache-primary-key": key,
                       "cache-matched-key": key if hit else ""}
        if action == "actions/cache/save":
            key = given["key"]
            paths = [p for p in given["path"].split("\n") if p.strip()]
            stored = os.path.join(self.args.cache_dir, re.sub(r"[^A-Za-z0-9._-]", "_", key))
            if os.path.isdir(stored):
                self.annotations.append({"level": "warning", "message": f"Cache save failed: a cache for key {key} exists"})
                self.cache_events.append({"action": "save", "key": key, "paths": paths, "saved": False})
                return 0, {}
            for i, p in enumerate(paths):
                source = p if os.path.isabs(p) else os.path.join(self.workspace, p)
                if not os.path.exists(source):
                    raise ValueError(f"Path Validation Error: {p} does not exist")
                shutil.copytree(source, os.path.join(stored, str(i)), symlinks=True)
            self.cache_events.append({"action": "save", "key": key, "paths": paths, "saved": True})
            return 0, {}
        if action == "github/codeql-action/upload-sarif":
            path = given["sarif_file"]
            full = path if os.path.isabs(path) else os.path.join(self.workspace, path)
            with open(full, "rb") as f:
                data = f.read()
            json.loads(data)
            # What the action sends: POST /repos/{repo}/code-scanning/sarifs, gzip + base64.
            body = json.dumps({"commit_sha": self.args.sha, "ref": self.args.ref,
                               "sarif": base64.b64encode(gzip.compress(data)).decode(),
                               "tool_name": "failmix"}).encode()
            request = urllib.request.Request(f"{self.args.api_url}/repos/{self.args.repository}/code-scanning/sarifs",
                                             data=body, method="POST",
                                             headers={"Authorization": f"Bearer {self.args.token}",
                                                      "Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    status = response.status
            except urllib.error.HTTPError as e:
                status = e.code
            except OSError:
                status = 0
            self.uploads.append({"sarif_file": path, "category": given.get("category", ""), "status": status})
            return (0 if 200 <= status < 300 else 1), {"sarif-id": "sim"}
        raise ValueError(f"{uses} is not simulated")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--action", required=True, help="directory holding action.yml")
    p.add_argument("--workspace", required=True)
    p.add_argument("--event-name", required=True)
    p.add_argument("--event", required=True, help="the event payload (JSON file)")
    p.add_argument("--sha", required=True)
    p.add_argument("--ref", default="refs/heads/main")
    p.add_argument("--repository", default="acme/agent")
    p.add_argument("--api-url", required=True)
    p.add_argument("--token", default="ghs_simulated")
    p.add_argument("--with", dest="with_", action="append", default=[], metavar="NAME=VALUE")
    p.add_argument("--env", action="append", default=[], metavar="NAME=VALUE")
    p.add_argument("--path", help="PATH the job starts with (default: this process's)")
    p.add_argument("--cache-dir", required=True, help="where actions/cache keeps entries")
    p.add_argument("--runner-temp", default=None, help="parent of RUNNER_TEMP")
    p.add_argument("--step-timeout", type=float, default=300)
    p.add_argument("--result", required=True)
    args = p.parse_args()
    runner = Runner(args)
    outputs = runner.run()
    result = {
        "conclusion": "failure" if runner.failed else "success",
        "steps": runner.step_results,
        "outputs": outputs,
        "annotations": runner.annotations,
        "masks": runner.masks,
        "deprecated_commands": runner.deprecated,
        "summary": runner.summary,
        "log": "\n".join(runner.log),
        "cache": runner.cache_events,
        "uploads": runner.uploads,
        "runner_temp": runner.temp,
    }
    with open(args.result, "w") as f:
        json.dump(result, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
