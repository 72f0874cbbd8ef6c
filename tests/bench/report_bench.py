#!/usr/bin/env python3
"""report_bench.py - the HTML report of a 5,000-finding result against the weak host fixture's
result (the baseline, 100 findings) in the same run: page size, `ztmmctl report` wall time and
peak RSS, and load and paint times in a real headless Chromium (over chromedriver, see
tests/integration/chromium.py). Not a test: it asserts nothing about speed.

Usage: tests/bench/report_bench.py BUILD_DIR [--findings N] [--runs N] [--browser-runs N]
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(SRC, "tests", "integration"))
import chromium  # noqa: E402

STATUSES = ["fail"] * 3 + ["unknown"] * 2 + ["pass"] * 4 + ["not_applicable"]


def synthesize(base, n):
    """A result like base with n findings: each a copy of one of base's, under its own rule id,
    reading its own evidence key (observed, with a detail) besides the original keys."""
    doc = json.loads(json.dumps(base))
    doc["findings"], doc["evidence"] = [], list(base["evidence"])
    for i in range(n):
        f = dict(base["findings"][i % len(base["findings"])])
        key = f"synth.policy_{i:05d}.enforced"
        f["rule"] = f"{f['rule']}.{i:05d}"
        f["status"] = STATUSES[i % len(STATUSES)]
        f["title"] = f"{f['title']} (policy {i})"
        f["evidence"] = [key] + list(f["evidence"])
        doc["findings"].append(f)
        doc["evidence"].append({"key": key, "value": f["status"] == "pass", "collector": "host",
                                "observed_at": base["finished_at"],
                                "detail": {"policy": f"Conditional access policy {i}",
                                           "excluded": [f"user-{i}-{k}" for k in range(3)]}})
    doc["evidence"].sort(key=lambda e: e["key"])
    return doc


def measured(peakrss, cmd):
    p = subprocess.run([peakrss] + cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall_ms, rss, code = p.stdout.strip().splitlines()[-1].split()
    if code != "0":
        raise SystemExit(f"{cmd}: exit {code}: {p.stderr}")
    return float(wall_ms), int(rss)


FCP = """
const fcp = performance.getEntriesByName('first-contentful-paint')[0];
return fcp ? fcp.startTime : -1;
"""
PAINT = """
const nav = performance.getEntriesByType('navigation')[0];
return [nav.domContentLoadedEventEnd, nav.loadEventEnd,
        document.getElementsByTagName('*').length, document.body.scrollHeight,
        document.querySelectorAll('article.finding').length];
"""


def browser_figures(browser, page, runs):
    rows = []
    for _ in range(runs):
        url, requests, console, wall = browser.open(page)
        if requests != [url] or [e for e in console if e.get("level") == "SEVERE"]:
            raise SystemExit(f"{page}: requests {requests[:5]} console {console[:5]}")
        for _ in range(100):  # a small page can be loaded before its first paint
            fcp = browser.js(FCP)
            if fcp >= 0:
                break
            time.sleep(0.02)
        dcl, load, nodes, height, findings = browser.js(PAINT)
        rows.append((wall * 1000.0, dcl, load, fcp, nodes, height, findings))
    med = [statistics.median(r[i] for r in rows) for i in range(4)]
    return med, rows[0][4], rows[0][5], rows[0][6]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--findings", type=int, default=5000)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--browser-runs", type=int, default=5)
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="ztmmd-report-bench-")
    try:
        peakrss = os.path.join(tmp, "peakrss")
        subprocess.run(["cc", "-O2", "-o", peakrss, os.path.join(SRC, "tests", "bench", "peakrss.c")],
                       check=True)
        ztmmd = os.path.join(a.build, "daemon", "ztmmd")
        ztmmctl = os.path.join(a.build, "daemon", "ztmmctl")
        conf = os.path.join(tmp, "ztmmd.conf")
        with open(conf, "w") as f:
            f.write(f"[daemon]\nstate_dir = {tmp}/state\n[collector:host]\n"
                    f"root = {os.path.join(SRC, 'tests', 'fixtures', 'host', 'weak')}\n")
        p = subprocess.run([ztmmd, "--once", "--config", conf, "--rules",
                            os.path.join(SRC, "conf", "rules", "ztmm-v2.json")],
                           capture_output=True, text=True, check=True)
        weak = json.loads(p.stdout)
        docs = {"weak fixture": weak, f"{a.findings} findings": synthesize(weak, a.findings)}
        browser = chromium.Browser()
        try:
            for name, doc in docs.items():
                src = os.path.join(tmp, "in.json")
                with open(src, "w") as f:
                    json.dump(doc, f)
                page = os.path.join(tmp, f"{len(doc['findings'])}.html")
                walls, rsss = [], []
                for _ in range(a.runs):
                    wall, rss = measured(peakrss, [ztmmctl, "report", "--input", src, "--html", page])
                    walls.append(wall)
                    rsss.append(rss)
                (nav, dcl, load, fcp), nodes, height, found = browser_figures(browser, page,
                                                                               a.browser_runs)
                print(f"{name:16s} findings={len(doc['findings']):5d} evidence={len(doc['evidence']):5d} "
                      f"result={os.path.getsize(src) / 1024:8.1f} KiB  report={os.path.getsize(page) / 1024:8.1f} KiB")
                print(f"{'':16s} ztmmctl report: median {statistics.median(walls):7.1f} ms "
                      f"(min {min(walls):.1f}) peak RSS {max(rsss) / 1024:6.1f} MiB  runs={a.runs}")
                print(f"{'':16s} chromium: navigate {nav:7.1f} ms  DOMContentLoaded {dcl:7.1f} ms  "
                      f"load {load:7.1f} ms  first paint {fcp:7.1f} ms  (median of {a.browser_runs})")
                print(f"{'':16s} DOM: {nodes} elements, {found} findings, page height {height} px")
        finally:
            browser.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
