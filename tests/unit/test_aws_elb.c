/* test_aws_elb.c - ELBv2 listeners on strings: a DescribeLoadBalancers page's load balancers
 * and schemes, a DescribeListeners page read listener by listener (protocol, port, policy, a
 * default redirect and its protocol, NextMarker), what encrypts, which policies accept nothing
 * below TLS 1.2, and foreign or malformed documents. */
#include "zt_test.h"

#include "aws/aws_call.h"

#define LST_DOC(members, tail)                                                                     \
    "<DescribeListenersResponse xmlns=\"http://elasticloadbalancing.amazonaws.com/doc/"            \
    "2015-12-01/\"><DescribeListenersResult><Listeners>" members "</Listeners>" tail               \
    "</DescribeListenersResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>"      \
    "</DescribeListenersResponse>"
#define LST(arn, proto, port, extra)                                                               \
    "<member><ListenerArn>" arn "</ListenerArn><Port>" port "</Port><Protocol>" proto              \
    "</Protocol>" extra "</member>"
#define ACTION(type, redirect) "<member><Type>" type "</Type>" redirect "</member>"
#define REDIRECT(proto)                                                                            \
    "<RedirectConfig><Protocol>" proto "</Protocol><Port>443</Port><StatusCode>HTTP_301"           \
    "</StatusCode></RedirectConfig>"

struct seen {
    struct zt_aws_listener l[8];
    size_t n;
};

static int collect(void *data, const struct zt_aws_listener *l)
{
    struct seen *s = data;
    assert_true(s->n < 8);
    s->l[s->n++] = *l;
    return 0;
}

static void test_aws_elb_listeners_read(void **state)
{
    struct seen s = {0};
    char next[64], err[256];
    /* an HTTP listener whose second default action redirects to HTTPS (after authenticate),
     * one forwarding in clear, one redirecting to #{protocol}, HTTPS and TLS with policies */
    const char *doc = LST_DOC(
        LST("arn:l1", "HTTP", "80",
            "<DefaultActions>" ACTION("authenticate-oidc", "")
                ACTION("redirect", REDIRECT("HTTPS")) "</DefaultActions>")
            LST("arn:l2", "HTTP", "8080",
                "<DefaultActions>" ACTION("forward", "") "</DefaultActions>")
                LST("arn:l3", "HTTP", "81",
                    "<DefaultActions>" ACTION("redirect",
                                              REDIRECT("#{protocol}")) "</DefaultActions>")
                    LST("arn:l4", "HTTPS", "443",
                        "<SslPolicy>ELBSecurityPolicy-2016-08</SslPolicy><DefaultActions>" ACTION(
                            "forward", "") "</DefaultActions>")
                        LST("arn:l5", "TLS", "8443",
                            "<SslPolicy>ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09</SslPolicy>")
                            LST("arn:l6", "TCP", "443", ""),
        "<NextMarker>lsm2</NextMarker>");
    assert_int_equal(
        zt_aws_elb_listeners(doc, strlen(doc), collect, &s, next, sizeof(next), err, sizeof(err)),
        0);
    assert_int_equal(s.n, 6);
    assert_string_equal(next, "lsm2");
    assert_string_equal(s.l[0].arn, "arn:l1");
    assert_int_equal(s.l[0].port, 80);
    assert_true(s.l[0].redirects_https);
    assert_true(zt_aws_listener_encrypts(&s.l[0]));
    assert_false(zt_aws_listener_tls(&s.l[0]));
    assert_false(s.l[1].redirects_https); /* the redirect of l1 did not leak into l2 */
    assert_false(zt_aws_listener_encrypts(&s.l[1]));
    assert_false(zt_aws_listener_encrypts(&s.l[2])); /* #{protocol}: HTTP stays HTTP */
    assert_true(zt_aws_listener_tls(&s.l[3]));
    assert_string_equal(s.l[3].ssl_policy, "ELBSecurityPolicy-2016-08");
    assert_false(zt_aws_tls_policy_modern(s.l[3].ssl_policy));
    assert_true(zt_aws_listener_encrypts(&s.l[4]));
    assert_true(zt_aws_tls_policy_modern(s.l[4].ssl_policy));
    assert_string_equal(s.l[5].protocol, "TCP");
    assert_false(zt_aws_listener_encrypts(&s.l[5])); /* passthrough: not shown encrypted */
    assert_string_equal(s.l[5].ssl_policy, "");

    /* the last page: no marker; an empty page; another document; a broken one */
    s.n = 0;
    const char *last = LST_DOC("", "");
    assert_int_equal(
        zt_aws_elb_listeners(last, strlen(last), collect, &s, next, sizeof(next), err, sizeof(err)),
        0);
    assert_int_equal(s.n, 0);
    assert_string_equal(next, "");
    const char *other = "<DescribeLoadBalancersResponse/>";
    assert_int_equal(zt_aws_elb_listeners(other, strlen(other), collect, &s, next, sizeof(next),
                                          err, sizeof(err)),
                     -EBADMSG);
    assert_non_null(strstr(err, "DescribeListenersResponse"));
    assert_int_equal(
        zt_aws_elb_listeners("<Describe", 9, collect, &s, next, sizeof(next), err, sizeof(err)),
        -EBADMSG);
}

