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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_predicate_leaf_operators),
        cmocka_unit_test(test_predicate_missing_evidence_is_unknown),
        cmocka_unit_test(test_predicate_weakest_observation_decides),
        cmocka_unit_test(test_predicate_combinators_three_valued),
        cmocka_unit_test(test_predicate_validation),
        cmocka_unit_test(test_evidence_key_syntax),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
