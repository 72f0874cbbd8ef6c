/* test_aws_svc.c - the readers behind Macie, Config, Backup, Security Hub, EventBridge,
 * Organizations and ELBv2 evidence on strings: status values, counted lists and their next
 * tokens, recorders that do not record everything, security event patterns and acting targets,
 * multi-AZ load balancers over pages, the IaC tag, and malformed or foreign documents. */
#include "zt_test.h"

#include "aws/aws_call.h"

static struct json_object *parse(const char *s)
{
    struct json_object *o = NULL;
    char err[160];
    assert_int_equal(zt_json_parse(s, strlen(s), 16, &o, err, sizeof(err)), 0);
    return o;
}

static void test_aws_svc_status(void **state)
{
    bool on = true;
    _cleanup_json_ struct json_object *en = parse("{\"status\":\"ENABLED\"}");
    _cleanup_json_ struct json_object *paused = parse("{\"status\":\"PAUSED\"}");
    _cleanup_json_ struct json_object *odd = parse("{\"status\":\"MAYBE\"}");
    assert_int_equal(zt_aws_json_status(en, "ENABLED", "DISABLED", &on), 0);
    assert_true(on);
    assert_int_equal(zt_aws_json_status(paused, "ENABLED", "DISABLED", &on), 0);
    assert_false(on); /* a paused Macie inventories nothing */
    assert_int_equal(zt_aws_json_status(odd, "ENABLED", "DISABLED", &on), -EBADMSG);
}

static void test_aws_svc_count(void **state)
{
    uint64_t n = 0, hit = 0;
    char next[64];
    _cleanup_json_ struct json_object *vaults = parse(
        "{\"BackupVaultList\":[{\"BackupVaultName\":\"a\",\"Locked\":true},{\"BackupVaultName\":"
        "\"b\",\"Locked\":false},{\"BackupVaultName\":\"c\"}],\"NextToken\":\"v2\"}");
    assert_int_equal(
        zt_aws_json_count(vaults, "BackupVaultList", "Locked", NULL, &n, &hit, next, sizeof(next)),
        0);
    assert_int_equal(n, 3);
    assert_int_equal(hit, 1);
    assert_string_equal(next, "v2");
    _cleanup_json_ struct json_object *rules = parse(
        "{\"AutomationRulesMetadata\":[{\"RuleStatus\":\"ENABLED\"},{\"RuleStatus\":\"DISABLED\"}]"
        ",\"nextToken\":\"lower\"}");
    n = hit = 0;
    assert_int_equal(zt_aws_json_count(rules, "AutomationRulesMetadata", "RuleStatus", "ENABLED",
                                       &n, &hit, next, sizeof(next)),
                     0);
    assert_int_equal(hit, 1);
    assert_string_equal(next, "lower");
    /* the list missing: another document, never "zero" */
    _cleanup_json_ struct json_object *other = parse("{\"Policies\":[]}");
    assert_int_equal(zt_aws_json_count(other, "BackupVaultList", NULL, NULL, &n, NULL, NULL, 0),
                     -EBADMSG);
}

static void test_aws_svc_recorders(void **state)
{
    uint64_t n = 9;
    bool all = true;
    _cleanup_json_ struct json_object *none = parse("{\"ConfigurationRecorders\":[]}");
    assert_int_equal(zt_aws_cfg_recorders(none, &n, &all), 0);
    assert_int_equal(n, 0);
    assert_false(all); /* no recorder records nothing */
    _cleanup_json_ struct json_object *some = parse(
        "{\"ConfigurationRecorders\":[{\"name\":\"d\",\"recordingGroup\":{\"allSupported\":false,"
        "\"resourceTypes\":[\"AWS::S3::Bucket\"]}}]}");
    assert_int_equal(zt_aws_cfg_recorders(some, &n, &all), 0);
    assert_false(all);
    _cleanup_json_ struct json_object *every = parse(
        "{\"ConfigurationRecorders\":[{\"name\":\"d\",\"recordingGroup\":{\"allSupported\":true}},"
        "{\"name\":\"e\"}]}");
    assert_int_equal(zt_aws_cfg_recorders(every, &n, &all), 0);
    assert_int_equal(n, 2);
    assert_true(all);
}

