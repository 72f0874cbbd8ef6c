#!/usr/bin/env python3
"""aws_bench.py - benchmark `ztmmd --once` with the aws collector against a synthetic account
served by tests/fixtures/server.py (Signature V4 checked on every request): N security groups
spread over R regions, every answer delayed by --latency-ms. Not a test: it asserts nothing.

Usage: tests/bench/aws_bench.py [BUILD_DIR] [--groups 5000] [--regions 10] [--latency-ms 20]
       [--page-size 100] [--buckets 0] [--runs 3] [--keep DIR]

--buckets N adds N S3 buckets (ListBuckets pages of 1000, then six calls per bucket: encryption,
versioning, Object Lock, policy status, public access block, replication); doubling doubles
them too. Their critical path is the ListBuckets chain plus one bucket call, but 6 N requests at
the engine's 16 transfers at once cannot take less than 6 N x latency / 16 ("floor" below).

Runs the scan with --groups and with twice as many, and reports for each: requests, wall time
and peak RSS of ztmmd (peakrss.c), the critical path and wall / critical path. A third of the
groups have an ingress permission open to the world (a third of those on SSH), the rest carry
four private-CIDR permissions, so a page is realistic XML (about 1 KiB per group).

Critical path = requests in the longest chain of requests that depend on each other x latency:
per region the security-group pages (page k+1 needs page k's nextToken), ListDetectors ->
GetDetector, and EBS; account-wide STS -> S3 Control, IAM, DescribeTrails -> GetTrailStatus.
Independent chains run at once, so a scan cannot be faster than its longest chain. "served" is
that chain as the server's log measured it (end - t: latency plus the Python server rendering
each ~140 KiB page); wall / critical path above 1 is that server time, TLS handshakes and
ztmmd's own start, parse and evaluation. "ztmmd CPU" is the client's user + system time.
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
SERVER = os.path.join(SRC, "tests", "fixtures", "server.py")
RULES = os.path.join(SRC, "conf", "rules", "ztmm-v2.json")
SIG = {"access_key_id": "AKIAZTMMDBENCH000001", "secret_access_key": "bench/Secret+Key0123456789"}
REGIONS = ["us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-west-2",
           "eu-central-1", "ap-south-1", "ap-northeast-1", "sa-east-1", "ca-central-1",
           "ap-southeast-2"]
NS = 'xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"'


def perm(proto, a, b, cidr):
    return (f"<item><ipProtocol>{proto}</ipProtocol><fromPort>{a}</fromPort><toPort>{b}</toPort>"
            f"<groups/><ipRanges><item><cidrIp>{cidr}</cidrIp><description>rule</description>"
            f"</item></ipRanges><ipv6Ranges/><prefixListIds/></item>")


def group(i):
    perms = [perm("tcp", 8000 + k, 8000 + k, f"10.{k}.{i % 250}.0/24") for k in range(4)]
    if i % 3 == 0:
        perms.append(perm("tcp", 22, 22, "0.0.0.0/0") if i % 9 == 0 else
                     perm("tcp", 443, 443, "0.0.0.0/0"))
    return (f"<item><ownerId>123456789012</ownerId><groupId>sg-{i:017x}</groupId>"
            f"<groupName>bench-{i}</groupName><groupDescription>benchmark group {i}"
            f"</groupDescription><vpcId>vpc-0bench</vpcId><ipPermissions>{''.join(perms)}"
            f"</ipPermissions><ipPermissionsEgress>{perm('-1', 0, 0, '0.0.0.0/0')}"
            f"</ipPermissionsEgress><tagSet/></item>")


S3NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"'


def s3_routes(directory, buckets, add, xml):
    """ListBuckets pages of 1000 (a chain), then every bucket's six calls, one route each."""
    names = [f"bench-bucket-{i:06d}" for i in range(buckets)]
    pages = [names[k:k + 1000] for k in range(0, len(names), 1000)] or [[]]
    for k, page in enumerate(pages):
        nxt = f"<ContinuationToken>s3p{k + 1}</ContinuationToken>" if k + 1 < len(pages) else ""
        body_file = f"s3-list-{k}.xml"
        with open(os.path.join(directory, body_file), "w") as f:
            f.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<ListAllMyBucketsResult {S3NS}>'
                    f'<Owner><ID>o</ID></Owner><Buckets>' + "".join(
                        f"<Bucket><Name>{n}</Name><CreationDate>2024-01-01T00:00:00.000Z"
                        f"</CreationDate><BucketRegion>us-east-1</BucketRegion></Bucket>"
                        for n in page) + f"</Buckets>{nxt}</ListAllMyBucketsResult>")
        query = "max-buckets=1000" + (f"&continuation-token=s3p{k}" if k else "")
        add("s3/list", {"method": "GET", "path": "/", "query": query,
                        "responses": [{"delay_ms": xml("")["delay_ms"], "content_type": "text/xml", "body_file": body_file}]})
    answers = {
        "encryption": f"<ServerSideEncryptionConfiguration {S3NS}><Rule><ApplyServerSideEncryption"
                      "ByDefault><SSEAlgorithm>aws:kms</SSEAlgorithm></ApplyServerSideEncryption"
                      "ByDefault></Rule></ServerSideEncryptionConfiguration>",
        "versioning": f"<VersioningConfiguration {S3NS}><Status>Enabled</Status>"
                      "</VersioningConfiguration>",
        "object-lock": f"<ObjectLockConfiguration {S3NS}><ObjectLockEnabled>Enabled"
                       "</ObjectLockEnabled></ObjectLockConfiguration>",
        "policyStatus": f"<PolicyStatus {S3NS}><IsPublic>false</IsPublic></PolicyStatus>",
        "publicAccessBlock": f"<PublicAccessBlockConfiguration {S3NS}>" + "".join(
            f"<{k}>true</{k}>" for k in ("BlockPublicAcls", "IgnorePublicAcls",
                                         "BlockPublicPolicy", "RestrictPublicBuckets")) +
                             "</PublicAccessBlockConfiguration>",
        "replication": f"<ReplicationConfiguration {S3NS}><Role>r</Role><Rule><Status>Enabled"
                       "</Status><Destination><Bucket>arn:aws:s3:::d</Bucket></Destination>"
                       "</Rule></ReplicationConfiguration>",
    }
    for q, body in answers.items():
        add("s3/bucket", {"method": "GET", "path_re": "/bench-bucket-[0-9]+", "query": q,
                          "responses": [xml(body)]})


