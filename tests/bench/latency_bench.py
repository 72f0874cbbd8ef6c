#!/usr/bin/env python3
"""latency_bench.py - how long after a scan ends its events reach each receiver.

Runs the service (`ztmmd`, not --once) with a file sink and a webhook sink pointed at the
fixture receiver (tests/fixtures/receivers_azure_webhook.py) on loopback, triggers N scans with
`ztmmctl scan --wait`, and for each scan measures, from the result's `finished_at` (the end of
the scan, the time every event carries):
  - first: the first event of the scan received (file: the sink file grew; webhook: the first
    request carrying one of the scan's ids arrived);
  - last: the last event received (file: every line present; webhook: every id seen).
Reported: the median and maximum over the scans, per sink. Not a test: it asserts nothing about
speed. The events of a scan are published (built, synced to the outbox) before delivery starts,
so `first` includes that fsync.

Usage: tests/bench/latency_bench.py BUILD_DIR [--scans N]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(SRC, "tests", "fixtures")
TREE = os.path.join(FIXTURES, "host", "weak")
RULES = os.path.join(SRC, "conf", "rules", "ztmm-v2.json")


def epoch(rfc3339):
    return datetime.fromisoformat(rfc3339.replace("Z", "+00:00")).timestamp()


def lines(path):
    try:
        with open(path) as f:
            return [json.loads(l) for l in f if l.strip()]
    except FileNotFoundError:
        return []


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--scans", type=int, default=10)
    a = ap.parse_args()
    ztmmd = os.path.join(a.build, "daemon", "ztmmd")
    ztmmctl = os.path.join(a.build, "daemon", "ztmmctl")
    with tempfile.TemporaryDirectory() as tmp:
        certs = os.path.join(tmp, "certs")
        subprocess.run([sys.executable, os.path.join(FIXTURES, "server.py"), "gencerts", certs],
                       check=True)
        key = os.path.join(tmp, "hmac")
        fd = os.open(key, os.O_WRONLY | os.O_CREAT, 0o600)
        os.write(fd, b"bench-hmac-key\n")
        os.close(fd)
        cfg = os.path.join(tmp, "webhook.json")
        with open(cfg, "w") as f:
            json.dump({"key": "bench-hmac-key", "responses": [{"status": 200}]}, f)
        hook_log = os.path.join(tmp, "webhook.log")
        hook = subprocess.Popen([sys.executable,
                                 os.path.join(FIXTURES, "receivers_azure_webhook.py"), "webhook",
                                 "--certs", certs, "--log", hook_log, "--config", cfg,
                                 "--idle-timeout", "600"], stdout=subprocess.PIPE, text=True)
        port = int(hook.stdout.readline())
        ref = os.path.join(tmp, "events.jsonl")
        conf = os.path.join(tmp, "ztmmd.conf")
        with open(conf, "w") as f:
            f.write(f"[daemon]\nstate_dir = {tmp}/state\nruntime_dir = {tmp}/run\ninterval = 24h\n"
                    f"[collector:host]\nroot = {TREE}\n"
                    f"[sink:file]\npath = {ref}\nfindings = all\n"
                    f"[sink:hook]\ntype = webhook\nurl = https://127.0.0.1:{port}/ingest\n"
                    f"hmac_key_file = {key}\nca_file = {certs}/ca.pem\nfindings = all\n")
        with open(os.path.join(tmp, "ztmmd.err"), "w") as err:
            svc = subprocess.Popen([ztmmd, "--config", conf, "--rules", RULES],
                                   stdout=subprocess.DEVNULL, stderr=err)
        sock = os.path.join(tmp, "run", "control")
        for _ in range(200):
            if os.path.exists(sock):
                break
            time.sleep(0.05)
        # The first scan runs at start; let it and its delivery finish before measuring.
        time.sleep(1.0)
        lat = {"file": ([], []), "webhook": ([], [])}
        events = 0
        for _ in range(a.scans):
            seen_file = len(lines(ref))
            r = subprocess.run([ztmmctl, "--socket", sock, "scan", "--wait", "--format", "json"],
                               capture_output=True, text=True, timeout=120)
            if r.returncode != 0:
                sys.exit(f"scan failed: {r.stderr}")
            doc = json.loads(r.stdout)
            doc = doc.get("result", doc)
            end = epoch(doc["finished_at"])
            scan_id = doc["scan_id"]
            # File: poll until this scan's lines are all there (no event is known to come last,
            # so: until the count of lines carrying the scan id stops growing between polls).
            first_file = last_file = None
            want = None
            deadline = time.time() + 60
            while time.time() < deadline:
                evs = [e for e in lines(ref)[seen_file:] if e.get("scan_id") == scan_id]
                now = time.time()
                if evs and first_file is None:
                    first_file = now
                if evs and want == len(evs):
                    last_file = now
                    break
                want = len(evs) if evs else None
                time.sleep(0.002)
            ids = {e["id"] for e in lines(ref) if e.get("scan_id") == scan_id}
            events = len(ids)
            # Webhook: the receiver's log has each request's arrival time and its ids.
            mine = []
            while time.time() < deadline:
                got = [(e["t"], set(e.get("ids") or [])) for e in lines(hook_log)
                       if e.get("status") == 200]
                mine = [(t, s & ids) for t, s in got if s & ids]
                if mine and set().union(*[s for _, s in mine]) >= ids:
                    break
                time.sleep(0.01)
            if first_file is None or last_file is None:
                sys.exit("the file sink did not get the scan's events within 60 s")
            if not mine or set().union(*[s for _, s in mine]) < ids:
                sys.exit("the webhook receiver did not get the scan's events within 60 s")
            lat["file"][0].append(first_file - end)
            lat["file"][1].append(last_file - end)
            lat["webhook"][0].append(min(t for t, _ in mine) - end)
            lat["webhook"][1].append(max(t for t, _ in mine) - end)
        svc.terminate()
        svc.wait()
        hook.terminate()
        hook.wait()
    print(f"{a.scans} scans of {events} events each (host collector, weak tree, findings = all)")
    print(f"{'sink':8} {'first median':>13} {'first max':>10} {'last median':>12} {'last max':>9}")
    for sink, (first, last) in lat.items():
        print(f"{sink:8} {statistics.median(first) * 1000:10.1f} ms {max(first) * 1000:7.1f} ms"
              f" {statistics.median(last) * 1000:9.1f} ms {max(last) * 1000:6.1f} ms")
    print("(file: polled every 2 ms, so its figures carry up to ~2 ms of polling; the webhook's are"
          " request arrival times at the receiver)")


if __name__ == "__main__":
    main()
