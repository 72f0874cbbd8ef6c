#!/usr/bin/env python3
"""test_estate.py - one `ztmmd --once` over a whole estate: the local host plus every API
collector, each against its fixture server's strong scenario (tests/fixtures/scenarios/*_strong).

What it shows: with identity, device, network and cloud sources together, far more than half of
the 40 ZTMM functions get a stage (the host alone leaves most `unknown`), every collector
completes, and no secret reaches the output. The per-collector tests check each derivation;
this one checks that the catalog ties them together.

Usage: test_estate.py ZTMMD SRC
"""
import json
import os
import subprocess
import sys
import unittest

import fixture
from ladder_estates import SECRETS, kubeconfig

ZTMMD, SRC = sys.argv[1], os.path.abspath(sys.argv[2])
RULES = os.path.join(SRC, "conf", "rules", "ztmm-v2.json")
HOST_TREE = os.path.join(SRC, "tests", "fixtures", "host", "hardened")
# Rules that give a stage to functions no single-source test covers (see the catalog).
CROSS_SOURCE_RULES = [
    "idp.apps_brokered_with_mfa", "entra.pim.just_in_time_privilege",
    "intune.compliance.lifecycle_policy", "intune.compliance.automated_evaluation",
    "aws.guardduty.network_ioc_monitoring", "cloud.data_plane_activity_logged",
    "azure.defender.workload_vulnerability_assessment", "cloud.policy_posture_assessed",
    "kubernetes.rbac.least_privilege_deploy", "kubernetes.netpol.per_namespace_policy",
]
# Keys the strong estate cannot show, and the test in which a real collector emits each.
EMITTED_ELSEWHERE = {
}


def catalog_keys(catalog):
    """Every evidence key a rule of the catalog reads (check and applies_if)."""
    keys = set()

    def walk(p):
        if "key" in p:
            keys.add(p["key"])
        for sub in p.get("all", []) + p.get("any", []):
            walk(sub)
        if "not" in p:
            walk(p["not"])

    for rule in catalog["rules"]:
        walk(rule["check"])
        if "applies_if" in rule:
            walk(rule["applies_if"])
    return keys


