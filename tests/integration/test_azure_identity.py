#!/usr/bin/env python3
"""test_azure_identity.py - end-to-end: the built `ztmmd --once` getting its Microsoft tokens
without a secret. The entra collector through the instance metadata endpoint (a plain-HTTP
fixture on loopback, managed_identity_url) and through workload identity federation
(AZURE_FEDERATED_TOKEN_FILE, AZURE_TENANT_ID and AZURE_CLIENT_ID with no ids in the config);
the azure collector through App Service's IDENTITY_ENDPOINT and IDENTITY_HEADER; intune and
defender through a user-assigned identity. The Graph, ARM and device fixtures are the
entra_strong, azure_strong and devices_strong scenarios, adapted in a temp dir.

Usage: test_azure_identity.py ZTMMD SOURCE_DIR
"""
import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import unittest

import fixture

ZTMMD, SRC = sys.argv[1:3]
RULES = os.path.join(SRC, "conf", "rules", "ztmm-v2.json")
SCENARIOS = os.path.join(SRC, "tests", "fixtures", "scenarios")
CLIENT_ID = "6f1e3b8a-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
BREAK_GLASS = "0b1c2d3e-0000-4000-8000-00000000b001"
SUB_A = "11111111-1111-4111-8111-111111111111"  # azure_strong's configured subscriptions
SUB_B = "22222222-2222-4222-8222-222222222222"
MI_TOKEN = "mi-fixture-token-0123456789abcdef"
HEADER = "app-service-h3ad3r"
ISSUER = "https://oidc.aks.example/tenant/issuer"
SUBJECT = "system:serviceaccount:ztmm:ztmmd"


def b64url(obj):
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


