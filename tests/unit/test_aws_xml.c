/* test_aws_xml.c - the aws collector's XML readers on hand-written documents: security-group
 * traps (all protocols, port ranges, ::/0 only, 443, group references), paging, the small
 * documents, error bodies, and malformed input. */
#include "zt_test.h"

#include "aws/aws_xml.h"

#define NS "xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\""

/* One group with one ingress permission. */
#define GROUP(id, perm)                                                                            \
    "<item><ownerId>123456789012</ownerId><groupId>" id "</groupId><groupName>n</groupName>"       \
    "<ipPermissions>" perm "</ipPermissions><ipPermissionsEgress><item><ipProtocol>-1"             \
    "</ipProtocol><ipRanges><item><cidrIp>0.0.0.0/0</cidrIp></item></ipRanges></item>"             \
    "</ipPermissionsEgress><tagSet/></item>"
#define PERM(proto, ports, ranges)                                                                 \
    "<item><ipProtocol>" proto "</ipProtocol>" ports "<groups/>" ranges "<prefixListIds/></item>"
#define PORTS(a, b) "<fromPort>" #a "</fromPort><toPort>" #b "</toPort>"
#define V4(c)       "<ipRanges><item><cidrIp>" c "</cidrIp><description>d</description></item></ipRanges>"
#define V6(c)       "<ipv6Ranges><item><cidrIpv6>" c "</cidrIpv6></item></ipv6Ranges>"
#define PAGE(groups, tail)                                                                         \
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DescribeSecurityGroupsResponse " NS ">"          \
    "<requestId>r-1</requestId><securityGroupInfo>" groups "</securityGroupInfo>" tail             \
    "</DescribeSecurityGroupsResponse>"

static void scan(struct zt_aws_sg_scan *s, const char *doc)
{
    char err[256] = "";
    int r = zt_aws_sg_page(s, doc, strlen(doc), err, sizeof(err));
    if (r < 0) {
        fail_msg("page refused: %s", err);
    }
}

static void test_aws_xml_sg_traps(void **state)
{
    _cleanup_free_ struct zt_aws_sg_scan *s = zt_xcalloc(1, sizeof(*s));
    const char *open = PAGE(
        GROUP("sg-all", PERM("-1", "", V4("0.0.0.0/0")))
            GROUP("sg-full-range", PERM("tcp", PORTS(0, 65535), V4("10.0.0.0/8") V4("0.0.0.0/0")))
                GROUP("sg-20-25", PERM("tcp", PORTS(20, 25), V4("0.0.0.0/0")))
                    GROUP("sg-v6-rdp", PERM("tcp", PORTS(3389, 3389), V4("10.0.0.0/8") V6("::/0")))
                        GROUP("sg-six", PERM("6", PORTS(5432, 5432), V4("0.0.0.0/0"))),
        "<nextToken>2</nextToken>");
    const char *closed = PAGE(
        GROUP("sg-https", PERM("tcp", PORTS(443, 443), V4("0.0.0.0/0") V6("::/0"))) GROUP(
            "sg-ref",
            "<item><ipProtocol>tcp</ipProtocol>" PORTS(
                22, 22) "<groups><item><userId>123456789012</userId><groupId>sg-other</groupId>"
                        "</item></groups><ipRanges/></item>") GROUP("sg-private",
                                                                    PERM("-1", "",
                                                                         V4("10.0.0.0/8")
                                                                             V6("fd00::/8")))
            GROUP("sg-udp", PERM("udp", PORTS(0, 65535), V4("0.0.0.0/0"))) GROUP(
                "sg-near",
                PERM("tcp", PORTS(23, 23), V4("192.0.2.0/24")) PERM(
                    "tcp", PORTS(8443, 8443),
                    V4("0.0.0.0/0"))) "<item><groupId>sg-empty</groupId><ipPermissions/></item>",
        "");

    zt_aws_sg_scan_init(s);
    scan(s, open);
    assert_string_equal(s->next_token, "2");
    scan(s, closed);
    assert_int_equal(s->groups, 11);
    assert_int_equal(s->open_admin, 5);
    assert_int_equal(s->open_all, 2);
    assert_int_equal(s->n_offenders, 5);
    assert_string_equal(s->offenders[0], "sg-all all ports");
    assert_string_equal(s->offenders[1], "sg-full-range all ports");
    assert_string_equal(s->offenders[2], "sg-20-25 tcp/20");
    assert_string_equal(s->offenders[3], "sg-v6-rdp tcp/3389");
    assert_string_equal(s->offenders[4], "sg-six tcp/5432");
    assert_string_equal(s->next_token, "");
    assert_int_equal(s->pages, 2);
}

