#!/usr/bin/env python3
"""test_crowdstrike.py - end to end: the built `ztmmd --once` with the crowdstrike collector against
the HTTPS fixture server's synthetic Falcon API (tests/fixtures/falcon_api.py) on the
crowdstrike_* scenarios.

Usage: test_crowdstrike.py ZTMMD SOURCE_DIR
Checks evidence, findings and stages of a strong estate (12,000 hosts: the scroll pages past the
10,000 offset cap) and a weak one (prevention assigned but not applied, reduced functionality
mode, stale hosts, low ZTA scores), ZTA counted by the API (two counts and the audit, whatever
the estate's size; an API that ignores the score filter is caught); that a 429 waited for
X-RateLimit-RetryAfter (an epoch) and 5xx answers were retried; that a nearly spent
X-RateLimit-Remaining spaced the requests; that X-CS-Region moved every API call to the region's
URL; that a revoked token was refreshed once and
a short-lived one before it expired; and that a wrong secret (401 on the token), a denied scope
(403) and a malformed body end in a clear error naming the URL, never in a pass.
"""
import json
import os
import subprocess
import sys
import unittest

import fixture

ZTMMD, SRC = sys.argv[1:3]
RULES = os.path.join(SRC, "conf", "rules", "ztmm-v2.json")
SECRET = "falcon-secret~0123456789abcdef"
CLIENT_ID = "3f8a2c1d9b7e4f60a5c3d2e1f0b9a8c7"
SCROLL = "/devices/queries/devices-scroll/v1"
DETAILS = "/devices/entities/devices/v2"
ZTA = "/zero-trust-assessment/queries/assessments/v1"
AUDIT = "/zero-trust-assessment/entities/audit/v1"
TOKEN = "/oauth2/token"
CS_RULES = ["crowdstrike.hosts.prevention_applied_most", "crowdstrike.hosts.prevention_applied_all",
            "crowdstrike.zta.min_score_most", "crowdstrike.zta.min_score_all",
            "crowdstrike.hosts.healthy_most", "crowdstrike.hosts.rfm_few",
            "crowdstrike.hosts.protected_all", "intune.devices.inventory_fresh_all"]


