#!/usr/bin/env python3
"""test_entra.py - end-to-end: the built `ztmmd --once` with the entra collector against the HTTPS
fixture server (tests/fixtures/server.py) on the entra_* scenarios.

Usage: test_entra.py ZTMMD SOURCE_DIR
Checks the stage per identity function for weak/typical/strong tenants, evidence values, that faults
end in a complete result or a clear collector error naming the URL, and, from the server's request
log, the pacing of the Conditional Access endpoint, that no request carried a wrong token, and that
the members of the groups holding Global Administrator were listed in a second round (counted into
entra.roles.global_admin_count, or the key left out when a group cannot be listed).
"""
import json
import os
import subprocess
import sys
import unittest

import fixture

ZTMMD, SRC = sys.argv[1:3]
RULES = os.path.join(SRC, "conf", "rules", "ztmm-v2.json")
HOST_TREE = os.path.join(SRC, "tests", "fixtures", "host", "hardened")
BREAK_GLASS = "0b1c2d3e-0000-4000-8000-00000000b001"
CLIENT_ID = "6f1e3b8a-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
CA_PATHS = ("/v1.0/identity/conditionalAccess/policies", "/beta/identity/conditionalAccess/policies")
IDENTITY = ["identity.authentication", "identity.risk_assessments", "identity.access_management",
            "identity.governance"]
GA_KEY = "entra.roles.global_admin_count"
# The plain listing (no /microsoft.graph.user cast, no advanced query mode): users are picked out
# by "@odata.type"; the fixtures' listings hold non-users too, which must not be counted.
MEMBERS = "/v1.0/groups/{}/transitiveMembers"
MEMBERS_QUERY = "$select=id&$top=999"
TYPICAL_SKIPTOKEN = "RFNwdAIAAQAAACM6MGIxYzJkM2UtMDAwMC00MDAwLTgwMDAtMDAwMDAwMDAwMGQ4"
# Apps with federated credentials: an advanced query (the fixture route also wants the
# ConsistencyLevel: eventual header, else the plain application list answers and the count is off).
FIC_QUERY = "$filter=federatedIdentityCredentials/$count%20ne%200&$count=true&$select=id&$top=999"
SPS = "/v1.0/servicePrincipals"
LCW = "/v1.0/identityGovernance/lifecycleWorkflows/workflows"
EM = "/v1.0/identityGovernance/entitlementManagement/assignmentPolicies"
# The rules written from the workload identity, cross-tenant and governance evidence.
NEW_RULES = ("entra.directory.synced_cloud_authentication", "entra.stores.partners_integrated",
             "entra.em.just_in_time_access", "entra.risk.behavioural_analytics_enforced",
             "entra.lcw.leaver_automated", "entra.lcw.joiner_mover_leaver_automated",
             "entra.apps.assignment_required_most", "entra.apps.assignment_required_managed_devices",
             "entra.ca.workload_identities_all", "entra.apps.owned_all",
             "entra.apps.credentials_governed")


