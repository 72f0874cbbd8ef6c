/* test_intune.c - the intune collector: page reductions and derived evidence on JSON strings, the
 * shared Microsoft helpers (options check, timestamps, platforms), and collect() end to end
 * against the HTTPS fixture server. */
#include "zt_test.h"

#include <errno.h>

#include "intune/intune.h"
#include "ms_test.h"

#define NOW 1717243200 /* 2024-06-01T12:00:00Z */

static const char *value_json(struct zt_ctx *ctx, const char *key)
{
    struct json_object *v = zt_test_value(ctx, key);
    if (!v) {
        fail_msg("evidence %s was not emitted", key);
    }
    return json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
}

static void test_ms_parse_time(void **state)
{
    int64_t t = 0;
    assert_int_equal(zt_ms_parse_time("2024-06-01T12:00:00Z", &t), 0);
    assert_int_equal(t, NOW);
    assert_int_equal(zt_ms_parse_time("2024-06-01T12:00:00.1234567Z", &t), 0);
    assert_int_equal(t, NOW);
    assert_int_equal(zt_ms_parse_time("2024-06-01T14:00:00+02:00", &t), 0);
    assert_int_equal(t, NOW);
    assert_int_equal(zt_ms_parse_time("2024-06-01T10:30:00-0130", &t), 0);
    assert_int_equal(t, NOW);
    assert_int_equal(zt_ms_parse_time("2024-06-01T12:00:00", &t), 0); /* no zone: UTC */
    assert_int_equal(t, NOW);
    assert_int_equal(zt_ms_parse_time("0001-01-01T00:00:00Z", &t), 0);
    assert_true(t < 0);
    const char *bad[] = {"",
                         "2024-06-01",
                         "2024-13-01T00:00:00Z",
                         "2024-06-01T25:00:00Z",
                         "2024-06-01T12:00:00Zjunk",
                         "2024-06-01T12:00:00.Z",
                         "2024-06-01T12:00:00+2",
                         "24-06-01T12:00:00Z",
                         "Sat, 01 Jun 2024 12:00:00 GMT"};
    for (size_t i = 0; i < ZT_ELEMENTSOF(bad); i++) {
        assert_int_equal(zt_ms_parse_time(bad[i], &t), -EINVAL);
    }
    assert_int_equal(zt_ms_parse_time(NULL, &t), -EINVAL);
}

static void test_ms_platforms(void **state)
{
    assert_int_equal(zt_ms_platform_from_os("Windows"), ZT_MS_WINDOWS);
    assert_int_equal(zt_ms_platform_from_os("WindowsServer2022"), ZT_MS_WINDOWS);
    assert_int_equal(zt_ms_platform_from_os("iPadOS"), ZT_MS_IOS);
    assert_int_equal(zt_ms_platform_from_os("MACOS"), ZT_MS_MACOS);
    assert_int_equal(zt_ms_platform_from_os("AndroidForWork"), ZT_MS_ANDROID);
    assert_int_equal(zt_ms_platform_from_os("Linux"), ZT_MS_LINUX);
    assert_int_equal(zt_ms_platform_from_os("ChromeOS"), ZT_MS_OTHER);
    assert_int_equal(zt_ms_platform_from_os(NULL), ZT_MS_OTHER);
    assert_int_equal(zt_intune_policy_platform("#microsoft.graph.windows10CompliancePolicy"),
                     ZT_MS_WINDOWS);
    assert_int_equal(zt_intune_policy_platform("#microsoft.graph.aospDeviceOwnerCompliancePolicy"),
                     ZT_MS_ANDROID);
    assert_int_equal(zt_intune_policy_platform("#microsoft.graph.macOSCompliancePolicy"),
                     ZT_MS_MACOS);
    assert_int_equal(zt_intune_policy_platform("#microsoft.graph.somethingNew"), ZT_MS_OTHER);
}

