/* test_aws_derive.c - the aws collector's option checks, its JSON derivations (CloudTrail,
 * GuardDuty) and how per-region facts combine into evidence (false wins, unknown stays out). */
#include "zt_test.h"

#include "aws/aws.h"

static struct json_object *parse(const char *s)
{
    struct json_object *o = NULL;
    char err[160];
    assert_int_equal(zt_json_parse(s, strlen(s), 16, &o, err, sizeof(err)), 0);
    return o;
}

static void check_refused(const char *const *kv, const char *why)
{
    struct zt_instance *inst = NULL;
    char err[512] = "";
    int r = 0;

    assert_int_equal(zt_instance_new(&zt_collector_aws, "a", &inst, err, sizeof(err)), 0);
    for (size_t i = 0; kv[i] && r == 0; i += 2) {
        r = zt_instance_set(inst, kv[i], kv[i + 1], err, sizeof(err));
    }
    if (r == 0) {
        r = zt_instance_check(inst, err, sizeof(err));
    }
    assert_int_equal(r, -EINVAL);
    if (!strstr(err, why)) {
        fail_msg("'%s' does not say '%s'", err, why);
    }
    zt_instance_free(inst);
}

static void test_aws_options(void **state)
{
    const char *bad_key[] = {"access_key_id", "test/x", "secret_access_key_file", "/s", NULL};
    const char *secret_alone[] = {"secret_access_key_file", "/s", NULL};
    const char *no_secret[] = {"access_key_id", "AKIAIOSFODNN7EXAMPLE", NULL};
    const char *two_secrets[] = {"access_key_id",
                                 "AKIAIOSFODNN7EXAMPLE",
                                 "secret_access_key_file",
                                 "/s",
                                 "secret_access_key_credential",
                                 "c",
                                 NULL};
    const char *two_tokens[] = {"access_key_id",
                                "AKIAIOSFODNN7EXAMPLE",
                                "secret_access_key_file",
                                "/s",
                                "session_token_file",
                                "/t",
                                "session_token_credential",
                                "t",
                                NULL};
    const char *bad_region[] = {
        "access_key_id",
        "AKIAIOSFODNN7EXAMPLE",
        "secret_access_key_file",
        "/s",
        "regions",
        "EU_WEST", /* after the default us-east-1 (the test helper appends) */
        NULL};
    const char *dup_region[] = {"access_key_id",
                                "AKIAIOSFODNN7EXAMPLE",
                                "secret_access_key_file",
                                "/s",
                                "regions",
                                "eu-west-1 eu-west-1",
                                NULL};
    const char *page[] = {"access_key_id",
                          "AKIAIOSFODNN7EXAMPLE",
                          "secret_access_key_file",
                          "/s",
                          "page_size",
                          "1001",
                          NULL};
    const char *http[] = {"access_key_id",
                          "AKIAIOSFODNN7EXAMPLE",
                          "secret_access_key_file",
                          "/s",
                          "endpoint_url",
                          "http://localhost:4566",
                          NULL};

    check_refused(bad_key, "'access_key_id'");
    check_refused(secret_alone, "need 'access_key_id'");
    check_refused(no_secret, "exactly one of 'secret_access_key_file'");
    check_refused(two_secrets, "exactly one of 'secret_access_key_file'");
    check_refused(two_tokens, "at most one of 'session_token_file'");
    check_refused(bad_region, "EU_WEST");
    check_refused(dup_region, "twice");
    check_refused(page, "'page_size' must be between 5 and 1000, got '1001'");
    check_refused(http, "https");
}

static void check_accepted(const char *const *kv)
{
    struct zt_instance *inst = NULL;
    char err[512] = "";

    assert_int_equal(zt_instance_new(&zt_collector_aws, "a", &inst, err, sizeof(err)), 0);
    for (size_t i = 0; kv[i]; i += 2) {
        assert_int_equal(zt_instance_set(inst, kv[i], kv[i + 1], err, sizeof(err)), 0);
    }
    if (zt_instance_check(inst, err, sizeof(err)) != 0) {
        fail_msg("refused: %s", err);
    }
    zt_instance_free(inst);
}

/* Emulators' keys (LocalStack's "test") are accepted; a shape AWS does not issue is described
 * (for a warning at run time) without the key; no key at all is the credential chain. */
