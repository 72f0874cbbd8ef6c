#!/usr/bin/env python3
"""test_okta.py - end to end: the built `ztmmd --once` with the okta collector against the HTTPS
fixture server (tests/fixtures/server.py) on the okta_* scenarios.

Usage: test_okta.py ZTMMD SOURCE_DIR
Checks evidence and findings of a strong and a weak org with an SSWS API token and with an OAuth
service app (private_key_jwt with a bare key and kid, the first token expired on the server),
that Link paging reached every page (Okta's self and next links as two header fields; a 1FA
catch-all policy on page 3 of three is seen), that a 429 waited for X-Rate-Limit-Reset and that a page with
no request left in its window paced the next one, and that a wrong token (401) and a missing
scope (403) end in a clear error naming the URL, never in a pass.
"""
import json
import os
import sys
import unittest

import fixture

ZTMMD, SRC = sys.argv[1:3]
RULES = os.path.join(SRC, "conf", "rules", "ztmm-v2.json")
TOKEN = "00okta-ssws-token-strong"
CLIENT_ID = "0oaZtmmdService1"
OKTA_RULES = ["entra.ca.mfa_all_users", "entra.ca.phishing_resistant_mfa_all_users",
              "entra.authmethods.phishing_resistant_method_enabled",
              "entra.authmethods.weak_methods_disabled", "entra.ca.device_signals_used",
              "entra.ca.managed_device_required", "okta.access.reauthentication_bounded",
              "okta.device_assurance.defined"]


# The identity store, automation and ThreatInsight rules that read okta keys (an Okta-only scan).
STORE_RULES = ["idp.stores_integrated_some", "idp.users_provisioned_automatically",
               "okta.apps.provisioning_every_org", "okta.apps.no_password_vaulting",
               "okta.threatinsight.blocking", "okta.apps.provisioned_most",
               # lifecycle, assignment, brokering, log streams, behaviours, ThreatInsight, ITP
               "okta.apps.deprovisioned_most", "okta.apps.lifecycle_automated_all",
               "okta.apps.group_assigned_most", "okta.apps.group_assigned_all",
               "okta.apps.federated_most", "okta.apps.federated_with_assured_devices",
               "okta.logstreams.active", "okta.behaviors.detection_active",
               "okta.itp.risk_analytics", "okta.threatinsight.evaluating",
               "okta.itp.automated_response"]