static void test_ms_auth_check(void **state)
{
    char err[256];
    struct zt_ms_auth a = {.tenant_id = "contoso.onmicrosoft.com", .client_id = "app"};

    unsetenv("AZURE_FEDERATED_TOKEN_FILE");
    unsetenv("IDENTITY_ENDPOINT");
    unsetenv("AZURE_TENANT_ID");
    unsetenv("AZURE_CLIENT_ID");
    /* No credential: managed identity (instance metadata), tenant and client optional. */
    assert_int_equal(zt_ms_auth_check(&a, err, sizeof(err)), 0);
    assert_int_equal(zt_ms_auth_source(&a), ZT_MS_SOURCE_IMDS);
    struct zt_ms_auth mi = {0};
    assert_int_equal(zt_ms_auth_check(&mi, err, sizeof(err)), 0);
    mi.managed_identity_url = "http://metadata.example.com/token"; /* not link-local/loopback */
    assert_int_equal(zt_ms_auth_check(&mi, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "managed_identity_url"));
    mi.managed_identity_url = "http://127.0.0.1:8080/metadata/identity/oauth2/token";
    assert_int_equal(zt_ms_auth_check(&mi, err, sizeof(err)), 0);
    /* App Service when both variables are set. */
    setenv("IDENTITY_ENDPOINT", "http://127.0.0.1:41741/MSI/token/", 1);
    setenv("IDENTITY_HEADER", "h", 1);
    assert_int_equal(zt_ms_auth_source(&mi), ZT_MS_SOURCE_APP_SERVICE);
    /* Azure Arc: IDENTITY_ENDPOINT and IMDS_ENDPOINT, no header. */
    unsetenv("IDENTITY_HEADER");
    setenv("IMDS_ENDPOINT", "http://localhost:40342", 1);
    assert_int_equal(zt_ms_auth_source(&mi), ZT_MS_SOURCE_ARC);
    assert_int_equal(zt_ms_auth_check(&mi, err, sizeof(err)), 0);
    struct zt_ms_session s;
    setenv("IDENTITY_ENDPOINT", "http://localhost:40342/metadata/identity/oauth2/token", 1);
    assert_int_equal(zt_ms_session_open(&s, &mi, "x", err, sizeof(err)), 0);
    assert_int_equal(s.oauth.flow, ZT_OAUTH_AZURE_ARC);
    assert_string_equal(s.oauth.arc_key_dir, "/var/opt/azcmagent/tokens");
    zt_ms_session_close(&s);
    unsetenv("IMDS_ENDPOINT");
    unsetenv("IDENTITY_ENDPOINT");
    /* Workload identity: the ids may come from the environment, but must come from somewhere. */
    setenv("AZURE_FEDERATED_TOKEN_FILE", "/var/run/secrets/azure/tokens/azure-identity-token", 1);
    assert_int_equal(zt_ms_auth_source(&mi), ZT_MS_SOURCE_FEDERATED);
    assert_int_equal(zt_ms_auth_check(&mi, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "AZURE_TENANT_ID"));
    setenv("AZURE_TENANT_ID", "contoso.onmicrosoft.com", 1);
    assert_int_equal(zt_ms_auth_check(&mi, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "AZURE_CLIENT_ID"));
    setenv("AZURE_CLIENT_ID", "app", 1);
    assert_int_equal(zt_ms_auth_check(&mi, err, sizeof(err)), 0);
    assert_string_equal(zt_ms_client_id(&mi), "app");
    unsetenv("AZURE_FEDERATED_TOKEN_FILE");
    unsetenv("AZURE_TENANT_ID");
    unsetenv("AZURE_CLIENT_ID");
    a.federated_token_file = "/run/token"; /* the option instead of the environment */
    assert_int_equal(zt_ms_auth_source(&a), ZT_MS_SOURCE_FEDERATED);
    assert_int_equal(zt_ms_auth_check(&a, err, sizeof(err)), 0);
    a.credential = "contoso";
    assert_int_equal(zt_ms_auth_check(&a, err, sizeof(err)), -EINVAL); /* a secret as well */
    assert_non_null(strstr(err, "at most one"));
    a.credential = a.federated_token_file = NULL;
    a.client_secret_file = "/etc/ztmmd/secret";
    assert_int_equal(zt_ms_auth_check(&a, err, sizeof(err)), 0);
    a.credential = "contoso";
    assert_int_equal(zt_ms_auth_check(&a, err, sizeof(err)), -EINVAL); /* two */
    a.credential = NULL;
    a.private_key_file = "/etc/ztmmd/key.pem";
    assert_int_equal(zt_ms_auth_check(&a, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "private_key_file"));
    a.client_secret_file = NULL;
    a.certificate_file = "/etc/ztmmd/cert.pem";
    assert_int_equal(zt_ms_auth_check(&a, err, sizeof(err)), 0);
    a.tenant_id = "contoso/../evil?";
    assert_int_equal(zt_ms_auth_check(&a, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "tenant_id"));
}