static void test_aws_key_ids(void **state)
{
    const char *emulator[] = {
        "access_key_id",          "test", "secret_access_key_file", "/s", "endpoint_url",
        "https://localhost:4566", NULL};
    const char *odd[] = {"access_key_id", "akia-lower", "secret_access_key_file", "/s", NULL};
    const char *chain[] = {"regions", "eu-west-1", NULL};
    const char *role[] = {"role_arn",
                          "arn:aws:iam::123456789012:role/zt-reader",
                          "external_id",
                          "zt-ext-42",
                          "role_session_name",
                          "zt-audit",
                          NULL};
    const char *not_role[] = {"role_arn", "arn:aws:iam::123456789012:user/bob", NULL};
    const char *source[] = {"credential_source", "web-identity", NULL};
    const char *bad_source[] = {"credential_source", "sso", NULL};
    const char *source_and_key[] = {
        "credential_source", "imds", "access_key_id", "test", "secret_access_key_file", "/s", NULL};
    const char *ext_alone[] = {"external_id", "zt-ext-42", NULL};
    const char *bad_name[] = {"role_arn", "arn:aws:iam::123456789012:role/r", "role_session_name",
                              "has space", NULL};
    /* the classification tag key goes into a Config query's string literal: no quote */
    const char *tag[] = {"classification_tag", "corp:data class", NULL};
    const char *bad_tag[] = {"classification_tag", "x' OR '1'='1", NULL};
    char shape[96];

    check_accepted(emulator);
    check_accepted(odd);
    check_accepted(chain);
    check_accepted(role);
    check_accepted(source);
    check_refused(bad_source, "'credential_source' must be one of");
    check_refused(source_and_key, "without 'access_key_id'");
    check_refused(not_role, "'role_arn'");
    check_refused(ext_alone, "'external_id' needs 'role_arn'");
    check_refused(bad_name, "'role_session_name'");
    check_accepted(tag);
    check_refused(bad_tag, "'classification_tag'");
    assert_false(zt_aws_key_shape("test", shape, sizeof(shape)));
    assert_string_equal(shape, "4 characters, not only capital letters and digits");
    assert_false(zt_aws_key_shape("XKIAIOSFODNN7EXAMPLE", shape, sizeof(shape)));
    assert_string_equal(shape, "20 characters, a prefix other than AKIA or ASIA");
    assert_false(zt_aws_key_shape("AKIA12", shape, sizeof(shape)));
    assert_string_equal(shape, "6 characters, AKIA (long-term)");
    assert_true(zt_aws_key_shape("AKIAIOSFODNN7EXAMPLE", shape, sizeof(shape)));
    assert_true(zt_aws_key_shape("ASIAZTMMDFIXTURE0001", shape, sizeof(shape)));
    assert_string_equal(shape, "20 characters, ASIA (temporary)");
}

