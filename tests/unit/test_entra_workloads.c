/* test_entra_workloads.c - the workload identity (service principals, federated credentials,
 * Conditional Access for service principals), cross-tenant access and identity governance
 * (lifecycle workflows, entitlement management) derivations of the entra collector, on strings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "entra/entra.h"
#include "entra_test_facts.h"
#include "util.h"

static int64_t now; /* 2024-06-01T12:00:00Z */

static int setup(void **state)
{
    assert_int_equal(zt_parse_time("2024-06-01T12:00:00Z", 0, &now), 0);
    return 0;
}

static const char *str_fact(struct json_object *f, const char *key)
{
    return json_object_get_string(value(f, key));
}

static int sp(struct entra_sps *s, const char *body)
{
    struct json_object *o = parse(body);
    int r = entra_sps_item(s, o, now);
    json_object_put(o);
    return r;
}

static void test_entra_service_principals(void **state)
{
    struct entra_sps s = {.secret_sps = json_object_new_array()};
    struct json_object *f = json_object_new_object();

    /* SAML, assignment required, its signing certificate expired */
    assert_int_equal(
        sp(&s, "{\"id\":\"1\",\"displayName\":\"Salesforce\",\"preferredSingleSignOnMode\":"
               "\"saml\",\"appRoleAssignmentRequired\":true,\"passwordCredentials\":[],"
               "\"keyCredentials\":[{\"endDateTime\":\"2024-05-01T00:00:00Z\"}]}"),
        0);
    /* OpenID Connect, open to every user, a secret expiring in 10 days */
    assert_int_equal(sp(&s, "{\"id\":\"2\",\"displayName\":\"Wiki\",\"preferredSingleSignOnMode\":"
                            "\"OIDC\",\"appRoleAssignmentRequired\":false,\"passwordCredentials\":["
                            "{\"endDateTime\":\"2024-06-11T12:00:00Z\"}],\"keyCredentials\":[]}"),
                     0);
    /* password vaulted, assignment required */
    assert_int_equal(sp(&s,
                        "{\"id\":\"3\",\"displayName\":\"Intranet\",\"preferredSingleSignOnMode\":"
                        "\"password\",\"appRoleAssignmentRequired\":true}"),
                     0);
    /* no single sign-on (an API, a managed identity): counted in the total only */
    assert_int_equal(sp(&s, "{\"id\":\"4\",\"preferredSingleSignOnMode\":null,"
                            "\"appRoleAssignmentRequired\":true}"),
                     0);
    assert_int_equal(sp(&s, "{\"id\":\"5\",\"preferredSingleSignOnMode\":\"notSupported\"}"), 0);
    assert_int_equal(sp(&s, "{\"displayName\":\"no id\"}"), -EBADMSG);
    assert_int_equal(sp(&s, "[]"), -EBADMSG);
    entra_sps_facts(&s, f);
    assert_int_equal(int_fact(f, "entra.serviceprincipals.total"), 5);
    assert_int_equal(int_fact(f, "entra.serviceprincipals.sso_count"), 2);
    assert_int_equal(int_fact(f, "entra.serviceprincipals.password_sso_count"), 1);
    /* 2 of the 3 apps with a single sign-on mode require assignment */
    assert_float_equal(
        json_object_get_double(value(f, "entra.serviceprincipals.sso_assignment_required_share")),
        0.6667, 0.00001);
    assert_int_equal(int_fact(f, "entra.serviceprincipals.secret_credentials"), 1);
    assert_int_equal(int_fact(f, "entra.serviceprincipals.expired_credentials"), 1);
    assert_int_equal(int_fact(f, "entra.serviceprincipals.expiring_credentials_30d"), 1);
    struct json_object *d = entra_fact_detail(f, "entra.serviceprincipals.secret_credentials");
    assert_string_equal(json_object_to_json_string_ext(d, JSON_C_TO_STRING_PLAIN),
                        "{\"service_principals\":[\"Wiki\"]}");
    json_object_put(f);
    json_object_put(s.secret_sps);

    /* no app with single sign-on: no share (unknown), never 0 or 1 */
    struct entra_sps none = {.secret_sps = json_object_new_array()};
    f = json_object_new_object();
    assert_int_equal(sp(&none, "{\"id\":\"9\"}"), 0);
    entra_sps_facts(&none, f);
    assert_null(entra_fact_value(f, "entra.serviceprincipals.sso_assignment_required_share"));
    json_object_put(f);
    json_object_put(none.secret_sps);
}

