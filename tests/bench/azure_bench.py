#!/usr/bin/env python3
"""azure_bench.py - benchmark `ztmmd --once` with the azure collector against a synthetic Azure
estate served over HTTPS (Python 3 standard library; the TLS server, token endpoint, token checks
and JSONL request log of tests/fixtures/server.py, synthetic ARM routes). Not a test: it asserts
nothing about speed, only that the evidence matches the synthetic estate.

Usage: tests/bench/azure_bench.py [BUILD_DIR] [--subscriptions 10] [--nsgs 2000]
       [--accounts 500] [--graph-rows 10000] [--quota 15] [--page 100] [--latency-ms 20]
       [--runs 3] [--keep DIR]
       azure_bench.py serve --certs DIR --log FILE [sizes...]   (the synthetic server alone)

The estate: --subscriptions listed by GET /subscriptions, --nsgs NSGs and --accounts storage
accounts spread evenly over them, --page items per ARM page (nextLink paging), Defender pricings,
diagnostic settings and (empty) policy remediation and role schedule instance lists per
subscription. Every NSG carries the
six default rules and three custom ones; every 40th opens SSH to the Internet, every 40th (offset
20) has that Allow shadowed by a lower-numbered Deny. Every request (token included) waits --latency-ms before its answer.
Resource Graph (POST /providers/Microsoft.ResourceGraph/resources) answers the seven queries: the
network one with --graph-rows public IPs (every other one zone-redundant) in pages of 1000 rows
chained by $skipToken, the other six with a few rows each (the subscriptions one with every
subscription, or no Resource Graph key would be emitted). It keeps the documented per-user
quota, --quota queries per 5 s window (0: none), announces it in x-ms-user-quota-remaining /
x-ms-user-quota-resets-after, and answers 429 past it: the collector must pace ahead, not hit it.

Reports wall time, CPU time and peak RSS (peakrss.c, a C parent), requests, the critical path, and the same
at twice the NSGs and accounts (memory must stay flat: items are read one by one). Critical path =
(token + subscription listing pages + the longest chain of pages, per-subscription lists or the
Resource Graph network query) x latency: the calls are independent, the pages of one list depend
on each other; but never less than ceil(requests / 8) x latency, as HTTP/1.1 allows 8 requests in
flight per host (http_max_host_connections), nor than the quota allows (--quota queries per 5 s:
the window is left whole before each further --quota Resource Graph queries).
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
ARG_P = "/providers/Microsoft.ResourceGraph/resources"
ARG_TOP = 1000
ARG_WINDOW = 5.0
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


def public_ip(sub, i):
    return {"id": f"/subscriptions/{sub}/resourceGroups/rg-{i % 7}/providers/Microsoft.Network/"
            f"publicIPAddresses/pip-{i}", "type": "microsoft.network/publicipaddresses",
            "subscriptionId": sub, "sku": {"name": "Standard", "tier": "Regional"},
            "zones": ["1", "2", "3"] if i % 2 == 0 else None,
            "properties": {"provisioningState": "Succeeded", "publicIPAddressVersion": "IPv4",
                           "publicIPAllocationMethod": "Static", "idleTimeoutInMinutes": 4,
                           "ipAddress": f"20.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}",
                           "ipTags": [], "ipConfiguration": {
                               "id": f"/subscriptions/{sub}/resourceGroups/rg/providers/"
                               f"Microsoft.Network/loadBalancers/lb-{i}/frontendIPConfigurations/fe"}}}


def graph_page(rows, total, token):
    body = {"totalRecords": total, "count": len(rows), "data": rows, "facets": [],
            "resultTruncated": "false"}
    if token:
        body["$skipToken"] = token
    return json.dumps(body)


class Estate:
    def graph(self, a):
        """Resource Graph pages: (query marker, page index) -> body."""
        self.graph_pages = {}
        rows = [public_ip(self.subs[i % len(self.subs)], i) for i in range(a.graph_rows)]
        chunks = [rows[k:k + ARG_TOP] for k in range(0, len(rows), ARG_TOP)] or [[]]
        for k, chunk in enumerate(chunks):
            token = f"p{k + 1}" if k + 1 < len(chunks) else None
            self.graph_pages[("loadbalancers", k)] = graph_page(chunk, len(rows), token)
        s = self.subs[0]
        small = {"virtualmachines'": [{"id": f"/subscriptions/{s}/x/kv", "type": "microsoft.keyvault/vaults",
                               "subscriptionId": s, "properties": {"enablePurgeProtection": True,
                                                                   "enableRbacAuthorization": True}}],
                 "RecoveryServices": [],
                 "policystates": [{"state": "compliant", "action": "deny", "mg": True, "data": False,
                                   "net": True, "dne": False, "n": 9}],
                 "by mode": [{"mode": "default", "mg": True, "n": 3}],
                 "ResourceContainers": [{"subscriptionId": sub} for sub in self.subs],
                 "automations": [{"id": f"/subscriptions/{s}/x/a", "type":
                                  "microsoft.security/automations", "subscriptionId": s,
                                  "properties": {"isEnabled": True, "actions": [{}]}}]}
        for marker, r in small.items():
            self.graph_pages[(marker, 0)] = graph_page(r, len(r), None)

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
        self.graph(a)


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
        if url.path == ARG_P:
            return self.reply(self.graph(body))
        self.reply(self.route(url.path, urllib.parse.parse_qs(url.query)))

    def graph(self, body):
        """A Resource Graph query under the per-user quota of the server."""
        srv, e = self.server, self.server.estate
        remaining, resets = srv.quota_take()
        headers = {"x-ms-user-quota-remaining": str(max(remaining, 0)),
                   "x-ms-user-quota-resets-after": time.strftime("%H:%M:%S", time.gmtime(resets))}
        if remaining < 0:
            return {"status": 429, "headers": headers, "json": {"error": {
                "code": "RateLimiting", "message": "Client application has been throttled"}}}
        req = json.loads(body)
        token = (req.get("options") or {}).get("$skipToken")
        k = int(token[1:]) if token else 0
        marker = next(m for m, _ in e.graph_pages if m in req["query"])
        return {"headers": headers, "body": e.graph_pages[(marker, k)]}

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
        if path.endswith(("/providers/Microsoft.PolicyInsights/remediations",
                          "/providers/Microsoft.Authorization/roleAssignmentScheduleInstances",
                          "/providers/Microsoft.Authorization/roleEligibilityScheduleInstances")):
            return {"json": {"value": []}}
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
        self.quota = a.quota
        self.window = (0.0, 0)  # start, queries in it
        self.qlock = threading.Lock()

    def quota_take(self):
        """One query against the quota: (remaining after it, -1 when over; seconds to reset)."""
        if not self.quota:
            return 1000, 0
        with self.qlock:
            now = time.monotonic()
            start, used = self.window
            if now - start >= ARG_WINDOW:
                start, used = now, 0
            used += 1
            self.window = (start, used)
            # whole seconds, rounded up, as the header's hh:mm:ss carries
            return self.quota - used, int(-(-(start + ARG_WINDOW - now) // 1))


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
    p.add_argument("--graph-rows", type=int, default=10000)
    p.add_argument("--quota", type=int, default=15)
    p.add_argument("--latency-ms", type=float, default=20)


def scan(a, tmp, peakrss, certs, secret, nsgs, accounts, rows):
    log = os.path.join(tmp, f"log-{nsgs}-{time.monotonic_ns()}.jsonl")
    args = [sys.executable, __file__, "serve", "--certs", certs, "--log", log,
            "--subscriptions", str(a.subscriptions), "--nsgs", str(nsgs), "--accounts",
            str(accounts), "--page", str(a.page), "--latency-ms", str(a.latency_ms),
            "--graph-rows", str(rows), "--quota", str(a.quota)]
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
    assert ev["azure.network.entry_point_count"] == rows, ev.get("azure.network.entry_point_count")
    assert ev["azure.network.zone_redundant_count"] == (rows + 1) // 2
    assert ev["azure.graph.subscription_count"] == a.subscriptions
    assert ev["azure.storage.platform_managed_keys_count"] == accounts
    assert ev["azure.storage.public_network_count"] == 0
    assert ev["azure.policy.network_enforcing_count"] == 9
    with open(log) as f:
        entries = [json.loads(line) for line in f]
    graph = [e for e in entries if e["path"] == ARG_P]
    throttled = len([e for e in graph if e["status"] == 429])
    span = max(e["end"] for e in entries) - min(e["t"] for e in entries)
    def pages(total):
        return max(1, -(-(-(-total // a.subscriptions)) // a.page))  # ceil(ceil(n/subs)/page)
    arg_pages = max(1, -(-rows // ARG_TOP))
    chain = max(pages(nsgs), pages(accounts), arg_pages)
    critical = (1 + 1 + chain) * a.latency_ms
    # HTTP/1.1 and [daemon] http_max_host_connections (8): at most 8 requests in flight per host.
    conn_bound = -(-len(entries) // 8) * a.latency_ms
    # The quota: every further `quota` Resource Graph queries wait for a fresh window.
    quota_bound = ((len(graph) - 1) // a.quota) * ARG_WINDOW * 1000 if a.quota else 0
    return (float(wall_ms), int(rss_kib), int(rc), len(entries), span * 1000,
            max(critical, conn_bound, quota_bound), cpu_ms, len(graph), throttled)


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
    print(f"estate: {a.subscriptions} subscriptions, page {a.page}, latency {a.latency_ms} ms, "
          f"Resource Graph quota {a.quota or 'none'} per {ARG_WINDOW:.0f} s")
    for mult in (1, 2, 4):
        nsgs, accounts, rows = a.nsgs * mult, a.accounts * mult, a.graph_rows * mult
        runs = [scan(a, tmp, peakrss, certs, secret, nsgs, accounts, rows) for _ in range(a.runs)]
        wall = statistics.median(r[0] for r in runs)
        rss = max(r[1] for r in runs)
        span = statistics.median(r[4] for r in runs)
        cpu = statistics.median(r[6] for r in runs)
        _, _, rc, reqs, _, crit, _, greqs, throttled = runs[0]
        print(f"{nsgs:6d} NSGs {accounts:5d} accounts {rows:6d} graph rows: requests {reqs} "
              f"(Resource Graph {greqs}, 429s {throttled}), wall {wall:.0f} ms "
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
