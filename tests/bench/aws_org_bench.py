#!/usr/bin/env python3
"""aws_org_bench.py - benchmark `ztmmd --once` with `accounts = organization` against a synthetic
organization served by tests/fixtures/server.py (Signature V4 checked on every request, every
answer delayed by --latency-ms): Organizations ListAccounts in pages of 20 (AWS's maximum page),
STS AssumeRole in each account, then each account's scan (aws_bench.py's synthetic account,
with --groups security groups over --regions regions). Not a test: it asserts nothing.

Usage: tests/bench/aws_org_bench.py [BUILD_DIR] [--accounts 100,500] [--regions 3]
       [--latency-ms 20] [--groups 60] [--concurrency 8] [--runs 1] [--keep DIR]

For each organization size it runs the scan at --concurrency and, as the baseline in the same
run, one account alone (no `accounts`) and the smallest organization at concurrency 1. Reported:
requests, wall time, peak RSS of ztmmd (peakrss.c), and two lower bounds:
  critical path = (ListAccounts pages + waves x (1 + L)) x latency, where a wave is
      account_concurrency accounts scanned together, 1 is the account's AssumeRole and L the
      longest chain of dependent requests inside one account (measured on the one-account run,
      as aws_bench.py does); the waves follow each other, so they add up;
  throughput floor = requests x latency / 8: the HTTP engine opens at most 8 connections to
      one host (and keeps at most http_max_concurrency, 16 by default, transfers in flight),
      and behind endpoint_url every service is that one host; against AWS, services and
      regions are hosts of their own and the 16 bound instead. At 0 ms the fixture server
      answers about 1,500 requests/s here, so at 20 ms it is not what limits.
A scan cannot beat the larger of the two; wall / bound above 1 is the Python server's TLS and
signature checks, ztmmd's start, and waves waiting for their slowest account.
"""
import argparse
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import aws_bench as ab  # noqa: E402  (the synthetic account, the server, peakrss)

PAGE = 20  # ListAccounts MaxResults: 1 to 20


def org_scenario(directory, a, accounts):
    """aws_bench's account, answered to every account, after ListAccounts and AssumeRole."""
    chains = ab.scenario(directory, a.groups, ab.REGIONS[:a.regions], 100, a.latency_ms)
    path = os.path.join(directory, "scenario.json")
    with open(path) as f:
        spec = json.load(f)
    d = a.latency_ms
    ids = [f"{100000000000 + i:012d}" for i in range(accounts)]
    pages = [ids[k:k + PAGE] for k in range(0, len(ids), PAGE)]
    extra = []
    for k, page in enumerate(pages):
        doc = {"Accounts": [{"Id": i, "Arn": f"arn:aws:organizations::100000000000:account/"
                             f"o-bench/{i}", "Name": i, "Email": f"{i}@example.com",
                             "State": "ACTIVE"} for i in page]}
        if k + 1 < len(pages):
            doc["NextToken"] = f"acct-p{k + 1}"
        rx = f'"NextToken":"acct-p{k}"' if k else "^\\{\\}$"
        extra.append(("org/list", {"method": "POST", "path": "/", "body_re": rx,
                                   "header_re": {"X-Amz-Target": "ListAccounts$"},
                                   "responses": [{"delay_ms": d, "json": doc}]}))
    creds = ("<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>"
             f"{ab.SIG['access_key_id']}</AccessKeyId><SecretAccessKey>"
             f"{ab.SIG['secret_access_key']}</SecretAccessKey><SessionToken>bench-session"
             "</SessionToken><Expiration>{{iso+3600}}</Expiration></Credentials>"
             "</AssumeRoleResult></AssumeRoleResponse>")
    # Network Firewall, which aws_bench.py's account leaves out: none
    extra.append(("svc", {"method": "POST", "path": "/",
                          "header_re": {"X-Amz-Target": "ListFirewalls$"},
                          "responses": [{"delay_ms": d, "json": {"Firewalls": []}}]}))
    extra.append(("sts/assume", {"method": "POST", "path": "/", "body_re": "^Action=AssumeRole&",
                                 "responses": [{"delay_ms": d, "content_type": "text/xml",
                                                "body": creds}]}))
    # the new routes first; the account's route indexes shift by their number
    chains = {i + len(extra): c for i, c in chains.items()}
    chains.update({i: c for i, (c, _) in enumerate(extra)})
    spec["routes"] = [r for _, r in extra] + spec["routes"]
    with open(path, "w") as f:
        json.dump(spec, f)
    return chains, len(pages)