def svc_routes(add, d):
    """The per-region services (ELBv2, Macie, Config and its advanced queries, Backup and its
    restore tests, Security Hub and its finding aggregators, EventBridge, Network Firewall) and
    Organizations, answered empty in every region: their calls count, their content does not."""
    def j(doc):
        return [{"delay_ms": d, "json": doc}]
    iam = ('<GenerateCredentialReportResponse><GenerateCredentialReportResult><State>COMPLETE'
           '</State></GenerateCredentialReportResult></GenerateCredentialReportResponse>')
    report = ('<GetCredentialReportResponse><GetCredentialReportResult><Content>'
              'dXNlcixhcm4scGFzc3dvcmRfZW5hYmxlZAo=</Content></GetCredentialReportResult>'
              '</GetCredentialReportResponse>')  # "user,arn,password_enabled\n"
    for action, body in (("GenerateCredentialReport", iam), ("GetCredentialReport", report),
                         ("DescribeVpcs", "<DescribeVpcsResponse><vpcSet/></DescribeVpcsResponse>"),
                         ("DescribeFlowLogs", "<DescribeFlowLogsResponse><flowLogSet/>"
                                              "</DescribeFlowLogsResponse>"),
                         ("DescribeAutoScalingGroups", "<DescribeAutoScalingGroupsResponse>"
                          "<DescribeAutoScalingGroupsResult><AutoScalingGroups/>"
                          "</DescribeAutoScalingGroupsResult></DescribeAutoScalingGroupsResponse>"),
                         ("DescribePolicies", "<DescribePoliciesResponse><DescribePoliciesResult>"
                          "<ScalingPolicies/></DescribePoliciesResult></DescribePoliciesResponse>"),
                         ("DescribeStacks", "<DescribeStacksResponse><DescribeStacksResult><Stacks/>"
                          "</DescribeStacksResult></DescribeStacksResponse>")):
        add("svc", {"method": "POST", "path": "/", "body_re": f"^Action={action}&",
                    "responses": [{"delay_ms": d, "content_type": "text/xml", "body": body}]})
    add("svc", {"method": "POST", "path": "/", "body_re": "^Action=DescribeLoadBalancers",
                "responses": [{"delay_ms": d, "content_type": "text/xml", "body":
                               "<DescribeLoadBalancersResponse><DescribeLoadBalancersResult>"
                               "<LoadBalancers/></DescribeLoadBalancersResult>"
                               "</DescribeLoadBalancersResponse>"}]})
    for target, doc in (("DescribeConfigurationRecorders$", {"ConfigurationRecorders": []}),
                        ("DescribeConfigurationRecorderStatus$",
                         {"ConfigurationRecordersStatus": []}),
                        ("DescribeConfigRules$", {"ConfigRules": []}),
                        ("DescribeConformancePacks$", {"ConformancePackDetails": []}),
                        ("DescribeConfigurationAggregators$", {"ConfigurationAggregators": []}),
                        ("ListRules$", {"Rules": []}),
                        ("ListWebACLs$", {"WebACLs": []}),
                        ("ListKeys$", {"Keys": [], "Truncated": False}),
                        ("ListInstances$", {"Instances": []}),
                        ("ListFirewalls$", {"Firewalls": []}),
                        ("SelectResourceConfig$", {"Results": []}),
                        ("DescribeOrganization$", {"Organization": {"FeatureSet": "CONSOLIDATED_BILLING"}})):
        add("svc", {"method": "POST", "path": "/", "header_re": {"X-Amz-Target": target},
                    "responses": j(doc)})
    for method, path, doc in (("GET", "/macie", {"status": "PAUSED"}),
                              ("GET", "/backup/plans/", {"BackupPlansList": []}),
                              ("GET", "/backup-vaults/", {"BackupVaultList": []}),
                              ("POST", "/standards/get", {"StandardsSubscriptions": []}),
                              ("GET", "/automationrules/list", {"AutomationRulesMetadata": []}),
                              ("GET", "/analyzer", {"analyzers": []}),
                              ("POST", "/status/batch/get", {"accounts": []}),
                              ("GET", "/findingAggregator/list", {"FindingAggregators": []}),
                              ("GET", "/restore-testing/plans", {"RestoreTestingPlans": []})):
        add("svc", {"method": method, "path": path, "responses": j(doc)})


