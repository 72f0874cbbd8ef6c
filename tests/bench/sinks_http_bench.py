#!/usr/bin/env python3
"""sinks_http_bench.py - what exporting costs `ztmmd --once` with the splunk_hec and
elasticsearch sinks, against the fixture receivers (tests/fixtures/receivers.py) on loopback.
Each configuration runs N times; reported: events, HTTP requests, median wall time of the run,
and that time minus the baseline run (a file sink only). Not a test: it asserts nothing about
speed. The receivers are single-process Python, so the figures bound the sink from above.

Usage: tests/bench/sinks_http_bench.py BUILD_DIR [--runs N]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(SRC, "tests", "fixtures")
TREE = os.path.join(FIXTURES, "host", "weak")
RULES = os.path.join(SRC, "conf", "rules", "ztmm-v2.json")


def receiver(tmp, certs, kind, config):
    log = os.path.join(tmp, f"{kind}-{os.urandom(4).hex()}.log")
    with open(log + ".json", "w") as f:
        json.dump(config, f)
    p = subprocess.Popen([sys.executable, os.path.join(FIXTURES, "receivers.py"), "serve",
                          "--kind", kind, "--certs", certs, "--log", log, "--config",
                          log + ".json"], stdout=subprocess.PIPE, text=True)
    return p, f"https://127.0.0.1:{int(p.stdout.readline())}", log


def secret(tmp, name, value):
    path = os.path.join(tmp, name)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.write(fd, (value + "\n").encode())
    os.close(fd)
    return path


def run(ztmmd, tmp, sink):
    state = tempfile.mkdtemp(dir=tmp)
    conf = os.path.join(state, "ztmmd.conf")
    with open(conf, "w") as f:
        f.write(f"[daemon]\nstate_dir = {state}\n[collector:host]\nroot = {TREE}\n"
                f"[sink:ref]\ntype = file\npath = {state}/ev.jsonl\nfindings = all\n{sink}")
    t0 = time.monotonic()
    p = subprocess.run([ztmmd, "--once", "--config", conf, "--rules", RULES],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.monotonic() - t0
    if p.returncode != 0:
        sys.exit(f"ztmmd failed ({p.returncode}): {p.stderr}")
    with open(f"{state}/ev.jsonl") as f:
        return wall, sum(1 for _ in f)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    ztmmd = os.path.join(a.build, "daemon", "ztmmd")
    with tempfile.TemporaryDirectory() as tmp:
        certs = os.path.join(tmp, "certs")
        subprocess.run([sys.executable, os.path.join(FIXTURES, "server.py"), "gencerts", certs],
                       check=True)
        ca = os.path.join(certs, "ca.pem")
        tok = secret(tmp, "hec", "bench-token")
        key = secret(tmp, "es", "YmVuY2g6a2V5")
        procs = []
        hec = receiver(tmp, certs, "hec", {"token": "bench-token"})
        hec_ack = receiver(tmp, certs, "hec", {"token": "bench-token", "ack": True,
                                               "ack_false_polls": 0})
        es = receiver(tmp, certs, "es", {"api_key": "YmVuY2g6a2V5"})
        procs += [hec[0], hec_ack[0], es[0]]
        common = "findings = all\n"
        configs = [("baseline (file sink only)", "", None)]
        for batch in (500, 25):
            configs += [
                (f"splunk_hec ack=no batch={batch}",
                 f"[sink:out]\ntype = splunk_hec\nurl = {hec[1]}\ntoken_file = {tok}\n"
                 f"ca_file = {ca}\nbatch = {batch}\n{common}", hec[2]),
                (f"splunk_hec ack=yes batch={batch}",
                 f"[sink:out]\ntype = splunk_hec\nurl = {hec_ack[1]}\ntoken_file = {tok}\n"
                 f"ca_file = {ca}\nack = yes\nbatch = {batch}\n{common}", hec_ack[2]),
                (f"elasticsearch batch={batch}",
                 f"[sink:out]\ntype = elasticsearch\nurl = {es[1]}\napi_key_file = {key}\n"
                 f"ca_file = {ca}\nbatch = {batch}\n{common}", es[2])]
        base = None
        print(f"{'configuration':34} {'events':>6} {'requests':>8} {'median s':>9} {'- base':>7}")
        for name, sink, log in configs:
            before = sum(1 for _ in open(log)) if log and os.path.exists(log) else 0
            walls, events = [], 0
            for _ in range(a.runs):
                wall, events = run(ztmmd, tmp, sink)
                walls.append(wall)
            after = sum(1 for _ in open(log)) if log and os.path.exists(log) else 0
            med = statistics.median(walls)
            base = med if base is None else base
            reqs = (after - before) / a.runs
            print(f"{name:34} {events:6d} {reqs:8.1f} {med:9.3f} {med - base:7.3f}")
        for p in procs:
            p.terminate()
            p.wait()


if __name__ == "__main__":
    main()
