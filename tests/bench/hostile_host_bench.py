#!/usr/bin/env python3
"""hostile_host_bench.py - `ztmmd --once` (host collector) on a copy of the hardened fake tree,
clean and with a FIFO at etc/ssh/sshd_config and at etc/sudoers, in the same run: median wall
time, peak RSS, host status and evidence count of each, and the FIFO/clean ratio. With
--baseline BUILD_DIR the same is measured for another build (main before the fix, say) in the
same run. Not a test: it asserts nothing about speed.

Usage: tests/bench/hostile_host_bench.py BUILD_DIR [--baseline BUILD_DIR] [--runs N]
                                         [--baseline-runs N] [--timeout DURATION]
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import tempfile

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HARDENED = os.path.join(SRC, "tests", "fixtures", "host", "hardened")
RULES = os.path.join(SRC, "conf", "rules", "ztmm-v2.json")


def make_trees(tmp):
    clean = os.path.join(tmp, "clean")
    shutil.copytree(HARDENED, clean, symlinks=True)
    fifo = os.path.join(tmp, "fifo")
    shutil.copytree(HARDENED, fifo, symlinks=True)
    for p in ("etc/ssh/sshd_config", "etc/sudoers"):
        os.unlink(os.path.join(fifo, p))
        os.mkfifo(os.path.join(fifo, p))
    return {"clean": clean, "fifo": fifo}


def run_once(peakrss, ztmmd, conf):
    """One scan under peakrss: (wall s, peak RSS KiB, host status, evidence, error)."""
    p = subprocess.run([peakrss, ztmmd, "--once", "--config", conf, "--rules", RULES],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    # peakrss prints the child's stdout first, then "wall_ms rss_kib code" on its last line.
    lines = p.stdout.rstrip("\n").split("\n")
    wall_ms, rss, _code = lines[-1].split()
    doc = json.loads("\n".join(lines[:-1]))
    (c,) = doc["collectors"]
    return float(wall_ms) / 1000.0, int(rss), c["status"], c["evidence"], c["error"] or ""


def measure(peakrss, ztmmd, tree, timeout, runs, tmp):
    conf = os.path.join(tmp, f"bench-{abs(hash((ztmmd, tree)))}.conf")
    with open(conf, "w") as f:
        f.write(f"[collector:host]\nroot = {tree}\ntimeout = {timeout}\n")
    res = [run_once(peakrss, ztmmd, conf) for _ in range(runs)]
    return {"median": statistics.median(r[0] for r in res), "min": min(r[0] for r in res),
            "rss": max(r[1] for r in res), "status": sorted({r[2] for r in res}),
            "evidence": sorted({r[3] for r in res}), "error": res[-1][4]}


def report(label, build, trees, timeout, runs, peakrss, tmp):
    ztmmd = os.path.join(build, "daemon", "ztmmd")
    m = {name: measure(peakrss, ztmmd, tree, timeout, runs, tmp) for name, tree in trees.items()}
    for name in ("clean", "fifo"):
        r = m[name]
        print(f"{label:9s} {name:6s} runs={runs:3d} median={r['median'] * 1000:9.1f} ms  "
              f"min={r['min'] * 1000:9.1f} ms  peak RSS={r['rss'] / 1024:6.1f} MiB  "
              f"status={','.join(r['status'])}  evidence={r['evidence']}")
    print(f"{label:9s} fifo error: {m['fifo']['error'][:150]}")
    print(f"{label:9s} fifo/clean wall ratio: {m['fifo']['median'] / m['clean']['median']:.2f}x")
    return m


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--baseline", help="another build dir, measured in the same run")
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--baseline-runs", type=int, default=3)
    ap.add_argument("--timeout", default="5s", help="the host instance's time limit")
    a = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="zt-hostile-bench-")
    try:
        peakrss = os.path.join(tmp, "peakrss")
        subprocess.run(["cc", "-O2", "-o", peakrss, os.path.join(SRC, "tests", "bench", "peakrss.c")],
                       check=True)
        trees = make_trees(tmp)
        print(f"tree: copy of {HARDENED}; fifo = FIFOs at etc/ssh/sshd_config and etc/sudoers; "
              f"host timeout = {a.timeout}")
        new = report("build", a.build, trees, a.timeout, a.runs, peakrss, tmp)
        if a.baseline:
            old = report("baseline", a.baseline, trees, a.timeout, a.baseline_runs, peakrss, tmp)
            print(f"fifo scan, baseline/build: {old['fifo']['median'] / new['fifo']['median']:.1f}x")
    finally:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