/* 20-25 covers 22 even without 20/21 in the list: a range covering one admin port counts. */
static void test_aws_xml_sg_range_covers_ssh(void **state)
{
    _cleanup_free_ struct zt_aws_sg_scan *s = zt_xcalloc(1, sizeof(*s));
    zt_aws_sg_scan_init(s);
    scan(s, PAGE(GROUP("sg-a", PERM("tcp", PORTS(22, 25), V4("0.0.0.0/0")))
                     GROUP("sg-b", PERM("tcp", PORTS(24, 25), V4("0.0.0.0/0"))),
                 ""));
    assert_int_equal(s->open_admin, 1);
    assert_string_equal(s->offenders[0], "sg-a tcp/22");
}

static void test_aws_xml_sg_paging(void **state)
{
    _cleanup_free_ struct zt_aws_sg_scan *s = zt_xcalloc(1, sizeof(*s));

    zt_aws_sg_scan_init(s);
    scan(s, PAGE(GROUP("sg-1", PERM("tcp", PORTS(22, 22), V4("0.0.0.0/0"))),
                 "<nextToken>tok+/=2</nextToken>"));
    assert_string_equal(s->next_token, "tok+/=2");
    scan(s, PAGE(GROUP("sg-2", PERM("tcp", PORTS(443, 443), V4("0.0.0.0/0"))), "<nextToken/>"));
    assert_string_equal(s->next_token, "");
    assert_int_equal(s->groups, 2);
    assert_int_equal(s->open_admin, 1);
    assert_int_equal(s->pages, 2);
}

static void refused(const char *doc, const char *why)
{
    _cleanup_free_ struct zt_aws_sg_scan *s = zt_xcalloc(1, sizeof(*s));
    char err[256] = "";

    zt_aws_sg_scan_init(s);
    assert_int_equal(zt_aws_sg_page(s, doc, strlen(doc), err, sizeof(err)), -EBADMSG);
    if (!strstr(err, why)) {
        fail_msg("error '%s' does not say '%s'", err, why);
    }
}

static void test_aws_xml_malformed(void **state)
{
    refused("<DescribeSecurityGroupsResponse><securityGroupInfo><item></securityGroupInfo>",
            "malformed XML: line 1");
    refused("<DescribeSecurityGroupsResponse><securityGroupInfo>", "malformed XML");
    refused("", "malformed XML");
    refused("{\"SecurityGroups\":[]}", "malformed XML");
    refused("<Response><Errors><Error><Code>AuthFailure</Code></Error></Errors></Response>",
            "expected a <DescribeSecurityGroupsResponse>");
    refused(PAGE(GROUP("sg-x", PERM("tcp", PORTS(ssh, 22), V4("0.0.0.0/0"))), ""), "port number");
    refused("<!DOCTYPE d [<!ENTITY x \"y\">]><DescribeSecurityGroupsResponse>&x;"
            "</DescribeSecurityGroupsResponse>",
            "not accepted");
    /* nesting bound */
    char deep[2048] = "<DescribeSecurityGroupsResponse>";
    for (int i = 0; i < 30; i++) {
        strcat(deep, "<a>");
    }
    refused(deep, "nested deeper");
}

static void test_aws_xml_cidr(void **state)
{
    assert_true(zt_aws_cidr_is_world("0.0.0.0/0"));
    assert_true(zt_aws_cidr_is_world("::/0"));
    assert_false(zt_aws_cidr_is_world("0.0.0.0/1"));
    assert_false(zt_aws_cidr_is_world("10.0.0.0/8"));
    assert_false(zt_aws_cidr_is_world("0.0.0.0"));
    assert_false(zt_aws_cidr_is_world("/0"));
    assert_false(zt_aws_cidr_is_world(NULL));
}