/* What zt_ms_session_open() makes of each source: endpoint, flow, ids, assertion file. */
static void test_ms_session_sources(void **state)
{
    char err[256];
    struct zt_ms_auth a = {.login_url = ZT_MS_LOGIN_URL};
    struct zt_ms_session s;

    setenv("AZURE_FEDERATED_TOKEN_FILE", "/var/run/secrets/azure/tokens/azure-identity-token", 1);
    setenv("AZURE_TENANT_ID", "contoso.onmicrosoft.com", 1);
    setenv("AZURE_CLIENT_ID", "app", 1);
    setenv("AZURE_AUTHORITY_HOST", "https://login.microsoftonline.us/", 1);
    assert_int_equal(
        zt_ms_session_open(&s, &a, "https://graph.microsoft.us/.default", err, sizeof(err)), 0);
    assert_int_equal(s.source, ZT_MS_SOURCE_FEDERATED);
    assert_string_equal(
        s.oauth.token_url,
        "https://login.microsoftonline.us/contoso.onmicrosoft.com/oauth2/v2.0/token");
    assert_string_equal(s.oauth.assertion_file,
                        "/var/run/secrets/azure/tokens/azure-identity-token");
    assert_string_equal(s.oauth.client_id, "app");
    assert_int_equal(s.oauth.flow, ZT_OAUTH_CLIENT_CREDENTIALS);
    zt_ms_session_close(&s);
    unsetenv("AZURE_FEDERATED_TOKEN_FILE");
    unsetenv("AZURE_TENANT_ID");
    unsetenv("AZURE_CLIENT_ID");
    unsetenv("AZURE_AUTHORITY_HOST");

    setenv("IDENTITY_ENDPOINT", "http://127.0.0.1:41741/MSI/token/", 1);
    setenv("IDENTITY_HEADER", "hdr", 1);
    assert_int_equal(
        zt_ms_session_open(&s, &a, "https://management.azure.com/.default", err, sizeof(err)), 0);
    assert_int_equal(s.oauth.flow, ZT_OAUTH_AZURE_APP_SERVICE);
    assert_string_equal(s.oauth.token_url, "http://127.0.0.1:41741/MSI/token/");
    assert_string_equal(s.oauth.identity_header, "hdr");
    assert_null(s.oauth.client_secret);
    assert_null(s.oauth.client_id); /* system-assigned */
    zt_ms_session_close(&s);
    setenv("IDENTITY_ENDPOINT", "http://10.0.0.5:41741/MSI/token/", 1); /* not loopback */
    assert_int_equal(zt_ms_session_open(&s, &a, "x", err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "IDENTITY_ENDPOINT"));
    unsetenv("IDENTITY_ENDPOINT");
    unsetenv("IDENTITY_HEADER");

    a.client_id = "user-assigned";
    assert_int_equal(zt_ms_session_open(&s, &a, "x", err, sizeof(err)), 0);
    assert_int_equal(s.oauth.flow, ZT_OAUTH_AZURE_IMDS);
    assert_string_equal(s.oauth.token_url, ZT_MS_IMDS_URL);
    assert_string_equal(s.oauth.client_id, "user-assigned");
    zt_ms_session_close(&s);
}

static const char *DEVICES_PAGE =
    "{\"value\": ["
    "{\"operatingSystem\": \"Windows\", \"complianceState\": \"compliant\", \"isEncrypted\": true,"
    " \"jailBroken\": \"False\", \"lastSyncDateTime\": \"2024-05-31T12:00:00Z\"},"
    "{\"operatingSystem\": \"iOS\", \"complianceState\": \"inGracePeriod\", \"isEncrypted\": true,"
    " \"jailBroken\": \"True\", \"lastSyncDateTime\": \"2024-04-01T12:00:00.5Z\"},"
    "{\"operatingSystem\": \"Android\", \"complianceState\": \"noncompliant\", \"isEncrypted\": "
    "\"true\", \"jailBroken\": \"Unknown\", \"lastSyncDateTime\": \"0001-01-01T00:00:00Z\"},"
    "{\"operatingSystem\": \"Linux\", \"complianceState\": \"somethingNew\", \"jailBroken\": null,"
    " \"lastSyncDateTime\": \"2024-06-02T00:00:00Z\"},"
    "42, null],"
    "\"@odata.nextLink\": \"https://graph.microsoft.com/v1.0/x?$skiptoken=2\"}";

static int device_item(void *data, struct json_object *item, size_t index)
{
    zt_intune_device_item(data, item);
    return 0;
}

/* One page through the splitter, as the engine delivers it: returns its envelope. */
static struct json_object *feed(struct zt_intune_devices *d, const char *body, char *err)
{
    return zt_test_split(body, device_item, d, NULL, err);
}

static void test_intune_devices_reduce(void **state)
{
    struct zt_intune_devices d = {.now_sec = NOW, .stale_sec = 30 * 86400};
    char err[160] = "";

    json_object_put(feed(&d, DEVICES_PAGE, err));
    struct json_object *env = feed(&d, DEVICES_PAGE, err); /* second page */
    assert_non_null(env);
    assert_non_null(json_object_object_get(env, "@odata.nextLink"));
    json_object_put(env);
    assert_int_equal(d.total, 8);
    assert_int_equal(d.skipped, 4);
    assert_int_equal(d.compliant, 2); /* inGracePeriod is not compliant */
    assert_int_equal(d.state[ZT_INTUNE_IN_GRACE_PERIOD], 2);
    assert_int_equal(d.state[ZT_INTUNE_STATE_OTHER], 2);
    assert_int_equal(d.encrypted, 4);  /* the string "true" is not a boolean */
    assert_int_equal(d.synced, 4);     /* yesterday, and a time ahead of our clock */
    assert_int_equal(d.jailbroken, 2); /* "True" only */
    assert_int_equal(d.jailbreak_unknown, 4);
    assert_int_equal(d.platform[ZT_MS_LINUX], 2);

    struct zt_ctx *ctx = zt_ctx_new("intune", 0);
    assert_int_equal(zt_intune_emit_devices(ctx, &d), 0);
    assert_evidence_int(ctx, "intune.devices.count", 8);
    assert_evidence_int(ctx, "intune.devices.compliant_count", 2);
    assert_true(value_double(ctx, "intune.devices.compliant_share") == 0.25);
    assert_true(value_double(ctx, "intune.devices.encrypted_share") == 0.5);
    assert_true(value_double(ctx, "intune.devices.synced_share") == 0.5);
    assert_evidence_int(ctx, "intune.devices.stale_count", 4);
    assert_evidence_int(ctx, "intune.devices.jailbroken_count", 2);
    assert_string_equal(value_json(ctx, "intune.devices.platforms"),
                        "[\"windows\",\"ios\",\"android\",\"linux\"]");
    zt_ctx_free(ctx);
}

