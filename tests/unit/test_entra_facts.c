/* test_entra_facts.c - the non-CA entra derivations on strings: authentication methods policy,
 * security defaults, registration details reduced over pages, PIM instances; and the option
 * checks of the collector (exactly one authentication method). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "config.h"
#include "entra/entra.h"
#include "json_items.h"
#include "registry.h"
#include "util.h"

#define BREAK_GLASS "aaaaaaaa-0000-0000-0000-000000000001"
#define GA          "62e90394-69f5-4237-9190-012177145e10"
#define USER_ADMIN  "fe930be7-5e62-47db-91af-98c3a49a38b1"
#define READER      "88d8e3e3-8f55-4a1e-953a-9b9898b8876b" /* Directory Readers: not privileged */

static struct json_object *parse(const char *text)
{
    struct json_object *o = json_tokener_parse(text);
    if (!o) {
        fail_msg("bad test JSON: %s", text);
    }
    return o;
}

static int64_t int_fact(struct json_object *facts, const char *key)
{
    struct json_object *v = entra_fact_value(facts, key);
    if (!v) {
        fail_msg("fact %s missing", key);
    }
    return json_object_get_int64(v);
}

static int bool_fact(struct json_object *facts, const char *key)
{
    struct json_object *v = entra_fact_value(facts, key);
    return v ? json_object_get_boolean(v) : -1;
}

static int methods(const char *configs, const char *migration, struct json_object **facts)
{
    _cleanup_free_ char *text =
        zt_xasprintf("{\"id\":\"authenticationMethodsPolicy\",\"policyMigrationState\":%s,"
                     "\"authenticationMethodConfigurations\":%s}",
                     migration, configs);
    struct json_object *doc = parse(text);
    *facts = json_object_new_object();
    int r = entra_methods_derive(doc, *facts);
    json_object_put(doc);
    return r;
}

static void test_entra_methods_weak_and_strong(void **state)
{
    struct json_object *f = NULL;

    assert_int_equal(methods("[{\"id\":\"Sms\",\"state\":\"enabled\"},{\"id\":\"Fido2\",\"state\":"
                             "\"enabled\",\"includeTargets\":[{\"targetType\":\"group\",\"id\":"
                             "\"all_users\"}]},{\"id\":\"Email\",\"state\":\"disabled\"}]",
                             "\"preMigration\"", &f),
                     0);
    assert_int_equal(bool_fact(f, "entra.authmethods.weak_methods_disabled"), 0);
    assert_int_equal(bool_fact(f, "entra.authmethods.fido2_enabled"), 1);
    assert_int_equal(bool_fact(f, "entra.authmethods.x509_certificate_enabled"), 0);
    assert_int_equal(bool_fact(f, "entra.authmethods.phishing_resistant_method_enabled"), 1);
    assert_int_equal(bool_fact(f, "entra.authmethods.migration_complete"), 0);
    json_object_put(f);

    /* weak ones disabled or not configured; X509Certificate matched case-insensitively */
    assert_int_equal(methods("[{\"id\":\"Sms\",\"state\":\"disabled\"},{\"id\":\"Voice\",\"state\":"
                             "\"disabled\"},{\"id\":\"x509certificate\",\"state\":\"enabled\"}]",
                             "\"migrationComplete\"", &f),
                     0);
    assert_int_equal(bool_fact(f, "entra.authmethods.weak_methods_disabled"), 1);
    assert_int_equal(bool_fact(f, "entra.authmethods.x509_certificate_enabled"), 1);
    assert_int_equal(bool_fact(f, "entra.authmethods.fido2_enabled"), 0);
    assert_int_equal(bool_fact(f, "entra.authmethods.migration_complete"), 1);
    json_object_put(f);

    assert_int_equal(methods("[]", "null", &f), 0); /* never had legacy policies */
    assert_int_equal(bool_fact(f, "entra.authmethods.migration_complete"), 1);
    assert_int_equal(bool_fact(f, "entra.authmethods.weak_methods_disabled"), 1);
    json_object_put(f);

    assert_int_equal(methods("{}", "null", &f), -EBADMSG);
    json_object_put(f);
}

static void test_entra_security_defaults(void **state)
{
    struct json_object *f = json_object_new_object();
    struct json_object *on = parse("{\"id\":\"00000000-0000-0000-0000-000000000000\","
                                   "\"displayName\":\"Security Defaults\",\"isEnabled\":true}");
    struct json_object *bad = parse("{\"isEnabled\":\"yes\"}");

    assert_int_equal(entra_secdefaults_derive(on, f), 0);
    assert_int_equal(bool_fact(f, "entra.security_defaults.enabled"), 1);
    assert_int_equal(entra_secdefaults_derive(bad, f), -EBADMSG);
    json_object_put(on);
    json_object_put(bad);
    json_object_put(f);
}

static int reg_item(void *data, struct json_object *item, size_t index)
{
    return entra_reg_item(data, item);
}