class CrowdStrike(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        fixture.make_pki(cls, SRC, SECRET)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def scan(self, scenario, extra="", secret=None, auth=None):
        self.runs = getattr(self, "runs", 0) + 1
        log = os.path.join(self.tmp.name, f"log-{self._testMethodName}-{self.runs}.jsonl")
        base = fixture.serve(self, SRC, scenario, log)
        port = base.rsplit(":", 1)[1]
        auth = auth or f"client_secret_file = {secret or self.secret}\n"
        conf = (f"[collector:falcon]\ntype = crowdstrike\nbase_url = {base}\n"
                f"client_id = {CLIENT_ID}\n{auth}ca_file = {self.certs}/ca.pem\n"
                + extra.replace("PORT", port))
        path = os.path.join(self.tmp.name, f"{self._testMethodName}-{self.runs}.conf")
        with open(path, "w") as f:
            f.write(conf)
        p = fixture.run_once(self, ZTMMD, path, RULES)
        self.assertNotIn(SECRET, p.stdout + p.stderr)
        self.assertNotIn("tok-", p.stdout + p.stderr)
        doc = json.loads(p.stdout)
        with open(log) as f:
            requests = [json.loads(line) for line in f]
        ev = {e["key"]: e["value"] for e in doc["evidence"]}
        details = {e["key"]: e["detail"] for e in doc["evidence"]}
        findings = {fd["rule"]: fd["status"] for fd in doc["findings"]}
        (c,) = [c for c in doc["collectors"] if c["name"] == "falcon"]
        return p, doc, ev, details, findings, requests, c

    def stages(self, doc):
        return {f["id"]: f["stage"] for f in doc["functions"]}

    def test_strong_estate_scrolls_past_10000(self):
        p, doc, ev, details, findings, requests, c = self.scan("crowdstrike_strong")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(c["status"], "ok")
        self.assertEqual(ev["crowdstrike.hosts.count"], 12000)
        self.assertEqual(ev["crowdstrike.hosts.healthy_count"], 11900)
        self.assertEqual(ev["crowdstrike.hosts.prevention_applied_count"], 12000)
        self.assertEqual(ev["crowdstrike.hosts.rfm_unknown_count"], 60)
        self.assertEqual(ev["crowdstrike.hosts.stale_count"], 40)
        self.assertEqual(ev["crowdstrike.hosts.reduced_functionality_count"], 0)
        self.assertEqual(ev["crowdstrike.zta.assessed_count"], 12000)
        self.assertEqual(ev["crowdstrike.zta.min_score_met_count"], 11900)
        self.assertEqual(details["crowdstrike.hosts.count"]["by_platform"],
                         {"Windows": 9100, "Mac": 2000, "Linux": 900})
        self.assertEqual(details["crowdstrike.hosts.count"]["region"], "us-1")
        for rule in CS_RULES:
            self.assertEqual(findings[rule], "pass", rule)
        st = self.stages(doc)
        for fn in ("devices.policy_enforcement_compliance", "devices.threat_protection",
                   "devices.visibility_analytics"):
            self.assertEqual(st[fn], "optimal", fn)
        # One token (answered 201); 2500 ids a scroll page, each posted once for details; the
        # offset-paged query (capped at 10,000) is never used; ZTA: two counts and the audit.
        token = [r for r in requests if r["path"] == TOKEN]
        self.assertEqual([r["status"] for r in token], [201])
        scroll = [r for r in requests if r["path"] == SCROLL]
        self.assertEqual(len(scroll), 5)
        self.assertEqual([r["status"] for r in scroll], [200] * 5)
        self.assertTrue(all("offset=FQL" in r["query"] for r in scroll[1:]))
        self.assertEqual(len([r for r in requests if r["path"] == DETAILS]), 5)
        self.assertFalse([r for r in requests if r["path"] == "/devices/queries/devices/v1"])
        zta = sorted(r["query"] for r in requests if r["path"] == ZTA)
        self.assertEqual(zta, ["filter=score%3A%3E%3D0&limit=1&sort=score%7Casc",
                               "filter=score%3A%3E%3D70&limit=1&sort=score%7Casc"])
        self.assertEqual(len([r for r in requests if r["path"] == AUDIT]), 1)
        mean = (9000 * 88 + 2000 * 76 + 900 * 80 + 60 * 65 + 40 * 40) / 12000
        self.assertEqual(ev["crowdstrike.zta.average_score"], round(mean, 2))  # the audit's
        self.assertEqual(c["requests"], len(requests))
        self.assertTrue(all(r["token"] == "tok-1" for r in requests if r["path"] != TOKEN))

    def test_weak_estate_traps(self):
        p, doc, ev, details, findings, requests, c = self.scan("crowdstrike_weak")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(ev["crowdstrike.hosts.count"], 740)
        # Assigned but not applied is not applied; a missing policy is counted apart.
        self.assertEqual(ev["crowdstrike.hosts.prevention_not_applied_count"], 120)
        self.assertEqual(ev["crowdstrike.hosts.prevention_unassigned_count"], 60)
        self.assertEqual(ev["crowdstrike.hosts.prevention_applied_count"], 560)
        self.assertEqual(ev["crowdstrike.hosts.reduced_functionality_count"], 80)
        self.assertEqual(ev["crowdstrike.hosts.stale_count"], 180)
        self.assertEqual(ev["crowdstrike.hosts.healthy_count"], 480)
        self.assertEqual(ev["crowdstrike.hosts.protected_count"], 300)
        self.assertEqual(ev["crowdstrike.hosts.contained_count"], 180)
        self.assertEqual(ev["crowdstrike.zta.assessed_count"], 660)  # Linux hosts unscored
        self.assertEqual(ev["crowdstrike.zta.min_score_met_count"], 60)
        for rule in CS_RULES:
            self.assertEqual(findings[rule], "fail", rule)
        self.assertEqual(findings["crowdstrike.hosts.prevention_applied_some"], "pass")
        st = self.stages(doc)
        self.assertEqual(st["devices.policy_enforcement_compliance"], "initial")
        self.assertEqual(st["devices.threat_protection"], "initial")

    def test_throttled_and_5xx(self):
        p, doc, ev, details, findings, requests, c = self.scan("crowdstrike_throttle",
                                                               "page_size = 1000\n")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(c["status"], "ok")
        self.assertEqual(ev["crowdstrike.hosts.count"], 2500)
        self.assertEqual(ev["crowdstrike.zta.assessed_count"], 2500)
        scroll = [r for r in requests if r["path"] == SCROLL]
        self.assertEqual([r["status"] for r in scroll], [200, 429, 429, 200, 200])
        # Each retry waited for X-RateLimit-RetryAfter (epoch 2 s ahead, second-granular).
        for a, b in ((1, 2), (2, 3)):
            self.assertGreaterEqual(scroll[b]["t"] - scroll[a]["end"], 1.9)
            self.assertEqual(scroll[a]["query"], scroll[b]["query"])  # the same page again
        det = [r for r in requests if r["path"] == DETAILS]
        self.assertEqual([r["status"] for r in det], [503, 200, 200, 200])
        zta = [r["status"] for r in requests if r["path"] == ZTA]
        self.assertEqual(sorted(zta), [200, 200, 500])  # one count failed once, then answered

    def test_pacing_from_rate_limit_remaining(self):
        p, doc, ev, details, findings, requests, c = self.scan("crowdstrike_pacing",
                                                               "page_size = 100\n")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(ev["crowdstrike.hosts.count"], 600)
        api = sorted((r for r in requests if r["path"] != TOKEN), key=lambda r: r["t"])
        # 8 requests left of 60 a minute: once at most 6 remain (a tenth), requests start at the
        # refill rate, one a second, instead of running into a 429.
        late = api[6:]  # at most six start before the third answer says 6 are left
        self.assertGreaterEqual(len(late), 6)
        for a, b in zip(late, late[1:]):
            self.assertGreaterEqual(b["t"] - a["t"], 0.9)
        self.assertFalse([r for r in requests if r["status"] == 429])

    def test_region_from_x_cs_region(self):
        p, doc, ev, details, findings, requests, c = self.scan(
            "crowdstrike_region", "region_urls = eu-1=https://localhost:PORT\n")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(ev["crowdstrike.hosts.count"], 1500)
        self.assertEqual(details["crowdstrike.hosts.count"]["region"], "eu-1")
        for r in requests:
            want = "127.0.0.1:" if r["path"] == TOKEN else "localhost:"
            self.assertTrue(r["host"].startswith(want), r)
        # Without following the region, the home cloud answers 404 for this customer.
        p, doc, ev, details, findings, requests, c = self.scan(
            "crowdstrike_region", "region_urls = eu-1=https://localhost:PORT\nfollow_region = no\n")
        self.assertNotEqual(p.returncode, 0)
        self.assertEqual(c["status"], "error")
        self.assertIn("HTTP 404", c["error"])

    def test_region_header_that_is_no_region_is_ignored(self):
        p, doc, ev, details, findings, requests, c = self.scan("crowdstrike_region_hostile")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(c["status"], "ok", c)
        self.assertEqual(ev["crowdstrike.hosts.count"], 1500)
        self.assertNotIn("<b>", p.stdout + p.stderr)  # not in evidence, details or the log
        self.assertTrue(all(r["host"].startswith("127.0.0.1:") for r in requests), requests)

    def test_token_revoked_then_short_lived(self):
        p, doc, ev, details, findings, requests, c = self.scan("crowdstrike_expired",
                                                               "page_size = 250\n")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(ev["crowdstrike.hosts.count"], 2000)
        tokens = [r for r in requests if r["path"] == TOKEN]
        self.assertEqual([t["issued"] for t in tokens], ["tok-1", "tok-2", "tok-3"])
        api = [r for r in requests if r["path"] != TOKEN]
        # tok-1 was revoked: each call that used it got one 401 and was retried with tok-2.
        self.assertTrue([r for r in api if r["token"] == "tok-1"])
        self.assertTrue(all(r["status"] == 401 for r in api if r["token"] == "tok-1"))
        # tok-2 lived 4 s: refreshed before it expired, so it never met a 401.
        self.assertTrue(all(r["status"] == 200 for r in api if r["token"] != "tok-1"))
        self.assertTrue([r for r in api if r["token"] == "tok-3"])

    def test_wrong_secret(self):
        wrong = os.path.join(self.tmp.name, "wrong-secret")
        with open(wrong, "w") as f:
            f.write("not-the-secret\n")
        os.chmod(wrong, 0o600)
        p, doc, ev, details, findings, requests, c = self.scan("crowdstrike_strong", secret=wrong)
        self.assertNotEqual(p.returncode, 0)
        self.assertEqual(c["status"], "error")
        self.assertRegex(c["error"], r"POST https://127\.0\.0\.1:\d+/oauth2/token .*HTTP 401")
        self.assertIn("wrong client_id or client secret", c["error"])
        self.assertNotIn("not-the-secret", p.stdout + p.stderr)
        self.assertFalse([k for k in ev if k.startswith("crowdstrike.")])
        self.assertEqual([r["path"] for r in requests], [TOKEN])
        for rule in CS_RULES + ["crowdstrike.hosts.prevention_applied_some",
                                "defender.machines.inventory", "defender.machines.edr_active"]:
            self.assertEqual(findings[rule], "unknown", rule)

    def test_denied_zta_scope(self):
        p, doc, ev, details, findings, requests, c = self.scan("crowdstrike_denied")
        self.assertNotEqual(p.returncode, 0)
        self.assertEqual(c["status"], "partial")
        self.assertIn("'Zero Trust Assessment: Read' scope", c["error"])
        self.assertIn(ZTA, c["error"])
        self.assertIn("HTTP 403", c["error"])
        self.assertEqual(ev["crowdstrike.hosts.count"], 11000)  # the rest was collected
        self.assertNotIn("crowdstrike.zta.assessed_count", ev)
        self.assertEqual(findings["crowdstrike.zta.min_score_most"], "unknown")
        self.assertEqual(findings["crowdstrike.hosts.healthy_most"], "pass")
        # zta = no: the same API client is collected without a problem.
        p, doc, ev, details, findings, requests, c = self.scan("crowdstrike_denied", "zta = no\n")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(c["status"], "ok")
        self.assertFalse([r for r in requests if r["path"] in (ZTA, AUDIT)])

    def test_denied_hosts_scope(self):
        p, doc, ev, details, findings, requests, c = self.scan("crowdstrike_denied_hosts")
        self.assertNotEqual(p.returncode, 0)
        self.assertEqual(c["status"], "partial")
        self.assertIn("'Hosts: Read' scope", c["error"])
        self.assertNotIn("crowdstrike.hosts.count", ev)
        self.assertEqual(ev["crowdstrike.zta.assessed_count"], 11000)
        self.assertEqual(findings["crowdstrike.hosts.healthy_most"], "unknown")
        self.assertEqual(findings["defender.machines.inventory"], "unknown")

    def test_malformed_details(self):
        p, doc, ev, details, findings, requests, c = self.scan("crowdstrike_malformed")
        self.assertNotEqual(p.returncode, 0)
        self.assertEqual(c["status"], "partial")
        self.assertRegex(c["error"], r"POST https://127\.0\.0\.1:\d+/devices/entities/devices/v2 ")
        self.assertIn("malformed JSON list page", c["error"])
        self.assertNotIn("crowdstrike.hosts.count", ev)
        self.assertEqual(ev["crowdstrike.zta.assessed_count"], 300)

    def test_scroll_cut_short(self):
        # The second scroll page has ids but no offset token, 101 of 300 hosts in: the list is
        # cut short, an error naming the page, never a smaller estate.
        p, doc, ev, details, findings, requests, c = self.scan("crowdstrike_scroll_cut",
                                                               "page_size = 100\n")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn(c["status"], ("partial", "error"))
        self.assertRegex(c["error"], r"GET https://127\.0\.0\.1:\d+" + SCROLL + r"\?limit=100&offset=")
        self.assertIn("no offset token (meta.pagination.offset) after 101 of the 300 hosts",
                      c["error"])
        self.assertNotIn("crowdstrike.hosts.count", ev)
        self.assertEqual(len([r for r in requests if r["path"] == SCROLL]), 2)

    def test_zta_filter_ignored(self):
        # An API (or proxy) that drops the score filter would make every host "meet" the
        # minimum: the lowest score it returns shows it, and no ZTA figure is trusted.
        p, doc, ev, details, findings, requests, c = self.scan("crowdstrike_zta_unfiltered")
        self.assertNotEqual(p.returncode, 0)
        self.assertEqual(c["status"], "partial")
        self.assertIn("score:>=70", c["error"])
        self.assertIn("did not apply it", c["error"])
        self.assertFalse([k for k in ev if k.startswith("crowdstrike.zta.")])
        self.assertEqual(findings["crowdstrike.zta.min_score_most"], "unknown")
        self.assertEqual(ev["crowdstrike.hosts.count"], 1000)

    def test_credential_and_check_config(self):
        creds = os.path.join(self.tmp.name, "creds")
        os.makedirs(creds, exist_ok=True)
        with open(os.path.join(creds, "falcon"), "w") as f:
            f.write(SECRET + "\n")
        os.chmod(os.path.join(creds, "falcon"), 0o600)
        os.environ["CREDENTIALS_DIRECTORY"] = creds
        try:
            p, doc, ev, details, findings, requests, c = self.scan(
                "crowdstrike_region", "region_urls = eu-1=https://localhost:PORT\n",
                auth="credential = falcon\n")
        finally:
            del os.environ["CREDENTIALS_DIRECTORY"]
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(ev["crowdstrike.hosts.count"], 1500)
        bad = os.path.join(self.tmp.name, "bad.conf")
        with open(bad, "w") as f:
            f.write(f"[collector:falcon]\ntype = crowdstrike\nclient_id = {CLIENT_ID}\n"
                    f"client_secret_file = {self.secret}\nregion_urls = eu-1=http://plain\n")
        r = subprocess.run([ZTMMD, "--check-config", "--config", bad], capture_output=True,
                           text=True)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("bad.conf", r.stderr)
        self.assertIn("region_urls", r.stderr)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
