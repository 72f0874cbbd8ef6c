#!/usr/bin/env python3
"""github_bench.py - benchmark `ztmmd --once` with the github collector (as a GitHub App) against
the fixture server's synthetic GitHub API (tests/fixtures/github_api.py) with 20 ms added to every
response. Not a test: it asserts nothing about speed.

Usage: tests/bench/github_bench.py [BUILD_DIR] [--repos N] [--runs N] [--latency MS] [--budget N]

One organization of N repositories (default 5000; a mix of organization rulesets, classic
protection, bypassable rulesets and none), listed 100 per page (Link: rel="next"). GitHub asks
for the requests of one organization to be made one at a time, and the collector also keeps each
REST endpoint under 900 requests a minute (one every 67 ms). So two floors bound the wall time:
the serial floor (requests x the observed median request time, the server's log) and the
per-endpoint pacing floor ((most requests to one endpoint - 1) x 67 ms). The larger is the floor;
the ratio wall/floor says what the collector adds. Reported from the server's request log:
requests (by endpoint), wall time and peak RSS (peakrss.c, a C parent; median of --runs), for N
and for N/5 (how time and memory grow).

The hourly budget (--budget, x-ratelimit-limit, default 1,000,000) is large so that the secondary
limit pacing is what is measured. With a real installation budget (15,000 an hour on GitHub
Enterprise Cloud, at most 12,500 elsewhere) about four requests per repository exhaust it near
3,500 repositories: from a tenth of the budget left, the collector spreads the remaining requests
until the reset (about one every 2.7 s), as `--budget 15000` shows.
"""
import argparse
import collections
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
FIXTURE = os.path.join(SRC, "tests", "fixtures", "server.py")
RULES = os.path.join(SRC, "conf", "rules", "ztmm-v2.json")
ENDPOINT_PACE_MS = 67


def scenario(n, latency, budget):
    strong = {"reviews": 2, "stale": True, "code_owners": True, "status_checks": True,
              "signed": True, "code_scanning": "analysis", "dependabot_alerts": True}
    q = n // 4
    repos = [dict(strong, count=q, protection="org_ruleset"),
             dict(strong, count=q, protection="classic"),
             dict(strong, count=q, protection="bypassable"),
             dict(strong, count=n - 3 * q, protection="none", code_scanning="none")]
    org = {"two_factor": True, "default_permission": "read", "plan": "enterprise", "saml": True,
           "allowed_actions": "selected", "workflow_permissions": "read", "can_approve": False,
           "fork_approval": "all_external_contributors", "security_config": "enforced",
           "repos": repos,
           "alerts": {"code_scanning": [{"severity": "high", "age_days": d % 90}
                                        for d in range(300)],
                      "secret_scanning": [], "dependabot": [{"severity": "critical",
                                                              "age_days": 40}] * 150}}
    return {"description": f"synthetic GitHub org of {n} repositories (github_bench.py)",
            "github": {"app": {"app_id": "123456"}, "latency_ms": latency,
                       "rate": {"limit": budget, "remaining": budget - 1, "reset_in": 3600},
                       "orgs": {"bench": org}}}


def family(path):
    p = re.sub(r"/repos/[^/]+/[^/]+/", "/repos/O/R/", path)
    p = re.sub(r"/rulesets/\d+", "/rulesets/ID", p)
    return p


def run(a, tmp, certs, peakrss, n):
    d = os.path.join(tmp, f"org{n}")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "scenario.json"), "w") as f:
        json.dump(scenario(n, a.latency, a.budget), f)
    walls, rsss, logs = [], [], []
    for k in range(a.runs):
        log = os.path.join(tmp, f"log{n}-{k}.jsonl")
        srv = subprocess.Popen([sys.executable, FIXTURE, "serve", "--scenario", d, "--certs",
                                certs, "--log", log, "--idle-timeout", "120"],
                               stdout=subprocess.PIPE, text=True)
        port = int(srv.stdout.readline())
        conf = os.path.join(tmp, "github.conf")
        with open(conf, "w") as f:
            f.write(f"[collector:bench]\ntype = github\norganizations = bench\n"
                    f"api_url = https://127.0.0.1:{port}\napp_id = 123456\n"
                    f"private_key_file = {certs}/client.key\nca_file = {certs}/ca.pem\n")
        p = subprocess.run([peakrss, os.path.join(a.build, "daemon", "ztmmd"), "--once",
                            "--config", conf, "--rules", RULES, "--format", "json"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        srv.terminate()
        srv.wait()
        srv.stdout.close()
        wall_ms, rss, code = p.stdout.strip().splitlines()[-1].split()
        if code != "0":
            sys.exit(f"ztmmd failed (exit {code})")
        doc = json.loads(p.stdout[:p.stdout.rindex("}") + 1])
        status = doc["collectors"][0]["status"]
        if status != "ok":
            sys.exit(f"collector {status}: {doc['collectors'][0]['error']}")
        walls.append(float(wall_ms) / 1000)
        rsss.append(int(rss))
        with open(log) as f:
            logs.append([json.loads(line) for line in f])
    entries = logs[0]
    req = statistics.median(e["end"] - e["t"] for e in entries)
    by = collections.Counter(family(e["path"]) for e in entries)
    serial = len(entries) * req
    paced = (max(by.values()) - 1) * ENDPOINT_PACE_MS / 1000
    floor = max(serial, paced)
    wall = statistics.median(walls)
    print(f"{n:5d} repositories: {len(entries):6d} requests, wall {wall:7.1f} s (median of "
          f"{a.runs}), request {req * 1000:5.1f} ms; serial floor {serial:6.1f} s, endpoint "
          f"pacing floor {paced:6.1f} s; wall/floor {wall / floor:4.2f}; peak RSS "
          f"{max(rsss) / 1024:5.1f} MiB")
    for fam, c in by.most_common(8):
        print(f"    {c:6d}  {fam}")
    return wall, max(rsss)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build", nargs="?", default=os.path.join(SRC, "build"))
    ap.add_argument("--repos", type=int, default=5000)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--latency", type=int, default=20)
    ap.add_argument("--budget", type=int, default=1000000,
                    help="x-ratelimit-limit of the installation (GitHub Enterprise Cloud: 15000)")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="github-bench-") as tmp:
        certs = os.path.join(tmp, "certs")
        subprocess.run([sys.executable, FIXTURE, "gencerts", certs], check=True)
        peakrss = os.path.join(tmp, "peakrss")
        subprocess.run(["cc", "-O2", "-o", peakrss, os.path.join(HERE, "peakrss.c")], check=True)
        w1, r1 = run(a, tmp, certs, peakrss, max(a.repos // 5, 1))
        w2, r2 = run(a, tmp, certs, peakrss, a.repos)
        print(f"x5 repositories: wall x{w2 / w1:.2f}, peak RSS x{r2 / r1:.2f} "
              f"(+{(r2 - r1) / 1024:.1f} MiB)")


if __name__ == "__main__":
    main()
