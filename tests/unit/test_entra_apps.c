/* test_entra_apps.c - the hybrid identity, application, consent and access review derivations of
 * the entra collector, on strings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "entra/entra.h"
#include "entra_test_facts.h"
#include "util.h"

#define HOUR (3600LL * 1000000LL)
#define DAY  (24 * HOUR)

static int64_t now; /* 2024-06-01T12:00:00Z */

static int setup(void **state)
{
    assert_int_equal(zt_parse_time("2024-06-01T12:00:00Z", 0, &now), 0);
    return 0;
}

static int org(const char *body, struct json_object *facts)
{
    struct json_object *doc = parse(body);
    int r = entra_org_derive(doc, now, facts);
    json_object_put(doc);
    return r;
}

static void test_entra_org_hybrid_sync(void **state)
{
    struct json_object *f = json_object_new_object();

    assert_int_equal(org("{\"value\":[{\"id\":\"o\",\"onPremisesSyncEnabled\":true,"
                         "\"onPremisesLastSyncDateTime\":\"2024-06-01T09:30:00Z\"}]}",
                         f),
                     0);
    assert_int_equal(bool_fact(f, "entra.directory.hybrid_sync"), 1);
    assert_float_equal(json_object_get_double(value(f, "entra.directory.last_sync_age_hours")), 2.5,
                       0.001);
    json_object_put(f);

    /* null: never synchronised (cloud-only) is false, and no age */
    f = json_object_new_object();
    assert_int_equal(org("{\"value\":[{\"id\":\"o\",\"onPremisesSyncEnabled\":null,"
                         "\"onPremisesLastSyncDateTime\":null}]}",
                         f),
                     0);
    assert_int_equal(bool_fact(f, "entra.directory.hybrid_sync"), 0);
    assert_null(entra_fact_value(f, "entra.directory.last_sync_age_hours"));
    /* sync turned off: an old last sync time gives no age either */
    assert_int_equal(org("{\"value\":[{\"onPremisesSyncEnabled\":false,"
                         "\"onPremisesLastSyncDateTime\":\"2020-01-01T00:00:00Z\"}]}",
                         f),
                     0);
    assert_null(entra_fact_value(f, "entra.directory.last_sync_age_hours"));
    assert_int_equal(org("{\"value\":[]}", f), -EBADMSG);
    assert_int_equal(org("{\"id\":\"o\"}", f), -EBADMSG);
    json_object_put(f);
}

static void test_entra_domains(void **state)
{
    struct entra_domains d = {0};
    struct json_object *f = json_object_new_object();
    struct json_object *p1 = parse("{\"value\":[{\"id\":\"contoso.com\",\"authenticationType\":"
                                   "\"Federated\"},{\"id\":\"a.onmicrosoft.com\","
                                   "\"authenticationType\":\"Managed\"}]}");
    struct json_object *p2 = parse("{\"value\":[{\"id\":\"b.com\",\"authenticationType\":"
                                   "\"managed\"}]}");
    struct json_object *bad = parse("{\"value\":[{\"id\":\"c.com\"}]}");

    assert_int_equal(entra_domains_page(&d, p1), 0);
    assert_int_equal(entra_domains_page(&d, p2), 0);
    assert_int_equal(entra_domains_page(&d, bad), -EBADMSG);
    entra_domains_facts(&d, f);
    assert_int_equal(int_fact(f, "entra.domains.federated_count"), 1);
    assert_int_equal(int_fact(f, "entra.domains.managed_count"), 2);
    json_object_put(p1);
    json_object_put(p2);
    json_object_put(bad);
    json_object_put(f);
}

static int app(struct entra_apps *a, const char *body)
{
    struct json_object *o = parse(body);
    int r = entra_apps_item(a, o, now);
    json_object_put(o);
    return r;
}