class Estate(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        fixture.make_pki(cls, SRC, "unused")
        cls.files = {}
        for name, value in SECRETS.items():
            path = os.path.join(cls.tmp.name, f"secret-{name}")
            with open(path, "w") as f:
                f.write(value + "\n")
            os.chmod(path, 0o600)
            cls.files[name] = path

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def kubeconfig(self, base):
        return kubeconfig(self.certs, base, self.tmp.name)

    def serve(self, scenario):
        log = os.path.join(self.tmp.name, f"log-{scenario}.jsonl")
        return fixture.serve(self, SRC, scenario, log)

    def run_scan(self, conf_text, name):
        path = os.path.join(self.tmp.name, f"{name}.conf")
        with open(path, "w") as f:
            f.write(conf_text)
        p = fixture.run_once(self, ZTMMD, path, RULES)
        self.assertTrue(p.stdout.startswith("{"), f"no result (exit {p.returncode}): {p.stderr}")
        return p, json.loads(p.stdout)

    def test_whole_estate_assesses_most_functions(self):
        ca = f"ca_file = {self.certs}/ca.pem\n"
        entra, devices, okta = (self.serve("entra_strong"), self.serve("devices_strong"),
                                self.serve("okta_strong"))
        azure, aws, k8s = (self.serve("azure_strong"), self.serve("aws_strong"),
                           self.serve("k8s_strong"))
        falcon = self.serve("crowdstrike_strong")
        github = self.serve("github_strong")
        host = f"[collector:host]\nroot = {HOST_TREE}\n"
        conf = host + (
            f"[collector:contoso]\ntype = entra\ntenant_id = contoso.onmicrosoft.com\n"
            f"client_id = 6f1e3b8a-1c2d-4e5f-8a9b-0c1d2e3f4a5b\n"
            f"client_secret_file = {self.files['entra']}\nlogin_url = {entra}\n"
            f"graph_url = {entra}\n{ca}emergency_accounts = 0b1c2d3e-0000-4000-8000-00000000b001\n"
            f"[collector:intune]\ntenant_id = contoso\nclient_id = app-devices\n"
            f"login_url = {devices}\n{ca}client_secret_file = {self.files['devices']}\n"
            f"graph_url = {devices}\n"
            f"[collector:defender]\ntenant_id = contoso\nclient_id = app-devices\n"
            f"login_url = {devices}\n{ca}api_url = {devices}\npage_size = 8\n"
            f"client_secret_file = {self.files['devices']}\n"
            f"[collector:acme]\ntype = okta\norg_url = {okta}\n"
            f"api_token_file = {self.files['okta']}\n{ca}"
            f"[collector:azure]\ntenant_id = contoso.onmicrosoft.com\n"
            f"client_id = 7a1e3b8a-1c2d-4e5f-8a9b-0c1d2e3f4a5c\n"
            f"client_secret_file = {self.files['azure']}\nlogin_url = {azure}\n"
            f"arm_url = {azure}\n{ca}subscriptions = 11111111-1111-4111-8111-111111111111, "
            f"22222222-2222-4222-8222-222222222222\n"
            f"[collector:acct]\ntype = aws\naccess_key_id = ASIAZTMMDFIXTURE0001\n"
            f"secret_access_key_file = {self.files['aws']}\n"
            f"session_token_file = {self.files['aws_token']}\n"
            f"regions = us-east-1, eu-west-1\nendpoint_url = {aws}/\n{ca}"
            f"[collector:k8s]\ntype = kubernetes\nkubeconfig = {self.kubeconfig(k8s)}\n"
            f"page_size = 2\n"
            f"[collector:falcon]\ntype = crowdstrike\nbase_url = {falcon}\n"
            f"client_id = 3f8a2c1d9b7e4f60a5c3d2e1f0b9a8c7\n"
            f"client_secret_file = {self.files['falcon']}\n{ca}"
            f"[collector:gh]\ntype = github\norganizations = acme, acme-labs\n"
            f"api_url = {github}\napp_id = 123456\nprivate_key_file = {self.certs}/client.key\n{ca}")
        p, doc = self.run_scan(conf, "estate")
        self.assertEqual(p.returncode, 0, p.stderr)
        statuses = {c["name"]: c["status"] for c in doc["collectors"]}
        self.assertEqual(set(statuses), {"host", "contoso", "intune", "defender", "acme", "azure",
                                         "acct", "k8s", "falcon", "gh"})
        self.assertEqual(set(statuses.values()), {"ok"}, statuses)
        for value in SECRETS.values():
            self.assertNotIn(value, p.stdout + p.stderr)

        assessed = {f["id"] for f in doc["functions"] if f["stage"] != "unknown"}
        _, host_doc = self.run_scan(host, "host-only")
        host_assessed = {f["id"] for f in host_doc["functions"] if f["stage"] != "unknown"}
        # The estate sees everything the host sees and much more: far more than half of the 40.
        self.assertLessEqual(host_assessed, assessed)
        self.assertGreaterEqual(len(assessed), 26,
                                f"only {len(assessed)} assessed; unknown: "
                                f"{sorted(f['id'] for f in doc['functions'] if f['stage'] == 'unknown')}")
        # Each pillar gets a stage, so the overall estimate stands on all five.
        pillars = {p["id"]: p["stage"] for p in doc["pillars"]}
        for pillar in ("identity", "devices", "networks", "applications", "data"):
            self.assertNotEqual(pillars.get(pillar, "unknown"), "unknown", pillars)
        outcomes = {f["rule"]: f["status"] for f in doc["findings"]}
        # The strong scenarios meet each of them (the per-source tests show the failing side).
        self.assertEqual({r: outcomes.get(r) for r in CROSS_SOURCE_RULES},
                         {r: "pass" for r in CROSS_SOURCE_RULES})
        print(f"estate: {len(assessed)}/40 functions assessed (host alone: {len(host_assessed)})",
              file=sys.stderr)
        # Every key the catalog reads is emitted by a real collector, here or (for the keys a
        # strong estate does not produce) in the test named beside it.
        emitted = {e["key"] for e in doc["evidence"]} | set(EMITTED_ELSEWHERE)
        with open(RULES) as f:
            read = catalog_keys(json.load(f))
        self.assertEqual(sorted(read - emitted), [], "keys the catalog reads but no collector emits")


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
