"""ladder_estates.py - the estates of the ladder test (test_ladder.py), built stage by stage.

The optimal estate is every source's strong fixture (tests/fixtures/scenarios/*_strong and the
hardened host tree) copied to a temp dir. Each lower estate takes away, per source, exactly what
the next stage up asks, with the small named patches of PATCHES: the advanced estate is the
optimal one with every patch of stage "optimal" applied, the initial estate has the "advanced"
patches applied on top, the traditional estate the "initial" ones too.

A patch is one line of PATCHES: (stage it takes away, source, name, what ZTMM asks there and
what the patch removes, function). The function gets the source's copy (a scenario dict for an
API source, the host tree's directory for "host") and changes it in place. A helper adding a
rule at stage S adds the line that makes the strong estate fall short of that rule's statement,
without breaking any rule below S.
"""
import copy
import json
import os
import shutil

STAGES = ["traditional", "initial", "advanced", "optimal"]
# source name -> strong fixture (scenario dir under tests/fixtures/scenarios, or host tree).
STRONG = {
    "host": "host/hardened",
    "entra": "entra_strong",
    "devices": "devices_strong",
    "okta": "okta_strong",
    "azure": "azure_strong",
    "aws": "aws_strong",
    "k8s": "k8s_strong",
    "crowdstrike": "crowdstrike_strong",
    "github": "github_strong",
}


# ---- helpers the patches use --------------------------------------------------------------

class Fixture:
    """One source's copy: dir (the host tree, or the scenario's directory) and, for an API
    source, scn (scenario.json, parsed). file() reads a body_file of the scenario for changing;
    save() writes everything back."""

    def __init__(self, path, scn=None):
        self.dir, self.scn, self.files = path, scn, {}

    def file(self, name):
        if name not in self.files:
            with open(os.path.join(self.dir, name)) as f:
                self.files[name] = json.load(f)
        return self.files[name]

    def save(self):
        if self.scn is not None:
            with open(os.path.join(self.dir, "scenario.json"), "w") as f:
                json.dump(self.scn, f, indent=1)
        for name, doc in self.files.items():
            with open(os.path.join(self.dir, name), "w") as f:
                json.dump(doc, f, indent=1)


def routes(fx, path=None, query=None, op=None, region=None, body_re=None, plain=False):
    """The routes of fx's scenario matching every criterion given (path, a substring of query,
    the AWS operation and region, a substring of body_re; plain: only the route without a
    query, the first page); at least one must match."""
    found = [r for r in fx.scn["routes"]
             if (path is None or r.get("path") == path)
             and (query is None or query in r.get("query", ""))
             and (not plain or not r.get("query"))
             and (op is None or r.get("op") == op)
             and (region is None or
                  f"/{region}/" in r.get("header_re", {}).get("Authorization", ""))
             and (body_re is None or body_re in r.get("body_re", ""))]
    assert found, f"no route {path or ''} {query or ''} {op or ''} {region or ''} {body_re or ''}"
    return found


def answers(fx, **kw):
    """The successful answers (status 200 or none given) of the matching routes."""
    return [a for r in routes(fx, **kw) for a in r["responses"] if a.get("status", 200) == 200]


def each_json(fx, fn, **kw):
    """Call fn on the JSON body of every successful answer of the matching routes (body_file
    answers are read through fx.file)."""
    n = 0
    for a in answers(fx, **kw):
        if "json" in a:
            fn(a["json"])
            n += 1
        elif "body_file" in a:
            fn(fx.file(a["body_file"]))
            n += 1
    assert n, f"no JSON answer for {kw}"


def sub(fx, old, new, **kw):
    """Replace old by new in the text body of every successful answer of the matching routes."""
    n = 0
    for a in answers(fx, **kw):
        if old in a.get("body", ""):
            a["body"] = a["body"].replace(old, new)
            n += 1
    assert n, f"'{old}' not in any answer of {kw}"


def values(doc, field="value"):
    return doc if isinstance(doc, list) else doc.get(field, [])


def where(items, **match):
    """The items whose fields equal match (dotted names reach into objects)."""
    def get(o, k):
        for part in k.split("."):
            o = o.get(part) if isinstance(o, dict) else None
        return o
    out = [i for i in items if all(get(i, k.replace("__", ".")) == v for k, v in match.items())]
    assert out, f"nothing matches {match}"
    return out


def ca_policy(fx, name, fn):
    """Change the Entra Conditional Access policy named name in the v1.0 and beta lists."""
    for path in ("/v1.0/identity/conditionalAccess/policies",
                 "/beta/identity/conditionalAccess/policies"):
        each_json(fx, lambda d: [fn(p) for p in where(values(d), displayName=name)], path=path)


def okta_rules(fx, fn):
    """Call fn on every ACTIVE allowing rule of every Okta authentication (access) policy."""
    for r in fx.scn["routes"]:
        if r["path"].startswith("/api/v1/policies/rst") and r["path"].endswith("/rules"):
            for a in r["responses"]:
                for rule in a.get("json", []):
                    if rule.get("actions", {}).get("appSignOn", {}).get("access") == "ALLOW":
                        fn(rule)


def arg_rows(fx, kind):
    """Every Resource Graph row of the given type across the Azure scenario's query answers."""
    rows = []
    for a in answers(fx, path="/providers/Microsoft.ResourceGraph/resources"):
        rows.extend(x for x in a.get("json", {}).get("data", []) if x.get("type") == kind)
    assert rows, f"no Resource Graph rows of type {kind}"
    return rows


def pricing(fx, plan, tier, subs=None):
    for r in routes(fx):
        if r["path"].endswith("/providers/Microsoft.Security/pricings") and \
                (subs is None or any(s in r["path"] for s in subs)):
            for p in where(r["responses"][0]["json"]["value"], name=plan):
                p["properties"]["pricingTier"] = tier


def k8s_items(fx, path, query=None):
    return [i for a in answers(fx, path=path, query=query) for i in a["json"]["items"]]


def devices(fx, page_files, n, change):
    """Apply change to the first n devices of the body files page_files (in order)."""
    left = n
    for name in page_files:
        for dev in fx.file(name)["value"]:
            if left == 0:
                return
            change(dev)
            left -= 1
    assert left == 0, f"fewer than {n} devices"


INTUNE = ["devices-1.json", "devices-2.json", "devices-3.json"]
DEFENDER = ["machines-1.json", "machines-2.json", "machines-3.json"]


def github_orgs(fx, fn):
    for org in fx.scn["github"]["orgs"].values():
        fn(org)


def github_repos(fx, fn):
    github_orgs(fx, lambda org: [fn(p) for p in org["repos"]])


