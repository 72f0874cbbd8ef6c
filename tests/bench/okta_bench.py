#!/usr/bin/env python3
"""okta_bench.py - benchmark `ztmmd --once` with the okta collector against a synthetic Okta org
served by the fixture server (tests/fixtures/server.py) with 20 ms added to every response. Not a
test: it asserts nothing about speed.

Usage: tests/bench/okta_bench.py [BUILD_DIR] [--access N] [--rules N] [--users N] [--runs N]

The org: N authentication policies (default 200) and N/4 global session policies, each with
--rules rules (default 20; the last one the catch-all), policy lists paged 50 per page and rule
lists 10 per page (Link: rel="next"), 30 authenticators, 20 device assurance policies; N/4
federated apps, provisioned, each with --users users (default 1000) assigned through groups,
200 a page (so every page of every app is read); identity providers, group rules, a log
stream, behaviour rules, ThreatInsight and an entity risk policy with its rules. Then the same
org doubled (2N policies, twice the apps) to show how time and memory grow.

Reported, from the server's own request log: requests, wall time and peak RSS (peakrss.c, a C
parent; median of --runs), and the critical path: the collector issues two rounds (the lists,
then the rules of every active policy and the Okta Verify methods), so its critical path is the
longest paged chain of the first round plus the longest of the second, each page costing the
observed median request time. With the engine's bounded concurrency the floor is higher: to one
host it keeps at most 8 connections (max_host_connections), and the HTTP/1.1 fixture serves one
request per connection at a time, so round 2 cannot finish before ceil(requests / 8) request
times (Okta itself speaks HTTP/2, where the 16 transfers in flight multiplex); both ratios are
printed.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
FIXTURE = os.path.join(SRC, "tests", "fixtures", "server.py")
RULES = os.path.join(SRC, "conf", "rules", "ztmm-v2.json")
LATENCY_MS = 20
CONCURRENCY = 8  # the engine's connections per host (HTTP/1.1 fixture: one request each)
TOKEN = "00okta-bench-token"
HDR = {"X-Rate-Limit-Limit": "100000", "X-Rate-Limit-Remaining": "99999",
       "X-Rate-Limit-Reset": "{{epoch+60}}"}


def paged(path, items, per_page, base_query=None):
    """Routes serving items in pages linked by rel="next" (after=pgN)."""
    pages = [items[i:i + per_page] for i in range(0, len(items), per_page)] or [[]]
    routes = []
    for i, page in enumerate(pages):
        q = "&".join(x for x in (base_query, f"after=pg{i}" if i else None) if x)
        h = dict(HDR)
        if i + 1 < len(pages):
            nq = "&".join(x for x in (base_query, f"after=pg{i + 1}") if x)
            h["Link"] = f'<{{{{base}}}}{path}?{nq}>; rel="next"'
        routes.append({"path": path, "query": q,
                       "responses": [{"headers": h, "json": page, "delay_ms": LATENCY_MS}]})
    return routes


def rule(pid, j, last, kind):
    cond = None if last else {"network": {"connection": "ZONE", "include": [f"nzo{j}"]}}
    if kind == "OKTA_SIGN_ON":
        action = {"signon": {"access": "ALLOW", "requireFactor": True, "factorPromptMode": "ALWAYS"}}
    else:
        action = {"appSignOn": {"access": "ALLOW", "verificationMethod": {
            "type": "ASSURANCE", "factorMode": "2FA", "reauthenticateIn": "PT2H",
            "constraints": [{"possession": {"phishingResistant": "REQUIRED"}}]}}}
    return {"id": f"{pid}r{j}", "name": f"rule {j}", "status": "ACTIVE", "priority": j + 1,
            "conditions": cond, "actions": action}


def stores(n_apps, n_users):
    """Apps (each with its assigned users), IdPs, group rules, streams, behaviours, ITP."""
    routes = []
    apps = [{"id": f"0oa{i:05d}", "label": f"app {i}", "status": "ACTIVE", "signOnMode": "SAML_2_0",
             "features": ["PUSH_NEW_USERS", "PUSH_USER_DEACTIVATION"]} for i in range(n_apps)]
    routes += paged("/api/v1/apps", apps, 200, "limit=200")
    users = [{"id": f"00u{j:06d}", "scope": "GROUP", "status": "PROVISIONED"}
             for j in range(n_users)]
    for a in apps:
        routes += paged(f"/api/v1/apps/{a['id']}/users", users, 200, "limit=200")
    active = [{"id": "x1", "status": "ACTIVE"}]
    routes += paged("/api/v1/idps", active, 200, "limit=200")
    routes += paged("/api/v1/groups/rules", active, 200, "limit=200")
    routes += paged("/api/v1/logStreams", active, 200, "limit=200")
    routes += paged("/api/v1/behaviors", active, 200)
    routes += paged("/api/v1/policies", [{"id": "erp1", "type": "ENTITY_RISK", "status": "ACTIVE"}],
                    50, "type=ENTITY_RISK")
    routes += paged("/api/v1/policies/erp1/rules", [{"status": "ACTIVE", "actions": {
        "entityRisk": {"actions": [{"action": "TERMINATE_ALL_SESSIONS"}]}}}], 10)
    routes.append({"path": "/api/v1/threats/configuration", "responses": [
        {"headers": HDR, "json": {"action": "block"}, "delay_ms": LATENCY_MS}]})
    return routes


def scenario(n_access, n_signon, n_rules, n_users=1000):
    routes = [{"path": "/api/v1/groups", "responses": [{"headers": HDR, "delay_ms": LATENCY_MS,
               "json": [{"id": "00gEveryone", "type": "BUILT_IN", "profile": {"name": "Everyone"}}]}]}]
    for kind, n in (("OKTA_SIGN_ON", n_signon), ("ACCESS_POLICY", n_access)):
        pols = []
        for i in range(n):
            pid = f"{kind[:2].lower()}{i:05d}"
            pols.append({"id": pid, "type": kind, "name": f"{kind} {i}", "status": "ACTIVE",
                         "priority": i + 1, "system": False,
                         "conditions": {"people": {"groups": {"include": ["00gEveryone"]}}}
                         if kind == "OKTA_SIGN_ON" else None})
            routes += paged(f"/api/v1/policies/{pid}/rules",
                            [rule(pid, j, j == n_rules - 1, kind) for j in range(n_rules)], 10)
        routes += paged("/api/v1/policies", pols, 50, f"type={kind}")
    routes += paged("/api/v1/policies", [{"id": "enr1", "status": "ACTIVE", "settings": {
        "type": "AUTHENTICATORS", "authenticators": [{"key": "webauthn", "enroll": {"self": "REQUIRED"}}]}}],
        50, "type=MFA_ENROLL")
    auths = [{"id": f"aut{i}", "key": k, "status": "ACTIVE" if i % 2 else "INACTIVE"}
             for i, k in enumerate(["okta_verify", "webauthn", "okta_password"] +
                                   [f"custom_{i}" for i in range(27)])]
    auths[0]["status"] = "ACTIVE"
    routes += paged("/api/v1/authenticators", auths, 50)
    routes += paged("/api/v1/authenticators/aut0/methods",
                    [{"type": "signed_nonce", "status": "ACTIVE"}], 50)
    routes += paged("/api/v1/device-assurances",
                    [{"id": f"dae{i}", "platform": "MACOS"} for i in range(20)], 50)
    routes += stores(max(1, n_access // 4), n_users)
    return {"description": "synthetic Okta org (okta_bench.py)",
            "api_token": {"scheme": "SSWS", "value": TOKEN}, "routes": routes}


def run(a, tmp, certs, peakrss, n_access):
    n_signon, n_rules = max(1, n_access // 4), a.rules
    d = os.path.join(tmp, f"org{n_access}")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "scenario.json"), "w") as f:
        json.dump(scenario(n_access, n_signon, n_rules, a.users), f)
    walls, rsss, logs = [], [], []
    for k in range(a.runs):
        log = os.path.join(tmp, f"log{n_access}-{k}.jsonl")
        srv = subprocess.Popen([sys.executable, FIXTURE, "serve", "--scenario", d, "--certs", certs,
                                "--log", log, "--idle-timeout", "60"], stdout=subprocess.PIPE, text=True)
        port = int(srv.stdout.readline())
        conf = os.path.join(tmp, "okta.conf")
        with open(conf, "w") as f:
            f.write(f"[collector:bench]\ntype = okta\norg_url = https://127.0.0.1:{port}\n"
                    f"api_token_file = {tmp}/token\nca_file = {certs}/ca.pem\n")
        p = subprocess.run([peakrss, os.path.join(a.build, "daemon", "ztmmd"), "--once", "--config",
                            conf, "--rules", RULES], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                           text=True)
        srv.terminate()
        srv.wait()
        srv.stdout.close()
        wall_ms, rss, code = p.stdout.strip().splitlines()[-1].split()
        if code != "0":
            sys.exit(f"ztmmd failed (exit {code})")
        walls.append(float(wall_ms) / 1000)
        rsss.append(int(rss))
        with open(log) as f:
            logs.append([json.loads(line) for line in f])
    entries = logs[0]
    req = statistics.median(e["end"] - e["t"] for e in entries)
    round2_paths = ("/rules", "/methods", "/users")
    first = [e for e in entries if not any(x in e["path"] for x in round2_paths)]
    chain1 = max(sum(1 for e in first if e["path"] == p and e["query"].split("&")[0] == q)
                 for p, q in {(e["path"], e["query"].split("&")[0]) for e in first})
    round2 = [e for e in entries if e not in first]
    chain2 = max(sum(1 for e in round2 if e["path"] == p) for p in {e["path"] for e in round2})
    crit = (chain1 + chain2) * req
    floor = (chain1 + max(chain2, -(-len(round2) // CONCURRENCY))) * req
    wall = statistics.median(walls)
    print(f"{n_access:5d} access + {n_signon:4d} sign-on policies x {n_rules} rules: "
          f"{len(entries):5d} requests, wall {wall * 1000:7.0f} ms (median of {a.runs}), "
          f"request {req * 1000:5.1f} ms, critical path {crit * 1000:6.0f} ms "
          f"(wall/critical {wall / crit:5.1f}), floor at {CONCURRENCY} in flight "
          f"{floor * 1000:6.0f} ms (wall/floor {wall / floor:4.2f}), peak RSS "
          f"{max(rsss) / 1024:5.1f} MiB")
    return wall, max(rsss)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build", nargs="?", default=os.path.join(SRC, "build"))
    ap.add_argument("--access", type=int, default=200)
    ap.add_argument("--rules", type=int, default=20)
    ap.add_argument("--users", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="okta-bench-") as tmp:
        certs = os.path.join(tmp, "certs")
        subprocess.run([sys.executable, FIXTURE, "gencerts", certs], check=True)
        with open(os.path.join(tmp, "token"), "w") as f:
            f.write(TOKEN + "\n")
        os.chmod(os.path.join(tmp, "token"), 0o600)
        peakrss = os.path.join(tmp, "peakrss")
        subprocess.run(["cc", "-O2", "-o", peakrss, os.path.join(HERE, "peakrss.c")], check=True)
        w1, r1 = run(a, tmp, certs, peakrss, a.access)
        w2, r2 = run(a, tmp, certs, peakrss, 2 * a.access)
        print(f"doubled: wall x{w2 / w1:.2f}, peak RSS x{r2 / r1:.2f} "
              f"(+{(r2 - r1) / 1024:.1f} MiB)")


if __name__ == "__main__":
    main()
