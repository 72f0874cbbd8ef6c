#!/usr/bin/env python3
"""azure_bench.py - benchmark `ztmmd --once` with the azure collector against a synthetic Azure
estate served over HTTPS (Python 3 standard library; the TLS server, token endpoint, token checks
and JSONL request log of tests/fixtures/server.py, synthetic ARM routes). Not a test: it asserts
nothing about speed, only that the evidence matches the synthetic estate.

Usage: tests/bench/azure_bench.py [BUILD_DIR] [--subscriptions 10] [--nsgs 2000]
       [--accounts 500] [--page 100] [--latency-ms 20] [--runs 3] [--keep DIR]
       azure_bench.py serve --certs DIR --log FILE [sizes...]   (the synthetic server alone)

The estate: --subscriptions listed by GET /subscriptions, --nsgs NSGs and --accounts storage
accounts spread evenly over them, --page items per ARM page (nextLink paging), Defender pricings
and diagnostic settings per subscription. Every NSG carries the six default rules and three custom
ones; every 40th opens SSH to the Internet, every 40th (offset 20) has that Allow shadowed by a
lower-numbered Deny. Every request (token included) waits --latency-ms before its answer.

Reports wall time, CPU time and peak RSS (peakrss.c, a C parent), requests, the critical path, and the same
at twice the NSGs and accounts (memory must stay flat: items are read one by one). Critical path =
(token + subscription listing pages + the longest per-subscription chain of pages) x latency: the
per-subscription calls are independent, the pages of one list depend on each other; but never
less than ceil(requests / 8) x latency, as HTTP/1.1 allows 8 requests in flight per host
(http_max_host_connections).
"""
import argparse
import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
FIXTURE = os.path.join(SRC, "tests", "fixtures", "server.py")
RULES = os.path.join(SRC, "conf", "rules", "ztmm-v2.json")
sys.path.insert(0, os.path.join(SRC, "tests", "fixtures"))
import server as fx  # noqa: E402
sys.path.insert(0, HERE)
import synth_server as synth  # noqa: E402  (its token-only scenario)

CLIENT_ID = "7a1e3b8a-1c2d-4e5f-8a9b-0c1d2e3f4a5c"
CLIENT_SECRET = "bench~azure.secret"
NSG_P = "/providers/Microsoft.Network/networkSecurityGroups"
ST_P = "/providers/Microsoft.Storage/storageAccounts"


def sub_id(i):
    return "%08x-0000-4000-8000-%012x" % (i + 1, i + 1)


def rule(name, prio, access, src, port, direction="Inbound", proto="Tcp", kind="securityRules"):
    return {"name": name, "id": f".../{kind}/{name}", "type":
            f"Microsoft.Network/networkSecurityGroups/{kind}", "properties": {
                "protocol": proto, "sourcePortRange": "*", "destinationPortRange": port,
                "sourceAddressPrefix": src, "destinationAddressPrefix": "*", "access": access,
                "priority": prio, "direction": direction, "provisioningState": "Succeeded",
                "sourcePortRanges": [], "destinationPortRanges": [], "sourceAddressPrefixes": [],
                "destinationAddressPrefixes": []}}


DEFAULTS = [rule(*r, kind="defaultSecurityRules") for r in (
    ("AllowVnetInBound", 65000, "Allow", "VirtualNetwork", "*", "Inbound", "*"),
    ("AllowAzureLoadBalancerInBound", 65001, "Allow", "AzureLoadBalancer", "*", "Inbound", "*"),
    ("DenyAllInBound", 65500, "Deny", "*", "*", "Inbound", "*"),
    ("AllowVnetOutBound", 65000, "Allow", "VirtualNetwork", "*", "Outbound", "*"),
    ("AllowInternetOutBound", 65001, "Allow", "*", "*", "Outbound", "*"),
    ("DenyAllOutBound", 65500, "Deny", "*", "*", "Outbound", "*"))]


def nsg(sub, i):
    rules = [rule("AllowHttps", 200, "Allow", "Internet", "443"),
             rule("AllowBastion", 300, "Allow", "10.0.1.0/26", "22")]
    if i % 40 == 0:
        rules.append(rule("AllowSshAll", 400, "Allow", "*", "22"))
    elif i % 40 == 20:
        rules += [rule("DenySsh", 150, "Deny", "Internet", "22", proto="*"),
                  rule("AllowSshAll", 400, "Allow", "*", "22")]
    else:
        rules.append(rule("AllowAppFromVnet", 400, "Allow", "VirtualNetwork", "8080"))
    return {"name": f"nsg-{i}", "id": f"/subscriptions/{sub}/resourceGroups/rg-{i % 7}/providers/"
            f"Microsoft.Network/networkSecurityGroups/nsg-{i}", "type":
            "Microsoft.Network/networkSecurityGroups", "location": "westeurope",
            "etag": "W/\"00000000-0000-0000-0000-000000000000\"", "properties": {
                "provisioningState": "Succeeded", "securityRules": rules,
                "defaultSecurityRules": DEFAULTS,
                "networkInterfaces": [{"id": f"/subscriptions/{sub}/resourceGroups/rg/providers/"
                                       f"Microsoft.Network/networkInterfaces/nic-{i}"}]}}


