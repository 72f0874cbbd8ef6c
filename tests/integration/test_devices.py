#!/usr/bin/env python3
"""test_devices.py - end to end: the built `ztmmd --once` with the intune and defender collectors
against the HTTPS fixture server (tests/fixtures/server.py) on the devices_* scenarios.

Usage: test_devices.py ZTMMD ZTMMCTL SOURCE_DIR
Checks the stage of every devices function (with a catalog reduced to the intune.* and
defender.* rules, so other sources cannot interfere), evidence values, that faults end in a
partial result or a clear collector error naming the URL, that a denied permission or a feature
not licensed leaves its keys out and its rules unknown (never passed or failed), that truncated and slow bodies are
recovered with the clean result, and from the server's request log that every API request carried
a valid token of the right resource and that throttling was honoured.
"""
import json
import os
import subprocess
import sys
import time
import unittest

import fixture

ZTMMD, ZTMMCTL, SRC = sys.argv[1:4]
RULES = os.path.join(SRC, "conf", "rules", "ztmm-v2.json")
SECRET = "devices-secret~1"
FUNCS = ["devices.policy_enforcement_compliance", "devices.asset_supply_chain_risk",
         "devices.threat_protection", "devices.visibility_analytics", "data.encryption",
         "devices.automation_orchestration", "devices.governance"]