class Entra(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        fixture.make_pki(cls, SRC, "entra~fixture.secret")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def serve(self, scenario):
        log = os.path.join(self.tmp.name, f"log-{scenario}-{id(self)}.jsonl")
        return fixture.serve(self, SRC, scenario, log), log

    def scan(self, scenario, auth=None, with_host=True, extra=""):
        base, log = self.serve(scenario)
        auth = auth or f"client_secret_file = {self.secret}\n"
        conf = (f"[collector:contoso]\ntype = entra\ntenant_id = contoso.onmicrosoft.com\n"
                f"client_id = {CLIENT_ID}\n{auth}login_url = {base}\ngraph_url = {base}\n"
                f"ca_file = {self.certs}/ca.pem\nemergency_accounts = {BREAK_GLASS}\n{extra}")
        if with_host:
            conf += f"[collector:host]\nroot = {HOST_TREE}\n"
        path = os.path.join(self.tmp.name, f"{scenario}.conf")
        with open(path, "w") as f:
            f.write(conf)
        p = subprocess.run([ZTMMD, "--once", "--config", path, "--rules", RULES, "--format", "json"],
                           capture_output=True, text=True, timeout=120)
        self.assertNotIn(p.returncode, (-6, -11, 134, 139), p.stderr)  # never a crash
        doc = json.loads(p.stdout)
        with open(log) as f:
            requests = [json.loads(line) for line in f]
        return p, doc, requests

    def common(self, doc, requests):
        ev = {e["key"]: e["value"] for e in doc["evidence"] if e["collector"] == "contoso"}
        fn = {f["id"]: (f["stage"], f["bound"]) for f in doc["functions"]}
        graph = [r for r in requests if not r["path"].endswith("/oauth2/v2.0/token")]
        # Every Graph request carried a token the server issued (never none or a forged one).
        for r in graph:
            self.assertRegex(r["token"] or "", r"^tok-\d+$", r)
        # Conditional Access requests (v1.0 and beta share the tenant's bucket) are >= 1 s apart.
        starts = sorted(r["t"] for r in graph if r["path"] in CA_PATHS)
        self.assertGreaterEqual(len(starts), 2)
        for a, b in zip(starts, starts[1:]):
            self.assertGreaterEqual(b - a, 0.95, starts)
        return ev, fn, graph

    def findings(self, doc):
        return {f["rule"]: f["status"] for f in doc["findings"]}

    def members_requests(self, graph, group):
        """The member listings of group: made in the second round (after every first-round call
        ended), each with a token the server issued (common() checks every Graph request too)."""
        reqs = [r for r in graph if r["path"] == MEMBERS.format(group)]
        # never the cast, whatever the path's case; never advanced query mode ($count)
        self.assertEqual([r for r in graph if "microsoft.graph.user" in r["path"].lower()], [])
        for r in reqs:
            self.assertTrue(r["query"].startswith(MEMBERS_QUERY), r)
            self.assertNotIn("$count", r["query"], r)
        first_round_end = max(r["end"] for r in graph if "/groups/" not in r["path"])
        for r in reqs:
            self.assertRegex(r["token"] or "", r"^tok-\d+$", r)
            self.assertGreaterEqual(r["t"], first_round_end, r)
        return reqs

    def ga_detail(self, doc):
        return next(e["detail"] for e in doc["evidence"] if e["key"] == GA_KEY)

    def test_weak_tenant(self):
        p, doc, requests = self.scan("entra_weak")
        ev, fn, _ = self.common(doc, requests)
        (c,) = [c for c in doc["collectors"] if c["name"] == "contoso"]
        # PIM answered 403: partial, the problem names the endpoint and the permission to grant.
        self.assertEqual(c["status"], "partial")
        self.assertIn("roleAssignmentScheduleInstances", c["error"])
        self.assertIn("RoleAssignmentSchedule.Read.Directory", c["error"])
        self.assertEqual(p.returncode, 3)
        self.assertNotIn("entra.pim.permanent_privileged_assignments", ev)
        self.assertNotIn("entra.roles.global_admin_count", ev)
        # The traps: report-only, an ordinary group excluded, risk-only, both risks, mfa OR device.
        for k in ("entra.ca.mfa_all_users", "entra.ca.legacy_auth_blocked",
                  "entra.ca.high_user_risk_blocked", "entra.ca.high_signin_risk_blocked",
                  "entra.ca.managed_device_required", "entra.authmethods.weak_methods_disabled",
                  "entra.authmethods.migration_complete", "entra.security_defaults.enabled"):
            self.assertIs(ev[k], False, k)
        self.assertEqual(ev["entra.ca.policies_report_only"], 1)
        self.assertEqual(ev["entra.registration.users"], 25)  # three pages
        self.assertAlmostEqual(ev["entra.registration.mfa_capable_share"], 0.375)
        mfa = next(e for e in doc["evidence"] if e["key"] == "entra.ca.mfa_all_users")
        reasons = json.dumps(mfa["detail"]["near_misses"])
        self.assertIn("enabledForReportingButNotEnforced", reasons)
        self.assertIn("0b1c2d3e-0000-4000-8000-0000000000a1 (not in emergency_accounts)", reasons)
        self.assertEqual(fn["identity.authentication"], ("traditional", "exact"))
        self.assertEqual(fn["identity.risk_assessments"], ("initial", "exact"))
        self.assertEqual(fn["identity.governance"], ("initial", "exact"))
        self.assertEqual(fn["identity.access_management"], ("traditional", "at_least"))
        self.assertEqual(self.findings(doc)["entra.ca.device_signals_used"], "fail")
        self.assertEqual(self.findings(doc)["entra.roles.global_admin_count"], "unknown")
        # Access reviews answered 403 too: named in the problem, no review key, never a fail.
        self.assertIn("(and 2 more problems)", c["error"])  # PIM twice, then access reviews
        self.assertRegex(p.stderr, r"accessReviews/definitions.*HTTP 403.*AccessReview\.Read\.All")
        self.assertNotIn("entra.accessreviews.privileged_roles", ev)
        self.assertEqual(self.findings(doc)["entra.accessreviews.privileged_and_guests"], "unknown")
        # A cloud-only tenant (onPremisesSyncEnabled null), anyone may consent to any app, no
        # admin consent workflow, one ownerless app whose only secret expired.
        self.assertIs(ev["entra.directory.hybrid_sync"], False)
        self.assertNotIn("entra.directory.last_sync_age_hours", ev)
        self.assertEqual(ev["entra.consent.user_consent"], "all")
        self.assertIs(ev["entra.consent.user_consent_restricted"], False)
        self.assertIs(ev["entra.consent.admin_workflow_enabled"], False)
        self.assertEqual((ev["entra.apps.registrations"], ev["entra.apps.secret_credentials"],
                          ev["entra.apps.expired_credentials"], ev["entra.apps.without_owners"]),
                         (1, 1, 1, 1))
        # That app is multitenant with its instance property lock off; a vaulted-password app and
        # a SAML app, neither requiring assignment, and an expired secret on a service principal;
        # cross-tenant defaults never customised (trust nothing); a leaver workflow that runs only
        # on demand, a joiner one disabled; an access package that never expires.
        self.assertEqual((ev["entra.apps.multitenant"],
                          ev["entra.apps.multitenant_without_instance_lock"],
                          ev["entra.apps.federated_credentials"]), (1, 1, 0))
        self.assertEqual((ev["entra.serviceprincipals.sso_count"],
                          ev["entra.serviceprincipals.password_sso_count"],
                          ev["entra.serviceprincipals.secret_credentials"],
                          ev["entra.serviceprincipals.expired_credentials"]), (1, 1, 1, 1))
        self.assertEqual(ev["entra.serviceprincipals.sso_assignment_required_share"], 0)
        self.assertIs(ev["entra.xtap.service_default"], True)
        self.assertIs(ev["entra.xtap.inbound_trust_mfa"], False)
        self.assertIs(ev["entra.ca.workload_identities_all"], False)
        self.assertEqual(ev["entra.lcw.workflows"], 2)
        for k in ("joiner", "mover", "leaver"):
            self.assertIs(ev[f"entra.lcw.{k}_scheduled"], False, k)
        self.assertEqual((ev["entra.em.assignment_policies"], ev["entra.em.policies_without_expiry"]),
                         (1, 1))
        f = self.findings(doc)
        for rule in NEW_RULES:
            self.assertEqual(f[rule], "fail", rule)

    def test_typical_tenant(self):
        p, doc, requests = self.scan("entra_typical")
        ev, fn, graph = self.common(doc, requests)
        (c,) = [c for c in doc["collectors"] if c["name"] == "contoso"]
        self.assertEqual((c["status"], c["error"]), ("ok", None), p.stderr)
        self.assertEqual(p.returncode, 0, p.stderr)
        # The CA endpoint answered 429 without Retry-After once; the engine backed off and retried.
        ca = [r for r in graph if r["path"] == CA_PATHS[0]]
        self.assertEqual([r["status"] for r in ca], [429, 200])
        self.assertEqual(len([r for r in graph if "userRegistrationDetails" in r["path"]]), 5)
        self.assertIs(ev["entra.ca.mfa_all_users"], True)
        self.assertIs(ev["entra.ca.legacy_auth_blocked"], True)
        self.assertIs(ev["entra.ca.phishing_resistant_mfa_privileged_roles"], True)
        self.assertIs(ev["entra.ca.phishing_resistant_mfa_all_users"], False)
        self.assertIs(ev["entra.ca.managed_device_required"], False)  # only on mobile platforms
        self.assertIs(ev["entra.ca.managed_device_for_registration"], True)
        self.assertIs(ev["entra.ca.high_user_risk_remediated"], True)
        self.assertIs(ev["entra.ca.high_user_risk_blocked"], False)
        self.assertIs(ev["entra.authmethods.weak_methods_disabled"], False)
        # Global Administrator: break-glass, …0002 (active and eligible), …0003 directly, and the
        # 12 users of the role-assignable group …00c1 listed over two pages, …0002 among them:
        # 14 distinct users (3 before groups were expanded, which passed the 2..8 rule). The
        # listing also holds a service principal, a nested group and a device: not counted.
        self.assertEqual(ev[GA_KEY], 14)
        d = self.ga_detail(doc)
        self.assertEqual((d["direct_users"], d["users_via_groups_only"], d["group_count"]),
                         (3, 11, 1))
        self.assertEqual(d["groups"], [{"id": "0b1c2d3e-0000-4000-8000-0000000000c1", "users": 12}])
        self.assertEqual(d["emergency_accounts"], 1)
        members = self.members_requests(graph, "0b1c2d3e-0000-4000-8000-0000000000c1")
        self.assertEqual([(r["query"], r["status"]) for r in members],
                         [(MEMBERS_QUERY, 200),
                          (MEMBERS_QUERY + "&$skiptoken=" + TYPICAL_SKIPTOKEN, 200)])
        self.assertEqual(ev["entra.pim.permanent_privileged_assignments"], 1)  # break-glass not counted
        self.assertAlmostEqual(ev["entra.registration.mfa_capable_share"], 0.9)
        self.assertEqual(fn["identity.authentication"], ("initial", "exact"))
        self.assertEqual(fn["identity.risk_assessments"], ("advanced", "exact"))
        self.assertEqual(fn["identity.governance"], ("advanced", "exact"))
        # 14 Global Administrators fail the initial rule (2..8): access management is traditional
        self.assertEqual(fn["identity.access_management"], ("traditional", "exact"))
        f = self.findings(doc)
        self.assertEqual(f[GA_KEY], "fail")
        self.assertEqual((f["entra.ca.device_signals_used"], f["entra.ca.managed_device_required"]),
                         ("pass", "fail"))
        # Hybrid: synced two hours ago, one federated domain; consent to low-risk permissions only.
        self.assertIs(ev["entra.directory.hybrid_sync"], True)
        self.assertAlmostEqual(ev["entra.directory.last_sync_age_hours"], 2.0, delta=0.1)
        self.assertEqual((ev["entra.domains.federated_count"], ev["entra.domains.managed_count"]),
                         (1, 1))
        self.assertEqual(ev["entra.consent.user_consent"], "low_risk")
        self.assertIs(ev["entra.consent.user_consent_restricted"], True)
        self.assertIs(ev["entra.consent.admin_workflow_enabled"], True)
        # Apps: an expired secret, a secret expiring in 20 days, a certificate, one without owner.
        self.assertEqual((ev["entra.apps.registrations"], ev["entra.apps.secret_credentials"],
                          ev["entra.apps.certificate_credentials"],
                          ev["entra.apps.expired_credentials"],
                          ev["entra.apps.expiring_credentials_30d"], ev["entra.apps.without_owners"]),
                         (4, 2, 1, 1, 1, 1))
        # A recurring guest review; the Global Administrator review was a completed one-off.
        self.assertEqual((ev["entra.accessreviews.active_definitions"],
                          ev["entra.accessreviews.recurring_definitions"]), (1, 1))
        self.assertIs(ev["entra.accessreviews.guests"], True)
        self.assertIs(ev["entra.accessreviews.privileged_roles"], False)
        self.assertEqual(f["entra.accessreviews.privileged_and_guests"], "fail")
        self.assertEqual(f["entra.apps.no_client_secrets"], "fail")
        # Federated credentials over two pages of the advanced query (the second by its nextLink).
        fic = [r for r in graph if r["path"] == "/v1.0/applications" and
               (r["query"] == FIC_QUERY or r["query"].startswith("$skiptoken=fic"))]
        self.assertEqual([r["query"] for r in fic], [FIC_QUERY, "$skiptoken=fic2"])
        self.assertEqual(ev["entra.apps.federated_credentials"], 2)
        # Two of three single sign-on apps require assignment (one vaulted password): most, not
        # all; only the leaver workflow is scheduled; one access package never expires; the
        # workload identity policy is report-only.
        self.assertAlmostEqual(ev["entra.serviceprincipals.sso_assignment_required_share"], 0.6667)
        self.assertEqual(ev["entra.serviceprincipals.password_sso_count"], 1)
        self.assertEqual(ev["entra.serviceprincipals.expiring_credentials_30d"], 1)
        self.assertEqual((ev["entra.lcw.leaver_scheduled"], ev["entra.lcw.joiner_scheduled"]),
                         (True, False))
        self.assertEqual(ev["entra.em.policies_without_expiry"], 1)
        self.assertEqual(ev["entra.ca.workload_identity_policies"], 0)
        self.assertEqual(ev["entra.accessreviews.auto_apply_definitions"], 1)
        self.assertEqual({r: f[r] for r in NEW_RULES if f[r] == "pass"},
                         {"entra.risk.behavioural_analytics_enforced": "pass",
                          "entra.lcw.leaver_automated": "pass",
                          "entra.apps.assignment_required_most": "pass"})
        self.assertEqual(fn["applications.accessible_applications"], ("advanced", "exact"))

    def test_strong_tenant_with_certificate(self):
        auth = (f"certificate_file = {self.certs}/client.pem\n"
                f"private_key_file = {self.certs}/client.key\n")
        p, doc, requests = self.scan("entra_strong", auth=auth)
        ev, fn, graph = self.common(doc, requests)
        self.assertEqual(p.returncode, 0, p.stderr)
        tokens = [r for r in requests if r["path"].endswith("/oauth2/v2.0/token")]
        self.assertEqual([t.get("client_auth") for t in tokens], ["assertion"])  # one token, cached
        for k in ("entra.ca.mfa_all_users", "entra.ca.phishing_resistant_mfa_all_users",
                  "entra.ca.phishing_resistant_mfa_privileged_roles", "entra.ca.legacy_auth_blocked",
                  "entra.ca.high_user_risk_blocked", "entra.ca.high_signin_risk_blocked",
                  "entra.ca.managed_device_required", "entra.ca.device_code_flow_blocked",
                  "entra.ca.cae_strict_enforcement", "entra.authmethods.weak_methods_disabled",
                  "entra.authmethods.migration_complete"):
            self.assertIs(ev[k], True, k)
        self.assertIs(ev["entra.ca.cae_disabled"], False)
        # A sign-in frequency for all users and apps: every access expires (applications.access).
        self.assertIs(ev["entra.ca.sign_in_frequency_all_users"], True)
        self.assertEqual(ev["entra.pim.permanent_privileged_assignments"], 0)
        # break-glass, …0005, …0006 directly; the eligible group …00c2 adds …0009 (its other two
        # users, break-glass and …0005, are counted once; its contact …00f3 is not a user)
        self.assertEqual(ev[GA_KEY], 4)
        d = self.ga_detail(doc)
        self.assertEqual((d["direct_users"], d["users_via_groups_only"], d["emergency_accounts"]),
                         (3, 1, 1))
        members = self.members_requests(graph, "0b1c2d3e-0000-4000-8000-0000000000c2")
        self.assertEqual([(r["query"], r["status"]) for r in members], [(MEMBERS_QUERY, 200)])
        self.assertEqual(fn["identity.authentication"], ("optimal", "exact"))
        self.assertEqual(fn["identity.risk_assessments"], ("optimal", "exact"))
        self.assertEqual(fn["identity.governance"], ("optimal", "exact"))
        self.assertEqual(fn["identity.access_management"][0], "optimal")
        self.assertEqual(fn["devices.resource_access"][0], "advanced")
        # Applications over two pages (the second by its nextLink), certificates only, owned.
        apps = [r for r in graph if r["path"] == "/v1.0/applications" and r["query"] != FIC_QUERY]
        self.assertEqual(len(apps), 2)
        self.assertIn("$expand=owners", apps[0]["query"])
        self.assertEqual(apps[1]["query"], "$skiptoken=apps2")
        self.assertEqual((ev["entra.apps.registrations"], ev["entra.apps.secret_credentials"],
                          ev["entra.apps.certificate_credentials"], ev["entra.apps.without_owners"]),
                         (3, 0, 2, 0))
        self.assertIs(ev["entra.accessreviews.privileged_roles"], True)
        self.assertIs(ev["entra.accessreviews.guests"], True)
        self.assertEqual(ev["entra.consent.user_consent"], "disabled")
        f = self.findings(doc)
        for rule in ("entra.accessreviews.privileged_and_guests", "entra.consent.governed",
                     "idp.users_provisioned_automatically", "entra.apps.no_client_secrets"):
            self.assertEqual(f[rule], "pass", rule)
        # Service principals over two pages, lifecycle workflows over two pages.
        sps = [r for r in graph if r["path"] == SPS]
        self.assertEqual(len(sps), 2)
        self.assertIn("preferredSingleSignOnMode", sps[0]["query"])
        self.assertEqual(sps[1]["query"], "$skiptoken=sp2")
        self.assertEqual([r["query"] for r in graph if r["path"] == LCW], ["", "$skiptoken=wf2"])
        self.assertEqual([r["query"] for r in graph if r["query"] == FIC_QUERY], [FIC_QUERY])
        # Three SSO apps on both pages, all requiring assignment; the deploy pipeline federated;
        # the multitenant app locked; joiner, mover (page 1) and leaver (page 2) scheduled.
        self.assertEqual((ev["entra.serviceprincipals.total"], ev["entra.serviceprincipals.sso_count"],
                          ev["entra.serviceprincipals.password_sso_count"],
                          ev["entra.serviceprincipals.secret_credentials"]), (5, 3, 0, 0))
        self.assertEqual(ev["entra.serviceprincipals.sso_assignment_required_share"], 1)
        self.assertEqual((ev["entra.apps.federated_credentials"], ev["entra.apps.multitenant"],
                          ev["entra.apps.multitenant_without_instance_lock"]), (1, 1, 0))
        self.assertEqual((ev["entra.xtap.inbound_trust_mfa"], ev["entra.xtap.service_default"],
                          ev["entra.xtap.b2b_direct_connect_inbound"]), (True, False, "blocked"))
        for k in ("joiner", "mover", "leaver"):
            self.assertIs(ev[f"entra.lcw.{k}_scheduled"], True, k)
        self.assertEqual((ev["entra.em.assignment_policies"], ev["entra.em.policies_without_expiry"],
                          ev["entra.em.policies_with_review"]), (2, 0, 2))
        self.assertIs(ev["entra.ca.workload_identities_all"], True)
        for rule in NEW_RULES:
            self.assertEqual(f[rule], "pass", rule)
        for func in ("identity.identity_stores", "identity.automation_orchestration",
                     "applications.accessible_applications"):
            self.assertEqual(fn[func], ("optimal", "exact"), func)

    def test_faults_end_complete_or_named(self):
        p, doc, requests = self.scan("entra_faults", with_host=False)
        ev, _, graph = self.common(doc, requests)
        (c,) = doc["collectors"]
        # expired first token -> refreshed once; truncated and 503 bodies retried: complete facts
        self.assertIs(ev["entra.security_defaults.enabled"], False)
        self.assertIs(ev["entra.authmethods.fido2_enabled"], True)
        self.assertIs(ev["entra.ca.mfa_all_users"], True)
        # Two groups hold Global Administrator: …00c3's listing answered 503 once and was retried,
        # …00c4's answered 403: its members are unknown, so no count rather than a low one, and a
        # problem naming the group and the permission to grant.
        self.assertNotIn(GA_KEY, ev)
        self.assertIn("entra.pim.eligible_privileged_assignments", ev)
        ok = self.members_requests(graph, "0b1c2d3e-0000-4000-8000-0000000000c3")
        denied = self.members_requests(graph, "0b1c2d3e-0000-4000-8000-0000000000c4")
        self.assertEqual([r["status"] for r in ok], [503, 200])
        self.assertEqual([r["status"] for r in denied], [403])
        self.assertIn("0b1c2d3e-0000-4000-8000-0000000000c4", p.stderr)
        self.assertIn("GroupMember.Read.All", p.stderr)
        self.assertIn(GA_KEY + " is left out", p.stderr)
        self.assertEqual(self.findings(doc)[GA_KEY], "unknown")
        # the malformed registration page: no partial counts, a problem naming the URL
        self.assertNotIn("entra.registration.users", ev)
        self.assertEqual(c["status"], "partial")
        self.assertIn("/v1.0/reports/authenticationMethods/userRegistrationDetails", c["error"])
        self.assertIn("malformed JSON", c["error"])
        # Lifecycle workflows answered 400 (not licensed: the licence is named) and entitlement
        # management 403 (the permission is named): their keys are left out and their rules are
        # unknown, never a fail; the other new calls still gave their evidence.
        self.assertRegex(p.stderr, r"lifecycleWorkflows/workflows.*HTTP 400.*not be licensed.*"
                                   r"Microsoft Entra ID Governance")
        self.assertRegex(p.stderr, r"assignmentPolicies.*HTTP 403.*EntitlementManagement\.Read\.All")
        self.assertEqual([k for k in ev if k.startswith(("entra.lcw.", "entra.em."))], [])
        f = self.findings(doc)
        for rule in ("entra.lcw.leaver_automated", "entra.lcw.joiner_mover_leaver_automated",
                     "entra.em.just_in_time_access"):
            self.assertEqual(f[rule], "unknown", rule)
        # (the first token was rejected as expired: 401, a new token, then the 400, not retried)
        self.assertEqual([r["status"] for r in graph if r["path"] == LCW and r["status"] != 401],
                         [400])
        self.assertIn("entra.serviceprincipals.sso_count", ev)
        self.assertIn("entra.xtap.inbound_trust_mfa", ev)
        self.assertNotIn("entra~fixture.secret", p.stdout + p.stderr)
        self.assertEqual({r["token"] for r in graph if r["status"] == 401}, {"tok-1"})
        self.assertTrue(all(r["token"] == "tok-2" for r in graph if r["status"] == 200))

    def test_bad_secret_is_a_clear_error(self):
        bad = os.path.join(self.tmp.name, "bad-secret")
        with open(bad, "w") as f:
            f.write("bad-secret-value-42\n")
        os.chmod(bad, 0o600)
        p, doc, requests = self.scan("entra_typical", auth=f"client_secret_file = {bad}\n",
                                     with_host=False)
        (c,) = doc["collectors"]
        self.assertNotEqual(p.returncode, 0)
        self.assertEqual((c["status"], c["evidence"]), ("error", 0))  # nothing usable: error
        self.assertIn("token", c["error"])
        self.assertIn("/contoso.onmicrosoft.com/oauth2/v2.0/token", c["error"])
        self.assertNotIn("bad-secret-value-42", p.stdout + p.stderr)
        self.assertEqual([r for r in requests if not r["path"].endswith("/token")], [])
        auth = {f["id"]: f["stage"] for f in doc["functions"]}["identity.authentication"]
        self.assertEqual(auth, "unknown")  # rules apply, evidence missing: never a guess
        # entra ran, so its rules are unknown, not "not applicable" (a failed collector must never
        # look like an unused one).
        mfa = next(f for f in doc["findings"] if f["rule"] == "entra.ca.mfa_all_users")
        self.assertEqual(mfa["status"], "unknown")

    def test_config_needs_one_auth_method(self):
        path = os.path.join(self.tmp.name, "two.conf")
        with open(path, "w") as f:
            f.write(f"[collector:c]\ntype = entra\ntenant_id = t\nclient_id = c\n"
                    f"client_secret_file = {self.secret}\ncredential = x\n")
        p = subprocess.run([ZTMMD, "--check-config", "--config", path, "--rules", RULES],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 1)
        self.assertIn("set at most one of 'client_secret_file', 'credential'", p.stderr)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
