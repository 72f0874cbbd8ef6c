/* test_entra_ca.c - the entra.ca.* derivations on hand-written Conditional Access policy sets,
 * including the traps: report-only, risk-only scoping, excluded groups (break-glass or not),
 * strength vs builtInControls, guests and apps excluded, narrowed client apps, both risks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "entra/entra.h"
#include "util.h"

#define BREAK_GLASS "aaaaaaaa-0000-0000-0000-000000000001"
#define OTHER_GROUP "bbbbbbbb-0000-0000-0000-000000000002"

#define USERS_ALL                                                                                  \
    "{\"includeUsers\":[\"All\"],\"excludeUsers\":[],\"excludeGroups\":[],\"excludeRoles\":[]}"
#define APPS_ALL   "{\"includeApplications\":[\"All\"],\"excludeApplications\":[]}"
#define GRANT_MFA  "{\"operator\":\"OR\",\"builtInControls\":[\"mfa\"]}"
#define GRANT_BLK  "{\"operator\":\"OR\",\"builtInControls\":[\"block\"]}"
#define NO_SESSION "null"
#define PRIV_ROLES                                                                                 \
    "\"62e90394-69f5-4237-9190-012177145e10\",\"e8611ab8-c189-46e8-94e1-60213ab1f814\","           \
    "\"fe930be7-5e62-47db-91af-98c3a49a38b1\",\"f28a1f50-f6e7-4571-818b-6a12f2af6b6c\","           \
    "\"29232cdf-9323-42fd-ade2-1d097af3e4de\",\"8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2\","           \
    "\"9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3\",\"158c047a-c907-4556-b7ef-446551a6b5f7\""

/* One policy as JSON text: cond holds extra members of "conditions" (may be ""). */
static char *pol(const char *id, const char *state, const char *users, const char *apps,
                 const char *cond, const char *grant, const char *session)
{
    return zt_xasprintf("{\"id\":\"%s\",\"displayName\":\"policy %s\",\"state\":\"%s\","
                        "\"conditions\":{\"users\":%s,\"applications\":%s,"
                        "\"userRiskLevels\":[],\"signInRiskLevels\":[],\"platforms\":null,"
                        "\"locations\":null%s%s},\"grantControls\":%s,\"sessionControls\":%s}",
                        id, id, state, users, apps, cond[0] ? "," : "", cond, grant, session);
}

struct world {
    struct json_object *facts;
    struct zt_strv emergency;
};

static int setup(void **state)
{
    struct world *w = calloc(1, sizeof(*w));
    zt_strv_push(&w->emergency, BREAK_GLASS);
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    struct world *w = *state;
    json_object_put(w->facts);
    zt_strv_clear(&w->emergency);
    free(w);
    return 0;
}

/* Derive facts from policies (a JSON array text, takes ownership of the parts). */
static struct json_object *derive(struct world *w, const char *strengths, int n, ...)
{
    struct json_object *arr = json_object_new_array(), *st = NULL;
    va_list ap;

    va_start(ap, n);
    for (int i = 0; i < n; i++) {
        char *p = va_arg(ap, char *);
        struct json_object *o = json_tokener_parse(p);
        if (!o) {
            fail_msg("bad test JSON: %s", p);
        }
        json_object_array_add(arr, o);
        free(p);
    }
    va_end(ap);
    if (strengths) {
        struct json_object *page = json_tokener_parse(strengths);
        assert_non_null(page);
        st = json_object_new_object();
        assert_int_equal(entra_strengths_page(st, page), 0);
        json_object_put(page);
    }
    json_object_put(w->facts);
    w->facts = json_object_new_object();
    assert_int_equal(entra_ca_derive(arr, st, &w->emergency, w->facts), 0);
    json_object_put(arr);
    json_object_put(st);
    return w->facts;
}

static int fact(struct json_object *facts, const char *key)
{
    struct json_object *v = entra_fact_value(facts, key);
    if (!v) {
        return -1; /* not emitted: unknown */
    }
    assert_true(json_object_is_type(v, json_type_boolean));
    return json_object_get_boolean(v);
}