# The rules reading the device lifecycle and vulnerability management calls.
LIFECYCLE_RULES = [
    "intune.compliance.noncompliant_blocked_72h", "intune.compliance.noncompliant_retired_30d",
    "intune.remediations.scheduled", "intune.autopilot.provisioning",
    "intune.enrollment.personal_blocked", "intune.cleanup.stale_retired_90d",
    "defender.vulnerabilities.critical_fixed_30d", "defender.exposure.score_30",
    "defender.software.no_end_of_support", "defender.vulnerabilities.exploited_fixed_14d"]


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

    def log_file(self, scenario):
        return os.path.join(self.tmp.name, f"log-{scenario}-{self._testMethodName}")

    def serve(self, scenario):
        log = self.log_file(scenario)
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
        return p, json.loads(p.stdout), self.read_log(log)

    def read_log(self, log):
        with open(log) as f:
            return [json.loads(line) for line in f]

    def wait_log(self, scenario, pred, seconds=10):
        """This test's request log of scenario once an entry matches pred. The server logs a
        response when it sends it: a reply the client stopped waiting for shows up only later."""
        until = time.monotonic() + seconds
        while True:
            entries = self.read_log(self.log_file(scenario))
            if any(pred(e) for e in entries) or time.monotonic() >= until:
                return entries
            time.sleep(0.1)

    def typical_evidence(self, prefix=""):
        """The evidence values of a clean devices_typical scan whose keys start with prefix (the
        scan runs once per class)."""
        cls = type(self)
        if not hasattr(cls, "typical"):
            p, doc, _ = self.scan("devices_typical")
            self.check_collectors_ok(p, doc)
            cls.typical = self.evidence(doc)
        return {k: v for k, v in cls.typical.items() if k.startswith(prefix)}

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
            "data.encryption": ("initial", "exact"),
            "devices.automation_orchestration": ("traditional", "exact"),
            "devices.governance": ("traditional", "exact")})
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
        # The lifecycle calls: nothing assigned, nothing cleaned up, personal devices welcome.
        self.assertEqual(ev["intune.compliance.without_retire_count"], 0)  # none assigned
        self.assertEqual(ev["intune.cleanup.rule_count"], 0)
        self.assertFalse(ev["intune.cleanup.all_platforms"])
        self.assertNotIn("intune.cleanup.inactivity_days_max", ev)
        self.assertEqual(ev["intune.remediations.count"], 1)
        self.assertEqual(ev["intune.remediations.assigned_count"], 0)  # detection only
        self.assertEqual(ev["intune.enrollment.personal_allowed_platforms"],
                         ["windows", "ios", "macos", "android"])
        self.assertFalse(ev["intune.enrollment.personal_blocked"])
        self.assertEqual(ev["intune.enrollment.device_limit_max"], 15)
        self.assertEqual(ev["intune.autopilot.profile_count"], 0)
        # An empty Defender tenant has nothing to score: a score over no machine passes nothing.
        self.assertEqual(ev["defender.vulnerabilities.count"], 0)
        self.assertEqual(ev["defender.software.installation_count"], 0)
        fd = self.findings(doc)
        self.assertEqual(fd["intune.compliance.policy_assigned"], "fail")
        self.assertEqual(fd["defender.machines.onboarded_most"], "fail")
        self.assertEqual(fd["defender.machines.edr_active"], "fail")
        self.assertEqual({r: fd[r] for r in LIFECYCLE_RULES}, {r: "fail" for r in LIFECYCLE_RULES})
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
            "data.encryption": ("initial", "exact"),
            "devices.automation_orchestration": ("advanced", "exact"),
            "devices.governance": ("advanced", "exact")})
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
        # Blocks within 72 h (A) but the iOS policy never retires, the clean-up rule is Windows
        # only at 180 days and the one remediation runs once: not optimal.
        self.assertEqual(ev["intune.compliance.block_grace_hours_max"], 72)
        self.assertEqual(ev["intune.compliance.without_retire_count"], 1)
        self.assertEqual(ev["intune.compliance.retire_grace_days_max"], 60)
        self.assertEqual(ev["intune.cleanup.inactivity_days_max"], 180)
        self.assertEqual(ev["intune.remediations.scheduled_count"], 0)
        self.assertTrue(ev["intune.enrollment.personal_blocked"])
        self.assertEqual(ev["defender.exposure.score"], 41.2)
        self.assertEqual(ev["defender.vulnerabilities.critical_oldest_days"], 10)
        self.assertEqual(ev["defender.vulnerabilities.exploited_oldest_days"], 20)
        self.assertEqual(ev["defender.software.end_of_support_count"], 1)
        fd = self.findings(doc)
        self.assertEqual([fd[r] for r in LIFECYCLE_RULES],
                         ["pass", "fail", "fail", "pass", "pass", "fail", "pass", "fail", "fail",
                          "fail"])
        req = {c["name"]: c["requests"] for c in doc["collectors"]}
        self.assertEqual(req, {"intune": 11, "defender": 7})
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
                 f"private_key_file = {self.certs}/client.key\npage_size = 8\n"
                 f"export_page_size = 4\n")
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
        # Every lifecycle and vulnerability rule passes, some on their threshold exactly.
        fd = self.findings(doc)
        self.assertEqual({r: fd[r] for r in LIFECYCLE_RULES}, {r: "pass" for r in LIFECYCLE_RULES})
        self.assertEqual(ev["intune.compliance.block_grace_hours_max"], 72)
        self.assertEqual(ev["intune.compliance.retire_grace_days_max"], 30)  # 720 h: a wipe
        self.assertEqual(ev["intune.cleanup.inactivity_days_max"], 90)
        self.assertTrue(ev["intune.cleanup.all_platforms"])
        self.assertEqual(ev["intune.remediations.count"], 3)
        self.assertEqual(ev["intune.remediations.scheduled_count"], 2)
        self.assertEqual(ev["intune.enrollment.blocked_platforms"], ["macos"])
        self.assertEqual(ev["defender.exposure.score"], 18.46)
        self.assertEqual(ev["defender.vulnerabilities.count"], 6)
        self.assertEqual(ev["defender.vulnerabilities.critical_oldest_days"], 30)
        self.assertEqual(ev["defender.vulnerabilities.exploited_oldest_days"], 9)
        self.assertEqual(ev["defender.software.installation_count"], 5)
        self.assertEqual(ev["defender.software.upcoming_end_of_support_count"], 1)
        # Paging past page one: Remediations by @odata.nextLink, each export by its nextLink
        # (pageSize sent on the first page, Defender's own link after it).
        scripts = [e["query"] for e in log if e["path"] == "/beta/deviceManagement/deviceHealthScripts"]
        self.assertEqual(scripts, ["$expand=assignments", "$expand=assignments&$skiptoken=strong-s2"])
        for path, tag in (("/api/machines/SoftwareVulnerabilitiesByMachine", "strongv"),
                          ("/api/machines/SoftwareInventoryByMachine", "strongs")):
            self.assertEqual([e["query"] for e in log if e["path"] == path],
                             ["pageSize=4", f"pagesize=4&$skiptoken={tag}2"])

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
        self.assertIn('"value" is not an array', st["defender"]["error"])
        # Graph refused the nested $expand of the noncompliance actions (400): the policies were
        # read again with their assignments only, their action keys left out.
        self.assertIn("(and 1 more problems)", st["intune"]["error"])
        self.assertIn("Graph refused to expand scheduledActionsForRule", p.stderr)
        ev = self.evidence(doc)
        self.assertEqual(ev["intune.compliance.policy_count"], 1)
        self.assertNotIn("intune.compliance.without_retire_count", ev)
        self.assertEqual(self.findings(doc)["intune.compliance.noncompliant_retired_30d"], "unknown")
        self.assertFalse(any(k.startswith(("intune.devices.", "defender.")) for k in ev))
        self.assertIn("collector defender (defender): error:", p.stderr)
        self.check_tokens(log)

    def test_next_page_gone_is_an_error(self):
        # 404 means "no machines" on a list's first page; on a page a nextLink named, the rest of
        # a list already begun is missing: an error, not a two-machine estate.
        p, doc, log = self.scan("devices_gone")
        st = {c["name"]: c for c in doc["collectors"]}
        self.assertEqual(st["defender"]["status"], "error")
        self.assertIn("/api/machines?$top=2500&$skip=6", st["defender"]["error"])
        self.assertIn("the machine list is incomplete", st["defender"]["error"])
        self.assertFalse(any(k.startswith("defender.") for k in self.evidence(doc)))

    def test_truncated_page_and_slow_window_are_recovered(self):
        p, doc, log = self.scan("devices_body_faults")
        self.check_collectors_ok(p, doc)
        self.check_tokens(log)
        # The same data as devices_typical, every fault recovered: the same evidence.
        self.assertEqual(self.evidence(doc), self.typical_evidence())
        req = {c["name"]: c["requests"] for c in doc["collectors"]}
        self.assertEqual(req, {"intune": 11, "defender": 6})  # the truncated attempt counts
        # Device page 2 arrived truncated (a transfer error): retried at the same URL with the same
        # token. Graph sends @odata.nextLink before "value", so page 3 may be read ahead while
        # page 2 still arrives, but only once, and its items only after page 2's.
        dev = [e for e in log if e["path"] == "/v1.0/deviceManagement/managedDevices"]
        p2 = [e for e in dev if e["query"].endswith("&$skiptoken=typical-p2")]
        p3 = [e for e in dev if e["query"].endswith("&$skiptoken=typical-p3")]
        self.assertEqual(len(dev), 4)
        self.assertEqual([e["status"] for e in p2], [200, 200])  # the first one cut short
        self.assertEqual(p2[0]["token"], p2[1]["token"])
        self.assertEqual(len(p3), 1)
        self.assertGreaterEqual(p3[0]["t"], p2[0]["t"])
        # The slow first Defender window (2 s, under the engine's per-attempt timeout) was waited
        # for, not retried; page 2 followed its nextLink after it.
        mde = [e for e in log if e["path"] == "/api/machines"]
        self.assertEqual([(e["query"], e["status"]) for e in mde],
                         [("$top=2500", 200), ("$top=2500&$skip=6", 200)])
        self.assertGreaterEqual(mde[0]["end"] - mde[0]["t"], 1.9)
        self.assertGreaterEqual(mde[1]["t"], mde[0]["end"])

    def test_slow_window_past_the_collection_timeout_is_cut_off(self):
        # The per-attempt timeout is not configurable; the instance's timeout bounds the
        # collection, and with it every attempt: 1 s against the 2 s slow window.
        extra = f"client_secret_file = {self.secret}\ntimeout = 1s\n"
        p, doc, _ = self.scan("devices_body_faults", extra)
        self.assertEqual(p.returncode, 3, p.stderr)
        st = {c["name"]: c for c in doc["collectors"]}
        self.assertEqual((st["intune"]["status"], st["intune"]["error"]), ("ok", None))
        self.assertEqual(st["defender"]["status"], "error")
        self.assertIn("timed out after 1000 ms", st["defender"]["error"])
        self.assertEqual(st["defender"]["evidence"], 0)
        ev = self.evidence(doc)
        self.assertFalse(any(k.startswith("defender.") for k in ev))
        self.assertEqual(ev, self.typical_evidence("intune."))
        self.assertIn("collector defender (defender): error: timed out after 1000 ms", p.stderr)
        # The collector's own warning names the request and one reason, whichever timer fired
        # first (curl's timeout is clamped to the deadline, the engine's checks): the deadline,
        # with no retry arithmetic after it.
        warning = next((l for l in p.stderr.splitlines() if "collector defender: GET " in l), "")
        self.assertIn("/api/machines?$top=2500", warning)
        self.assertTrue(warning.endswith("(attempt 1/5): deadline of the collection reached"), warning)
        self.assertIn("deadline of the collection reached", st["defender"]["error"])
        # The slow window was requested once (no retry would fit before the deadline), and nothing
        # after it.
        log = self.wait_log("devices_body_faults", lambda e: e["path"] == "/api/machines")
        self.check_tokens(log)
        mde = [e["query"] for e in log if e["path"] == "/api/machines"]
        self.assertEqual(mde, ["$top=2500"])

    def test_oversized_page_fails_defender_only(self):
        p, doc, log = self.scan("devices_oversize")
        self.assertEqual(p.returncode, 3, p.stderr)
        st = {c["name"]: c for c in doc["collectors"]}
        self.assertEqual((st["intune"]["status"], st["intune"]["error"]), ("ok", None))
        self.assertEqual(st["defender"]["status"], "error")
        err = st["defender"]["error"]
        self.assertIn("/api/machines?$top=2500&$skip=6", err)
        self.assertIn("exceeds the maximum of 33554432 bytes", err)  # the engine's default max_body
        self.assertIn(f"collector defender (defender): error: {err}", p.stderr)
        # Page 1 was read, but a partial inventory would give wrong shares: nothing from Defender.
        self.assertEqual(st["defender"]["evidence"], 0)
        ev = self.evidence(doc)
        self.assertFalse(any(k.startswith("defender.") for k in ev))
        self.assertEqual(ev, self.typical_evidence("intune."))
        self.check_tokens(log)
        # A body too large is not retried.
        mde = [(e["query"], e["status"]) for e in log if e["path"] == "/api/machines"]
        self.assertEqual(mde, [("$top=2500", 200), ("$top=2500&$skip=6", 200)])
        self.assertEqual(st["defender"]["requests"], 3)

    def denied_or_unlicensed(self, scenario):
        p, doc, log = self.scan(scenario)
        self.assertEqual(p.returncode, 3, p.stderr)  # a partial result
        self.check_tokens(log)
        st = {c["name"]: c for c in doc["collectors"]}
        return st, self.evidence(doc), self.findings(doc)

    def test_denied_permissions_are_unknown_and_partial(self):
        st, ev, fd = self.denied_or_unlicensed("devices_denied")
        self.assertEqual(st["intune"]["status"], "partial")
        err = st["intune"]["error"]
        self.assertIn("/beta/deviceManagement/deviceHealthScripts?$expand=assignments", err)
        self.assertIn("HTTP 403", err)
        self.assertIn("application permission DeviceManagementScripts.Read.All", err)
        self.assertIn("(and 1 more problems)", err)  # the enrollment configurations
        self.assertEqual(st["defender"]["status"], "partial")
        err = st["defender"]["error"]
        self.assertIn("/api/machines/SoftwareVulnerabilitiesByMachine?pageSize=10000", err)
        self.assertIn("application permission Vulnerability.Read.All", err)
        # The denied calls' keys are absent, the others stand.
        self.assertFalse(any(k.startswith(("intune.remediations.", "intune.enrollment.",
                                           "defender.vulnerabilities.", "defender.software."))
                             for k in ev))
        self.assertEqual(ev["intune.cleanup.inactivity_days_max"], 60)
        self.assertEqual(ev["intune.autopilot.assigned_profile_count"], 1)
        self.assertEqual(ev["intune.compliance.retire_grace_days_max"], 30)
        self.assertEqual(ev["defender.exposure.score"], 12.5)
        self.assertEqual(ev["defender.machines.onboarded_count"], 2)
        for rule in ("intune.remediations.scheduled", "intune.enrollment.personal_blocked",
                     "defender.vulnerabilities.critical_fixed_30d",
                     "defender.vulnerabilities.exploited_fixed_14d",
                     "defender.software.no_end_of_support"):
            self.assertEqual(fd[rule], "unknown", rule)
        for rule in ("intune.cleanup.stale_retired_90d", "intune.compliance.noncompliant_retired_30d",
                     "intune.autopilot.provisioning", "defender.exposure.score_30"):
            self.assertEqual(fd[rule], "pass", rule)

    def test_feature_not_licensed_is_unknown_and_partial(self):
        st, ev, fd = self.denied_or_unlicensed("devices_unlicensed")
        self.assertEqual(st["intune"]["status"], "partial")
        err = st["intune"]["error"]
        self.assertIn("/beta/deviceManagement/deviceHealthScripts?$expand=assignments", err)
        self.assertIn("Windows Enterprise E3/E5", err)
        self.assertNotIn("more problems", err)
        self.assertEqual((st["defender"]["status"], st["defender"]["error"]), ("ok", None))
        self.assertFalse(any(k.startswith("intune.remediations.") for k in ev))
        self.assertEqual(fd["intune.remediations.scheduled"], "unknown")
        self.assertTrue(ev["intune.enrollment.personal_blocked"])
        self.assertEqual(fd["intune.enrollment.personal_blocked"], "pass")

    def test_config_check_refuses_two_credentials(self):
        path = os.path.join(self.tmp.name, "bad.conf")
        with open(path, "w") as f:
            f.write(f"[collector:intune]\ntenant_id = contoso\nclient_id = a\n"
                    f"client_secret_file = {self.secret}\ncredential = x\n")
        p = subprocess.run([ZTMMD, "--check-config", "--config", path, "--rules", RULES],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 1)
        self.assertIn("at most one of 'client_secret_file', 'credential', 'certificate_file'",
                      p.stderr)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