/* One page through the splitter, as the engine delivers it. Returns the split's result. */
static int reg_feed(struct entra_reg *r, struct json_object *page)
{
    char err[160];
    struct json_object *env = NULL;
    const char *body = json_object_to_json_string(page);
    int k = zt_json_items_split(body, strlen(body), "value", 32, reg_item, r, &env, NULL, err,
                                sizeof(err));
    json_object_put(env);
    return k;
}

static void test_entra_registration_pages(void **state)
{
    struct entra_reg r = {0};
    struct json_object *p1 = parse(
        "{\"value\":[{\"id\":\"u1\",\"userType\":\"member\",\"isAdmin\":true,\"isMfaCapable\":true,"
        "\"isMfaRegistered\":true,\"methodsRegistered\":[\"fido2\",\"microsoftAuthenticatorPush\"]}"
        ","
        "{\"id\":\"u2\",\"userType\":\"member\",\"isAdmin\":false,\"isMfaCapable\":true,"
        "\"methodsRegistered\":[\"mobilePhone\"]}],\"@odata.nextLink\":\"https://x/next\"}");
    struct json_object *p2 = parse(
        "{\"value\":[{\"id\":\"u3\",\"userType\":\"member\",\"isAdmin\":true,\"isMfaCapable\":"
        "false,"
        "\"methodsRegistered\":[]},{\"id\":\"g1\",\"userType\":\"guest\",\"isMfaCapable\":false,"
        "\"methodsRegistered\":[\"passKeyDeviceBound\"]},{\"id\":\"u4\",\"userType\":\"member\","
        "\"isMfaCapable\":true,\"methodsRegistered\":[\"windowsHelloForBusiness\"]}]}");
    struct json_object *bad = parse("{\"value\":[1]}"), *f = json_object_new_object();

    assert_int_equal(reg_feed(&r, p1), 0);
    assert_int_equal(reg_feed(&r, p2), 0);
    entra_reg_facts(&r, f);
    assert_int_equal(int_fact(f, "entra.registration.users"), 5);
    /* shares are over the 4 members: guests authenticate at their home tenant */
    assert_float_equal(
        json_object_get_double(entra_fact_value(f, "entra.registration.mfa_capable_share")), 0.75,
        1e-9);
    assert_float_equal(
        json_object_get_double(entra_fact_value(f, "entra.registration.phishing_resistant_share")),
        0.5, 1e-9);
    assert_float_equal(json_object_get_double(entra_fact_value(
                           f, "entra.registration.admins_phishing_resistant_share")),
                       0.5, 1e-9);
    assert_int_equal(reg_feed(&r, bad), -EBADMSG); /* a user that is not an object */
    json_object_put(f);

    struct entra_reg none = {0};
    f = json_object_new_object();
    entra_reg_facts(&none, f);
    assert_int_equal(int_fact(f, "entra.registration.users"), 0);
    assert_null(entra_fact_value(f, "entra.registration.mfa_capable_share")); /* unknown */
    json_object_put(f);
    json_object_put(p1);
    json_object_put(p2);
    json_object_put(bad);
}

