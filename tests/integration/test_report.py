#!/usr/bin/env python3
"""test_report.py - end to end: the HTML report opened in a real headless Chromium.

Usage: test_report.py ZTMMD ZTMMCTL SOURCE_DIR
The reports of a weak and a hardened host (results made by `ztmmd --once` on the fixture trees)
load with no console message of level warning or error and no network request besides the page
itself; the 40 heat-map cells show each function's stage, bound and coverage as text; every
finding is in the DOM, failing first; the CSS-only filters, the print stylesheet and the phone
layout work in the browser; a screenshot is not blank; `<script>` injected into evidence, a
finding title, a collector error and the host name stays text. `ztmmctl report --html` against
a running service draws the trend from the kept history. Chromium missing is a failure.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import chromium  # noqa: E402

ZTMMD, ZTMMCTL, SRC = sys.argv[1:4]
RULES = os.path.join(SRC, "conf", "rules", "ztmm-v2.json")
TREES = os.path.join(SRC, "tests", "fixtures", "host")
HOSTILE = "<script>alert(1)</script>"
STATUS_ORDER = ["fail", "unknown", "pass", "not_applicable"]
BROWSER = None


def setUpModule():
    global BROWSER
    BROWSER = chromium.Browser()  # raises (the tests fail) when chromium is missing


def tearDownModule():
    if BROWSER:
        BROWSER.close()


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, **kw)


class Report(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ztmmd-report-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.tmp, name)

    def conf(self, tree, extra=""):
        p = self.path("ztmmd.conf")
        with open(p, "w") as f:
            f.write(f"[daemon]\nstate_dir = {self.tmp}/state\nruntime_dir = {self.tmp}/run\n"
                    f"interval = 1h\n{extra}[collector:host]\nroot = {os.path.join(TREES, tree)}\n")
        return p

    def result(self, tree):
        p = run([ZTMMD, "--once", "--config", self.conf(tree), "--rules", RULES])
        self.assertEqual(p.returncode, 0, p.stderr)
        path = self.path(tree + ".json")
        with open(path, "w") as f:
            f.write(p.stdout)
        return json.loads(p.stdout), path

    def report(self, input_path, name, extra=()):
        out = self.path(name)
        p = run([ZTMMCTL, "report", "--input", input_path, "--html", out, *extra])
        self.assertEqual(p.returncode, 0, p.stderr)
        return out

    def open_clean(self, page):
        """Load page; assert no request but the page itself and a silent console."""
        url, requests, console, _ = BROWSER.open(page)
        self.assertEqual(requests, [url], "the page fetched something")
        noisy = [e for e in console if e.get("level") in ("SEVERE", "WARNING")]
        self.assertEqual(noisy, [], "console messages")
        self.assertEqual(BROWSER.js("return document.querySelectorAll('script').length"), 0)
        return url

    def check_page(self, doc, page):
        self.open_clean(page)
        cells = BROWSER.js("return [...document.querySelectorAll('.heat .cell')].map("
                           "c => [c.dataset.function, c.innerText, c.closest('td').dataset.label])")
        self.assertEqual(len(cells), 40)
        by_id = {f["id"]: f for f in doc["functions"]}
        self.assertEqual({c[0] for c in cells}, set(by_id))
        for fid, text, column in cells:
            f = by_id[fid]
            stage = f["stage"].capitalize()
            bound = ">= " if f["bound"] == "at_least" and f["stage"] != "unknown" else ""
            self.assertIn(f"{bound}{stage}", text, fid)
            if not bound:
                self.assertNotIn(">=", text, fid)
            self.assertIn(f"coverage {round(f['coverage'] * 100)}%", text, fid)
            self.assertEqual(column, "Not assessed" if stage == "Unknown" else stage, fid)
        # Every finding, in status order (failing first), each with its rule id and evidence keys.
        found = BROWSER.js("return [...document.querySelectorAll('article.finding')].map("
                           "a => [a.className.split(' ')[1].slice(3), a.querySelector('.meta code')"
                           ".textContent, [...a.querySelectorAll('dt')].map(d => d.textContent)])")
        self.assertEqual(len(found), len(doc["findings"]))
        statuses = [s for s, _, _ in found]
        self.assertEqual(statuses, sorted(statuses, key=STATUS_ORDER.index))
        want = {fd["rule"]: (fd["status"], fd["evidence"]) for fd in doc["findings"]}
        self.assertEqual({r: (s, keys) for s, r, keys in found}, want)
        overall = BROWSER.js("return document.querySelector('.card.overall .stage').textContent")
        self.assertEqual(overall, doc["overall"]["stage"].capitalize())
        cols = BROWSER.js("return [...document.querySelectorAll('#collectors tbody tr')].map("
                          "r => r.children[2].textContent)")
        self.assertEqual(cols, [c["status"] for c in doc["collectors"]])
        w, h, colours, variance = chromium.png_stats(BROWSER.screenshot())
        self.assertGreater(w * h, 100000)
        self.assertGreater(colours, 20, "the screenshot is nearly one colour")
        self.assertGreater(variance, 100.0, "the screenshot is blank")

    def test_weak_and_hardened_reports(self):
        weak, weak_path = self.result("weak")
        hard, hard_path = self.result("hardened")
        self.assertNotEqual(weak["overall"], hard["overall"])
        self.check_page(weak, self.report(weak_path, "weak.html"))
        self.assertTrue(any(f["status"] == "fail" for f in weak["findings"]))
        self.check_page(hard, self.report(hard_path, "hardened.html"))
        self.assertTrue(any(f["bound"] == "at_least" and f["stage"] != "unknown"
                            for f in hard["functions"]), "no lower bound to show")

    def test_once_format_html(self):
        p = run([ZTMMD, "--once", "--config", self.conf("hardened"), "--rules", RULES,
                 "--format", "html"])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertTrue(p.stdout.startswith("<!DOCTYPE html>"))
        page = self.path("once.html")
        with open(page, "w") as f:
            f.write(p.stdout)
        self.open_clean(page)
        self.assertEqual(BROWSER.js("return document.querySelectorAll('.cell').length"), 40)
        p = run([ZTMMD, "--once", "--config", self.conf("hardened"), "--format", "pdf"])
        self.assertEqual(p.returncode, 2)
        self.assertIn("json, table or html", p.stderr)

    def test_script_in_evidence_stays_text(self):
        doc, _ = self.result("weak")
        failing = next(f for f in doc["findings"] if f["status"] == "fail")
        key = failing["evidence"][0]
        ev = next(e for e in doc["evidence"] if e["key"] == key)
        ev["value"] = "policy " + HOSTILE
        ev["detail"] = {"displayName": HOSTILE + "<img src=x onerror=alert(2)>"}
        failing["title"] = "Title " + HOSTILE
        failing["remediation"] = "Fix </p><script>alert(3)</script>"
        doc["collectors"][0]["error"] = "error " + HOSTILE
        doc["host"] = "web1" + HOSTILE
        src = self.path("hostile.json")
        with open(src, "w") as f:
            json.dump(doc, f)
        page = self.report(src, "hostile.html")
        self.open_clean(page)  # an alert would also make every later WebDriver call fail
        self.assertEqual(BROWSER.js("return document.querySelectorAll('img,iframe,object').length"), 0)
        title = BROWSER.js("return document.querySelector('.g-fail article h4').textContent")
        self.assertEqual(title, "fail" + "Title " + HOSTILE)
        text = BROWSER.js("return document.body.textContent")
        self.assertIn('"policy ' + HOSTILE + '"', text)
        self.assertIn("error " + HOSTILE, text)
        self.assertIn("Fix </p><script>alert(3)</script>", text)
        self.assertIn("web1" + HOSTILE, BROWSER.js("return document.querySelector('h1').textContent"))
        self.assertIn("web1" + HOSTILE, BROWSER.js("return document.title"))
        detail = BROWSER.js("return [...document.querySelectorAll('pre')].map(p => p.textContent)"
                            ".join('\\n')")
        self.assertIn(HOSTILE + "<img src=x onerror=alert(2)>", detail)

    def test_filters_print_and_phone(self):
        doc, path = self.result("weak")
        self.open_clean(self.report(path, "weak.html"))
        visible = ("return [...document.querySelectorAll('article.finding')]"
                   ".filter(a => a.getClientRects().length > 0).length")
        self.assertEqual(BROWSER.js(visible), len(doc["findings"]))
        fails = [f for f in doc["findings"] if f["status"] == "fail"]
        BROWSER.click("label[for=s-fail]")
        self.assertEqual(BROWSER.js(visible), len(fails))
        pillar_of = {f["id"]: f["pillar"] for f in doc["functions"]}
        BROWSER.click("label[for=p-0]")  # the first pillar: identity
        self.assertEqual(BROWSER.js(visible),
                         len([f for f in fails if pillar_of[f["function"]] == "identity"]))
        BROWSER.click("label[for=s-not_applicable]")
        self.assertEqual(BROWSER.js(visible),
                         len([f for f in doc["findings"] if f["status"] == "not_applicable"
                              and pillar_of[f["function"]] == "identity"]))
        # Printed: no filter controls, every finding, whatever was chosen on screen.
        BROWSER.cdp("Emulation.setEmulatedMedia", {"media": "print"})
        try:
            self.assertEqual(BROWSER.js(visible), len(doc["findings"]))
            self.assertEqual(BROWSER.js("return [...document.querySelectorAll('.flt+label')]"
                                        ".filter(l => l.getClientRects().length > 0).length"), 0)
        finally:
            BROWSER.cdp("Emulation.setEmulatedMedia", {"media": ""})
        # A tablet (and an A4 page's width): nothing wider than the screen, no name cut.
        # A phone: the same, the heat map's cells stacked under labels.
        overflow = ("return [document.documentElement.scrollWidth - window.innerWidth,"
                    " [...document.querySelectorAll('.cell b')].filter(b => b.scrollWidth >"
                    " b.clientWidth + 1).map(b => b.textContent)]")
        try:
            for width, stacked in ((800, False), (390, True)):
                BROWSER.set_size(width, 1000)
                wider, cut = BROWSER.js(overflow)
                self.assertLessEqual(wider, 0, f"{width} px: the page scrolls sideways")
                self.assertEqual(cut, [], f"{width} px: names cut")
                display = BROWSER.js("return getComputedStyle(document.querySelector('.heat thead'))"
                                     ".display")
                self.assertEqual(display == "none", stacked, f"{width} px")
        finally:
            BROWSER.set_size(1280, 1000)

    def test_harness_sees_requests_and_console_errors(self):
        """The checks above would catch a fetch or an error: a page that does both is caught."""
        page = self.path("bad.html")
        with open(page, "w") as f:
            f.write("<!DOCTYPE html><title>bad</title><img src=\"http://127.0.0.1:9/x.png\">"
                    "<script>console.error('boom')</script>")
        url, requests, console, _ = BROWSER.open(page)
        self.assertIn("http://127.0.0.1:9/x.png", requests)
        self.assertTrue(any("boom" in e.get("message", "") and e.get("level") == "SEVERE"
                            for e in console), console)

    def test_report_errors_are_clear(self):
        p = run([ZTMMCTL, "report"])
        self.assertEqual(p.returncode, 2)
        self.assertIn("--html FILE", p.stderr)
        p = run([ZTMMCTL, "report", "--input", self.path("missing.json"), "--html", self.path("x.html")])
        self.assertEqual(p.returncode, 1)
        self.assertIn("missing.json", p.stderr)
        self.assertFalse(os.path.exists(self.path("x.html")))
        with open(self.path("evidence.json"), "w") as f:
            f.write('{"schema": "ztmmd.result/1"}')
        p = run([ZTMMCTL, "report", "--input", self.path("evidence.json"), "--html", self.path("x.html")])
        self.assertEqual(p.returncode, 1)
        self.assertIn("lacks a scan_id", p.stderr)
        p = run([ZTMMCTL, "show", "--html", self.path("x.html")])
        self.assertEqual(p.returncode, 2)
        self.assertIn("only apply to report", p.stderr)


class ServiceReport(unittest.TestCase):
    """`ztmmctl report --html` against a running service: latest result and kept history."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ztmmd-report-svc-")
        self.proc = None

    def tearDown(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def start(self, tree, extra=""):
        conf = os.path.join(self.tmp, "ztmmd.conf")
        with open(conf, "w") as f:
            f.write(f"[daemon]\nstate_dir = {self.tmp}/state\nruntime_dir = {self.tmp}/run\n"
                    f"interval = 1h\nhistory_max = 3\n{extra}"
                    f"[collector:host]\nroot = {os.path.join(TREES, tree)}\n")
        with open(os.path.join(self.tmp, "ztmmd.err"), "a") as err:
            self.proc = subprocess.Popen([ZTMMD, "--config", conf, "--rules", RULES],
                                         stdout=subprocess.DEVNULL, stderr=err)
        sock = os.path.join(self.tmp, "run", "control")
        for _ in range(200):
            if os.path.exists(sock):
                return sock
            time.sleep(0.05)
        self.fail("the control socket did not appear")

    def ctl(self, sock, *args):
        p = run([ZTMMCTL, "--socket", sock, *args])
        if p.returncode != 0:  # say which collector was incomplete, and what the daemon logged
            with open(os.path.join(self.tmp, "ztmmd.err")) as f:
                log = f.read()[-3000:]
            self.fail(f"ztmmctl {' '.join(args)}: exit {p.returncode}: {p.stderr}\n"
                      f"{p.stdout[-3000:]}\n--- ztmmd:\n{log}")
        return p.stdout

    def test_report_from_service_with_trend(self):
        sock = self.start("weak")
        for _ in range(4):  # one more than history_max: the oldest is pruned
            self.ctl(sock, "scan", "--wait", "--format", "json")
        history = json.loads(self.ctl(sock, "history"))
        self.assertTrue(history["ok"])
        self.assertEqual(history["skipped"], 0)
        points = history["history"]
        self.assertEqual(len(points), 3)
        self.assertEqual([p["finished_at"] for p in points], sorted(p["finished_at"] for p in points))
        self.assertEqual(set(points[0]["pillars"]),
                         {"identity", "devices", "networks", "applications", "data", "crosscutting"})
        latest = json.loads(self.ctl(sock, "show", "--format", "json"))
        self.assertEqual(points[-1]["scan_id"], latest["scan_id"])

        page = os.path.join(self.tmp, "service.html")
        self.ctl(sock, "report", "--html", page)
        with open(page) as f:
            html = f.read()
        self.assertIn(latest["scan_id"], html)
        for p in points:
            self.assertIn(p["scan_id"], html)
        Report.open_clean(self, page)
        self.assertEqual(BROWSER.js("return document.querySelectorAll('.cell').length"), 40)
        charts = BROWSER.js("return [...document.querySelectorAll('#trend figure')].map("
                            "f => [f.querySelector('figcaption').textContent,"
                            " f.querySelectorAll('circle').length])")
        self.assertEqual(len(charts), 7)  # overall and six pillars
        for caption, circles in charts:
            self.assertEqual(circles, 3, caption)
            self.assertRegex(caption, r"over 3 scans$")
        rows = BROWSER.js("return document.querySelectorAll('#trend tbody tr').length")
        self.assertEqual(rows, 3)

        # Offline, from the state directory, the same trend.
        state = os.path.join(self.tmp, "state")
        off = os.path.join(self.tmp, "offline.html")
        p = run([ZTMMCTL, "report", "--input", os.path.join(state, "latest.json"),
                 "--history", os.path.join(state, "history"), "--html", off])
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(off) as f:
            offline = f.read()
        self.assertEqual(re.findall(r"over \d+ scans", offline), re.findall(r"over \d+ scans", html))
        # A corrupt kept document is counted and said, not fatal.
        name = sorted(os.listdir(os.path.join(state, "history")))[0]
        with open(os.path.join(state, "history", name), "w") as f:
            f.write("{not json")
        history = json.loads(self.ctl(sock, "history"))
        self.assertEqual(history["skipped"], 0)  # read before: a kept document never changes
        with open(os.path.join(state, "history", "20000101T000000000Z-x.json"), "w") as f:
            f.write("{not json")
        history = json.loads(self.ctl(sock, "history"))
        self.assertEqual((len(history["history"]), history["skipped"]), (3, 1))
        self.ctl(sock, "report", "--html", page)
        with open(page) as f:
            self.assertIn("1 kept document(s) could not be read", f.read())

    def test_report_without_result_says_so(self):
        sock = self.start("weak", "scan_on_start = no\n")
        page = os.path.join(self.tmp, "early.html")
        p = run([ZTMMCTL, "--socket", sock, "report", "--html", page])
        self.assertEqual(p.returncode, 1)
        self.assertIn("no result yet", p.stderr)
        self.assertFalse(os.path.exists(page))
        history = json.loads(self.ctl(sock, "history"))
        self.assertEqual(history["history"], [])
        p = run([ZTMMCTL, "--socket", os.path.join(self.tmp, "nope"), "report", "--html", page + "2"])
        self.assertEqual(p.returncode, 1)
        self.assertIn("nope", p.stderr)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], *sys.argv[4:]], verbosity=2)
