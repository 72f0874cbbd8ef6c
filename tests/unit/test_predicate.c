/* test_predicate.c - rule predicates: syntax check and three-valued evaluation over evidence. */
#include <string.h>

#include "catalog.h"
#include "zt_test.h"

static struct json_object *J(const char *text)
{
    struct json_tokener *tok = json_tokener_new_ex(128);
    struct json_object *o = json_tokener_parse_ex(tok, text, (int)strlen(text) + 1);
    json_tokener_free(tok);
    if (!o) {
        fail_msg("bad JSON in test: %s", text);
    }
    return o;
}

/* Evidence used by every test: two hosts disagree on sshd, one number, one list, one string. */
static void fill(struct zt_evidence_set *ev)
{
    zt_evidence_set_init(ev);
    zt_evidence_add(ev, "host.sshd.password_authentication", J("false"), "web1", 0, NULL);
    zt_evidence_add(ev, "host.sshd.password_authentication", J("true"), "web2", 0, NULL);
    zt_evidence_add(ev, "host.sshd.root_login_disabled", J("true"), "web1", 0, NULL);
    zt_evidence_add(ev, "entra.roles.global_admin_count", J("4"), "contoso", 0, NULL);
    zt_evidence_add(ev, "host.edr.agents_running", J("[\"falcon-sensor\", \"osqueryd\"]"), "web1",
                    0, NULL);
    zt_evidence_add(ev, "host.crypto.policy", J("\"DEFAULT:NO-SHA1\""), "web1", 0, NULL);
    zt_evidence_add(ev, "entra.registration.mfa_capable_share", J("0.9"), "contoso", 0, NULL);
}

static enum zt_outcome eval(struct zt_evidence_set *ev, const char *pred)
{
    char err[256] = "";
    struct json_object *p = J(pred);
    if (zt_predicate_validate(p, err, sizeof(err)) < 0) {
        fail_msg("predicate %s rejected: %s", pred, err);
    }
    enum zt_outcome o = zt_predicate_eval(p, ev);
    json_object_put(p);
    return o;
}

static void test_predicate_leaf_operators(void **state)
{
    struct zt_evidence_set ev;
    fill(&ev);
    assert_int_equal(eval(&ev, "{\"key\":\"host.sshd.root_login_disabled\",\"eq\":true}"),
                     ZT_OUTCOME_PASS);
    assert_int_equal(eval(&ev, "{\"key\":\"host.sshd.root_login_disabled\",\"ne\":true}"),
                     ZT_OUTCOME_FAIL);
    assert_int_equal(eval(&ev, "{\"key\":\"entra.roles.global_admin_count\",\"lte\":8}"),
                     ZT_OUTCOME_PASS);
    assert_int_equal(eval(&ev, "{\"key\":\"entra.roles.global_admin_count\",\"gte\":5}"),
                     ZT_OUTCOME_FAIL);
    assert_int_equal(eval(&ev, "{\"key\":\"entra.roles.global_admin_count\",\"eq\":4.0}"),
                     ZT_OUTCOME_PASS);
    assert_int_equal(eval(&ev, "{\"key\":\"entra.registration.mfa_capable_share\",\"gte\":0.95}"),
                     ZT_OUTCOME_FAIL);
    assert_int_equal(eval(&ev, "{\"key\":\"entra.roles.global_admin_count\",\"in\":[2,3,4]}"),
                     ZT_OUTCOME_PASS);
    assert_int_equal(eval(&ev, "{\"key\":\"host.edr.agents_running\",\"contains\":\"osqueryd\"}"),
                     ZT_OUTCOME_PASS);
    assert_int_equal(eval(&ev, "{\"key\":\"host.edr.agents_running\",\"contains\":\"mdatp\"}"),
                     ZT_OUTCOME_FAIL);
    assert_int_equal(eval(&ev, "{\"key\":\"host.crypto.policy\",\"contains\":\"NO-SHA1\"}"),
                     ZT_OUTCOME_PASS);
    /* A number where a string is expected (and vice versa) fails, it is not unknown. */
    assert_int_equal(eval(&ev, "{\"key\":\"host.crypto.policy\",\"gte\":1}"), ZT_OUTCOME_FAIL);
    assert_int_equal(eval(&ev, "{\"key\":\"entra.roles.global_admin_count\",\"eq\":\"4\"}"),
                     ZT_OUTCOME_FAIL);
    zt_evidence_set_free(&ev);
}

