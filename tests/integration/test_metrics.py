#!/usr/bin/env python3
"""test_metrics.py - the Prometheus textfile ([daemon] metrics_file) end to end.

Usage: test_metrics.py ZTMMD ZTMMCTL SOURCE_DIR
Runs the built `ztmmd --once` and the service on the fake host trees, checks the file with the
real promtool (Debian package prometheus), parses it and the result document and compares
every value; checks the alert rules of docs/metrics.md with `promtool check rules` and
`promtool test rules`.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import unittest
from datetime import datetime

from fixture import daemon_tmp, wait_for

ZTMMD, ZTMMCTL, SRC = sys.argv[1:4]
RULES = os.path.join(SRC, "conf", "rules", "ztmm-v2.json")
TREES = os.path.join(SRC, "tests", "fixtures", "host")
STAGE = {"traditional": 0, "initial": 1, "advanced": 2, "optimal": 3, "unknown": -1}
PROMTOOL = shutil.which("promtool")

SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$")
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)')


def unescape(v):
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), v)


def parse(text):
    """The text format into {(name, frozenset(labels)): value}, plus {name: type}."""
    samples, types = {}, {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, typ = line.split(" ")
            types[name] = typ
            continue
        if line.startswith("#") or not line:
            continue
        m = SAMPLE.match(line)
        assert m, line
        labels = {k: unescape(v) for k, v, _ in LABEL.findall(m.group(2) or "")}
        key = (m.group(1), frozenset(labels.items()))
        assert key not in samples, f"repeated series {line}"
        samples[key] = float(m.group(3))
    return samples, types


def get(samples, name, **labels):
    return samples[(name, frozenset(labels.items()))]


def epoch(ts):
    return datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp()


def rules_from_docs():
    """The alert rules block of docs/metrics.md (the one fenced as ```yaml after 'ztmmd.rules.yml')."""
    with open(os.path.join(SRC, "docs", "metrics.md")) as f:
        text = f.read()
    m = re.search(r"ztmmd\.rules\.yml.*?```yaml\n(.*?)```", text, re.S)
    assert m, "docs/metrics.md has no ztmmd.rules.yml block"
    return m.group(1)


class Metrics(unittest.TestCase):
    def setUp(self):
        # A missing promtool fails the test: a skip would leave ctest green with nothing checked.
        self.assertTrue(PROMTOOL, "promtool is missing (tests/install-deps.sh installs prometheus)")
        daemon_tmp(self, "zt-metrics-")
        self.prom = os.path.join(self.tmp, "textfile", "ztmmd.prom")
        os.mkdir(os.path.dirname(self.prom))

    def conf(self, tree, daemon="", extra=""):
        path = os.path.join(self.tmp, "ztmmd.conf")
        with open(path, "w") as f:
            f.write(f"[daemon]\nmetrics_file = {self.prom}\n{daemon}"
                    f"[collector:host]\nroot = {os.path.join(TREES, tree)}\n{extra}")
        return path

    def once(self, conf):
        return subprocess.run([ZTMMD, "--once", "--config", conf, "--rules", RULES],
                              capture_output=True, text=True, timeout=120)

    def promtool_check(self):
        with open(self.prom) as f:
            text = f.read()
        p = subprocess.run([PROMTOOL, "check", "metrics"], input=text, capture_output=True,
                           text=True, timeout=60)
        # Exit 0 and no lint finding (promtool prints them and still exits 0 for some).
        self.assertEqual((p.returncode, p.stdout.strip(), p.stderr.strip()), (0, "", ""), text[:2000])
        return parse(text)

    def assert_matches(self, samples, types, doc):
        """Every value of the file is the document's."""
        self.assertEqual(get(samples, "ztmmd_last_scan_info", scan_id=doc["scan_id"], host=doc["host"]), 1)
        self.assertAlmostEqual(get(samples, "ztmmd_last_scan_timestamp_seconds"), epoch(doc["finished_at"]), 3)
        self.assertAlmostEqual(get(samples, "ztmmd_last_scan_duration_seconds"),
                               epoch(doc["finished_at"]) - epoch(doc["started_at"]), 3)
        self.assertEqual(get(samples, "ztmmd_overall_stage"), STAGE[doc["overall"]["stage"]])
        self.assertEqual(get(samples, "ztmmd_overall_coverage_ratio"), doc["overall"]["coverage"])
        for p in doc["pillars"]:
            self.assertEqual(get(samples, "ztmmd_pillar_stage", pillar=p["id"]), STAGE[p["stage"]], p["id"])
            self.assertEqual(get(samples, "ztmmd_pillar_coverage_ratio", pillar=p["id"]), p["coverage"])
        self.assertEqual(len(doc["functions"]), 40)
        for fn in doc["functions"]:
            lbl = {"function": fn["id"], "pillar": fn["pillar"]}
            self.assertEqual(get(samples, "ztmmd_function_stage", **lbl), STAGE[fn["stage"]], fn["id"])
            self.assertEqual(get(samples, "ztmmd_function_coverage_ratio", **lbl), fn["coverage"])
            self.assertEqual(get(samples, "ztmmd_function_stage_at_least", **lbl),
                             1 if fn["bound"] == "at_least" and fn["stage"] != "unknown" else 0)
        self.assertEqual(sum(1 for k in samples if k[0] == "ztmmd_function_stage"), 40)
        for status in ("pass", "fail", "unknown", "not_applicable"):
            self.assertEqual(get(samples, "ztmmd_findings", status=status),
                             sum(1 for f in doc["findings"] if f["status"] == status), status)
        for c in doc["collectors"]:
            lbl = {"collector": c["name"], "type": c["type"]}
            self.assertEqual(get(samples, "ztmmd_collector_up", **lbl), 1 if c["status"] == "ok" else 0)
            self.assertEqual(get(samples, "ztmmd_collector_status", status=c["status"], **lbl), 1)
            self.assertEqual(get(samples, "ztmmd_collector_duration_seconds", **lbl), c["duration_ms"] / 1000)
            self.assertEqual(get(samples, "ztmmd_collector_requests", **lbl), c["requests"])
            self.assertEqual(get(samples, "ztmmd_collector_evidence", **lbl), c["evidence"])
        for name, typ in types.items():
            self.assertTrue(name.startswith("ztmmd_"), name)
            self.assertEqual(name.endswith("_total"), typ == "counter", name)

    def test_once_on_both_trees_matches_the_result(self):
        stages = {}
        for tree in ("weak", "hardened"):
            p = self.once(self.conf(tree))
            self.assertEqual(p.returncode, 0, p.stderr)
            doc = json.loads(p.stdout)
            samples, types = self.promtool_check()
            self.assert_matches(samples, types, doc)
            stages[tree] = {fn["id"]: get(samples, "ztmmd_function_stage", function=fn["id"], pillar=fn["pillar"])
                            for fn in doc["functions"]}
            self.assertNotIn("ztmmd_scans_total", types)  # the service's counters only
            self.assertEqual(os.stat(self.prom).st_mode & 0o777, 0o644)
            self.assertEqual(os.listdir(os.path.dirname(self.prom)), ["ztmmd.prom"])  # no temp file left
        # Unknown is -1, apart from traditional: the weak tree has both, the hardened one better.
        self.assertIn(-1, stages["weak"].values())
        self.assertIn(0, stages["weak"].values())
        self.assertEqual(stages["weak"]["data.categorization"], -1)
        self.assertGreaterEqual(stages["hardened"]["identity.authentication"], 1)
        self.assertEqual(stages["weak"]["identity.authentication"], 0)

    def test_export_figures_after_the_flush(self):
        sink = os.path.join(self.tmp, "events.jsonl")
        p = self.once(self.conf("weak", f"state_dir = {self.tmp}/state\n",
                                f"[sink:archive]\ntype = file\npath = {sink}\n"))
        self.assertEqual(p.returncode, 0, p.stderr)
        samples, types = self.promtool_check()
        self.assertEqual(types["ztmmd_export_delivered_events_total"], "counter")
        with open(sink) as f:
            events = sum(1 for _ in f)
        self.assertGreater(events, 40)
        lbl = {"sink": "archive", "type": "file"}
        self.assertEqual(get(samples, "ztmmd_export_delivered_events_total", **lbl), events)
        self.assertEqual(get(samples, "ztmmd_export_pending_events", **lbl), 0)
        self.assertEqual(get(samples, "ztmmd_export_dropped_events_total", **lbl), 0)

    def test_unwritable_metrics_file_is_an_error_and_the_result_is_kept(self):
        bad = os.path.join(self.tmp, "no-such-dir", "ztmmd.prom")
        conf = self.conf("weak", f"state_dir = {self.tmp}/state\n",
                         f"[sink:archive]\ntype = file\npath = {self.tmp}/events.jsonl\n")
        with open(conf) as f:
            text = f.read().replace(self.prom, bad)
        with open(conf, "w") as f:
            f.write(text)
        p = self.once(conf)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn(f"cannot write the metrics file {bad}: No such file or directory", p.stderr)
        doc = json.loads(p.stdout)  # still printed ...
        with open(os.path.join(self.tmp, "state", "latest.json")) as f:
            self.assertEqual(json.load(f)["scan_id"], doc["scan_id"])  # ... and saved

    def service(self, conf):
        run = os.path.join(self.tmp, "run")
        env = {k: v for k, v in os.environ.items() if k not in ("STATE_DIRECTORY", "RUNTIME_DIRECTORY")}
        p = subprocess.Popen([ZTMMD, "--config", conf, "--rules", RULES], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.procs.append(p)
        sock = os.path.join(run, "control")
        self.assertTrue(wait_for(lambda: os.path.exists(sock), 30))
        return sock

    def ctl(self, sock, *args):
        p = subprocess.run([ZTMMCTL, "--socket", sock, *args], capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        return json.loads(p.stdout)

    def test_service_rewrites_the_file_after_every_scan(self):
        daemon = (f"state_dir = {self.tmp}/state\nruntime_dir = {self.tmp}/run\n"
                  "interval = 1h\nscan_on_start = no\njitter = 0\n")
        sock = self.service(self.conf("hardened", daemon))
        self.assertFalse(os.path.exists(self.prom))  # written after a scan, not before
        ids = []
        for n in (1, 2):
            doc = self.ctl(sock, "scan", "--wait", "--format", "json")
            samples, types = self.promtool_check()
            self.assert_matches(samples, types, doc)
            self.assertEqual(get(samples, "ztmmd_scans_total"), n)
            self.assertEqual(get(samples, "ztmmd_scan_failures_total"), 0)
            self.assertEqual(types["ztmmd_scans_total"], "counter")
            ids.append(doc["scan_id"])
        self.assertNotEqual(ids[0], ids[1])

    def test_service_unwritable_metrics_file_is_reported(self):
        bad = os.path.join(self.tmp, "no-such-dir", "ztmmd.prom")
        daemon = (f"state_dir = {self.tmp}/state\nruntime_dir = {self.tmp}/run\n"
                  "interval = 1h\nscan_on_start = no\njitter = 0\n")
        conf = self.conf("weak", daemon)
        with open(conf) as f:
            text = f.read().replace(self.prom, bad)
        with open(conf, "w") as f:
            f.write(text)
        sock = self.service(conf)
        doc = self.ctl(sock, "scan", "--wait", "--format", "json")
        status = self.ctl(sock, "status", "--format", "json")
        self.assertIn(f"cannot write the metrics file {bad}", json.dumps(status))
        with open(os.path.join(self.tmp, "state", "latest.json")) as f:
            self.assertEqual(json.load(f)["scan_id"], doc["scan_id"])

    def test_alert_rules_of_the_docs(self):
        rules = os.path.join(self.tmp, "ztmmd.rules.yml")
        with open(rules, "w") as f:
            f.write(rules_from_docs())
        p = subprocess.run([PROMTOOL, "check", "rules", rules], capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("SUCCESS", p.stdout)
        # The rules do what the docs say on series over time: a drop fires, unknown does not.
        shutil.copy(os.path.join(SRC, "tests", "integration", "metrics_alerts_test.yml"), self.tmp)
        p = subprocess.run([PROMTOOL, "test", "rules", "metrics_alerts_test.yml"], cwd=self.tmp,
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
