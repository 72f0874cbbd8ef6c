/* test_aws_creds.c - the aws credential chain's pure parts: which source the environment picks
 * (the SDKs' order), and the readers of the container/IMDS JSON and STS XML answers. */
#include "zt_test.h"

#include "aws/aws_creds.h"

static const char *const *env_table;

static const char *env(const char *name)
{
    for (size_t i = 0; env_table[i]; i += 2) {
        if (strcmp(env_table[i], name) == 0) {
            return env_table[i + 1];
        }
    }
    return NULL;
}

static int pick(const char *const *table)
{
    env_table = table;
    return zt_aws_chain_pick(env);
}

static void test_aws_chain_order(void **state)
{
    const char *all[] = {"AWS_ACCESS_KEY_ID",
                         "AKIA1",
                         "AWS_SECRET_ACCESS_KEY",
                         "s",
                         "AWS_WEB_IDENTITY_TOKEN_FILE",
                         "/t",
                         "AWS_ROLE_ARN",
                         "arn:r",
                         "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                         "/v2/x",
                         NULL};
    const char *half_env[] = {"AWS_ACCESS_KEY_ID",
                              "AKIA1",
                              "AWS_WEB_IDENTITY_TOKEN_FILE",
                              "/t",
                              "AWS_ROLE_ARN",
                              "arn:r",
                              NULL};
    const char *half_web[] = {"AWS_WEB_IDENTITY_TOKEN_FILE", "/t",
                              "AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1/x", NULL};
    const char *empty_env[] = {"AWS_ACCESS_KEY_ID", "", "AWS_SECRET_ACCESS_KEY", "", NULL};
    const char *off[] = {"AWS_EC2_METADATA_DISABLED", "TRUE", NULL};
    const char *not_off[] = {"AWS_EC2_METADATA_DISABLED", "false", NULL};

    assert_int_equal(pick(all), ZT_AWS_SRC_ENV);
    assert_int_equal(pick(half_env), ZT_AWS_SRC_WEB_IDENTITY); /* a key id alone: skipped */
    assert_int_equal(pick(half_web), ZT_AWS_SRC_CONTAINER);    /* a token file alone: skipped */
    assert_int_equal(pick(empty_env), ZT_AWS_SRC_IMDS);
    assert_int_equal(pick(off), -ENOENT);
    assert_int_equal(pick(not_off), ZT_AWS_SRC_IMDS);
    assert_string_equal(zt_aws_source_to_string(ZT_AWS_SRC_WEB_IDENTITY), "web-identity");
    assert_int_equal(zt_aws_source_from_string("profile"), ZT_AWS_SRC_PROFILE);
    assert_int_equal(zt_aws_source_from_string("config"), -EINVAL); /* not a chain step */
    env_table = half_env;
    assert_false(zt_aws_source_configured(ZT_AWS_SRC_ENV, env));
    assert_true(zt_aws_source_configured(ZT_AWS_SRC_WEB_IDENTITY, env));
}

static void test_aws_creds_json(void **state)
{
    struct zt_aws_creds c = {0};
    char err[256] = "";
    const char *imds = "{\"Code\":\"Success\",\"LastUpdated\":\"2026-12-07T10:00:00Z\",\"Type\":"
                       "\"AWS-HMAC\",\"AccessKeyId\":\"ASIAIMDS\",\"SecretAccessKey\":\"sec\","
                       "\"Token\":\"tok\",\"Expiration\":\"2026-12-07T16:00:00Z\"}";
    const char *failed = "{\"Code\":\"AssumeRoleUnauthorizedAccess\",\"AccessKeyId\":\"x\"}";
    const char *no_secret = "{\"AccessKeyId\":\"ASIA\",\"Token\":\"t\"}";
    const char *bad_time = "{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"s\",\"Expiration\":1}";

    assert_int_equal(zt_aws_creds_json(imds, strlen(imds), &c, err, sizeof(err)), 0);
    assert_string_equal(c.access_key_id, "ASIAIMDS");
    assert_string_equal(c.secret, "sec");
    assert_string_equal(c.token, "tok");
    assert_int_equal(c.expires, 1796659200); /* 2026-12-07T16:00:00Z */
    assert_true(zt_aws_creds_expiring(&c, 1796659200 - 100, 600));
    assert_false(zt_aws_creds_expiring(&c, 1796659200 - 1000, 600));
    assert_int_equal(zt_aws_creds_json(failed, strlen(failed), &c, err, sizeof(err)), -EBADMSG);
    assert_non_null(strstr(err, "AssumeRoleUnauthorizedAccess"));
    assert_int_equal(zt_aws_creds_json(no_secret, strlen(no_secret), &c, err, sizeof(err)),
                     -EBADMSG);
    assert_int_equal(zt_aws_creds_json(bad_time, strlen(bad_time), &c, err, sizeof(err)), -EBADMSG);
    assert_int_equal(zt_aws_creds_json("[]", 2, &c, err, sizeof(err)), -EBADMSG);
    assert_string_equal(c.access_key_id, "ASIAIMDS"); /* failures keep what was held */
    zt_aws_creds_clear(&c);
    assert_null(c.secret);
}