static void test_aws_elb_policies(void **state)
{
    static const char *const modern[] = {
        "ELBSecurityPolicy-TLS13-1-2-2021-06",      "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
        "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06", "ELBSecurityPolicy-TLS13-1-3-2021-06",
        "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04", "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
        "ELBSecurityPolicy-TLS-1-2-2017-01",        "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
        "ELBSecurityPolicy-FS-1-2-Res-2020-10",     "ELBSecurityPolicy-FS-1-2-2019-08",
    };
    static const char *const legacy[] = {
        "ELBSecurityPolicy-2016-08",
        "ELBSecurityPolicy-2015-05",
        "ELBSecurityPolicy-TLS-1-0-2015-04",
        "ELBSecurityPolicy-TLS-1-1-2017-01",
        "ELBSecurityPolicy-FS-2018-06",
        "ELBSecurityPolicy-FS-1-1-2019-08",
        "ELBSecurityPolicy-TLS13-1-0-2021-06",
        "ELBSecurityPolicy-TLS13-1-1-2021-06",
        "ELBSecurityPolicy-TLS13-1-0-FIPS-2023-04",
        "my-custom-policy",
        "",
    };
    for (size_t i = 0; i < ZT_ELEMENTSOF(modern); i++) {
        assert_true(zt_aws_tls_policy_modern(modern[i]));
    }
    for (size_t i = 0; i < ZT_ELEMENTSOF(legacy); i++) {
        assert_false(zt_aws_tls_policy_modern(legacy[i]));
    }
    assert_false(zt_aws_tls_policy_modern(NULL));
}

static int count_lb(void *data, const char *arn, bool internet)
{
    char *out = data;
    size_t n = strlen(out);
    snprintf(out + n, 512 - n, "%s%s;", arn, internet ? "+" : "-");
    return 0;
}

static void test_aws_elb_lbs(void **state)
{
    /* a 32-character name makes an ARN longer than ZT_AWS_ID_MAX: kept whole */
    const char *doc =
        "<DescribeLoadBalancersResponse><DescribeLoadBalancersResult><LoadBalancers><member>"
        "<LoadBalancerArn>arn:aws:elasticloadbalancing:ap-southeast-2:123456789012:loadbalancer/"
        "app/a-very-long-load-balancer-name32/50dc6c495c0c9188</LoadBalancerArn><Scheme>"
        "internet-facing</Scheme><AvailabilityZones><member><ZoneName>a</ZoneName></member>"
        "</AvailabilityZones></member><member><LoadBalancerArn>arn:int</LoadBalancerArn><Scheme>"
        "internal</Scheme></member><member><Scheme>internet-facing</Scheme></member>"
        "</LoadBalancers></DescribeLoadBalancersResult></DescribeLoadBalancersResponse>";
    char out[512] = "";
    assert_int_equal(zt_aws_elb_lbs(doc, strlen(doc), count_lb, out), 0);
    assert_string_equal(out, "arn:aws:elasticloadbalancing:ap-southeast-2:123456789012:"
                             "loadbalancer/app/a-very-long-load-balancer-name32/"
                             "50dc6c495c0c9188+;arn:int-;"); /* the one without an ARN skipped */
    const char *other = "<DescribeListenersResponse/>";
    assert_int_equal(zt_aws_elb_lbs(other, strlen(other), count_lb, out), -EBADMSG);
}

