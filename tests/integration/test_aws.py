#!/usr/bin/env python3
"""test_aws.py - end-to-end: the built `ztmmd --once` with the aws collector against the HTTPS
fixture server (tests/fixtures/server.py) on the aws_* scenarios. The server checks the
Signature V4 of every request (tests/fixtures/sigv4.py) and routes by the signed scope, so a
request signed for the wrong region or service, or not signed right, gets no answer.

Usage: test_aws.py ZTMMD SOURCE_DIR
Checks evidence and stages for a weak and a strong account over two regions, nextToken paging
(security groups, GuardDuty detectors, ListBuckets, Config rules, load balancers and their
listeners, VPCs, web ACLs, KMS keys, access analyzers, Auto Scaling groups), retries of
throttled calls (400 Throttling, 503 RequestLimitExceeded, 400 ThrottlingException, 503
SlowDown, 429 TooManyRequestsException, IAM's 404 ReportInProgress), S3's "not configured" answers read as
unset, services off in a region (Macie, Security Hub, Organizations, Inspector) read as off and
not as errors, denied calls (partial, that evidence missing, never a pass), expired and wrong
credentials (error, a clear message), and that no secret is ever printed. The routes of the
services beyond EC2/IAM/STS/CloudTrail/GuardDuty are written by tests/fixtures/aws/
gen_services.py; every answer parses with botocore (tests/aws_botocore_fixtures.py).
"""
import json
import os
import subprocess
import sys
import unittest

import fixture

ZTMMD, SRC = sys.argv[1:3]
RULES = os.path.join(SRC, "conf", "rules", "ztmm-v2.json")
AKID = "ASIAZTMMDFIXTURE0001"
SECRET = "zt/fixture+Secret/Key0123456789abcdefGHIJ"
TOKEN = "FwoGZXIvYXdzEXAMPLEzt//fixture+session/token=="
KEYS = ["aws.iam.root_mfa_enabled", "aws.iam.root_access_keys_present",
        "aws.cloudtrail.multi_region_logging", "aws.s3.account_public_access_block",
        "aws.ebs.encryption_by_default", "aws.guardduty.enabled",
        "aws.ec2.no_admin_ports_open_to_world", "aws.ec2.security_groups",
        "aws.ec2.sg_open_admin_ports", "aws.ec2.sg_open_all_ports"]


# S3 per bucket: strong = 3 buckets over two ListBuckets pages, all SSE-KMS, versioned,
# replicated and blocked, 2 with Object Lock, one without a policy (NoSuchBucketPolicy);
# weak = SSE-S3 public site, an archive without default encryption (not-found answer) and
# versioning suspended, and one strong bucket.
S3_STRONG = {"aws.s3.buckets": 3, "aws.s3.sse_kms_buckets": 3, "aws.s3.sse_kms_share": 1.0,
             "aws.s3.versioned_buckets": 3, "aws.s3.versioning_share": 1.0,
             "aws.s3.object_lock_buckets": 2, "aws.s3.object_lock_share": 2 / 3,
             "aws.s3.public_access_blocked_buckets": 3, "aws.s3.public_access_blocked_share": 1.0,
             "aws.s3.public_policy_buckets": 0, "aws.s3.replicated_buckets": 3,
             "aws.s3.replication_share": 1.0}
S3_WEAK = {"aws.s3.buckets": 3, "aws.s3.sse_kms_buckets": 1, "aws.s3.sse_kms_share": 1 / 3,
           "aws.s3.versioned_buckets": 1, "aws.s3.versioning_share": 1 / 3,
           "aws.s3.object_lock_buckets": 1, "aws.s3.object_lock_share": 1 / 3,
           "aws.s3.public_access_blocked_buckets": 1,
           "aws.s3.public_access_blocked_share": 1 / 3, "aws.s3.public_policy_buckets": 1,
           "aws.s3.replicated_buckets": 1, "aws.s3.replication_share": 1 / 3}

# ELBv2 listeners: strong = web's HTTP redirected to HTTPS and (second page) HTTPS, eu-web's
# HTTPS, all on TLS 1.2+ policies, beside an internal NLB's TLS and TCP listeners; weak = an
# internet-facing ALB serving HTTP in clear and redirecting HTTP to #{protocol} (HTTP again),
# an internet-facing NLB's TLS on ELBSecurityPolicy-2016-08, and a region with no load balancer.
LISTENERS_STRONG = {"aws.elb.internet_listeners": 3, "aws.elb.internet_listeners_encrypted": 3,
                    "aws.elb.internet_listener_encryption_share": 1.0, "aws.elb.tls_listeners": 3,
                    "aws.elb.tls_listeners_modern": 3, "aws.elb.tls_modern_policy_share": 1.0}
