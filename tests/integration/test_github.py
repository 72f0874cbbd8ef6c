#!/usr/bin/env python3
"""test_github.py - end to end: the built `ztmmd --once` with the github collector against the
fixture server's synthetic GitHub API (tests/fixtures/github_api.py) on the github_* scenarios.

Usage: test_github.py ZTMMD SOURCE_DIR
Checks: a strong pair of organizations as a GitHub App (repositories past the first pages,
archived and forks counted apart, organization rulesets, repository rulesets and classic
protection all counting) passes every GitHub rule; a weak organization read with a fine-grained
token fails them, with rulesets the write role may bypass and rulesets in evaluate mode not
counting, and its disabled alert lists unknown with their reason (partial, never a pass or a
fail); secondary rate limits are waited out (retry-after, the paged list resumed at the refused
page), a secondary limit without retry-after is not retried within the minute GitHub asks for;
installation tokens are re-minted before they expire and once after a 401; refusals that need an
owner or a permission leave their facts unknown.
"""
import json
import os
import sys
import unittest

import fixture

ZTMMD, SRC = sys.argv[1:3]
RULES = os.path.join(SRC, "conf", "rules", "ztmm-v2.json")
WEAK_TOKEN = "github_pat_11ZTMMDFIXTURE0weak000000000000"
DENIED_TOKEN = "github_pat_11ZTMMDFIXTURE0denied0000000000"


def github_rules():
    with open(RULES) as f:
        return [r["id"] for r in json.load(f)["rules"] if r["id"].startswith("github.")]