static void test_intune_devices_bad_page(void **state)
{
    const char *bad[] = {"{\"value\": {}}", "[]", "{\"error\": {\"code\": \"x\"}}", ""};
    char err[160];

    for (size_t i = 0; i < ZT_ELEMENTSOF(bad); i++) {
        struct zt_intune_devices d = {.now_sec = NOW};
        err[0] = '\0';
        assert_null(feed(&d, bad[i], err));
        assert_true(err[0] != '\0');
        assert_int_equal(d.total + d.skipped, 0);
    }
}

static void test_intune_no_devices_no_shares(void **state)
{
    struct zt_intune_devices d = {.now_sec = NOW, .stale_sec = 86400};
    char err[160];

    json_object_put(feed(&d, "{\"value\": []}", err));
    struct zt_ctx *ctx = zt_ctx_new("intune", 0);
    assert_int_equal(zt_intune_emit_devices(ctx, &d), 0);
    assert_evidence_int(ctx, "intune.devices.count", 0);
    assert_evidence_int(ctx, "intune.devices.compliant_count", 0);
    assert_evidence_absent(ctx, "intune.devices.compliant_share");
    assert_evidence_absent(ctx, "intune.devices.encrypted_share");
    assert_evidence_absent(ctx, "intune.devices.synced_share");
    zt_ctx_free(ctx);
}

#define POLICY(type, extra, assignments)                                                           \
    "{\"@odata.type\": \"#microsoft.graph." type "\", \"displayName\": \"" type "\"" extra         \
    ", \"assignments\": " assignments "}"
#define TARGET(t) "{\"id\": \"a\", \"target\": {\"@odata.type\": \"#microsoft.graph." t "\"}}"

static const char *POLICIES_PAGE = "{\"value\": ["
    /* assigned to all devices, requires device risk medium: counted */
    POLICY("windows10CompliancePolicy",
           ", \"deviceThreatProtectionEnabled\": true, "
           "\"deviceThreatProtectionRequiredSecurityLevel\": \"medium\"",
           "[" TARGET("allDevicesAssignmentTarget") "]") ","
    /* only an exclusion group: unassigned, even though it requires device risk */
    POLICY("iosCompliancePolicy",
           ", \"deviceThreatProtectionEnabled\": true, "
           "\"deviceThreatProtectionRequiredSecurityLevel\": \"low\"",
           "[" TARGET("exclusionGroupAssignmentTarget") "]") ","
    /* include plus exclude: assigned; level high allows high-risk devices: not counted */
    POLICY("androidWorkProfileCompliancePolicy",
           ", \"deviceThreatProtectionEnabled\": true, "
           "\"deviceThreatProtectionRequiredSecurityLevel\": \"high\"",
           "[" TARGET("exclusionGroupAssignmentTarget") "," TARGET("groupAssignmentTarget") "]") ","
    /* no assignments at all */
    POLICY("macOSCompliancePolicy", "", "[]") ","
    /* a level with the switch off: not counted */
    POLICY("iosCompliancePolicy",
           ", \"deviceThreatProtectionEnabled\": false, "
           "\"deviceThreatProtectionRequiredSecurityLevel\": \"secured\"",
           "[" TARGET("allLicensedUsersAssignmentTarget") "]") "]}";

