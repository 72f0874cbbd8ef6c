#!/usr/bin/env python3
"""tenant_bench.py - benchmark `ztmmd --once` with the entra, intune and defender collectors
against a synthetic tenant (tests/bench/synth_server.py: 100,000 users in registration details,
50,000 Intune devices, 20,000 Defender machines, 300 Conditional Access policies, 20 ms added
latency per request, CA throttled). Not a test: it asserts nothing about speed.

Usage: tests/bench/tenant_bench.py [BUILD_DIR] [--quick] [--runs N] [--no-million]
       [--no-breakdown] [--keep DIR]

Reports, from the server's own request log: requests, wall time and peak RSS (peakrss.c, a C
parent), the critical path and wall / critical path; the same scan with concurrency 1
([daemon] http_max_concurrency = 1, max_parallel_collectors = 1) as a ratio; peak RSS with
100,000 and 1,000,000 users; and peak RSS of each collector alone (where the memory goes).

Critical path = max over chains of (1 + requests in the chain) x latency + throttle waits, where
a chain is the token request followed by one paged list (its pages depend on each other; lists
are independent), except that all Conditional Access requests (v1.0 and beta) form one chain
because they share the tenant's 1 request/s pacing bucket, and the Defender $top/$skip windows
form one chain (each window depends on the previous one's size; paced at 600 ms). Throttle
waits are observed in the log: after a 429, the whole gap until the retry (the client's
backoff); in a paced chain, the part of the gap the pacing interval imposes
(min(gap, previous start + interval - previous end)).

--tenants N (default 3): the same scan over N such tenants at once (one server each, their own
throttling), concurrent and with concurrency 1. One tenant's scan cannot be much faster than
the sum of its chains over its longest chain; N tenants are what an MSSP or a multi-tenant
estate scans, and show what running independent collectors together buys.

--quick: 10,000 users, 5,000 devices, 2,000 machines (Defender $top 1000), 30 CA policies,
one run each, no 1,000,000-user run: about a minute.
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
SYNTH = os.path.join(HERE, "synth_server.py")
FIXTURE = os.path.join(SRC, "tests", "fixtures", "server.py")
RULES = os.path.join(SRC, "conf", "rules", "ztmm-v2.json")
sys.path.insert(0, HERE)
import synth_server as synth  # noqa: E402  (client id and secret of the synthetic app)

CA_PACE_S = 1.0    # entra: ca_pace default
MDE_PACE_S = 0.6   # defender: DEFENDER_PACE_MS
PACED = {"ca": CA_PACE_S, "machines": MDE_PACE_S}


class Bench:
    def __init__(self, a):
        self.a = a
        self.tmp = a.keep or tempfile.mkdtemp(prefix="tenant-bench-")
        os.makedirs(self.tmp, exist_ok=True)
        self.ztmmd = os.path.join(a.build, "daemon", "ztmmd")
        self.peakrss = os.path.join(self.tmp, "peakrss")
        subprocess.run(["cc", "-O2", "-o", self.peakrss, os.path.join(HERE, "peakrss.c")],
                       check=True)
        self.certs = os.path.join(self.tmp, "certs")
        if not os.path.exists(os.path.join(self.certs, "ca.pem")):
            subprocess.run([sys.executable, FIXTURE, "gencerts", self.certs], check=True)
        self.secret = os.path.join(self.tmp, "secret")
        with open(self.secret, "w") as f:
            f.write(synth.CLIENT_SECRET + "\n")
        os.chmod(self.secret, 0o600)
        self.n = 0

    def serve(self, sizes):
        self.n += 1
        log = os.path.join(self.tmp, f"log-{self.n}.jsonl")
        if os.path.exists(log):
            os.unlink(log)
        args = [sys.executable, SYNTH, "serve", "--certs", self.certs, "--log", log,
                "--latency-ms", str(self.a.latency_ms), "--idle-timeout", "300"]
        for k, v in sizes.items():
            args += [f"--{k}", str(v)]
        p = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
        port = int(p.stdout.readline())
        return p, f"https://127.0.0.1:{port}", log

    def config(self, bases, conc, collectors, extra):
        """One entra, intune and defender instance per tenant (bases: one server each)."""
        conf = "[daemon]\ncollector_timeout = 10min\n"
        if conc:
            conf += "http_max_concurrency = 1\nmax_parallel_collectors = 1\n"
        for i, base in enumerate(bases):
            tenant, sfx = ("contoso", "") if len(bases) == 1 else (f"contoso{i + 1}", f"-{i + 1}")
            auth = (f"tenant_id = {tenant}.onmicrosoft.com\nclient_id = {synth.CLIENT_ID}\n"
                    f"client_secret_file = {self.secret}\nlogin_url = {base}\n"
                    f"ca_file = {self.certs}/ca.pem\n")
            sections = {
                "entra": f"[collector:entra{sfx}]\ntype = entra\n{auth}graph_url = {base}\n",
                "intune": f"[collector:intune{sfx}]\ntype = intune\n{auth}graph_url = {base}\n",
                "defender": f"[collector:defender{sfx}]\ntype = defender\n{auth}"
                            f"api_url = {base}\n" + extra.get("defender", ""),
            }
            conf += "\n".join(sections[c] for c in collectors) + "\n"
        path = os.path.join(self.tmp, f"ztmmd-{self.n}.conf")
        with open(path, "w") as f:
            f.write(conf)
        return path

    def run(self, label, sizes, serial=False, collectors=("entra", "intune", "defender"),
            extra=None, tenants=1):
        """One `ztmmd --once`; with tenants > 1, one synthetic server per tenant (each with its
        own Conditional Access throttle, as Graph's limit is per tenant)."""
        servers = [self.serve(sizes) for _ in range(tenants)]
        try:
            conf = self.config([s[1] for s in servers], serial, collectors, extra or {})
            cmd = [self.peakrss, self.ztmmd, "--once", "--config", conf, "--rules", RULES,
                   "--format", "json"]
            ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t_launch = time.time()
            p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            server_cpu = sum(proc_cpu(s[0].pid) for s in servers)
        finally:
            for server, _, _ in servers:
                server.terminate()
                server.wait()
                server.stdout.close()
        out = p.stdout.rstrip("\n").rsplit("\n", 1)
        wall_ms, rss_kib, code = out[-1].split()
        doc = json.loads(out[0]) if len(out) == 2 and out[0].strip() else {}
        logs = []
        for _, _, log in servers:
            with open(log) as f:
                logs.append([json.loads(line) for line in f])
        r = {"label": label, "wall": float(wall_ms) / 1000, "rss_mib": int(rss_kib) / 1024,
             "exit": int(code), "t_launch": t_launch, "log": servers[0][2], "entries": logs[0],
             "client_cpu": (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime),
             "server_cpu": server_cpu, "doc": doc, "stderr": p.stderr}
        r.update(analyse(logs[0], self.a.latency_ms / 1000))
        # Tenants are independent: the critical path is the longest of theirs.
        for entries in logs[1:]:
            other = analyse(entries, self.a.latency_ms / 1000)
            r["requests"] += other["requests"]
            if other["critical"] > r["critical"]:
                r["critical"], r["critical_chain"] = other["critical"], other["critical_chain"]
        r["collectors"] = {c["name"]: (c["status"], c.get("requests"), c.get("duration_ms"),
                                       c.get("error")) for c in doc.get("collectors", [])}
        ev = {e["key"]: e["value"] for e in doc.get("evidence", [])
              if e.get("collector", "").endswith(("-1", "entra", "intune", "defender"))}
        r["counts"] = (ev.get("entra.registration.users"), ev.get("intune.devices.count"),
                       ev.get("defender.machines.count"))
        return r


def proc_cpu(pid):
    """utime + stime of a live process, seconds."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return float("nan")


def analyse(entries, latency):
    """Chains, critical path and concurrency from the server's request log."""
    chains = {}
    for e in entries:
        name = e.get("list", "?")
        chains.setdefault(name, []).append(e)
    tokens = chains.pop("token", [])
    out = {}
    for name, es in chains.items():
        es.sort(key=lambda e: e["t"])
        pace = PACED.get(name)
        wait = 0.0
        gaps = []
        for a, b in zip(es, es[1:]):
            gap = b["t"] - a["end"]
            gaps.append(gap)
            if a["status"] == 429:
                wait += max(0.0, gap)
            elif pace:
                wait += max(0.0, min(gap, a["t"] + pace - a["end"]))
        service = [e["end"] - e["t"] for e in es]
        out[name] = {
            "requests": len(es),
            "throttled": sum(1 for e in es if e["status"] == 429),
            "rate_429": sum(1 for e in es if e.get("throttle") == "rate"),
            "wait": wait,
            "critical": (1 + len(es)) * latency + wait,
            "start": es[0]["t"], "end": max(e["end"] for e in es),
            "service_mean": statistics.mean(service),
            "gap_mean": statistics.mean(gaps) if gaps else 0.0,
            "bytes": sum(e.get("bytes", 0) for e in es),
        }
    ca = sorted((e for e in entries if e.get("list") == "ca"), key=lambda e: e["t"])
    ca_arrivals = [(b["t"] - a["t"] if a else 0.0, b["status"], b.get("throttle", ""))
                   for a, b in zip([None] + ca, ca)]
    crit_name = max(out, key=lambda k: out[k]["critical"]) if out else None
    # In-flight requests over time (server view): max and time-weighted mean while busy.
    ev = sorted([(e["t"], 1) for e in entries] + [(e["end"], -1) for e in entries])
    cur = peak = 0
    busy = area = 0.0
    for (t, d), (t2, _) in zip(ev, ev[1:] + [(ev[-1][0], 0)]):
        cur += d
        peak = max(peak, cur)
        if cur > 0:
            busy += t2 - t
            area += cur * (t2 - t)
    statuses = {}
    for e in entries:
        statuses[e["status"]] = statuses.get(e["status"], 0) + 1
    return {"chains": out, "tokens": len(tokens), "ca_arrivals": ca_arrivals, "critical_chain": crit_name,
            "critical": out[crit_name]["critical"] if crit_name else 0.0,
            "requests": len(entries), "statuses": statuses, "inflight_max": peak,
            "inflight_mean": area / busy if busy else 0.0,
            "first_t": min(e["t"] for e in entries), "last_end": max(e["end"] for e in entries)}


def show_run(r):
    print(f"\n--- {r['label']}: wall {r['wall']:.2f} s, peak RSS {r['rss_mib']:.1f} MiB, "
          f"exit {r['exit']}, requests {r['requests']} {r['statuses']}, tokens {r['tokens']}")
    print(f"    evidence counts users/devices/machines: {r['counts']}; collectors: "
          + ", ".join(f"{k}={v[0]}({v[1]} req, {v[2]} ms)" for k, v in r["collectors"].items()))
    for k, v in r["collectors"].items():
        if v[3]:
            print(f"    {k} error: {v[3]}")
    print(f"    ztmmd CPU {r['client_cpu']:.2f} s, server CPU {r['server_cpu']:.2f} s; "
          f"in flight max {r['inflight_max']}, mean while busy {r['inflight_mean']:.2f}; "
          f"first request at +{r['first_t'] - r['t_launch']:.3f} s, last answer at "
          f"+{r['last_end'] - r['t_launch']:.3f} s")
    print("    CA arrivals (s since previous CA arrival, status, throttle rule): " + ", ".join(
        f"{d:.3f}/{st}{'/' + why if why else ''}" for d, st, why in r["ca_arrivals"]))
    print(f"    {'chain':34s} {'req':>5s} {'429':>4s} {'wait s':>7s} {'crit s':>7s} "
          f"{'span s':>14s} {'svc ms':>7s} {'gap ms':>7s} {'MB':>7s}")
    for name, c in sorted(r["chains"].items(), key=lambda kv: -kv[1]["critical"]):
        span = f"{c['start'] - r['t_launch']:.2f}-{c['end'] - r['t_launch']:.2f}"
        mark = " *" if name == r["critical_chain"] else ""
        print(f"    {name + mark:34s} {c['requests']:5d} {c['throttled']:4d} {c['wait']:7.3f} "
              f"{c['critical']:7.3f} {span:>14s} {c['service_mean'] * 1e3:7.1f} "
              f"{c['gap_mean'] * 1e3:7.1f} {c['bytes'] / 1e6:7.1f}")


def median_run(runs):
    return sorted(runs, key=lambda r: r["wall"])[len(runs) // 2]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("build", nargs="?", default=os.path.join(SRC, "build-bench"))
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--runs", type=int, default=None, help="runs per configuration (median)")
    ap.add_argument("--latency-ms", type=float, default=20)
    ap.add_argument("--no-million", action="store_true", help="skip the 1,000,000-user run")
    ap.add_argument("--no-breakdown", action="store_true", help="skip per-collector RSS runs")
    ap.add_argument("--keep", help="work directory to keep (logs, configs)")
    ap.add_argument("--tenants", type=int, default=3,
                    help="also scan this many tenants at once, concurrent and with concurrency 1 "
                         "(0: skip)")
    a = ap.parse_args()
    if a.quick:
        sizes = {"users": 10000, "devices": 5000, "machines": 2000, "ca-policies": 30,
                 "ca-page-size": 10, "warm-top": 1000}
        extra = {"defender": "page_size = 1000\n"}
        runs, million = a.runs or 1, None
    else:
        sizes = {"users": 100000, "devices": 50000, "machines": 20000, "ca-policies": 300,
                 "ca-page-size": 100}
        extra = {}
        runs, million = a.runs or 3, None if a.no_million else 1000000
    b = Bench(a)
    print(f"machine: {os.cpu_count()} cpus, load {os.getloadavg()[0]:.2f}; "
          f"latency {a.latency_ms:g} ms; sizes {sizes}; work dir {b.tmp}")

    conc = [b.run(f"concurrent #{i + 1}", sizes, extra=extra) for i in range(runs)]
    for r in conc:
        show_run(r)
    serial = [b.run(f"concurrency 1 #{i + 1}", sizes, serial=True, extra=extra)
              for i in range(runs)]
    for r in serial:
        show_run(r)
    multi = None
    if a.tenants > 1:
        multi = (b.run(f"{a.tenants} tenants, concurrent", sizes, extra=extra, tenants=a.tenants),
                 b.run(f"{a.tenants} tenants, concurrency 1", sizes, serial=True, extra=extra,
                       tenants=a.tenants))
        for r in multi:
            show_run(r)
    big = None
    if million:
        big = b.run("concurrent, 1,000,000 users", dict(sizes, users=million), extra=extra)
        show_run(big)
    alone = {}
    if not a.no_breakdown:
        for c in ("entra", "intune", "defender"):
            alone[c] = b.run(f"{c} alone", sizes, collectors=(c,), extra=extra)
            show_run(alone[c])

    c, s = median_run(conc), median_run(serial)
    users = sizes["users"]
    print("\n=== tenant benchmark (medians of %d run%s) ===" % (runs, "s" if runs > 1 else ""))
    rows = [
        ("wall time, concurrent", f"{c['wall']:.2f} s", ""),
        ("requests (server log)", f"{c['requests']} ({c['statuses']})", ""),
        ("critical path", f"{c['critical']:.2f} s", f"chain '{c['critical_chain']}'"),
        ("wall / critical path", f"{c['wall'] / c['critical']:.2f}", "target <= 1.2"),
        ("wall time, concurrency 1", f"{s['wall']:.2f} s", ""),
        ("concurrency 1 / concurrent", f"{s['wall'] / c['wall']:.2f}x", "target: several x"),
        (f"peak RSS, {users:,} users", f"{c['rss_mib']:.1f} MiB", "target < 32 MiB"),
    ]
    if big:
        rows += [(f"peak RSS, {million:,} users", f"{big['rss_mib']:.1f} MiB",
                  "target < 32 MiB"),
                 ("RSS growth 100k -> 1M", f"{(big['rss_mib'] / c['rss_mib'] - 1) * 100:+.1f} %",
                  "target < +10 %"),
                 (f"wall, {million:,} users", f"{big['wall']:.2f} s",
                  f"critical {big['critical']:.2f} s ('{big['critical_chain']}')")]
    if multi:
        mc, ms = multi
        rows += [(f"{a.tenants} tenants: wall, concurrent", f"{mc['wall']:.2f} s",
                  f"critical {mc['critical']:.2f} s, peak RSS {mc['rss_mib']:.1f} MiB"),
                 (f"{a.tenants} tenants: concurrency 1", f"{ms['wall']:.2f} s",
                  f"ratio {ms['wall'] / mc['wall']:.2f}x")]
    for k, r in alone.items():
        rows.append((f"peak RSS, {k} alone", f"{r['rss_mib']:.1f} MiB", f"wall {r['wall']:.2f} s"))
    rows.append(("CPU ztmmd / server", f"{c['client_cpu']:.2f} s / {c['server_cpu']:.2f} s",
                 "concurrent run, 2 cores shared"))
    for name, val, note in rows:
        print(f"  {name:34s} {val:>28s}   {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