/* Whether the first near miss of key gives a reason containing text. */
static bool near_reason(struct json_object *facts, const char *key, const char *text)
{
    struct json_object *near = entra_get(entra_fact_detail(facts, key), "near_misses");
    for (size_t i = 0; i < entra_array_len(near); i++) {
        struct json_object *rs = entra_get(json_object_array_get_idx(near, i), "reasons");
        for (size_t k = 0; k < entra_array_len(rs); k++) {
            if (strstr(json_object_get_string(json_object_array_get_idx(rs, k)), text)) {
                return true;
            }
        }
    }
    return false;
}

static void test_entra_ca_mfa_enabled_for_all(void **state)
{
    struct json_object *f = derive(
        *state, NULL, 1, pol("p1", "enabled", USERS_ALL, APPS_ALL, "", GRANT_MFA, NO_SESSION));
    assert_int_equal(fact(f, "entra.ca.mfa_all_users"), 1);
    assert_int_equal(fact(f, "entra.ca.phishing_resistant_mfa_all_users"), 0);
    assert_int_equal(fact(f, "entra.ca.legacy_auth_blocked"), 0);
    struct json_object *by =
        entra_get(entra_fact_detail(f, "entra.ca.mfa_all_users"), "satisfied_by");
    assert_int_equal(entra_array_len(by), 1);
    assert_string_equal(json_object_get_string(entra_get(json_object_array_get_idx(by, 0), "id")),
                        "p1");
    assert_int_equal(json_object_get_int(entra_fact_value(f, "entra.ca.policies_enabled")), 1);
}

static void test_entra_ca_report_only_and_disabled_do_not_enforce(void **state)
{
    struct json_object *f =
        derive(*state, NULL, 2,
               pol("ro", "enabledForReportingButNotEnforced", USERS_ALL, APPS_ALL, "", GRANT_MFA,
                   NO_SESSION),
               pol("off", "disabled", USERS_ALL, APPS_ALL, "", GRANT_MFA, NO_SESSION));
    assert_int_equal(fact(f, "entra.ca.mfa_all_users"), 0);
    assert_true(near_reason(f, "entra.ca.mfa_all_users", "enabledForReportingButNotEnforced"));
    assert_true(near_reason(f, "entra.ca.mfa_all_users", "state is disabled"));
    assert_int_equal(json_object_get_int(entra_fact_value(f, "entra.ca.policies_report_only")), 1);
    assert_int_equal(json_object_get_int(entra_fact_value(f, "entra.ca.policies_enabled")), 0);
}

static void test_entra_ca_risk_only_scoping_is_not_all_users(void **state)
{
    struct json_object *f =
        derive(*state, NULL, 1,
               pol("risky", "enabled", USERS_ALL, APPS_ALL,
                   "\"signInRiskLevels\":[\"high\",\"medium\"]", GRANT_MFA, NO_SESSION));
    assert_int_equal(fact(f, "entra.ca.mfa_all_users"), 0);
    assert_true(near_reason(f, "entra.ca.mfa_all_users", "sign-in risk levels"));
    assert_int_equal(fact(f, "entra.ca.high_signin_risk_remediated"), 1);
    assert_int_equal(fact(f, "entra.ca.high_signin_risk_blocked"), 0);
}