def account(sub, i):
    p = {"supportsHttpsTrafficOnly": True, "allowBlobPublicAccess": False,
         "minimumTlsVersion": "TLS1_2", "provisioningState": "Succeeded",
         "encryption": {"keySource": "Microsoft.Storage", "services": {"blob": {"enabled": True}}},
         "networkAcls": {"defaultAction": "Deny", "bypass": "AzureServices", "ipRules": []}}
    if i % 10 == 0:
        del p["minimumTlsVersion"]
    return {"id": f"/subscriptions/{sub}/resourceGroups/rg/providers/Microsoft.Storage/"
            f"storageAccounts/st{i}", "name": f"st{i}", "kind": "StorageV2",
            "location": "westeurope", "sku": {"name": "Standard_LRS"}, "properties": p}


class Estate:
    def __init__(self, a):
        self.subs = [sub_id(i) for i in range(a.subscriptions)]
        self.pages = {}  # (path, page index) -> body bytes, rendered before serving
        for si, s in enumerate(self.subs):
            for path, total, make in ((NSG_P, a.nsgs, nsg), (ST_P, a.accounts, account)):
                mine = [j for j in range(total) if j % a.subscriptions == si]
                chunks = [mine[k:k + a.page] for k in range(0, len(mine), a.page)] or [[]]
                full = f"/subscriptions/{s}{path}"
                for k, chunk in enumerate(chunks):
                    body = {"value": [make(s, j) for j in chunk]}
                    if k + 1 < len(chunks):
                        body["nextLink"] = "{{base}}%s?api-version=x&$skiptoken=%d" % (full, k + 1)
                    self.pages[(full, k)] = json.dumps(body)
        plans = ["VirtualMachines", "StorageAccounts", "CloudPosture", "KeyVaults", "Arm"]
        self.pricings = {"value": [{"name": n, "properties": {"pricingTier": "Standard"}}
                                   for n in plans]}
        self.diag = {"value": [{"name": "to-siem", "properties": {
            "workspaceId": "/subscriptions/x/resourceGroups/soc/providers/"
            "Microsoft.OperationalInsights/workspaces/siem",
            "logs": [{"category": "Administrative", "enabled": True}]}}]}


class Handler(fx.Handler):
    def dispatch(self):
        self.t0 = time.time()
        self.server.touch()
        url = urllib.parse.urlsplit(self.path)
        self.entry = {"t": self.t0, "method": self.command, "path": url.path, "query": url.query,
                      "token": None}
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        time.sleep(self.server.latency)
        if self.command == "POST" and fx.TOKEN_PATH.match(url.path):
            return self.token_endpoint(body)
        tid, problem = self.server.scenario.check_token(self.headers.get("Authorization"))
        self.entry["token"] = tid
        if problem:
            return self.reply({"status": 401, "json": {"error": {"code": "InvalidToken"}}})
        self.reply(self.route(url.path, urllib.parse.parse_qs(url.query)))

    def route(self, path, q):
        e = self.server.estate
        if path == "/subscriptions":
            return {"json": {"value": [{"subscriptionId": s, "id": f"/subscriptions/{s}",
                                        "state": "Enabled", "displayName": s} for s in e.subs]}}
        k = int((q.get("$skiptoken") or ["0"])[0])
        if (path, k) in e.pages:
            return {"body": e.pages[(path, k)]}
        if path.endswith("/providers/Microsoft.Security/pricings"):
            return {"json": e.pricings}
        if path.endswith("/providers/Microsoft.Insights/diagnosticSettings"):
            return {"json": e.diag}
        return {"status": 404, "json": {"error": {"code": "ResourceNotFound"}}}


class Scenario(synth.SynthScenario):
    """The token endpoint of tests/bench/synth_server.py with this estate's app."""

    def __init__(self, certs):
        super().__init__(certs)
        self.oauth = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}


class Server(fx.Server):
    request_queue_size = 64

    def __init__(self, a):
        super().__init__(Scenario(a.certs), a.certs, a.log, a.idle_timeout)
        self.RequestHandlerClass = Handler
        self.latency = a.latency_ms / 1000.0
        self.estate = Estate(a)


def serve(a):
    server = Server(a)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    threading.Thread(target=fx.watchdog, args=(server, os.getppid()), daemon=True).start()
    print(server.port, flush=True)
    server.serve_forever(poll_interval=0.1)


def size_args(p):
    p.add_argument("--subscriptions", type=int, default=10)
    p.add_argument("--nsgs", type=int, default=2000)
    p.add_argument("--accounts", type=int, default=500)
    p.add_argument("--page", type=int, default=100)
    p.add_argument("--latency-ms", type=float, default=20)


