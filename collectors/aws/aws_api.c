/* aws_api.c - what the aws collector knows of each AWS operation: its service (signing name and
 * endpoint prefix), its protocol (Query, JSON 1.0/1.1 with X-Amz-Target, REST-JSON, REST-XML),
 * and so the URL, method and headers of a request; every protocol goes through the one SigV4
 * signer in aws_fetch.c. */
#include "aws_call.h"

#define S3_XML(op)                                                                                 \
    {                                                                                              \
        op, "s3", NULL, ZT_AWS_REST_XML, NULL, false                                               \
    }
#define NFW_TARGET "NetworkFirewall_20201112"
#define CT_TARGET  "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101"
#define REST(op, svc)                                                                              \
    {                                                                                              \
        op, svc, NULL, ZT_AWS_REST_JSON, NULL, false                                               \
    }
#define JSON11(op, svc, tp)                                                                        \
    {                                                                                              \
        op, svc, NULL, ZT_AWS_JSON11, tp, false                                                    \
    }

static const struct zt_aws_api_desc apis[_ZT_AWS_API_MAX] = {
    [ZT_AWS_STS_IDENTITY] = {"GetCallerIdentity", "sts", NULL, ZT_AWS_QUERY, NULL, false},
    [ZT_AWS_IAM_SUMMARY] = {"GetAccountSummary", "iam", NULL, ZT_AWS_QUERY, NULL, true},
    [ZT_AWS_EC2_GROUPS] = {"DescribeSecurityGroups", "ec2", NULL, ZT_AWS_QUERY, NULL, false},
    [ZT_AWS_EC2_EBS] = {"GetEbsEncryptionByDefault", "ec2", NULL, ZT_AWS_QUERY, NULL, false},
    [ZT_AWS_GD_LIST] = {"ListDetectors", "guardduty", NULL, ZT_AWS_REST_JSON, NULL, false},
    [ZT_AWS_GD_GET] = {"GetDetector", "guardduty", NULL, ZT_AWS_REST_JSON, NULL, false},
    [ZT_AWS_CT_DESCRIBE] = {"DescribeTrails", "cloudtrail", NULL, ZT_AWS_JSON11, CT_TARGET, false},
    [ZT_AWS_CT_STATUS] = {"GetTrailStatus", "cloudtrail", NULL, ZT_AWS_JSON11, CT_TARGET, false},
    [ZT_AWS_S3_PAB] = {"GetPublicAccessBlock", "s3", "s3-control", ZT_AWS_REST_XML, NULL, false},
    [ZT_AWS_S3_LIST] = S3_XML("ListBuckets"),
    [ZT_AWS_S3_ENCRYPTION] = S3_XML("GetBucketEncryption"),
    [ZT_AWS_S3_VERSIONING] = S3_XML("GetBucketVersioning"),
    [ZT_AWS_S3_OBJECT_LOCK] = S3_XML("GetObjectLockConfiguration"),
    [ZT_AWS_S3_POLICY_STATUS] = S3_XML("GetBucketPolicyStatus"),
    [ZT_AWS_S3_BUCKET_PAB] = S3_XML("GetPublicAccessBlock"),
    [ZT_AWS_S3_REPLICATION] = S3_XML("GetBucketReplication"),
    [ZT_AWS_ELB_LBS] = {"DescribeLoadBalancers", "elasticloadbalancing", NULL, ZT_AWS_QUERY, NULL,
                        false},
    [ZT_AWS_ELB_LISTENERS] = {"DescribeListeners", "elasticloadbalancing", NULL, ZT_AWS_QUERY, NULL,
                              false},
    [ZT_AWS_MACIE_SESSION] = REST("GetMacieSession", "macie2"),
    [ZT_AWS_MACIE_AUTO] = REST("GetAutomatedDiscoveryConfiguration", "macie2"),
    [ZT_AWS_CFG_RECORDERS] =
        JSON11("DescribeConfigurationRecorders", "config", "StarlingDoveService"),
    [ZT_AWS_CFG_STATUS] =
        JSON11("DescribeConfigurationRecorderStatus", "config", "StarlingDoveService"),
    [ZT_AWS_CFG_RULES] = JSON11("DescribeConfigRules", "config", "StarlingDoveService"),
    [ZT_AWS_CFG_REMEDIATION] =
        JSON11("DescribeRemediationConfigurations", "config", "StarlingDoveService"),
    [ZT_AWS_CFG_PACKS] = JSON11("DescribeConformancePacks", "config", "StarlingDoveService"),
    [ZT_AWS_CFG_AGGREGATORS] =
        JSON11("DescribeConfigurationAggregators", "config", "StarlingDoveService"),
    [ZT_AWS_BK_PLANS] = REST("ListBackupPlans", "backup"),
    [ZT_AWS_BK_SELECTIONS] = REST("ListBackupSelections", "backup"),
    [ZT_AWS_BK_VAULTS] = REST("ListBackupVaults", "backup"),
    [ZT_AWS_SH_STANDARDS] = REST("GetEnabledStandards", "securityhub"),
    [ZT_AWS_SH_RULES] = REST("ListAutomationRules", "securityhub"),
    [ZT_AWS_EB_RULES] = JSON11("ListRules", "events", "AWSEvents"),
    [ZT_AWS_EB_TARGETS] = JSON11("ListTargetsByRule", "events", "AWSEvents"),
    [ZT_AWS_ORG_DESCRIBE] =
        JSON11("DescribeOrganization", "organizations", "AWSOrganizationsV20161128"),
    [ZT_AWS_ORG_POLICIES] = JSON11("ListPolicies", "organizations", "AWSOrganizationsV20161128"),
    [ZT_AWS_ORG_TARGETS] =
        JSON11("ListTargetsForPolicy", "organizations", "AWSOrganizationsV20161128"),
    [ZT_AWS_WAF_ACLS] = JSON11("ListWebACLs", "wafv2", "AWSWAF_20190729"),
    [ZT_AWS_WAF_ACL] = JSON11("GetWebACL", "wafv2", "AWSWAF_20190729"),
    [ZT_AWS_WAF_RESOURCES] = JSON11("ListResourcesForWebACL", "wafv2", "AWSWAF_20190729"),
    [ZT_AWS_CFG_PACK_SUMMARY] =
        JSON11("GetConformancePackComplianceSummary", "config", "StarlingDoveService"),
    [ZT_AWS_INS_STATUS] = REST("BatchGetAccountStatus", "inspector2"),
    [ZT_AWS_EC2_VPCS] = {"DescribeVpcs", "ec2", NULL, ZT_AWS_QUERY, NULL, false},
    [ZT_AWS_EC2_FLOW_LOGS] = {"DescribeFlowLogs", "ec2", NULL, ZT_AWS_QUERY, NULL, false},
    [ZT_AWS_IAM_GEN_REPORT] = {"GenerateCredentialReport", "iam", NULL, ZT_AWS_QUERY, NULL, true},
    [ZT_AWS_IAM_GET_REPORT] = {"GetCredentialReport", "iam", NULL, ZT_AWS_QUERY, NULL, true},
    [ZT_AWS_SSO_INSTANCES] = JSON11("ListInstances", "sso", "SWBExternalService"),
    [ZT_AWS_ORG_EFFECTIVE] =
        JSON11("DescribeEffectivePolicy", "organizations", "AWSOrganizationsV20161128"),
    [ZT_AWS_ORG_ACCOUNTS] = JSON11("ListAccounts", "organizations", "AWSOrganizationsV20161128"),
    [ZT_AWS_NFW_LIST] = {"ListFirewalls", "network-firewall", NULL, ZT_AWS_JSON10, NFW_TARGET,
                         false},
    [ZT_AWS_NFW_DESCRIBE] = {"DescribeFirewall", "network-firewall", NULL, ZT_AWS_JSON10,
                             NFW_TARGET, false},
    [ZT_AWS_ASG_GROUPS] = {"DescribeAutoScalingGroups", "autoscaling", NULL, ZT_AWS_QUERY, NULL,
                           false},
    [ZT_AWS_ASG_POLICIES] = {"DescribePolicies", "autoscaling", NULL, ZT_AWS_QUERY, NULL, false},
    [ZT_AWS_CFN_STACKS] = {"DescribeStacks", "cloudformation", NULL, ZT_AWS_QUERY, NULL, false},
    [ZT_AWS_KMS_KEYS] = JSON11("ListKeys", "kms", "TrentService"),
    [ZT_AWS_KMS_DESCRIBE] = JSON11("DescribeKey", "kms", "TrentService"),
    [ZT_AWS_KMS_ROTATION] = JSON11("GetKeyRotationStatus", "kms", "TrentService"),
    [ZT_AWS_AA_ANALYZERS] = {"ListAnalyzers", "access-analyzer", NULL, ZT_AWS_REST_JSON, NULL,
                             false},
    [ZT_AWS_CFG_SELECT] = JSON11("SelectResourceConfig", "config", "StarlingDoveService"),
    [ZT_AWS_CFG_SELECT_AGG] =
        JSON11("SelectAggregateResourceConfig", "config", "StarlingDoveService"),
    [ZT_AWS_MACIE_JOBS] = REST("ListClassificationJobs", "macie2"),
    [ZT_AWS_MACIE_BUCKETS] = REST("GetBucketStatistics", "macie2"),
    [ZT_AWS_MACIE_PUBLISH] = REST("GetFindingsPublicationConfiguration", "macie2"),
    [ZT_AWS_SH_AGGREGATORS] = REST("ListFindingAggregators", "securityhub"),
    [ZT_AWS_SH_AGGREGATOR] = REST("GetFindingAggregator", "securityhub"),
    [ZT_AWS_INS_COVERAGE] = REST("ListCoverageStatistics", "inspector2"),
    [ZT_AWS_BK_RESTORE_TESTS] = REST("ListRestoreTestingPlans", "backup"),
    [ZT_AWS_NFW_POLICY] = {"DescribeFirewallPolicy", "network-firewall", NULL, ZT_AWS_JSON10,
                           NFW_TARGET, false},
    [ZT_AWS_NFW_LOGGING] = {"DescribeLoggingConfiguration", "network-firewall", NULL, ZT_AWS_JSON10,
                            NFW_TARGET, false},
};

