#!/usr/bin/env python3
"""plan_bench.py - the way up's computation time on a 5,000-finding result (not a test: it
asserts nothing about speed).

The result is report_bench.py's: the weak host fixture's result with N findings, each a copy of
one of the fixture's under its own rule id (statuses 3 fail : 2 unknown : 4 pass : 1 n/a). The
catalog holds one rule per finding, a copy of the shipped rule it came from (same function,
stage and check: copies of one rule decide one check, so the daemon groups them into one step).
plan_bench (C) then times the daemon's path (zt_plan_compute + zt_plan_to_json) and the
document's (zt_plan_from_result); `ztmmctl plan --input` is timed whole besides (with next, which
it prints, and without, which it computes).

Usage: tests/bench/plan_bench.py BUILD_DIR [--findings N] [--runs N]
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
sys.path.insert(0, os.path.join(SRC, "tests", "bench"))
RULES = os.path.join(SRC, "conf", "rules", "ztmm-v2.json")


def synthesize(base, n):
    """report_bench.synthesize without its browser import chain."""
    statuses = ["fail"] * 3 + ["unknown"] * 2 + ["pass"] * 4 + ["not_applicable"]
    doc = json.loads(json.dumps(base))
    doc["findings"], doc["evidence"] = [], list(base["evidence"])
    for i in range(n):
        f = dict(base["findings"][i % len(base["findings"])])
        key = f"synth.policy_{i:05d}.enforced"
        f["rule"] = f"{f['rule']}.n{i:05d}"
        f["status"] = statuses[i % len(statuses)]
        f["title"] = f"{f['title']} (policy {i})"
        f["evidence"] = [key] + list(f["evidence"])
        doc["findings"].append(f)
        doc["evidence"].append({"key": key, "value": f["status"] == "pass", "collector": "host",
                                "observed_at": base["finished_at"],
                                "detail": {"policy": f"Conditional access policy {i}"}})
    doc["evidence"].sort(key=lambda e: e["key"])
    return doc


def catalog_for(doc):
    with open(RULES) as f:
        cat = json.load(f)
    by_id = {r["id"]: r for r in cat["rules"]}
    rules = []
    for f in doc["findings"]:
        r = dict(by_id[f["rule"].rsplit(".", 1)[0]])
        r["id"] = f["rule"]
        rules.append(r)
    cat["rules"] = rules
    return cat


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--findings", type=int, default=5000)
    ap.add_argument("--runs", type=int, default=20)
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="ztmmd-plan-bench-")
    try:
        ztmmd = os.path.join(a.build, "daemon", "ztmmd")
        ztmmctl = os.path.join(a.build, "daemon", "ztmmctl")
        conf = os.path.join(tmp, "ztmmd.conf")
        with open(conf, "w") as f:
            f.write(f"[daemon]\nstate_dir = {tmp}/state\n[collector:host]\n"
                    f"root = {os.path.join(SRC, 'tests', 'fixtures', 'host', 'weak')}\n")
        p = subprocess.run([ztmmd, "--once", "--config", conf, "--rules", RULES],
                           capture_output=True, text=True, check=True)
        doc = synthesize(json.loads(p.stdout), a.findings)
        paths = {name: os.path.join(tmp, name) for name in ("result.json", "catalog.json")}
        del doc["next"]
        with open(paths["result.json"], "w") as f:
            json.dump(doc, f)
        with open(paths["catalog.json"], "w") as f:
            json.dump(catalog_for(doc), f)
        out = subprocess.run([os.path.join(a.build, "tests", "plan_bench"), paths["catalog.json"],
                              paths["result.json"], str(a.runs)],
                             capture_output=True, text=True, check=True)
        print(out.stdout, end="")
        # ztmmctl plan --input, whole: without next (computed), then with the daemon's next.
        p = subprocess.run([ztmmctl, "evaluate", paths["result.json"], "--rules",
                            paths["catalog.json"]], capture_output=True, text=True, check=True)
        with_next = os.path.join(tmp, "with_next.json")
        with open(with_next, "w") as f:
            f.write(p.stdout)
        for name, path in (("without next", paths["result.json"]), ("with next", with_next)):
            walls = []
            for _ in range(a.runs):
                t0 = time.monotonic()
                subprocess.run([ztmmctl, "plan", "--input", path, "--format", "json"],
                               stdout=subprocess.DEVNULL, check=True)
                walls.append((time.monotonic() - t0) * 1000.0)
            print(f"ztmmctl plan --input ({name}): median {statistics.median(walls):8.2f} ms  "
                  f"min {min(walls):8.2f} ms  runs={a.runs}  "
                  f"result={os.path.getsize(path) / 1024:.0f} KiB")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