static void test_aws_svc_events(void **state)
{
    assert_true(zt_aws_eb_security_pattern("{\"source\":[\"aws.securityhub\"]}"));
    assert_true(zt_aws_eb_security_pattern("{\"source\":[\"aws.ec2\",\"aws.guardduty\"]}"));
    assert_true(zt_aws_eb_security_pattern("{\"source\":\"aws.macie\"}"));
    assert_false(zt_aws_eb_security_pattern("{\"source\":[\"aws.ec2\"]}"));
    assert_false(zt_aws_eb_security_pattern("{\"detail-type\":[\"aws.securityhub\"]}"));
    assert_false(zt_aws_eb_security_pattern("not json"));
    assert_false(zt_aws_eb_security_pattern(NULL)); /* a scheduled rule has no pattern */
    assert_true(zt_aws_eb_action_target("arn:aws:lambda:us-east-1:1:function:f"));
    assert_true(zt_aws_eb_action_target("arn:aws:ssm:us-east-1:1:automation-definition/x"));
    assert_true(zt_aws_eb_action_target("arn:aws:states:us-east-1:1:stateMachine:s"));
    assert_false(zt_aws_eb_action_target("arn:aws:sns:us-east-1:1:alerts"));
    assert_false(zt_aws_eb_action_target(NULL));
}

static int collect(void *data, const char *id, struct json_object *entry)
{
    strcat(data, id);
    strcat(data, ";");
    return 0;
}

static void test_aws_svc_ids(void **state)
{
    char seen[256] = "", next[64];
    _cleanup_json_ struct json_object *plans =
        parse("{\"BackupPlansList\":[{\"BackupPlanId\":\"p1\"},{\"BackupPlanId\":\"p2\"}]}");
    assert_int_equal(zt_aws_json_ids(plans, "BackupPlansList", "BackupPlanId", collect, seen, next,
                                     sizeof(next)),
                     0);
    assert_string_equal(seen, "p1;p2;");
    assert_string_equal(next, "");
    _cleanup_json_ struct json_object *idless =
        parse("{\"BackupPlansList\":[{\"BackupPlanName\":\"x\"}]}");
    assert_int_equal(zt_aws_json_ids(idless, "BackupPlansList", "BackupPlanId", collect, seen, next,
                                     sizeof(next)),
                     -EBADMSG);
}

#define ELB(members, tail)                                                                         \
    "<DescribeLoadBalancersResponse><DescribeLoadBalancersResult><LoadBalancers>" members          \
    "</LoadBalancers>" tail "</DescribeLoadBalancersResult></DescribeLoadBalancersResponse>"
#define LB(scheme, zones)                                                                          \
    "<member><Scheme>" scheme "</Scheme><AvailabilityZones>" zones "</AvailabilityZones></member>"
#define AZ(z) "<member><ZoneName>" z "</ZoneName></member>"

static void test_aws_svc_elb(void **state)
{
    struct zt_aws_elb_page e;
    char err[256];
    const char *p1 = ELB(LB("internet-facing", AZ("a") AZ("b")) LB("internal", AZ("a"))
                             LB("internet-facing", ""),
                         "<NextMarker>m2</NextMarker>");
    assert_int_equal(zt_aws_elb_read(p1, strlen(p1), &e, err, sizeof(err)), 0);
    assert_int_equal(e.lbs, 3);
    assert_int_equal(e.multi_az, 1);
    assert_int_equal(e.internet_facing, 2);
    assert_string_equal(e.next, "m2");
    const char *other = "<DescribeListenersResponse/>";
    assert_int_equal(zt_aws_elb_read(other, strlen(other), &e, err, sizeof(err)), -EBADMSG);
    assert_true(zt_aws_iac_tag("aws:cloudformation:stack-id"));
    assert_false(zt_aws_iac_tag("aws:cloudformation:stack-name-ish"));
}