class GitHub(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        fixture.make_pki(cls, SRC, WEAK_TOKEN)
        cls.denied = os.path.join(cls.tmp.name, "denied-token")
        with open(cls.denied, "w") as f:
            f.write(DENIED_TOKEN + "\n")
        os.chmod(cls.denied, 0o600)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def scan(self, scenario, orgs="acme", auth=None, extra=""):
        self.runs = getattr(self, "runs", 0) + 1
        self.log = os.path.join(self.tmp.name, f"log-{self._testMethodName}-{self.runs}.jsonl")
        base = fixture.serve(self, SRC, scenario, self.log)
        auth = auth or f"app_id = 123456\nprivate_key_file = {self.certs}/client.key\n"
        conf = (f"[collector:gh]\ntype = github\norganizations = {orgs}\napi_url = {base}\n"
                f"{auth}ca_file = {self.certs}/ca.pem\n{extra}")
        path = os.path.join(self.tmp.name, f"{self._testMethodName}-{self.runs}.conf")
        with open(path, "w") as f:
            f.write(conf)
        p = fixture.run_once(self, ZTMMD, path, RULES)
        self.assertTrue(p.stdout.startswith("{"), f"no result (exit {p.returncode}): {p.stderr}")
        doc = json.loads(p.stdout)
        self.ev = {e["key"]: e["value"] for e in doc["evidence"]}
        self.stderr = p.stderr
        self.col = doc["collectors"][0]
        self.findings = {f["rule"]: f["status"] for f in doc["findings"]}
        for secret in (WEAK_TOKEN, DENIED_TOKEN, "ghs_"):
            self.assertNotIn(secret, p.stdout + p.stderr)
        return doc

    def requests(self):
        with open(self.log) as f:
            return [json.loads(line) for line in f]

    def test_strong_app_passes_every_rule(self):
        self.scan("github_strong", orgs="acme, acme-labs")
        self.assertEqual(self.col["status"], "ok", self.col["error"])
        ev = self.ev
        self.assertEqual(ev["github.orgs.count"], 2)
        self.assertEqual(ev["github.repos.count"], 145)  # 120 + 25; archived and forks apart
        self.assertEqual(ev["github.repos.archived_count"], 3)
        self.assertEqual(ev["github.repos.fork_count"], 2)
        self.assertEqual(ev["github.repos.protected_share"], 1.0)
        self.assertAlmostEqual(ev["github.repos.org_ruleset_share"], 120 / 145)
        self.assertEqual(ev["github.repos.bypassable_ruleset_count"], 0)
        self.assertEqual(ev["github.alerts.dependabot.severe_count"], 1)
        self.assertEqual(ev["github.alerts.dependabot.severe_old_count"], 0)
        self.assertTrue(ev["github.orgs.saml_sso_all"])
        self.assertEqual({r: self.findings.get(r) for r in github_rules()},
                         {r: "pass" for r in github_rules()})
        log = self.requests()
        # The repository list paged by its Link header: 2 pages for acme (120 + 5).
        self.assertEqual(len([e for e in log if e["path"] == "/orgs/acme/repos"]), 2)
        # One installation token per organization, minted with the App's JWT.
        self.assertEqual(len([e for e in log if e["path"].endswith("access_tokens")]), 2)
        self.assertEqual({e["token"] for e in log if e["path"].endswith("/installation")},
                         {"app-jwt"})
        self.assertEqual({e["token"] for e in log if e["path"].startswith("/repos/acme/")},
                         {"ghs-1"})
        # The organization ruleset's bypass actors were read once, not once per repository.
        self.assertEqual(len([e for e in log if e["path"] == "/orgs/acme/rulesets/500"]), 1)
        # One request at a time: no two requests overlap.
        spans = sorted((e["t"], e["end"]) for e in log)
        self.assertTrue(all(a[1] <= b[0] + 0.005 for a, b in zip(spans, spans[1:])))

    def test_weak_token_fails_and_disabled_features_are_unknown(self):
        self.scan("github_weak", orgs="weakco", auth=f"token_file = {self.secret}\n")
        self.assertEqual(self.col["status"], "partial")
        self.assertIn("(and 2 more problems)", self.col["error"])
        self.assertIn("open code-scanning alerts unknown (feature not enabled, HTTP 403)",
                      self.stderr)
        self.assertIn("open secret-scanning alerts unknown (feature not enabled, HTTP 404)",
                      self.stderr)
        ev = self.ev
        self.assertEqual(ev["github.repos.count"], 65)
        # 5 of 65 really protected: 20 bypassable by the write role, 10 in evaluate mode.
        self.assertAlmostEqual(ev["github.repos.protected_share"], 5 / 65)
        self.assertEqual(ev["github.repos.bypassable_ruleset_count"], 20)
        self.assertAlmostEqual(ev["github.repos.code_scanning_share"], 5 / 65)
        self.assertFalse(ev["github.orgs.two_factor_required_all"])
        self.assertEqual(ev["github.orgs.members_without_2fa"], 3)
        self.assertFalse(ev["github.actions.default_token_read_only_all"])
        self.assertEqual(ev["github.alerts.dependabot.severe_old_count"], 1)
        # Code and secret scanning alert lists are disabled: unknown, never zero.
        self.assertNotIn("github.alerts.code_scanning.open_count", ev)
        self.assertNotIn("github.alerts.secret_scanning.old_count", ev)
        self.assertNotIn("github.orgs.saml_sso_all", ev)  # team plan: no SAML to read
        for rule in ("github.repos.protected_most", "github.orgs.two_factor_required",
                     "github.actions.least_privilege", "github.code_scanning.some",
                     "github.rulesets.organization_wide_most"):
            self.assertEqual(self.findings.get(rule), "fail", rule)
        self.assertEqual(self.findings.get("idp.stores_integrated_some"), "unknown")
        self.assertEqual({e["token"] for e in self.requests()}, {"pat"})

    def test_rate_limits_waited_and_paging_resumed(self):
        self.scan("github_throttle")
        self.assertEqual(self.col["status"], "ok", self.col["error"])
        self.assertEqual(self.ev["github.repos.count"], 130)
        self.assertEqual(self.ev["github.repos.protected_share"], 1.0)
        log = self.requests()
        pages = [e for e in log if e["path"] == "/orgs/acme/repos"]
        # Page 1 once, page 2 refused then retried at least 1 s later: not the list again.
        self.assertEqual([("page=2" in e["query"], e["status"]) for e in pages],
                         [(False, 200), (True, 403), (True, 200)])
        self.assertGreaterEqual(pages[2]["t"] - pages[1]["t"], 1.0)
        rules7 = [e for e in log if e["path"] == "/repos/acme/repo-00007/rules/branches/main"]
        self.assertEqual([e["status"] for e in rules7], [429, 200])
        self.assertGreaterEqual(rules7[1]["t"] - rules7[0]["t"], 1.0)
        prot9 = [e for e in log if e["path"] == "/repos/acme/repo-00009/branches/main/protection"]
        self.assertEqual([e["status"] for e in prot9], [403, 404])  # 404: Branch not protected
        self.assertGreaterEqual(prot9[1]["t"] - prot9[0]["t"], 1.0)  # until the reset

    def test_secondary_limit_without_retry_after_waits_a_minute(self):
        self.scan("github_secondary_noretry", extra="timeout = 20s\n")
        self.assertEqual(self.col["status"], "partial")
        self.assertIn("secondary rate limit: GitHub asks to wait 60 s", self.col["error"])
        hits = [e for e in self.requests() if e["path"] == "/orgs/acme/actions/permissions"]
        self.assertEqual(len(hits), 1)  # never retried inside the minute
        self.assertNotIn("github.actions.allowed_actions_restricted_all", self.ev)

    def test_installation_token_reminted_before_expiry(self):
        self.scan("github_expiring")
        self.assertEqual(self.col["status"], "ok", self.col["error"])
        self.assertEqual(self.ev["github.repos.count"], 40)
        log = self.requests()
        minted = [e for e in log if e["path"].endswith("/access_tokens")]
        self.assertGreaterEqual(len(minted), 2)
        self.assertNotIn(401, [e["status"] for e in log])
        self.assertGreaterEqual(len({e["token"] for e in log if e["path"].startswith("/repos/")}), 2)

    def test_revoked_token_reminted_once(self):
        self.scan("github_revoked")
        self.assertEqual(self.col["status"], "ok", self.col["error"])
        log = self.requests()
        self.assertEqual([e["status"] for e in log].count(401), 1)
        self.assertEqual(len([e for e in log if e["path"].endswith("/access_tokens")]), 2)
        self.assertEqual(self.ev["github.repos.count"], 12)

    def test_refusals_leave_facts_unknown(self):
        self.scan("github_denied", auth=f"token_file = {self.denied}\n")
        self.assertEqual(self.col["status"], "partial")
        err = self.col["error"]
        self.assertIn("needs an organization owner", err)
        for key in ("github.orgs.two_factor_required_all", "github.orgs.members_without_2fa",
                    "github.repos.protected_share", "github.repos.secret_scanning_share"):
            self.assertNotIn(key, self.ev)
        self.assertEqual(self.ev["github.repos.code_scanning_share"], 1.0)
        self.assertEqual(self.findings.get("github.orgs.two_factor_required"), "unknown")
        self.assertEqual(self.findings.get("github.repos.protected_most"), "unknown")

    def test_wrong_app_is_an_error(self):
        self.scan("github_strong", auth=f"app_id = 999\nprivate_key_file = {self.certs}/client.key\n")
        self.assertEqual(self.col["status"], "error")
        self.assertIn("installation", self.col["error"])
        self.assertEqual(self.ev, {})


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