static void test_aws_cloudtrail(void **state)
{
    char arns[4][ZT_AWS_ID_MAX * 2];
    size_t n = 9;
    bool b = false;
    struct json_object *o = parse(
        "{\"trailList\":[{\"Name\":\"a\",\"IsMultiRegionTrail\":false,\"TrailARN\":\"arn:a\"},"
        "{\"Name\":\"b\",\"IsMultiRegionTrail\":true,\"TrailARN\":\"arn:b\"},"
        "{\"Name\":\"c\",\"IsMultiRegionTrail\":\"true\"},{\"Name\":\"d\",\"IsMultiRegionTrail\":"
        "true}]}");

    assert_int_equal(zt_aws_ct_multi_region(o, arns, 4, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(arns[0], "arn:b");
    assert_string_equal(arns[1], "d"); /* no ARN: the name */
    json_object_put(o);
    o = parse("{\"TrailList\":[]}");
    assert_int_equal(zt_aws_ct_multi_region(o, arns, 4, &n), -EBADMSG);
    json_object_put(o);
    o = parse("{\"IsLogging\":true}");
    assert_int_equal(zt_aws_ct_is_logging(o, &b), 0);
    assert_true(b);
    json_object_put(o);
    o = parse("{\"IsLogging\":\"yes\"}");
    assert_int_equal(zt_aws_ct_is_logging(o, &b), -EBADMSG);
    json_object_put(o);
    assert_int_equal(zt_aws_ct_is_logging(NULL, &b), -EBADMSG);
}

static void test_aws_guardduty(void **state)
{
    char ids[2][ZT_AWS_ID_MAX], next[64];
    size_t n = 0;
    bool b = true;
    struct json_object *o = parse("{\"detectorIds\":[\"d1\",\"d2\"],\"nextToken\":\"p2\"}");

    assert_int_equal(zt_aws_gd_detectors(o, ids, 2, &n, next, sizeof(next)), 0);
    assert_int_equal(n, 2);
    assert_string_equal(ids[1], "d2");
    assert_string_equal(next, "p2");
    json_object_put(o);
    /* The last page: no token, null or "". */
    static const char *const last[] = {"{\"detectorIds\":[\"d1\"]}",
                                       "{\"detectorIds\":[],\"nextToken\":null}",
                                       "{\"detectorIds\":[\"d1\"],\"nextToken\":\"\"}"};
    for (size_t i = 0; i < ZT_ELEMENTSOF(last); i++) {
        o = parse(last[i]);
        assert_int_equal(zt_aws_gd_detectors(o, ids, 2, &n, next, sizeof(next)), 0);
        assert_string_equal(next, "");
        json_object_put(o);
    }
    /* A list cut short is malformed, not the end: more ids than can be, a token that is no
     * string, or one too long to send back whole. */
    char big[128];
    snprintf(big, sizeof(big), "{\"detectorIds\":[\"d1\"],\"nextToken\":\"%070d\"}", 7);
    const char *const cut[] = {"{\"detectorIds\":[\"d1\",\"d2\",\"d3\"]}",
                               "{\"detectorIds\":[\"d1\"],\"nextToken\":7}",
                               "{\"detectorIds\":[\"d1\"],\"nextToken\":{}}", big};
    for (size_t i = 0; i < ZT_ELEMENTSOF(cut); i++) {
        o = parse(cut[i]);
        assert_int_equal(zt_aws_gd_detectors(o, ids, 2, &n, next, sizeof(next)), -EBADMSG);
        json_object_put(o);
    }
    o = parse("{\"detectorIds\":[7]}");
    assert_int_equal(zt_aws_gd_detectors(o, ids, 2, &n, next, sizeof(next)), -EBADMSG);
    json_object_put(o);
    o = parse("{\"status\":\"DISABLED\"}");
    assert_int_equal(zt_aws_gd_enabled(o, &b), 0);
    assert_false(b);
    json_object_put(o);
    o = parse("{\"status\":\"enabled\"}");
    assert_int_equal(zt_aws_gd_enabled(o, &b), -EBADMSG);
    json_object_put(o);
}

/* Three regions: how one unknown and one false region combine. */
static void test_aws_emit_combines_regions(void **state)
{
    struct zt_aws_run run = {.ctx = zt_ctx_new("a", 0), .n_regions = 3};
    struct zt_aws_sg_scan sg[3];
    const char *names[] = {"us-east-1", "eu-west-1", "ap-south-1"};

    run.root_mfa = run.root_keys = run.pab = run.ct_logging = ZT_AWS_UNKNOWN;
    for (int i = 0; i < 3; i++) {
        zt_aws_sg_scan_init(&sg[i]);
        run.regions[i] = (struct zt_aws_region){.name = names[i],
                                                .sg = &sg[i],
                                                .sg_done = true,
                                                .ebs = ZT_AWS_TRUE,
                                                .gd_listed = true,
                                                .gd_enabled = true};
    }
    run.regions[1].ebs = ZT_AWS_UNKNOWN; /* ebs: true, unknown, true -> unknown */
    run.regions[2].gd_enabled = false;   /* guardduty: true, true, false -> false */
    run.regions[1].gd_failed = true;     /* ... even with an unknown region */
    run.regions[0].sg_failed = true;     /* one region not listed: no counts, bool unknown */
    run.ct_described = true;             /* described, nothing logging: false */
    zt_aws_emit(&run);
    assert_null(zt_test_value(run.ctx, "aws.ebs.encryption_by_default"));
    assert_evidence_bool(run.ctx, "aws.guardduty.enabled", false);
    assert_null(zt_test_value(run.ctx, "aws.ec2.no_admin_ports_open_to_world"));
    assert_null(zt_test_value(run.ctx, "aws.ec2.security_groups"));
    assert_evidence_bool(run.ctx, "aws.cloudtrail.multi_region_logging", false);
    assert_null(zt_test_value(run.ctx, "aws.iam.root_mfa_enabled"));
    zt_ctx_free(run.ctx);

    /* an open group seen in a listed region is a fact even when another region failed */
    run.ctx = zt_ctx_new("a", 0);
    sg[2].open_admin = 1;
    zt_aws_emit(&run);
    assert_evidence_bool(run.ctx, "aws.ec2.no_admin_ports_open_to_world", false);
    zt_ctx_free(run.ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_aws_options),
        cmocka_unit_test(test_aws_key_ids),
        cmocka_unit_test(test_aws_cloudtrail),
        cmocka_unit_test(test_aws_guardduty),
        cmocka_unit_test(test_aws_emit_combines_regions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