static void test_aws_svc_waf(void **state)
{
    bool adaptive = false;
    _cleanup_json_ struct json_object *both =
        parse("{\"WebACL\":{\"Rules\":[{\"Statement\":{\"ManagedRuleGroupStatement\":{\"Name\":"
              "\"x\"}}},{\"Statement\":{\"AndStatement\":{\"Statements\":[{\"RateBasedStatement\":"
              "{\"Limit\":100}}]}}}]}}");
    assert_int_equal(zt_aws_waf_adaptive(both, &adaptive), 0);
    assert_true(adaptive); /* the rate rule nested in an AndStatement counts */
    _cleanup_json_ struct json_object *managed_only =
        parse("{\"WebACL\":{\"Rules\":[{\"Statement\":{\"ManagedRuleGroupStatement\":{}}}]}}");
    assert_int_equal(zt_aws_waf_adaptive(managed_only, &adaptive), 0);
    assert_false(adaptive);
    _cleanup_json_ struct json_object *bad = parse("{\"WebACLs\":[]}");
    assert_int_equal(zt_aws_waf_adaptive(bad, &adaptive), -EBADMSG);
    const char *elb =
        "<DescribeLoadBalancersResponse><DescribeLoadBalancersResult><LoadBalancers>"
        "<member><LoadBalancerArn>arn:alb-pub</LoadBalancerArn><Scheme>internet-facing</Scheme>"
        "<Type>application</Type></member><member><LoadBalancerArn>arn:nlb</LoadBalancerArn>"
        "<Scheme>internet-facing</Scheme><Type>network</Type></member><member><LoadBalancerArn>"
        "arn:alb-int</LoadBalancerArn><Scheme>internal</Scheme><Type>application</Type></member>"
        "</LoadBalancers></DescribeLoadBalancersResult></DescribeLoadBalancersResponse>";
    _cleanup_json_ struct json_object *arns = json_object_new_array();
    assert_int_equal(zt_aws_elb_internet_albs(elb, strlen(elb), arns), 0);
    assert_int_equal(json_object_array_length(arns), 1);
    assert_string_equal(json_object_get_string(json_object_array_get_idx(arns, 0)), "arn:alb-pub");
}

static void test_aws_svc_flow_logs(void **state)
{
    char next[64];
    const char *vpcs = "<DescribeVpcsResponse><vpcSet><item><vpcId>vpc-1</vpcId></item><item>"
                       "<vpcId>vpc-2</vpcId></item></vpcSet><nextToken>t2</nextToken>"
                       "</DescribeVpcsResponse>";
    const char *flows = "<DescribeFlowLogsResponse><flowLogSet><item><resourceId>vpc-1"
                        "</resourceId><flowLogStatus>ACTIVE</flowLogStatus></item><item>"
                        "<flowLogStatus>INACTIVE</flowLogStatus><resourceId>vpc-2</resourceId>"
                        "</item></flowLogSet></DescribeFlowLogsResponse>";
    _cleanup_json_ struct json_object *ids = json_object_new_array();
    assert_int_equal(zt_aws_ec2_ids(vpcs, strlen(vpcs), false, ids, next, sizeof(next)), 0);
    assert_int_equal(json_object_array_length(ids), 2);
    assert_string_equal(next, "t2");
    _cleanup_json_ struct json_object *logged = json_object_new_array();
    assert_int_equal(zt_aws_ec2_ids(flows, strlen(flows), true, logged, next, sizeof(next)), 0);
    assert_int_equal(json_object_array_length(logged), 1); /* the inactive one does not count */
    assert_string_equal(json_object_get_string(json_object_array_get_idx(logged, 0)), "vpc-1");
    assert_string_equal(next, "");
    /* a flow-log answer where VPCs were asked is refused */
    assert_int_equal(zt_aws_ec2_ids(flows, strlen(flows), false, ids, next, sizeof(next)),
                     -EBADMSG);
}

