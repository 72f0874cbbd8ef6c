#!/usr/bin/env python3
"""crowdstrike_bench.py - benchmark `ztmmd --once` with the crowdstrike collector against the
fixture server's synthetic Falcon API (tests/fixtures/server.py + falcon_api.py) with 20 ms added
to every answer (the token endpoint included). Not a test: it asserts nothing about speed.

Usage: tests/bench/crowdstrike_bench.py [BUILD_DIR] [--hosts 50000] [--page-size 2500]
       [--latency-ms 20] [--runs 3]

The estate: --hosts hosts (realistic device documents of about 2.2 KiB: 85% healthy Windows, Mac
and Linux hosts, a share stale, in reduced functionality mode or with prevention assigned but
not applied), each with a ZTA score; then twice as many, and a 1,000-host baseline in the same
run (what ztmmd costs with a small estate), to show how time and memory grow with the estate.

Reported per size, from the server's own request log: requests, wall time and peak RSS of
ztmmd (peakrss.c; median wall and largest RSS of --runs), ztmmd's CPU time (user + system,
median), and the critical path. The collector's longest chain is the device scroll (page k+1
needs page k's offset; each page's ids then go to one details POST, so the last details answer
ends the chain); the ZTA counts and audit are three independent requests beside it. Critical
path = token + that chain, each request costing what the server's log says it took ("served":
latency plus the Python server rendering 5.5 MiB of details per POST; the log's end is
when the headers went out, so the body's transfer is not in it), and "latency only" = the same
chain at --latency-ms a request. With at most four details answers in flight (the memory bound),
the scroll also waits for details: "details floor" = token + first scroll page + the details'
served time / 4, the least time four slots need to get every details answer through.
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
FIXTURE = os.path.join(SRC, "tests", "fixtures", "server.py")
RULES = os.path.join(SRC, "conf", "rules", "ztmm-v2.json")
CLIENT_ID = "b3nch0000000000000000000000000c1"
SECRET = "falcon-bench-secret~0123456789"
SCROLL = "/devices/queries/devices-scroll/v1"
DETAILS = "/devices/entities/devices/v2"
ZTA = "/zero-trust-assessment/queries/assessments/v1"
AUDIT = "/zero-trust-assessment/entities/audit/v1"


def profiles(n):
    """The estate's mix, in whole hosts summing to n."""
    mix = [(0.55, {"platform": "Windows", "rfm": "no", "seen_ago": 600, "prevention": "applied",
                   "zta": 86}),
           (0.20, {"platform": "Mac", "rfm": "no", "seen_ago": 3600, "prevention": "applied",
                   "zta": 74}),
           (0.10, {"platform": "Linux", "rfm": "no", "seen_ago": 900, "prevention": "applied",
                   "zta": 78}),
           (0.05, {"platform": "Linux", "rfm": "yes", "seen_ago": 900, "prevention": "applied",
                   "zta": 52}),
           (0.05, {"platform": "Windows", "rfm": "no", "seen_ago": 600,
                   "prevention": "not_applied", "zta": 48}),
           (0.05, {"platform": "Windows", "rfm": "no", "seen_ago": 20 * 86400,
                   "prevention": "applied", "zta": 61})]
    out, left = [], n
    for i, (share, p) in enumerate(mix):
        count = left if i == len(mix) - 1 else int(n * share)
        left -= count
        out.append(dict(p, count=count))
    return out


def served(entries):
    return sum(e["end"] - e["t"] for e in entries)