static void test_entra_ids_page(void **state)
{
    uint64_t n = 0;
    struct json_object *p1 =
        parse("{\"@odata.count\":3,\"value\":[{\"id\":\"a\"},{\"id\":\"b\"}]}");
    struct json_object *p2 = parse("{\"value\":[{\"id\":\"c\"}]}");
    struct json_object *bad = parse("{\"value\":[{\"id\":\"d\"},{\"displayName\":\"x\"}]}");
    struct json_object *none = parse("{\"error\":{}}");

    assert_int_equal(entra_ids_page(&n, p1), 0);
    assert_int_equal(entra_ids_page(&n, p2), 0);
    assert_int_equal(entra_ids_page(&n, bad), -EBADMSG);
    assert_int_equal(entra_ids_page(&n, none), -EBADMSG);
    assert_int_equal(n, 3); /* nothing of a bad page counted */
    json_object_put(p1);
    json_object_put(p2);
    json_object_put(bad);
    json_object_put(none);
}

static struct json_object *workload(const char *policies)
{
    struct json_object *p = parse(policies), *f = json_object_new_object();
    if (entra_ca_workload_derive(p, f) < 0) {
        json_object_put(f);
        f = NULL;
    }
    json_object_put(p);
    return f;
}

#define WL(state, inc)                                                                             \
    "{\"id\":\"p\",\"state\":\"" state                                                             \
    "\",\"conditions\":{\"users\":{\"includeUsers\":[\"None\"]},"                                  \
    "\"clientApplications\":{\"includeServicePrincipals\":" inc                                    \
    ",\"excludeServicePrincipals\":[]}"                                                            \
    "},\"grantControls\":{\"builtInControls\":[\"block\"]}}"

static void test_entra_ca_workload(void **state)
{
    struct json_object *f = workload("[" WL("enabled", "[\"ServicePrincipalsInMyTenant\"]") "]");
    assert_int_equal(int_fact(f, "entra.ca.workload_identity_policies"), 1);
    assert_int_equal(bool_fact(f, "entra.ca.workload_identities_all"), 1);
    json_object_put(f);

    /* report-only does not enforce; a policy naming one service principal covers only it */
    f = workload(
        "[" WL("enabledForReportingButNotEnforced", "[\"ServicePrincipalsInMyTenant\"]") "," WL(
            "enabled",
            "[\"5e000000-0000-4000-8000-000000000001\"]") ","
                                                          "{\"id\":\"u\",\"state\":\"enabled\","
                                                          "\"conditions\":{\"clientApplications\":"
                                                          "null}}]");
    assert_int_equal(int_fact(f, "entra.ca.workload_identity_policies"), 1);
    assert_int_equal(bool_fact(f, "entra.ca.workload_identities_all"), 0);
    json_object_put(f);

    assert_null(workload("{\"value\":[]}"));
}

static struct json_object *xtap(const char *doc)
{
    struct json_object *d = parse(doc), *f = json_object_new_object();
    if (entra_xtap_derive(d, f) < 0) {
        json_object_put(f);
        f = NULL;
    }
    json_object_put(d);
    return f;
}

#define B2B(type)                                                                                  \
    "{\"usersAndGroups\":{\"accessType\":\"" type "\",\"targets\":[{\"target\":\"AllUsers\","      \
    "\"targetType\":\"user\"}]},\"applications\":{\"accessType\":\"" type "\"}}"