static void test_aws_svc_credential_report(void **state)
{
    uint64_t users = 9, console = 9;
    const char *csv = "user,arn,user_creation_time,password_enabled,mfa_active\r\n"
                      "<root_account>,arn:aws:iam::1:root,t,not_supported,true\r\n"
                      "alice,arn:aws:iam::1:user/alice,t,true,false\r\n"
                      "ci,arn:aws:iam::1:user/ci,t,false,false\r\n";
    assert_int_equal(zt_aws_credential_report(csv, strlen(csv), &users, &console), 0);
    assert_int_equal(users, 2); /* root is not an IAM user */
    assert_int_equal(console, 1);
    const char *no_column = "user,arn\nalice,a\n";
    assert_int_equal(zt_aws_credential_report(no_column, strlen(no_column), &users, &console),
                     -EBADMSG);
    const char *short_row = "user,arn,password_enabled\nalice\n";
    assert_int_equal(zt_aws_credential_report(short_row, strlen(short_row), &users, &console),
                     -EBADMSG);
    /* "user,arn\n" in base64, wrapped as the XML may wrap it */
    const char *xml =
        "<GetCredentialReportResponse><GetCredentialReportResult><Content>dXNl\n"
        "cixhcm4K</Content></GetCredentialReportResult></GetCredentialReportResponse>";
    char *out = NULL;
    size_t n = 0;
    assert_int_equal(zt_aws_credential_report_content(xml, strlen(xml), &out, &n), 0);
    assert_int_equal(n, 9);
    assert_string_equal(out, "user,arn\n");
    free(out);
    const char *other = "<GetAccountSummaryResponse><Content>dXNl</Content>";
    assert_int_equal(zt_aws_credential_report_content(other, strlen(other), &out, &n), -EBADMSG);
}

static void test_aws_svc_analyzers(void **state)
{
    bool ext = false, unused = false;
    char next[32];
    _cleanup_json_ struct json_object *page =
        parse("{\"analyzers\":[{\"type\":\"ACCOUNT_UNUSED_ACCESS\",\"status\":\"CREATING\"},"
              "{\"type\":\"ORGANIZATION\",\"status\":\"ACTIVE\"}],\"nextToken\":\"n2\"}");
    assert_int_equal(zt_aws_aa_analyzers(page, &ext, &unused, next, sizeof(next)), 0);
    assert_true(ext);
    assert_false(unused); /* still being created: not reviewing anything yet */
    assert_string_equal(next, "n2");
    _cleanup_json_ struct json_object *bad = parse("{\"items\":[]}");
    assert_int_equal(zt_aws_aa_analyzers(bad, &ext, &unused, next, sizeof(next)), -EBADMSG);
}

static void test_aws_svc_kms(void **state)
{
    bool r = true;
#define KEY(manager, state, spec, origin)                                                          \
    "{\"KeyMetadata\":{\"KeyId\":\"k\",\"KeyManager\":\"" manager "\",\"KeyState\":\"" state       \
    "\",\"KeySpec\":\"" spec "\",\"Origin\":\"" origin "\"}}"
    static const struct {
        const char *doc;
        bool rotatable;
    } cases[] = {
        {KEY("CUSTOMER", "Enabled", "SYMMETRIC_DEFAULT", "AWS_KMS"), true},
        {KEY("AWS", "Enabled", "SYMMETRIC_DEFAULT", "AWS_KMS"), false}, /* AWS rotates it */
        {KEY("CUSTOMER", "Disabled", "SYMMETRIC_DEFAULT", "AWS_KMS"), false},
        {KEY("CUSTOMER", "Enabled", "RSA_2048", "AWS_KMS"), false},           /* cannot rotate */
        {KEY("CUSTOMER", "Enabled", "SYMMETRIC_DEFAULT", "EXTERNAL"), false}, /* imported */
    };
    for (size_t i = 0; i < ZT_ELEMENTSOF(cases); i++) {
        _cleanup_json_ struct json_object *o = parse(cases[i].doc);
        assert_int_equal(zt_aws_kms_rotatable(o, &r), 0);
        assert_int_equal(r, cases[i].rotatable);
    }
    _cleanup_json_ struct json_object *bad = parse("{\"Keys\":[]}");
    assert_int_equal(zt_aws_kms_rotatable(bad, &r), -EBADMSG);
}