LISTENERS_WEAK = {"aws.elb.internet_listeners": 4, "aws.elb.internet_listeners_encrypted": 2,
                  "aws.elb.internet_listener_encryption_share": 0.5, "aws.elb.tls_listeners": 2,
                  "aws.elb.tls_listeners_modern": 1, "aws.elb.tls_modern_policy_share": 0.5}
LISTENER_RULES = ["aws.elb.internet_listeners_encrypted", "aws.elb.tls_policies_modern"]
LISTENER_ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/{}/50dc6c495c0c9188/"

# ELBv2, Config, Backup, Macie, Security Hub, EventBridge, Organizations (both regions).
SVC_STRONG = {
    "aws.ec2.sg_iac_share": 1.0, "aws.ec2.sg_iac": 4, "aws.elb.multi_az": 3,
    "aws.elb.load_balancers": 3, "aws.elb.internet_facing": 2,
    "aws.elb.multi_az_share": 1.0, "aws.config.recording_all": True, "aws.config.rules": 4,
    "aws.config.auto_remediations": 2, "aws.config.conformance_packs": 2,
    "aws.config.aggregators": 1, "aws.backup.plans": 2, "aws.backup.plans_with_selections": 2,
    "aws.backup.vaults": 2, "aws.backup.vault_lock_share": 1.0, "aws.macie.enabled": True,
    "aws.macie.automated_discovery": True, "aws.securityhub.enabled": True,
    "aws.securityhub.standards": 4, "aws.securityhub.automation_rules": 2,
    "aws.events.security_rules": 2, "aws.events.security_response_rules": 2,
    "aws.events.security_response_all_regions": True, "aws.org.member": True,
    "aws.org.scps_attached": 1, "aws.org.tag_policies_attached": 1,
    "aws.org.backup_policies_attached": 1, "aws.org.rcps_attached": 1,
    "aws.waf.web_acls": 3, "aws.waf.internet_albs": 2, "aws.waf.protected_internet_albs": 2,
    "aws.waf.internet_alb_coverage": 1.0, "aws.waf.adaptive_acl_share": 1.0,
    "aws.config.conformance_packs_noncompliant": 0, "aws.inspector.ecr_lambda_scanning": True,
    "aws.vpc.vpcs": 3, "aws.vpc.with_flow_logs": 3, "aws.vpc.flow_logs_share": 1.0,
    "aws.iam.users": 2, "aws.iam.console_users": 0, "aws.identitycenter.instances": 1,
    "aws.accessanalyzer.enabled": True, "aws.accessanalyzer.unused_access": True,
    "aws.kms.customer_keys": 2, "aws.kms.rotation_share": 1.0,
    "aws.asg.groups": 4, "aws.asg.self_healing_scaling_share": 1.0, "aws.cfn.stacks": 3,
    "aws.cfn.stacks_drifted": 0, "aws.guardduty.s3_protection": True,
    "aws.nfw.firewalls": 1, "aws.nfw.multi_az_share": 1.0, **LISTENERS_STRONG}
# Data and network governance (aws_svc_data.c): Config advanced queries (8 data stores, all
# tagged; 40 seen through the "org" aggregator, 39 tagged), Macie (a scheduled job IDLE on the
# second page of jobs in us-east-1, one RUNNING in eu-west-1; 3 buckets all with a sensitivity
# verdict; classification findings published), a Security Hub aggregator linking ALL_REGIONS,
# Inspector scanning its 17 ECR images and Lambda functions actively, restore tests 2 and 6 days
# ago, the firewall's policy dropping established flows by default and logging alerts and flows.
DATA_STRONG = {
    "aws.config.data_stores": 8, "aws.config.data_classified_share": 1.0,
    "aws.config.aggregate_data_stores": 40, "aws.config.aggregate_data_classified_share": 0.975,
    "aws.macie.scheduled_jobs": 2, "aws.macie.buckets": 3, "aws.macie.classified_bucket_share": 1.0,
    "aws.macie.findings_to_securityhub": True, "aws.securityhub.finding_aggregators": 1,
    "aws.securityhub.aggregates_all_regions": True, "aws.inspector.ecr_lambda_resources": 17,
    "aws.inspector.ecr_lambda_coverage_share": 1.0, "aws.backup.restore_testing_plans": 2,
    "aws.backup.restore_tested_recently": 2, "aws.nfw.drop_default_share": 1.0,
    "aws.nfw.logging_share": 1.0}