const struct zt_aws_api_desc *zt_aws_api_desc(enum zt_aws_api a)
{
    return (unsigned)a < _ZT_AWS_API_MAX && apis[a].op ? &apis[a] : NULL;
}

const char *zt_aws_api_to_string(enum zt_aws_api a)
{
    const struct zt_aws_api_desc *d = zt_aws_api_desc(a);
    return d ? d->op : NULL;
}

bool zt_aws_api_json(enum zt_aws_api a)
{
    enum zt_aws_proto p = apis[a].proto;
    return p == ZT_AWS_JSON10 || p == ZT_AWS_JSON11 || p == ZT_AWS_REST_JSON;
}

/* A bucket name that a virtual-hosted URL can carry under the *.s3 wildcard certificate. */
static bool bucket_dns_safe(const char *b)
{
    return !strchr(b, '.') && strspn(b, "abcdefghijklmnopqrstuvwxyz0123456789-") == strlen(b);
}

void zt_aws_api_url(const struct zt_aws_run *run, const struct zt_aws_spec *s, char *buf,
                    size_t len)
{
    const struct zt_aws_api_desc *d = &apis[s->api];
    const char *ep = run->opt->endpoint_url, *host = d->host ? d->host : d->service;
    _cleanup_free_ char *b = s->bucket ? zt_http_urlencode(s->bucket->name) : NULL;

    if (ep) { /* path style behind one endpoint (emulators, tests) */
        snprintf(buf, len, "%.*s%s%s%s", (int)zt_url_base_len(ep), ep, b ? "/" : "", b ? b : "",
                 s->path);
    } else if (s->api == ZT_AWS_S3_PAB) {
        snprintf(buf, len, "https://%s.%s.%s.amazonaws.com%s", run->account, host, s->scope,
                 s->path);
    } else if (b && bucket_dns_safe(s->bucket->name)) { /* virtual-hosted style */
        snprintf(buf, len, "https://%s.s3.%s.amazonaws.com%s", b, s->scope, s->path);
    } else if (b) { /* dotted names: path style keeps TLS name checks working */
        snprintf(buf, len, "https://s3.%s.amazonaws.com/%s%s", s->scope, b, s->path);
    } else if (d->global) {
        snprintf(buf, len, "https://%s.amazonaws.com%s", host, s->path);
    } else {
        snprintf(buf, len, "https://%s.%s.amazonaws.com%s", host, s->scope, s->path);
    }
}

