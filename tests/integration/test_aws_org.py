#!/usr/bin/env python3
"""test_aws_org.py - end to end: `ztmmd --once` with `accounts = organization`. The collector's
own credentials (the environment's keys, as a management account's scanner would hold) list
the organization with Organizations ListAccounts (awsJson1_1, two pages joined by NextToken, as
AWS documents it; one SUSPENDED account to skip), then assume `role_name` in every ACTIVE account
through STS AssumeRole (SigV4-verified by the loopback STS of test_aws_creds.py, XML answers and
ErrorResponse errors) and scan each account against the HTTPS fixture server, which serves the
aws_strong scenario to every account's credentials (the scenario's sigv4 lists them all) and
one account's GetAccountSummary without root MFA. Checks that each account is judged on its
own: a universal rule fails naming that account only; an account whose role is denied is named
with the STS error, leaves the collector partial and its rules unknown, never passed.

Usage: test_aws_org.py ZTMMD SOURCE_DIR
"""
import json
import os
import shutil
import subprocess
import sys
import unittest

import fixture
import test_aws_creds as creds

ZTMMD, SRC = sys.argv[1:3]
RULES = os.path.join(SRC, "conf", "rules", "ztmm-v2.json")
ACTIVE = ["111111111111", "222222222222", "444444444444"]
SUSPENDED = "333333333333"
NO_MFA = "222222222222"  # its root user has no MFA
ORG_TARGET = {"X-Amz-Target": "^AWSOrganizationsV20161128\\.ListAccounts$",
              "Content-Type": "^application/x-amz-json-1\\.1$",
              "Authorization": "/us-east-1/organizations/aws4_request"}


def account(i, status, old_field=False):
    a = {"Id": i, "Arn": f"arn:aws:organizations::111111111111:account/o-zt12345678/{i}",
         "Email": f"aws+{i}@example.com", "Name": f"acct-{i}", "JoinedMethod": "CREATED",
         "JoinedTimestamp": 1.7e9}
    a["Status" if old_field else "State"] = status  # State replaces the deprecated Status
    return a


def role_creds(i):
    return {"access_key_id": creds.AKID, "secret_access_key": creds.SECRET,
            "session_token": f"{creds.TOKEN}{i}"}


def role(i):
    return f"arn:aws:iam::{i}:role/ZtAudit"


def org_scenario(directory):
    """aws_strong for every account, after the Organizations pages and the account without MFA."""
    with open(os.path.join(SRC, "tests", "fixtures", "scenarios", "aws_strong",
                           "scenario.json")) as f:
        spec = json.load(f)
    spec["sigv4"] = [creds.BASE] + [role_creds(i) for i in ACTIVE]
    pages = [
        {"body_re": "^\\{\\}$", "json": {"Accounts": [account(ACTIVE[0], "ACTIVE"),
                                                      account(ACTIVE[1], "ACTIVE", True)],
                                         "NextToken": "page/2+="}},
        {"body_re": '^\\{"NextToken":"page/2\\+="\\}$',
         "json": {"Accounts": [account(SUSPENDED, "SUSPENDED"), account(ACTIVE[2], "ACTIVE")]}},
    ]
    routes = [{"method": "POST", "path": "/", "body_re": p["body_re"], "header_re": ORG_TARGET,
               "responses": [{"status": 200, "json": p["json"]}]} for p in pages]
    summary = [r for r in spec["routes"] if "GetAccountSummary" in r.get("body_re", "")][0]
    weak = json.loads(json.dumps(summary))
    weak["header_re"]["X-Amz-Security-Token"] = f"{NO_MFA}$"
    weak["responses"] = [dict(weak["responses"][-1], body=weak["responses"][-1]["body"].replace(
        "<key>AccountMFAEnabled</key><value>1</value>",
        "<key>AccountMFAEnabled</key><value>0</value>"))]
    assert weak["responses"][0]["body"] != summary["responses"][-1]["body"]
    spec["routes"] = routes + [weak] + spec["routes"]
    os.makedirs(directory)
    with open(os.path.join(directory, "scenario.json"), "w") as f:
        json.dump(spec, f)


