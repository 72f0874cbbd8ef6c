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
that a 403 on one subscription gives a partial result with that area's evidence missing. Resource
Graph: one POST per query over every subscription, the next page asked for with the $skipToken
of the previous answer, the quota headers pacing the next query, a 429 retried, a denied or
malformed query leaving only its own keys out (partial), and a resource provider that was never
registered (409 MissingSubscriptionRegistration) read as "none there", not as a failure; a
subscription Resource Graph does not answer for leaving every Resource Graph key out (partial), and
a resource type that is absent (no firewall policy) being no failure. Storage customer-managed keys
and network rules, policy assignments in DoNotEnforce (never counted as enforcing), network policy
states, and Sentinel onboarding, data connectors and analytics rules per workspace.
"""
import json
import os
import re
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
# Functions the Resource Graph rules feed (stages checked apart: see test_graph_stages).
GRAPH_FUNCS = ["data.availability", "networks.resilience", "networks.traffic_management",
               "data.inventory_management", "data.automation_orchestration", "data.governance",
               "crosscutting.automation_orchestration", "applications.automation_orchestration",
               "networks.visibility_analytics", "networks.governance"]
# The azure rules added for data, network governance and visibility (strong passes each, weak
# fails each).
NEW_RULES = ["azure.storage.customer_managed_keys", "azure.data.network_restricted",
             "azure.defender.data_classification_everywhere", "azure.policy.data_unified_enforcement",
             "azure.sentinel.data_activity_analysed", "azure.data.posture_continuous",
             "azure.sentinel.network_correlation", "azure.sentinel.advanced_analysis",
             "azure.network.policy_hierarchy", "azure.network.policy_as_code",
             "azure.network.enterprise_policy", "azure.rbac.data_access_just_in_time",
             "azure.data.discovery_with_automated_response", "azure.policy.enforced_not_audited"]
ARG = "/providers/Microsoft.ResourceGraph/resources"
AADIAM = "/providers/microsoft.aadiam/diagnosticSettings"  # the tenant's Entra log streaming
ENTRA_LOGS = ["azure.entra_logs.streamed", "azure.entra_logs.all_signins_streamed"]
STRONG_GRAPH_STAGES = {
    "data.availability": ("optimal", "exact"), "networks.resilience": ("optimal", "exact"),
    "networks.traffic_management": ("optimal", "exact"),
    "data.inventory_management": ("optimal", "exact"),
    "data.automation_orchestration": ("optimal", "exact"),
    # Its Initial stage is attestation-only (an approved policy document): no observed stage,
    # whatever its advanced rule says (docs/rules.md, "Attestation-only stages").
    "data.governance": ("unknown", "at_least"),
    "crosscutting.automation_orchestration": ("advanced", "at_least"),
    "applications.automation_orchestration": ("advanced", "at_least"),
    "networks.visibility_analytics": ("optimal", "exact"),
    "networks.governance": ("optimal", "exact")}
NSG = "/providers/Microsoft.Network/networkSecurityGroups"
STORAGE = "/providers/Microsoft.Storage/storageAccounts"


class Azure(unittest.TestCase):
    maxDiff = None
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
        name = os.path.basename(scenario)  # a scenario name, or the path of an edited copy
        log = os.path.join(self.tmp.name, f"log-{name}-{self._testMethodName}.jsonl")
        base = fixture.serve(self, SRC, scenario, log)
        conf = (f"[collector:azure]\ntenant_id = contoso.onmicrosoft.com\nclient_id = {CLIENT_ID}\n"
                f"client_secret_file = {self.secret}\nlogin_url = {base}\narm_url = {base}\n"
                f"ca_file = {self.certs}/ca.pem\n{extra}")
        path = os.path.join(self.tmp.name, f"{name}.conf")
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

    def stages(self, doc, funcs=FUNCS):
        return {f["id"]: (f["stage"], f["bound"]) for f in doc["functions"] if f["id"] in funcs}

    def graph_requests(self, scenario, requests):
        """The Resource Graph POSTs in arrival order, each with the query ("network", ...) and the
        $skipToken its body carried, told by the fixture route that answered it."""
        with open(os.path.join(SRC, "tests", "fixtures", "scenarios", scenario,
                               "scenario.json")) as f:
            routes = json.load(f)["routes"]
        kinds = {"loadbalancers": "network", "virtualmachines'": "vaults", "RecoveryServices": "protected",
                 "policystates": "policy", "automations": "automation", "by mode": "assignments",
                 "ResourceContainers": "subscriptions"}
        out = []
        for r in sorted((r for r in requests if r["path"] == ARG), key=lambda r: r["t"]):
            rx = routes[r["route"]]["body_re"]
            kind = next(v for k, v in kinds.items() if k in rx)
            m = re.search(r'skipToken":"([^"]+)"', rx)
            token = m.group(1) if m else None
            out.append(dict(r, kind=kind, skip_token=token))
        return out

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
        # Entra: SignInLogs and AuditLogs archived in storage only: exported, but nothing
        # reaches a SIEM.
        self.assertEqual((ev["azure.entra_logs.core_exported"], ev["azure.entra_logs.core_streamed"],
                          ev["azure.entra_logs.all_signins_streamed"]), (True, False, False))
        self.assertEqual(self.detail(doc, "azure.entra_logs.core_streamed")["AuditLogs"],
                         ["storage"])
        self.assertEqual({r: fd[r] for r in ENTRA_LOGS}, {r: "fail" for r in ENTRA_LOGS})
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
        # Resource Graph: one POST per query, over both subscriptions at once.
        graph = self.graph_requests("azure_weak", requests)
        self.assertEqual(sorted(g["kind"] for g in graph),
                         ["assignments", "automation", "network", "policy", "protected",
                          "subscriptions", "vaults"])
        self.assertEqual(ev["azure.storage.redundant_count"], 0)
        self.assertEqual(ev["azure.storage.geo_redundant_share"], 0)
        self.assertEqual(ev["azure.network.entry_point_count"], 3)  # LB frontend, public IP, AGW
        self.assertEqual(ev["azure.network.zone_redundant_count"], 0)
        self.assertEqual(ev["azure.lb.rules_without_probe_count"], 1)
        self.assertEqual(ev["azure.vnet.ddos_protected_share"], 0)
        self.assertEqual(ev["azure.waf.app_gateway_coverage_share"], 0)
        self.assertEqual(ev["azure.waf.prevention_share"], 0)
        self.assertEqual(ev["azure.waf.managed_rules_share"], 0)
        self.assertEqual(ev["azure.firewall.threat_intel_deny_share"], 0)
        self.assertEqual(ev["azure.firewall.policies_with_rules_count"], 0)
        self.assertEqual((ev["azure.flow_log.count"], ev["azure.flow_log.enabled_count"]), (1, 0))
        self.assertEqual(ev["azure.vnet.flow_log_share"], 0)
        self.assertEqual(ev["azure.backup.protected_items_count"], 0)  # protection stopped
        self.assertEqual(ev["azure.backup.vm_protected_share"], 0)
        self.assertEqual(ev["azure.backup.soft_delete_share"], 0)
        self.assertEqual(ev["azure.backup.immutable_share"], 0)
        self.assertEqual((ev["azure.keyvault.purge_protection_off_count"],
                          ev["azure.keyvault.rbac_off_count"],
                          ev["azure.keyvault.public_network_count"]), (1, 1, 1))
        # The 6 Deny states at management-group scope belong to a DoNotEnforce assignment: they
        # count as states (and compliant), never as enforcing or denying.
        self.assertAlmostEqual(ev["azure.policy.compliant_share"], 8 / 18)
        self.assertEqual(ev["azure.policy.enforcing_state_count"], 0)
        self.assertEqual((ev["azure.policy.deny_state_count"],
                          ev["azure.policy.management_group_enforcing_count"],
                          ev["azure.policy.network_state_count"],
                          ev["azure.policy.network_enforcing_count"]), (0, 0, 6, 0))
        self.assertEqual(self.detail(doc, "azure.policy.state_count")["not_enforced"], 6)
        self.assertEqual((ev["azure.policy.assignment_count"], ev["azure.policy.do_not_enforce_count"],
                          ev["azure.policy.management_group_assignment_count"]), (3, 2, 0))
        self.assertEqual(ev["azure.storage.platform_managed_keys_count"], 4)
        self.assertEqual(ev["azure.storage.public_network_count"], 3)  # stunset's default is Deny
        self.assertFalse(ev["azure.defender.sensitive_data_discovery_full_all"])
        self.assertEqual(ev["azure.graph.subscription_count"], 2)
        # A user's Storage Blob Data Owner and a group's Key Vault Administrator are standing.
        self.assertEqual((ev["azure.rbac.standing_data_role_count"],
                          ev["azure.rbac.eligible_data_role_count"]), (2, 0))
        # No Sentinel workspace: nothing read, zero observed (not unknown).
        self.assertEqual((ev["azure.sentinel.onboarded_workspace_count"],
                          ev["azure.sentinel.data_connector_count"],
                          ev["azure.sentinel.data_connector_kinds"],
                          ev["azure.sentinel.fusion_enabled_count"]), (0, 0, [], 0))
        self.assertEqual({r: self.findings(doc)[r] for r in NEW_RULES},
                         {r: "fail" for r in NEW_RULES})
        self.assertEqual((ev["azure.policy.data_state_count"], ev["azure.policy.data_compliant_share"]),
                         (10, 0))
        self.assertEqual(self.findings(doc)["azure.policy.management_group_guardrails"], "fail")
        self.assertEqual((ev["azure.policy.remediation_task_count"],
                          ev["azure.policy.remediation_failed_count"]), (1, 1))
        self.assertEqual(ev["azure.security.workflow_automation_count"], 0)  # the one is disabled
        self.assertEqual(ev["azure.security.workflow_automation_subscription_share"], 0)
        self.assertEqual(ev["azure.sentinel.playbook_count"], 0)
        self.assertEqual(ev["azure.sentinel.automation_rule_count"], 0)  # no workspace to read
        self.assertEqual(ev["azure.defender.sensitive_data_discovery_count"], 0)
        # Nothing reaches Initial; data governance's Initial is attestation-only (not observed)
        # and its advanced rule fails.
        self.assertEqual(self.stages(doc, GRAPH_FUNCS),
                         {f: ("unknown", "at_least") if f == "data.governance" else
                          ("traditional", "exact") for f in GRAPH_FUNCS})
        self.assertEqual(self.stages(doc, ["data.encryption"])["data.encryption"],
                         ("traditional", "exact"))
        self.assertEqual(self.findings(doc)["azure.policy.management_group_enforcement"], "fail")
        self.assertEqual(self.findings(doc)["azure.keyvault.least_privilege"], "fail")
        self.assertEqual(c["requests"], len(requests))

    def test_strong(self):
        p, doc, requests, arm = self.scan("azure_strong", f"subscriptions = {A}, {B}\n")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.collector(doc)["status"], "ok")
        self.assertFalse([r for r in arm if r["path"] == "/subscriptions"])  # configured
        self.assertEqual({r["path"].split("/")[2] for r in arm if r["path"] not in (ARG, AADIAM)},
                         {A, B})
        ev = self.evidence(doc)
        # The tenant's Entra diagnostic settings: read once, at the tenant scope, GA api-version.
        self.assertEqual([r["query"] for r in arm if r["path"] == AADIAM], ["api-version=2017-04-01"])
        for key in ("core_exported", "core_streamed", "all_signins_streamed", "core_to_workspace",
                    "all_signins_to_workspace"):
            self.assertIs(ev[f"azure.entra_logs.{key}"], True, key)
        self.assertEqual(ev["azure.entra_logs.setting_count"], 2)
        self.assertEqual(self.detail(doc, "azure.entra_logs.core_streamed")["SignInLogs"],
                         ["workspace", "storage"])
        self.assertEqual({r: self.findings(doc)[r] for r in ENTRA_LOGS},
                         {r: "pass" for r in ENTRA_LOGS})
        self.assertEqual(ev["azure.nsg.count"], 2)
        self.assertEqual(ev["azure.nsg.internet_admin_open_count"], 0)  # SSH Allow shadowed
        self.assertEqual(ev["azure.nsg.internet_open_admin_ports"], [])
        self.assertEqual(self.detail(doc, "azure.subscriptions.count")["source"], "configured")
        self.assertTrue(ev["azure.defender.all_plans_enabled"])
        self.assertTrue(ev["azure.activity_log.exported_all"])
        self.assertEqual(self.stages(doc), {
            "networks.segmentation": ("initial", "at_least"),
            # Data roles only as PIM eligibilities: Optimal.
            "data.access": ("optimal", "exact"),
            # Customer-managed keys everywhere: Advanced; no azure rule at Optimal.
            "data.encryption": ("advanced", "at_least"),
            "crosscutting.visibility_analytics": ("initial", "at_least"),
            "applications.visibility_analytics": ("optimal", "exact")})
        self.assertEqual(self.findings(doc)["azure.nsg.internet_ingress_filtered"], "pass")
        # Resource Graph: the network query took two pages, the second asked for with the first
        # answer's $skipToken; that answer left 1 query for 4 s, so the second page was paced
        # 2 s behind the last query started (the other four went at once). Unpaced, it would
        # follow the first page's answer at once; the bound leaves 1 s for a loaded machine.
        graph = self.graph_requests("azure_strong", requests)
        net = [g for g in graph if g["kind"] == "network"]
        self.assertEqual([g["skip_token"] for g in net], [None, "net-p2"])
        self.assertTrue(all(g["status"] == 200 for g in graph))
        first = [g for g in graph if g["skip_token"] is None]
        self.assertEqual(len(first), 7)
        self.assertGreaterEqual(net[1]["t"] - net[0]["t"], 1.0)
        self.assertEqual(ev["azure.storage.redundant_share"], 1)
        self.assertEqual(ev["azure.storage.geo_redundant_share"], 1)
        self.assertEqual(ev["azure.network.entry_point_count"], 4)
        self.assertEqual(ev["azure.network.zone_redundant_share"], 1)
        self.assertEqual(ev["azure.lb.rules_without_probe_count"], 0)
        self.assertEqual(ev["azure.vnet.ddos_protected_share"], 1)
        self.assertEqual(ev["azure.waf.app_gateway_coverage_share"], 1)
        self.assertEqual((ev["azure.waf.policy_count"], ev["azure.waf.prevention_share"],
                          ev["azure.waf.rate_limit_policy_count"]), (2, 1, 2))
        self.assertEqual((ev["azure.firewall.policy_count"], ev["azure.firewall.child_policy_count"],
                          ev["azure.firewall.idps_deny_share"]), (2, 1, 1))
        self.assertEqual(ev["azure.flow_log.traffic_analytics_count"], 2)
        self.assertEqual(ev["azure.vnet.flow_log_share"], 1)  # vnet-b's id cased otherwise
        self.assertEqual(ev["azure.vnet.traffic_analytics_share"], 1)
        self.assertEqual(ev["azure.private_endpoint.count"], 1)
        self.assertEqual(ev["azure.backup.protected_items_count"], 3)
        self.assertEqual(ev["azure.backup.vm_protected_share"], 1)
        self.assertEqual(ev["azure.backup.immutable_locked_share"], 1)
        self.assertEqual(ev["azure.keyvault.rbac_off_count"], 0)
        self.assertAlmostEqual(ev["azure.policy.compliant_share"], 75 / 77)
        self.assertEqual(ev["azure.policy.management_group_enforcing_count"], 70)
        self.assertEqual(ev["azure.policy.remediating_compliant_share"], 1)
        self.assertEqual((ev["azure.policy.data_state_count"],
                          ev["azure.policy.data_management_group_enforcing_count"],
                          ev["azure.policy.data_remediating_compliant_share"]), (35, 30, 1))
        self.assertEqual((ev["azure.policy.remediation_task_count"],
                          ev["azure.policy.remediation_failed_count"]), (2, 0))
        fd = self.findings(doc)
        self.assertEqual((fd["azure.policy.management_group_guardrails"],
                          fd["azure.policy.continuous_compliance"]), ("pass", "pass"))
        self.assertEqual(ev["azure.security.workflow_automation_subscription_share"], 1)
        self.assertEqual(ev["azure.sentinel.playbook_count"], 1)
        self.assertEqual(ev["azure.sentinel.network_playbook_count"], 1)  # the NSG write in a loop
        # The workspace's automation rules, from Microsoft.SecurityInsights: two enabled (one
        # runs the playbook), one expired.
        self.assertIn(("/subscriptions/%s/resourceGroups/soc/providers/Microsoft.OperationalInsights/"
                       "workspaces/soc-ws/providers/Microsoft.SecurityInsights/automationRules" % A,
                       "api-version=2024-09-01"), {(r["path"], r["query"]) for r in arm})
        self.assertEqual(ev["azure.sentinel.automation_rule_count"], 2)
        self.assertEqual(ev["azure.sentinel.playbook_rule_count"], 1)
        self.assertEqual(ev["azure.autoscale.share"], 1)
        self.assertTrue(ev["azure.defender.sensitive_data_discovery_all"])
        self.assertEqual(self.stages(doc, GRAPH_FUNCS), STRONG_GRAPH_STAGES)
        self.assertEqual(self.findings(doc)["azure.keyvault.least_privilege"], "pass")
        self.assertEqual((ev["azure.storage.platform_managed_keys_count"],
                          ev["azure.storage.public_network_count"]), (0, 0))
        self.assertTrue(ev["azure.defender.sensitive_data_discovery_full_all"])
        self.assertEqual((ev["azure.policy.network_state_count"],
                          ev["azure.policy.network_management_group_enforcing_count"],
                          ev["azure.policy.network_compliant_share"],
                          ev["azure.policy.deny_state_count"]), (20, 20, 1, 40))
        self.assertEqual((ev["azure.policy.assignment_count"], ev["azure.policy.do_not_enforce_count"],
                          ev["azure.policy.management_group_assignment_count"]), (7, 0, 4))
        self.assertEqual(ev["azure.graph.subscription_count"], 2)
        # Users and groups hold data roles only as eligibilities (one activated now); the
        # standing Storage Blob Data Owner is a service principal's, Reader no data role.
        self.assertEqual((ev["azure.rbac.standing_data_role_count"],
                          ev["azure.rbac.eligible_data_role_count"]), (0, 4))
        self.assertEqual(self.detail(doc, "azure.rbac.standing_data_role_count")["activated"], 2)
        # The workspace's Sentinel lists: onboarded; four connected connectors (Defender for
        # Identity's data type is Disabled); Fusion and one scheduled rule on (the NRT rule is off,
        # the incident-creation rule is not an analytics rule of the workspace's own).
        paths = {r["path"] for r in arm}
        for lst in ("onboardingStates", "dataConnectors", "alertRules"):
            self.assertIn("/subscriptions/%s/resourceGroups/soc/providers/Microsoft.OperationalInsights/"
                          "workspaces/soc-ws/providers/Microsoft.SecurityInsights/%s" % (A, lst), paths)
        self.assertEqual(ev["azure.sentinel.onboarded_workspace_count"], 1)
        self.assertEqual(ev["azure.sentinel.data_connector_count"], 4)
        self.assertEqual(sorted(ev["azure.sentinel.data_connector_kinds"]),
                         ["AzureActiveDirectory", "AzureSecurityCenter", "MicrosoftThreatProtection",
                          "Office365"])
        self.assertEqual((ev["azure.sentinel.analytics_rule_count"],
                          ev["azure.sentinel.fusion_enabled_count"]), (1, 1))
        self.assertEqual({r: self.findings(doc)[r] for r in NEW_RULES},
                         {r: "pass" for r in NEW_RULES})

    def test_faults(self):
        p, doc, requests, arm = self.scan("azure_faults")
        c = self.collector(doc)
        self.assertEqual(c["status"], "partial")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn(B, c["error"])
        self.assertIn("AuthorizationFailed", c["error"])
        # Three problems: B's NSGs, the denied network query and the denied Sentinel rules; B's
        # unregistered Microsoft.Insights (409 MissingSubscriptionRegistration) is an answer, not
        # one of them.
        self.assertTrue(c["error"].endswith("(and 2 more problems)"), c["error"])
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
        self.assertFalse(ev["azure.activity_log.exported_all"])  # B has no export
        self.assertEqual(self.detail(doc, "azure.activity_log.unexported_count")["subscriptions"], [B])
        # Entra: SignInLogs and AuditLogs to an event hub (a SIEM reads it), no other sign-in
        # category: streamed at Initial, not Advanced, and no workspace.
        self.assertEqual([ev[f"azure.entra_logs.{k}"] for k in ("core_streamed", "all_signins_streamed",
                                                                "core_to_workspace")],
                         [True, False, False])
        self.assertEqual([self.findings(doc)[r] for r in ENTRA_LOGS], ["pass", "fail"])
        # The denied Resource Graph query leaves out its own keys only, never a pass on them.
        for key in ("azure.network.zone_redundant_share", "azure.waf.policy_count",
                    "azure.firewall.policy_count", "azure.flow_log.count"):
            self.assertNotIn(key, ev)
        self.assertEqual(self.findings(doc)["azure.network.zone_redundant_some"], "unknown")
        self.assertEqual(ev["azure.backup.vault_count"], 0)
        # The throttled policy query: a 429 with the quota at 0, then answered.
        graph = self.graph_requests("azure_faults", requests)
        pol = [g["status"] for g in graph if g["kind"] == "policy"]
        self.assertEqual(pol, [429, 200])
        self.assertEqual(ev["azure.policy.management_group_enforcing_count"], 3)
        self.assertEqual([g["status"] for g in graph if g["kind"] == "network"], [403])  # not retried
        # The Sentinel rules were denied: their keys are left out, the automation query's stay,
        # and "automated response begins" cannot pass on the rest (it is unknown, not a fail).
        self.assertEqual(ev["azure.sentinel.workspace_count"], 1)
        self.assertNotIn("azure.sentinel.automation_rule_count", ev)
        # The workspace's other lists answered: each list kind is judged on its own.
        self.assertEqual(ev["azure.sentinel.data_connector_count"], 1)
        self.assertEqual(ev["azure.sentinel.fusion_enabled_count"], 1)
        self.assertEqual(self.findings(doc)["azure.response.automation_some"], "unknown")
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

    def edited(self, scenario, edit):
        """A copy of scenario in the temp dir, its spec changed by edit(spec). Returns its path."""
        with open(os.path.join(SRC, "tests", "fixtures", "scenarios", scenario,
                               "scenario.json")) as f:
            spec = json.load(f)
        edit(spec)
        d = os.path.join(self.tmp.name, f"{scenario}-{self._testMethodName}")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "scenario.json"), "w") as f:
            json.dump(spec, f)
        return d

    def test_graph_subscription_unseen(self):
        """Resource Graph answers for A only (the app has no role on B there): no Resource Graph
        key at all, rules reading them unknown, the collector partial naming B; the ARM areas of
        both subscriptions are still judged."""
        def edit(spec):
            for r in spec["routes"]:
                if "ResourceContainers" in r.get("body_re", ""):
                    r["responses"][0]["json"]["data"] = [{"subscriptionId": A}]
        p, doc, _, _ = self.scan(self.edited("azure_strong", edit), f"subscriptions = {A}, {B}\n")
        c = self.collector(doc)
        self.assertEqual(c["status"], "partial")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn(f"does not see subscription {B}", c["error"])
        ev = self.evidence(doc)
        for key in ("azure.keyvault.count", "azure.network.entry_point_count", "azure.policy.state_count",
                    "azure.policy.assignment_count", "azure.sentinel.workspace_count",
                    "azure.sentinel.data_connector_count", "azure.backup.protected_items_count",
                    "azure.graph.subscription_count"):
            self.assertNotIn(key, ev)
        self.assertEqual(ev["azure.storage.count"], 2)
        self.assertEqual(ev["azure.storage.platform_managed_keys_count"], 0)
        fd = self.findings(doc)
        for rule in ("azure.keyvault.least_privilege", "azure.network.enterprise_policy",
                     "azure.sentinel.advanced_analysis", "azure.data.network_restricted"):
            self.assertEqual(fd[rule], "unknown", rule)
        self.assertEqual(fd["azure.storage.customer_managed_keys"], "pass")  # ARM, both read

    def test_graph_type_absent(self):
        """No firewall policy in the estate: no failure, the rule that accepts 'none exist' holds."""
        def edit(spec):
            for r in spec["routes"]:
                for resp in r.get("responses", []):
                    data = (resp.get("json") or {}).get("data")
                    if isinstance(data, list):
                        data[:] = [row for row in data if row.get("type") not in
                                   ("microsoft.network/firewallpolicies",
                                    "microsoft.network/azurefirewalls")]
        p, doc, _, _ = self.scan(self.edited("azure_strong", edit), f"subscriptions = {A}, {B}\n")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.collector(doc)["status"], "ok")
        ev = self.evidence(doc)
        self.assertEqual((ev["azure.firewall.policy_count"], ev["azure.firewall.child_policy_count"]),
                         (0, 0))
        self.assertEqual(self.findings(doc)["azure.network.enterprise_policy"], "pass")

    def test_entra_logs_denied(self):
        """The app lacks a role at the tenant scope: ARM answers 403 AuthorizationFailed on the
        Entra diagnostic settings. Their keys stay unobserved (the rules unknown, never a pass),
        the rest is emitted, the collector is partial and its error names the missing role."""
        def edit(spec):
            (route,) = [r for r in spec["routes"] if r["path"] == AADIAM]
            route["responses"] = [{"status": 403, "json": {"error": {
                "code": "AuthorizationFailed",
                "message": f"The client '{CLIENT_ID}' with object id '{CLIENT_ID}' does not have "
                           "authorization to perform action 'microsoft.aadiam/diagnosticSettings/"
                           "read' over scope '/providers/microsoft.aadiam' or the scope is invalid. "
                           "If access was recently granted, please refresh your credentials."}}}]
        p, doc, _, arm = self.scan(self.edited("azure_strong", edit), f"subscriptions = {A}, {B}\n")
        c = self.collector(doc)
        self.assertEqual(c["status"], "partial")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("Entra diagnostic settings", c["error"])
        self.assertIn("Reader", c["error"])
        self.assertIn("/providers/Microsoft.aadiam", c["error"])
        self.assertEqual(len([r for r in arm if r["path"] == AADIAM]), 1)  # 403: not retried
        ev = self.evidence(doc)
        self.assertFalse([k for k in ev if k.startswith("azure.entra_logs.")])
        self.assertEqual({r: self.findings(doc)[r] for r in ENTRA_LOGS},
                         {r: "unknown" for r in ENTRA_LOGS})
        self.assertEqual(self.stages(doc, ["identity.visibility_analytics"]),
                         {"identity.visibility_analytics": ("unknown", "at_least")})
        self.assertTrue(ev["azure.activity_log.exported_all"])  # the subscriptions' calls stand

    def test_bad_bodies(self):
        p, doc, requests, _ = self.scan("azure_bad")
        c = self.collector(doc)
        self.assertEqual(c["status"], "partial")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn(f"/subscriptions/{A}{NSG}", c["error"])  # the first problem names the URL
        ev = self.evidence(doc)
        self.assertFalse([k for k in ev if k.startswith(("azure.nsg.", "azure.defender."))])
        self.assertEqual(ev["azure.storage.count"], 1)
        self.assertTrue(ev["azure.activity_log.exported_all"])
        # resultTruncated without a $skipToken, an answer without "data", and a $skipToken that
        # comes back unchanged (the chain would never end): those three queries are left out
        # (the vaults one after its second page); the others are emitted.
        self.assertFalse([k for k in ev if k.startswith(("azure.network.", "azure.policy.",
                                                         "azure.backup.vault", "azure.keyvault."))
                          and not k.startswith(("azure.policy.remediation_",  # ARM, not the query
                                                "azure.policy.assignment_count",  # its own query
                                                "azure.policy.do_not_enforce_count",
                                                "azure.policy.management_group_assignment"))])
        self.assertEqual(ev["azure.policy.remediation_task_count"], 0)
        self.assertEqual(ev["azure.backup.protected_items_count"], 0)
        self.assertNotIn("azure.backup.vm_protected_share", ev)  # needs the vaults query
        self.assertEqual([g["skip_token"] for g in self.graph_requests("azure_bad", requests)
                          if g["kind"] == "vaults"], [None, "again"])
        # The Entra diagnostic settings answer a "value" that is not a list: left out, a problem.
        self.assertFalse([k for k in ev if k.startswith("azure.entra_logs.")])
        self.assertEqual({self.findings(doc)[r] for r in ENTRA_LOGS}, {"unknown"})
        self.assertTrue(c["error"].endswith("(and 5 more problems)"), c["error"])

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