int zt_aws_api_headers(const struct zt_aws_run *run, const struct zt_aws_spec *s,
                       const char *payload_hash, struct zt_sigv4_header *h, size_t cap,
                       char *target, size_t target_len)
{
    const struct zt_aws_api_desc *d = &apis[s->api];
    size_t n = 0;

    if (cap < 4) {
        return -ENOBUFS;
    }
    if (s->body) {
        const char *ctype = d->proto == ZT_AWS_JSON10      ? "application/x-amz-json-1.0"
                            : d->proto == ZT_AWS_JSON11    ? "application/x-amz-json-1.1"
                            : d->proto == ZT_AWS_REST_JSON ? "application/json"
                                                           : "application/x-www-form-urlencoded; "
                                                             "charset=utf-8";
        h[n++] = (struct zt_sigv4_header){"Content-Type", ctype};
    }
    if (d->target) {
        snprintf(target, target_len, "%s.%s", d->target, d->op);
        h[n++] = (struct zt_sigv4_header){"X-Amz-Target", target};
    }
    if (d->proto == ZT_AWS_REST_XML && zt_streq(d->service, "s3")) {
        h[n++] = (struct zt_sigv4_header){"X-Amz-Content-Sha256", payload_hash};
    }
    if (s->api == ZT_AWS_S3_PAB) {
        h[n++] = (struct zt_sigv4_header){"X-Amz-Account-Id", run->account};
    }
    return (int)n;
}

/* S3 answers that mean "this bucket has none of that": the setting is unset, not an error. */
bool zt_aws_api_unset(enum zt_aws_api a, const char *code)
{
    static const struct {
        enum zt_aws_api api;
        const char *code;
    } unset[] = {
        {ZT_AWS_S3_PAB, "NoSuchPublicAccessBlockConfiguration"},
        {ZT_AWS_S3_BUCKET_PAB, "NoSuchPublicAccessBlockConfiguration"},
        {ZT_AWS_S3_ENCRYPTION, "ServerSideEncryptionConfigurationNotFoundError"},
        {ZT_AWS_S3_POLICY_STATUS, "NoSuchBucketPolicy"},
        {ZT_AWS_S3_REPLICATION, "ReplicationConfigurationNotFoundError"},
        {ZT_AWS_S3_OBJECT_LOCK, "ObjectLockConfigurationNotFoundError"},
    };
    for (size_t i = 0; code && i < ZT_ELEMENTSOF(unset); i++) {
        if (unset[i].api == a && zt_streq(unset[i].code, code)) {
            return true;
        }
    }
    return false;
}