static void test_predicate_missing_evidence_is_unknown(void **state)
{
    struct zt_evidence_set ev;
    fill(&ev);
    assert_int_equal(eval(&ev, "{\"key\":\"okta.policy.mfa\",\"eq\":true}"), ZT_OUTCOME_UNKNOWN);
    assert_int_equal(eval(&ev, "{\"key\":\"okta.policy.mfa\",\"ne\":true}"), ZT_OUTCOME_UNKNOWN);
    assert_int_equal(eval(&ev, "{\"not\":{\"key\":\"okta.policy.mfa\",\"eq\":true}}"),
                     ZT_OUTCOME_UNKNOWN);
    /* exists is never unknown. */
    assert_int_equal(eval(&ev, "{\"key\":\"okta.policy.mfa\",\"exists\":false}"), ZT_OUTCOME_PASS);
    assert_int_equal(eval(&ev, "{\"key\":\"okta.policy.mfa\",\"exists\":true}"), ZT_OUTCOME_FAIL);
    assert_int_equal(eval(&ev, "{\"key\":\"host.crypto.policy\",\"exists\":true}"),
                     ZT_OUTCOME_PASS);
    zt_evidence_set_free(&ev);
}

static void test_predicate_weakest_observation_decides(void **state)
{
    struct zt_evidence_set ev;
    fill(&ev);
    /* web1 disables passwords, web2 does not: the rule fails. */
    assert_int_equal(eval(&ev, "{\"key\":\"host.sshd.password_authentication\",\"eq\":false}"),
                     ZT_OUTCOME_FAIL);
    assert_int_equal(
        eval(&ev, "{\"key\":\"host.sshd.password_authentication\",\"in\":[true,false]}"),
        ZT_OUTCOME_PASS);
    zt_evidence_set_free(&ev);
}

static void test_predicate_combinators_three_valued(void **state)
{
    struct zt_evidence_set ev;
    fill(&ev);
    const char *pass = "{\"key\":\"host.sshd.root_login_disabled\",\"eq\":true}";
    const char *fail_ = "{\"key\":\"host.sshd.root_login_disabled\",\"eq\":false}";
    const char *unk = "{\"key\":\"okta.policy.mfa\",\"eq\":true}";
    char buf[512];

    snprintf(buf, sizeof(buf), "{\"all\":[%s,%s]}", pass, unk);
    assert_int_equal(eval(&ev, buf), ZT_OUTCOME_UNKNOWN);
    snprintf(buf, sizeof(buf), "{\"all\":[%s,%s]}", unk, fail_);
    assert_int_equal(eval(&ev, buf), ZT_OUTCOME_FAIL);
    snprintf(buf, sizeof(buf), "{\"all\":[%s,%s]}", pass, pass);
    assert_int_equal(eval(&ev, buf), ZT_OUTCOME_PASS);
    snprintf(buf, sizeof(buf), "{\"any\":[%s,%s]}", unk, pass);
    assert_int_equal(eval(&ev, buf), ZT_OUTCOME_PASS);
    snprintf(buf, sizeof(buf), "{\"any\":[%s,%s]}", fail_, unk);
    assert_int_equal(eval(&ev, buf), ZT_OUTCOME_UNKNOWN);
    snprintf(buf, sizeof(buf), "{\"any\":[%s,%s]}", fail_, fail_);
    assert_int_equal(eval(&ev, buf), ZT_OUTCOME_FAIL);
    snprintf(buf, sizeof(buf), "{\"not\":%s}", fail_);
    assert_int_equal(eval(&ev, buf), ZT_OUTCOME_PASS);
    snprintf(buf, sizeof(buf), "{\"not\":{\"any\":[%s,%s]}}", fail_, pass);
    assert_int_equal(eval(&ev, buf), ZT_OUTCOME_FAIL);
    zt_evidence_set_free(&ev);
}