static void test_intune_policies_reduce(void **state)
{
    struct zt_intune_policies p = {0};
    struct json_object *page = parse(POLICIES_PAGE);
    char err[128] = "";

    assert_int_equal(zt_intune_policies_page(&p, page, err, sizeof(err)), 0);
    json_object_put(page);
    assert_int_equal(p.total, 5);
    assert_int_equal(p.assigned, 3);
    assert_int_equal(p.device_risk, 1);
    assert_int_equal(p.platform[ZT_MS_IOS], 2);
    assert_int_equal(p.platform_assigned[ZT_MS_IOS], 1);
    assert_int_equal(p.platform_assigned[ZT_MS_MACOS], 0);
    assert_int_equal(json_object_array_length(p.unassigned), 2);

    /* Devices on windows, macos and linux: macOS has no assigned policy; linux is not judged. */
    struct zt_intune_devices d = {.now_sec = NOW};
    d.platform[ZT_MS_WINDOWS] = 3;
    d.platform[ZT_MS_MACOS] = 1;
    d.platform[ZT_MS_LINUX] = 2;
    struct zt_ctx *ctx = zt_ctx_new("intune", 0);
    assert_int_equal(zt_intune_emit_policies(ctx, &p, &d), 0);
    assert_evidence_int(ctx, "intune.compliance.policy_count", 5);
    assert_evidence_int(ctx, "intune.compliance.assigned_policy_count", 3);
    assert_evidence_int(ctx, "intune.compliance.device_risk_policy_count", 1);
    assert_string_equal(value_json(ctx, "intune.compliance.platforms"),
                        "[\"windows\",\"ios\",\"macos\",\"android\"]");
    assert_string_equal(value_json(ctx, "intune.compliance.assigned_platforms"),
                        "[\"windows\",\"ios\",\"android\"]");
    assert_string_equal(value_json(ctx, "intune.compliance.uncovered_platforms"), "[\"macos\"]");
    assert_evidence_bool(ctx, "intune.compliance.device_platforms_covered", false);
    zt_ctx_free(ctx);

    /* Linux-only devices: coverage is not judged. Without devices: no coverage keys at all. */
    memset(d.platform, 0, sizeof(d.platform));
    d.platform[ZT_MS_LINUX] = 1;
    ctx = zt_ctx_new("intune", 0);
    assert_int_equal(zt_intune_emit_policies(ctx, &p, &d), 0);
    assert_evidence_absent(ctx, "intune.compliance.device_platforms_covered");
    zt_ctx_free(ctx);
    ctx = zt_ctx_new("intune", 0);
    assert_int_equal(zt_intune_emit_policies(ctx, &p, NULL), 0);
    assert_evidence_absent(ctx, "intune.compliance.uncovered_platforms");
    zt_ctx_free(ctx);
    zt_intune_policies_clear(&p);
}

static void test_intune_policies_without_assignments_refused(void **state)
{
    struct zt_intune_policies p = {0};
    struct json_object *page =
        parse("{\"value\": [{\"@odata.type\": \"#microsoft.graph.iosCompliancePolicy\","
              " \"displayName\": \"iOS\"}]}");
    char err[128] = "";

    assert_int_equal(zt_intune_policies_page(&p, page, err, sizeof(err)), -EBADMSG);
    assert_non_null(strstr(err, "assignments"));
    json_object_put(page);
    zt_intune_policies_clear(&p);
}

/* ---- noncompliance actions and the lifecycle lists ---- */

#define ACTIONS(items)                                                                             \
    ", \"scheduledActionsForRule\": [{\"ruleName\": \"PasswordRequired\","                         \
    " \"scheduledActionConfigurations\": [" items "]}]"
#define ACTION(type, hours) "{\"actionType\": \"" type "\", \"gracePeriodHours\": " #hours "}"

static const char ACTIONS_PAGE[] = "{\"value\": ["
    /* block after a day (a later block at 200 h changes nothing: the first one acts), retire
     * after 14 days and an hour (337 h): 15 days kept */
    POLICY("windows10CompliancePolicy",
           ACTIONS(ACTION("notification", 0) "," ACTION("block", 24) "," ACTION(
               "retire", 337) "," ACTION("block", 200)),
           "[" TARGET("allDevicesAssignmentTarget") "]") ","
    /* wipe after 49 h: 3 days rounded up; block after 96 h; the longer retire wins */
    POLICY("androidDeviceOwnerCompliancePolicy",
           ACTIONS(ACTION("block", 96) "," ACTION("wipe", 49) "," ACTION("retire", 900)),
           "[" TARGET("groupAssignmentTarget") "]") ","
    /* assigned, blocks at once, never retires */
    POLICY("iosCompliancePolicy", ACTIONS(ACTION("block", 0)),
           "[" TARGET("allLicensedUsersAssignmentTarget") "]") ","
    /* unassigned: its actions are not judged */
    POLICY("macOSCompliancePolicy", ACTIONS(ACTION("notification", 0)), "[]") "]}";

static void test_intune_noncompliance_actions(void **state)
{
    struct zt_intune_policies p = {0};
    struct json_object *page = parse(ACTIONS_PAGE);
    char err[128] = "";

    assert_int_equal(zt_intune_policies_page(&p, page, err, sizeof(err)), 0);
    json_object_put(page);
    assert_int_equal(p.assigned, 3);
    assert_int_equal(p.without_block, 0);
    assert_int_equal(p.without_retire, 1);
    struct zt_ctx *ctx = zt_ctx_new("intune", 0);
    assert_int_equal(zt_intune_emit_policies(ctx, &p, NULL), 0);
    assert_evidence_int(ctx, "intune.compliance.without_block_count", 0);
    assert_evidence_int(ctx, "intune.compliance.block_grace_hours_max", 96);
    assert_evidence_int(ctx, "intune.compliance.without_retire_count", 1);
    /* per policy the first retire or wipe counts (49 h, 337 h); the tenant's longest, in days
     * rounded up: 15 */
    assert_evidence_int(ctx, "intune.compliance.retire_grace_days_max", 15);
    zt_ctx_free(ctx);
    zt_intune_policies_clear(&p);

    /* An assigned policy whose actions were not expanded: no action keys at all (unknown). */
    p = (struct zt_intune_policies){0};
    page = parse(POLICIES_PAGE);
    assert_int_equal(zt_intune_policies_page(&p, page, err, sizeof(err)), 0);
    json_object_put(page);
    ctx = zt_ctx_new("intune", 0);
    assert_int_equal(zt_intune_emit_policies(ctx, &p, NULL), 0);
    assert_evidence_absent(ctx, "intune.compliance.without_retire_count");
    assert_evidence_absent(ctx, "intune.compliance.block_grace_hours_max");
    assert_evidence_int(ctx, "intune.compliance.assigned_policy_count", 3);
    zt_ctx_free(ctx);
    zt_intune_policies_clear(&p);
}