static void test_aws_creds_sts(void **state)
{
    struct zt_aws_creds c = {0};
    char err[256] = "";
    const char *ok =
        "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
        "<AssumeRoleResult><SourceIdentity>x</SourceIdentity><AssumedRoleUser><Arn>arn:a</Arn>"
        "<AssumedRoleId>ARO:s</AssumedRoleId></AssumedRoleUser><Credentials>"
        "<AccessKeyId>ASIASTS</AccessKeyId><SecretAccessKey>stssec</SecretAccessKey>"
        "<SessionToken>ststok</SessionToken><Expiration>2026-12-07T16:00:00Z</Expiration>"
        "</Credentials></AssumeRoleResult><ResponseMetadata><RequestId>r</RequestId>"
        "</ResponseMetadata></AssumeRoleResponse>";
    const char *web = "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult>"
                      "<Credentials><SessionToken>t2</SessionToken><SecretAccessKey>s2"
                      "</SecretAccessKey><Expiration>2026-12-07T17:00:00.000Z</Expiration>"
                      "<AccessKeyId>ASIAWEB</AccessKeyId></Credentials>"
                      "</AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>";
    const char *error = "<ErrorResponse><Error><Code>AccessDenied</Code></Error></ErrorResponse>";
    const char *no_exp = "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>A"
                         "</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>t"
                         "</SessionToken></Credentials></AssumeRoleResult></AssumeRoleResponse>";

    assert_int_equal(zt_aws_creds_sts_xml(ok, strlen(ok), &c, err, sizeof(err)), 0);
    assert_string_equal(c.access_key_id, "ASIASTS");
    assert_string_equal(c.secret, "stssec");
    assert_string_equal(c.token, "ststok");
    assert_int_equal(c.expires, 1796659200);
    assert_int_equal(zt_aws_creds_sts_xml(web, strlen(web), &c, err, sizeof(err)), 0);
    assert_string_equal(c.access_key_id, "ASIAWEB");
    assert_int_equal(c.expires, 1796659200 + 3600);
    assert_int_equal(zt_aws_creds_sts_xml(error, strlen(error), &c, err, sizeof(err)), -EBADMSG);
    assert_non_null(strstr(err, "no Credentials"));
    assert_int_equal(zt_aws_creds_sts_xml(no_exp, strlen(no_exp), &c, err, sizeof(err)), -EBADMSG);
    assert_int_equal(zt_aws_creds_sts_xml("<a", 2, &c, err, sizeof(err)), -EBADMSG);
    assert_string_equal(c.access_key_id, "ASIAWEB");
    zt_aws_creds_clear(&c);
}

static void test_aws_profile(void **state)
{
    struct zt_aws_creds c = {0};
    char err[256] = "";
    const char *text = "[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = d\n"
                       "\n# a comment\n[scanner]\naws_access_key_id=ASIASCAN\n"
                       "aws_secret_access_key = s/+=\naws_session_token = t==\nregion = x\n"
                       "[profile scanner]\naws_access_key_id = NOT_THIS\n"
                       "[nokeys]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = default\n";

    assert_int_equal(zt_aws_profile_parse(text, "scanner", &c, err, sizeof(err)), 0);
    assert_string_equal(c.access_key_id, "ASIASCAN");
    assert_string_equal(c.secret, "s/+=");
    assert_string_equal(c.token, "t==");
    assert_int_equal(zt_aws_profile_parse(text, "default", &c, err, sizeof(err)), 0);
    assert_string_equal(c.access_key_id, "AKIADEFAULT");
    assert_null(c.token);
    assert_int_equal(zt_aws_profile_parse(text, "nokeys", &c, err, sizeof(err)), -ENOENT);
    assert_non_null(strstr(err, "no aws_access_key_id"));
    assert_int_equal(zt_aws_profile_parse(text, "absent", &c, err, sizeof(err)), -ENOENT);
    assert_non_null(strstr(err, "no profile [absent]"));
    assert_int_equal(zt_aws_profile_parse("[a\nb", "a", &c, err, sizeof(err)), -EBADMSG);
    assert_null(strstr(err, "AKIADEFAULT"));
    assert_string_equal(c.access_key_id, "AKIADEFAULT");
    zt_aws_creds_clear(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_aws_chain_order),
        cmocka_unit_test(test_aws_creds_json),
        cmocka_unit_test(test_aws_creds_sts),
        cmocka_unit_test(test_aws_profile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