static double share_of(struct zt_ctx *ctx, const char *key)
{
    struct json_object *v = zt_test_value(ctx, key);
    assert_non_null(v);
    return json_object_get_double(v);
}

/* The account's keys over regions: none without load balancers (counts 0, shares 1), sums over
 * regions, and nothing while one region's listeners are unknown. */
static void test_aws_elb_emit(void **state)
{
    static struct zt_aws_run run; /* large: kept off the stack */
    run = (struct zt_aws_run){.ctx = zt_ctx_new("a", 0), .n_regions = 2};
    run.regions[0].name = "us-east-1";
    run.regions[1].name = "eu-west-1";
    for (int i = 0; i < 2; i++) {
        run.acct.regions[i].elb.started = run.acct.regions[i].listeners.started = true;
    }
    assert_int_equal(zt_aws_elb_emit(&run), 6);
    assert_evidence_int(run.ctx, "aws.elb.internet_listeners", 0);
    assert_evidence_int(run.ctx, "aws.elb.tls_listeners", 0);
    assert_true(share_of(run.ctx, "aws.elb.internet_listener_encryption_share") == 1.0);
    assert_true(share_of(run.ctx, "aws.elb.tls_modern_policy_share") == 1.0);
    zt_ctx_free(run.ctx);

    run.ctx = zt_ctx_new("a", 0);
    run.acct.regions[0].lst_internet = 3;
    run.acct.regions[0].lst_internet_enc = 2;
    run.acct.regions[1].lst_internet = 1;
    run.acct.regions[1].lst_internet_enc = 1;
    run.acct.regions[1].lst_tls = 4;
    run.acct.regions[1].lst_tls_modern = 1;
    assert_int_equal(zt_aws_elb_emit(&run), 6);
    assert_evidence_int(run.ctx, "aws.elb.internet_listeners", 4);
    assert_evidence_int(run.ctx, "aws.elb.internet_listeners_encrypted", 3);
    assert_true(share_of(run.ctx, "aws.elb.internet_listener_encryption_share") == 0.75);
    assert_true(share_of(run.ctx, "aws.elb.tls_modern_policy_share") == 0.25);
    zt_ctx_free(run.ctx);

    /* a denied DescribeListeners in one region: every listener key unknown */
    run.ctx = zt_ctx_new("a", 0);
    run.acct.regions[1].listeners.failed = true;
    assert_int_equal(zt_aws_elb_emit(&run), 0);
    assert_evidence_absent(run.ctx, "aws.elb.internet_listener_encryption_share");
    run.acct.regions[1].listeners.failed = false;
    run.acct.regions[1].listeners.pending = 1; /* one still unanswered: the same */
    assert_int_equal(zt_aws_elb_emit(&run), 0);
    run.acct.regions[1].listeners.pending = 0;
    run.acct.regions[0].listeners.started = false; /* its load balancers never answered */
    assert_int_equal(zt_aws_elb_emit(&run), 0);
    assert_evidence_absent(run.ctx, "aws.elb.tls_listeners");
    zt_ctx_free(run.ctx);
}

/* A load balancer deleted between DescribeLoadBalancers and its DescribeListeners has no
 * listeners (evidence); a denial stays a denial. */
static void test_aws_elb_gone(void **state)
{
    struct zt_aws_call c = {.api = ZT_AWS_ELB_LISTENERS};
    struct zt_aws_error gone = {.code = "LoadBalancerNotFound"}, denied = {.code = "AccessDenied"};
    assert_true(zt_aws_svc_not_enabled(&c, &gone));
    assert_false(zt_aws_svc_not_enabled(&c, &denied));
    c.api = ZT_AWS_ELB_LBS; /* the list itself never answers that */
    assert_false(zt_aws_svc_not_enabled(&c, &gone));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_aws_elb_listeners_read),
        cmocka_unit_test(test_aws_elb_policies),
        cmocka_unit_test(test_aws_elb_lbs),
        cmocka_unit_test(test_aws_elb_emit),
        cmocka_unit_test(test_aws_elb_gone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