static void test_entra_xtap_default(void **state)
{
    struct json_object *f = xtap(
        "{\"isServiceDefault\":false,\"inboundTrust\":{\"isMfaAccepted\":true,"
        "\"isCompliantDeviceAccepted\":false,\"isHybridAzureADJoinedDeviceAccepted\":false},"
        "\"b2bCollaborationInbound\":" B2B("allowed") ",\"b2bCollaborationOutbound\":" B2B(
            "blocked") ",\"b2bDirectConnectInbound\":" B2B("blocked") ",\"b2bDirectConnectOutbound"
                                                                      "\":" B2B("allowed") "}");
    assert_int_equal(bool_fact(f, "entra.xtap.inbound_trust_mfa"), 1);
    assert_int_equal(bool_fact(f, "entra.xtap.inbound_trust_compliant_device"), 0);
    assert_string_equal(str_fact(f, "entra.xtap.b2b_collaboration_inbound"), "allowed");
    assert_string_equal(str_fact(f, "entra.xtap.b2b_collaboration_outbound"), "blocked");
    assert_string_equal(str_fact(f, "entra.xtap.b2b_direct_connect_inbound"), "blocked");
    assert_string_equal(str_fact(f, "entra.xtap.b2b_direct_connect_outbound"), "allowed");
    assert_int_equal(bool_fact(f, "entra.xtap.service_default"), 0);
    json_object_put(f);

    /* inboundTrust null: nothing trusted */
    f = xtap("{\"isServiceDefault\":true,\"inboundTrust\":null,\"b2bCollaborationInbound\":" B2B(
        "allowed") "}");
    assert_int_equal(bool_fact(f, "entra.xtap.inbound_trust_mfa"), 0);
    assert_int_equal(bool_fact(f, "entra.xtap.service_default"), 1);
    assert_null(entra_fact_value(f, "entra.xtap.b2b_direct_connect_inbound"));
    json_object_put(f);

    assert_null(xtap("{\"error\":{\"code\":\"x\"}}"));
    assert_null(xtap("[]"));
}

static int gov_page(struct entra_governance *g, bool lcw, const char *items)
{
    _cleanup_free_ char *text = zt_xasprintf("{\"value\":[%s]}", items);
    struct json_object *p = parse(text);
    int r = lcw ? entra_lcw_page(g, p) : entra_em_page(g, p);
    json_object_put(p);
    return r;
}

#define WF(cat, en, sched)                                                                         \
    "{\"category\":\"" cat "\",\"isEnabled\":" en ",\"isSchedulingEnabled\":" sched "}"

static void test_entra_lifecycle_workflows(void **state)
{
    struct entra_governance g = {0};
    struct json_object *f = json_object_new_object();

    /* a leaver on demand only, a disabled but scheduled mover, a scheduled joiner (two pages) */
    assert_int_equal(
        gov_page(&g, true, WF("leaver", "true", "false") "," WF("mover", "false", "true")), 0);
    assert_int_equal(gov_page(&g, true, WF("Joiner", "true", "true")), 0);
    assert_int_equal(gov_page(&g, true, WF("leaver", "true", "true") ", 3"), -EBADMSG);
    entra_lcw_facts(&g, f);
    assert_int_equal(int_fact(f, "entra.lcw.workflows"), 3);
    assert_int_equal(bool_fact(f, "entra.lcw.joiner_scheduled"), 1);
    assert_int_equal(bool_fact(f, "entra.lcw.mover_scheduled"), 0);
    assert_int_equal(bool_fact(f, "entra.lcw.leaver_scheduled"), 0);
    json_object_put(f);
}

#define EMP(type, review)                                                                          \
    "{\"id\":\"x\",\"expiration\":{\"type\":\"" type "\"},\"reviewSettings\":" review "}"

static void test_entra_entitlement_policies(void **state)
{
    struct entra_governance g = {0};
    struct json_object *f = json_object_new_object();

    assert_int_equal(
        gov_page(
            &g, false,
            EMP("afterDuration", "{\"isEnabled\":true}") "," EMP("afterDateTime", "null") "," EMP(
                "noExpiration", "{\"isEnabled\":false}") "," EMP("notSpecified", "null")),
        0);
    assert_int_equal(gov_page(&g, false, "{\"id\":\"y\",\"expiration\":null}"), 0);
    assert_int_equal(gov_page(&g, false, "\"policy\""), -EBADMSG);
    entra_em_facts(&g, f);
    assert_int_equal(int_fact(f, "entra.em.assignment_policies"), 5);
    assert_int_equal(int_fact(f, "entra.em.policies_without_expiry"), 3);
    assert_int_equal(int_fact(f, "entra.em.policies_with_review"), 1);
    json_object_put(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entra_service_principals),
        cmocka_unit_test(test_entra_ids_page),
        cmocka_unit_test(test_entra_ca_workload),
        cmocka_unit_test(test_entra_xtap_default),
        cmocka_unit_test(test_entra_lifecycle_workflows),
        cmocka_unit_test(test_entra_entitlement_policies),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