static void test_entra_ca_excluded_groups_break_glass_or_not(void **state)
{
    const char *bg = "{\"includeUsers\":[\"All\"],\"excludeGroups\":[\"" BREAK_GLASS "\"]}";
    const char *other = "{\"includeUsers\":[\"All\"],\"excludeGroups\":[\"" OTHER_GROUP "\"]}";
    const char *bg_upper = "{\"includeUsers\":[\"All\"],\"excludeUsers\":"
                           "[\"AAAAAAAA-0000-0000-0000-000000000001\"]}";

    struct json_object *f =
        derive(*state, NULL, 1, pol("bg", "enabled", bg, APPS_ALL, "", GRANT_MFA, NO_SESSION));
    assert_int_equal(fact(f, "entra.ca.mfa_all_users"), 1);
    struct json_object *by =
        entra_get(entra_fact_detail(f, "entra.ca.mfa_all_users"), "satisfied_by");
    struct json_object *ex = entra_get(json_object_array_get_idx(by, 0), "emergency_exclusions");
    assert_int_equal(entra_array_len(ex), 1);
    assert_string_equal(json_object_get_string(json_object_array_get_idx(ex, 0)), BREAK_GLASS);

    f = derive(*state, NULL, 1, pol("grp", "enabled", other, APPS_ALL, "", GRANT_MFA, NO_SESSION));
    assert_int_equal(fact(f, "entra.ca.mfa_all_users"), 0);
    assert_true(near_reason(f, "entra.ca.mfa_all_users", "excludes group " OTHER_GROUP));

    f = derive(*state, NULL, 1, pol("u", "enabled", bg_upper, APPS_ALL, "", GRANT_MFA, NO_SESSION));
    assert_int_equal(fact(f, "entra.ca.mfa_all_users"), 1); /* ids compare case-insensitively */
}

static void test_entra_ca_roles_guests_and_apps_excluded(void **state)
{
    const char *roles = "{\"includeUsers\":[\"All\"],\"excludeRoles\":[\"" OTHER_GROUP "\"]}";
    const char *guests = "{\"includeUsers\":[\"All\"],\"excludeGuestsOrExternalUsers\":"
                         "{\"guestOrExternalUserTypes\":\"b2bCollaborationGuest\"}}";
    const char *guests2 =
        "{\"includeUsers\":[\"All\"],\"excludeUsers\":[\"GuestsOrExternalUsers\"]}";
    const char *one_app = "{\"includeApplications\":[\"All\"],\"excludeApplications\":"
                          "[\"00000003-0000-0ff1-ce00-000000000000\"]}";
    const char *some_users = "{\"includeUsers\":[\"" OTHER_GROUP "\"]}";

    struct json_object *f =
        derive(*state, NULL, 5, pol("r", "enabled", roles, APPS_ALL, "", GRANT_MFA, NO_SESSION),
               pol("g", "enabled", guests, APPS_ALL, "", GRANT_MFA, NO_SESSION),
               pol("g2", "enabled", guests2, APPS_ALL, "", GRANT_MFA, NO_SESSION),
               pol("a", "enabled", USERS_ALL, one_app, "", GRANT_MFA, NO_SESSION),
               pol("s", "enabled", some_users, APPS_ALL, "", GRANT_MFA, NO_SESSION));
    assert_int_equal(fact(f, "entra.ca.mfa_all_users"), 0);
    assert_true(near_reason(f, "entra.ca.mfa_all_users", "excludes directory roles"));
    assert_true(near_reason(f, "entra.ca.mfa_all_users", "excludes guests"));
    assert_true(near_reason(f, "entra.ca.mfa_all_users",
                            "excludes application 00000003-0000-0ff1-ce00-000000000000"));
    assert_true(near_reason(f, "entra.ca.mfa_all_users", "does not include all users"));
    assert_int_equal(json_object_get_int(entra_get(entra_fact_detail(f, "entra.ca.mfa_all_users"),
                                                   "near_miss_count")),
                     5);
}

