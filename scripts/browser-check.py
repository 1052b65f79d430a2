#!/usr/bin/env python3
"""Loads HTML files in headless Chromium with the network disabled and reports,
as JSON on standard output, everything a test needs to judge them:

- every request the page made besides its own file (Network domain of the
  DevTools protocol, spoken over --remote-debugging-pipe), and every console
  error, uncaught exception and browser log error (a CSP violation is one);
- the plotted data: each chart's and sparkline's polylines, their data-*
  attributes and their points as the browser parsed them;
- the sessions table before and after choosing a mode in the filter;
- the same page with scripts disabled (what a reader without JS sees);
- full-page screenshots (light and dark colour scheme) in --screenshots.

    browser-check.py [--chromium PATH] [--screenshots DIR] FILE...
    browser-check.py --serve [--chromium PATH] [--screenshots DIR]

The pages of one call load side by side, in one browser, so their settling
waits overlap. With --serve one browser answers many calls: each line on
standard input is a JSON object {"id": ..., "files": [...], "screenshots":
[...], "without_scripts": [...]} (the files to photograph, and those to load
a second time with scripts disabled: default all) and gets one line back with
the same id, {"id": ..., "pages": [...]} or {"id": ..., "error": "..."};
end of input closes the browser. A test suite starts Chromium once instead
of once per test: at once, so its start overlaps the tests making their
pages, and the requests waiting when one batch ends load together as the
next, their settling waits overlapping too.
"""
import argparse, base64, json, os, select, shutil, subprocess, sys, tempfile, time, traceback

TIMEOUT = 60


class Browser:
    def __init__(self, chromium, profile, log):
        to_child_r, self.to_child = os.pipe()
        self.from_child, from_child_w = os.pipe()

        def wire():  # the protocol pipe: Chromium reads fd 3, writes fd 4
            r, w = os.dup(to_child_r), os.dup(from_child_w)  # above 4, so neither dup2 clobbers the other
            r, w = os.dup2(r, 100), os.dup2(w, 101)
            os.dup2(100, 3, inheritable=True)
            os.dup2(101, 4, inheritable=True)

        args = [chromium, "--headless", "--remote-debugging-pipe", "--no-sandbox", "--disable-gpu",
                "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-sync",
                "--disable-background-networking", "--disable-component-update", "--disable-default-apps",
                # Every new window (each page gets one) also made two WebUI omnibox
                # popups, each a renderer of its own: ~0.7 s of CPU a window, most
                # of the browser's cost in a test run.
                "--disable-features=Translate,MediaRouter,OptimizationHints,"
                "WebUIOmniboxPopup,WebUIOmniboxAimPopup,WebUIOmniboxFullPopup", "--mute-audio",
                # No network: every host resolves to nothing and any proxy use goes nowhere.
                "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=http://127.0.0.1:9",
                "--user-data-dir=" + profile, "about:blank"]
        self.proc = subprocess.Popen(args, preexec_fn=wire, pass_fds=(3, 4, to_child_r, from_child_w),
                                     stdout=subprocess.DEVNULL, stderr=log)
        os.close(to_child_r)
        os.close(from_child_w)
        self.buffer = b""
        self.next_id = 0
        self.events = []

    def send(self, method, params=None, session=None):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.to_child, json.dumps(message).encode() + b"\0")
        wanted = self.next_id
        while True:
            reply = self.read()
            if reply.get("id") == wanted:
                if "error" in reply:
                    raise RuntimeError("%s: %s" % (method, reply["error"]))
                return reply.get("result", {})
            self.events.append(reply)

    def read(self, deadline=None):
        deadline = deadline or time.time() + TIMEOUT
        while b"\0" not in self.buffer:
            left = deadline - time.time()
            if left <= 0:
                raise TimeoutError("no answer from Chromium")
            ready, _, _ = select.select([self.from_child], [], [], left)
            if ready:
                chunk = os.read(self.from_child, 1 << 20)
                if not chunk:
                    raise RuntimeError("Chromium closed the protocol pipe")
                self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def wait_for(self, method, session, seconds=TIMEOUT):
        deadline = time.time() + seconds
        for i, e in enumerate(self.events):
            if e.get("method") == method and e.get("sessionId") == session:
                del self.events[i]
                return e
        while True:
            e = self.read(deadline)
            if e.get("method") == method and e.get("sessionId") == session:
                return e
            self.events.append(e)

    def drain(self, seconds):
        deadline = time.time() + seconds
        try:
            while True:
                self.events.append(self.read(deadline))
        except TimeoutError:
            pass

    def close(self):
        try:
            self.send("Browser.close")
        except Exception:
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