static void expect_invalid(const char *pred, const char *want)
{
    char err[256] = "";
    struct json_object *p = J(pred);
    assert_int_equal(zt_predicate_validate(p, err, sizeof(err)), -EINVAL);
    if (!strstr(err, want)) {
        fail_msg("error '%s' does not contain '%s'", err, want);
    }
    json_object_put(p);
}

static void test_predicate_validation(void **state)
{
    expect_invalid("[]", "must be an object");
    expect_invalid("{\"key\":\"a.b\"}", "has no operator");
    expect_invalid("{\"key\":\"a.b\",\"eqq\":1}", "unknown member 'eqq'");
    expect_invalid("{\"key\":\"a.b\",\"eq\":1,\"ne\":2}", "two operators");
    expect_invalid("{\"key\":\"A-B\",\"eq\":1}", "well-formed evidence \"key\"");
    expect_invalid("{\"key\":\"a.b\",\"gte\":\"5\"}", "wrong type");
    expect_invalid("{\"key\":\"a.b\",\"in\":5}", "wrong type");
    expect_invalid("{\"key\":\"a.b\",\"exists\":1}", "wrong type");
    expect_invalid("{\"all\":[]}", "non-empty array");
    expect_invalid("{\"any\":[{\"key\":\"a.b\",\"eq\":1}],\"key\":\"x.y\"}", "only member");
    expect_invalid("{\"not\":{\"key\":\"a.b\"}}", "has no operator");
    /* Depth is bounded. */
    char deep[2048] = "";
    for (int i = 0; i < 40; i++) {
        strcat(deep, "{\"not\":");
    }
    strcat(deep, "{\"key\":\"a.b\",\"eq\":1}");
    for (int i = 0; i < 40; i++) {
        strcat(deep, "}");
    }
    expect_invalid(deep, "nested deeper");
}

static void test_evidence_key_syntax(void **state)
{
    assert_true(zt_evidence_key_valid("host.sshd.password_authentication"));
    assert_true(zt_evidence_key_valid("a.b"));
    assert_false(zt_evidence_key_valid("host"));
    assert_false(zt_evidence_key_valid("host..x"));
    assert_false(zt_evidence_key_valid(".host.x"));
    assert_false(zt_evidence_key_valid("host.x."));
    assert_false(zt_evidence_key_valid("Host.x"));
    assert_false(zt_evidence_key_valid("host.x y"));
    char long_key[200];
    memset(long_key, 'a', sizeof(long_key));
    long_key[1] = '.';
    long_key[199] = '\0';
    assert_false(zt_evidence_key_valid(long_key));
    /* Objects are not evidence values; arrays of scalars are. */
    struct zt_evidence_set ev;
    zt_evidence_set_init(&ev);
    assert_int_equal(zt_evidence_add(&ev, "a.b", J("{\"x\":1}"), "c", 0, NULL), -EINVAL);
    assert_int_equal(zt_evidence_add(&ev, "a.b", J("[1,[2]]"), "c", 0, NULL), -EINVAL);
    assert_int_equal(zt_evidence_add(&ev, "a.b", J("[1,\"x\",true]"), "c", 0, NULL), 0);
    assert_int_equal(ev.n, 1);
    zt_evidence_set_free(&ev);
}

/* Rules for the quantifier tests: a universal one over two identity providers, an existential one
 * over two device sources, and a one-source rule with applies_if. */
