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

static const char cfg_text[] =
    "[default]\nregion = eu-west-1\n"
    "[profile audit]\nrole_arn = arn:aws:iam::222222222222:role/audit\nsource_profile = hub\n"
    "external_id = ext-1\nrole_session_name = zt-s\nregion = eu-central-1\n"
    "[profile hub]\nrole_arn = arn:aws:iam::111111111111:role/hub\nsource_profile = base\n"
    "[profile keyed]\nrole_arn = arn:aws:iam::1:role/never\nsource_profile = base\n"
    "[profile self]\nrole_arn = arn:aws:iam::3:role/self\nsource_profile = self\n"
    "[profile pod]\nrole_arn = arn:aws:iam::4:role/pod\ncredential_source = EcsContainer\n"
    "[profile envrole]\nrole_arn = arn:aws:iam::5:role/env\ncredential_source = Environment\n"
    "[profile a]\nrole_arn = arn:aws:iam::6:role/a\nsource_profile = b\n"
    "[profile b]\nrole_arn = arn:aws:iam::6:role/b\nsource_profile = a\n"
    "[profile both]\nrole_arn = arn:aws:iam::7:role/x\nsource_profile = base\n"
    "credential_source = Environment\n"
    "[profile odd]\nrole_arn = arn:aws:iam::8:role/x\ncredential_source = Ec2\n"
    "[profile lost]\nrole_arn = arn:aws:iam::9:role/x\nsource_profile = nowhere\n"
    "[profile empty]\nrole_arn = arn:aws:iam::9:role/x\nsource_profile = bare\n"
    "[profile bare]\nregion = us-east-1\n"
    "[sso-session base]\naws_access_key_id = NOT_A_PROFILE\n";
static const char creds_text[] = "[base]\naws_access_key_id = AKIABASE\naws_secret_access_key = b\n"
                                 "[keyed]\naws_access_key_id = AKIAKEYED\n"
                                 "aws_secret_access_key = k\n"
                                 "[self]\naws_access_key_id = AKIASELF\n"
                                 "aws_secret_access_key = s\n";

static void test_aws_profile_roles(void **state)
{
    struct zt_aws_profile_plan p;
    char err[256] = "";

    /* a chain of two roles from static keys: hub's role first, then audit's */
    assert_int_equal(zt_aws_profile_resolve(cfg_text, creds_text, "audit", &p, err, sizeof(err)),
                     0);
    assert_int_equal(p.source, ZT_AWS_SRC_PROFILE);
    assert_string_equal(p.keys_profile, "base");
    assert_string_equal(p.keys.access_key_id, "AKIABASE");
    assert_int_equal(p.n_roles, 2);
    assert_string_equal(p.roles[0].arn, "arn:aws:iam::222222222222:role/audit");
    assert_string_equal(p.roles[0].external_id, "ext-1");
    assert_string_equal(p.roles[0].session_name, "zt-s");
    assert_string_equal(p.roles[1].arn, "arn:aws:iam::111111111111:role/hub");
    assert_null(p.roles[1].external_id);
    assert_string_equal(p.region, "eu-central-1");
    zt_aws_profile_plan_clear(&p);
    /* the selected profile's role is assumed even though it has keys (they are its source) */
    assert_int_equal(zt_aws_profile_resolve(cfg_text, creds_text, "keyed", &p, err, sizeof(err)),
                     0);
    assert_int_equal(p.n_roles, 1);
    assert_string_equal(p.keys.access_key_id, "AKIABASE");
    zt_aws_profile_plan_clear(&p);
    /* a profile naming itself for its own keys */
    assert_int_equal(zt_aws_profile_resolve(cfg_text, creds_text, "self", &p, err, sizeof(err)), 0);
    assert_int_equal(p.n_roles, 1);
    assert_string_equal(p.keys.access_key_id, "AKIASELF");
    zt_aws_profile_plan_clear(&p);
    assert_int_equal(zt_aws_profile_resolve(cfg_text, creds_text, "pod", &p, err, sizeof(err)), 0);
    assert_int_equal(p.source, ZT_AWS_SRC_CONTAINER);
    assert_null(p.keys.access_key_id);
    zt_aws_profile_plan_clear(&p);
    assert_int_equal(zt_aws_profile_resolve(cfg_text, creds_text, "envrole", &p, err, sizeof(err)),
                     0);
    assert_int_equal(p.source, ZT_AWS_SRC_ENV);
    assert_int_equal(p.n_roles, 1);
    zt_aws_profile_plan_clear(&p);
    /* static keys only: the credentials file's [base]; no role */
    assert_int_equal(zt_aws_profile_resolve(cfg_text, creds_text, "base", &p, err, sizeof(err)), 0);
    assert_int_equal(p.n_roles, 0);
    zt_aws_profile_plan_clear(&p);
}

static void test_aws_profile_errors(void **state)
{
    struct zt_aws_profile_plan p;
    char err[256] = "";

    assert_int_equal(zt_aws_profile_resolve(cfg_text, creds_text, "a", &p, err, sizeof(err)),
                     -ELOOP);
    assert_string_equal(err, "profile b: source_profile a makes a loop");
    assert_int_equal(p.n_roles, 0); /* cleared */
    assert_int_equal(zt_aws_profile_resolve(cfg_text, creds_text, "both", &p, err, sizeof(err)),
                     -EINVAL);
    assert_non_null(strstr(err, "profile both has role_arn and both of source_profile"));
    assert_int_equal(zt_aws_profile_resolve(cfg_text, creds_text, "odd", &p, err, sizeof(err)),
                     -EINVAL);
    assert_non_null(strstr(err, "credential_source 'Ec2' is none of"));
    assert_int_equal(zt_aws_profile_resolve(cfg_text, creds_text, "lost", &p, err, sizeof(err)),
                     -ENOENT);
    assert_string_equal(err, "profile lost: its source_profile nowhere does not exist");
    assert_int_equal(zt_aws_profile_resolve(cfg_text, creds_text, "empty", &p, err, sizeof(err)),
                     -ENOENT);
    assert_non_null(strstr(err, "a source_profile must have credentials"));
    /* no such profile, or one without credentials: the chain may go on */
    assert_int_equal(zt_aws_profile_resolve(cfg_text, creds_text, "default", &p, err, sizeof(err)),
                     -ENOKEY);
    assert_int_equal(zt_aws_profile_resolve(cfg_text, NULL, "absent", &p, err, sizeof(err)),
                     -ENOKEY);
    /* [sso-session base] of the config file is no profile */
    assert_int_equal(zt_aws_profile_resolve(cfg_text, NULL, "audit", &p, err, sizeof(err)),
                     -ENOENT);
    assert_int_equal(zt_aws_profile_resolve("[profile x\n", NULL, "x", &p, err, sizeof(err)),
                     -EBADMSG);
    assert_null(strstr(err, "AKIA"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_aws_chain_order),   cmocka_unit_test(test_aws_creds_json),
        cmocka_unit_test(test_aws_creds_sts),     cmocka_unit_test(test_aws_profile),
        cmocka_unit_test(test_aws_profile_roles), cmocka_unit_test(test_aws_profile_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