static void test_entra_ca_narrowing_conditions(void **state)
{
    const char *conds[] = {
        "\"clientAppTypes\":[\"browser\",\"mobileAppsAndDesktopClients\"]",
        "\"platforms\":{\"includePlatforms\":[\"android\",\"iOS\"],\"excludePlatforms\":[]}",
        "\"locations\":{\"includeLocations\":[\"All\"],\"excludeLocations\":[\"AllTrusted\"]}",
        ("\"devices\":{\"deviceFilter\":{\"mode\":\"exclude\",\"rule\":\"device.isCompliant -eq "
         "True\"}}"),
        "\"authenticationFlows\":{\"transferMethods\":\"deviceCodeFlow\"}",
        "\"userRiskLevels\":[\"high\"]",
        "\"insiderRiskLevels\":\"elevated\"",
        "\"clientApplications\":{\"includeServicePrincipals\":[\"ServicePrincipalsInMyTenant\"]}",
    };
    const char *words[] = {"client app types",     "device platforms", "locations", "device filter",
                           "authentication flows", "user risk levels", "insider",   "workload"};
    for (size_t i = 0; i < ZT_ELEMENTSOF(conds); i++) {
        struct json_object *f =
            derive(*state, NULL, 1,
                   pol("n", "enabled", USERS_ALL, APPS_ALL, conds[i], GRANT_MFA, NO_SESSION));
        assert_int_equal(fact(f, "entra.ca.mfa_all_users"), 0);
        if (!near_reason(f, "entra.ca.mfa_all_users", words[i])) {
            fail_msg("condition %s not reported as '%s'", conds[i], words[i]);
        }
    }
    /* "all" platforms / "All" locations with nothing excluded, clientAppTypes all: no condition. */
    struct json_object *f =
        derive(*state, NULL, 1,
               pol("wide", "enabled", USERS_ALL, APPS_ALL,
                   "\"clientAppTypes\":[\"all\"],\"platforms\":{\"includePlatforms\":[\"all\"]},"
                   "\"locations\":{\"includeLocations\":[\"All\"],\"excludeLocations\":[]}",
                   GRANT_MFA, NO_SESSION));
    assert_int_equal(fact(f, "entra.ca.mfa_all_users"), 1);
}

#define STRENGTHS                                                                                  \
    "{\"value\":[{\"id\":\"00000000-0000-0000-0000-000000000002\",\"allowedCombinations\":"        \
    "[\"password,sms\",\"windowsHelloForBusiness\"]},"                                             \
    "{\"id\":\"00000000-0000-0000-0000-000000000004\",\"allowedCombinations\":"                    \
    "[\"windowsHelloForBusiness\",\"fido2\",\"x509CertificateMultiFactor\"]},"                     \
    "{\"id\":\"custom-pr\",\"allowedCombinations\":[\"fido2\"]},"                                  \
    "{\"id\":\"custom-weak\",\"allowedCombinations\":[\"fido2\",\"deviceBasedPush\"]}]}"

static char *grant_strength(const char *id, const char *combos)
{
    return zt_xasprintf("{\"operator\":\"AND\",\"builtInControls\":[],"
                        "\"authenticationStrength\":{\"id\":\"%s\"%s%s}}",
                        id, combos ? ",\"allowedCombinations\":" : "", combos ? combos : "");
}

static int pr_with(void **state, const char *strengths, const char *id, const char *combos)
{
    _cleanup_free_ char *g = grant_strength(id, combos);
    struct json_object *f =
        derive(*state, strengths, 1, pol("s", "enabled", USERS_ALL, APPS_ALL, "", g, NO_SESSION));
    assert_int_equal(fact(f, "entra.ca.mfa_all_users"), 1); /* any strength is MFA */
    return fact(f, "entra.ca.phishing_resistant_mfa_all_users");
}

static void test_entra_ca_strength_vs_builtin_controls(void **state)
{
    /* builtInControls mfa alone is MFA but never phishing-resistant */
    struct json_object *f = derive(
        *state, STRENGTHS, 1, pol("m", "enabled", USERS_ALL, APPS_ALL, "", GRANT_MFA, NO_SESSION));
    assert_int_equal(fact(f, "entra.ca.phishing_resistant_mfa_all_users"), 0);
    /* inline combinations decide */
    assert_int_equal(pr_with(state, NULL, "x", "[\"fido2\",\"windowsHelloForBusiness\"]"), 1);
    assert_int_equal(pr_with(state, NULL, "x", "[\"fido2\",\"password,sms\"]"), 0);
    /* only an id: resolved through the strength list */
    assert_int_equal(pr_with(state, STRENGTHS, "custom-pr", NULL), 1);
    assert_int_equal(pr_with(state, STRENGTHS, "custom-weak", NULL), 0);
    assert_int_equal(pr_with(state, STRENGTHS, "00000000-0000-0000-0000-000000000002", NULL), 0);
    /* the built-in phishing-resistant strength is known without the list */
    assert_int_equal(pr_with(state, NULL, "00000000-0000-0000-0000-000000000004", NULL), 1);
    /* an unknown custom strength without the list: unknown, not false */
    assert_int_equal(pr_with(state, NULL, "custom-pr", NULL), -1);
    /* an empty combination list is not phishing-resistant */
    assert_int_equal(pr_with(state, STRENGTHS, "nowhere", "[]"), 0);
}

