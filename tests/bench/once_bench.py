#!/usr/bin/env python3
"""once_bench.py - benchmark `ztmmd --once` (host collector only) against `lynis audit system
--quick` on the same machine in the same run. Reports median wall time and peak RSS of each
and their ratios. Not a test: it asserts nothing about speed.

Usage: tests/bench/once_bench.py BUILD_DIR [--runs N] [--lynis-runs N] [--root /]
Needs root for a full host scan (as a user, unreadable files make the scan partial).
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


PEAKRSS = None  # path of the compiled peakrss.c helper


def run_measured(cmd, **kw):
    """Run cmd under peakrss (a C parent, so the child's pre-exec footprint is not counted):
    return (wall seconds, peak RSS KiB, exit code)."""
    p = subprocess.run([PEAKRSS] + list(cmd), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                       text=True, **kw)
    wall_ms, rss, code = p.stdout.strip().splitlines()[-1].split()
    return float(wall_ms) / 1000.0, int(rss), int(code)


def measure(name, cmd, runs, **kw):
    walls, rsss, codes = [], [], set()
    for _ in range(runs):
        wall, rss, code = run_measured(cmd, **kw)
        walls.append(wall)
        rsss.append(rss)
        codes.add(code)
    med = statistics.median(walls)
    print(f"{name:28s} runs={runs:3d} median={med * 1000:9.1f} ms  "
          f"min={min(walls) * 1000:9.1f} ms  peak RSS={max(rsss) / 1024:7.1f} MiB  exit={sorted(codes)}")
    return med, max(rsss)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--lynis-runs", type=int, default=3)
    ap.add_argument("--root", default="/")
    a = ap.parse_args()

    global PEAKRSS
    tmp = tempfile.mkdtemp()
    PEAKRSS = os.path.join(tmp, "peakrss")
    subprocess.run(["cc", "-O2", "-o", PEAKRSS, os.path.join(SRC, "tests", "bench", "peakrss.c")],
                   check=True)
    ztmmd = os.path.join(a.build, "daemon", "ztmmd")
    rules = os.path.join(SRC, "conf", "rules", "ztmm-v2.json")
    with tempfile.TemporaryDirectory() as d:
        conf = os.path.join(d, "ztmmd.conf")
        with open(conf, "w") as f:
            f.write(f"[collector:host]\nroot = {a.root}\n")
        cmd = [ztmmd, "--once", "--config", conf, "--rules", rules, "--format", "json"]
        subprocess.run(cmd, check=False, stdout=subprocess.DEVNULL)  # warm the page cache
        print(f"machine: {os.cpu_count()} cpus, load {os.getloadavg()[0]:.2f}")
        z_med, z_rss = measure("ztmmd --once (host)", cmd, a.runs)

    lynis = shutil.which("lynis")
    if a.lynis_runs < 1:
        print("--lynis-runs 0: no baseline")
        return 0
    if not lynis:
        print("lynis not installed (apt-get install lynis): no baseline")
        return 0
    l_med, l_rss = measure("lynis audit system --quick",
                           [lynis, "audit", "system", "--quick", "--no-colors", "--no-log"],
                           a.lynis_runs)
    print(f"ratio wall time lynis/ztmmd: {l_med / z_med:8.1f}x")
    print(f"ratio peak RSS  lynis/ztmmd: {l_rss / z_rss:8.2f}x "
          "(lynis' peak is its largest child process, a shell or tool it runs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