class AzureIdentity(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        fixture.make_pki(cls, SRC, "unused")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def scenario(self, name, edit):
        """A copy of scenario name in the temp dir, its scenario.json changed by edit(spec)."""
        d = os.path.join(self.tmp.name, f"{name}-{self._testMethodName}")
        shutil.copytree(os.path.join(SCENARIOS, name), d)
        with open(os.path.join(d, "scenario.json")) as f:
            spec = json.load(f)
        edit(spec)
        with open(os.path.join(d, "scenario.json"), "w") as f:
            json.dump(spec, f)
        return d

    def serve(self, scenario, plain=False):
        log = os.path.join(self.tmp.name, f"log-{os.path.basename(scenario)}.jsonl")
        base = fixture.serve(self, SRC, scenario, log)
        return (base.replace("https://", "http://") if plain else base), log

    def identity_server(self, path):
        """A plain-HTTP identity endpoint issuing MI_TOKEN; returns its URL and log."""
        def edit(spec):
            spec["identity"] = {path[0]: path[1], "header": HEADER, "access_token": MI_TOKEN,
                                "client_ids": [CLIENT_ID]}
        base, log = self.serve(self.scenario("azure_identity", edit), plain=True)
        return base + path[1], log

    def run_ztmmd(self, conf, env, rules=RULES):
        path = os.path.join(self.tmp.name, f"{self._testMethodName}.conf")
        with open(path, "w") as f:
            f.write(conf)
        environ = {k: v for k, v in os.environ.items()
                   if not k.startswith(("AZURE_", "IDENTITY_"))}
        environ.update(env)
        p = subprocess.run([ZTMMD, "--once", "--config", path, "--rules", rules, "--format",
                            "json", "--log-level", "info"], capture_output=True, text=True,
                           timeout=120, env=environ)
        self.assertNotIn(p.returncode, (-6, -11, 134, 139), p.stderr)  # never a crash
        self.assertNotIn(MI_TOKEN, p.stdout + p.stderr)
        self.assertNotIn(HEADER, p.stdout + p.stderr)
        self.assertNotIn("tok-", p.stdout + p.stderr)
        return p, json.loads(p.stdout)

    @staticmethod
    def requests(log):
        with open(log) as f:
            return [json.loads(line) for line in f]

    def static_graph(self, name):
        """scenario name served accepting only MI_TOKEN as its bearer token (no OAuth)."""
        def edit(spec):
            del spec["oauth"]
            spec["bearer_tokens"] = [MI_TOKEN]
        return self.serve(self.scenario(name, edit))

    def collected(self, doc, collector):
        """The collector completed (status ok) and its evidence."""
        (c,) = [c for c in doc["collectors"] if c["type"] in ("entra", "azure")]
        self.assertEqual((c["status"], c["error"]), ("ok", None))
        return [e for e in doc["evidence"] if e["collector"] == collector]

    def test_entra_managed_identity_imds(self):
        graph, glog = self.static_graph("entra_strong")
        imds, ilog = self.identity_server(("imds_path", "/metadata/identity/oauth2/token"))
        conf = (f"[collector:contoso]\ntype = entra\nmanaged_identity_url = {imds}\n"
                f"graph_url = {graph}\nca_file = {self.certs}/ca.pem\n"
                f"emergency_accounts = {BREAK_GLASS}\n")
        p, doc = self.run_ztmmd(conf, {})
        self.assertIn("managed identity (instance metadata)", p.stderr)
        self.assertTrue(self.collected(doc, "contoso"), p.stderr)
        ids = self.requests(ilog)
        self.assertEqual(len(ids), 1, ids)  # one token for the whole scan
        self.assertEqual(ids[0]["client_auth"], "imds")
        self.assertEqual(ids[0]["resource"], graph)  # scope origin without /.default
        self.assertIsNone(ids[0]["client_id"])  # system-assigned
        calls = self.requests(glog)
        self.assertTrue(calls)
        for r in calls:
            self.assertEqual(r["token"], "static-1", r)

    def test_entra_workload_identity_from_environment(self):
        def edit(spec):
            spec["oauth"] = {"client_id": CLIENT_ID,
                             "federated": {"issuer": ISSUER, "subject": SUBJECT}}
        graph, glog = self.serve(self.scenario("entra_strong", edit))
        token_file = os.path.join(self.tmp.name, "azure-identity-token")
        jwt = ".".join([b64url({"alg": "RS256", "kid": "k"}),
                        b64url({"iss": ISSUER, "sub": SUBJECT,
                                "aud": "api://AzureADTokenExchange",
                                "exp": int(time.time()) + 3600}), "c2ln"])
        with open(token_file, "w") as f:
            f.write(jwt + "\n")
        os.chmod(token_file, 0o644)  # as the kubelet projects it
        conf = (f"[collector:contoso]\ntype = entra\nlogin_url = {graph}\ngraph_url = {graph}\n"
                f"ca_file = {self.certs}/ca.pem\nemergency_accounts = {BREAK_GLASS}\n")
        p, doc = self.run_ztmmd(conf, {"AZURE_FEDERATED_TOKEN_FILE": token_file,
                                       "AZURE_TENANT_ID": "contoso.onmicrosoft.com",
                                       "AZURE_CLIENT_ID": CLIENT_ID})
        self.assertIn("workload identity", p.stderr)
        self.assertNotIn(jwt.split(".")[1], p.stdout + p.stderr)
        self.assertTrue(self.collected(doc, "contoso"), p.stderr)
        reqs = self.requests(glog)
        tokens = [r for r in reqs if r["path"] == "/contoso.onmicrosoft.com/oauth2/v2.0/token"]
        self.assertEqual(len(tokens), 1, reqs)
        self.assertEqual(tokens[0]["client_auth"], "federated")
        self.assertEqual(tokens[0]["assertion_sha256"],
                         hashlib.sha256(jwt.encode()).hexdigest()[:12])
        self.assertEqual(tokens[0].get("issued"), "tok-1", tokens[0])
        for r in reqs:
            if r not in tokens:
                self.assertEqual(r["token"], "tok-1", r)

    def test_azure_app_service_identity(self):
        arm, alog = self.static_graph("azure_strong")
        endpoint, ilog = self.identity_server(("app_service_path", "/msi/token"))
        with open(RULES) as f:
            cat = json.load(f)
        cat["rules"] = [r for r in cat["rules"] if r["id"].startswith("azure.")]
        rules = os.path.join(self.tmp.name, "azure-rules.json")
        with open(rules, "w") as f:
            json.dump(cat, f)
        conf = (f"[collector:azure]\nclient_id = {CLIENT_ID}\narm_url = {arm}\n"
                f"ca_file = {self.certs}/ca.pem\nsubscriptions = {SUB_A}, {SUB_B}\n")
        p, doc = self.run_ztmmd(conf, {"IDENTITY_ENDPOINT": endpoint,
                                       "IDENTITY_HEADER": HEADER}, rules)
        self.assertIn("managed identity (App Service)", p.stderr)
        self.assertTrue(self.collected(doc, "azure"), p.stderr)
        ids = self.requests(ilog)
        self.assertEqual(len(ids), 1, ids)
        self.assertEqual((ids[0]["client_auth"], ids[0]["client_id"]), ("app_service", CLIENT_ID))
        self.assertEqual(ids[0]["resource"], arm)
        for r in self.requests(alog):
            if r.get("route") is not None:
                self.assertEqual(r["token"], "static-1", r)

    def test_intune_and_defender_user_assigned_identity(self):
        api, alog = self.static_graph("devices_strong")
        imds, ilog = self.identity_server(("imds_path", "/metadata/identity/oauth2/token"))
        common = (f"client_id = {CLIENT_ID}\nmanaged_identity_url = {imds}\n"
                  f"ca_file = {self.certs}/ca.pem\n")
        conf = (f"[collector:intune]\n{common}graph_url = {api}\n\n"
                f"[collector:defender]\n{common}api_url = {api}\n")
        p, doc = self.run_ztmmd(conf, {})
        self.assertEqual(sorted((c["type"], c["status"]) for c in doc["collectors"]),
                         [("defender", "ok"), ("intune", "ok")], p.stderr)
        ids = self.requests(ilog)
        # One token per resource: Graph (the origin of graph_url) and Defender for Endpoint.
        self.assertEqual(sorted(r["resource"] for r in ids),
                         sorted([api, "https://api.securitycenter.microsoft.com"]), ids)
        self.assertTrue(all(r["client_id"] == CLIENT_ID for r in ids), ids)
        for r in self.requests(alog):
            if r.get("route") is not None:
                self.assertEqual(r["token"], "static-1", r)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