SVC_STRONG.update(DATA_STRONG)
# The rules these keys feed: the strong account passes each, the weak one fails each.
DATA_RULES = ["aws.accessanalyzer.data_access_reviewed", "aws.data.classified_everywhere",
              "aws.org.data_lifecycle_policies",
              "aws.org.data_policies_unified", "aws.macie.findings_correlated",
              "aws.network.flows_logged_and_correlated", "aws.nfw.policies_enforced_as_code",
              "aws.nfw.default_deny_under_org_guardrails", "aws.securityhub.centralised_monitoring",
              "aws.config.continuous_enterprise_enforcement", "aws.backup.restores_tested",
              "aws.inspector.deployed_workloads_covered", "aws.s3.bucket_level_access_controls",
              "aws.securityhub.standards_assessed"]
# weak: one of five groups from a stack; two single-AZ NLBs; a partial recorder in us-east-1
# and none in eu-west-1; no backup plan, an unlocked vault; Macie on without automated
# discovery in us-east-1 and not enabled in eu-west-1 (401 "Macie is not enabled."); Security
# Hub not subscribed in eu-west-1 (401 InvalidAccessException); GuardDuty findings only sent
# to SNS; a standalone account (AWSOrganizationsNotInUseException). None of these is an error.
SVC_WEAK = {
    "aws.ec2.sg_iac_share": 0.2, "aws.ec2.sg_iac": 1, "aws.elb.multi_az": 1,
    "aws.elb.load_balancers": 3, "aws.elb.internet_facing": 2,
    "aws.elb.multi_az_share": 1 / 3, "aws.config.recording_all": False, "aws.config.rules": 0,
    "aws.config.auto_remediations": 0, "aws.config.conformance_packs": 0,
    "aws.config.aggregators": 0, "aws.backup.plans": 0, "aws.backup.plans_with_selections": 0,
    "aws.backup.vaults": 2, "aws.backup.vault_lock_share": 0.0, "aws.macie.enabled": False,
    "aws.macie.automated_discovery": False, "aws.securityhub.enabled": False,
    "aws.securityhub.standards": 1, "aws.securityhub.automation_rules": 0,
    "aws.events.security_rules": 2, "aws.events.security_response_rules": 0,
    "aws.events.security_response_all_regions": False, "aws.org.member": False,
    "aws.org.scps_attached": 0, "aws.org.tag_policies_attached": 0,
    "aws.org.backup_policies_attached": 0, "aws.org.rcps_attached": 0,
    "aws.waf.web_acls": 1, "aws.waf.internet_albs": 1, "aws.waf.protected_internet_albs": 0,
    "aws.waf.internet_alb_coverage": 0.0, "aws.waf.adaptive_acl_share": 0.0,
    "aws.config.conformance_packs_noncompliant": 0, "aws.inspector.ecr_lambda_scanning": False,
    "aws.vpc.vpcs": 3, "aws.vpc.with_flow_logs": 1, "aws.vpc.flow_logs_share": 1 / 3,
    "aws.iam.users": 3, "aws.iam.console_users": 2, "aws.identitycenter.instances": 0,
    "aws.accessanalyzer.enabled": False, "aws.accessanalyzer.unused_access": False,
    "aws.kms.customer_keys": 2, "aws.kms.rotation_share": 0.5,
    "aws.asg.groups": 2, "aws.asg.self_healing_scaling_share": 0.0, "aws.cfn.stacks": 1,
    "aws.cfn.stacks_drifted": 1, "aws.guardduty.s3_protection": False,
    "aws.nfw.firewalls": 1, "aws.nfw.multi_az_share": 0.0, **LISTENERS_WEAK,
    # 1 of 4 data stores tagged (eu-west-1 records nothing: no row); Macie in us-east-1 only, a
    # one-time job, no bucket classified, findings kept in Macie; no finding aggregator, Security
    # Hub off in eu-west-1; Inspector not activated for ECR and Lambda in eu-west-1 (not asked,
    # not a fail) and 6 of 16 scanned in us-east-1; one restore test 200 days ago, one never run;
    # a firewall whose policy passes what no rule drops, without logging.
    "aws.config.data_stores": 4, "aws.config.data_classified_share": 0.25,
    "aws.macie.scheduled_jobs": 0, "aws.macie.buckets": 3, "aws.macie.classified_bucket_share": 0.0,
    "aws.macie.findings_to_securityhub": False, "aws.securityhub.finding_aggregators": 0,
    "aws.securityhub.aggregates_all_regions": False, "aws.inspector.ecr_lambda_resources": 16,
    "aws.inspector.ecr_lambda_coverage_share": 6 / 16, "aws.backup.restore_testing_plans": 2,
    "aws.backup.restore_tested_recently": 0, "aws.nfw.drop_default_share": 0.0,
    "aws.nfw.logging_share": 0.0}


