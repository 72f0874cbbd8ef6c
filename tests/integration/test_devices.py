#!/usr/bin/env python3
"""test_devices.py - end to end: the built `ztmmd --once` with the intune and defender collectors
against the HTTPS fixture server (tests/fixtures/server.py) on the devices_* scenarios.

Usage: test_devices.py ZTMMD ZTMMCTL SOURCE_DIR
Checks the stage of every devices function (with a catalog reduced to the intune.* and
defender.* rules, so other sources cannot interfere), evidence values, that faults end in a
partial result or a clear collector error naming the URL, and from the server's request log that
every API request carried a valid token of the right resource and that throttling was honoured.
"""
import json
import os
import subprocess
import sys
import unittest

import fixture

ZTMMD, ZTMMCTL, SRC = sys.argv[1:4]
RULES = os.path.join(SRC, "conf", "rules", "ztmm-v2.json")
SECRET = "devices-secret~1"
FUNCS = ["devices.policy_enforcement_compliance", "devices.asset_supply_chain_risk",
         "devices.threat_protection", "devices.visibility_analytics", "data.encryption"]


class Devices(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        fixture.make_pki(cls, SRC, SECRET)
        with open(RULES) as f:
            cat = json.load(f)
        cat["rules"] = [r for r in cat["rules"] if r["id"].startswith(("intune.", "defender."))]
        cls.ours = {r["id"] for r in cat["rules"]}
        cls.rules = os.path.join(cls.tmp.name, "devices-rules.json")
        with open(cls.rules, "w") as f:
            json.dump(cat, f)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def serve(self, scenario):
        log = os.path.join(self.tmp.name, f"log-{scenario}-{self._testMethodName}")
        return fixture.serve(self, SRC, scenario, log), log

    def scan(self, scenario, defender_extra="", rules=None):
        base, log = self.serve(scenario)
        common = (f"tenant_id = contoso\nclient_id = app-devices\nlogin_url = {base}\n"
                  f"ca_file = {self.certs}/ca.pem\n")
        conf = (f"[collector:intune]\n{common}client_secret_file = {self.secret}\ngraph_url = {base}\n\n"
                f"[collector:defender]\n{common}api_url = {base}\n"
                + (defender_extra or f"client_secret_file = {self.secret}\n"))
        path = os.path.join(self.tmp.name, "ztmmd.conf")
        with open(path, "w") as f:
            f.write(conf)
        p = subprocess.run([ZTMMD, "--once", "--config", path, "--rules", rules or self.rules],
                           capture_output=True, text=True, timeout=120)
        self.assertNotIn(SECRET, p.stdout + p.stderr)
        self.assertNotIn("tok-", p.stdout + p.stderr)  # issued tokens are "tok-N.<hex>"
        with open(log) as f:
            entries = [json.loads(line) for line in f]
        return p, json.loads(p.stdout), entries

    def stages(self, doc):
        return {f["id"]: (f["stage"], f["bound"]) for f in doc["functions"] if f["id"] in FUNCS}

    def evidence(self, doc):
        return {e["key"]: e["value"] for e in doc["evidence"]}

    def findings(self, doc):
        return {fd["rule"]: fd["status"] for fd in doc["findings"]}

    def check_tokens(self, entries):
        """Every API request carried an issued token; Graph and Defender used different ones."""
        api = [e for e in entries if not e["path"].endswith("/oauth2/v2.0/token")]
        self.assertTrue(api)
        for e in api:
            self.assertRegex(e["token"] or "", r"^tok-\d+$", e)
            self.assertNotEqual(e["status"], 401, e)
        graph = {e["token"] for e in api if e["path"].startswith("/v1.0/")}
        mde = {e["token"] for e in api if e["path"].startswith("/api/")}
        self.assertTrue(graph and mde)
        self.assertFalse(graph & mde, "a Graph token was sent to Defender or vice versa")
        tokens = [e for e in entries if e["path"] == "/contoso/oauth2/v2.0/token"]
        self.assertEqual(len(tokens), 2)  # one per resource, cached across pages and calls
        self.assertTrue(all(e["status"] == 200 for e in tokens))
        return tokens

    def check_collectors_ok(self, p, doc):
        self.assertEqual(p.returncode, 0, p.stderr)
        st = {c["name"]: (c["type"], c["status"], c["error"]) for c in doc["collectors"]}
        self.assertEqual(st, {"intune": ("intune", "ok", None), "defender": ("defender", "ok", None)})

    def test_weak(self):
        p, doc, log = self.scan("devices_weak")
        self.check_collectors_ok(p, doc)
        self.check_tokens(log)
        self.assertEqual(self.stages(doc), {
            "devices.policy_enforcement_compliance": ("traditional", "exact"),
            "devices.asset_supply_chain_risk": ("initial", "exact"),
            # Defender saw no sensor, and no host was scanned: the observed sources say no.
            "devices.threat_protection": ("traditional", "exact"),
            "devices.visibility_analytics": ("initial", "exact"),
            "data.encryption": ("initial", "exact")})
        ev = self.evidence(doc)
        self.assertEqual(ev["intune.devices.count"], 4)
        self.assertEqual(ev["intune.devices.compliant_share"], 0.25)
        self.assertEqual(ev["intune.devices.jailbroken_count"], 1)
        self.assertEqual(ev["intune.devices.stale_count"], 3)
        self.assertEqual(ev["intune.compliance.policy_count"], 1)
        self.assertEqual(ev["intune.compliance.assigned_policy_count"], 0)  # exclusion-only
        self.assertEqual(ev["intune.compliance.uncovered_platforms"], ["windows", "ios", "android"])
        self.assertFalse(ev["intune.compliance.device_platforms_covered"])
        # An empty Defender tenant (404) is an empty list: counts 0, no shares.
        self.assertEqual(ev["defender.machines.count"], 0)
        self.assertNotIn("defender.machines.onboarded_share", ev)
        detail = next(e["detail"] for e in doc["evidence"] if e["key"] == "defender.machines.count")
        self.assertIn("ResourceNotFound", detail["empty_reason"])
        fd = self.findings(doc)
        self.assertEqual(fd["intune.compliance.policy_assigned"], "fail")
        self.assertEqual(fd["defender.machines.onboarded_most"], "fail")
        self.assertEqual(fd["defender.machines.edr_active"], "fail")
        # Two pages of devices, paged by the nextLink verbatim.
        dev = [e for e in log if e["path"] == "/v1.0/deviceManagement/managedDevices"]
        self.assertEqual(len(dev), 2)
        self.assertTrue(dev[1]["query"].endswith("&$skiptoken=weak-p2"))

    def test_typical_with_throttling_and_5xx(self):
        p, doc, log = self.scan("devices_typical")
        self.check_collectors_ok(p, doc)
        self.check_tokens(log)
        self.assertEqual(self.stages(doc), {
            "devices.policy_enforcement_compliance": ("advanced", "exact"),
            "devices.asset_supply_chain_risk": ("advanced", "exact"),
            "devices.threat_protection": ("advanced", "exact"),
            "devices.visibility_analytics": ("advanced", "exact"),
            "data.encryption": ("initial", "exact")})
        ev = self.evidence(doc)
        self.assertEqual(ev["intune.devices.count"], 10)
        self.assertEqual(ev["intune.devices.compliant_share"], 0.9)
        self.assertEqual(ev["intune.devices.encrypted_share"], 0.7)
        self.assertEqual(ev["intune.devices.synced_share"], 0.9)
        self.assertEqual(ev["intune.compliance.assigned_policy_count"], 4)
        self.assertTrue(ev["intune.compliance.device_platforms_covered"])
        self.assertEqual(ev["defender.machines.count"], 10)
        self.assertEqual(ev["defender.machines.onboarded_share"], 0.9)
        self.assertAlmostEqual(ev["defender.machines.healthy_share"], 8 / 9)
        self.assertEqual(ev["defender.machines.can_be_onboarded_count"], 1)
        self.assertEqual(ev["defender.machines.stale_count"], 1)
        self.assertEqual(ev["defender.machines.high_risk_count"], 1)
        self.assertEqual(ev["defender.machines.high_exposure_count"], 2)
        req = {c["name"]: c["requests"] for c in doc["collectors"]}
        self.assertEqual(req, {"intune": 7, "defender": 4})
        # 429 with Retry-After: 1 on device page 2, honoured before the retry.
        p2 = [e for e in log if e["query"].endswith("$skiptoken=typical-p2")]
        self.assertEqual([e["status"] for e in p2], [429, 200])
        self.assertGreaterEqual(p2[1]["t"] - p2[0]["end"], 0.9)
        # 503 then success on the first Defender page; page 2 by nextLink.
        mde = [e for e in log if e["path"] == "/api/machines"]
        self.assertEqual([(e["query"], e["status"]) for e in mde],
                         [("$top=2500", 503), ("$top=2500", 200), ("$top=2500&$skip=6", 200)])

    def test_strong_with_certificate_and_skip_windows(self):
        extra = (f"certificate_file = {self.certs}/client.pem\n"
                 f"private_key_file = {self.certs}/client.key\npage_size = 8\n")
        p, doc, log = self.scan("devices_strong", extra)
        self.check_collectors_ok(p, doc)
        tokens = self.check_tokens(log)
        self.assertEqual(sorted(e["client_auth"] for e in tokens), ["assertion", "secret"])
        self.assertEqual(self.stages(doc), {f: ("optimal", "exact") for f in FUNCS})
        ev = self.evidence(doc)
        self.assertEqual(ev["intune.devices.count"], 20)
        self.assertEqual(ev["intune.devices.compliant_share"], 1.0)
        self.assertEqual(ev["intune.compliance.device_risk_policy_count"], 3)
        self.assertEqual(ev["defender.machines.count"], 20)
        self.assertEqual(ev["defender.machines.healthy_share"], 1.0)
        self.assertEqual(ev["defender.machines.high_exposure_share"], 0.05)
        self.assertEqual(self.findings(doc)["intune.compliance.device_risk_gates_access"], "pass")
        mde = [e["query"] for e in log if e["path"] == "/api/machines"]
        self.assertEqual(mde, ["$top=8", "$top=8&$skip=8", "$top=8&$skip=16"])

    def test_full_catalog_judges_our_rules_the_same(self):
        p, doc, _ = self.scan("devices_typical", rules=RULES)
        self.check_collectors_ok(p, doc)
        saved = os.path.join(self.tmp.name, "typical.json")
        with open(saved, "w") as f:
            f.write(p.stdout)
        e = subprocess.run([ZTMMCTL, "evaluate", saved, "--rules", self.rules],
                           capture_output=True, text=True)
        self.assertEqual(e.returncode, 0, e.stderr)
        full = {k: v for k, v in self.findings(doc).items() if k in self.ours}
        self.assertEqual(full, self.findings(json.loads(e.stdout)))
        self.assertEqual(len(full), len(self.ours))
        self.assertNotIn("unknown", full.values())

    def test_faults_end_in_partial_result_and_clear_errors(self):
        p, doc, log = self.scan("devices_faults")
        self.assertEqual(p.returncode, 3, p.stderr)
        st = {c["name"]: c for c in doc["collectors"]}
        self.assertEqual(st["intune"]["status"], "partial")
        self.assertIn("/v1.0/deviceManagement/managedDevices", st["intune"]["error"])
        self.assertIn("malformed JSON", st["intune"]["error"])
        self.assertEqual(st["defender"]["status"], "error")
        self.assertIn("/api/machines?$top=2500", st["defender"]["error"])
        self.assertIn('no "value" array', st["defender"]["error"])
        ev = self.evidence(doc)
        self.assertEqual(ev["intune.compliance.policy_count"], 1)
        self.assertFalse(any(k.startswith(("intune.devices.", "defender.")) for k in ev))
        self.assertIn("collector defender (defender): error:", p.stderr)
        self.check_tokens(log)

    def test_config_check_refuses_two_credentials(self):
        path = os.path.join(self.tmp.name, "bad.conf")
        with open(path, "w") as f:
            f.write(f"[collector:intune]\ntenant_id = contoso\nclient_id = a\n"
                    f"client_secret_file = {self.secret}\ncredential = x\n")
        p = subprocess.run([ZTMMD, "--check-config", "--config", path, "--rules", RULES],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 1)
        self.assertIn("exactly one of 'client_secret_file', 'credential' or 'certificate_file'",
                      p.stderr)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