static void test_intune_cleanup_rules(void **state)
{
    struct zt_intune_cleanup c = {0};
    char err[128] = "";
    struct json_object *page = parse("{\"value\": [{\"deviceCleanupRulePlatformType\": \"windows\","
                                     " \"deviceInactivityBeforeRetirementInDays\": 120},"
                                     " {\"deviceCleanupRulePlatformType\": \"all\", "
                                     "\"deviceInactivityBeforeRetirementInDays\": 60},"
                                     " {\"deviceCleanupRulePlatformType\": \"ios\", "
                                     "\"deviceInactivityBeforeRetirementInDays\": 0},"
                                     " 7]}");

    assert_int_equal(zt_intune_cleanup_page(&c, page, err, sizeof(err)), 0);
    json_object_put(page);
    struct zt_ctx *ctx = zt_ctx_new("intune", 0);
    assert_int_equal(zt_intune_emit_cleanup(ctx, &c), 0);
    assert_evidence_int(ctx, "intune.cleanup.rule_count", 2); /* 0 days retires nothing */
    assert_evidence_bool(ctx, "intune.cleanup.all_platforms", true);
    assert_evidence_int(ctx, "intune.cleanup.inactivity_days_max", 120);
    zt_ctx_free(ctx);

    /* No rule: a fact (all_platforms false), with no period to report. */
    struct zt_intune_cleanup none = {0};
    page = parse("{\"value\": []}");
    assert_int_equal(zt_intune_cleanup_page(&none, page, err, sizeof(err)), 0);
    json_object_put(page);
    ctx = zt_ctx_new("intune", 0);
    assert_int_equal(zt_intune_emit_cleanup(ctx, &none), 0);
    assert_evidence_int(ctx, "intune.cleanup.rule_count", 0);
    assert_evidence_bool(ctx, "intune.cleanup.all_platforms", false);
    assert_evidence_absent(ctx, "intune.cleanup.inactivity_days_max");
    zt_ctx_free(ctx);
    page = parse("{\"rules\": []}");
    assert_int_equal(zt_intune_cleanup_page(&none, page, err, sizeof(err)), -EBADMSG);
    json_object_put(page);
}

#define SCRIPT(name, assignments)                                                                  \
    "{\"displayName\": \"" name "\", \"assignments\": [" assignments "]}"
#define RUN(target, remediate, schedule)                                                           \
    "{\"target\": {\"@odata.type\": \"#microsoft.graph." target "\"},"                             \
    " \"runRemediationScript\": " #remediate ", \"runSchedule\": {\"@odata.type\":"                \
    " \"#microsoft.graph.deviceHealthScript" schedule "Schedule\", \"interval\": 1}}"

static const char SCRIPTS_PAGE[] =
    "{\"value\": [" SCRIPT("daily", RUN("allDevicesAssignmentTarget", true, "Daily")) ","
    /* detection only, every hour: remediates nothing */
    SCRIPT("detect", RUN("groupAssignmentTarget", false, "Hourly")) ","
    /* an exclusion group includes nobody */
    SCRIPT("excluded", RUN("exclusionGroupAssignmentTarget", true, "Daily")) ","
    /* assigned, but runs once */
    SCRIPT("once", RUN("groupAssignmentTarget", true, "RunOnce")) ","
    /* excluded daily, included every hour */
    SCRIPT("hourly", RUN("exclusionGroupAssignmentTarget", true,
                         "Daily") "," RUN("groupAssignmentTarget", true, "Hourly")) "]}";

static void test_intune_remediation_scripts(void **state)
{
    struct zt_intune_scripts s = {0};
    char err[128] = "";
    struct json_object *page = parse(SCRIPTS_PAGE);

    assert_int_equal(zt_intune_scripts_page(&s, page, err, sizeof(err)), 0);
    json_object_put(page);
    struct zt_ctx *ctx = zt_ctx_new("intune", 0);
    assert_int_equal(zt_intune_emit_scripts(ctx, &s), 0);
    assert_evidence_int(ctx, "intune.remediations.count", 5);
    assert_evidence_int(ctx, "intune.remediations.assigned_count", 3);
    assert_evidence_int(ctx, "intune.remediations.scheduled_count", 2);
    zt_ctx_free(ctx);
    zt_intune_scripts_clear(&s);

    page = parse("{\"value\": [{\"displayName\": \"not expanded\"}]}");
    assert_int_equal(zt_intune_scripts_page(&s, page, err, sizeof(err)), -EBADMSG);
    assert_non_null(strstr(err, "not expanded"));
    json_object_put(page);
    zt_intune_scripts_clear(&s);
}