static int on_member(void *data, const char *const v[4])
{
    char *seen = data;
    strcat(seen, v[0]);
    strcat(seen, "=");
    strcat(seen, v[1]);
    strcat(seen, ";");
    return 0;
}

static void test_aws_svc_members(void **state)
{
    static const char *const fields[] = {"StackName", "StackDriftStatus", NULL};
    char seen[256] = "", next[32];
    const char *doc = "<DescribeStacksResponse><DescribeStacksResult><Stacks><member><StackName>a"
                      "</StackName><DriftInformation><StackDriftStatus>DRIFTED</StackDriftStatus>"
                      "</DriftInformation><Tags><member><Key>StackName</Key><Value>x</Value>"
                      "</member></Tags></member><member><StackName>b</StackName></member></Stacks>"
                      "<NextToken>n2</NextToken></DescribeStacksResult></DescribeStacksResponse>";
    assert_int_equal(zt_aws_xml_members(doc, strlen(doc), "DescribeStacksResponse", fields,
                                        on_member, seen, next, sizeof(next)),
                     0);
    /* the nested Tags/member is not a stack of its own; b has no drift status */
    assert_string_equal(seen, "a=DRIFTED;b=;");
    assert_string_equal(next, "n2");
    assert_int_equal(zt_aws_xml_members(doc, strlen(doc), "DescribePoliciesResponse", fields,
                                        on_member, seen, next, sizeof(next)),
                     -EBADMSG);
}

static void test_aws_svc_guardduty_s3(void **state)
{
    _cleanup_json_ struct json_object *on = parse(
        "{\"status\":\"ENABLED\",\"features\":[{\"name\":\"FLOW_LOGS\",\"status\":\"ENABLED\"},"
        "{\"name\":\"S3_DATA_EVENTS\",\"status\":\"ENABLED\"}]}");
    _cleanup_json_ struct json_object *off =
        parse("{\"features\":[{\"name\":\"S3_DATA_EVENTS\",\"status\":\"DISABLED\"}],"
              "\"dataSources\":{\"s3Logs\":{\"status\":\"ENABLED\"}}}");
    _cleanup_json_ struct json_object *old =
        parse("{\"dataSources\":{\"s3Logs\":{\"status\":\"ENABLED\"}}}");
    _cleanup_json_ struct json_object *none = parse("{\"status\":\"ENABLED\"}");
    assert_true(zt_aws_gd_s3_protection(on));
    assert_false(zt_aws_gd_s3_protection(off)); /* features win over the older dataSources */
    assert_true(zt_aws_gd_s3_protection(old));
    assert_false(zt_aws_gd_s3_protection(none));
}

/* Every operation has a description: a missing row would be a NULL at the first call. */
static void test_aws_svc_api_table(void **state)
{
    for (int a = 0; a < _ZT_AWS_API_MAX; a++) {
        const struct zt_aws_api_desc *d = zt_aws_api_desc(a);
        if (!d || !d->service || !d->op) {
            fail_msg("operation %d has no description", a);
        }
        if ((d->proto == ZT_AWS_JSON10 || d->proto == ZT_AWS_JSON11) && !d->target) {
            fail_msg("%s: a JSON-protocol operation needs its X-Amz-Target prefix", d->op);
        }
    }
    assert_null(zt_aws_api_desc(_ZT_AWS_API_MAX));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_aws_svc_status),    cmocka_unit_test(test_aws_svc_count),
        cmocka_unit_test(test_aws_svc_recorders), cmocka_unit_test(test_aws_svc_events),
        cmocka_unit_test(test_aws_svc_ids),       cmocka_unit_test(test_aws_svc_elb),
        cmocka_unit_test(test_aws_svc_api_table), cmocka_unit_test(test_aws_svc_waf),
        cmocka_unit_test(test_aws_svc_flow_logs), cmocka_unit_test(test_aws_svc_credential_report),
        cmocka_unit_test(test_aws_svc_analyzers), cmocka_unit_test(test_aws_svc_kms),
        cmocka_unit_test(test_aws_svc_members),   cmocka_unit_test(test_aws_svc_guardduty_s3),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