static void test_entra_apps_credentials(void **state)
{
    struct entra_apps a = {.secret_apps = json_object_new_array()};
    struct json_object *f = json_object_new_object();

    /* an expired secret and a secret expiring in 10 days; owned */
    assert_int_equal(app(&a, "{\"id\":\"1\",\"displayName\":\"Portal\",\"passwordCredentials\":["
                             "{\"endDateTime\":\"2024-05-01T00:00:00Z\"},{\"endDateTime\":"
                             "\"2024-06-11T12:00:00Z\"}],\"keyCredentials\":[],\"owners\":[{\"id\":"
                             "\"u\"}]}"),
                     0);
    /* a certificate valid a year, no owner */
    assert_int_equal(app(&a, "{\"id\":\"2\",\"displayName\":\"Api\",\"passwordCredentials\":[],"
                             "\"keyCredentials\":[{\"endDateTime\":\"2025-06-01T00:00:00Z\"}],"
                             "\"owners\":[]}"),
                     0);
    /* federated only: neither kind of credential */
    assert_int_equal(app(&a, "{\"id\":\"3\",\"passwordCredentials\":[],\"keyCredentials\":[],"
                             "\"owners\":[{\"id\":\"u\"}]}"),
                     0);
    assert_int_equal(app(&a, "[1]"), -EBADMSG);
    assert_int_equal(app(&a, "{\"displayName\":\"no id\"}"), -EBADMSG);
    entra_apps_facts(&a, f);
    assert_int_equal(int_fact(f, "entra.apps.registrations"), 3);
    assert_int_equal(int_fact(f, "entra.apps.secret_credentials"), 1);
    assert_int_equal(int_fact(f, "entra.apps.certificate_credentials"), 1);
    assert_int_equal(int_fact(f, "entra.apps.expired_credentials"), 1);
    assert_int_equal(int_fact(f, "entra.apps.expiring_credentials_30d"), 1);
    assert_int_equal(int_fact(f, "entra.apps.without_owners"), 1);
    struct json_object *d = entra_fact_detail(f, "entra.apps.secret_credentials");
    assert_string_equal(json_object_to_json_string_ext(d, JSON_C_TO_STRING_PLAIN),
                        "{\"apps\":[\"Portal\"]}");
    json_object_put(f);

    /* an item without its owners list: the owner count is left out, never a low count */
    assert_int_equal(app(&a, "{\"id\":\"4\",\"passwordCredentials\":[]}"), 0);
    f = json_object_new_object();
    entra_apps_facts(&a, f);
    assert_null(entra_fact_value(f, "entra.apps.without_owners"));
    json_object_put(f);
    json_object_put(a.secret_apps);
}

/* App instance property lock on multitenant apps; single-tenant apps are not counted. */
static void test_entra_apps_instance_lock(void **state)
{
    static const char *const apps[] = {
        /* locked for all properties */
        "{\"id\":\"1\",\"signInAudience\":\"AzureADMultipleOrgs\",\"owners\":[],"
        "\"servicePrincipalLockConfiguration\":{\"isEnabled\":true,\"allProperties\":true}}",
        /* both credential usages locked: as good for credentials */
        "{\"id\":\"2\",\"signInAudience\":\"AzureADandPersonalMicrosoftAccount\",\"owners\":[],"
        "\"servicePrincipalLockConfiguration\":{\"isEnabled\":true,\"allProperties\":false,"
        "\"credentialsWithUsageSign\":true,\"credentialsWithUsageVerify\":true}}",
        /* only verify locked: signing credentials can still be added */
        "{\"id\":\"3\",\"signInAudience\":\"AzureADMultipleOrgs\",\"owners\":[],"
        "\"servicePrincipalLockConfiguration\":{\"isEnabled\":true,\"allProperties\":false,"
        "\"credentialsWithUsageVerify\":true,\"credentialsWithUsageSign\":false}}",
        /* all properties set but the lock itself off */
        "{\"id\":\"4\",\"signInAudience\":\"AzureADMultipleOrgs\",\"owners\":[],"
        "\"servicePrincipalLockConfiguration\":{\"isEnabled\":false,\"allProperties\":true}}",
        /* no lock configuration at all */
        "{\"id\":\"5\",\"signInAudience\":\"AzureADMultipleOrgs\",\"owners\":[],"
        "\"servicePrincipalLockConfiguration\":null}",
        /* single tenant, unlocked: not a multitenant app */
        "{\"id\":\"6\",\"signInAudience\":\"AzureADMyOrg\",\"owners\":[]}",
    };
    struct entra_apps a = {.secret_apps = json_object_new_array()};
    struct json_object *f = json_object_new_object();

    for (size_t i = 0; i < ZT_ELEMENTSOF(apps); i++) {
        assert_int_equal(app(&a, apps[i]), 0);
    }
    entra_apps_facts(&a, f);
    assert_int_equal(int_fact(f, "entra.apps.multitenant"), 5);
    assert_int_equal(int_fact(f, "entra.apps.multitenant_without_instance_lock"), 3);
    json_object_put(f);
    json_object_put(a.secret_apps);
}