static void test_entra_pim_standing_and_global_admins(void **state)
{
    struct zt_strv em = {0};
    struct entra_pim p;
    struct json_object *active = parse(
        "{\"value\":["
        "{\"principalId\":\"" BREAK_GLASS "\",\"roleDefinitionId\":\"" GA "\",\"assignmentType\":"
        "\"Assigned\",\"endDateTime\":null,\"principal\":{\"@odata.type\":\"#microsoft.graph."
        "user\"}},"
        "{\"principalId\":\"u1\",\"roleDefinitionId\":\"" GA "\",\"assignmentType\":\"Assigned\","
        "\"endDateTime\":null,\"principal\":{\"@odata.type\":\"#microsoft.graph.user\"}},"
        "{\"principalId\":\"u2\",\"roleDefinitionId\":\"" USER_ADMIN "\",\"assignmentType\":"
        "\"Activated\",\"endDateTime\":\"2030-01-01T00:00:00Z\"},"
        "{\"principalId\":\"g1\",\"roleDefinitionId\":\"" GA "\",\"assignmentType\":\"Assigned\","
        "\"endDateTime\":\"2030-01-01T00:00:00Z\",\"principal\":{\"@odata.type\":"
        "\"#microsoft.graph.group\"}},"
        "{\"principalId\":\"u9\",\"roleDefinitionId\":\"" READER "\",\"endDateTime\":null}]}");
    struct json_object *eligible =
        parse("{\"value\":[{\"principalId\":\"u1\",\"roleDefinitionId\":\"" GA "\",\"memberType\":"
              "\"Direct\"},{\"principalId\":\"u3\",\"roleDefinitionId\":\"" GA "\"}]}");
    struct json_object *bad = parse("{\"value\":[{\"principalId\":\"x\"}]}");

    zt_strv_push(&em, BREAK_GLASS);
    entra_pim_init(&p, &em);
    assert_int_equal(entra_pim_page(&p, active, false), 0);
    assert_int_equal(entra_pim_page(&p, eligible, true), 0);
    struct json_object *f = json_object_new_object();
    entra_pim_facts(&p, true, f);
    /* u1 standing GA counts; the break-glass account does not; the activated one has an end */
    assert_int_equal(int_fact(f, "entra.pim.permanent_privileged_assignments"), 1);
    assert_int_equal(int_fact(f, "entra.pim.active_privileged_assignments"), 4);
    assert_int_equal(int_fact(f, "entra.pim.eligible_privileged_assignments"), 2);
    /* g1 holds GA but its members were not listed: no count rather than a low one */
    assert_null(entra_fact_value(f, "entra.roles.global_admin_count"));
    json_object_put(f);
    /* g1 listed (no members): users holding GA, active or eligible, counted once: break-glass,
     * u1, u3 (test_entra_pim.c covers the members) */
    struct json_object *empty = parse("{\"value\":[]}");
    assert_int_equal(entra_pim_members_page(&p, "g1", empty), 0);
    json_object_put(empty);
    entra_pim_group_expanded(&p, "g1");
    f = json_object_new_object();
    entra_pim_facts(&p, true, f);
    assert_int_equal(int_fact(f, "entra.roles.global_admin_count"), 3);
    struct json_object *groups =
        entra_get(entra_fact_detail(f, "entra.roles.global_admin_count"), "groups");
    assert_int_equal(entra_array_len(groups), 1);
    assert_int_equal(entra_pim_page(&p, bad, false), -EBADMSG);
    json_object_put(f);

    f = json_object_new_object(); /* eligibility unreadable: no Global Administrator count */
    entra_pim_facts(&p, false, f);
    assert_null(entra_fact_value(f, "entra.roles.global_admin_count"));
    json_object_put(f);
    entra_pim_done(&p);
    zt_strv_clear(&em);
    json_object_put(active);
    json_object_put(eligible);
    json_object_put(bad);
}

/* check() of an instance configured with key/value pairs; returns its result and message. */
static int check_with(const char *const *kv, char *err, size_t errlen)
{
    struct zt_instance *inst = NULL;
    assert_int_equal(zt_instance_new(&zt_collector_entra, "t", &inst, err, errlen), 0);
    for (size_t i = 0; kv[i]; i += 2) {
        int r = zt_instance_set(inst, kv[i], kv[i + 1], err, errlen);
        if (r < 0) {
            zt_instance_free(inst);
            return r;
        }
    }
    int r = zt_instance_check(inst, err, errlen);
    zt_instance_free(inst);
    return r;
}

static void test_entra_options_one_auth_method(void **state)
{
    char err[512];
    const char *secret[] = {"tenant_id", "contoso.onmicrosoft.com", "client_id",
                            "c",         "client_secret_file",      "/etc/ztmmd/s",
                            NULL};
    const char *none[] = {"tenant_id", "t1", "client_id", "c", NULL};
    const char *two[] = {"tenant_id",        "t1",     "client_id", "c", "credential", "x",
                         "certificate_file", "/c.pem", NULL};
    const char *key_only[] = {"tenant_id",        "t1",     "client_id", "c", "credential", "x",
                              "private_key_file", "/k.pem", NULL};
    const char *bad_tenant[] = {"tenant_id", "t/../x", "client_id", "c", "credential", "x", NULL};
    const char *bad_em[] = {
        "tenant_id",  "t1", "client_id",          "c",
        "credential", "x",  "emergency_accounts", BREAK_GLASS ", alice@contoso.com",
        NULL};
    const char *cert[] = {"tenant_id",
                          "t1",
                          "client_id",
                          "c",
                          "certificate_file",
                          "/c.pem",
                          "private_key_file",
                          "/k.pem",
                          "emergency_accounts",
                          BREAK_GLASS,
                          NULL};

    assert_int_equal(check_with(secret, err, sizeof(err)), 0);
    assert_int_equal(check_with(cert, err, sizeof(err)), 0);
    unsetenv("AZURE_FEDERATED_TOKEN_FILE");
    assert_int_equal(check_with(none, err, sizeof(err)), 0); /* managed identity */
    assert_int_equal(check_with(two, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "at most one"));
    assert_int_equal(check_with(key_only, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "private_key_file"));
    assert_int_equal(check_with(bad_tenant, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "tenant_id"));
    assert_int_equal(check_with(bad_em, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "alice@contoso.com"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entra_methods_weak_and_strong),
        cmocka_unit_test(test_entra_security_defaults),
        cmocka_unit_test(test_entra_registration_pages),
        cmocka_unit_test(test_entra_pim_standing_and_global_admins),
        cmocka_unit_test(test_entra_options_one_auth_method),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