def run(a, tmp, certs, secret, peakrss, hosts):
    d = os.path.join(tmp, f"estate{hosts}")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "scenario.json"), "w") as f:
        json.dump({"description": "synthetic Falcon estate (crowdstrike_bench.py)",
                   "oauth": {"client_id": CLIENT_ID, "client_secret": SECRET,
                             "delay_ms": a.latency_ms},
                   "falcon": {"region": "us-1", "latency_ms": a.latency_ms,
                              "hosts": profiles(hosts)}}, f)
    walls, rsss, logs, cpus = [], [], [], []
    for k in range(a.runs):
        log = os.path.join(tmp, f"log{hosts}-{k}.jsonl")
        srv = subprocess.Popen([sys.executable, FIXTURE, "serve", "--scenario", d, "--certs",
                                certs, "--log", log, "--idle-timeout", "120"],
                               stdout=subprocess.PIPE, text=True)
        port = int(srv.stdout.readline())
        conf = os.path.join(tmp, "falcon.conf")
        with open(conf, "w") as f:
            f.write(f"[collector:bench]\ntype = crowdstrike\nbase_url = https://127.0.0.1:{port}\n"
                    f"client_id = {CLIENT_ID}\nclient_secret_file = {secret}\n"
                    f"ca_file = {certs}/ca.pem\npage_size = {a.page_size}\n")
        cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        p = subprocess.run([peakrss, os.path.join(a.build, "daemon", "ztmmd"), "--once",
                            "--config", conf, "--rules", RULES], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=900)
        cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)  # ztmmd, waited for by peakrss
        cpus.append(cpu1.ru_utime + cpu1.ru_stime - cpu0.ru_utime - cpu0.ru_stime)
        srv.terminate()
        srv.wait()
        srv.stdout.close()
        lines = p.stdout.strip().splitlines()
        wall_ms, rss, code = lines[-1].split()
        doc = json.loads("\n".join(lines[:-1]))
        ev = {e["key"]: e["value"] for e in doc["evidence"]}
        if code != "0" or ev.get("crowdstrike.hosts.count") != hosts or \
                ev.get("crowdstrike.zta.assessed_count") != hosts:
            sys.exit(f"ztmmd failed (exit {code}): {p.stderr[-2000:]}")
        walls.append(float(wall_ms) / 1000)
        rsss.append(int(rss))
        with open(log) as f:
            logs.append([json.loads(line) for line in f])
    entries = logs[0]
    by = {path: [e for e in entries if e["path"] == path]
          for path in (SCROLL, DETAILS, ZTA, AUDIT)}
    token = served([e for e in entries if e["path"] == "/oauth2/token"])
    hosts_chain = served(by[SCROLL]) + (by[DETAILS][-1]["end"] - by[DETAILS][-1]["t"])
    zta_one = max(e["end"] - e["t"] for e in by[ZTA] + by[AUDIT])
    crit = token + max(hosts_chain, zta_one)
    floor = token + (by[SCROLL][0]["end"] - by[SCROLL][0]["t"]) + served(by[DETAILS]) / 4
    lat = (1 + len(by[SCROLL]) + 1) * a.latency_ms / 1000
    wall = statistics.median(walls)
    print(f"{hosts:6d} hosts: {len(entries):4d} requests ({len(by[SCROLL])} scroll, "
          f"{len(by[DETAILS])} details, {len(by[ZTA]) + len(by[AUDIT])} ZTA), wall {wall * 1000:6.0f} ms "
          f"(median of {a.runs}), critical path {crit * 1000:6.0f} ms served / "
          f"{lat * 1000:4.0f} ms latency only (wall/critical {wall / crit:4.2f}), details floor "
          f"{floor * 1000:6.0f} ms (wall/floor {wall / floor:4.2f}), peak RSS "
          f"{max(rsss) / 1024:5.1f} MiB, ztmmd CPU {statistics.median(cpus) * 1000:5.0f} ms")
    return wall, max(rsss)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build", nargs="?", default=os.path.join(SRC, "build"))
    ap.add_argument("--hosts", type=int, default=50000)
    ap.add_argument("--page-size", type=int, default=2500)
    ap.add_argument("--latency-ms", type=int, default=20)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="crowdstrike-bench-") as tmp:
        certs = os.path.join(tmp, "certs")
        subprocess.run([sys.executable, FIXTURE, "gencerts", certs], check=True)
        secret = os.path.join(tmp, "secret")
        with open(secret, "w") as f:
            f.write(SECRET + "\n")
        os.chmod(secret, 0o600)
        peakrss = os.path.join(tmp, "peakrss")
        subprocess.run(["cc", "-O2", "-o", peakrss, os.path.join(HERE, "peakrss.c")], check=True)
        w0, r0 = run(a, tmp, certs, secret, peakrss, 1000)
        w1, r1 = run(a, tmp, certs, secret, peakrss, a.hosts)
        w2, r2 = run(a, tmp, certs, secret, peakrss, 2 * a.hosts)
        print(f"baseline 1000 hosts: peak RSS {r0 / 1024:.1f} MiB; {a.hosts} hosts: "
              f"+{(r1 - r0) / 1024:.1f} MiB over it")
        print(f"doubled: wall x{w2 / w1:.2f}, peak RSS x{r2 / r1:.2f} "
              f"(+{(r2 - r1) / 1024:.1f} MiB)")


if __name__ == "__main__":
    main()