class Org:
    def __init__(self, a, tmp, accounts):
        self.dir = os.path.join(tmp, f"org-{accounts}")
        os.makedirs(self.dir, exist_ok=True)
        self.chains, self.pages = org_scenario(self.dir, a, accounts)
        self.log = os.path.join(tmp, f"log-{accounts}.jsonl")
        open(self.log, "w").close()
        certs = os.path.join(tmp, "certs")
        self.srv = subprocess.Popen([sys.executable, ab.SERVER, "serve", "--scenario", self.dir,
                                     "--certs", certs, "--log", self.log, "--idle-timeout", "600"],
                                    stdout=subprocess.PIPE, text=True)
        self.port = int(self.srv.stdout.readline())
        self.tmp, self.accounts = tmp, accounts

    def close(self):
        self.srv.terminate()
        self.srv.wait()
        self.srv.stdout.close()

    def run(self, a, peakrss, ztmmd, k):
        conf = os.path.join(self.tmp, f"org-{self.accounts}-{k}.conf")
        with open(conf, "w") as f:
            f.write(f"[collector:org]\ntype = aws\naccess_key_id = {ab.SIG['access_key_id']}\n"
                    f"secret_access_key_file = {self.tmp}/secret\n"
                    f"regions = {', '.join(ab.REGIONS[:a.regions])}\n"
                    f"endpoint_url = https://127.0.0.1:{self.port}\n"
                    f"ca_file = {self.tmp}/certs/ca.pem\npage_size = 100\n"
                    + (f"accounts = organization\nrole_name = ZtAudit\n"
                       f"account_concurrency = {k}\n" if k else "")
                    + "timeout = 30min\n")
        open(self.log, "w").close()
        ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        p = subprocess.run([peakrss, ztmmd, "--once", "--config", conf, "--rules", ab.RULES,
                            "--format", "json"], capture_output=True, text=True)
        ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        out = p.stdout.rstrip("\n").rsplit("\n", 1)
        wall_ms, rss_kib, code = out[-1].split()
        doc = json.loads(out[0])
        with open(self.log) as f:
            entries = [json.loads(line) for line in f]
        count = {}
        for e in entries:
            c = self.chains.get(e.get("route"), "?")
            count[c] = count.get(c, 0) + 1
        scanned = sum(1 for e in doc["evidence"]
                      if e["key"] == "aws.account.role_assumed" and e["value"])
        return {"wall": float(wall_ms) / 1000, "rss": int(rss_kib) / 1024, "exit": int(code),
                "requests": len(entries), "count": count, "scanned": scanned,
                "status": doc["collectors"][0]["status"], "error": doc["collectors"][0]["error"],
                "evidence": len(doc["evidence"]),
                "cpu": (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)}


def longest_chain(count):
    """The longest chain inside one account, from a one-account run's per-chain counts."""
    inner = {c: n for c, n in count.items()
             if c not in ("s3/bucket", "svc", "org/list", "sts/assume", "?")}
    c = max(inner, key=inner.get)
    return c, inner[c]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("build", nargs="?", default=os.path.join(ab.SRC, "build"))
    ap.add_argument("--accounts", default="100,500")
    ap.add_argument("--regions", type=int, default=3)
    ap.add_argument("--latency-ms", type=int, default=20)
    ap.add_argument("--groups", type=int, default=60)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--keep")
    a = ap.parse_args()
    tmp = a.keep or tempfile.mkdtemp(prefix="aws-org-bench-")
    os.makedirs(tmp, exist_ok=True)
    subprocess.run([sys.executable, ab.SERVER, "gencerts", os.path.join(tmp, "certs")],
                   check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(tmp, "secret"), "w") as f:
        f.write(ab.SIG["secret_access_key"] + "\n")
    os.chmod(os.path.join(tmp, "secret"), 0o600)
    peakrss = os.path.join(tmp, "peakrss")
    subprocess.run(["cc", "-O2", "-o", peakrss, os.path.join(HERE, "peakrss.c")], check=True)
    ztmmd = os.path.join(a.build, "daemon", "ztmmd")
    lat = a.latency_ms / 1000
    sizes = [int(x) for x in a.accounts.split(",")]
    print(f"{a.regions} regions, {a.groups} security groups per account, {a.latency_ms} ms per "
          f"answer, median of {a.runs} run(s) after a warm-up")
    print(f"{'accounts':>8} {'conc':>4} {'reqs':>6} {'wall s':>7} {'crit s':>7} {'floor s':>7} "
          f"{'wall/max':>8} {'CPU s':>6} {'peak RSS MiB':>12} {'evidence':>8}  status, scanned")
    L = None
    for n in sizes:
        org = Org(a, tmp, n)
        try:
            plan = [(0, "one account alone")] if L is None else []
            plan += [(1, "baseline")] if n == sizes[0] else []
            plan += [(a.concurrency, "")]
            for k, note in plan:
                org.run(a, peakrss, ztmmd, k)  # warm-up (Python's first pass is slower)
                rs = [org.run(a, peakrss, ztmmd, k) for _ in range(a.runs)]
                r = rs[0]
                med = lambda key: statistics.median(x[key] for x in rs)
                if k == 0:
                    name, L = longest_chain(r["count"])
                    crit = (L + 0) * lat
                    accts = 1
                else:
                    accts = n
                    crit = (org.pages + math.ceil(n / k) * (1 + L)) * lat
                floor = r["requests"] * lat / 8
                print(f"{accts:>8} {k or '-':>4} {r['requests']:>6} {med('wall'):>7.2f} "
                      f"{crit:>7.2f} {floor:>7.2f} {med('wall') / max(crit, floor, 1e-9):>8.2f} {med('cpu'):>6.2f} "
                      f"{med('rss'):>12.1f} {r['evidence']:>8}  {r['status']}, "
                      f"{r['scanned'] if k else 1} {note}"
                      + (f" (L = {L}: {name})" if k == 0 else "")
                      + (f" error: {r['error'][:120]}" if r["error"] else ""))
        finally:
            org.close()


if __name__ == "__main__":
    main()