def write_file(tree, rel, text):
    path = os.path.join(tree.dir, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if os.path.lexists(path):
        os.unlink(path)
    with open(path, "w") as f:
        f.write(text)


def append_file(tree, rel, text):
    with open(os.path.join(tree.dir, rel), "a") as f:
        f.write(text)


def remove(tree, rel):
    path = os.path.join(tree.dir, rel)
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    elif os.path.lexists(path):
        os.unlink(path)


def process(tree, pid, comm, cmdline):
    write_file(tree, f"proc/{pid}/comm", comm + "\n")
    write_file(tree, f"proc/{pid}/cmdline", cmdline + "\0")


# ---- the strong estate, made optimal --------------------------------------------------------

# Where a strong scenario does not meet an optimal rule yet: (source, name, why, function).
PREPARE = [
    ("host", "osquery-running",
     "devices.threat_protection advanced: every installed EDR agent runs (osqueryd was installed "
     "but stopped)",
     lambda t: process(t, 3001, "osqueryd", "/opt/osquery/bin/osqueryd")),
]


# ---- the patches ---------------------------------------------------------------------------

def cae(mode):
    def fn(p):
        p["sessionControls"] = dict(p.get("sessionControls") or {},
                                    continuousAccessEvaluation={"mode": mode})
    return fn


def k8s_namespaces(fx, names, enforce="restricted"):
    """Add namespaces (on the last namespace page) with a Pod Security enforce level."""
    last = routes(fx, path="/api/v1/namespaces", query="continue=")[0]["responses"][0]["json"]
    for n in names:
        last["items"].insert(0, {"metadata": {"name": n, "labels": {
            "kubernetes.io/metadata.name": n, "pod-security.kubernetes.io/enforce": enforce,
            "pod-security.kubernetes.io/enforce-version": "latest"}},
            "spec": {"finalizers": ["kubernetes"]}})


def k8s_default_deny(fx, ns):
    last = routes(fx, path="/apis/networking.k8s.io/v1/networkpolicies",
                  query="continue=np-p3")[0]["responses"][0]["json"]
    last["items"].append({"metadata": {"name": "default-deny", "namespace": ns},
                          "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}})


def k8s_drop_netpols(fx, ns):
    for a in answers(fx, path="/apis/networking.k8s.io/v1/networkpolicies"):
        a["json"]["items"] = [i for i in a["json"]["items"] if i["metadata"]["namespace"] != ns]


def k8s_ns_label(fx, names, enforce):
    for ns in k8s_items(fx, "/api/v1/namespaces"):
        if ns["metadata"]["name"] in names:
            labels = ns["metadata"]["labels"]
            if enforce is None:
                labels.pop("pod-security.kubernetes.io/enforce", None)
            else:
                labels["pod-security.kubernetes.io/enforce"] = enforce


def aws_all(fx, op, fn):
    each_json(fx, fn, op=op)



def without_rate_based(acl_name):
    def fn(d):
        if d["WebACL"]["Name"] == acl_name or acl_name is None:
            d["WebACL"]["Rules"] = [r for r in d["WebACL"]["Rules"]
                                    if "RateBasedStatement" not in json.dumps(r)]
    return fn


def credential_report(fx, row):
    """Append a CSV row to the IAM credential report."""
    import base64
    import re
    for a in answers(fx, op="iam:GetCredentialReport"):
        m = re.search(r"<Content>(.*)</Content>", a["body"])
        text = base64.b64decode(m.group(1)).decode()
        text = text.rstrip("\n") + "\n" + row + "\n"
        a["body"] = a["body"].replace(m.group(1), base64.b64encode(text.encode()).decode())


def resub(fx, pattern, new, **kw):
    import re
    n = 0
    for a in answers(fx, **kw):
        body, k = re.subn(pattern, new, a.get("body", ""))
        if k:
            a["body"], n = body, n + k
    assert n, f"'{pattern}' not in any answer of {kw}"


def standing_admin(d):
    d["value"].append({
        "id": "0b1c2d3e-0000-4000-8000-000000000077-62e90394-69f5-4237-9190-012177145e10",
        "principalId": "0b1c2d3e-0000-4000-8000-000000000077",
        "roleDefinitionId": "62e90394-69f5-4237-9190-012177145e10", "directoryScopeId": "/",
        "appScopeId": None, "startDateTime": "2024-01-01T00:00:00Z", "endDateTime": None,
        "memberType": "Direct", "roleAssignmentOriginId": "x", "roleAssignmentScheduleId": "y",
        "assignmentType": "Assigned",
        "principal": {"@odata.type": "#microsoft.graph.user",
                      "id": "0b1c2d3e-0000-4000-8000-000000000077"}})


def empty_pages(fx, files):
    for name in files:
        doc = fx.file(name)
        doc["value"] = []
        doc.pop("@odata.nextLink", None)


def all_ca(fx, fn):
    for path in ("/v1.0/identity/conditionalAccess/policies",
                 "/beta/identity/conditionalAccess/policies"):
        each_json(fx, lambda d: [fn(p) for p in d["value"]], path=path)


SG_TAG = ("<tagSet><item><key>aws:cloudformation:stack-id</key><value>arn:aws:cloudformation:"
          "us-east-1:123456789012:stack/network/6f4ab9e0-1111-11ef-9a2b-0a1b2c3d4e5f</value>"
          "</item>")


def okta_apps(fx, fn):
    """Call fn on every app of every page of the Okta app list."""
    for a in answers(fx, path="/api/v1/apps", query="limit=200"):
        for app in a["json"]:
            fn(app)


def okta_app_users(fx, app_id, scope):
    """Give every user of the Okta app app_id the assignment scope (USER: assigned directly)."""
    for a in answers(fx, path=f"/api/v1/apps/{app_id}/users"):
        for u in a["json"]:
            u["scope"] = scope


def okta_add_vaulted_app(fx):
    """An active password-vaulted (SWA) app that Okta provisions and deprovisions, assigned
    through a group, on the last page of the app list, with its users route."""
    last = routes(fx, path="/api/v1/apps", query="after=")[0]["responses"][0]["json"]
    last.append({"id": "0oaApp0005", "name": "template_swa", "label": "Travel portal (SWA)",
                 "status": "ACTIVE", "signOnMode": "AUTO_LOGIN",
                 "features": ["PUSH_NEW_USERS", "PUSH_USER_DEACTIVATION"],
                 "created": "2024-01-01T00:00:00.000Z", "lastUpdated": "2024-06-01T00:00:00.000Z",
                 "credentials": {"scheme": "EDIT_USERNAME_AND_PASSWORD"}, "settings": {"app": {}},
                 "_links": {}})
    users = copy.deepcopy(routes(fx, path="/api/v1/apps/0oaApp0003/users")[0])
    users["path"] = "/api/v1/apps/0oaApp0005/users"
    for a in users["responses"]:
        for u in a.get("json", []):
            u["scope"] = "GROUP"
    fx.scn["routes"].append(users)


def graph_item(fx, path, fn, **match):
    """Call fn on the items of every page of a Graph list whose fields equal match."""
    each_json(fx, lambda d: [fn(i) for i in d["value"]
                             if all(i.get(k) == v for k, v in match.items())], path=path)


def policy_rows(fx, body_re, fn):
    """Call fn on the data rows of the Resource Graph answers whose query matches body_re."""
    for a in answers(fx, path="/providers/Microsoft.ResourceGraph/resources", body_re=body_re):
        fn(a["json"]["data"])


def sentinel(fx, kind, fn):
    """Call fn on the list of the Sentinel workspace's kind (alertRules, dataConnectors)."""
    for r in routes(fx):
        if r["path"].endswith(f"/Microsoft.SecurityInsights/{kind}"):
            fn(r["responses"][0]["json"])


def storage_account(fx, fn):
    each_json(fx, lambda d: fn(d["value"][0]["properties"]),
              path="/subscriptions/11111111-1111-4111-8111-111111111111/providers/"
                   "Microsoft.Storage/storageAccounts")


def sensitive_data_discovery(sub, plan):
    """Turn the SensitiveDataDiscovery extension of a Defender plan off in one subscription."""
    def fn(f):
        for r in routes(f):
            if r["path"] == f"/subscriptions/{sub}/providers/Microsoft.Security/pricings":
                for p in where(r["responses"][0]["json"]["value"], name=plan):
                    for e in p["properties"]["extensions"]:
                        if e["name"] == "SensitiveDataDiscovery":
                            e["isEnabled"] = "False"
    return fn


def compliance_action(fx, policy, action, hours):
    """Set the grace period of the scheduled action of the named Intune compliance policy."""
    each_json(fx, lambda d: [c.update(gracePeriodHours=hours)
                             for p in where(d["value"], displayName=policy)
                             for sa in p["scheduledActionsForRule"]
                             for c in sa["scheduledActionConfigurations"]
                             if c["actionType"] == action],
              path="/v1.0/deviceManagement/deviceCompliancePolicies")


def tvm_records(fx, path, fn, **match):
    """Call fn on the Defender records (every page of path) whose fields equal match."""
    each_json(fx, lambda d: [fn(v) for v in d["value"]
                             if all(v.get(k) == x for k, x in match.items())], path=path)


VULNS = "/api/machines/SoftwareVulnerabilitiesByMachine"


SUB2 = "22222222-2222-4222-8222-222222222222"
LCW = "/v1.0/identityGovernance/lifecycleWorkflows/workflows"
SPS = "/v1.0/servicePrincipals"

# (stage it takes away, source, name, what the stage asks and what the patch takes away, fn).
# The estate one stage below applies every patch of the stages above it.
PATCHES = [
    # -- Optimal: the advanced estate falls short of each function's optimal statement --------
    ("optimal", "entra", "cae-not-strict",
     "identity.authentication, identity.governance, applications.access optimal: continuous "
     "access evaluation strictly enforced; the advanced estate leaves CAE on its default",
     lambda f: ca_policy(f, "Phishing-resistant MFA for everyone", cae("disabled"))),
    ("optimal", "host", "local-interactive-account",
     "identity.identity_stores optimal: no identity store left unjoined; the advanced estate "
     "keeps one local account with a login shell on the host",
     lambda t: append_file(t, "etc/passwd", "alice:x:1002:1002:Alice:/home/alice:/bin/bash\n")),
    ("optimal", "entra", "no-sign-in-frequency-on-risk",
     "identity.risk_assessments optimal: risky sign-ins re-authenticate every time; the "
     "advanced estate has no such policy (risk is blocked, not re-checked)",
     lambda f: ca_policy(f, "Reauthenticate on medium+ risk",
                         lambda p: p.update(state="disabled"))),
    ("optimal", "entra", "app-client-secret",
     "identity.automation_orchestration optimal: workload identities without secrets; one app "
     "registration of the advanced estate authenticates with a client secret",
     lambda f: each_json(f, lambda d: d["value"][0]["passwordCredentials"].append(
         {"keyId": "5f2a0000-0000-4000-8000-00000000beef", "displayName": "legacy-secret",
          "startDateTime": "2024-01-01T00:00:00Z", "endDateTime": "{{iso+2592000}}",
          "hint": "abc"}), path="/v1.0/applications", query=None, plain=True)),
    ("optimal", "devices", "intune-three-devices-stale",
     "devices.policy_enforcement_compliance, devices.visibility_analytics optimal: all devices "
     "report (>= 95 %); in the advanced estate 3 of 20 have not synced for 40 days (85 %)",
     lambda f: devices(f, INTUNE, 3, lambda d: d.update(lastSyncDateTime="{{iso-3456000}}"))),
    ("optimal", "devices", "two-devices-unencrypted",
     "data.encryption optimal: all devices encrypt (>= 95 %); 2 of 20 do not (90 %)",
     lambda f: devices(f, INTUNE, 2, lambda d: d.update(isEncrypted=False))),
    ("optimal", "devices", "defender-high-exposure",
     "devices.asset_supply_chain_risk optimal: few (<= 5 %) machines highly exposed; 3 of 20",
     lambda f: devices(f, DEFENDER, 3, lambda d: d.update(exposureLevel="High"))),
    ("optimal", "devices", "defender-high-risk",
     "devices.threat_protection optimal: few (<= 5 %) machines at high risk; 2 of 20",
     lambda f: devices(f, DEFENDER, 2, lambda d: d.update(riskScore="High"))),
    ("optimal", "k8s", "namespace-without-default-deny",
     "networks.segmentation optimal: every namespace (>= 95 %) denies by default; the advanced "
     "estate adds namespaces d (default deny) and e (none): 4 of 5",
     lambda f: (k8s_namespaces(f, ["d", "e"]), k8s_default_deny(f, "d"))),
    ("optimal", "k8s", "namespaces-baseline-only",
     "applications.threat_protections optimal: most namespaces enforce restricted; d and e "
     "enforce baseline only (3 of 5)",
     lambda f: k8s_ns_label(f, ["d", "e"], "baseline")),
    ("optimal", "k8s", "verify-images-audit",
     "applications.governance optimal: image signatures verified at admission; Kyverno's "
     "verifyImages only audits and the sigstore policy controller only warns",
     lambda f: ([v.update(failureAction="Audit")
                 for i in k8s_items(f, "/apis/kyverno.io/v1/clusterpolicies")
                 for r in i["spec"]["rules"] for v in r.get("verifyImages", [])],
                [i["spec"].update(mode="warn") for i in k8s_items(
                    f, "/apis/policy.sigstore.dev/v1beta1/clusterimagepolicies")])),
    ("optimal", "azure", "keyvault-purgeable",
     "networks.traffic_encryption optimal: least-privilege key management; a Key Vault can be "
     "purged (no purge protection; a public vault would also break data.access advanced)",
     lambda f: [k["properties"].update(enablePurgeProtection=False)
                for k in arg_rows(f, "microsoft.keyvault/vaults")]),
    ("advanced", "aws", "one-listener-legacy-tls",
     "networks.traffic_encryption advanced: every TLS listener on a TLS 1.2+ policy; api's TLS "
     "listener accepts TLS 1.0 (ELBSecurityPolicy-2016-08, 2 of 3)",
     lambda f: sub(f, "ELBSecurityPolicy-TLS-1-2-Ext-2018-06", "ELBSecurityPolicy-2016-08",
                   op="elbv2:DescribeListeners", region="us-east-1")),
    ("optimal", "aws", "one-load-balancer-single-az",
     "networks.resilience optimal: all load balancers span zones; one of three is in one zone",
     lambda f: sub(f, "<member><ZoneName>us-east-1b</ZoneName><SubnetId>subnet-bweb</SubnetId>"
                      "<LoadBalancerAddresses/></member>", "",
                   op="elbv2:DescribeLoadBalancers", region="us-east-1",
                   body_re="PageSize=400")),
    ("optimal", "aws", "one-security-group-outside-iac",
     "networks.automation_orchestration optimal: all network resources from IaC; sg-eu is "
     "hand-made (3 of 4)",
     lambda f: sub(f, SG_TAG, "<tagSet>", op="ec2:DescribeSecurityGroups", region="eu-west-1")),
    ("optimal", "aws", "stack-drifted",
     "applications.automation_orchestration optimal: no drift from declared configuration; "
     "the app stack drifted",
     lambda f: sub(f, "<StackName>app</StackName><CreationTime>2024-01-05T10:00:00.000Z"
                      "</CreationTime><StackStatus>UPDATE_COMPLETE</StackStatus><DriftInformation>"
                      "<StackDriftStatus>IN_SYNC", "<StackName>app</StackName><CreationTime>"
                      "2024-01-05T10:00:00.000Z</CreationTime><StackStatus>UPDATE_COMPLETE"
                      "</StackStatus><DriftInformation><StackDriftStatus>DRIFTED",
                   op="cloudformation:DescribeStacks", region="us-east-1")),
    ("optimal", "aws", "one-bucket-unversioned",
     "data.availability optimal: all data redundant with history; zt-logs keeps no versions",
     lambda f: sub(f, "<Status>Enabled</Status>", "<Status>Suspended</Status>",
                   op="s3:GetBucketVersioning", path="/zt-logs")),
    ("optimal", "azure", "remediation-task-failed",
     "data.automation_orchestration optimal: lifecycles automated for all data; a policy "
     "remediation task failed on one of its deployments (an Organizations backup policy is "
     "data.governance advanced too, so removing it would break that stage)",
     lambda f: each_json(f, lambda d: d["value"][0]["properties"]["deploymentStatus"].update(
         successfulDeployments=2, failedDeployments=1),
         path="/subscriptions/11111111-1111-4111-8111-111111111111/providers/"
              "Microsoft.PolicyInsights/remediations")),
    ("optimal", "github", "fork-workflows-unapproved",
     "applications.secure_dev_deploy_workflow optimal: no admin path around review; workflows "
     "from forks run without approval",
     lambda f: github_orgs(f, lambda o: o.update(fork_approval="first_time_contributors"))),
    ("optimal", "github", "security-configuration-not-enforced",
     "applications.security_testing optimal: testing enforced on every repository, new ones "
     "included; the code security configuration is not enforced",
     lambda f: github_orgs(f, lambda o: o.update(security_config="unenforced"))),
    ("optimal", "aws", "one-web-acl-not-adaptive",
     "networks.traffic_management optimal: rules adapt on every internet app (>= 95 %); eu-edge "
     "has no rate-based rule (2 of 3 web ACLs)",
     lambda f: each_json(f, without_rate_based("eu-edge"), op="wafv2:GetWebACL")),
    ("optimal", "azure", "containers-plan-free",
     "applications.visibility_analytics optimal: every Defender plan; Containers is Free",
     lambda f: pricing(f, "Containers", "Free")),
    ("optimal", "azure", "policy-compliance-below-all",
     "crosscutting.governance optimal: continuous compliance (>= 95 %); 12 more non-compliant "
     "audit results (75 of 87)",
     lambda f: [r.update(n=14) for a in answers(f, path="/providers/Microsoft.ResourceGraph/"
                                                 "resources", body_re="policystates")
                for r in a["json"]["data"] if r["state"] == "noncompliant"]),
    ("optimal", "entra", "partner-mfa-not-trusted",
     "identity.identity_stores optimal: partners integrated, no second credentials; the "
     "default cross-tenant settings do not accept the partner tenant's MFA",
     lambda f: each_json(f, lambda d: d["inboundTrust"].update(isMfaAccepted=False),
                         path="/v1.0/policies/crossTenantAccessPolicy/default")),
    ("optimal", "entra", "access-package-without-expiry",
     "identity.access_management optimal: just-in-time access; one access package assignment "
     "policy never expires",
     lambda f: each_json(f, lambda d: d["value"][0].update(expiration={
         "endDateTime": None, "duration": None, "type": "noExpiration"}),
         path="/v1.0/identityGovernance/entitlementManagement/assignmentPolicies")),
    ("optimal", "okta", "one-app-assigned-directly",
     "identity.access_management optimal: access granted per resource through groups on all "
     "apps; the internal portal's users are assigned directly (1 of 2 apps through groups)",
     lambda f: okta_app_users(f, "0oaApp0003", "USER")),
    ("optimal", "okta", "itp-off",
     "identity.visibility_analytics optimal: behaviour-based analytics on all users; Identity "
     "Threat Protection off (the entity risk policy is inactive)",
     lambda f: each_json(f, lambda d: [p.update(status="INACTIVE") for p in d],
                         path="/api/v1/policies", query="type=ENTITY_RISK")),
    ("optimal", "okta", "itp-no-response",
     "identity.risk_assessments optimal: risk acted on in real time; the entity risk rule for "
     "high risk takes no action",
     lambda f: each_json(f, lambda d: [r["actions"]["entityRisk"].update(actions=[])
                                       for r in d if r["id"] == "0prErHigh"],
                         path="/api/v1/policies/rstEntityRisk1/rules")),
    ("optimal", "entra", "mover-workflow-off",
     "identity.automation_orchestration optimal: joiner, mover and leaver all automated; the "
     "mover workflow is disabled",
     lambda f: graph_item(f, LCW, lambda w: w.update(isEnabled=False), category="mover")),
    ("optimal", "okta", "one-app-not-deprovisioned",
     "identity.automation_orchestration optimal: every app's lifecycle automated; Okta no "
     "longer deactivates Salesforce accounts (deprovisioned 1 of 2)",
     lambda f: okta_apps(f, lambda a: a["features"].remove("PUSH_USER_DEACTIVATION")
                         if a["id"] == "0oaApp0002" else None)),
    ("optimal", "entra", "workload-identity-ca-off",
     "identity.governance optimal: policy enforced on workload identities; the service "
     "principal Conditional Access policy is off",
     lambda f: ca_policy(f, "Workload identities only from named locations",
                         lambda p: p.update(state="disabled"))),
    ("optimal", "entra", "one-sso-app-open",
     "applications.accessible_applications optimal: all apps only for assigned users; "
     "ServiceNow admits any user (2 of 3 single sign-on apps)",
     lambda f: graph_item(f, SPS, lambda p: p.update(appRoleAssignmentRequired=False),
                          displayName="ServiceNow")),
    ("optimal", "okta", "one-app-password-vaulted",
     "applications.accessible_applications optimal: all apps federated; a travel portal signs "
     "in with a vaulted password (3 of 4 apps federated)",
     okta_add_vaulted_app),
    ("optimal", "azure", "fusion-off",
     "networks.visibility_analytics optimal: communications correlated automatically; "
     "Sentinel's Fusion rule is disabled",
     lambda f: sentinel(f, "alertRules", lambda d: [r["properties"].update(enabled=False)
                                                    for r in d["value"] if r["kind"] == "Fusion"])),
    ("optimal", "azure", "no-xdr-connector",
     "crosscutting.visibility_analytics optimal: comprehensive monitoring; Sentinel receives no "
     "Defender XDR incidents",
     lambda f: sentinel(f, "dataConnectors", lambda d: d.update(value=[
         c for c in d["value"] if c["kind"] != "MicrosoftThreatProtection"]))),
    ("optimal", "azure", "network-policy-compliance-below-all",
     "networks.governance optimal: enterprise network policy enforced continuously (>= 95 %); "
     "5 network resources do not comply (20 of 25)",
     lambda f: policy_rows(f, "policystates", lambda rows: rows.append(
         {"state": "noncompliant", "action": "deny", "mg": True, "data": False, "n": 5,
          "net": True, "dne": False}))),
    ("optimal", "azure", "standing-data-role",
     "data.access optimal: data access just in time; a user holds Storage Blob Data "
     "Contributor permanently",
     lambda f: each_json(f, lambda d: d["value"][0]["properties"].update(
         assignmentType="Assigned"),
                         path="/subscriptions/11111111-1111-4111-8111-111111111111/providers/"
                              "Microsoft.Authorization/roleAssignmentScheduleInstances")),
    ("optimal", "azure", "data-policy-compliance-below-all",
     "data.governance optimal: data policies enforced everywhere (>= 95 %); 5 data stores do "
     "not comply with an audit policy (35 of 40)",
     lambda f: policy_rows(f, "policystates", lambda rows: rows.append(
         {"state": "noncompliant", "action": "audit", "mg": False, "data": True, "n": 5,
          "net": False, "dne": False}))),
    ("optimal", "azure", "cspm-data-discovery-off",
     "data.inventory_management, data.categorization, data.visibility_analytics optimal: data "
     "discovered and classified everywhere; Defender CSPM's sensitive data discovery is off in "
     "one subscription (Defender for Storage's is on)",
     sensitive_data_discovery(SUB2, "CloudPosture")),
    ("optimal", "devices", "cleanup-after-180-days",
     "devices.governance optimal: the device lifecycle ends automatically (<= 90 days); the "
     "all-platforms clean-up rule waits 180 days",
     lambda f: graph_item(f, "/beta/deviceManagement/managedDeviceCleanupRules",
                          lambda r: r.update(deviceInactivityBeforeRetirementInDays=180),
                          deviceCleanupRulePlatformType="all")),
    ("optimal", "devices", "windows-retired-after-45-days",
     "devices.automation_orchestration optimal: noncompliant devices retired within 30 days; "
     "Windows compliance retires after 45",
     lambda f: compliance_action(f, "Windows compliance", "retire", 1080)),
    ("optimal", "devices", "remediations-run-once",
     "devices.automation_orchestration optimal: devices remediated on a schedule; every "
     "Remediations assignment runs once",
     lambda f: graph_item(f, "/beta/deviceManagement/deviceHealthScripts", lambda h: [
         a.update(runSchedule={"@odata.type": "#microsoft.graph.deviceHealthScriptRunOnceSchedule",
                               "interval": 1, "date": "2025-03-01", "time": "09:00:00",
                               "useUtc": False}) for a in h["assignments"]])),
    ("optimal", "devices", "autopilot-unassigned",
     "devices.automation_orchestration optimal: Windows devices provisioned automatically; no "
     "Autopilot profile is assigned",
     lambda f: graph_item(f, "/beta/deviceManagement/windowsAutopilotDeploymentProfiles",
                          lambda p: p.update(assignments=[]))),
    ("optimal", "devices", "software-end-of-support",
     "devices.asset_supply_chain_risk optimal: no software past its end of support; Edge on "
     "one machine is an end-of-support version",
     lambda f: tvm_records(f, "/api/machines/SoftwareInventoryByMachine",
                           lambda v: v.update(endOfSupportStatus="EOS Version"),
                           softwareName="edge")),
    ("optimal", "devices", "exposure-score-45",
     "devices.policy_enforcement_compliance optimal: vulnerability and configuration "
     "management integrated (exposure <= 30); the exposure score is 45",
     lambda f: each_json(f, lambda d: d.update(score=45.2), path="/api/exposureScore")),
    ("optimal", "devices", "exploited-open-20-days",
     "devices.threat_protection optimal: known-exploited weaknesses closed within 14 days; "
     "CVE-2024-49138 (exploit verified) open for 20",
     lambda f: tvm_records(f, VULNS, lambda v: v.update(firstSeenTimestamp="{{tvm-1728000}}"),
                           cveId="CVE-2024-49138")),
    ("optimal", "aws", "no-unused-access-analyzer",
     "data.access optimal: data access reviewed continuously; no analyzer looks for unused "
     "access (the external-access analyzers stay)",
     lambda f: each_json(f, lambda d: [a.update(type=a["type"].replace("_UNUSED_ACCESS", ""))
                                       for a in d["analyzers"]],
                         op="accessanalyzer:ListAnalyzers")),
    ("optimal", "aws", "restores-not-tested",
     "data.availability optimal: restores tested; no restore testing plan ran in 30 days",
     lambda f: resub(f, r"\{\{epoch-[0-9]+\}\}", "{{epoch-5184000}}",
                     op="backup:ListRestoreTestingPlans")),
    ("optimal", "aws", "macie-half-classified",
     "data.categorization optimal: data classified everywhere (>= 95 %); Macie has a verdict "
     "for 1 of the 2 us-east-1 buckets",
     lambda f: each_json(f, lambda d: d["bucketStatisticsBySensitivity"]["notSensitive"].update(
         totalCount=0), op="macie2:GetBucketStatistics", region="us-east-1")),
    ("optimal", "aws", "ecr-images-not-scanned",
     "applications.security_testing optimal: every deployed workload scanned (>= 95 %); "
     "Inspector scans none of eu-west-1's 2 images (15 of 17)",
     lambda f: each_json(f, lambda d: d.update(totalCounts=0),
                         op="inspector2:ListCoverageStatistics", region="eu-west-1",
                         body_re='AWS_ECR_CONTAINER_IMAGE"\\}\\],"scanStatusCode')),
    ("optimal", "aws", "macie-findings-not-published",
     "data.visibility_analytics optimal: data findings correlated; Macie does not publish "
     "classification findings to Security Hub in eu-west-1",
     lambda f: each_json(f, lambda d: d["securityHubConfiguration"].update(
         publishClassificationFindings=False),
         op="macie2:GetFindingsPublicationConfiguration", region="eu-west-1")),
    ("optimal", "aws", "network-firewall-not-logging",
     "networks.visibility_analytics, networks.governance optimal: every firewall logs "
     "(>= 95 %); the egress Network Firewall sends no logs",
     lambda f: each_json(f, lambda d: d["LoggingConfiguration"].update(LogDestinationConfigs=[]),
                         op="network-firewall:DescribeLoggingConfiguration")),
    ("optimal", "aws", "no-resource-control-policy",
     "data.governance optimal: data policies unified across the organization; no resource "
     "control policy",
     lambda f: each_json(f, lambda d: d.update(Policies=[]), op="organizations:ListPolicies",
                         body_re="RESOURCE_CONTROL_POLICY")),
    ("optimal", "aws", "findings-not-aggregated",
     "crosscutting.visibility_analytics optimal: monitoring centralised; the Security Hub "
     "finding aggregator links no region but its own",
     lambda f: each_json(f, lambda d: d.update(RegionLinkingMode="SPECIFIED_REGIONS",
                                               Regions=[]),
                         op="securityhub:GetFindingAggregator")),
    ("optimal", "devices", "intune-no-device-risk-gate",
     "devices.resource_access optimal: device risk gates access; no compliance policy requires "
     "a device threat level",
     lambda f: each_json(f, lambda d: [p.update(deviceThreatProtectionEnabled=False)
                                       for p in d["value"]],
                         path="/v1.0/deviceManagement/deviceCompliancePolicies")),

    # -- Advanced: the initial estate falls short of each function's advanced statement -------
    ("advanced", "entra", "device-code-flow-allowed",
     "identity.authentication advanced: risky flows closed; device code flow is allowed",
     lambda f: ca_policy(f, "Block device code flow", lambda p: p.update(state="disabled"))),
    ("advanced", "aws", "iam-console-user",
     "identity.identity_stores advanced: stores joined; an IAM user signs in with a password",
     lambda f: credential_report(f, "contractor,arn:aws:iam::123456789012:user/contractor,"
                                    "2023-01-10T10:00:00+00:00,true,2024-05-01T10:00:00+00:00,"
                                    "N/A,N/A,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,"
                                    "false,N/A,false,N/A")),
    ("advanced", "okta", "threatinsight-audit",
     "identity.risk_assessments advanced: risk blocks access; ThreatInsight only logs",
     lambda f: each_json(f, lambda d: d.update(action="audit"),
                         path="/api/v1/threats/configuration")),
    ("advanced", "entra", "standing-global-admin",
     "identity.access_management advanced: no standing privilege; one permanent Global "
     "Administrator besides the emergency account",
     lambda f: each_json(f, standing_admin,
                         path="/v1.0/roleManagement/directory/roleAssignmentScheduleInstances")),
    ("advanced", "okta", "few-apps-provisioned",
     "identity.automation_orchestration advanced: most account-keeping apps provisioned; "
     "Okta provisions only the internal portal (1 of 3 target apps)",
     lambda f: okta_apps(f, lambda a: a.update(features=[])
                         if a["id"] in ("0oaApp0002", "0oaApp0005") else None)),
    ("advanced", "entra", "auth-methods-migration-pending",
     "identity.governance advanced: one unified policy; legacy MFA/SSPR migration in progress",
     lambda f: each_json(f, lambda d: d.update(policyMigrationState="migrationInProgress"),
                         path="/v1.0/policies/authenticationMethodsPolicy")),
    ("advanced", "host", "reboot-pending",
     "devices.policy_enforcement_compliance advanced: updates applied; a reboot is pending",
     lambda t: write_file(t, "run/reboot-required", "*** System restart required ***\n")),
    ("advanced", "devices", "defender-few-onboarded",
     "devices.asset_supply_chain_risk advanced: most machines onboarded; 6 of 20 can be but "
     "are not",
     lambda f: devices(f, DEFENDER, 6, lambda d: d.update(onboardingStatus="CanBeOnboarded",
                                                          onboardingstatus="CanBeOnboarded"))),
    ("advanced", "okta", "device-assurance-not-everywhere",
     "devices.resource_access advanced: managed devices required for every user; one Okta "
     "policy rule drops the device assurance condition",
     lambda f: each_json(f, lambda d: d[0].update(conditions=None),
                         path="/api/v1/policies/rst000/rules")),
    ("advanced", "host", "osquery-stopped",
     "devices.threat_protection advanced: every installed agent runs; osqueryd is stopped",
     lambda t: remove(t, "proc/3001")),
    ("advanced", "devices", "intune-most-stale",
     "devices.visibility_analytics advanced: most devices report (>= 80 %); 6 of 20 stale",
     lambda f: devices(f, INTUNE, 6, lambda d: d.update(lastSyncDateTime="{{iso-3456000}}"))),
    ("advanced", "k8s", "fewer-default-deny",
     "networks.segmentation advanced: most namespaces deny by default; d no longer (3 of 5)",
     lambda f: k8s_drop_netpols(f, "d")),
    ("advanced", "host", "crypto-policy-default",
     "networks.traffic_encryption advanced: strong crypto policy; DEFAULT, FIPS off",
     lambda t: (write_file(t, "etc/crypto-policies/config", "DEFAULT\n"),
                write_file(t, "proc/sys/crypto/fips_enabled", "0\n"))),
    ("initial", "aws", "http-listener-in-clear",
     "networks.traffic_encryption initial: every internet-facing listener encrypts; web's "
     "HTTP listener forwards instead of redirecting to HTTPS (2 of 3)",
     lambda f: resub(f, r"<member><Type>redirect</Type>.*?</member>", "<member><Type>forward"
                     "</Type><TargetGroupArn>arn:aws:elasticloadbalancing:us-east-1:123456789012:"
                     "targetgroup/web-tg/73e2d6bc24d8a067</TargetGroupArn></member>",
                     op="elbv2:DescribeListeners", region="us-east-1")),
    ("advanced", "aws", "load-balancers-single-az",
     "networks.resilience advanced: most load balancers span zones; 1 of 3",
     lambda f: sub(f, "<member><ZoneName>eu-west-1b</ZoneName><SubnetId>subnet-beu-web</SubnetId>"
                      "<LoadBalancerAddresses/></member>", "",
                   op="elbv2:DescribeLoadBalancers", region="eu-west-1")),
    ("advanced", "aws", "vpc-without-flow-logs",
     "networks.visibility_analytics advanced: flow logs everywhere; vpc-0e1 has none",
     lambda f: resub(f, r"<flowLogSet>.*</flowLogSet>", "<flowLogSet/>",
                     op="ec2:DescribeFlowLogs", region="eu-west-1")),
    ("advanced", "aws", "security-groups-outside-iac",
     "networks.automation_orchestration advanced: most network resources from IaC; only 1 of 4",
     lambda f: (sub(f, SG_TAG, "<tagSet>", op="ec2:DescribeSecurityGroups", region="us-east-1",
                    body_re="(?!.*NextToken)"),
                sub(f, SG_TAG, "<tagSet>", op="ec2:DescribeSecurityGroups", region="us-east-1",
                    body_re="NextToken=tok%2F2"))),
    ("advanced", "aws", "web-acls-not-adaptive",
     "networks.traffic_management advanced: rules fed by risk on most apps; no web ACL has a "
     "rate-based rule",
     lambda f: each_json(f, without_rate_based(None), op="wafv2:GetWebACL")),
    ("advanced", "entra", "user-consent-allowed",
     "applications.access advanced: admins grant app access; users may consent to any app",
     lambda f: each_json(f, lambda d: d["defaultUserRolePermissions"].update(
         permissionGrantPoliciesAssigned=[
             "ManagePermissionGrantsForSelf.microsoft-user-default-legacy"]),
         path="/v1.0/policies/authorizationPolicy")),
    ("advanced", "k8s", "pods-run-as-root",
     "applications.threat_protections advanced: most workloads hardened; web-1 and db-0 run "
     "without a restricted security context (1 of 3 running pods)",
     lambda f: [(c.pop("securityContext", None), p["spec"].pop("securityContext", None))
                for p in k8s_items(f, "/api/v1/pods") if p["metadata"]["name"] in ("web-1", "db-0")
                for c in p["spec"]["containers"]]),
    ("advanced", "github", "actions-may-approve",
     "applications.secure_dev_deploy_workflow advanced: separation of duties; GitHub Actions "
     "may approve pull requests",
     lambda f: github_orgs(f, lambda o: o.update(can_approve=True))),
    ("advanced", "github", "push-protection-off",
     "applications.security_testing advanced: testing in the pipeline; push protection off",
     lambda f: github_repos(f, lambda r: r.update(push_protection=False))),
    ("advanced", "azure", "servers-plan-free",
     "applications.visibility_analytics advanced: the core Defender plans; Servers is Free",
     lambda f: pricing(f, "VirtualMachines", "Free")),
    ("advanced", "azure", "entra-workload-signins-not-streamed",
     "identity.visibility_analytics advanced: collection gaps closed; Entra non-interactive and "
     "service principal sign-ins are not exported",
     lambda f: each_json(f, lambda d: [l.update(enabled=False) for s in d["value"]
                                       for l in s["properties"]["logs"] if l["category"] in
                                       ("NonInteractiveUserSignInLogs", "ServicePrincipalSignInLogs")],
                         path="/providers/microsoft.aadiam/diagnosticSettings")),
    ("advanced", "k8s", "gitops-without-self-heal",
     "applications.automation_orchestration advanced: most workloads self-heal; Argo CD apps "
     "sync by hand",
     lambda f: [i["spec"]["syncPolicy"]["automated"].update(selfHeal=False)
                for i in k8s_items(f, "/apis/argoproj.io/v1alpha1/applications")]),
    ("advanced", "github", "rulesets-per-repository",
     "applications.governance advanced: organization-wide rulesets on most repositories",
     lambda f: github_repos(f, lambda r: r.update(protection="ruleset")
                            if r.get("protection") == "org_ruleset" else None)),
    ("advanced", "aws", "macie-no-automated-discovery",
     "data.inventory_management, data.categorization advanced: automated sensitive data "
     "discovery; Macie runs only jobs",
     lambda f: each_json(f, lambda d: d.update(status="DISABLED"),
                         op="macie2:GetAutomatedDiscoveryConfiguration")),
    ("advanced", "aws", "buckets-unversioned",
     "data.availability advanced: most data redundant with history; 1 of 3 buckets versioned",
     lambda f: sub(f, "<Status>Enabled</Status>", "<Status>Suspended</Status>",
                   op="s3:GetBucketVersioning", path="/zt-records")),
    ("advanced", "azure", "storage-shared-key",
     "data.access advanced: explicit access controls; a storage account allows shared keys",
     lambda f: each_json(f, lambda d: d["value"][0]["properties"].update(allowSharedKeyAccess=True),
                         path="/subscriptions/11111111-1111-4111-8111-111111111111/providers/"
                              "Microsoft.Storage/storageAccounts")),
    ("advanced", "aws", "ebs-not-encrypted-by-default",
     "data.encryption advanced: encryption everywhere possible; EBS default encryption off",
     lambda f: sub(f, "<ebsEncryptionByDefault>true", "<ebsEncryptionByDefault>false",
                   op="ec2:GetEbsEncryptionByDefault", region="eu-west-1")),
    ("advanced", "aws", "guardduty-s3-protection-off",
     "data.visibility_analytics advanced: enterprise-wide analysis of data access; GuardDuty "
     "S3 Protection off in eu-west-1",
     lambda f: each_json(f, lambda d: [x.update(status="DISABLED") for x in d["features"]
                                       if x["name"] == "S3_DATA_EVENTS"],
                         op="guardduty:GetDetector", region="eu-west-1")),
    ("advanced", "azure", "data-remediation-mostly-failing",
     "data.automation_orchestration advanced: lifecycle policies enforced by automation (most "
     "remediated data stores comply); 40 more do not (35 of 75; the data stores' overall "
     "compliance falls below half too)",
     lambda f: policy_rows(f, "policystates", lambda rows: rows.append(
         {"state": "noncompliant", "action": "deployifnotexists", "mg": False, "data": True,
          "n": 40, "net": False, "dne": False}))),
    ("advanced", "aws", "no-config-auto-remediation",
     "data.automation_orchestration, networks.automation_orchestration, networks.governance "
     "advanced: lifecycle policies and network policy enforced by automation; no Config rule "
     "remediates automatically (aws.config.auto_remediations is a part of all three)",
     lambda f: each_json(f, lambda d: [c.update(Automatic=False)
                                       for c in d["RemediationConfigurations"]],
                         op="config:DescribeRemediationConfigurations")),
    ("advanced", "azure", "data-policy-not-at-management-group",
     "data.governance advanced: data policy enforced across the enterprise; no enforcing "
     "data assignment at management-group scope",
     lambda f: [r.update(mg=False) for a in answers(f, path="/providers/Microsoft.ResourceGraph/"
                                                     "resources", body_re="policystates")
                for r in a["json"]["data"] if r.get("data")]),
    ("advanced", "aws", "response-not-in-every-region",
     "crosscutting.automation_orchestration advanced: automated response enterprise-wide; "
     "eu-west-1's findings reach no acting target",
     lambda f: each_json(f, lambda d: d.update(Targets=[]), op="events:ListTargetsByRule",
                         region="eu-west-1")),
    ("advanced", "aws", "no-scps",
     "crosscutting.governance advanced: guardrails at the top of the hierarchy; no SCP",
     lambda f: each_json(f, lambda d: d.update(Policies=[p for p in d["Policies"]
                                                         if p.get("AwsManaged")]),
                         op="organizations:ListPolicies", body_re="SERVICE_CONTROL_POLICY")),

    ("advanced", "entra", "domain-federated",
     "identity.identity_stores advanced: stores consolidated with cloud authentication; "
     "contoso.com is federated",
     lambda f: graph_item(f, "/v1.0/domains", lambda d: d.update(authenticationType="Federated"),
                          id="contoso.com")),
    ("advanced", "okta", "apps-assigned-directly",
     "identity.access_management advanced: access through groups on most apps; every app's "
     "users are assigned directly",
     lambda f: [okta_app_users(f, a, "USER") for a in ("0oaApp0002", "0oaApp0003")]),
    ("advanced", "okta", "behaviors-off",
     "identity.visibility_analytics advanced: sign-in activity analysed automatically; no "
     "behaviour detection rule is active",
     lambda f: each_json(f, lambda d: [b.update(status="INACTIVE") for b in d],
                         path="/api/v1/behaviors")),
    ("advanced", "entra", "leaver-workflow-off",
     "identity.automation_orchestration advanced: leavers deprovisioned automatically; the "
     "leaver workflow is not scheduled",
     lambda f: graph_item(f, LCW, lambda w: w.update(isSchedulingEnabled=False),
                          category="leaver")),
    ("advanced", "entra", "sso-apps-open",
     "applications.accessible_applications advanced: most apps only for assigned users; "
     "Salesforce and ServiceNow admit anyone (1 of 3)",
     lambda f: [graph_item(f, SPS, lambda p: p.update(appRoleAssignmentRequired=False),
                           displayName=n) for n in ("Salesforce", "ServiceNow")]),
    ("advanced", "okta", "apps-password-vaulted",
     "applications.accessible_applications advanced: most apps federated; Salesforce and the "
     "internal portal sign in with vaulted passwords",
     lambda f: okta_apps(f, lambda a: a.update(signOnMode="AUTO_LOGIN")
                         if a["id"] in ("0oaApp0002", "0oaApp0003") else None)),
    ("advanced", "entra", "service-principal-secret",
     "applications.governance advanced: credentials governed; the Payroll API service "
     "principal holds a client secret",
     lambda f: graph_item(f, SPS, lambda p: p["passwordCredentials"].append(
         {"keyId": "5f2a0000-0000-4000-8000-00000000cafe", "displayName": "sp-secret",
          "startDateTime": "2024-01-01T00:00:00Z", "endDateTime": "{{iso+2592000}}",
          "hint": "xyz"}), displayName="Payroll API")),
    ("advanced", "azure", "storage-public-network",
     "data.access advanced: data reachable only from chosen networks; a storage account "
     "accepts every network",
     lambda f: storage_account(f, lambda p: (p.update(publicNetworkAccess="Enabled"),
                                             p["networkAcls"].update(defaultAction="Allow")))),
    ("advanced", "azure", "storage-platform-keys",
     "data.encryption advanced: customer-managed keys everywhere; a storage account uses "
     "Microsoft-managed keys",
     lambda f: storage_account(f, lambda p: p["encryption"].update(keySource="Microsoft.Storage"))),
    ("advanced", "azure", "sentinel-no-data-signals",
     "data.visibility_analytics advanced: data activity analysed enterprise-wide; Sentinel has "
     "neither the Office 365 nor the Defender XDR connector",
     lambda f: sentinel(f, "dataConnectors", lambda d: d.update(value=[
         c for c in d["value"] if c["kind"] not in ("Office365", "MicrosoftThreatProtection")]))),
    ("advanced", "azure", "assignment-do-not-enforce",
     "crosscutting.governance advanced: policy enforced, not only audited; one assignment is "
     "left in DoNotEnforce",
     lambda f: policy_rows(f, "by mode, mg", lambda rows: rows.append(
         {"mode": "DoNotEnforce", "mg": False, "n": 1}))),
    ("advanced", "azure", "network-policy-mostly-noncompliant",
     "networks.governance advanced: tailored network policy implemented by automation (most "
     "comply); 30 more network resources do not (20 of 55)",
     lambda f: policy_rows(f, "policystates", lambda rows: rows.append(
         {"state": "noncompliant", "action": "deny", "mg": False, "data": False, "n": 30,
          "net": True, "dne": False}))),
    ("advanced", "k8s", "no-generated-netpols",
     "networks.governance advanced: network policies put in place by automation; no Kyverno "
     "rule generates a NetworkPolicy",
     lambda f: [i["spec"].update(rules=[r for r in i["spec"]["rules"] if "generate" not in r])
                for i in k8s_items(f, "/apis/kyverno.io/v1/clusterpolicies")]),

    ("advanced", "devices", "personal-ios-enrollment",
     "devices.governance advanced: only corporate devices enroll; personally owned iOS devices "
     "may",
     lambda f: graph_item(f, "/v1.0/deviceManagement/deviceEnrollmentConfigurations",
                          lambda c: c["iosRestriction"].update(
                              personalDeviceEnrollmentBlocked=False),
                          **{"@odata.type": "#microsoft.graph."
                                            "deviceEnrollmentPlatformRestrictionsConfiguration"})),
    ("advanced", "devices", "macos-blocked-after-7-days",
     "devices.automation_orchestration advanced: noncompliant devices cut off within 72 hours; "
     "macOS compliance waits 168",
     lambda f: compliance_action(f, "macOS compliance", "block", 168)),
    ("advanced", "devices", "critical-open-40-days",
     "devices.policy_enforcement_compliance advanced: critical vulnerabilities fixed within 30 "
     "days; CVE-2024-12053 open on one machine for 40",
     lambda f: tvm_records(f, VULNS, lambda v: v.update(firstSeenTimestamp="{{tvm-3456000}}"),
                           cveId="CVE-2024-12053", firstSeenTimestamp="{{tvm-2595600}}")),

    ("advanced", "aws", "no-config-aggregator",
     "crosscutting.visibility_analytics advanced: enterprise-wide collection, centralised; no "
     "Config aggregator gathers the accounts' configuration",
     lambda f: each_json(f, lambda d: d.update(ConfigurationAggregators=[]),
                         op="config:DescribeConfigurationAggregators")),

    ("advanced", "aws", "no-org-backup-policy",
     "data.governance advanced: data lifecycle policy across the organization; no "
     "Organizations backup policy",
     lambda f: each_json(f, lambda d: d.update(Policies=[]), op="organizations:ListPolicies",
                         body_re="BACKUP_POLICY")),
    ("advanced", "aws", "bucket-public-access-open",
     "data.access advanced: access controlled per bucket (>= 95 % block public access); zt-logs "
     "has no public access block (2 of 3)",
     lambda f: resub(f, r">true<", ">false<", op="s3:GetPublicAccessBlock", path="/zt-logs")),

    # -- Initial: the traditional estate falls short of each function's initial statement -----
    ("initial", "aws", "root-without-mfa",
     "identity.authentication initial: MFA; the AWS root user has none",
     lambda f: sub(f, "<key>AccountMFAEnabled</key><value>1",
                   "<key>AccountMFAEnabled</key><value>0",
                   op="iam:GetAccountSummary")),
    ("initial", "aws", "no-identity-center",
     "identity.identity_stores initial: some stores integrated; no IAM Identity Center, and "
     "IAM users sign in with passwords",
     lambda f: each_json(f, lambda d: d.update(Instances=[]), op="sso-admin:ListInstances")),
    ("initial", "entra", "no-conditional-access",
     "identity.risk_assessments, identity.governance, applications.access, "
     "applications.accessible_applications initial: a policy engine decides access; every "
     "Conditional Access policy is off",
     lambda f: all_ca(f, lambda p: p.update(state="disabled"))),
    ("initial", "aws", "root-access-keys",
     "identity.access_management initial: least privilege basics; the root user has access keys",
     lambda f: sub(f, "<key>AccountAccessKeysPresent</key><value>0",
                   "<key>AccountAccessKeysPresent</key><value>1", op="iam:GetAccountSummary")),
    ("initial", "host", "no-audit-rules",
     "identity.visibility_analytics initial: user activity logged; auditd has no rules",
     lambda t: (remove(t, "etc/audit/rules.d"), remove(t, "etc/audit/audit.rules"))),
    ("initial", "entra", "directory-sync-stale",
     "identity.automation_orchestration initial: users provisioned automatically; the last "
     "directory sync was 3 days ago",
     lambda f: each_json(f, lambda d: d["value"][0].update(
         onPremisesLastSyncDateTime="{{iso-259200}}"), path="/v1.0/organization")),
    ("initial", "okta", "threatinsight-off",
     "identity.risk_assessments initial: risk assessed by rules; ThreatInsight evaluates nothing",
     lambda f: each_json(f, lambda d: d.update(action="none"),
                         path="/api/v1/threats/configuration")),
    ("initial", "okta", "no-log-streams",
     "identity.visibility_analytics initial: activity collected outside the IdP; no log stream "
     "is active",
     lambda f: each_json(f, lambda d: [x.update(status="INACTIVE") for x in d],
                         path="/api/v1/logStreams")),
    ("initial", "entra", "app-without-owner",
     "applications.governance initial: every app has an owner; the Payroll API registration "
     "has none",
     lambda f: graph_item(f, "/v1.0/applications", lambda a: a.update(owners=[]),
                          displayName="Payroll API")),
    ("initial", "azure", "network-policy-flat",
     "networks.governance initial: tiered network policy; no firewall policy inherits a base "
     "and no network policy is assigned at management-group scope",
     lambda f: ([p["properties"].pop("basePolicy", None)
                 for p in arg_rows(f, "microsoft.network/firewallpolicies")],
                policy_rows(f, "policystates", lambda rows: [r.update(mg=False) for r in rows
                                                             if r.get("net")]))),
    ("initial", "aws", "no-security-standards",
     "crosscutting.governance initial: policy assessed by machine; Security Hub has no standard "
     "enabled",
     lambda f: each_json(f, lambda d: d.update(StandardsSubscriptions=[]),
                         op="securityhub:GetEnabledStandards")),
    ("initial", "host", "updates-by-hand",
     "devices.policy_enforcement_compliance initial: updates enforced; unattended upgrades off",
     lambda t: (remove(t, "etc/apt/apt.conf.d/20auto-upgrades"),
                remove(t, "etc/apt/apt.conf.d/99fake-nested.conf"))),
    ("initial", "devices", "no-device-inventory",
     "devices.asset_supply_chain_risk, devices.visibility_analytics initial: an inventory of "
     "devices; neither Intune nor Defender lists any",
     lambda f: empty_pages(f, INTUNE + DEFENDER)),
    ("initial", "crowdstrike", "no-falcon-hosts",
     "devices.asset_supply_chain_risk, devices.threat_protection initial: the EDR inventory; "
     "Falcon lists no host",
     lambda f: f.scn["falcon"].update(hosts=[])),
    ("initial", "okta", "no-device-assurance",
     "devices.resource_access initial: device signals used; no Okta rule checks the device",
     lambda f: okta_rules(f, lambda r: r.update(conditions=None))),
    ("initial", "host", "no-edr-running",
     "devices.threat_protection initial: an EDR agent runs; none does",
     lambda t: (remove(t, "proc/1201"), remove(t, "proc/2003"))),
    ("initial", "devices", "compliance-policies-unassigned",
     "devices.automation_orchestration, devices.governance initial: compliance evaluated by "
     "assigned policies; none is assigned",
     lambda f: each_json(f, lambda d: [p.update(assignments=[]) for p in d["value"]],
                         path="/v1.0/deviceManagement/deviceCompliancePolicies")),
    ("initial", "host", "firewall-accepts",
     "networks.segmentation initial: inbound traffic denied by default; the firewall accepts",
     lambda t: remove(t, "etc/nftables.d")),
    ("initial", "aws", "no-waf-on-internet-apps",
     "networks.traffic_management initial: internet apps have a traffic profile; no web ACL is "
     "attached",
     lambda f: each_json(f, lambda d: d.update(ResourceArns=[]),
                         op="wafv2:ListResourcesForWebACL")),
    ("initial", "host", "crypto-policy-legacy",
     "networks.traffic_encryption initial: no legacy crypto; LEGACY policy",
     lambda t: write_file(t, "etc/crypto-policies/config", "LEGACY\n")),
    ("initial", "aws", "load-balancers-one-zone",
     "networks.resilience initial: some apps span zones; none does",
     lambda f: resub(f, r"<member><ZoneName>us-east-1[bc]</ZoneName><SubnetId>[^<]*</SubnetId>"
                        r"<LoadBalancerAddresses/></member>", "",
                     op="elbv2:DescribeLoadBalancers", region="us-east-1", body_re="elbm2")),
    ("initial", "aws", "guardduty-off",
     "networks.visibility_analytics, data.visibility_analytics initial: network and data "
     "activity analysed; GuardDuty is disabled",
     lambda f: each_json(f, lambda d: d.update(status="DISABLED"), op="guardduty:GetDetector")),
    ("initial", "aws", "no-network-iac",
     "networks.automation_orchestration initial: some network resources from IaC; none",
     lambda f: sub(f, SG_TAG, "<tagSet>", op="ec2:DescribeSecurityGroups", region="us-east-1",
                   body_re="tok3")),
    ("initial", "k8s", "no-network-policies",
     "networks.governance, networks.segmentation initial: tailored default deny; no "
     "NetworkPolicy at all",
     lambda f: [a["json"].update(items=[]) for a in
                answers(f, path="/apis/networking.k8s.io/v1/networkpolicies")]),
    ("initial", "k8s", "no-pod-security",
     "applications.threat_protections, crosscutting.governance initial: workloads protected at "
     "admission; no namespace enforces Pod Security",
     lambda f: k8s_ns_label(f, ["a", "b", "c", "d", "e"], None)),
    ("initial", "github", "members-write-everything",
     "applications.secure_dev_deploy_workflow initial: least privilege on code; members get "
     "write on every repository",
     lambda f: github_orgs(f, lambda o: o.update(default_permission="write"))),
    ("initial", "github", "no-dependabot-alerts",
     "applications.security_testing initial: code tested before deployment; Dependabot alerts "
     "off",
     lambda f: github_repos(f, lambda r: r.update(dependabot_alerts=False))),
    ("initial", "azure", "subscription-without-defender",
     "applications.visibility_analytics initial: Defender in every subscription; one has none",
     lambda f: [p["properties"].update(pricingTier="Free") for r in routes(f)
                if r["path"].endswith("/providers/Microsoft.Security/pricings") and
                "22222222" in r["path"] for p in r["responses"][0]["json"]["value"]]),
    ("initial", "azure", "entra-logs-archived-only",
     "identity.visibility_analytics initial: activity logs collected for analysis; Entra "
     "sign-in and audit logs go to a storage account only",
     lambda f: each_json(f, lambda d: [s["properties"].pop("workspaceId", None) for s in d["value"]],
                         path="/providers/microsoft.aadiam/diagnosticSettings")),
    ("initial", "aws", "no-cloudformation",
     "applications.automation_orchestration initial: app configuration declared; no stack",
     lambda f: resub(f, r"<Stacks>.*</Stacks>", "<Stacks/>", op="cloudformation:DescribeStacks")),
    ("initial", "aws", "inspector-off",
     "applications.governance initial: images and functions scanned; Inspector disabled",
     lambda f: each_json(f, lambda d: [a["resourceState"][k].update(status="DISABLED")
                                       for a in d["accounts"] for k in ("ecr", "lambda")],
                         op="inspector2:BatchGetAccountStatus")),
    ("initial", "aws", "macie-off",
     "data.inventory_management initial: data discovered; Macie paused",
     lambda f: each_json(f, lambda d: d.update(status="PAUSED"), op="macie2:GetMacieSession")),
    ("initial", "aws", "no-tag-policy",
     "data.categorization initial: data tagged by policy; no tag policy",
     lambda f: each_json(f, lambda d: d.update(Policies=[]), op="organizations:ListPolicies",
                         body_re="TAG_POLICY")),
    ("initial", "aws", "no-replication",
     "data.availability initial: some data replicated; no bucket is",
     lambda f: sub(f, "<Status>Enabled</Status><Filter/>", "<Status>Disabled</Status><Filter/>",
                   op="s3:GetBucketReplication")),
    ("initial", "aws", "account-public-access-open",
     "data.access initial: public access blocked; the account-level block is off",
     lambda f: resub(f, r">true<", ">false<", op="s3control:GetPublicAccessBlock")),
    ("initial", "azure", "storage-http-allowed",
     "data.encryption initial: data in transit encrypted; a storage account accepts HTTP",
     lambda f: each_json(f, lambda d: d["value"][0]["properties"].update(
         supportsHttpsTrafficOnly=False),
         path="/subscriptions/11111111-1111-4111-8111-111111111111/providers/"
              "Microsoft.Storage/storageAccounts")),
    ("initial", "azure", "defender-for-storage-off",
     "data.visibility_analytics initial: data access analysed; Defender for Storage off",
     lambda f: pricing(f, "StorageAccounts", "Free")),
    ("initial", "aws", "no-backup-plans",
     "data.automation_orchestration initial: some lifecycle automation; no backup plan",
     lambda f: each_json(f, lambda d: d.update(BackupPlansList=[]), op="backup:ListBackupPlans")),
    ("initial", "host", "logs-stay-local",
     "crosscutting.visibility_analytics initial: logs collected centrally; nothing forwards",
     lambda t: (remove(t, "etc/rsyslog.d/90-fake-forward.conf"), remove(t, "proc/1505"))),
    ("initial", "aws", "no-automated-response",
     "crosscutting.automation_orchestration initial: some automated response; no Security Hub "
     "automation rule and no rule routing findings",
     lambda f: (each_json(f, lambda d: d.update(AutomationRulesMetadata=[]),
                          op="securityhub:ListAutomationRules"),
                each_json(f, lambda d: d.update(Rules=[]), op="events:ListRules"))),
    ("initial", "azure", "cspm-off",
     "crosscutting.governance initial: policy assessed by machine; Defender CSPM off",
     lambda f: pricing(f, "CloudPosture", "Free")),
]


# Cells no fixture estate can take away alone, because the catalog decides them with the same
# evidence as a lower stage of some function: (function, stage) -> why. The ladder test does not
# expect these functions exact below that stage, and prints them.
CONFLICTS = {
}

# Rules the catalog decides with exactly the evidence of a rule of a lower stage: no patch can
# make them fail without failing that lower stage too. Their function can still be taken down
# by another rule of the same stage, so it is exact; the ladder prints them.
SAME_EVIDENCE = {
    "aws.config.continuous_enterprise_enforcement":
        "crosscutting.governance optimal reads aws.config.recording_all "
        "(crosscutting.visibility_analytics advanced), aws.config.conformance_packs and "
        "conformance_packs_noncompliant (applications.governance advanced), "
        "aws.config.auto_remediations (data.automation_orchestration advanced), "
        "aws.securityhub.enabled (its own initial) and aws.org.scps_attached (its own advanced)",
    "aws.org.backup_policy_with_auto_remediation":
        "data.automation_orchestration optimal is aws.org.backup_policies_attached (a part of "
        "aws.org.data_lifecycle_policies, data.governance advanced), "
        "aws.backup.plans_with_selections (its own initial) and aws.config.auto_remediations "
        "(its own advanced)",
    "entra.risk.behavioural_analytics_enforced":
        "identity.visibility_analytics optimal reads entra.ca.high_user_risk_remediated and "
        "entra.ca.high_signin_risk_remediated, which are identity.risk_assessments advanced "
        "(entra.ca.high_user_risk, entra.ca.high_signin_risk: a block counts as remediated)",
    "aws.macie.discovery_with_automated_response":
        "data.inventory_management optimal is aws.macie.automated_discovery (its own advanced) "
        "and aws.events.security_response_all_regions (crosscutting.automation_orchestration "
        "advanced)",
}


# ---- building an estate --------------------------------------------------------------------

def functions_of(patch):
    """The functions a patch takes a stage from: the ids its 'why' names before the colon."""
    return [w.strip() for w in patch[3].split(":")[0].split(",") if "." in w]


def patches_for(stage):
    """The patches that take the optimal estate down to stage, in the order they apply."""
    below = STAGES.index(stage)
    return [p for p in PATCHES if STAGES.index(p[0]) > below]


def build(src, stage, into, skip=(), extra=()):
    """Copy the strong fixtures into the directory into, make them optimal (PREPARE) and apply
    the patches that bring them down to stage, except those named in skip, then the (stage,
    source, name, why, fn) entries of extra. Returns {source: path}: the host tree, or each API
    source's scenario dir."""
    fixtures = os.path.join(src, "tests", "fixtures")
    out, fx = {}, {}
    for source, rel in STRONG.items():
        dst = os.path.join(into, source)
        if source == "host":
            shutil.copytree(os.path.join(fixtures, rel), dst, symlinks=True)
            fx[source] = Fixture(dst)
        else:
            shutil.copytree(os.path.join(fixtures, "scenarios", rel), dst, symlinks=True)
            with open(os.path.join(dst, "scenario.json")) as f:
                fx[source] = Fixture(dst, json.load(f))
        out[source] = dst
    for source, name, _, fn in PREPARE:
        fn(fx[source])
    for p in patches_for(stage) + list(extra):
        _, source, name, _, fn = p
        if name not in skip and fn is not None:
            fn(fx[source])
    for f in fx.values():
        f.save()
    return out


def config(dirs, urls, files, certs, kubeconfig, attest=None):
    """The ztmmd.conf of an estate: the host tree and one collector per fixture server (urls:
    source -> base URL), as tests/integration/test_estate.py configures them."""
    ca = f"ca_file = {certs}/ca.pem\n"
    entra, devices, okta = urls["entra"], urls["devices"], urls["okta"]
    azure, aws, falcon, github = urls["azure"], urls["aws"], urls["crowdstrike"], urls["github"]
    text = (
        f"[collector:host]\nroot = {dirs['host']}\n"
        f"[collector:contoso]\ntype = entra\ntenant_id = contoso.onmicrosoft.com\n"
        f"client_id = 6f1e3b8a-1c2d-4e5f-8a9b-0c1d2e3f4a5b\n"
        f"client_secret_file = {files['entra']}\nlogin_url = {entra}\n"
        f"graph_url = {entra}\n{ca}emergency_accounts = 0b1c2d3e-0000-4000-8000-00000000b001\n"
        f"[collector:intune]\ntenant_id = contoso\nclient_id = app-devices\n"
        f"login_url = {devices}\n{ca}client_secret_file = {files['devices']}\n"
        f"graph_url = {devices}\n"
        f"[collector:defender]\ntenant_id = contoso\nclient_id = app-devices\n"
        f"login_url = {devices}\n{ca}api_url = {devices}\npage_size = 8\n"
        f"client_secret_file = {files['devices']}\n"
        f"[collector:acme]\ntype = okta\norg_url = {okta}\n"
        f"api_token_file = {files['okta']}\n{ca}"
        f"[collector:azure]\ntenant_id = contoso.onmicrosoft.com\n"
        f"client_id = 7a1e3b8a-1c2d-4e5f-8a9b-0c1d2e3f4a5c\n"
        f"client_secret_file = {files['azure']}\nlogin_url = {azure}\n"
        f"arm_url = {azure}\n{ca}subscriptions = 11111111-1111-4111-8111-111111111111, "
        f"22222222-2222-4222-8222-222222222222\n"
        f"[collector:acct]\ntype = aws\naccess_key_id = ASIAZTMMDFIXTURE0001\n"
        f"secret_access_key_file = {files['aws']}\n"
        f"session_token_file = {files['aws_token']}\n"
        f"regions = us-east-1, eu-west-1\nendpoint_url = {aws}/\n{ca}"
        f"[collector:k8s]\ntype = kubernetes\nkubeconfig = {kubeconfig}\n"
        f"page_size = 2\n"
        f"[collector:falcon]\ntype = crowdstrike\nbase_url = {falcon}\n"
        f"client_id = 3f8a2c1d9b7e4f60a5c3d2e1f0b9a8c7\n"
        f"client_secret_file = {files['falcon']}\n{ca}"
        f"[collector:gh]\ntype = github\norganizations = acme, acme-labs\n"
        f"api_url = {github}\napp_id = 123456\nprivate_key_file = {certs}/client.key\n{ca}")
    if attest:
        text += "[attest]\n" + "".join(f"{fn} = {st}\n" for fn, st in sorted(attest.items()))
    return text


def kubeconfig(certs, base, into):
    """A kubeconfig at into/kubeconfig for the fixture API server at base, with the test PKI's
    CA and client certificate (tests/fixtures/server.py gencerts). Returns its path."""
    import base64

    def b64(name):
        with open(os.path.join(certs, name), "rb") as f:
            return base64.b64encode(f.read()).decode()

    path = os.path.join(into, "kubeconfig")
    with open(path, "w") as f:
        f.write(f"apiVersion: v1\nkind: Config\ncurrent-context: audit\nclusters:\n"
                f"- name: fixture\n  cluster:\n    server: {base}\n"
                f"    certificate-authority-data: {b64('ca.pem')}\n"
                f"contexts:\n- name: audit\n  context: {{cluster: fixture, user: auditor}}\n"
                f"users:\n- name: auditor\n  user:\n"
                f"    client-certificate-data: {b64('user.pem')}\n"
                f"    client-key-data: {b64('user.key')}\n")
    os.chmod(path, 0o600)
    return path


SECRETS = {
    "entra": "entra~fixture.secret",
    "devices": "devices-secret~1",
    "okta": "00okta-ssws-token-strong",
    "azure": "azure~fixture.secret",
    "aws": "zt/fixture+Secret/Key0123456789abcdefGHIJ",
    "aws_token": "FwoGZXIvYXdzEXAMPLEzt//fixture+session/token==",
    "falcon": "falcon-secret~0123456789abcdef",
}
