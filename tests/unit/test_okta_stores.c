/* test_okta_stores.c - the okta identity store, lifecycle and ThreatInsight derivations on
 * strings: apps by sign-on mode and features, identity providers, group rules, the action. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "okta/okta.h"

/* Feed every element of the JSON array text into list; returns the first error or 0. */
static int feed(struct zt_okta_stores *s, enum zt_okta_list list, const char *text)
{
    struct json_object *arr = json_tokener_parse(text);
    int r = 0;

    if (!arr) {
        fail_msg("bad test JSON: %s", text);
    }
    for (size_t i = 0; r == 0 && i < json_object_array_length(arr); i++) {
        r = zt_okta_stores_item(s, list, json_object_array_get_idx(arr, i));
    }
    json_object_put(arr);
    return r;
}

static void test_okta_apps_modes_and_features(void **state)
{
    struct zt_okta_stores s = {0};

    assert_int_equal(
        feed(&s, ZT_OKTA_APPS,
             "[{\"status\":\"ACTIVE\",\"label\":\"Workday\",\"signOnMode\":\"SAML_2_0\","
             "\"features\":[\"IMPORT_NEW_USERS\",\"PROFILE_MASTERING\"]},"
             "{\"status\":\"ACTIVE\",\"label\":\"Salesforce\",\"signOnMode\":\"saml_1_1\","
             "\"features\":[\"PUSH_NEW_USERS\"]},"
             "{\"status\":\"ACTIVE\",\"label\":\"Portal\",\"signOnMode\":\"OPENID_CONNECT\"},"
             "{\"status\":\"ACTIVE\",\"label\":\"Intranet\",\"signOnMode\":\"AUTO_LOGIN\"},"
             "{\"status\":\"ACTIVE\",\"label\":\"Router\",\"signOnMode\":\"BASIC_AUTH\"},"
             "{\"status\":\"ACTIVE\",\"label\":\"Link\",\"signOnMode\":\"BOOKMARK\"},"
             "{\"status\":\"INACTIVE\",\"label\":\"Old\",\"signOnMode\":\"BROWSER_PLUGIN\","
             "\"features\":[\"PUSH_NEW_USERS\",\"IMPORT_NEW_USERS\"]}]"),
        0);
    assert_int_equal(s.apps_active, 6);
    assert_int_equal(s.sso, 3);
    assert_int_equal(s.vaulted, 2);
    assert_int_equal(s.provisioning, 1);
    assert_int_equal(s.imports, 1);
    /* apps with accounts: 3 federated + 2 vaulted; Salesforce provisioned: 1/5 */
    assert_int_equal(zt_okta_apps_with_accounts(&s), 5);
    assert_int_equal(s.provisioned_accounts, 1);
    assert_float_equal(zt_okta_share(s.provisioned_accounts, 5), 0.2, 1e-9);
    assert_float_equal(zt_okta_share(2, 3), 0.6667, 1e-9);
    /* a provisioned bookmark keeps no accounts: counted as provisioning, not in the share */
    assert_int_equal(feed(&s, ZT_OKTA_APPS,
                          "[{\"status\":\"ACTIVE\",\"signOnMode\":\"BOOKMARK\","
                          "\"features\":[\"PUSH_NEW_USERS\"]}]"),
                     0);
    assert_int_equal(s.provisioning, 2);
    assert_int_equal(s.provisioned_accounts, 1);
    assert_string_equal(json_object_to_json_string_ext(s.vaulted_names, JSON_C_TO_STRING_PLAIN),
                        "[\"Intranet\",\"Router\"]");
    /* an element that is not an object is a shape error of the page */
    assert_int_equal(feed(&s, ZT_OKTA_APPS, "[\"0oa1\"]"), -EBADMSG);
    zt_okta_stores_clear(&s);
    assert_null(s.vaulted_names);
}

static void test_okta_idps_and_group_rules(void **state)
{
    struct zt_okta_stores s = {0};

    assert_int_equal(feed(&s, ZT_OKTA_IDPS,
                          "[{\"type\":\"SAML2\",\"status\":\"ACTIVE\"},{\"type\":\"GOOGLE\","
                          "\"status\":\"INACTIVE\"},{\"type\":\"OIDC\",\"status\":\"ACTIVE\"}]"),
                     0);
    assert_int_equal(feed(&s, ZT_OKTA_GROUP_RULES,
                          "[{\"type\":\"group_rule\",\"status\":\"INVALID\"},{\"type\":"
                          "\"group_rule\",\"status\":\"ACTIVE\"},{\"status\":\"INACTIVE\"}]"),
                     0);
    assert_int_equal(s.idps_active, 2);
    assert_int_equal(s.rules_active, 1);
    assert_int_equal(s.apps_active, 0);
    zt_okta_stores_clear(&s);
}

static const char *threats(const char *text)
{
    static struct zt_okta_stores s;
    struct json_object *doc = json_tokener_parse(text);

    s = (struct zt_okta_stores){0};
    int r = zt_okta_threats_doc(&s, doc);
    json_object_put(doc);
    return r == 0 ? s.threat_action : "error";
}

static void test_okta_threatinsight_action(void **state)
{
    assert_string_equal(threats("{\"action\":\"block\",\"excludeZones\":[]}"), "block");
    assert_string_equal(threats("{\"action\":\"AUDIT\"}"), "audit");
    assert_string_equal(threats("{\"action\":\"none\"}"), "none");
    assert_string_equal(threats("{\"action\":\"maybe\"}"), "error");
    assert_string_equal(threats("{\"excludeZones\":[]}"), "error");
    assert_string_equal(threats("[]"), "error");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_okta_apps_modes_and_features),
        cmocka_unit_test(test_okta_idps_and_group_rules),
        cmocka_unit_test(test_okta_threatinsight_action),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