EXTRACT = r"""
(() => {
  const nums = s => (s || '').trim() === '' ? [] : s.trim().split(/\s+/).map(Number);
  const lines = svg => Array.from(svg.querySelectorAll('polyline')).map(p => ({
    window: +p.dataset.window, basis: p.dataset.basis, rates: nums(p.dataset.rates),
    points: Array.from(p.points).map(q => [q.x, q.y])}));
  const rendered = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const charts = Array.from(document.querySelectorAll('figure.chart')).map(f => {
    const svg = f.querySelector('svg');
    return {mode: f.dataset.mode, sessions: +svg.dataset.sessions, ymax: +svg.dataset.ymax,
      indices: nums(svg.dataset.indices), frame: nums(svg.dataset.frame), rendered: rendered(svg),
      title: (svg.querySelector('title') || {}).textContent || '', desc: (svg.querySelector('desc') || {}).textContent || '',
      labelled: (svg.getAttribute('aria-labelledby') || '').split(' ').every(id => document.getElementById(id)),
      thresholds: Array.from(svg.querySelectorAll('line.th')).map(l => +l.dataset.rate), lines: lines(svg)};
  });
  const sparks = Array.from(document.querySelectorAll('table.fleet tbody tr')).map(tr => ({
    agent: tr.dataset.agent,
    seconds_since: +(tr.querySelector('[data-seconds-since]') || {dataset: {secondsSince: -1}}).dataset.secondsSince,
    charts: Array.from(tr.querySelectorAll('svg')).map(svg => ({sessions: +svg.dataset.sessions, indices: nums(svg.dataset.indices),
      title: (svg.querySelector('title') || {}).textContent || '', rendered: rendered(svg), lines: lines(svg)}))}));
  const tables = Array.from(document.querySelectorAll('section.sessions')).map(section => {
    const rows = Array.from(section.querySelectorAll('tbody tr'));
    const filter = section.querySelector('.filter');
    return {rows: rows.length, visible: rows.filter(r => rendered(r)).length, filter_shown: !!filter && rendered(filter),
            modes: rows.map(r => r.dataset.modes)};
  });
  const attribution = Array.from(document.querySelectorAll('figure.attribution svg')).map(svg => ({
    window: +svg.dataset.window, indices: nums(svg.dataset.indices), commits: nums(svg.dataset.commits), rendered: rendered(svg),
    lines: Array.from(svg.querySelectorAll('polyline')).map(p => ({method: p.dataset.method, rates: nums(p.dataset.rates)}))}));
  const headers = Array.from(document.querySelectorAll('table')).every(t => t.querySelector('th'));
  return JSON.stringify({title: document.title, scripts: document.scripts.length, images: document.images.length,
    iframes: document.querySelectorAll('iframe,object,embed').length, charts, sparks, tables, headers, attribution,
    timeline_events: document.querySelectorAll('#history circle.ev').length,
    verdict: (document.querySelector('#verdict') || {}).textContent || '',
    body_text_length: document.body.innerText.length});
})()
"""

FILTER = r"""
(() => {
  const section = document.querySelector('section.sessions');
  if (!section) return JSON.stringify(null);
  const select = section.querySelector('.filter select');
  const options = Array.from(select.options).map(o => o.value).filter(v => v);
  const results = options.map(mode => {
    select.value = mode;
    select.dispatchEvent(new Event('change'));
    const rows = Array.from(section.querySelectorAll('tbody tr'));
    return {mode, visible: rows.filter(r => !r.hidden && r.getBoundingClientRect().height > 0).length,
            expected: rows.filter(r => r.dataset.modes.includes('|' + mode + '|')).length,
            output: section.querySelector('.filter output').textContent};
  });
  select.value = '';
  select.dispatchEvent(new Event('change'));
  return JSON.stringify(results);
})()
"""


