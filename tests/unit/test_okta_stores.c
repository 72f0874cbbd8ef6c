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

static void test_okta_targets_and_lifecycle(void **state)
{
    struct zt_okta_stores s = {0};

    /* Workday is a profile source (not a target); Salesforce is pushed and deactivated; the
     * vaulted intranet only pushed; the bookmark keeps no account. */
#define APP(id, label, mode, features)                                                             \
    "{\"id\":\"" id "\",\"status\":\"ACTIVE\",\"label\":\"" label "\",\"signOnMode\":\"" mode      \
    "\",\"features\":[" features "]}"
    char text[1024];
    snprintf(text, sizeof(text), "[%s,%s,%s,%s]",
             APP("0oaW", "Workday", "SAML_2_0",
                 "\"IMPORT_NEW_USERS\",\"PROFILE_MASTERING\",\"PUSH_NEW_USERS\""),
             APP("0oaS", "Salesforce", "SAML_2_0", "\"PUSH_NEW_USERS\",\"PUSH_USER_DEACTIVATION\""),
             APP("0oaI", "Intranet", "AUTO_LOGIN", "\"PUSH_NEW_USERS\""),
             APP("0oaB", "Link", "BOOKMARK", ""));
    assert_int_equal(feed(&s, ZT_OKTA_APPS, text), 0);
#undef APP
    assert_int_equal(s.profile_sources, 1);
    assert_int_equal(s.targets, 2);
    assert_int_equal(s.provisioned_accounts, 2);
    assert_int_equal(s.deprovisioned_accounts, 1);
    assert_int_equal(json_object_array_length(s.target_apps), 2);
    assert_string_equal(zt_json_str(json_object_array_get_idx(s.target_apps, 1), "label"),
                        "Intranet");
    zt_okta_app_direct(&s, 1);
    assert_int_equal(s.direct_apps, 1);
    assert_string_equal(json_object_to_json_string_ext(s.direct_names, JSON_C_TO_STRING_PLAIN),
                        "[\"Intranet\"]");
    /* log streams and behaviour rules count only when ACTIVE */
    assert_int_equal(
        feed(&s, ZT_OKTA_LOG_STREAMS, "[{\"status\":\"ACTIVE\"},{\"status\":\"INACTIVE\"}]"), 0);
    assert_int_equal(feed(&s, ZT_OKTA_BEHAVIORS, "[{\"status\":\"INACTIVE\"}]"), 0);
    assert_int_equal(s.streams_active, 1);
    assert_int_equal(s.behaviors_active, 0);
    zt_okta_stores_clear(&s);
    assert_null(s.target_apps);
}

static bool app_user(const char *text)
{
    struct json_object *e = json_tokener_parse(text);
    bool direct = false;

    assert_int_equal(zt_okta_app_user(e, &direct), 0);
    json_object_put(e);
    return direct;
}

static bool itp_rules(const char *text)
{
    struct zt_okta_stores s = {0};
    struct json_object *arr = json_tokener_parse(text);

    for (size_t i = 0; i < json_object_array_length(arr); i++) {
        assert_int_equal(zt_okta_itp_rule(&s, json_object_array_get_idx(arr, i)), 0);
    }
    json_object_put(arr);
    return s.itp_response;
}

static void test_okta_assignment_risk_and_sku(void **state)
{
    assert_true(app_user("{\"scope\":\"USER\"}"));
    assert_false(app_user("{\"scope\":\"GROUP\"}"));
    assert_false(app_user("{}"));
    bool direct = false;
    struct json_object *s = json_object_new_string("00u1");
    assert_int_equal(zt_okta_app_user(s, &direct), -EBADMSG);
    json_object_put(s);
    /* only an ACTIVE rule with a non-empty action list responds by itself */
    assert_true(itp_rules("[{\"status\":\"ACTIVE\",\"actions\":{\"entityRisk\":{\"actions\":"
                          "[{\"action\":\"TERMINATE_ALL_SESSIONS\"}]}}}]"));
    assert_false(itp_rules("[{\"status\":\"ACTIVE\",\"actions\":{\"entityRisk\":{\"actions\""
                           ":[]}}},{\"status\":\"INACTIVE\",\"actions\":{\"entityRisk\":{"
                           "\"actions\":[{\"action\":\"RUN_WORKFLOW\"}]}}}]"));
    assert_true(zt_okta_feature_missing(
        "GET https://x/api/v1/logStreams (attempt 1/5): HTTP 401: {\"errorCode\":\"E0000015\","));
    assert_false(zt_okta_feature_missing("HTTP 401: {\"errorCode\":\"E0000011\""));
    assert_false(zt_okta_feature_missing(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_okta_apps_modes_and_features),
        cmocka_unit_test(test_okta_idps_and_group_rules),
        cmocka_unit_test(test_okta_threatinsight_action),
        cmocka_unit_test(test_okta_targets_and_lifecycle),
        cmocka_unit_test(test_okta_assignment_risk_and_sku),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