static const char *quantifier_catalog =
    "{\"schema\":\"ztmmd.rules/1\",\"model\":{\"name\":\"CISA ZTMM\",\"version\":\"2.0\"},"
    "\"pillars\":[{\"id\":\"identity\",\"name\":\"Identity\"}],"
    "\"functions\":[{\"id\":\"identity.authentication\",\"pillar\":\"identity\",\"name\":\"A\"}],"
    "\"rules\":["
    "{\"id\":\"every.user.mfa\",\"function\":\"identity.authentication\",\"stage\":\"initial\","
    "\"title\":\"Every user must pass MFA, in every identity provider\",\"remediation\":\"r\","
    "\"quantifier\":\"all\",\"check\":{\"all\":["
    "{\"any\":[{\"key\":\"entra.ca.mfa_all_users\",\"eq\":true},"
    "{\"key\":\"entra.security_defaults.enabled\",\"eq\":true}]},"
    "{\"key\":\"okta.access.mfa_all_users\",\"eq\":true}]}},"
    "{\"id\":\"some.disk.encrypted\",\"function\":\"identity.authentication\",\"stage\":"
    "\"initial\","
    "\"title\":\"Some devices encrypt their disks\",\"remediation\":\"r\","
    "\"quantifier\":\"any\",\"check\":{\"any\":["
    "{\"key\":\"intune.devices.encrypted_count\",\"gte\":1},"
    "{\"key\":\"host.disk.root_encrypted\",\"eq\":true}]}},"
    "{\"id\":\"ssh.no.password\",\"function\":\"identity.authentication\",\"stage\":\"initial\","
    "\"title\":\"SSH refuses passwords on every host\",\"remediation\":\"r\","
    "\"applies_if\":{\"key\":\"host.sshd.installed\",\"eq\":true},"
    "\"check\":{\"key\":\"host.sshd.password_login\",\"eq\":false}}"
    "]}";

struct quantifier_fixture {
    struct zt_catalog *cat;
    struct zt_evidence_set ev;
    struct zt_participants who;
};

static int quantifier_setup(void **state)
{
    struct quantifier_fixture *f = calloc(1, sizeof(*f));
    char err[512];
    assert_int_equal(
        zt_catalog_from_json(J(quantifier_catalog), "q.json", &f->cat, err, sizeof(err)), 0);
    zt_evidence_set_init(&f->ev);
    *state = f;
    return 0;
}

static int quantifier_teardown(void **state)
{
    struct quantifier_fixture *f = *state;
    zt_catalog_free(f->cat);
    zt_evidence_set_free(&f->ev);
    zt_participants_clear(&f->who);
    free(f);
    return 0;
}

/* An instance of a source took part; value (JSON text, may be NULL) is what it said of key. */
static void took_part(struct quantifier_fixture *f, const char *instance, const char *key,
                      const char *value)
{
    zt_participants_add(&f->who, key, strcspn(key, "."), instance);
    if (value) {
        assert_int_equal(zt_evidence_add(&f->ev, key, J(value), instance, 0, NULL), 0);
    }
}

static enum zt_outcome judge(struct quantifier_fixture *f, const char *rule, struct zt_blame *b)
{
    for (size_t i = 0; i < f->cat->n_rules; i++) {
        if (strcmp(f->cat->rules[i].id, rule) == 0) {
            return zt_rule_eval(&f->cat->rules[i], &f->ev, &f->who, b);
        }
    }
    fail_msg("no rule %s", rule);
    return _ZT_OUTCOME_MAX;
}

static void test_rule_universal_strong_source_never_masks_weak(void **state)
{
    struct quantifier_fixture *f = *state;
    struct zt_blame b = {0};

    took_part(f, "contoso", "entra.ca.mfa_all_users", "true");
    took_part(f, "acme-okta", "okta.access.mfa_all_users", "false");
    assert_int_equal(judge(f, "every.user.mfa", &b), ZT_OUTCOME_FAIL);
    assert_int_equal(b.failed.n, 1);
    assert_string_equal(b.failed.v[0], "acme-okta");
    zt_blame_clear(&b);
}

static void test_rule_universal_all_sources_pass(void **state)
{
    struct quantifier_fixture *f = *state;

    took_part(f, "contoso", "entra.ca.mfa_all_users", "false");
    took_part(f, "contoso", "entra.security_defaults.enabled", "true");
    took_part(f, "acme-okta", "okta.access.mfa_all_users", "true");
    assert_int_equal(judge(f, "every.user.mfa", NULL), ZT_OUTCOME_PASS);
}