static void test_entra_ca_grant_operator_or_weakens(void **state)
{
    const char *mfa_or_dev =
        "{\"operator\":\"OR\",\"builtInControls\":[\"mfa\",\"compliantDevice\"]}";
    const char *mfa_and_dev =
        "{\"operator\":\"AND\",\"builtInControls\":[\"mfa\",\"compliantDevice\"]}";
    const char *dev_or_hybrid =
        "{\"operator\":\"OR\",\"builtInControls\":[\"compliantDevice\",\"domainJoinedDevice\"]}";
    const char *pr_or_mfa = "{\"operator\":\"OR\",\"builtInControls\":[\"mfa\"],"
                            "\"authenticationStrength\":{\"id\":\"00000000-0000-0000-0000-"
                            "000000000004\"}}";

    struct json_object *f = derive(
        *state, NULL, 1, pol("o", "enabled", USERS_ALL, APPS_ALL, "", mfa_or_dev, NO_SESSION));
    assert_int_equal(fact(f, "entra.ca.mfa_all_users"), 0);
    assert_int_equal(fact(f, "entra.ca.managed_device_required"), 0);
    f = derive(*state, NULL, 1,
               pol("a", "enabled", USERS_ALL, APPS_ALL, "", mfa_and_dev, NO_SESSION));
    assert_int_equal(fact(f, "entra.ca.mfa_all_users"), 1);
    assert_int_equal(fact(f, "entra.ca.managed_device_required"), 1);
    f = derive(*state, NULL, 1,
               pol("d", "enabled", USERS_ALL, APPS_ALL, "", dev_or_hybrid, NO_SESSION));
    assert_int_equal(fact(f, "entra.ca.managed_device_required"), 1);
    assert_int_equal(fact(f, "entra.ca.mfa_all_users"), 0);
    f = derive(*state, NULL, 1,
               pol("p", "enabled", USERS_ALL, APPS_ALL, "", pr_or_mfa, NO_SESSION));
    assert_int_equal(fact(f, "entra.ca.mfa_all_users"), 1);
    assert_int_equal(fact(f, "entra.ca.phishing_resistant_mfa_all_users"), 0);
}

static void test_entra_ca_risk_block_needs_its_own_policy(void **state)
{
    struct json_object *f =
        derive(*state, NULL, 1,
               pol("both", "enabled", USERS_ALL, APPS_ALL,
                   "\"userRiskLevels\":[\"high\"],\"signInRiskLevels\":[\"high\"]", GRANT_BLK,
                   NO_SESSION));
    assert_int_equal(fact(f, "entra.ca.high_user_risk_blocked"), 0);
    assert_int_equal(fact(f, "entra.ca.high_signin_risk_blocked"), 0);
    assert_true(near_reason(f, "entra.ca.high_user_risk_blocked", "sign-in risk levels"));
    f = derive(*state, NULL, 2,
               pol("u", "enabled", USERS_ALL, APPS_ALL, "\"userRiskLevels\":[\"high\"]", GRANT_BLK,
                   NO_SESSION),
               pol("s", "enabled", USERS_ALL, APPS_ALL,
                   "\"signInRiskLevels\":[\"medium\",\"high\"]", GRANT_BLK, NO_SESSION));
    assert_int_equal(fact(f, "entra.ca.high_user_risk_blocked"), 1);
    assert_int_equal(fact(f, "entra.ca.high_signin_risk_blocked"), 1);
    assert_int_equal(fact(f, "entra.ca.high_user_risk_remediated"), 1);
    /* medium only does not cover high */
    f = derive(*state, NULL, 1,
               pol("m", "enabled", USERS_ALL, APPS_ALL, "\"userRiskLevels\":[\"medium\"]",
                   GRANT_BLK, NO_SESSION));
    assert_int_equal(fact(f, "entra.ca.high_user_risk_blocked"), 0);
}