def evaluate(browser, session, expression):
    result = browser.send("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session)
    if "exceptionDetails" in result:
        raise RuntimeError("evaluation failed: %s" % result["exceptionDetails"])
    return json.loads(result["result"]["value"])


def open_page(browser, path, scripts):
    """A new target, attached, its domains on, its file being loaded."""
    url = "file://" + os.path.abspath(path)
    # A window of its own: every page is in front, none throttled or left unpainted.
    target = browser.send("Target.createTarget", {"url": "about:blank", "newWindow": True})["targetId"]
    session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    for domain in ("Page", "Network", "Runtime", "Log"):
        browser.send(domain + ".enable", {}, session)
    browser.send("Emulation.setDeviceMetricsOverride", {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False}, session)
    if not scripts:
        browser.send("Emulation.setScriptExecutionDisabled", {"value": True}, session)
    browser.events = [e for e in browser.events if e.get("sessionId") != session]
    browser.send("Page.navigate", {"url": url}, session)
    return {"file": path, "scripts_enabled": scripts, "url": url, "target": target, "session": session}


def read_page(browser, opened, shots=None):
    """What the loaded page shows: the filter, the DOM, screenshots."""
    session = opened["session"]
    page = {"file": opened["file"], "scripts_enabled": opened["scripts_enabled"]}
    if opened["scripts_enabled"]:
        page["filter"] = evaluate(browser, session, FILTER)
    # Read the DOM with scripts on: disabling them also stops Runtime.evaluate, so a
    # no-script load reads what the reader sees through a fresh, script-enabled call.
    else:
        browser.send("Emulation.setScriptExecutionDisabled", {"value": False}, session)
    page["dom"] = evaluate(browser, session, EXTRACT)
    if shots:
        os.makedirs(shots["dir"], exist_ok=True)
        page["screenshots"] = []
        for scheme in ("light", "dark"):
            browser.send("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": scheme}]}, session)
            metrics = browser.send("Page.getLayoutMetrics", {}, session)
            height = min(int(metrics["cssContentSize"]["height"]) + 1, 8000)
            browser.send("Emulation.setDeviceMetricsOverride", {"width": 1280, "height": height, "deviceScaleFactor": 1, "mobile": False}, session)
            # optimizeForSpeed: zlib's fastest level; the same pixels, a larger file.
            shot = browser.send("Page.captureScreenshot", {"format": "png", "optimizeForSpeed": True}, session)
            out = os.path.join(shots["dir"], "%s-%s.png" % (shots["name"], scheme))
            with open(out, "wb") as f:
                f.write(base64.b64decode(shot["data"]))
            page["screenshots"].append(out)
            # The top of the page at full size: verdict, mix and charts.
            clip = {"x": 0, "y": 0, "width": 1280, "height": min(height, 1500), "scale": 1}
            shot = browser.send("Page.captureScreenshot", {"format": "png", "clip": clip, "optimizeForSpeed": True}, session)
            out = os.path.join(shots["dir"], "%s-%s-top.png" % (shots["name"], scheme))
            with open(out, "wb") as f:
                f.write(base64.b64decode(shot["data"]))
            page["screenshots"].append(out)
    return page


def close_page(browser, opened, page):
    """The page's requests (besides its own file) and errors; the target closed."""
    session = opened["session"]
    requests, errors = [], []
    for e in browser.events:
        if e.get("sessionId") != session:
            continue
        m, p = e.get("method"), e.get("params", {})
        if m == "Network.requestWillBeSent":
            if p["request"]["url"] != opened["url"]:
                requests.append(p["request"]["url"])
        elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "warning", "assert"):
            errors.append("console.%s: %s" % (p["type"], " ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", []))))
        elif m == "Runtime.exceptionThrown":
            errors.append("exception: %s" % p["exceptionDetails"].get("exception", {}).get("description", p["exceptionDetails"].get("text")))
        elif m == "Log.entryAdded" and p["entry"]["level"] in ("error", "warning"):
            errors.append("log %s: %s" % (p["entry"]["level"], p["entry"]["text"]))
    browser.events = [e for e in browser.events if e.get("sessionId") != session]
    page["requests"], page["errors"] = requests, errors
    browser.send("Target.closeTarget", {"targetId": opened["target"]})