/* The default configuration (every platform in one object), a per-platform configuration of
 * higher priority letting personal iPhones in, two limits and a Windows Hello configuration. */
static const char ENROLLMENT_PAGE[] =
    "{\"value\": ["
    "{\"@odata.type\": \"#microsoft.graph.deviceEnrollmentPlatformRestrictionsConfiguration\","
    " \"windowsRestriction\": {\"platformBlocked\": false, \"personalDeviceEnrollmentBlocked\": "
    "true},"
    " \"iosRestriction\": {\"platformBlocked\": false, \"personalDeviceEnrollmentBlocked\": true},"
    " \"androidRestriction\": {\"platformBlocked\": false, \"personalDeviceEnrollmentBlocked\": "
    "true},"
    " \"macOSRestriction\": {\"platformBlocked\": true, \"personalDeviceEnrollmentBlocked\": "
    "false},"
    " \"windowsMobileRestriction\": {\"platformBlocked\": false,"
    " \"personalDeviceEnrollmentBlocked\": false}},"
    "{\"@odata.type\": \"#microsoft.graph.deviceEnrollmentPlatformRestrictionConfiguration\","
    " \"platformType\": \"ios\","
    " \"platformRestriction\": {\"platformBlocked\": false, \"personalDeviceEnrollmentBlocked\": "
    "false}},"
    "{\"@odata.type\": \"#microsoft.graph.deviceEnrollmentLimitConfiguration\", \"limit\": 5},"
    "{\"@odata.type\": \"#microsoft.graph.deviceEnrollmentLimitConfiguration\", \"limit\": 15},"
    "{\"@odata.type\": \"#microsoft.graph.deviceEnrollmentWindowsHelloForBusinessConfiguration\"}"
    "]}";

static void test_intune_enrollment_restrictions(void **state)
{
    struct zt_intune_enrollment e = {0};
    char err[128] = "";
    struct json_object *page = parse(ENROLLMENT_PAGE);

    assert_int_equal(zt_intune_enrollment_page(&e, page, err, sizeof(err)), 0);
    json_object_put(page);
    struct zt_ctx *ctx = zt_ctx_new("intune", 0);
    assert_int_equal(zt_intune_emit_enrollment(ctx, &e), 0);
    assert_evidence_int(ctx, "intune.enrollment.configuration_count", 5);
    /* Windows Mobile is not judged */
    assert_string_equal(value_json(ctx, "intune.enrollment.personal_allowed_platforms"),
                        "[\"ios\"]");
    assert_string_equal(value_json(ctx, "intune.enrollment.blocked_platforms"), "[\"macos\"]");
    assert_evidence_bool(ctx, "intune.enrollment.personal_blocked", false);
    assert_evidence_int(ctx, "intune.enrollment.device_limit_max", 15);
    zt_ctx_free(ctx);

    /* Without any restriction configuration: nothing to judge. */
    struct zt_intune_enrollment none = {0};
    ctx = zt_ctx_new("intune", 0);
    assert_int_equal(zt_intune_emit_enrollment(ctx, &none), 0);
    assert_evidence_absent(ctx, "intune.enrollment.personal_blocked");
    assert_evidence_absent(ctx, "intune.enrollment.device_limit_max");
    zt_ctx_free(ctx);
}

static void test_intune_autopilot_profiles(void **state)
{
    struct zt_intune_autopilot a = {0};
    char err[128] = "";
    struct json_object *page =
        parse("{\"value\": [{\"displayName\": \"a\", \"assignments\": [" TARGET(
            "groupAssignmentTarget") "]}, {\"displayName\": \"b\", \"assignments\": "
                                     "[" TARGET("exclusionGroupAssignmentTarget") "]}, "
                                                                                  "{\"displ"
                                                                                  "ayName\""
                                                                                  ": "
                                                                                  "\"c\", "
                                                                                  "\"assign"
                                                                                  "ments\":"
                                                                                  " []}]}");

    assert_int_equal(zt_intune_autopilot_page(&a, page, err, sizeof(err)), 0);
    json_object_put(page);
    struct zt_ctx *ctx = zt_ctx_new("intune", 0);
    assert_int_equal(zt_intune_emit_autopilot(ctx, &a), 0);
    assert_evidence_int(ctx, "intune.autopilot.profile_count", 3);
    assert_evidence_int(ctx, "intune.autopilot.assigned_profile_count", 1);
    zt_ctx_free(ctx);
    page = parse("{\"value\": [{\"displayName\": \"d\"}]}");
    assert_int_equal(zt_intune_autopilot_page(&a, page, err, sizeof(err)), -EBADMSG);
    json_object_put(page);
}

/* ---- collect() against the fixture server ---- */