static void test_entra_ca_legacy_and_device_code(void **state)
{
    struct json_object *f =
        derive(*state, NULL, 3,
               pol("l", "enabled", USERS_ALL, APPS_ALL,
                   "\"clientAppTypes\":[\"exchangeActiveSync\",\"other\"]", GRANT_BLK, NO_SESSION),
               pol("dc", "enabled", USERS_ALL, APPS_ALL,
                   "\"authenticationFlows\":{\"transferMethods\":\"deviceCodeFlow,"
                   "authenticationTransfer\"}",
                   GRANT_BLK, NO_SESSION),
               pol("m", "enabled", USERS_ALL, APPS_ALL, "", GRANT_MFA, NO_SESSION));
    assert_int_equal(fact(f, "entra.ca.legacy_auth_blocked"), 1);
    assert_int_equal(fact(f, "entra.ca.device_code_flow_blocked"), 1);
    assert_int_equal(fact(f, "entra.ca.mfa_all_users"), 1);
    f = derive(*state, NULL, 2,
               pol("l", "enabled", USERS_ALL, APPS_ALL, "\"clientAppTypes\":[\"other\"]", GRANT_BLK,
                   NO_SESSION),
               pol("l2", "enabled", USERS_ALL, APPS_ALL,
                   "\"clientAppTypes\":[\"exchangeActiveSync\",\"other\"],"
                   "\"locations\":{\"includeLocations\":[\"All\"],\"excludeLocations\":[\"x\"]}",
                   GRANT_BLK, NO_SESSION));
    assert_int_equal(fact(f, "entra.ca.legacy_auth_blocked"), 0);
    assert_true(near_reason(f, "entra.ca.legacy_auth_blocked", "locations"));
    assert_int_equal(fact(f, "entra.ca.device_code_flow_blocked"), 0);
}

static void test_entra_ca_registration_and_privileged_roles(void **state)
{
    const char *reg_apps = "{\"includeApplications\":[],\"includeUserActions\":"
                           "[\"urn:user:registersecurityinfo\"]}";
    const char *dev = "{\"operator\":\"OR\",\"builtInControls\":[\"compliantDevice\","
                      "\"domainJoinedDevice\"]}";
    const char *roles = "{\"includeUsers\":[],\"includeRoles\":[" PRIV_ROLES "]}";
    const char *few_roles = "{\"includeRoles\":[\"62e90394-69f5-4237-9190-012177145e10\"]}";
    _cleanup_free_ char *g = grant_strength("00000000-0000-0000-0000-000000000004", NULL);

    struct json_object *f =
        derive(*state, NULL, 2, pol("r", "enabled", USERS_ALL, reg_apps, "", dev, NO_SESSION),
               pol("p", "enabled", roles, APPS_ALL, "", g, NO_SESSION));
    assert_int_equal(fact(f, "entra.ca.managed_device_for_registration"), 1);
    assert_int_equal(fact(f, "entra.ca.managed_device_required"), 0);
    assert_int_equal(fact(f, "entra.ca.phishing_resistant_mfa_privileged_roles"), 1);
    assert_int_equal(fact(f, "entra.ca.phishing_resistant_mfa_all_users"), 0);
    f = derive(*state, NULL, 1, pol("p", "enabled", few_roles, APPS_ALL, "", g, NO_SESSION));
    assert_int_equal(fact(f, "entra.ca.phishing_resistant_mfa_privileged_roles"), 0);
    /* all users with a phishing-resistant strength covers the admins too */
    f = derive(*state, NULL, 1, pol("a", "enabled", USERS_ALL, APPS_ALL, "", g, NO_SESSION));
    assert_int_equal(fact(f, "entra.ca.phishing_resistant_mfa_privileged_roles"), 1);
}

