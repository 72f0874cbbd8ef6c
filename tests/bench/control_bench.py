#!/usr/bin/env python3
"""control_bench.py - `status` latency of a running ztmmd beside 100 idle connections, against the
same daemon with none (a benchmark, not a test: it prints figures and asserts nothing).

Usage: control_bench.py BUILD_DIR [SOURCE_DIR]. Env: CALLS (200 per phase), IDLE (100).
The idle load is a separate process opening IDLE connections that never send a byte, in two
phases: "held" (opened once; the daemon keeps 64 and closes the rest to make room, and the calls
are made before the 2 s idle timeout) and "reopened" (each connection the daemon closes is opened
again at once: the worst an idle flooder can do, thousands of connects a second). Latency is
measured from connect to the closed answer with a plain socket client (no process start), and
with `ztmmctl status` (20 calls, process start included) in the reopened phase.
"""
import os
import select
import socket
import statistics
import subprocess
import sys
import tempfile
import time

IDLE = int(os.environ.get("IDLE", "100"))
CALLS = int(os.environ.get("CALLS", "200"))


def keep_idle(sock, n, stop_file, reopen):
    """Hold n idle connections to sock; with reopen, open again each one the daemon closes."""
    conns = {}

    def opened():
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(sock)
        conns[s.fileno()] = s

    for _ in range(n):
        opened()
    reopened = 0
    print("ready", flush=True)
    while not os.path.exists(stop_file):
        ready, _, _ = select.select(list(conns.values()), [], [], 0.2)
        for s in ready if reopen else []:
            try:
                s.recv(4096)
            except OSError:
                pass
            del conns[s.fileno()]
            s.close()
            opened()
            reopened += 1
    print(reopened, flush=True)


def status_once(sock):
    t0 = time.perf_counter()
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(sock)  # blocking: waits while the listen backlog is full
        s.settimeout(30)
        s.sendall(b'{"command":"status"}\n')
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except OSError as e:
        if os.environ.get("DEBUG"):
            print(e, file=sys.stderr)
        return None
    finally:
        s.close()
    if b"\"ok\":true" not in data and os.environ.get("DEBUG"):
        print(data[:200], file=sys.stderr)
    return (time.perf_counter() - t0) * 1000 if b"\"ok\":true" in data else None


def phase(sock, ctl, ctl_calls=20):
    lat = [status_once(sock) for _ in range(CALLS)]
    ok = sorted(x for x in lat if x is not None)
    t0 = time.perf_counter()
    ctl_ok = sum(subprocess.run([ctl, "--socket", sock, "status"], capture_output=True).returncode
                 == 0 for _ in range(ctl_calls))
    ctl_ms = (time.perf_counter() - t0) * 1000 / max(ctl_calls, 1)
    return {"failed": CALLS - len(ok), "ctl_calls": ctl_calls, "median": statistics.median(ok) if ok else float("nan"),
            "p95": ok[int(len(ok) * 0.95) - 1] if ok else float("nan"),
            "max": ok[-1] if ok else float("nan"), "ctl_ok": ctl_ok, "ctl_ms": ctl_ms}


def show(name, r):
    print(f"{name:<28} median {r['median']:7.3f} ms  p95 {r['p95']:7.3f} ms  max {r['max']:8.3f} ms"
          f"  failed {r['failed']}/{CALLS}" + (f";  ztmmctl status: {r['ctl_ok']}/20 ok,"
                                                 f" {r['ctl_ms']:.1f} ms each" if r['ctl_calls'] else ""))


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "--keep-idle":
        keep_idle(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5] == "reopen")
        return 0
    build = os.path.realpath(sys.argv[1])
    src = os.path.realpath(sys.argv[2] if len(sys.argv) > 2 else
                           os.path.join(os.path.dirname(__file__), "..", ".."))
    ztmmd, ctl = os.path.join(build, "daemon", "ztmmd"), os.path.join(build, "daemon", "ztmmctl")
    with tempfile.TemporaryDirectory(prefix="zt-control-bench-") as tmp:
        conf = os.path.join(tmp, "ztmmd.conf")
        with open(conf, "w") as f:
            f.write(f"[daemon]\nstate_dir = {tmp}/state\nruntime_dir = {tmp}/run\ninterval = 1h\n"
                    f"scan_on_start = no\njitter = 0\nlog_level = error\n"
                    f"[collector:host]\nroot = {src}/tests/fixtures/host/hardened\n")
        d = subprocess.Popen([ztmmd, "--config", conf, "--rules",
                              os.path.join(src, "conf", "rules", "ztmm-v2.json")],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        sock = os.path.join(tmp, "run", "control")
        try:
            for _ in range(200):
                if os.path.exists(sock):
                    break
                time.sleep(0.05)
            subprocess.run([ctl, "--socket", sock, "scan", "--wait"], capture_output=True)
            base = phase(sock, ctl)
            res = {}
            for mode in ("held", "reopen"):
                stop = os.path.join(tmp, "stop-" + mode)
                k = subprocess.Popen([sys.executable, __file__, "--keep-idle", sock, str(IDLE),
                                      stop, mode], stdout=subprocess.PIPE, text=True)
                k.stdout.readline()
                t0 = time.monotonic()
                res[mode] = phase(sock, ctl, 0 if mode == "held" else 20)
                res[mode]["secs"] = time.monotonic() - t0
                open(stop, "w").close()
                res[mode]["reopened"] = int(k.stdout.readline() or 0)
                k.wait()
                time.sleep(2.5)  # let the idle timeout close what is left
        finally:
            d.terminate()
            d.wait()
    print(f"== control socket: status latency, {CALLS} calls per phase")
    show("no idle connections", base)
    show(f"beside {IDLE} idle, held", res["held"])
    show(f"beside {IDLE} idle, reopened", res["reopen"])
    print(f"held phase took {res['held']['secs'] * 1000:.0f} ms (under the 2 s idle timeout: "
          f"{'yes' if res['held']['secs'] < 2 else 'NO, figures mix in timeouts'})")
    print(f"reopened phase: the daemon closed {res['reopen']['reopened']} idle connections in "
          f"{res['reopen']['secs']:.1f} s ({res['reopen']['reopened'] / res['reopen']['secs']:.0f}/s)"
          " and served every status")
    for mode in ("held", "reopen"):
        r = res[mode]
        print(f"ratio {mode:<7} / none: median {r['median'] / base['median']:.2f}x, "
              f"p95 {r['p95'] / base['p95']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