static const char *consent(const char *assigned, int *restricted)
{
    static char level[32];
    _cleanup_free_ char *text =
        zt_xasprintf("{\"id\":\"authorizationPolicy\",\"defaultUserRolePermissions\":{"
                     "\"allowedToCreateApps\":false,\"permissionGrantPoliciesAssigned\":%s}}",
                     assigned);
    struct json_object *doc = parse(text), *f = json_object_new_object();

    level[0] = '\0';
    *restricted = -1;
    if (entra_consent_derive(doc, f) == 0) {
        snprintf(level, sizeof(level), "%s",
                 json_object_get_string(value(f, "entra.consent.user_consent")));
        *restricted = bool_fact(f, "entra.consent.user_consent_restricted");
    }
    json_object_put(doc);
    json_object_put(f);
    return level;
}

static void test_entra_consent_levels(void **state)
{
    int restricted;

    assert_string_equal(consent("[\"ManagePermissionGrantsForOwnedResource.microsoft-dynamically-"
                                "managed-permissions-for-team\"]",
                                &restricted),
                        "disabled");
    assert_int_equal(restricted, 1);
    assert_string_equal(consent("[]", &restricted), "disabled");
    assert_string_equal(
        consent("[\"ManagePermissionGrantsForSelf.microsoft-user-default-low\"]", &restricted),
        "low_risk");
    assert_int_equal(restricted, 1);
    /* legacy wins whatever its place, compared case-insensitively */
    assert_string_equal(consent("[\"managepermissiongrantsforself.Microsoft-User-Default-Legacy\","
                                "\"ManagePermissionGrantsForSelf.microsoft-user-default-low\"]",
                                &restricted),
                        "all");
    assert_int_equal(restricted, 0);
    assert_string_equal(consent("[\"ManagePermissionGrantsForSelf.contoso-custom\"]", &restricted),
                        "custom");
    assert_int_equal(restricted, 0);
    /* a custom policy beside the low-risk one is custom, in either order */
    assert_string_equal(consent("[\"ManagePermissionGrantsForSelf.contoso-custom\","
                                "\"ManagePermissionGrantsForSelf.microsoft-user-default-low\"]",
                                &restricted),
                        "custom");
    assert_string_equal(consent("[\"ManagePermissionGrantsForSelf.microsoft-user-default-low\","
                                "\"ManagePermissionGrantsForSelf.contoso-custom\"]",
                                &restricted),
                        "custom");
    assert_string_equal(consent("null", &restricted), ""); /* shape error: no fact */
    assert_int_equal(restricted, -1);

    struct json_object *f = json_object_new_object();
    struct json_object *on =
        parse("{\"isEnabled\":true,\"notifyReviewers\":true,\"reviewers\":[]}");
    struct json_object *bad = parse("{\"isEnabled\":\"true\"}");
    assert_int_equal(entra_admin_consent_derive(on, f), 0);
    assert_int_equal(bool_fact(f, "entra.consent.admin_workflow_enabled"), 1);
    assert_int_equal(entra_admin_consent_derive(bad, f), -EBADMSG);
    json_object_put(on);
    json_object_put(bad);
    json_object_put(f);
}

#define QUARTERLY                                                                                  \
    "\"settings\":{\"recurrence\":{\"pattern\":{\"type\":\"absoluteMonthly\",\"interval\":3},"     \
    "\"range\":{\"type\":\"noEnd\"}}}"
#define QUARTERLY_AUTO                                                                             \
    "\"settings\":{\"autoApplyDecisionsEnabled\":true,\"recurrence\":{\"pattern\":{\"type\":"      \
    "\"weekly\",\"interval\":12}}}"