class Aws(unittest.TestCase):
    maxDiff = None
    @classmethod
    def setUpClass(cls):
        fixture.make_pki(cls, SRC, SECRET)
        cls.token = os.path.join(cls.tmp.name, "token")
        cls.wrong = os.path.join(cls.tmp.name, "wrong-secret")
        for path, value in ((cls.token, TOKEN), (cls.wrong, SECRET[:-4] + "XXXX")):
            with open(path, "w") as f:
                f.write(value + "\n")
            os.chmod(path, 0o600)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def scan(self, scenario, secret=None, extra=""):
        log = os.path.join(self.tmp.name, f"log-{scenario}-{id(self)}.jsonl")
        base = fixture.serve(self, SRC, scenario, log)
        conf = (f"[collector:acct]\ntype = aws\naccess_key_id = {AKID}\n"
                f"secret_access_key_file = {secret or self.secret}\n"
                f"session_token_file = {self.token}\nregions = us-east-1, eu-west-1\n"
                f"endpoint_url = {base}/\nca_file = {self.certs}/ca.pem\n{extra}")
        path = os.path.join(self.tmp.name, f"{scenario}-{id(self)}.conf")
        with open(path, "w") as f:
            f.write(conf)
        p = subprocess.run([ZTMMD, "--once", "--config", path, "--rules", RULES, "--format", "json"],
                           capture_output=True, text=True, timeout=120)
        self.assertNotIn(p.returncode, (-6, -11, 134, 139), p.stderr)  # never a crash
        self.assertNotIn("Sanitizer", p.stderr)  # the ASan build: no report, even on errors
        for secret_text in (SECRET, TOKEN, SECRET[:-4] + "XXXX"):
            self.assertNotIn(secret_text, p.stdout + p.stderr)
        doc = json.loads(p.stdout)
        with open(log) as f:
            requests = [json.loads(line) for line in f]
        col = [c for c in doc["collectors"] if c["name"] == "acct"][0]
        ev = {e["key"]: e for e in doc["evidence"] if e["collector"] == "acct"}
        fn = {f["id"]: f["stage"] for f in doc["functions"]}
        findings = {f["rule"]: f["status"] for f in doc["findings"]}
        return p, col, ev, fn, findings, requests

    def elb_calls(self, scenario, requests, region):
        """The body_re of the ELBv2 routes region's requests matched, in order."""
        with open(os.path.join(SRC, "tests", "fixtures", "scenarios", scenario,
                               "scenario.json")) as f:
            routes = json.load(f)["routes"]
        return [routes[r["route"]]["body_re"] for r in requests
                if r["sigv4"] == f"{region}/elasticloadbalancing" and r["route"] is not None]

    def signed_ok(self, requests):
        """Every request reached the routes with a valid signature for its region/service."""
        for r in requests:
            self.assertIsNone(r.get("problem"), r)
            self.assertIsNotNone(r.get("sigv4"), r)
            self.assertIsNotNone(r.get("route"), r)

    def test_strong(self):
        p, col, ev, fn, findings, requests = self.scan("aws_strong")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(col["status"], "ok", col)
        self.signed_ok(requests)
        value = {k: e["value"] for k, e in ev.items()}
        self.assertEqual(value, {
            "aws.iam.root_mfa_enabled": True, "aws.iam.root_access_keys_present": False,
            "aws.cloudtrail.multi_region_logging": True, "aws.s3.account_public_access_block": True,
            "aws.ebs.encryption_by_default": True, "aws.guardduty.enabled": True,
            "aws.ec2.no_admin_ports_open_to_world": True, "aws.ec2.security_groups": 4,
            "aws.ec2.sg_open_admin_ports": 0, "aws.ec2.sg_open_all_ports": 0, **S3_STRONG,
            **SVC_STRONG})
        self.assertEqual(ev["aws.cloudtrail.multi_region_logging"]["detail"]["trail"],
                         "arn:aws:cloudtrail:us-east-1:123456789012:trail/org-trail")
        for rule in ("aws.ec2.no_admin_ports_open_to_world", "aws.iam.root_mfa_enabled",
                     "aws.cloudtrail.multi_region_logging", "aws.ebs.encryption_by_default",
                     "aws.guardduty.enabled", "aws.s3.account_public_access_block") + tuple(DATA_RULES):
            self.assertEqual(findings[rule], "pass", rule)
        self.assertEqual(fn["networks.segmentation"], "initial")
        self.assertEqual(fn["data.availability"], "optimal")  # every bucket versioned, replicated
        for f, stage in (("data.inventory_management", "optimal"),
                         ("data.categorization", "optimal"),
                         # Its initial stage is attestation-only: observed, it stays unknown
                         # whatever its advanced and optimal rules say (docs/rules.md).
                         ("data.governance", "unknown"),
                         ("data.access", "optimal"),
                         ("data.visibility_analytics", "optimal"),
                         ("networks.visibility_analytics", "optimal"),
                         ("crosscutting.visibility_analytics", "optimal"),
                         ("crosscutting.governance", "optimal"),
                         ("data.automation_orchestration", "optimal"),
                         ("networks.resilience", "optimal"),
                         ("networks.automation_orchestration", "optimal"),
                         ("crosscutting.automation_orchestration", "advanced"),
                         ("networks.traffic_management", "optimal"),
                         ("applications.governance", "advanced"),
                         ("identity.identity_stores", "optimal"),
                         ("applications.automation_orchestration", "optimal")):
            self.assertEqual(fn[f], stage, f)
        # three security-group pages in us-east-1: the tokens went back urlencoded in the body
        scopes = [r["sigv4"] for r in requests]
        # EBS, 3 pages, one 503 retried; DescribeVpcs (2 pages, nextToken followed), DescribeFlowLogs
        self.assertEqual(scopes.count("us-east-1/ec2"), 1 + 3 + 1 + 2 + 1)
        # throttled calls were retried, then answered
        statuses = {}
        for r in requests:
            statuses.setdefault(r["sigv4"], []).append(r["status"])
        self.assertIn(400, statuses["us-east-1/iam"])
        self.assertEqual(statuses["us-east-1/iam"][-1], 200)
        self.assertIn(503, statuses["us-east-1/ec2"])
        self.assertIn(400, statuses["us-east-1/cloudtrail"])
        # GuardDuty: page 2 of the detector list followed its nextToken
        gd = [r["query"] for r in requests if r["path"] == "/detector" and r["sigv4"] == "us-east-1/guardduty"]
        self.assertEqual(gd, ["maxResults=50", "maxResults=50&nextToken=gdp2"])
        self.assertEqual(col["requests"], len(requests))
        # S3: ListBuckets followed its ContinuationToken; each bucket's calls were signed for
        # its BucketRegion; a 503 SlowDown was retried; the dotted name went path style
        lists = [r["query"] for r in requests if r["path"] == "/" and r["sigv4"] == "us-east-1/s3"]
        self.assertEqual(lists, ["max-buckets=1000", "max-buckets=1000&continuation-token=s3page2"])
        eu = {r["query"] for r in requests if r["path"] == "/zt.eu.data"}
        self.assertEqual(eu, {"encryption", "versioning", "object-lock", "policyStatus",
                              "publicAccessBlock", "replication"})
        self.assertTrue(all(r["sigv4"] == "eu-west-1/s3" for r in requests
                            if r["path"] == "/zt.eu.data"))
        slow = [r["status"] for r in requests if r["path"] == "/zt-records" and
                r["query"] == "versioning"]
        self.assertEqual(slow, [503, 200])
        # JSON protocols: Config's rules followed NextToken (one remediation call per page),
        # Security Hub's 429 TooManyRequestsException was retried, Organizations went to
        # us-east-1, every JSON 1.1 call named its X-Amz-Target
        cfg = [r for r in requests if r["sigv4"] == "us-east-1/config"]
        # recorders + status, 2 rule pages, 2 remediation calls, packs + one summary, aggregators,
        # the two advanced queries, and both again through the aggregator
        self.assertEqual(len(cfg), 2 + 2 + 2 + 2 + 1 + 2 + 2)
        self.assertEqual(ev["aws.config.data_classified_share"]["detail"],
                         {"tag": "data-classification",
                          "regions": {"us-east-1": {"data_stores": 5, "classified": 5},
                                      "eu-west-1": {"data_stores": 3, "classified": 3}}})
        self.assertEqual(ev["aws.macie.scheduled_jobs"]["detail"],
                         {"buckets_named": 3, "buckets": ["zt-records", "zt-logs", "zt.eu.data"],
                          "jobs_by_criteria": 0})
        # Macie's jobs followed nextToken to the page holding the scheduled job
        jobs = [r["status"] for r in requests
                if r["path"] == "/jobs/list" and r["sigv4"] == "us-east-1/macie2"]
        self.assertEqual(jobs, [200, 200])
        # the aggregator is read where it lives (its ARN's region), its path encoded once
        got = [r["path"] for r in requests if r["path"].startswith("/findingAggregator/get/")]
        self.assertEqual(got, ["/findingAggregator/get/arn%3Aaws%3Asecurityhub%3Aus-east-1%3A"
                               "123456789012%3Afinding-aggregator/"
                               "123e4567-e89b-12d3-a456-426652340000"])
        # Inspector: four totals per region (ECR images, Lambda functions; all, active); a 429
        # ThrottlingException named only in X-Amzn-ErrorType was retried
        cov = {region: [r["status"] for r in requests if r["path"] == "/coverage/statistics/list"
                        and r["sigv4"] == f"{region}/inspector2"]
               for region in ("us-east-1", "eu-west-1")}
        self.assertEqual(sorted(cov["us-east-1"]), [200, 200, 200, 200, 429])
        self.assertEqual(cov["eu-west-1"], [200] * 4)
        for rule in DATA_RULES + LISTENER_RULES:
            self.assertEqual(findings[rule], "pass", rule)
        # ELBv2: web's listeners followed NextMarker to their second page; each load balancer's
        # listeners were asked by its (encoded) ARN, in its own region
        calls = self.elb_calls("aws_strong", requests, "us-east-1")
        self.assertEqual(len(calls), 2 + 2 + 1, calls)
        self.assertEqual(len([c for c in calls if "Marker=lsm2" in c and "app%2Fweb" in c]), 1)
        self.assertEqual(len(self.elb_calls("aws_strong", requests, "eu-west-1")), 2)
        self.assertEqual(ev["aws.elb.internet_listener_encryption_share"]["detail"],
                         {"plaintext": []})
        sh = [r["status"] for r in requests if r["path"] == "/automationrules/list" and
              r["sigv4"] == "us-east-1/securityhub"]
        self.assertEqual(sh, [429, 200])
        # the credential report: 404 ReportInProgress was retried until the report was ready
        gets = [r["status"] for r in requests if r["sigv4"] == "us-east-1/iam"]
        self.assertEqual(gets.count(404), 1)
        org = {r["sigv4"] for r in requests if "organizations" in (r["sigv4"] or "")}
        self.assertEqual(org, {"us-east-1/organizations"})
        self.assertEqual(len([r for r in requests if r["sigv4"] == "us-east-1/organizations"]),
                         1 + 4 + 4)  # DescribeOrganization, ListPolicies x4, one target list each

    def test_weak(self):
        p, col, ev, fn, findings, requests = self.scan("aws_weak")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(col["status"], "ok", col)
        self.signed_ok(requests)
        value = {k: e["value"] for k, e in ev.items()}
        self.assertEqual(value, {
            "aws.iam.root_mfa_enabled": False, "aws.iam.root_access_keys_present": True,
            "aws.cloudtrail.multi_region_logging": False, "aws.s3.account_public_access_block": False,
            "aws.ebs.encryption_by_default": False, "aws.guardduty.enabled": False,
            "aws.ec2.no_admin_ports_open_to_world": False, "aws.ec2.security_groups": 5,
            "aws.ec2.sg_open_admin_ports": 3, "aws.ec2.sg_open_all_ports": 1, **S3_WEAK,
            **SVC_WEAK})
        self.assertEqual(ev["aws.ec2.no_admin_ports_open_to_world"]["detail"]["open_groups"],
                         ["us-east-1 sg-ssh tcp/22", "eu-west-1 sg-rdp tcp/3389",
                          "eu-west-1 sg-any all ports"])
        self.assertEqual(ev["aws.ebs.encryption_by_default"]["detail"]["regions"],
                         {"us-east-1": True, "eu-west-1": False})
        self.assertEqual(ev["aws.guardduty.enabled"]["detail"]["regions"],
                         {"us-east-1": True, "eu-west-1": False})
        for rule in ("aws.ec2.no_admin_ports_open_to_world", "aws.iam.root_mfa_enabled",
                     "aws.iam.no_root_access_keys", "aws.s3.account_public_access_block"):
            self.assertEqual(findings[rule], "fail", rule)
        self.assertEqual(fn["networks.segmentation"], "traditional")
        self.assertEqual(fn["identity.authentication"], "traditional")
        # one of three buckets replicated: some (initial), not most (advanced)
        self.assertEqual(fn["data.availability"], "initial")
        self.assertEqual(findings["aws.s3.most_data_redundant_with_history"], "fail")
        self.assertEqual(findings["aws.accessanalyzer.enabled_everywhere"], "fail")  # eu-west-1
        self.assertEqual(findings["aws.kms.customer_keys_rotated"], "fail")  # 1 of 2 rotates
        for f, stage in (("data.inventory_management", "traditional"),  # not in eu-west-1
                         ("data.categorization", "traditional"),  # no organization
                         ("data.automation_orchestration", "traditional"),  # no plan
                         ("networks.resilience", "initial"),  # 1 of 3 multi-AZ
                         ("networks.automation_orchestration", "initial"),  # 1 of 5 from a stack
                         ("crosscutting.automation_orchestration", "traditional"),  # SNS only
                         ("networks.traffic_management", "traditional"),  # ALB without ACL
                         ("applications.governance", "traditional"),  # no ECR/Lambda scans
                         ("networks.visibility_analytics", "traditional"),  # GuardDuty off in one
                         ("identity.identity_stores", "traditional"),  # console users, no SSO
                         ("applications.automation_orchestration", "initial")):  # a stack only
            self.assertEqual(fn[f], stage, f)
        # the new derivations fail the weak account, and what is off is said, not failed
        for rule in DATA_RULES + LISTENER_RULES:
            self.assertEqual(findings[rule], "fail", rule)
        self.assertEqual(ev["aws.elb.internet_listener_encryption_share"]["detail"],
                         {"plaintext": [LISTENER_ARN.format("app/alb") + "f2f7dc8efc522a00 HTTP:80",
                                        LISTENER_ARN.format("app/alb") + "f2f7dc8efc522a02 HTTP:8080"]})
        self.assertEqual(ev["aws.elb.tls_modern_policy_share"]["detail"],
                         {"legacy_policy": [LISTENER_ARN.format("net/nlb-a") +
                                            "f2f7dc8efc522a00 ELBSecurityPolicy-2016-08"]})
        # eu-west-1 has no load balancer: no listener asked there, and it fails nothing
        self.assertEqual(len(self.elb_calls("aws_weak", requests, "eu-west-1")), 1)
        self.assertEqual(ev["aws.inspector.ecr_lambda_coverage_share"]["detail"],
                         {"regions": {"us-east-1": {"resources": 16, "active": 6},
                                      "eu-west-1": "not activated"}})
        self.assertEqual(ev["aws.macie.classified_bucket_share"]["detail"],
                         {"macie_off": ["eu-west-1"]})
        self.assertFalse([r for r in requests if r["path"] == "/coverage/statistics/list" and
                          r["sigv4"] == "eu-west-1/inspector2"])
        self.assertFalse([r for r in requests if r["path"].startswith("/findingAggregator/get")])
        for f, stage in (("data.governance", "unknown"), ("crosscutting.governance",
                                                           "traditional")):
            self.assertEqual(fn[f], stage, f)
        # No GetTrailStatus: the only trail is not multi-region
        self.assertEqual(len([r for r in requests if r["sigv4"] == "us-east-1/cloudtrail"]), 1)

    def test_denied_call_is_partial_and_its_evidence_missing(self):
        p, col, ev, fn, findings, requests = self.scan("aws_denied")
        self.assertNotEqual(p.returncode, 0)
        self.assertEqual(col["status"], "partial", col)
        self.assertRegex(p.stderr, r"DescribeSecurityGroups in eu-west-1: denied "
                                   r"\(UnauthorizedOperation")
        for key in ("aws.ec2.no_admin_ports_open_to_world", "aws.ec2.security_groups",
                    "aws.ec2.sg_open_admin_ports"):
            self.assertNotIn(key, ev)
        self.assertEqual(findings["aws.ec2.no_admin_ports_open_to_world"], "unknown")
        # everything else is still known
        for key in ("aws.iam.root_mfa_enabled", "aws.guardduty.enabled",
                    "aws.ebs.encryption_by_default", "aws.cloudtrail.multi_region_logging"):
            self.assertTrue(ev[key]["value"], key)
        self.assertEqual(fn["networks.segmentation"], "unknown")
        # S3: one bucket's GetBucketReplication is denied: replication unknown, the rest known
        self.assertIn("(and 5 more problems)", col["error"])
        # eu-web's DescribeListeners denied: the listener keys of the account are unknown (not
        # those of us-east-1 alone), the rules reading them unknown; its load balancers known
        self.assertRegex(p.stderr, r"DescribeListeners in eu-west-1: denied \(AccessDenied")
        for key in LISTENERS_STRONG:
            self.assertNotIn(key, ev)
        for rule in LISTENER_RULES:
            self.assertEqual(findings[rule], "unknown", rule)
        self.assertEqual(ev["aws.elb.load_balancers"]["value"], 3)
        # Macie's AccessDeniedException that is a denial, not "Macie is not enabled.": unknown
        self.assertRegex(p.stderr, r"GetMacieSession in eu-west-1: denied \(AccessDeniedException")
        for key in ("aws.macie.enabled", "aws.macie.automated_discovery"):
            self.assertNotIn(key, ev)
        # Config's rules denied in eu-west-1: rules and their remediation unknown, not zero
        self.assertRegex(p.stderr, r"DescribeConfigRules in eu-west-1: denied "
                                   r"\(AccessDeniedException")
        for key in ("aws.config.rules", "aws.config.auto_remediations"):
            self.assertNotIn(key, ev)
        self.assertEqual(findings["aws.config.auto_remediation_network"] if
                         "aws.config.auto_remediation_network" in findings else "unknown",
                         "unknown")
        # a member account of an organization: its effective tag policy applies, no backup
        # policy does (EffectivePolicyNotFoundException), SCPs and RCPs cannot be listed from
        # it (unknown, and not an error)
        member = {"aws.org.member": True, "aws.org.tag_policies_attached": 1,
                  "aws.org.backup_policies_attached": 0}
        for key in ("aws.org.scps_attached", "aws.org.rcps_attached"):
            self.assertNotIn(key, ev)
        for key, value in dict(SVC_STRONG, **member).items():
            if key not in ("aws.config.rules", "aws.config.auto_remediations",
                           "aws.ec2.sg_iac_share", "aws.ec2.sg_iac", "aws.org.scps_attached",
                           "aws.org.rcps_attached", "aws.macie.enabled",
                           "aws.macie.automated_discovery", "aws.backup.restore_testing_plans",
                           "aws.backup.restore_tested_recently", "aws.macie.scheduled_jobs",
                           "aws.macie.buckets", "aws.macie.classified_bucket_share",
                           "aws.macie.findings_to_securityhub") + tuple(LISTENERS_STRONG):
                self.assertEqual(ev[key]["value"], value, key)
        self.assertRegex(p.stderr, r"GetBucketReplication of bucket zt-logs: denied \(AccessDenied")
        # a new call denied (ListRestoreTestingPlans in eu-west-1): its keys unknown, the rule
        # reading them unknown, never a pass; Macie's data calls are not made where its session
        # was refused, and its keys stay unknown
        self.assertRegex(p.stderr, r"ListRestoreTestingPlans in eu-west-1: denied "
                                   r"\(AccessDeniedException")
        for key in ("aws.backup.restore_testing_plans", "aws.backup.restore_tested_recently",
                    "aws.macie.scheduled_jobs", "aws.macie.classified_bucket_share",
                    "aws.macie.findings_to_securityhub"):
            self.assertNotIn(key, ev)
        for rule in ("aws.backup.restores_tested", "aws.data.classified_everywhere",
                     "aws.macie.findings_correlated"):
            self.assertEqual(findings[rule], "unknown", rule)
        self.assertFalse([r for r in requests if r["path"] == "/jobs/list" and
                          r["sigv4"] == "eu-west-1/macie2"])
        for key in ("aws.s3.replicated_buckets", "aws.s3.replication_share"):
            self.assertNotIn(key, ev)
        for key, value in S3_STRONG.items():
            if "replicat" not in key:
                self.assertEqual(ev[key]["value"], value, key)

    def test_expired_token(self):
        p, col, ev, fn, findings, requests = self.scan("aws_expired")
        self.assertNotEqual(p.returncode, 0)
        self.assertEqual(col["status"], "error", col)
        self.assertEqual(ev, {})
        self.assertRegex(col["error"], r"ExpiredToken|RequestExpired")
        self.assertIn("credentials rejected", p.stderr)
        for rule in ("aws.iam.root_mfa_enabled", "aws.ec2.no_admin_ports_open_to_world"):
            self.assertEqual(findings[rule], "unknown")

    def test_wrong_secret_signature_mismatch(self):
        p, col, ev, fn, findings, requests = self.scan("aws_strong", secret=self.wrong)
        self.assertNotEqual(p.returncode, 0)
        self.assertEqual(col["status"], "error", col)
        self.assertEqual(ev, {})
        self.assertIn("SignatureDoesNotMatch", col["error"])
        self.assertTrue(requests)
        self.assertTrue(all(r.get("problem") == "SignatureDoesNotMatch" for r in requests), requests)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
