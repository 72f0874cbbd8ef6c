#!/usr/bin/env python3
"""test_azure.py - end to end: the built `ztmmd --once` with the azure collector against the HTTPS
fixture server (tests/fixtures/server.py) on the azure_* scenarios.

Usage: test_azure.py ZTMMD SOURCE_DIR
Checks, with a catalog reduced to the azure.* rules (so other sources cannot interfere), the
stages of the functions the azure rules feed for a weak and a strong estate, evidence values (the
NSG traps: shadowing Deny, later Deny, prefix lists, port ranges, VirtualNetwork, Outbound; the
storage defaults), nextLink paging, and from the server's request log that every ARM request
carried an issued token, that subscriptions came from GET /subscriptions (Disabled ones skipped)
or from the config, that a 429 with Retry-After was waited out and an expired token replaced, and
that a 403 on one subscription gives a partial result with that area's evidence missing.
"""
import json
import os
import subprocess
import sys
import unittest

import fixture

ZTMMD, SRC = sys.argv[1:3]
RULES = os.path.join(SRC, "conf", "rules", "ztmm-v2.json")
SECRET = "azure~fixture.secret"
CLIENT_ID = "7a1e3b8a-1c2d-4e5f-8a9b-0c1d2e3f4a5c"
A = "11111111-1111-4111-8111-111111111111"
B = "22222222-2222-4222-8222-222222222222"
C = "33333333-3333-4333-8333-333333333333"
FUNCS = ["networks.segmentation", "data.access", "data.encryption",
         "crosscutting.visibility_analytics", "applications.visibility_analytics"]
NSG = "/providers/Microsoft.Network/networkSecurityGroups"
STORAGE = "/providers/Microsoft.Storage/storageAccounts"


