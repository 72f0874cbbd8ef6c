#!/usr/bin/env python3
"""k8s_bench.py - benchmark of the kubernetes collector: `ztmmd --once` against a synthetic
cluster over HTTPS (tests/fixtures/server.py's TLS server and request log, synthetic routes) with
a fixed latency per request.

    k8s_bench.py [BUILD_DIR] [--namespaces 2000] [--policies-per-ns 2] [--latency-ms 20]
                 [--page-size 500] [--runs 3]
    k8s_bench.py serve --certs DIR --log FILE --namespaces N ...   (the server alone)

Each namespace carries Pod Security labels and --policies-per-ns NetworkPolicies (a default deny
plus allow rules), each object with managedFields as a real API server returns them (about 1 KiB
per object). 60 ClusterRoleBindings. Five pods per namespace (two containers, about 3 KiB each,
half with a restricted security context). The four lists are paged with limit/continue; the
admission and GitOps CRDs answer 404 (not installed).

Reports, per size (and for twice the size): wall time of the run, its critical path (the longest
chain of dependent requests, from the server's log: first arrival to last answer of the longest
paged list, and pages x latency), requests, and peak RSS (peakrss.c), so growth with cluster size
shows.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(SRC, "tests", "fixtures"))
import server as fx  # noqa: E402

TOKEN = "bench-k8s-token"
NS, NP, CRB = ("/api/v1/namespaces", "/apis/networking.k8s.io/v1/networkpolicies",
               "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings")
PODS, PODS_PER_NS = "/api/v1/pods", 5  # the other lists (CRDs) answer 404: not installed


def managed(i):
    return [{"manager": "kubectl-client-side-apply", "operation": "Update",
             "apiVersion": "v1", "time": "2025-01-01T00:00:00Z", "fieldsType": "FieldsV1",
             "fieldsV1": {"f:metadata": {"f:annotations": {".": {}, "f:note": {}},
                                         "f:labels": {".": {}, "f:team": {}}},
                          "f:spec": {"f:podSelector": {}, "f:policyTypes": {}}}}]


def namespace(i):
    name = f"team-{i:05d}"
    level = ("restricted", "baseline", "privileged")[i % 3]
    return {"metadata": {"name": name, "uid": f"00000000-0000-0000-0000-{i:012d}",
                         "resourceVersion": str(1000 + i),
                         "creationTimestamp": "2025-01-01T00:00:00Z",
                         "labels": {"kubernetes.io/metadata.name": name, "team": f"t{i % 50}",
                                    "pod-security.kubernetes.io/enforce": level,
                                    "pod-security.kubernetes.io/warn": "restricted"},
                         "annotations": {"note": "synthetic namespace for the benchmark"},
                         "managedFields": managed(i)},
            "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}


def policy(j, per_ns):
    i, k = divmod(j, per_ns)
    meta = {"name": "default-deny" if k == 0 else f"allow-{k}", "namespace": f"team-{i:05d}",
            "uid": f"11111111-0000-0000-0000-{j:012d}", "resourceVersion": str(5000 + j),
            "generation": 1, "creationTimestamp": "2025-01-01T00:00:00Z",
            "annotations": {"note": "synthetic policy"}, "managedFields": managed(j)}
    if k == 0 and i % 4 != 3:
        spec = {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    else:
        spec = {"podSelector": {"matchLabels": {"app": f"svc-{k}"}},
                "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"team": "t1"}}},
                                      {"podSelector": {"matchLabels": {"app": "gw"}}}],
                             "ports": [{"protocol": "TCP", "port": 8080 + k}]}],
                "egress": [{"to": [{"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.9.0.0/16"]}}],
                            "ports": [{"protocol": "TCP", "port": 5432}]}],
                "policyTypes": ["Ingress", "Egress"]}
    return {"metadata": meta, "spec": spec}


def binding(i):
    subj = ([{"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": "system:masters"}]
            if i == 0 else [{"kind": "User", "apiGroup": "rbac.authorization.k8s.io",
                             "name": f"user{i}@example.com"}])
    return {"metadata": {"name": f"crb-{i}", "uid": f"crb-{i}", "managedFields": managed(i)},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                        "name": "cluster-admin" if i % 10 == 0 else "view"},
            "subjects": subj}


def pod(j):
    i, k = divmod(j, PODS_PER_NS)
    sc = ({"runAsNonRoot": True, "allowPrivilegeEscalation": False,
           "capabilities": {"drop": ["ALL"]}, "seccompProfile": {"type": "RuntimeDefault"}}
          if j % 2 == 0 else {})
    ctr = {"name": "app", "image": f"registry.example/svc-{k}@sha256:{j:064x}",
           "ports": [{"containerPort": 8080, "protocol": "TCP"}],
           "env": [{"name": f"VAR_{v}", "value": "x" * 40} for v in range(8)],
           "resources": {"limits": {"cpu": "500m", "memory": "256Mi"},
                         "requests": {"cpu": "100m", "memory": "128Mi"}},
           "securityContext": sc}
    return {"metadata": {"name": f"svc-{k}-{j:08d}", "namespace": f"team-{i:05d}",
                         "uid": f"22222222-0000-0000-0000-{j:012d}", "managedFields": managed(j)},
            "spec": {"containers": [ctr, dict(ctr, name="sidecar")], "nodeName": "node-1"},
            "status": {"phase": "Running", "podIP": "10.1.2.3"}}


class Cluster:
    def __init__(self, a):
        self.lists = {NS: ("NamespaceList", a.namespaces, namespace),
                      NP: ("NetworkPolicyList", a.namespaces * a.policies_per_ns,
                           lambda j: policy(j, a.policies_per_ns)),
                      CRB: ("ClusterRoleBindingList", 60, binding),
                      PODS: ("PodList", a.namespaces * PODS_PER_NS, pod)}

    def page(self, path, query):
        kind, total, make = self.lists[path]
        q = urllib.parse.parse_qs(query)
        limit = int((q.get("limit") or ["500"])[0])
        start = int((q.get("continue") or ["0"])[0])
        end = min(start + limit, total)
        meta = {"resourceVersion": "99999"}
        if end < total:
            meta["continue"] = str(end)
            meta["remainingItemCount"] = total - end
        body = {"kind": kind, "apiVersion": "v1", "metadata": meta,
                "items": [make(i) for i in range(start, end)]}
        return json.dumps(body).encode()


class Handler(fx.Handler):
    def dispatch(self):
        t0 = time.time()
        self.server.touch()
        url = urllib.parse.urlsplit(self.path)
        entry = {"t": t0, "path": url.path, "query": url.query}
        time.sleep(self.server.latency)
        if self.headers.get("Authorization") != "Bearer " + TOKEN:
            status, data = 401, b'{"kind":"Status","code":401}'
        elif url.path in self.server.cluster.lists:
            status, data = 200, self.server.cluster.page(url.path, url.query)
        else:
            status, data = 404, b'{"kind":"Status","code":404}'
        entry.update(status=status, bytes=len(data))
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
        except (ConnectionError, OSError):
            pass
        finally:
            entry["end"] = time.time()
            self.server.log(entry)


class Scenario(fx.Scenario):
    def __init__(self, certs):  # no scenario directory: the routes are synthetic
        self.certs, self.spec, self.oauth = certs, {}, None
        self.bearer, self.client_certs = [], False


def serve(a):
    srv = fx.Server(Scenario(a.certs), a.certs, a.log, 120)
    srv.RequestHandlerClass = Handler
    srv.latency = a.latency_ms / 1000
    srv.cluster = Cluster(a)
    threading.Thread(target=fx.watchdog, args=(srv, os.getppid()), daemon=True).start()
    print(srv.port, flush=True)
    srv.serve_forever(poll_interval=0.1)


def run_once(a, tmp, ztmmd, peakrss, namespaces):
    log = os.path.join(tmp, f"log-{namespaces}-{time.monotonic_ns()}")
    srv = subprocess.Popen([sys.executable, __file__, "serve", "--certs", os.path.join(tmp, "certs"),
                            "--log", log, "--namespaces", str(namespaces),
                            "--policies-per-ns", str(a.policies_per_ns),
                            "--latency-ms", str(a.latency_ms)], stdout=subprocess.PIPE, text=True)
    port = int(srv.stdout.readline())
    conf = os.path.join(tmp, "bench.conf")
    with open(conf, "w") as f:
        f.write(f"[collector:k8s]\ntype = kubernetes\nserver = https://127.0.0.1:{port}\n"
                f"token_file = {tmp}/token\nca_file = {tmp}/certs/ca.pem\n"
                f"page_size = {a.page_size}\n")
    rules = os.path.join(SRC, "conf", "rules", "ztmm-v2.json")
    p = subprocess.run([peakrss, ztmmd, "--once", "--config", conf, "--rules", rules],
                       capture_output=True, text=True)
    srv.terminate()
    srv.wait()
    out, figures = p.stdout.rstrip("\n").rsplit("\n", 1)  # peakrss prints after ztmmd
    wall_ms, rss_kib = float(figures.split()[0]), int(figures.split()[1])
    doc = json.loads(out)
    assert doc["collectors"][0]["status"] == "ok", doc["collectors"]
    ev = {e["key"]: e["value"] for e in doc["evidence"]}
    assert ev["kubernetes.namespaces.count"] == namespaces, ev
    assert ev["kubernetes.pods.count"] == namespaces * PODS_PER_NS, ev
    assert ev["kubernetes.pods.restricted_share"] == 0.5, ev
    assert ev["kubernetes.gitops.argocd_installed"] is False, ev
    with open(log) as f:
        entries = [json.loads(line) for line in f]
    chains = {}
    for e in entries:
        c = chains.setdefault(e["path"], [e["t"], e["end"], 0])
        c[0], c[1], c[2] = min(c[0], e["t"]), max(c[1], e["end"]), c[2] + 1
    path, longest = max(chains.items(), key=lambda kv: kv[1][1] - kv[1][0])
    chain = sorted((e for e in entries if e["path"] == path), key=lambda e: e["t"])
    # Client time on the critical path: from one page's last byte to the next page's request.
    client_ms = sum(b["t"] - a["end"] for a, b in zip(chain, chain[1:])) * 1000
    return {"wall_ms": wall_ms, "rss_kib": rss_kib, "requests": len(entries),
            "critical_ms": (longest[1] - longest[0]) * 1000, "critical_pages": longest[2],
            "client_ms": client_ms,
            "bytes": sum(e["bytes"] for e in entries),
            "share": ev["kubernetes.netpol.default_deny_share"]}


def bench(a):
    ztmmd = os.path.join(a.build, "daemon", "ztmmd")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, os.path.join(SRC, "tests", "fixtures", "server.py"),
                        "gencerts", os.path.join(tmp, "certs")], check=True)
        peakrss = os.path.join(tmp, "peakrss")
        subprocess.run(["cc", "-O2", "-o", peakrss, os.path.join(HERE, "peakrss.c")], check=True)
        with open(os.path.join(tmp, "token"), "w") as f:
            f.write(TOKEN)
        os.chmod(os.path.join(tmp, "token"), 0o600)
        results = {}
        for n in (a.namespaces, 2 * a.namespaces):
            runs = [run_once(a, tmp, ztmmd, peakrss, n) for _ in range(a.runs)]
            r = {k: statistics.median(x[k] for x in runs) for k in runs[0]}
            results[n] = r
            print(f"{n} namespaces, {n * a.policies_per_ns} policies, {n * PODS_PER_NS} pods, latency {a.latency_ms} ms, "
                  f"limit {a.page_size}: {r['requests']:.0f} requests, "
                  f"{r['bytes'] / 1e6:.1f} MB; wall {r['wall_ms']:.0f} ms; critical path "
                  f"{r['critical_ms']:.0f} ms ({r['critical_pages']:.0f} pages x "
                  f"{a.latency_ms} ms = {r['critical_pages'] * a.latency_ms:.0f} ms of latency, "
                  f"{r['client_ms']:.0f} ms in ztmmd between pages, the rest is the server "
                  f"rendering and sending pages); "
                  f"peak RSS {r['rss_kib'] / 1024:.1f} MiB; default_deny_share {r['share']}")
        lo, hi = results[a.namespaces], results[2 * a.namespaces]
        print(f"doubling {a.namespaces} -> {2 * a.namespaces} namespaces: peak RSS "
              f"{(hi['rss_kib'] - lo['rss_kib']) / 1024:+.1f} MiB, wall "
              f"{hi['wall_ms'] - lo['wall_ms']:+.0f} ms")


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        p = argparse.ArgumentParser()
        p.add_argument("cmd")
        p.add_argument("--certs", required=True)
        p.add_argument("--log", required=True)
        p.add_argument("--namespaces", type=int, default=2000)
        p.add_argument("--policies-per-ns", type=int, default=2)
        p.add_argument("--latency-ms", type=float, default=20)
        return serve(p.parse_args())
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("build", nargs="?", default=os.path.join(SRC, "build"))
    p.add_argument("--namespaces", type=int, default=2000)
    p.add_argument("--policies-per-ns", type=int, default=2)
    p.add_argument("--latency-ms", type=float, default=20)
    p.add_argument("--page-size", type=int, default=500)
    p.add_argument("--runs", type=int, default=3)
    bench(p.parse_args())


if __name__ == "__main__":
    sys.exit(main())