static void test_rule_universal_absent_source_not_applicable(void **state)
{
    struct quantifier_fixture *f = *state;

    /* Only Entra took part: Okta's part does not apply, Entra's decides. */
    took_part(f, "contoso", "entra.ca.mfa_all_users", "true");
    assert_int_equal(judge(f, "every.user.mfa", NULL), ZT_OUTCOME_PASS);
    zt_participants_clear(&f->who);
    /* Neither took part: the rule does not apply. */
    took_part(f, "web1", "host.disk.root_encrypted", "true");
    assert_int_equal(judge(f, "every.user.mfa", NULL), ZT_OUTCOME_NOT_APPLICABLE);
}

static void test_rule_universal_silent_source_unknown(void **state)
{
    struct quantifier_fixture *f = *state;
    struct zt_blame b = {0};

    /* Okta took part but could not tell: the rule is unknown, never a pass. */
    took_part(f, "contoso", "entra.ca.mfa_all_users", "true");
    took_part(f, "acme-okta", "okta.access.mfa_all_users", NULL);
    assert_int_equal(judge(f, "every.user.mfa", &b), ZT_OUTCOME_UNKNOWN);
    assert_int_equal(b.unknown.n, 1);
    assert_string_equal(b.unknown.v[0], "acme-okta");
    zt_blame_clear(&b);
}

static void test_rule_universal_each_instance_of_one_type(void **state)
{
    struct quantifier_fixture *f = *state;
    struct zt_blame b = {0};

    /* Two tenants that each satisfy the Entra part their own way pass... */
    took_part(f, "tenant-a", "entra.ca.mfa_all_users", "true");
    took_part(f, "tenant-a", "entra.security_defaults.enabled", "false");
    took_part(f, "tenant-b", "entra.ca.mfa_all_users", "false");
    took_part(f, "tenant-b", "entra.security_defaults.enabled", "true");
    assert_int_equal(judge(f, "every.user.mfa", NULL), ZT_OUTCOME_PASS);
    /* ...a third with neither fails, and is named. */
    took_part(f, "tenant-c", "entra.ca.mfa_all_users", "false");
    took_part(f, "tenant-c", "entra.security_defaults.enabled", "false");
    assert_int_equal(judge(f, "every.user.mfa", &b), ZT_OUTCOME_FAIL);
    assert_int_equal(b.failed.n, 1);
    assert_string_equal(b.failed.v[0], "tenant-c");
    zt_blame_clear(&b);
    /* A fourth that took part and said nothing leaves it unknown at best. */
    zt_evidence_set_free(&f->ev);
    zt_evidence_set_init(&f->ev);
    zt_participants_clear(&f->who);
    took_part(f, "tenant-a", "entra.ca.mfa_all_users", "true");
    took_part(f, "tenant-d", "entra.ca.mfa_all_users", NULL);
    assert_int_equal(judge(f, "every.user.mfa", NULL), ZT_OUTCOME_UNKNOWN);
}

static void test_rule_existential_one_instance_suffices(void **state)
{
    struct quantifier_fixture *f = *state;
    struct zt_blame b = {0};

    took_part(f, "web1", "host.disk.root_encrypted", "false");
    took_part(f, "contoso", "intune.devices.encrypted_count", "0");
    assert_int_equal(judge(f, "some.disk.encrypted", &b), ZT_OUTCOME_FAIL);
    assert_int_equal(b.failed.n, 2);
    zt_blame_clear(&b);
    /* A second host that encrypts makes "some devices" true. */
    took_part(f, "web2", "host.disk.root_encrypted", "true");
    assert_int_equal(judge(f, "some.disk.encrypted", NULL), ZT_OUTCOME_PASS);
}

static void test_rule_existential_unknown_when_nothing_passes(void **state)
{
    struct quantifier_fixture *f = *state;

    took_part(f, "web1", "host.disk.root_encrypted", "false");
    took_part(f, "contoso", "intune.devices.encrypted_count", NULL);
    assert_int_equal(judge(f, "some.disk.encrypted", NULL), ZT_OUTCOME_UNKNOWN);
}