class Okta(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        fixture.make_pki(cls, SRC, TOKEN)  # cls.secret holds the API token

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def scan(self, scenario, auth=None, slash=""):
        log = os.path.join(self.tmp.name, f"log-{scenario}-{self._testMethodName}.jsonl")
        base = fixture.serve(self, SRC, scenario, log)
        auth = auth or f"api_token_file = {self.secret}\n"
        conf = (f"[collector:acme]\ntype = okta\norg_url = {base}{slash}\n{auth}"
                f"ca_file = {self.certs}/ca.pem\n")
        path = os.path.join(self.tmp.name, f"{scenario}.conf")
        with open(path, "w") as f:
            f.write(conf)
        p = fixture.run_once(self, ZTMMD, path, RULES)
        self.assertNotIn(TOKEN, p.stdout + p.stderr)
        self.assertNotIn("tok-", p.stdout + p.stderr)
        doc = json.loads(p.stdout)
        with open(log) as f:
            requests = [json.loads(line) for line in f]
        ev = {e["key"]: e["value"] for e in doc["evidence"]}
        findings = {fd["rule"]: fd["status"] for fd in doc["findings"]}
        return p, doc, ev, findings, requests

    def collector(self, doc):
        (c,) = [c for c in doc["collectors"] if c["name"] == "acme"]
        return c

    def check_strong(self, ev, findings):
        self.assertEqual(ev["okta.signon.policies_active"], 2)
        self.assertIs(ev["okta.signon.mfa_all_users"], True)
        self.assertEqual(ev["okta.access.policies_active"], 6)
        self.assertIs(ev["okta.access.mfa_all_users"], True)
        self.assertIs(ev["okta.access.phishing_resistant_all_users"], True)
        self.assertIs(ev["okta.access.device_assurance_all_users"], True)
        self.assertEqual(ev["okta.access.reauthenticate_max_seconds"], 4 * 3600)
        self.assertEqual(ev["okta.authenticators.active"], ["okta_password", "okta_verify",
                                                           "webauthn"])
        self.assertIs(ev["okta.authenticators.fastpass_active"], True)
        self.assertIs(ev["okta.authenticators.weak_methods_disabled"], True)
        self.assertEqual(ev["okta.device_assurance.policies"], 2)
        for rule in OKTA_RULES:
            self.assertEqual(findings[rule], "pass", rule)
        # Apps over two pages (the inactive password-vaulted one does not count): a Workday
        # profile source, Salesforce and an OIDC app provisioned; one active SAML IdP, one rule.
        self.assertEqual((ev["okta.apps.active"], ev["okta.apps.sso_count"],
                          ev["okta.apps.password_vaulted_count"], ev["okta.apps.provisioning_count"],
                          ev["okta.apps.import_count"]), (3, 3, 0, 2, 1))
        # Workday is a profile source: Okta imports it, so the two other apps are the targets,
        # both provisioned and deprovisioned, both assigned through groups only (Salesforce's
        # users on two pages).
        self.assertEqual(ev["okta.apps.profile_source_count"], 1)
        self.assertEqual((ev["okta.apps.provisioned_share"], ev["okta.apps.deprovisioned_share"],
                          ev["okta.apps.sso_share"]), (1, 1, 1))
        self.assertEqual((ev["okta.apps.direct_assignment_count"],
                          ev["okta.apps.group_assigned_share"]), (0, 1))
        self.assertEqual((ev["okta.idps.active_count"], ev["okta.grouprules.active"]), (1, 1))
        self.assertEqual(ev["okta.threatinsight.action"], "block")
        # One active stream, one of two behaviour rules active, ITP on with a rule that ends
        # sessions on high risk (the default rule only logs).
        self.assertEqual((ev["okta.logstreams.active"], ev["okta.behaviors.active"]), (1, 1))
        self.assertIs(ev["okta.itp.enabled"], True)
        self.assertIs(ev["okta.itp.automated_response"], True)
        for rule in STORE_RULES:
            self.assertEqual(findings[rule], "pass", rule)

    def test_strong_org_with_api_token(self):
        p, doc, ev, findings, requests = self.scan("okta_strong")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.collector(doc)["status"], "ok")
        self.check_strong(ev, findings)
        # Every request carried the API token; no OAuth token was asked for.
        self.assertTrue(requests)
        for r in requests:
            self.assertEqual(r["token"], "api-token", r)
            self.assertEqual(r["status"], 200, r)
        # Link paging: the three pages of authentication policies, both pages of one rule list.
        queries = {(r["path"], r["query"]) for r in requests}
        for q in ("type=ACCESS_POLICY", "type=ACCESS_POLICY&after=pg1", "type=ACCESS_POLICY&after=pg2"):
            self.assertIn(("/api/v1/policies", q), queries)
        self.assertIn(("/api/v1/policies/rst001/rules", "after=pg1"), queries)
        self.assertIn(("/api/v1/apps", "limit=200&after=0oaApp0100"), queries)  # page 2 of apps
        self.assertIn(("/api/v1/apps/0oaApp0002/users", "limit=200&after=00uBen"), queries)
        # A profile source's assignments are not read (imports assign users one by one).
        self.assertNotIn("/api/v1/apps/0oaApp0001/users", {r["path"] for r in requests})
        # Rules of the inactive sign-on policy are never fetched.
        self.assertNotIn("/api/v1/policies/00pSignonOld/rules", {r["path"] for r in requests})

    def test_strong_org_with_service_app(self):
        auth = (f"client_id = {CLIENT_ID}\nprivate_key_file = {self.certs}/client.key\n"
                f"key_id = ztmmd-key-1\n")
        # A trailing slash on org_url changes neither the API URLs nor the assertion's audience.
        p, doc, ev, findings, requests = self.scan("okta_strong", auth, slash="/")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.check_strong(ev, findings)
        tokens = [r for r in requests if r["path"] == "/oauth2/v1/token"]
        # The first token is expired on the server: one 401, one refresh, then tok-2 everywhere.
        self.assertEqual([t["status"] for t in tokens], [200, 200])
        self.assertEqual({t["client_auth"] for t in tokens}, {"assertion"})
        api = [r for r in requests if r["path"] != "/oauth2/v1/token"]
        self.assertEqual(sum(r["status"] == 401 for r in api), len([r for r in api
                                                                  if r["token"] == "tok-1"]))
        self.assertTrue(all(r["token"] in ("tok-1", "tok-2") for r in api))
        self.assertTrue(any(r["token"] == "tok-2" and r["status"] == 200 for r in api))

    def test_credentials(self):
        # The API token, or the service app's key, from systemd credentials (LoadCredential=).
        creds = os.path.join(self.tmp.name, "creds")
        os.makedirs(creds, exist_ok=True)
        with open(os.path.join(creds, "okta-token"), "w") as f:
            f.write(TOKEN + "\n")
        with open(os.path.join(self.certs, "client.key")) as src, \
                open(os.path.join(creds, "okta-key"), "w") as f:
            f.write(src.read())
        for name in ("okta-token", "okta-key"):
            os.chmod(os.path.join(creds, name), 0o600)
        os.environ["CREDENTIALS_DIRECTORY"] = creds
        try:
            for auth, token in (("credential = okta-token\n", "api-token"),
                                (f"client_id = {CLIENT_ID}\ncredential = okta-key\n"
                                 f"key_id = ztmmd-key-1\n", "tok-2")):
                p, doc, ev, findings, requests = self.scan("okta_strong", auth)
                self.assertEqual(p.returncode, 0, p.stderr)
                self.check_strong(ev, findings)
                self.assertIn(token, {r["token"] for r in requests})
        finally:
            del os.environ["CREDENTIALS_DIRECTORY"]

    def test_service_app_wrong_key_id(self):
        auth = (f"client_id = {CLIENT_ID}\nprivate_key_file = {self.certs}/client.key\n"
                f"key_id = someone-elses-key\n")
        p, doc, ev, findings, requests = self.scan("okta_strong", auth)
        self.assertNotEqual(p.returncode, 0)
        c = self.collector(doc)
        self.assertEqual(c["status"], "error")
        self.assertIn("/oauth2/v1/token", c["error"])
        self.assertIn("401", c["error"])
        self.assertFalse([k for k in ev if k.startswith("okta.")])

    def test_weak_org(self):
        p, doc, ev, findings, requests = self.scan("okta_weak")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIs(ev["okta.signon.mfa_all_users"], False)  # no MFA on the corporate network
        self.assertIs(ev["okta.access.mfa_all_users"], False)  # a 1FA password catch-all
        self.assertIs(ev["okta.access.phishing_resistant_all_users"], False)  # only on iOS
        self.assertIs(ev["okta.access.device_assurance_used"], False)
        self.assertEqual(ev["okta.access.reauthenticate_max_seconds"], 86400)
        self.assertIs(ev["okta.authenticators.weak_methods_disabled"], False)
        self.assertIs(ev["okta.authenticators.phishing_resistant_enabled"], False)
        self.assertIs(ev["okta.authenticators.fastpass_active"], False)
        self.assertEqual(ev["okta.device_assurance.policies"], 0)
        weak = {e["key"]: e["detail"] for e in doc["evidence"]}[
            "okta.authenticators.weak_methods_disabled"]["weak"]
        self.assertEqual(sorted(w["key"] for w in weak), ["okta_email", "okta_sms", "phone_number"])
        for rule in OKTA_RULES:
            self.assertEqual(findings[rule], "fail", rule)
        # Two password-vaulted apps and a bookmark, no IdP, an inactive group rule, ThreatInsight off.
        self.assertEqual((ev["okta.apps.active"], ev["okta.apps.sso_count"],
                          ev["okta.apps.password_vaulted_count"], ev["okta.apps.provisioning_count"],
                          ev["okta.apps.import_count"]), (3, 0, 2, 0, 0))
        self.assertEqual(ev["okta.apps.provisioned_share"], 0)  # 0 of 2 vaulted (not the bookmark)
        vaulted = {e["key"]: e["detail"] for e in doc["evidence"]}["okta.apps.password_vaulted_count"]
        self.assertEqual(vaulted["apps"], ["Legacy intranet", "Shared mailbox"])
        self.assertEqual((ev["okta.idps.active_count"], ev["okta.grouprules.active"]), (0, 0))
        self.assertEqual(ev["okta.threatinsight.action"], "none")
        # Both vaulted apps have a user assigned directly; nothing deprovisions; the one log
        # stream is stopped, no behaviour rule is on, no ITP (no entity risk policy).
        self.assertEqual((ev["okta.apps.deprovisioned_share"], ev["okta.apps.sso_share"],
                          ev["okta.apps.group_assigned_share"]), (0, 0, 0))
        direct = {e["key"]: e["detail"] for e in doc["evidence"]}[
            "okta.apps.direct_assignment_count"]
        self.assertEqual(direct["apps"], ["Legacy intranet", "Shared mailbox"])
        self.assertEqual((ev["okta.logstreams.active"], ev["okta.behaviors.active"]), (0, 0))
        self.assertIs(ev["okta.itp.enabled"], False)
        self.assertIs(ev["okta.itp.automated_response"], False)
        for rule in STORE_RULES:
            self.assertEqual(findings[rule], "fail", rule)

    def test_1fa_catch_all_on_last_page(self):
        # Okta sends rel="self" and rel="next" as two Link fields. The one authentication policy
        # whose catch-all rule lets a password alone through is on page 3 of the policies list:
        # an engine that reads only the first Link field stops at page 1 and calls the org strong.
        p, doc, ev, findings, requests = self.scan("okta_last_page")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.collector(doc)["status"], "ok")
        queries = [(r["path"], r["query"]) for r in requests]
        for q in ("type=ACCESS_POLICY", "type=ACCESS_POLICY&after=pg1",
                  "type=ACCESS_POLICY&after=pg2"):
            self.assertEqual(queries.count(("/api/v1/policies", q)), 1, q)
        self.assertIn(("/api/v1/policies/rst005/rules", ""), queries)
        self.assertEqual(ev["okta.access.policies_active"], 6)
        self.assertIs(ev["okta.access.mfa_all_users"], False)
        self.assertIs(ev["okta.access.phishing_resistant_all_users"], False)
        detail = {e["key"]: e.get("detail") for e in doc["evidence"]}["okta.access.mfa_all_users"]
        weak = [a for a in detail["allow_rules"] if not a["mfa"]]
        self.assertEqual([(a["policy"], a["rule"], a["why"]) for a in weak],
                         [("App policy 5", "Catch-all Rule", "factorMode is 1FA")])
        # Salesforce's second page of users (its own Link fields) holds a direct assignment.
        self.assertEqual(queries.count(("/api/v1/apps/0oaApp0002/users", "limit=200&after=00uBen")),
                         1)
        self.assertEqual(ev["okta.apps.direct_assignment_count"], 1)
        self.assertEqual(ev["okta.apps.group_assigned_share"], 0.5)
        self.assertEqual(findings["okta.apps.group_assigned_all"], "fail")

    def test_garbled_next_link_is_an_error(self):
        # Page 2 of the authentication policies has a next Link field that does not parse: what
        # it hid cannot be told, so the list is an error naming the page, not a shorter list.
        p, doc, ev, findings, requests = self.scan("okta_garbled_link")
        self.assertNotEqual(p.returncode, 0)
        c = self.collector(doc)
        self.assertEqual(c["status"], "partial")
        self.assertRegex(c["error"], r"GET https://127\.0\.0\.1:\d+/api/v1/policies\?"
                         r"type=ACCESS_POLICY&after=pg1 \(page 2, attempt 1/\d+\): "
                         r"unparsable Link header")
        self.assertNotIn(("/api/v1/policies", "type=ACCESS_POLICY&after=pg2"),
                         [(r["path"], r["query"]) for r in requests])
        self.assertNotIn("okta.access.mfa_all_users", ev)
        self.assertIs(ev["okta.signon.mfa_all_users"], True)  # the other lists were read
        # Its only app is a bookmark: no app keeps accounts, so there is nothing to assign or
        # provision: no share (unknown, not 0 or 1), no assignment call.
        self.assertEqual((ev["okta.apps.active"], ev["okta.apps.direct_assignment_count"]), (1, 0))
        for key in ("okta.apps.group_assigned_share", "okta.apps.provisioned_share",
                    "okta.apps.sso_share"):
            self.assertNotIn(key, ev)
        self.assertFalse([r for r in requests if r["path"].endswith("/users")])

    def test_wrong_api_token(self):
        wrong = os.path.join(self.tmp.name, "wrong-token")
        with open(wrong, "w") as f:
            f.write("00not-the-token\n")
        os.chmod(wrong, 0o600)
        p, doc, ev, findings, requests = self.scan("okta_strong", f"api_token_file = {wrong}\n")
        self.assertNotEqual(p.returncode, 0)
        c = self.collector(doc)
        self.assertEqual(c["status"], "error")
        self.assertRegex(c["error"], r"GET https://127\.0\.0\.1:\d+/api/v1/.*HTTP 401")
        self.assertIn("API token is wrong, expired or revoked", c["error"])
        self.assertNotIn("00not-the-token", p.stdout + p.stderr)
        self.assertFalse([k for k in ev if k.startswith("okta.")])
        for rule in OKTA_RULES:
            self.assertEqual(findings[rule], "unknown", rule)

    def test_throttled(self):
        p, doc, ev, findings, requests = self.scan("okta_throttle")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIs(ev["okta.signon.mfa_all_users"], True)
        signon = [r for r in requests if r["query"] == "type=OKTA_SIGN_ON"]
        self.assertEqual([r["status"] for r in signon], [429, 200])
        # The retry waited for X-Rate-Limit-Reset (2 s ahead, second-granular): not a fast backoff.
        self.assertGreaterEqual(signon[1]["t"] - signon[0]["end"], 1.0)
        # The first access policy page left nothing in the window: the next page waited too.
        first = [r for r in requests if r["query"] == "type=ACCESS_POLICY"][0]
        second = [r for r in requests if r["query"] == "type=ACCESS_POLICY&after=pg1"][0]
        self.assertGreaterEqual(second["t"] - first["end"], 1.0)

    def test_missing_scope(self):
        p, doc, ev, findings, requests = self.scan("okta_forbidden")
        self.assertNotEqual(p.returncode, 0)
        c = self.collector(doc)
        self.assertEqual(c["status"], "partial")
        self.assertIn("/api/v1/device-assurances", c["error"])
        self.assertIn("HTTP 403", c["error"])
        self.assertIn("okta.deviceAssurance.read", c["error"])
        self.assertNotIn("okta.device_assurance.policies", ev)
        self.assertEqual(findings["okta.device_assurance.defined"], "unknown")
        self.assertIs(ev["okta.access.mfa_all_users"], True)  # the rest was collected
        # ThreatInsight answered 403 as well: its key left out, its rule unknown, never a fail.
        self.assertRegex(p.stderr, r"/api/v1/threats/configuration.*HTTP 403.*okta\.threatInsights\.read")
        self.assertNotIn("okta.threatinsight.action", ev)
        self.assertEqual(findings["okta.threatinsight.blocking"], "unknown")
        self.assertEqual(ev["okta.apps.sso_count"], 3)
        # The behaviour rules are denied (403 E0000006): unknown, never a fail.
        self.assertRegex(c["error"] + p.stderr, r"/api/v1/behaviors.*HTTP 403.*okta\.behaviors\.read")
        self.assertNotIn("okta.behaviors.active", ev)
        self.assertEqual(findings["okta.behaviors.detection_active"], "unknown")
        self.assertEqual(ev["okta.logstreams.active"], 1)

    def test_feature_not_in_sku(self):
        # Log Streaming and Identity Threat Protection are not in this org's SKU: Okta answers
        # 401 E0000015. Their keys are left out and their rules unknown (never a fail), the
        # collector partial with a message that names the missing feature, not a bad token.
        # Same with a service app: the 401 costs one token refresh, then it is the same answer.
        service = (f"client_id = {CLIENT_ID}\nprivate_key_file = {self.certs}/client.key\n"
                   f"key_id = ztmmd-key-1\n")
        for auth in (None, service):
            p, doc, ev, findings, requests = self.scan("okta_nosku", auth)
            self.assertNotEqual(p.returncode, 0)
            c = self.collector(doc)
            self.assertEqual(c["status"], "partial")
            self.assertRegex(p.stderr, r"/api/v1/logStreams.*HTTP 401.*E0000015.*does not have "
                             r"this feature")
            self.assertRegex(p.stderr, r"type=ENTITY_RISK.*HTTP 401.*E0000015")
            self.assertNotIn("API token is wrong", p.stderr)
            self.assertNotIn("token was refused", p.stderr)
            for key in ("okta.logstreams.active", "okta.itp.enabled",
                        "okta.itp.automated_response"):
                self.assertNotIn(key, ev)
            for rule in ("okta.logstreams.active", "okta.itp.risk_analytics",
                         "okta.itp.automated_response"):
                self.assertEqual(findings[rule], "unknown", rule)
            self.assertEqual(findings["okta.behaviors.detection_active"], "pass")  # rest read
            self.assertEqual(findings["okta.apps.group_assigned_all"], "pass")


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