def scenario(directory, groups, regions, page, latency_ms, buckets=0):
    """Write the account; returns {route index: chain name}."""
    os.makedirs(directory, exist_ok=True)
    d = latency_ms
    routes, chains = [], {}

    def add(chain, route):
        chains[len(routes)] = chain
        routes.append(route)

    def xml(body):
        return {"delay_ms": d, "content_type": "text/xml", "body": body}

    def scope(region, svc):
        return {"Authorization": f"/{region}/{svc}/aws4_request"}

    per_region = groups // len(regions)
    n = 0
    for region in regions:
        ids = list(range(n, n + per_region))
        n += per_region
        pages = [ids[k:k + page] for k in range(0, len(ids), page)] or [[]]
        for k in reversed(range(len(pages))):
            nxt = f"<nextToken>{region}-p{k + 1}</nextToken>" if k + 1 < len(pages) else ""
            body_file = f"sg-{region}-{k}.xml"
            with open(os.path.join(directory, body_file), "w") as f:
                f.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<DescribeSecurityGroupsResponse '
                        f'{NS}><requestId>r</requestId><securityGroupInfo>'
                        f'{"".join(group(i) for i in pages[k])}</securityGroupInfo>{nxt}'
                        f'</DescribeSecurityGroupsResponse>')
            rx = (f"NextToken={region}-p{k}(&|$)" if k else "^Action=DescribeSecurityGroups&(?!.*NextToken)")
            add(f"sg/{region}", {"method": "POST", "path": "/", "body_re": rx,
                                 "header_re": scope(region, "ec2"),
                                 "responses": [{"delay_ms": d, "content_type": "text/xml",
                                                "body_file": body_file}]})
        add(f"ebs/{region}", {"method": "POST", "path": "/", "body_re": "^Action=GetEbsEncryptionByDefault",
                              "header_re": scope(region, "ec2"), "responses": [xml(
                                  f"<GetEbsEncryptionByDefaultResponse {NS}><ebsEncryptionByDefault>true"
                                  "</ebsEncryptionByDefault></GetEbsEncryptionByDefaultResponse>")]})
        add(f"gd/{region}", {"method": "GET", "path": "/detector", "header_re": scope(region, "guardduty"),
                             "responses": [{"delay_ms": d, "json": {"detectorIds": ["det1"]}}]})
        add(f"gd/{region}", {"method": "GET", "path": "/detector/det1", "header_re": scope(region, "guardduty"),
                             "responses": [{"delay_ms": d, "json": {"status": "ENABLED"}}]})
    first = regions[0]
    add("sts", {"method": "POST", "path": "/", "body_re": "^Action=GetCallerIdentity", "responses": [xml(
        "<GetCallerIdentityResponse><GetCallerIdentityResult><Account>123456789012</Account>"
        "</GetCallerIdentityResult></GetCallerIdentityResponse>")]})
    add("sts", {"method": "GET", "path": "/v20180820/configuration/publicAccessBlock", "responses": [xml(
        "<PublicAccessBlockConfiguration>" + "".join(
            f"<{k}>true</{k}>" for k in ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy",
                                         "RestrictPublicBuckets")) + "</PublicAccessBlockConfiguration>")]})
    add("iam", {"method": "POST", "path": "/", "body_re": "^Action=GetAccountSummary", "responses": [xml(
        "<GetAccountSummaryResponse><GetAccountSummaryResult><SummaryMap><entry><key>AccountMFAEnabled"
        "</key><value>1</value></entry></SummaryMap></GetAccountSummaryResult></GetAccountSummaryResponse>")]})
    add("ct", {"method": "POST", "path": "/", "header_re": {"X-Amz-Target": "DescribeTrails$"},
               "responses": [{"delay_ms": d, "json": {"trailList": [
                   {"Name": "t", "TrailARN": "arn:aws:cloudtrail:us-east-1:123456789012:trail/t",
                    "IsMultiRegionTrail": True}]}}]})
    add("ct", {"method": "POST", "path": "/", "header_re": {"X-Amz-Target": "GetTrailStatus$"},
               "responses": [{"delay_ms": d, "json": {"IsLogging": True}}]})
    s3_routes(directory, buckets, add, xml)
    svc_routes(add, d)
    with open(os.path.join(directory, "scenario.json"), "w") as f:
        json.dump({"sigv4": SIG, "routes": routes}, f)
    return chains


