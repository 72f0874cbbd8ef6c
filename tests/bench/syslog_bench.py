#!/usr/bin/env python3
"""syslog_bench.py - events per second of the syslog sink through the real export core
(export_bench: outbox append + sync, read, parse, render, frame, send) to a real rsyslogd on
loopback (tests/fixtures/rsyslog.py, writing every raw message to a file), over TLS, TCP and UDP,
with the file sink in the same run as the baseline. Not a test: it asserts nothing about speed.

For each transport: delivery (the sink saw every batch acknowledged by rsyslog's TCP; UDP: sent)
in events per wall second and per CPU second of the delivering process (what it costs, whatever
else the machine runs), the time from the publish of the scan's events (outbox append and sync
included) to rsyslog's last write of them (its output file's mtime once it stopped growing), how
many messages rsyslog wrote (UDP may lose some), and the peak RSS of the sending process (it
holds the scan's result document and its events: it grows with --events). Rows "sink alone":
the same events handed straight to the sink's deliver() in batches of 500, without the core's
outbox read, parse and render: what the syslog sink itself costs.

Usage: tests/bench/syslog_bench.py BUILD_DIR [--events N] [--runs R]
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(SRC, "tests", "fixtures")
sys.path.insert(0, FIXTURES)
from rsyslog import Rsyslog  # noqa: E402


def fields(line):
    return dict(kv.split("=", 1) for kv in line.split()[1:])


def run(bench, work, n, *mode):
    p = subprocess.run([bench, work, str(n), *mode], capture_output=True, text=True, timeout=900)
    if p.returncode != 0:
        sys.exit(f"export_bench {' '.join(mode)} failed: {p.stderr}")
    return [l for l in p.stdout.splitlines() if l.strip()]


def count_lines(path):
    with open(path, "rb") as f:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))


def settle(path, want, timeout=120):
    """Wait until path stops growing (or holds want lines); its mtime and line count."""
    until, last, still = time.monotonic() + timeout, -1, 0
    while time.monotonic() < until:
        size = os.path.getsize(path) if os.path.exists(path) else 0
        still = still + 1 if size == last else 0
        last = size
        if still >= 10 or (size and count_lines(path) >= want):
            break
        time.sleep(0.1)
    if not os.path.exists(path):
        return None, 0
    return os.stat(path).st_mtime, count_lines(path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--events", type=int, default=100000)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    bench = os.path.join(a.build, "tests", "export_bench")
    load0 = f"{os.getloadavg()[0]:.1f}"
    with tempfile.TemporaryDirectory(prefix="ztmmd-syslog-bench-") as tmp:
        certs = os.path.join(tmp, "certs")
        subprocess.run([sys.executable, os.path.join(FIXTURES, "server.py"), "gencerts", certs],
                       check=True)
        rs = Rsyslog(os.path.join(tmp, "rsyslog"), certs, ("tls", "tcp", "udp"), raw=True)
        rs.start()
        try:
            rows = {}
            for r in range(a.runs):
                work = os.path.join(tmp, f"work{r}")
                os.makedirs(work)
                for line in run(bench, work, a.events, "file"):
                    f = fields(line)
                    if line.startswith("file_sink") and f["format"] == "json":
                        rows.setdefault("file (baseline)", []).append(
                            (float(f["delivery_events_per_s"]), None, a.events, None,
                             float(f["cpu_events_per_s"])))
                for name in ("tls", "tcp", "udp"):
                    out = rs.path(name)
                    before = count_lines(out) if os.path.exists(out) else 0
                    url = f"{name}://127.0.0.1:{rs.ports[name]}"
                    ca = os.path.join(certs, "ca.pem") if name == "tls" else "-"
                    (line,) = [l for l in run(bench, work, a.events, "syslog", url, ca)
                               if l.startswith("syslog_sink ")]
                    f = fields(line)
                    mtime, total = settle(out, before + a.events + 1)
                    got = total - before
                    receipt = (mtime - float(f["publish_wall"])) if mtime else float("nan")
                    rows.setdefault(name, []).append(
                        (float(f["delivery_events_per_s"]), receipt,
                         got, int(f["peak_rss_kib"]), float(f["cpu_events_per_s"])))
                    (line,) = [l for l in run(bench, work, a.events, "syslog-alone", url, ca)
                               if l.startswith("syslog_sink_alone ")]
                    g = fields(line)
                    _, alone_total = settle(out, total + a.events)
                    rows.setdefault(f"{name}, sink alone", []).append(
                        (float(g["events_per_s"]), None, alone_total - total, None,
                         float(g["cpu_events_per_s"])))
        finally:
            rs.stop()
    base = statistics.median(r[0] for r in rows["file (baseline)"])
    print(f"events per run: {a.events} (finding events, ~1 KB as JSON), runs: {a.runs}, "
          f"medians; rsyslogd {subprocess.run(['/usr/sbin/rsyslogd', '-v'], capture_output=True, text=True).stdout.split()[1]}")
    print(f"load average before: {load0}, after: {os.getloadavg()[0]:.1f} "
          f"(on {os.cpu_count()} CPUs; wall figures drop with it, per-CPU-second ones much less)")
    print(f"{'sink':16} {'delivered ev/s':>14} {'ev/CPU-s':>9} {'to last receipt s':>17} "
          f"{'received':>9} {'vs file':>7} {'peak RSS KiB':>12}")
    for name, rs_ in rows.items():
        d = statistics.median(r[0] for r in rs_)
        cpu = statistics.median(r[4] for r in rs_)
        rec = [r[1] for r in rs_ if r[1] is not None]
        got = min(r[2] for r in rs_)
        rss = [r[3] for r in rs_ if r[3] is not None]
        print(f"{name:16} {d:14.0f} {cpu:9.0f} "
              f"{statistics.median(rec) if rec else float('nan'):17.2f} "
              f"{got:9d} {d / base:7.2f} {max(rss) if rss else 0:12d}")


if __name__ == "__main__":
    main()