static void test_entra_ca_sign_in_frequency(void **state)
{
    const char *sif = "{\"signInFrequency\":{\"isEnabled\":true,\"type\":\"hours\",\"value\":8,"
                      "\"frequencyInterval\":\"timeBased\"}}";
    const char *every =
        "{\"signInFrequency\":{\"isEnabled\":true,\"frequencyInterval\":"
        "\"everyTime\",\"authenticationType\":\"primaryAndSecondaryAuthentication\"}}";
    struct json_object *f =
        derive(*state, NULL, 2, pol("s", "enabled", USERS_ALL, APPS_ALL, "", "null", sif),
               pol("r", "enabled", USERS_ALL, APPS_ALL, "\"signInRiskLevels\":[\"high\"]",
                   GRANT_MFA, every));
    assert_int_equal(fact(f, "entra.ca.sign_in_frequency_all_users"), 1);
    assert_int_equal(fact(f, "entra.ca.sign_in_frequency_on_risk"), 1);
    f = derive(*state, NULL, 1, pol("e", "enabled", USERS_ALL, APPS_ALL, "", GRANT_MFA, every));
    assert_int_equal(fact(f, "entra.ca.sign_in_frequency_on_risk"), 0); /* no risk condition */
}

static void test_entra_ca_cae_from_beta(void **state)
{
    struct world *w = *state;
    _cleanup_free_ char *strict =
        pol("c", "enabled", USERS_ALL, APPS_ALL, "", "null",
            "{\"continuousAccessEvaluation\":{\"mode\":\"strictEnforcement\"}}");
    _cleanup_free_ char *off = pol("d", "enabled", USERS_ALL, APPS_ALL, "", "null",
                                   "{\"continuousAccessEvaluation\":{\"mode\":\"disabled\"}}");
    _cleanup_free_ char *text = zt_xasprintf("[%s,%s]", strict, off);
    struct json_object *arr = json_tokener_parse(text), *f = json_object_new_object();

    assert_int_equal(entra_ca_derive_cae(arr, &w->emergency, f), 0);
    assert_int_equal(fact(f, "entra.ca.cae_strict_enforcement"), 1);
    assert_int_equal(fact(f, "entra.ca.cae_disabled"), 1);
    json_object_put(arr);
    json_object_put(f);
}

static void test_entra_ca_malformed(void **state)
{
    struct world *w = *state;
    struct json_object *f = json_object_new_object(), *o = json_tokener_parse("{\"value\":1}");
    struct json_object *arr = json_tokener_parse("[1]"), *empty = json_tokener_parse("[]");

    assert_int_equal(entra_ca_derive(o, NULL, &w->emergency, f), -EBADMSG);
    assert_int_equal(entra_ca_derive(arr, NULL, &w->emergency, f), -EBADMSG);
    assert_int_equal(entra_ca_derive_cae(o, &w->emergency, f), -EBADMSG);
    assert_int_equal(entra_strengths_page(f, o), -EBADMSG);
    /* no policies at all: every fact is a known false */
    assert_int_equal(entra_ca_derive(empty, NULL, &w->emergency, f), 0);
    assert_int_equal(fact(f, "entra.ca.mfa_all_users"), 0);
    assert_int_equal(json_object_get_int(entra_fact_value(f, "entra.ca.policies_total")), 0);
    json_object_put(f);
    json_object_put(o);
    json_object_put(arr);
    json_object_put(empty);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_entra_ca_mfa_enabled_for_all, setup, teardown),
        cmocka_unit_test_setup_teardown(test_entra_ca_report_only_and_disabled_do_not_enforce,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_entra_ca_risk_only_scoping_is_not_all_users, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_entra_ca_excluded_groups_break_glass_or_not, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_entra_ca_roles_guests_and_apps_excluded, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_entra_ca_narrowing_conditions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_entra_ca_strength_vs_builtin_controls, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_entra_ca_grant_operator_or_weakens, setup, teardown),
        cmocka_unit_test_setup_teardown(test_entra_ca_risk_block_needs_its_own_policy, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_entra_ca_legacy_and_device_code, setup, teardown),
        cmocka_unit_test_setup_teardown(test_entra_ca_registration_and_privileged_roles, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_entra_ca_sign_in_frequency, setup, teardown),
        cmocka_unit_test_setup_teardown(test_entra_ca_cae_from_beta, setup, teardown),
        cmocka_unit_test_setup_teardown(test_entra_ca_malformed, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