class Azure(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        fixture.make_pki(cls, SRC, SECRET)
        with open(RULES) as f:
            cat = json.load(f)
        cat["rules"] = [r for r in cat["rules"] if r["id"].startswith("azure.")]
        cls.rules = os.path.join(cls.tmp.name, "azure-rules.json")
        with open(cls.rules, "w") as f:
            json.dump(cat, f)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def scan(self, scenario, extra=""):
        log = os.path.join(self.tmp.name, f"log-{scenario}-{self._testMethodName}.jsonl")
        base = fixture.serve(self, SRC, scenario, log)
        conf = (f"[collector:azure]\ntenant_id = contoso.onmicrosoft.com\nclient_id = {CLIENT_ID}\n"
                f"client_secret_file = {self.secret}\nlogin_url = {base}\narm_url = {base}\n"
                f"ca_file = {self.certs}/ca.pem\n{extra}")
        path = os.path.join(self.tmp.name, f"{scenario}.conf")
        with open(path, "w") as f:
            f.write(conf)
        p = subprocess.run([ZTMMD, "--once", "--config", path, "--rules", self.rules,
                            "--format", "json"], capture_output=True, text=True, timeout=120)
        self.assertNotIn(p.returncode, (-6, -11, 134, 139), p.stderr)  # never a crash
        self.assertNotIn(SECRET, p.stdout + p.stderr)
        self.assertNotIn("tok-", p.stdout + p.stderr)  # issued tokens are "tok-N.<hex>"
        doc = json.loads(p.stdout)
        with open(log) as f:
            requests = [json.loads(line) for line in f]
        arm = [r for r in requests if not r["path"].endswith("/oauth2/v2.0/token")]
        for r in arm:
            if r.get("route") is not None:  # the server checks tokens on its routes only
                self.assertRegex(r["token"] or "", r"^tok-\d+$", r)
        return p, doc, requests, arm

    def evidence(self, doc):
        return {e["key"]: e["value"] for e in doc["evidence"]}

    def detail(self, doc, key):
        return next(e["detail"] for e in doc["evidence"] if e["key"] == key)

    def stages(self, doc):
        return {f["id"]: (f["stage"], f["bound"]) for f in doc["functions"] if f["id"] in FUNCS}

    def findings(self, doc):
        return {fd["rule"]: fd["status"] for fd in doc["findings"]}

    def collector(self, doc):
        (c,) = doc["collectors"]
        return c

    def test_weak(self):
        p, doc, requests, arm = self.scan("azure_weak")
        self.assertEqual(p.returncode, 0, p.stderr)
        c = self.collector(doc)
        self.assertEqual((c["type"], c["status"], c["error"]), ("azure", "ok", None))
        ev = self.evidence(doc)
        self.assertEqual(ev["azure.subscriptions.count"], 2)
        self.assertEqual(self.detail(doc, "azure.subscriptions.count")["inactive"], 1)
        # web (SSH from Internet), jump (0.0.0.0/0 in a list, 3380-3390), late-deny (20-25, the
        # Deny at 4000 comes later), legacy (every port); not shadowed, not internal.
        self.assertEqual(ev["azure.nsg.count"], 6)
        self.assertEqual(ev["azure.nsg.internet_admin_open_count"], 4)
        self.assertEqual(ev["azure.nsg.internet_all_ports_open_count"], 1)
        exposed = {x["nsg"].rsplit("/", 1)[1]: x for x in
                   self.detail(doc, "azure.nsg.internet_admin_open_count")["exposed"]}
        self.assertEqual(set(exposed), {"web-nsg", "jump-nsg", "late-deny-nsg", "legacy-nsg"})
        self.assertEqual(exposed["web-nsg"]["ports"], [22])
        self.assertEqual(exposed["jump-nsg"]["ports"], [3389])
        self.assertEqual(exposed["late-deny-nsg"]["ports"], [20, 21, 22, 23])
        self.assertEqual((exposed["late-deny-nsg"]["rule"], exposed["late-deny-nsg"]["priority"]),
                         ("AllowFtp", 200))
        self.assertTrue(exposed["legacy-nsg"]["all_ports"])
        self.assertIn(3389, ev["azure.nsg.internet_open_admin_ports"])
        self.assertEqual(ev["azure.storage.count"], 4)
        self.assertEqual(ev["azure.storage.public_blob_access_count"], 1)
        self.assertEqual(ev["azure.storage.blob_public_access_unset_count"], 1)
        self.assertEqual(ev["azure.storage.https_only_disabled_count"], 1)
        self.assertEqual(ev["azure.storage.tls_below_1_2_count"], 2)  # absent (TLS 1.0) + TLS1_1
        self.assertEqual(self.detail(doc, "azure.storage.count")["minimum_tls"]["TLS1_0"], 1)
        self.assertEqual(ev["azure.storage.shared_key_allowed_count"], 3)
        self.assertEqual(ev["azure.defender.subscriptions_without_plans"], 1)
        self.assertFalse(ev["azure.defender.servers_enabled"])
        self.assertEqual(ev["azure.defender.standard_plans"], [])
        self.assertNotIn("Dns", ev["azure.defender.free_plans"])  # deprecated
        self.assertFalse(ev["azure.activity_log.exported_all"])
        self.assertEqual(self.detail(doc, "azure.activity_log.unexported_count")["subscriptions"], [B])
        self.assertEqual(self.stages(doc), {f: ("traditional", "exact") for f in FUNCS})
        fd = self.findings(doc)
        self.assertEqual(fd["azure.nsg.no_internet_admin_ports"], "fail")
        self.assertEqual(fd["azure.storage.secure_transfer"], "fail")
        # No host collector ran: the shared rule's host part is skipped, azure's part decides.
        self.assertEqual(fd["azure.nsg.internet_ingress_filtered"], "fail")
        # Paging: both second pages fetched by their nextLink; the Disabled subscription untouched.
        queries = {(r["path"], r["query"]) for r in arm}
        self.assertIn((f"/subscriptions/{A}{NSG}", "api-version=2024-05-01&$skiptoken=page2"), queries)
        self.assertIn((f"/subscriptions/{A}{STORAGE}", "api-version=2023-05-01&$skiptoken=s2"), queries)
        self.assertFalse([r for r in arm if C in r["path"]])
        self.assertTrue(all(r["status"] == 200 for r in arm))
        tokens = [r for r in requests if r["path"].endswith("/oauth2/v2.0/token")]
        self.assertEqual(len(tokens), 1)  # one ARM token for every subscription and page
        self.assertEqual(c["requests"], len(requests))

    def test_strong(self):
        p, doc, requests, arm = self.scan("azure_strong", f"subscriptions = {A}, {B}\n")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.collector(doc)["status"], "ok")
        self.assertFalse([r for r in arm if r["path"] == "/subscriptions"])  # configured
        self.assertEqual({r["path"].split("/")[2] for r in arm}, {A, B})
        ev = self.evidence(doc)
        self.assertEqual(ev["azure.nsg.count"], 2)
        self.assertEqual(ev["azure.nsg.internet_admin_open_count"], 0)  # SSH Allow shadowed
        self.assertEqual(ev["azure.nsg.internet_open_admin_ports"], [])
        self.assertEqual(self.detail(doc, "azure.subscriptions.count")["source"], "configured")
        self.assertTrue(ev["azure.defender.all_plans_enabled"])
        self.assertTrue(ev["azure.activity_log.exported_all"])
        self.assertEqual(self.stages(doc), {
            "networks.segmentation": ("initial", "at_least"),
            "data.access": ("advanced", "at_least"),
            "data.encryption": ("initial", "at_least"),
            "crosscutting.visibility_analytics": ("initial", "at_least"),
            "applications.visibility_analytics": ("optimal", "exact")})
        self.assertEqual(self.findings(doc)["azure.nsg.internet_ingress_filtered"], "pass")

    def test_faults(self):
        p, doc, requests, arm = self.scan("azure_faults")
        c = self.collector(doc)
        self.assertEqual(c["status"], "partial")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn(B, c["error"])
        self.assertIn("AuthorizationFailed", c["error"])
        self.assertIn(f"/subscriptions/{B}{NSG}", c["error"])
        self.assertIn("Reader", c["error"])
        ev = self.evidence(doc)
        # The NSG area failed on B: no NSG key at all (A alone would claim a clean estate).
        self.assertFalse([k for k in ev if k.startswith("azure.nsg.")])
        self.assertEqual(self.findings(doc)["azure.nsg.no_internet_admin_ports"], "unknown")
        self.assertEqual(self.stages(doc)["networks.segmentation"][0], "unknown")
        # The other areas of both subscriptions are complete.
        self.assertEqual(ev["azure.storage.count"], 2)
        self.assertTrue(ev["azure.defender.all_plans_enabled"])
        self.assertTrue(ev["azure.activity_log.exported_all"])
        # 401 expired: the first token was refused, a second one fetched, the call retried.
        tokens = [r for r in requests if r["path"].endswith("/oauth2/v2.0/token")]
        self.assertEqual(len(tokens), 2)
        self.assertTrue([r for r in arm if r["status"] == 401 and r["token"] == "tok-1"])
        self.assertFalse([r for r in arm if r["status"] == 401 and r["token"] != "tok-1"])
        # 429 with Retry-After: 1 on A's storage: the retry came at least a second later.
        st = sorted((r for r in arm if r["path"] == f"/subscriptions/{A}{STORAGE}"),
                    key=lambda r: r["t"])
        throttled = [r for r in st if r["status"] == 429]
        self.assertEqual(len(throttled), 1)
        after = [r for r in st if r["t"] > throttled[0]["t"]]
        self.assertEqual(after[-1]["status"], 200)
        self.assertGreaterEqual(after[0]["t"] - throttled[0]["end"], 0.95)
        # 403 is not retried.
        self.assertEqual(len([r for r in arm if r["path"] == f"/subscriptions/{B}{NSG}"]), 1)

    def test_bad_bodies(self):
        p, doc, _, _ = self.scan("azure_bad")
        c = self.collector(doc)
        self.assertEqual(c["status"], "partial")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn(f"/subscriptions/{A}{NSG}", c["error"])  # the first problem names the URL
        ev = self.evidence(doc)
        self.assertFalse([k for k in ev if k.startswith(("azure.nsg.", "azure.defender."))])
        self.assertEqual(ev["azure.storage.count"], 1)
        self.assertTrue(ev["azure.activity_log.exported_all"])

    def test_no_subscription(self):
        p, doc, _, _ = self.scan("azure_empty")
        c = self.collector(doc)
        self.assertEqual(c["status"], "error")
        self.assertIn("Reader", c["error"])
        self.assertNotEqual(p.returncode, 0)
        self.assertEqual([e for e in doc["evidence"] if e["collector"] == "azure"], [])
        # Not listable at all (404): an error naming the listing, no evidence either.
        p, doc, _, _ = self.scan("azure_strong")
        c = self.collector(doc)
        self.assertEqual(c["status"], "error")
        self.assertIn("/subscriptions?api-version=2022-12-01", c["error"])
        self.assertEqual(doc["evidence"], [])

    def test_bad_config(self):
        path = os.path.join(self.tmp.name, "bad.conf")
        with open(path, "w") as f:
            f.write(f"[collector:azure]\ntenant_id = t\nclient_id = c\nclient_secret_file = "
                    f"{self.secret}\nsubscriptions = ../../x\n")
        p = subprocess.run([ZTMMD, "--check-config", "--config", path], capture_output=True,
                           text=True, timeout=60)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("subscriptions", p.stderr)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