#define ONCE "\"settings\":{\"recurrence\":null}"
#define ROLES                                                                                      \
    "\"scope\":{\"@odata.type\":\"#microsoft.graph.principalResourceMembershipsScope\","           \
    "\"principalScopes\":[{\"query\":\"/users\"}],\"resourceScopes\":[{\"query\":"                 \
    "\"/roleManagement/directory/roleDefinitions/62e90394-69f5-4237-9190-012177145e10\"}]}"
#define GUESTS                                                                                     \
    "\"scope\":{\"query\":\"./members/microsoft.graph.user/?$count=true&$filter=(usertype eq "     \
    "'guest')\"}"

static struct json_object *reviews(const char *defs)
{
    _cleanup_free_ char *text = zt_xasprintf("{\"value\":[%s]}", defs);
    struct entra_reviews r = {0};
    struct json_object *page = parse(text), *f = json_object_new_object();

    if (entra_reviews_page(&r, page) == 0) {
        entra_reviews_facts(&r, f);
    }
    json_object_put(page);
    return f;
}

static void test_entra_access_reviews(void **state)
{
    struct json_object *f = reviews("{\"status\":\"InProgress\"," ROLES "," QUARTERLY "},"
                                    "{\"status\":\"InProgress\"," GUESTS "," QUARTERLY "}");
    assert_int_equal(int_fact(f, "entra.accessreviews.active_definitions"), 2);
    assert_int_equal(int_fact(f, "entra.accessreviews.recurring_definitions"), 2);
    assert_int_equal(bool_fact(f, "entra.accessreviews.privileged_roles"), 1);
    assert_int_equal(bool_fact(f, "entra.accessreviews.guests"), 1);
    assert_int_equal(int_fact(f, "entra.accessreviews.auto_apply_definitions"), 0);
    json_object_put(f);

    /* decisions applied automatically count only on an active recurring review */
    f = reviews("{\"status\":\"InProgress\"," GUESTS "," QUARTERLY_AUTO "},"
                "{\"status\":\"Completed\"," ROLES "," QUARTERLY_AUTO "},"
                "{\"status\":\"InProgress\"," ROLES ",\"settings\":{\"autoApplyDecisionsEnabled\":"
                "true,\"recurrence\":null}}");
    assert_int_equal(int_fact(f, "entra.accessreviews.auto_apply_definitions"), 1);
    json_object_put(f);

    /* a completed role review and a one-off guest review cover nothing on a schedule */
    f = reviews("{\"status\":\"Completed\"," ROLES "," QUARTERLY "},"
                "{\"status\":\"NotStarted\"," GUESTS "," ONCE "}");
    assert_int_equal(int_fact(f, "entra.accessreviews.active_definitions"), 1);
    assert_int_equal(int_fact(f, "entra.accessreviews.recurring_definitions"), 0);
    assert_int_equal(bool_fact(f, "entra.accessreviews.privileged_roles"), 0);
    assert_int_equal(bool_fact(f, "entra.accessreviews.guests"), 0);
    json_object_put(f);

    /* the role scope may sit in instanceEnumerationScope; a group review is neither */
    f = reviews("{\"status\":\"InProgress\",\"scope\":{\"query\":\"/groups/g/transitiveMembers\"},"
                "\"instanceEnumerationScope\":{\"query\":\"/roleManagement/directory/"
                "roleAssignmentScheduleInstances\"}," QUARTERLY "}");
    assert_int_equal(bool_fact(f, "entra.accessreviews.privileged_roles"), 1);
    assert_int_equal(bool_fact(f, "entra.accessreviews.guests"), 0);
    json_object_put(f);

    f = reviews("{\"status\":\"InProgress\"," ROLES "," QUARTERLY "}, 7");
    assert_null(entra_fact_value(f, "entra.accessreviews.privileged_roles")); /* bad page */
    json_object_put(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entra_org_hybrid_sync),
        cmocka_unit_test(test_entra_domains),
        cmocka_unit_test(test_entra_apps_credentials),
        cmocka_unit_test(test_entra_consent_levels),
        cmocka_unit_test(test_entra_access_reviews),
        cmocka_unit_test(test_entra_apps_instance_lock),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