def check(browser, files, screenshots_dir, photographed, without_scripts=None):
    """Every file with scripts, and those in `without_scripts` (default all)
    without too, all loading at once: one settling wait for the lot. Pages in
    the order of `files`, scripts first."""
    without = set(files) if without_scripts is None else set(without_scripts)
    opened = [open_page(browser, path, scripts) for path in files for scripts in (True, False) if scripts or path in without]
    for o in opened:
        browser.wait_for("Page.loadEventFired", o["session"])
    # Late requests and errors (a timer, a lazy image) land in the events.
    browser.drain(0.5)
    pages = []
    for o in opened:
        name = os.path.splitext(os.path.basename(o["file"]))[0]
        shots = ({"dir": screenshots_dir, "name": name}
                 if screenshots_dir and o["scripts_enabled"] and o["file"] in photographed else None)
        pages.append(read_page(browser, o, shots))
    browser.drain(0.2)
    for o, page in zip(opened, pages):
        close_page(browser, o, page)
    return pages


def pending_requests(buffer):
    """Blocks until at least one whole line is in, then takes every line
    already sent: (the lines, what is left of a partial one, input ended)."""
    ended = False
    while not ended:
        ready, _, _ = select.select([0], [], [], 0 if b"\n" in buffer else None)
        if not ready:
            break
        chunk = os.read(0, 1 << 16)
        ended = not chunk
        buffer += chunk
    *lines, buffer = buffer.split(b"\n")
    if ended:
        lines, buffer = lines + [buffer], b""
    return [line for line in lines if line.strip()], buffer, ended


def serve(a, profile, log):
    """One browser, started at once, for every line of input."""
    browser = Browser(a.chromium, profile, log)
    buffer, ended = b"", False
    try:
        while not ended:
            lines, buffer, ended = pending_requests(buffer)
            batch, answers = [], []
            for line in lines:
                try:
                    request = json.loads(line)
                    batch.append((request.get("id"), list(request["files"]), request.get("screenshots", request["files"]),
                                  request.get("without_scripts", request["files"])))
                except Exception:
                    answers.append({"id": None, "error": traceback.format_exc()})
            if batch:
                files = [f for _, fs, _, _ in batch for f in fs]
                photographed = {f for _, _, shots, _ in batch for f in shots}
                without = {f for _, _, _, plain in batch for f in plain}
                try:
                    pages = check(browser, files, a.screenshots, photographed, without)
                    # A page a file, two for one loaded without scripts too, in the order of `files`.
                    at = 0
                    for id, fs, _, _ in batch:
                        count = sum(2 if f in without else 1 for f in fs)
                        answers.append({"id": id, "pages": pages[at:at + count]})
                        at += count
                except Exception:
                    log.flush()
                    error = traceback.format_exc() + open(log.name).read()[-3000:]
                    answers += [{"id": id, "error": error} for id, _, _, _ in batch]
            for answer in answers:
                sys.stdout.write(json.dumps(answer) + "\n")
            sys.stdout.flush()
    finally:
        browser.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--chromium", default=shutil.which("chromium") or shutil.which("chromium-browser") or "chromium")
    ap.add_argument("--screenshots")
    ap.add_argument("--serve", action="store_true", help="answer one JSON request a line on standard input")
    ap.add_argument("files", nargs="*")
    a = ap.parse_args()
    if not a.serve and not a.files:
        ap.error("name the files to load, or --serve")
    profile = tempfile.mkdtemp(prefix="failmix-chromium-")
    log = open(os.path.join(profile, "chromium.log"), "w")
    try:
        if a.serve:
            serve(a, profile, log)
            return
        browser = Browser(a.chromium, profile, log)
        try:
            json.dump({"pages": check(browser, a.files, a.screenshots, set(a.files))}, sys.stdout)
        except Exception:
            log.flush()
            sys.stderr.write(open(log.name).read()[-3000:])
            raise
        finally:
            browser.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    main()