static void test_rule_applies_if_judged_per_instance(void **state)
{
    struct quantifier_fixture *f = *state;
    struct zt_blame b = {0};

    /* web1 runs sshd with passwords; web2 has no sshd. web2's "does not apply" must not make the
     * rule not applicable for web1. */
    took_part(f, "web1", "host.sshd.installed", "true");
    took_part(f, "web1", "host.sshd.password_login", "true");
    took_part(f, "web2", "host.sshd.installed", "false");
    assert_int_equal(judge(f, "ssh.no.password", &b), ZT_OUTCOME_FAIL);
    assert_int_equal(b.failed.n, 1);
    assert_string_equal(b.failed.v[0], "web1");
    zt_blame_clear(&b);
}

static void test_rule_quantifier_required_and_checked(void **state)
{
    (void)state;
    static const char *head =
        "{\"schema\":\"ztmmd.rules/1\",\"model\":{\"name\":\"CISA ZTMM\",\"version\":\"2.0\"},"
        "\"pillars\":[{\"id\":\"identity\",\"name\":\"Identity\"}],"
        "\"functions\":[{\"id\":\"identity.authentication\",\"pillar\":\"identity\",\"name\":"
        "\"A\"}],\"rules\":[{\"id\":\"r.one\",\"function\":\"identity.authentication\","
        "\"stage\":\"initial\",\"title\":\"t\",\"remediation\":\"r\",";
    static const struct {
        const char *rest, *message;
    } bad[] = {
        {"\"check\":{\"any\":[{\"key\":\"entra.a.b\",\"eq\":true},{\"key\":\"okta.a.b\",\"eq\":"
         "true}]}}]}",
         "reads several sources"},
        {"\"quantifier\":\"all\",\"check\":{\"any\":[{\"key\":\"entra.a.b\",\"eq\":true},"
         "{\"key\":\"okta.a.b\",\"eq\":true}]}}]}",
         "needs a check of the form {\"all\""},
        {"\"quantifier\":\"all\",\"check\":{\"all\":[{\"any\":[{\"key\":\"entra.a.b\",\"eq\":true},"
         "{\"key\":\"okta.a.b\",\"eq\":true}]}]}}]}",
         "check.all[0] reads several sources"},
        {"\"quantifier\":\"most\",\"check\":{\"key\":\"entra.a.b\",\"eq\":true}}]}",
         "must be \"all\" or \"any\""},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct zt_catalog *cat = NULL;
        char err[512] = "", text[2048];
        snprintf(text, sizeof(text), "%s%s", head, bad[i].rest);
        assert_true(zt_catalog_from_json(J(text), "q.json", &cat, err, sizeof(err)) < 0);
        if (!strstr(err, bad[i].message)) {
            fail_msg("case %zu: '%s' does not say '%s'", i, err, bad[i].message);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_predicate_leaf_operators),
        cmocka_unit_test(test_predicate_missing_evidence_is_unknown),
        cmocka_unit_test(test_predicate_weakest_observation_decides),
        cmocka_unit_test(test_predicate_combinators_three_valued),
        cmocka_unit_test(test_predicate_validation),
        cmocka_unit_test(test_evidence_key_syntax),
        cmocka_unit_test_setup_teardown(test_rule_universal_strong_source_never_masks_weak,
                                        quantifier_setup, quantifier_teardown),
        cmocka_unit_test_setup_teardown(test_rule_universal_all_sources_pass, quantifier_setup,
                                        quantifier_teardown),
        cmocka_unit_test_setup_teardown(test_rule_universal_absent_source_not_applicable,
                                        quantifier_setup, quantifier_teardown),
        cmocka_unit_test_setup_teardown(test_rule_universal_silent_source_unknown, quantifier_setup,
                                        quantifier_teardown),
        cmocka_unit_test_setup_teardown(test_rule_universal_each_instance_of_one_type,
                                        quantifier_setup, quantifier_teardown),
        cmocka_unit_test_setup_teardown(test_rule_existential_one_instance_suffices,
                                        quantifier_setup, quantifier_teardown),
        cmocka_unit_test_setup_teardown(test_rule_existential_unknown_when_nothing_passes,
                                        quantifier_setup, quantifier_teardown),
        cmocka_unit_test_setup_teardown(test_rule_applies_if_judged_per_instance, quantifier_setup,
                                        quantifier_teardown),
        cmocka_unit_test(test_rule_quantifier_required_and_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