class AwsOrg(unittest.TestCase):
    maxDiff = None
    runs = 0

    @classmethod
    def setUpClass(cls):
        fixture.make_pki(cls, SRC, creds.SECRET)
        cls.scenario = os.path.join(cls.tmp.name, "aws_org")
        org_scenario(cls.scenario)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def setUp(self):
        self.sts = creds.CredServer(self.certs)
        self.addCleanup(self.sts.server_close)
        self.addCleanup(self.sts.shutdown)
        self.sts.roles = {role(i): role_creds(i) for i in ACTIVE}

    def config(self, extra=""):
        """A config of the organization against a fresh fixture server, its request log, and
        the environment holding the collector's own (management account) keys."""
        AwsOrg.runs += 1
        log = os.path.join(self.tmp.name, f"log-{AwsOrg.runs}.jsonl")
        base = fixture.serve(self, SRC, self.scenario, log)
        conf = (f"{extra}[collector:acct]\ntype = aws\nregions = us-east-1, eu-west-1\n"
                f"endpoint_url = {base}/\nca_file = {self.certs}/ca.pem\n"
                f"accounts = organization\nrole_name = ZtAudit\nexternal_id = zt-ext-42\n"
                f"role_session_name = zt-org\naccount_concurrency = 2\n")
        path = os.path.join(self.tmp.name, f"org-{AwsOrg.runs}.conf")
        with open(path, "w") as f:
            f.write(conf)
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update({"AWS_EC2_METADATA_DISABLED": "true", "HOME": self.tmp.name,
                    "AWS_ACCESS_KEY_ID": creds.BASE["access_key_id"],
                    "AWS_SECRET_ACCESS_KEY": creds.BASE["secret_access_key"],
                    "AWS_SESSION_TOKEN": creds.BASE["session_token"],
                    "AWS_ENDPOINT_URL_STS": self.sts.url("https") + "/"})
        return path, log, env

    def assert_no_secret(self, text):
        for s in [creds.SECRET, creds.BASE["secret_access_key"], creds.BASE["session_token"]] + \
                [role_creds(i)["session_token"] for i in ACTIVE]:
            self.assertNotIn(s, text)

    def scan(self):
        path, log, env = self.config()
        p = subprocess.run([ZTMMD, "--once", "--config", path, "--rules", RULES, "--format",
                            "json"], capture_output=True, text=True, timeout=240, env=env)
        self.assertNotIn(p.returncode, (-6, -11, 134, 139), p.stderr)
        self.assertNotIn("Sanitizer", p.stderr)
        self.assert_no_secret(p.stdout + p.stderr)
        doc = json.loads(p.stdout)
        col = [c for c in doc["collectors"] if c["name"] == "acct"][0]
        with open(log) as f:
            requests = [json.loads(line) for line in f]
        return p, doc, col, requests

    def finding(self, doc, rule):
        return [f for f in doc["findings"] if f["rule"] == rule][0]

    def by_account(self, doc, key):
        return {e.get("account"): e["value"] for e in doc["evidence"] if e["key"] == key}

    def test_every_account_judged_on_its_own(self):
        p, doc, col, requests = self.scan()
        self.assertEqual(col["status"], "ok", (col, p.stderr))
        for r in requests:
            self.assertIsNone(r.get("problem"), r)
        # ListAccounts: both pages, signed with the collector's own keys
        pages = [r["route"] for r in requests if r.get("route") in (0, 1)]
        self.assertEqual(pages, [0, 1])
        # AssumeRole in each ACTIVE account only, with the external id and session name
        posts = [e[3] for e in self.sts.log if e[0] == "POST"]
        self.assertEqual(sorted(f["RoleArn"] for f in posts), [role(i) for i in ACTIVE])
        for f in posts:
            self.assertEqual((f["Action"], f["ExternalId"], f["RoleSessionName"]),
                             ("AssumeRole", "zt-ext-42", "zt-org"))
        self.assertEqual(self.by_account(doc, "aws.iam.root_mfa_enabled"),
                         {"111111111111": True, NO_MFA: False, "444444444444": True})
        self.assertEqual(self.by_account(doc, "aws.account.role_assumed"),
                         {i: True for i in ACTIVE})
        self.assertEqual(self.by_account(doc, "aws.account.active"), {i: True for i in ACTIVE})
        # universal: fails in one account of three, named alone; the others hold
        mfa = self.finding(doc, "aws.iam.root_mfa_enabled")
        self.assertEqual((mfa["status"], mfa.get("failed_by")), ("fail", [f"acct/{NO_MFA}"]))
        self.assertNotIn("unknown_in", mfa)
        keys = self.finding(doc, "aws.iam.no_root_access_keys")
        self.assertEqual(keys["status"], "pass", keys)
        self.assertIn("organization: 3 ACTIVE accounts (1 others skipped)", p.stderr)
        self.assertEqual(col["credentials"], "environment (AWS_ACCESS_KEY_ID with "
                         "AWS_SESSION_TOKEN), then role ZtAudit in 3 of 3 accounts")

    def test_account_credentials_refreshed_midway(self):
        """An account's role credentials about to expire are fetched again by assuming its role
        again (not replaced by the collector's own), and its scan goes on."""
        self.sts.role_expiry = {role(ACTIVE[0]): [120]}  # within the 10 minute margin
        p, doc, col, requests = self.scan()
        self.assertEqual(col["status"], "ok", (col, p.stderr))
        arns = [e[3]["RoleArn"] for e in self.sts.log if e[0] == "POST"]
        self.assertEqual(arns.count(role(ACTIVE[0])), 2, arns)
        self.assertEqual([arns.count(role(i)) for i in ACTIVE[1:]], [1, 1])
        self.assertEqual(self.by_account(doc, "aws.iam.root_mfa_enabled")[ACTIVE[0]], True)

    def test_denied_account_unknown_never_pass(self):
        self.sts.denied = {role("444444444444")}
        p, doc, col, requests = self.scan()
        self.assertEqual(col["status"], "partial", col)
        self.assertIn("account 444444444444: AssumeRole arn:aws:iam::444444444444:role/ZtAudit: "
                      "HTTP 403 AccessDenied: User is not authorized to perform sts:AssumeRole",
                      col["error"])
        self.assertEqual(self.by_account(doc, "aws.account.role_assumed"),
                         {"111111111111": True, NO_MFA: True, "444444444444": False})
        self.assertEqual(self.by_account(doc, "aws.iam.root_mfa_enabled"),
                         {"111111111111": True, NO_MFA: False})
        mfa = self.finding(doc, "aws.iam.root_mfa_enabled")
        self.assertEqual((mfa["status"], mfa["failed_by"], mfa["unknown_in"]),
                         ("fail", [f"acct/{NO_MFA}"], ["acct/444444444444"]))
        # passes in both scanned accounts, but the third could not be seen: unknown, not pass
        keys = self.finding(doc, "aws.iam.no_root_access_keys")
        self.assertEqual((keys["status"], keys["unknown_in"]), ("unknown", ["acct/444444444444"]))

    def test_status_names_the_credential_source(self):
        """The service's `ztmmctl status` says where the credentials came from, never them."""
        state = os.path.join(self.tmp.name, f"svc-{AwsOrg.runs}")
        os.makedirs(state)
        path, log, env = self.config(f"[daemon]\nstate_dir = {state}/state\n"
                                     f"runtime_dir = {state}/run\ninterval = 1h\n"
                                     f"scan_on_start = yes\njitter = 0\n")
        err = open(os.path.join(self.tmp.name, "svc.err"), "w")
        self.addCleanup(err.close)
        d = subprocess.Popen([ZTMMD, "--config", path, "--rules", RULES], env=env,
                             stdout=subprocess.DEVNULL, stderr=err)
        self.addCleanup(lambda: (d.terminate(), d.wait(timeout=30)))
        sock = os.path.join(state, "run", "control")
        ctl = os.path.join(os.path.dirname(ZTMMD), "ztmmctl")

        def status(fmt):
            return subprocess.run([ctl, "--socket", sock, "status", "--format", fmt],
                                  capture_output=True, text=True, timeout=60)

        def scanned():
            r = status("json") if os.path.exists(sock) else None
            return r and r.returncode == 0 and json.loads(r.stdout)["collectors"][0]["status"]
        self.assertTrue(fixture.wait_for(lambda: scanned() or d.poll() is not None, 120))
        self.assertIsNone(d.poll(), "the daemon died")
        doc = json.loads(status("json").stdout)
        want = ("environment (AWS_ACCESS_KEY_ID with AWS_SESSION_TOKEN), then role ZtAudit in "
                "3 of 3 accounts")
        self.assertEqual(doc["collectors"][0]["credentials"], want)
        table = status("table")
        self.assertIn(f"credentials: {want}", table.stdout)
        self.assert_no_secret(table.stdout + json.dumps(doc))

    def test_config_checked(self):
        """accounts and role_name go together; the concurrency is bounded."""
        for extra, want in (("accounts = organization\n", "'role_name' go together"),
                            ("role_name = ZtAudit\n", "'role_name' go together"),
                            ("accounts = all\nrole_name = ZtAudit\n", "'accounts' must be"),
                            ("accounts = organization\nrole_name = ZtAudit\n"
                             "account_concurrency = 0\n", "between 1 and 64"),
                            ("external_id = zt-ext-42\n", "needs 'role_arn' or 'role_name'")):
            with self.subTest(extra=extra):
                path = os.path.join(self.tmp.name, "check.conf")
                with open(path, "w") as f:
                    f.write(f"[collector:acct]\ntype = aws\n{extra}")
                p = subprocess.run([ZTMMD, "--check-config", "--config", path, "--rules", RULES],
                                   capture_output=True, text=True, timeout=60)
                self.assertEqual(p.returncode, 1, p.stderr)
                self.assertIn(want, p.stderr)

    def test_list_denied(self):
        """Not the management account nor a delegated administrator: nothing to scan."""
        spec_dir = os.path.join(self.tmp.name, "aws_org_denied")
        if not os.path.exists(spec_dir):
            shutil.copytree(self.scenario, spec_dir)
            with open(os.path.join(spec_dir, "scenario.json")) as f:
                spec = json.load(f)
            spec["routes"][:2] = [{"method": "POST", "path": "/", "header_re": ORG_TARGET,
                                   "responses": [{"status": 400, "json": {
                                       "__type": "AccessDeniedException",
                                       "Message": "You don't have permissions to access this "
                                                  "resource."}}]}]
            with open(os.path.join(spec_dir, "scenario.json"), "w") as f:
                json.dump(spec, f)
        self.scenario, saved = spec_dir, self.scenario
        try:
            p, doc, col, requests = self.scan()
        finally:
            self.scenario = saved
        self.assertEqual(col["status"], "error", col)
        self.assertIn("ListAccounts: HTTP 400 AccessDeniedException: You don't have permissions",
                      col["error"])
        self.assertEqual([e[0] for e in self.sts.log], [])  # no role is assumed
        self.assertEqual([e for e in doc["evidence"] if e["collector"] == "acct"], [])


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