static void run_collect(struct ms_run *run, const char *scenario, const char *secret)
{
    ms_run_start(run, scenario, secret);
    const char *kv[] = {"tenant_id",          "contoso",   "client_id", "app-devices", "login_url",
                        run->f.base,          "graph_url", run->f.base, "ca_file",     run->ca,
                        "client_secret_file", run->secret, NULL};
    run->r = zt_test_collect(&zt_collector_intune, kv, &run->ctx);
}

static void test_intune_collect_typical(void **state)
{
    struct ms_run run = {0};

    run_collect(&run, "devices_typical", "devices-secret~1");
    assert_int_equal(run.r, 0);
    assert_int_equal(zt_ctx_error_count(run.ctx), 0);
    assert_evidence_int(run.ctx, "intune.devices.count", 10);
    assert_evidence_int(run.ctx, "intune.devices.compliant_count", 9);
    assert_evidence_int(run.ctx, "intune.devices.encrypted_count", 7);
    assert_evidence_int(run.ctx, "intune.devices.synced_count", 9);
    assert_evidence_int(run.ctx, "intune.compliance.policy_count", 5);
    assert_evidence_int(run.ctx, "intune.compliance.assigned_policy_count", 4);
    assert_evidence_bool(run.ctx, "intune.compliance.device_platforms_covered", true);
    /* the iOS policy never retires; the others retire after 60 days */
    assert_evidence_int(run.ctx, "intune.compliance.without_retire_count", 1);
    assert_evidence_int(run.ctx, "intune.compliance.retire_grace_days_max", 60);
    assert_evidence_int(run.ctx, "intune.compliance.block_grace_hours_max", 72);
    assert_evidence_int(run.ctx, "intune.cleanup.inactivity_days_max", 180);
    assert_evidence_bool(run.ctx, "intune.cleanup.all_platforms", false);
    assert_evidence_int(run.ctx, "intune.remediations.assigned_count", 1);
    assert_evidence_int(run.ctx, "intune.remediations.scheduled_count", 0); /* run once */
    assert_evidence_bool(run.ctx, "intune.enrollment.personal_blocked", true);
    assert_evidence_int(run.ctx, "intune.autopilot.assigned_profile_count", 1);
    /* token + 3 device pages (one throttled once) + 2 policy pages + 4 lifecycle lists */
    assert_int_equal(zt_ctx_requests(run.ctx), 11);
    ms_run_finish(&run);
}

static void test_intune_collect_malformed_page(void **state)
{
    struct ms_run run = {0};

    run_collect(&run, "devices_faults", "devices-secret~1");
    assert_int_equal(run.r, -EBADMSG);
    const char *e = zt_ctx_first_error(run.ctx);
    assert_non_null(e);
    assert_non_null(strstr(e, "/v1.0/deviceManagement/managedDevices"));
    assert_non_null(strstr(e, "malformed JSON"));
    assert_evidence_absent(run.ctx, "intune.devices.count"); /* nothing from a partial list */
    /* Graph refused the nested $expand (400): the policies were read again without actions */
    assert_int_equal(zt_ctx_error_count(run.ctx), 2);
    assert_evidence_int(run.ctx, "intune.compliance.policy_count", 1);
    assert_evidence_absent(run.ctx, "intune.compliance.without_retire_count");
    assert_evidence_int(run.ctx, "intune.cleanup.rule_count", 1);
    ms_run_finish(&run);
}

static void test_intune_collect_bad_secret(void **state)
{
    struct ms_run run = {0};

    run_collect(&run, "devices_typical", "wrong-secret");
    assert_int_equal(run.r, -EACCES);
    assert_int_equal(zt_ctx_error_count(run.ctx), 1); /* the token fails before the 2nd call */
    const char *e = zt_ctx_first_error(run.ctx);
    assert_non_null(strstr(e, "/contoso/oauth2/v2.0/token"));
    assert_null(strstr(e, "wrong-secret"));
    assert_evidence_absent(run.ctx, "intune.devices.count");
    ms_run_finish(&run);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ms_parse_time),
        cmocka_unit_test(test_ms_platforms),
        cmocka_unit_test(test_ms_auth_check),
        cmocka_unit_test(test_ms_session_sources),
        cmocka_unit_test(test_intune_devices_reduce),
        cmocka_unit_test(test_intune_devices_bad_page),
        cmocka_unit_test(test_intune_no_devices_no_shares),
        cmocka_unit_test(test_intune_policies_reduce),
        cmocka_unit_test(test_intune_policies_without_assignments_refused),
        cmocka_unit_test(test_intune_noncompliance_actions),
        cmocka_unit_test(test_intune_cleanup_rules),
        cmocka_unit_test(test_intune_remediation_scripts),
        cmocka_unit_test(test_intune_enrollment_restrictions),
        cmocka_unit_test(test_intune_autopilot_profiles),
        cmocka_unit_test(test_intune_collect_typical),
        cmocka_unit_test(test_intune_collect_malformed_page),
        cmocka_unit_test(test_intune_collect_bad_secret),
    };
    return cmocka_run_group_tests(tests, setup_pki, teardown_pki);
}
