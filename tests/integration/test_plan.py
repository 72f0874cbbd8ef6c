#!/usr/bin/env python3
"""test_plan.py - end to end: the way up ("next") of real results, `ztmmctl plan` offline and
from a running service, and the plan in the HTML report.

Usage: test_plan.py ZTMMD ZTMMCTL SOURCE_DIR
The weak host's result holds a `next` section whose steps, done (their findings set to pass),
raise the overall stage that `ztmmctl plan --input` then computes from the findings alone; the
same section is what `ztmmctl plan --format json` prints offline and from the service; a
document without `next` gets one computed from its findings; the table names every step; the
HTML report's "way up" section lists every step's rule and keeps hostile text as text.
"""
import html.parser
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

ZTMMD, ZTMMCTL, SRC = sys.argv[1:4]
RULES = os.path.join(SRC, "conf", "rules", "ztmm-v2.json")
TREES = os.path.join(SRC, "tests", "fixtures", "host")
HOSTILE = "<script>alert(1)</script>"
STAGES = ["traditional", "initial", "advanced", "optimal"]


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, **kw)


class Text(html.parser.HTMLParser):
    """The text of the section with id "plan", and every element name seen in it."""

    def __init__(self):
        super().__init__()
        self.depth, self.text, self.tags = 0, [], []

    def handle_starttag(self, tag, attrs):
        if self.depth or (tag == "section" and ("id", "plan") in attrs):
            self.depth += 1 if tag == "section" else 0
            self.tags.append(tag)

    def handle_endtag(self, tag):
        if self.depth and tag == "section":
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.text.append(data)


class Plan(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="ztmmd-plan-")
        conf = os.path.join(cls.tmp, "ztmmd.conf")
        with open(conf, "w") as f:
            f.write(f"[daemon]\nstate_dir = {cls.tmp}/state\n"
                    f"[collector:host]\nroot = {os.path.join(TREES, 'weak')}\n")
        p = run([ZTMMD, "--once", "--config", conf, "--rules", RULES])
        assert p.returncode == 0, p.stderr
        cls.doc = json.loads(p.stdout)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def write(self, name, doc):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            json.dump(doc, f)
        return path

    def plan_json(self, path):
        p = run([ZTMMCTL, "plan", "--input", path, "--format", "json"])
        self.assertEqual(p.returncode, 0, p.stderr)
        return json.loads(p.stdout)

    def test_next_section_of_the_weak_host(self):
        nxt = self.doc["next"]
        self.assertEqual(nxt["stage"], self.doc["overall"]["stage"])
        self.assertEqual(nxt["target"], STAGES[STAGES.index(nxt["stage"]) + 1])
        self.assertTrue(nxt["reachable"])
        self.assertEqual(nxt["verified_stage"], nxt["target"])
        at_min = [f["id"] for f in self.doc["functions"] if f["stage"] == nxt["stage"]]
        self.assertEqual(nxt["raise"], at_min)
        status = {f["rule"]: f["status"] for f in self.doc["findings"]}
        for s in nxt["steps"]:
            want = {"fix": {"fail"}, "collect": {"unknown"}, "deploy": {"not_applicable"}}
            self.assertTrue({status[r] for r in s["rules"]} <= want[s["action"]], s)
            self.assertEqual(s["unblocks"], len(s["functions"]))
        unblocks = [s["unblocks"] for s in nxt["steps"]]
        self.assertEqual(unblocks, sorted(unblocks, reverse=True))
        self.assertEqual(len(nxt["functions"]), len(self.doc["functions"]))
        self.assertEqual([p["id"] for p in nxt["pillars"]], [p["id"] for p in self.doc["pillars"]])

    def test_steps_done_raise_the_overall(self):
        """Re-estimated by ztmmctl itself from the findings with every step done."""
        nxt = self.doc["next"]
        doc = json.loads(json.dumps(self.doc))
        del doc["next"]
        for s in nxt["steps"]:
            for r in s["rules"][:1] if s["action"] == "deploy" else s["rules"]:
                next(f for f in doc["findings"] if f["rule"] == r)["status"] = "pass"
        after = self.plan_json(self.write("done.json", doc))
        self.assertEqual(after["stage"], nxt["verified_stage"])
        self.assertGreater(STAGES.index(after["stage"]), STAGES.index(nxt["stage"]))
        # One step left undone: the overall stays where it was.
        doc["findings"] = [dict(f) for f in doc["findings"]]
        first = nxt["steps"][0]["rules"][0]
        next(f for f in doc["findings"] if f["rule"] == first)["status"] = status_of(
            self.doc, first)
        self.assertEqual(self.plan_json(self.write("one_left.json", doc))["stage"], nxt["stage"])

    def test_plan_input_prints_next_and_computes_it_when_missing(self):
        src = self.write("result.json", self.doc)
        self.assertEqual(self.plan_json(src), self.doc["next"])
        doc = json.loads(json.dumps(self.doc))
        del doc["next"]
        made = self.plan_json(self.write("older.json", doc))
        for key in ("stage", "target", "reachable", "verified_stage", "raise", "functions",
                    "pillars", "collect"):
            self.assertEqual(made[key], self.doc["next"][key], key)
        flat = sorted(r for s in made["steps"] for r in s["rules"])
        self.assertEqual(flat, sorted(r for s in self.doc["next"]["steps"] for r in s["rules"]))

    def test_plan_table(self):
        p = run([ZTMMCTL, "plan", "--input", self.write("t.json", self.doc)])
        self.assertEqual(p.returncode, 0, p.stderr)
        nxt = self.doc["next"]
        self.assertIn(f"Next stage: overall {nxt['stage']} -> {nxt['target']}", p.stdout)
        for s in nxt["steps"]:
            self.assertIn(s["rules"][0], p.stdout)
        self.assertIn("Functions:", p.stdout)  # the detail only `plan` prints
        shown = run([ZTMMCTL, "evaluate", self.write("e.json", self.doc), "--rules", RULES,
                     "--format", "table"])
        self.assertEqual(shown.returncode, 0, shown.stderr)
        tail = shown.stdout[shown.stdout.index("Next stage:"):]
        self.assertIn(nxt["steps"][0]["rules"][0], tail)

    def test_plan_errors(self):
        p = run([ZTMMCTL, "plan", "--input", os.path.join(self.tmp, "missing.json")])
        self.assertEqual(p.returncode, 1)
        self.assertIn("cannot read", p.stderr)
        p = run([ZTMMCTL, "plan", "--input", self.write("empty.json", {}), "--format", "json"])
        self.assertEqual(p.returncode, 1)
        self.assertIn("not a result document", p.stderr)
        p = run([ZTMMCTL, "plan", "--html", "x.html"])
        self.assertEqual(p.returncode, 2)
        p = run([ZTMMCTL, "show", "--input", "x.json"])
        self.assertEqual(p.returncode, 2)

    def test_report_holds_the_plan_as_text(self):
        doc = json.loads(json.dumps(self.doc))
        doc["next"]["steps"][0]["title"] = HOSTILE
        doc["next"]["steps"][0]["remediation"] = "a & b"
        page = os.path.join(self.tmp, "r.html")
        p = run([ZTMMCTL, "report", "--input", self.write("h.json", doc), "--html", page])
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(page) as f:
            text = f.read()
        self.assertNotIn(HOSTILE, text)
        self.assertIn("&lt;script&gt;alert(1)&lt;/script&gt;", text)
        self.assertIn('<a href="#plan">', text)
        parser = Text()
        parser.feed(text)
        section = "".join(parser.text)
        self.assertIn("The way up", section)
        self.assertIn(HOSTILE, section)  # shown as text, not an element
        self.assertIn("a & b", section)
        self.assertNotIn("script", parser.tags)
        for s in doc["next"]["steps"]:
            for r in s["rules"]:
                self.assertIn(r, section)
        self.assertEqual(section.count("unblocks"), len(doc["next"]["steps"]))