static void test_aws_xml_small_documents(void **state)
{
    const char *iam =
        "<GetAccountSummaryResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">"
        "<GetAccountSummaryResult><SummaryMap>"
        "<entry><key>Users</key><value>27</value></entry>"
        "<entry><key>AccountMFAEnabled</key><value>0</value></entry>"
        "<entry><key>AccountAccessKeysPresent</key><value>1</value></entry>"
        "</SummaryMap></GetAccountSummaryResult><ResponseMetadata><RequestId>x</RequestId>"
        "</ResponseMetadata></GetAccountSummaryResponse>";
    const char *sts = "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::"
                      "123456789012:user/z</Arn><UserId>AIDA</UserId><Account>123456789012"
                      "</Account></GetCallerIdentityResult></GetCallerIdentityResponse>";
    const char *ebs = "<GetEbsEncryptionByDefaultResponse " NS "><requestId>r</requestId>"
                      "<ebsEncryptionByDefault>true</ebsEncryptionByDefault>"
                      "</GetEbsEncryptionByDefaultResponse>";
    const char *pab = "<PublicAccessBlockConfiguration><BlockPublicAcls>true</BlockPublicAcls>"
                      "<IgnorePublicAcls>true</IgnorePublicAcls><BlockPublicPolicy>false"
                      "</BlockPublicPolicy><RestrictPublicBuckets>true</RestrictPublicBuckets>"
                      "</PublicAccessBlockConfiguration>";
    char err[256], account[16];
    bool b = true, flags[4];
    int keys = -1;

    assert_int_equal(zt_aws_iam_summary(iam, strlen(iam), &b, &keys, err, sizeof(err)), 0);
    assert_false(b);
    assert_int_equal(keys, 1);
    assert_int_equal(zt_aws_iam_summary(ebs, strlen(ebs), &b, &keys, err, sizeof(err)), -EBADMSG);
    const char *nomfa = "<GetAccountSummaryResponse><GetAccountSummaryResult><SummaryMap>"
                        "</SummaryMap></GetAccountSummaryResult></GetAccountSummaryResponse>";
    assert_int_equal(zt_aws_iam_summary(nomfa, strlen(nomfa), &b, &keys, err, sizeof(err)),
                     -ENOENT);
    assert_int_equal(zt_aws_sts_account(sts, strlen(sts), account, sizeof(account), err, 256), 0);
    assert_string_equal(account, "123456789012");
    assert_int_equal(zt_aws_ebs_default(ebs, strlen(ebs), &b, err, sizeof(err)), 0);
    assert_true(b);
    assert_int_equal(zt_aws_s3_pab(pab, strlen(pab), flags, err, sizeof(err)), 0);
    assert_true(flags[0] && flags[1] && !flags[2] && flags[3]);
    const char *badbool = "<GetEbsEncryptionByDefaultResponse><ebsEncryptionByDefault>yes"
                          "</ebsEncryptionByDefault></GetEbsEncryptionByDefaultResponse>";
    assert_int_equal(zt_aws_ebs_default(badbool, strlen(badbool), &b, err, sizeof(err)), -EBADMSG);
}

static void test_aws_xml_errors(void **state)
{
    struct zt_aws_error e;
    const char *ec2 = "<?xml version=\"1.0\"?><Response><Errors><Error><Code>UnauthorizedOperation"
                      "</Code><Message>You are not authorized</Message></Error></Errors>"
                      "<RequestID>x</RequestID></Response>";
    const char *iam = "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>"
                      "Rate exceeded</Message></Error></ErrorResponse>";
    const char *json = "{\"__type\":\"com.amazonaws.cloudtrail#AccessDeniedException\","
                       "\"message\":\"no\"}";
    const char *gd = "{\"message\":\"x\",\"__type\":\"ThrottlingException:http://internal\"}";

    assert_int_equal(zt_aws_error_parse(ec2, strlen(ec2), &e), 0);
    assert_string_equal(e.code, "UnauthorizedOperation");
    assert_string_equal(e.message, "You are not authorized");
    assert_true(zt_aws_error_is_denied(e.code));
    assert_int_equal(zt_aws_error_parse(iam, strlen(iam), &e), 0);
    assert_true(zt_aws_error_is_throttling(e.code));
    assert_int_equal(zt_aws_error_parse(json, strlen(json), &e), 0);
    assert_string_equal(e.code, "AccessDeniedException");
    assert_true(zt_aws_error_is_denied(e.code));
    assert_int_equal(zt_aws_error_parse(gd, strlen(gd), &e), 0);
    assert_string_equal(e.code, "ThrottlingException");
    assert_int_equal(zt_aws_error_parse("<html>bad gateway", 17, &e), -ENOENT);
    assert_int_equal(zt_aws_error_parse("", 0, &e), -ENOENT);
    assert_false(zt_aws_error_is_throttling("AuthFailure"));
    assert_false(zt_aws_error_is_denied("ExpiredToken"));
    assert_true(zt_aws_error_is_credentials("ExpiredToken"));
    assert_true(zt_aws_error_is_credentials("SignatureDoesNotMatch"));
    assert_false(zt_aws_error_is_credentials("UnauthorizedOperation"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_aws_xml_sg_traps),
        cmocka_unit_test(test_aws_xml_sg_range_covers_ssh),
        cmocka_unit_test(test_aws_xml_sg_paging),
        cmocka_unit_test(test_aws_xml_malformed),
        cmocka_unit_test(test_aws_xml_cidr),
        cmocka_unit_test(test_aws_xml_small_documents),
        cmocka_unit_test(test_aws_xml_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