class Account:
    """One synthetic account served for several runs (the first is a warm-up: Python's first
    pass over each page file is several times slower than the next ones)."""

    def __init__(self, a, tmp, groups, buckets=0):
        self.dir = os.path.join(tmp, f"scenario-{groups}-{buckets}")
        self.chains = scenario(self.dir, groups, REGIONS[:a.regions], a.page_size, a.latency_ms,
                               buckets)
        self.log = os.path.join(tmp, f"log-{groups}.jsonl")
        open(self.log, "w").close()
        certs = os.path.join(tmp, "certs")
        self.srv = subprocess.Popen([sys.executable, SERVER, "serve", "--scenario", self.dir,
                                     "--certs", certs, "--log", self.log, "--idle-timeout", "300"],
                                    stdout=subprocess.PIPE, text=True)
        port = int(self.srv.stdout.readline())
        self.conf = os.path.join(tmp, f"bench-{groups}.conf")
        with open(self.conf, "w") as f:
            f.write(f"[collector:bench]\ntype = aws\naccess_key_id = {SIG['access_key_id']}\n"
                    f"secret_access_key_file = {tmp}/secret\n"
                    f"regions = {', '.join(REGIONS[:a.regions])}\n"
                    f"endpoint_url = https://127.0.0.1:{port}\nca_file = {certs}/ca.pem\n"
                    f"page_size = {a.page_size}\n")

    def close(self):
        self.srv.terminate()
        self.srv.wait()
        self.srv.stdout.close()

    def run(self, a, peakrss, ztmmd):
        open(self.log, "w").close()  # truncate: the server appends to the same open file
        ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        p = subprocess.run([peakrss, ztmmd, "--once", "--config", self.conf, "--rules", RULES,
                            "--format", "json"], capture_output=True, text=True)
        ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        out = p.stdout.rstrip("\n").rsplit("\n", 1)
        wall_ms, rss_kib, code = out[-1].split()
        doc = json.loads(out[0])
        ev = {e["key"]: e["value"] for e in doc["evidence"]}
        time.sleep(0.2)
        with open(self.log) as f:
            entries = [json.loads(line) for line in f]
        count, served = {}, {}
        for e in entries:
            c = self.chains.get(e.get("route"), "?")
            count[c] = count.get(c, 0) + 1
            served[c] = served.get(c, 0) + (e["end"] - e["t"])
        longest = max((c for c in count if c not in ("s3/bucket", "svc")), key=count.get)
        return {"wall": float(wall_ms) / 1000, "rss": int(rss_kib) / 1024, "exit": int(code),
                "requests": len(entries), "critical": count[longest] * a.latency_ms / 1000,
                "served": max(served.values()), "longest": f"{longest} ({count[longest]})",
                "cpu": (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime),
                "groups_seen": ev.get("aws.ec2.security_groups"),
                "buckets_seen": ev.get("aws.s3.buckets"),
                "s3_chain": count.get("s3/list", 0) + 1 if "s3/list" in count else 0,
                "s3_requests": count.get("s3/list", 0) + count.get("s3/bucket", 0),
                "open": ev.get("aws.ec2.sg_open_admin_ports"),
                "status": doc["collectors"][0]["status"],
                "bytes": sum(os.path.getsize(os.path.join(self.dir, x))
                             for x in os.listdir(self.dir))}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("build", nargs="?", default=os.path.join(SRC, "build"))
    ap.add_argument("--groups", type=int, default=5000)
    ap.add_argument("--regions", type=int, default=10)
    ap.add_argument("--latency-ms", type=int, default=20)
    ap.add_argument("--page-size", type=int, default=100)
    ap.add_argument("--buckets", type=int, default=0)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--keep")
    a = ap.parse_args()
    tmp = a.keep or tempfile.mkdtemp(prefix="aws-bench-")
    os.makedirs(tmp, exist_ok=True)
    subprocess.run([sys.executable, SERVER, "gencerts", os.path.join(tmp, "certs")], check=True)
    with open(os.path.join(tmp, "secret"), "w") as f:
        f.write(SIG["secret_access_key"] + "\n")
    os.chmod(os.path.join(tmp, "secret"), 0o600)
    peakrss = os.path.join(tmp, "peakrss")
    subprocess.run(["cc", "-O2", "-o", peakrss, os.path.join(HERE, "peakrss.c")], check=True)
    ztmmd = os.path.join(a.build, "daemon", "ztmmd")
    print(f"{a.regions} regions, {a.latency_ms} ms per answer, page_size {a.page_size}, "
          f"median of {a.runs} runs after a warm-up")
    print(f"{'groups':>7} {'reqs':>5} {'wall s':>7} {'crit s':>7} {'wall/crit':>9} "
          f"{'served s':>8} {'ztmmd CPU s':>11} {'peak RSS MiB':>12} {'XML MiB':>8}  "
          f"longest chain, status, groups seen, open; S3")
    for groups, buckets in ((a.groups, a.buckets), (2 * a.groups, 2 * a.buckets)):
        acct = Account(a, tmp, groups, buckets)
        try:
            acct.run(a, peakrss, ztmmd)
            rs = [acct.run(a, peakrss, ztmmd) for _ in range(a.runs)]
        finally:
            acct.close()
        med = lambda k: statistics.median(r[k] for r in rs)
        r = rs[0]
        print(f"{groups:>7} {r['requests']:>5} {med('wall'):>7.3f} {med('critical'):>7.3f} "
              f"{med('wall') / med('critical'):>9.2f} {med('served'):>8.3f} {med('cpu'):>11.3f} "
              f"{med('rss'):>12.1f} {r['bytes'] / 2**20:>8.1f}  "
              f"{r['longest']}, {r['status']}, {r['groups_seen']}, {r['open']}")
        if buckets:
            floor = r["s3_requests"] * a.latency_ms / 1000 / 16
            print(f"{'':>7} S3: {buckets} buckets seen {r['buckets_seen']}, {r['s3_requests']} "
                  f"requests, chain {r['s3_chain']} x {a.latency_ms} ms = "
                  f"{r['s3_chain'] * a.latency_ms / 1000:.2f} s, floor at 16 in flight "
                  f"{floor:.2f} s, wall / floor {med('wall') / floor:.2f}")

if __name__ == "__main__":
    main()