def status_of(doc, rule):
    return next(f["status"] for f in doc["findings"] if f["rule"] == rule)


class ServicePlan(unittest.TestCase):
    """`ztmmctl plan` from a running service prints the latest result's `next`."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ztmmd-plan-svc-")
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

    def test_plan_from_service(self):
        conf = os.path.join(self.tmp, "ztmmd.conf")
        with open(conf, "w") as f:
            f.write(f"[daemon]\nstate_dir = {self.tmp}/state\nruntime_dir = {self.tmp}/run\n"
                    f"interval = 1h\n[collector:host]\nroot = {os.path.join(TREES, 'weak')}\n")
        with open(os.path.join(self.tmp, "ztmmd.err"), "a") as err:
            self.proc = subprocess.Popen([ZTMMD, "--config", conf, "--rules", RULES],
                                         stdout=subprocess.DEVNULL, stderr=err)
        sock = os.path.join(self.tmp, "run", "control")
        for _ in range(200):
            if os.path.exists(sock):
                break
            time.sleep(0.05)
        else:
            self.fail("the control socket did not appear")
        p = run([ZTMMCTL, "--socket", sock, "scan", "--wait", "--format", "json"])
        self.assertEqual(p.returncode, 0, p.stderr)
        shown = run([ZTMMCTL, "--socket", sock, "show", "--format", "json"])
        self.assertEqual(shown.returncode, 0, shown.stderr)
        plan = run([ZTMMCTL, "--socket", sock, "plan", "--format", "json"])
        self.assertEqual(plan.returncode, 0, plan.stderr)
        self.assertEqual(json.loads(plan.stdout), json.loads(shown.stdout)["next"])
        table = run([ZTMMCTL, "--socket", sock, "plan"])
        self.assertEqual(table.returncode, 0, table.stderr)
        self.assertIn("Next stage: overall", table.stdout)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