def scan(a, tmp, peakrss, certs, secret, nsgs, accounts):
    log = os.path.join(tmp, f"log-{nsgs}-{time.monotonic_ns()}.jsonl")
    args = [sys.executable, __file__, "serve", "--certs", certs, "--log", log,
            "--subscriptions", str(a.subscriptions), "--nsgs", str(nsgs), "--accounts",
            str(accounts), "--page", str(a.page), "--latency-ms", str(a.latency_ms)]
    srv = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    try:
        base = f"https://127.0.0.1:{int(srv.stdout.readline())}"
        conf = os.path.join(tmp, "ztmmd.conf")
        with open(conf, "w") as f:
            f.write(f"[collector:azure]\ntenant_id = bench\nclient_id = {CLIENT_ID}\n"
                    f"client_secret_file = {secret}\nlogin_url = {base}\narm_url = {base}\n"
                    f"ca_file = {certs}/ca.pem\n")
        out = os.path.join(tmp, "result.json")
        cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        with open(out, "w") as f:
            r = subprocess.run([peakrss, os.path.join(a.build, "daemon", "ztmmd"), "--once",
                                "--config", conf, "--rules", RULES], stdout=f,
                               stderr=subprocess.PIPE, text=True, timeout=600)
        cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)  # ztmmd, waited for by peakrss
        cpu_ms = (cpu1.ru_utime + cpu1.ru_stime - cpu0.ru_utime - cpu0.ru_stime) * 1000
        wall_ms, rss_kib, rc = open_last(out)
    finally:
        srv.terminate()
        srv.wait()
    with open(out) as f:
        doc = json.load(f)
    ev = {e["key"]: e["value"] for e in doc["evidence"]}
    expect_open = len([i for i in range(nsgs) if i % 40 == 0])
    assert ev["azure.nsg.count"] == nsgs, ev.get("azure.nsg.count")
    assert ev["azure.nsg.internet_admin_open_count"] == expect_open
    assert ev["azure.storage.tls_below_1_2_count"] == len(range(0, accounts, 10))
    with open(log) as f:
        entries = [json.loads(line) for line in f]
    span = max(e["end"] for e in entries) - min(e["t"] for e in entries)
    def pages(total):
        return max(1, -(-(-(-total // a.subscriptions)) // a.page))  # ceil(ceil(n/subs)/page)
    chain = max(pages(nsgs), pages(accounts))
    critical = (1 + 1 + chain) * a.latency_ms
    # HTTP/1.1 and [daemon] http_max_host_connections (8): at most 8 requests in flight per host.
    conn_bound = -(-len(entries) // 8) * a.latency_ms
    return (float(wall_ms), int(rss_kib), int(rc), len(entries), span * 1000,
            max(critical, conn_bound), cpu_ms)


def open_last(out):
    """peakrss prints "wall_ms rss_kib status" on stdout after ztmmd's result: split it off."""
    with open(out) as f:
        text = f.read()
    head, _, last = text.rstrip("\n").rpartition("\n")
    with open(out, "w") as f:
        f.write(head + "\n")
    return last.split()


def bench(a):
    tmp = a.keep or tempfile.mkdtemp(prefix="azure-bench-")
    os.makedirs(tmp, exist_ok=True)
    peakrss = os.path.join(tmp, "peakrss")
    subprocess.run(["cc", "-O2", "-o", peakrss, os.path.join(HERE, "peakrss.c")], check=True)
    certs = os.path.join(tmp, "certs")
    if not os.path.exists(os.path.join(certs, "ca.pem")):
        subprocess.run([sys.executable, FIXTURE, "gencerts", certs], check=True)
    secret = os.path.join(tmp, "secret")
    with open(secret, "w") as f:
        f.write(CLIENT_SECRET + "\n")
    os.chmod(secret, 0o600)
    print(f"estate: {a.subscriptions} subscriptions, page {a.page}, latency {a.latency_ms} ms")
    for mult in (1, 2, 4):
        nsgs, accounts = a.nsgs * mult, a.accounts * mult
        runs = [scan(a, tmp, peakrss, certs, secret, nsgs, accounts) for _ in range(a.runs)]
        wall = statistics.median(r[0] for r in runs)
        rss = max(r[1] for r in runs)
        span = statistics.median(r[4] for r in runs)
        cpu = statistics.median(r[6] for r in runs)
        _, _, rc, reqs, _, crit, _ = runs[0]
        print(f"{nsgs:6d} NSGs {accounts:5d} accounts: requests {reqs}, wall {wall:.0f} ms "
              f"(ARM span {span:.0f} ms), critical path {crit:.0f} ms, span/critical "
              f"{span / crit:.2f}, ztmmd CPU {cpu:.0f} ms, peak RSS {rss / 1024:.1f} MiB, "
              f"exit {rc}")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("build", nargs="?", default=os.path.join(SRC, "build"))
    size_args(p)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--keep")
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        s = argparse.ArgumentParser()
        s.add_argument("cmd")
        s.add_argument("--certs", required=True)
        s.add_argument("--log", required=True)
        s.add_argument("--idle-timeout", type=float, default=120)
        size_args(s)
        return serve(s.parse_args())
    return bench(p.parse_args())


if __name__ == "__main__":
    sys.exit(main())
