/* test_defender.c - the defender collector: the per-page machine reduction and derived evidence
 * on JSON strings (404 as an empty list, case of onboardingStatus, no shares without a
 * denominator), and collect() end to end against the HTTPS fixture server ($skip windows,
 * certificate authentication, empty tenant, malformed answer). */
#include "zt_test.h"

#include <errno.h>

#include "defender/defender.h"
#include "ms_test.h"

#define NOW 1717243200 /* 2024-06-01T12:00:00Z */

#define MACHINE(onb_key, onb, health, risk, exposure, seen, platform)                              \
    "{\"id\": \"0123456789abcdef0123456789abcdef01234567\", \"" onb_key "\": " onb                 \
    ", \"healthStatus\": " health ", \"riskScore\": " risk ", \"exposureLevel\": " exposure        \
    ", \"lastSeen\": " seen ", \"osPlatform\": \"" platform "\"}"

static const char *PAGE =
    "{\"@odata.context\": \"https://api.securitycenter.microsoft.com/api/$metadata#Machines\","
    " \"value\": [" MACHINE("onboardingStatus", "\"onboarded\"", "\"Active\"", "\"High\"", "\"High\"", "\"2024-06-01T08:00:00.1234567Z\"", "Windows11") "," MACHINE(
        "onboardingstatus", "\"Onboarded\"", "\"Inactive\"", "\"Low\"", "null",
        "\"2024-05-01T08:00:00Z\"",
        "WindowsServer2022") "," MACHINE("onboardingStatus", "\"onboarded\"",
                                         "\"NoSensorDataImpairedCommunication\"", "null",
                                         "\"Medium\"", "null",
                                         "Linux") "," MACHINE("onboardingStatus",
                                                              "\"CanBeOnboarded\"", "\"Unknown\"",
                                                              "\"None\"", "\"None\"",
                                                              "\"2024-06-01T00:00:00Z\"",
                                                              "iOS") "," MACHINE("onboardingStatus",
                                                                                 "\"Unsupported\"",
                                                                                 "\"Active\"",
                                                                                 "\"High\"",
                                                                                 "\"High\"",
                                                                                 "\"2024-06-01T00:"
                                                                                 "00:00Z\"",
                                                                                 "Linux") ", "
                                                                                          "\"junk\""
                                                                                          "]}";

static int machine_item(void *data, struct json_object *item, size_t index)
{
    zt_defender_machine_item(data, item);
    return 0;
}

/* One 200 page through the splitter, as the engine delivers it. */
static void feed(struct zt_defender_machines *m, const char *body)
{
    char err[160] = "";
    size_t n = 0;
    struct json_object *env = zt_test_split(body, machine_item, m, &n, err);
    if (!env) {
        fail_msg("page refused: %s", err);
    }
    zt_defender_machines_page(m, 200, env, n);
    json_object_put(env);
}

static void test_defender_reduce(void **state)
{
    struct zt_defender_machines m = {.now_sec = NOW, .stale_sec = 7 * 86400};

    feed(&m, PAGE);
    assert_int_equal(m.total, 5);
    assert_int_equal(m.skipped, 1);
    assert_int_equal(m.last_page_items, 6);
    assert_false(m.saw_next_link);
    assert_int_equal(m.onboarding[ZT_DEFENDER_ONBOARDED], 3); /* any case of key and value */
    assert_int_equal(m.onboarding[ZT_DEFENDER_CAN_BE_ONBOARDED], 1);
    /* Health, risk, exposure, freshness: onboarded machines only (not the Unsupported one). */
    assert_int_equal(m.health[ZT_DEFENDER_ACTIVE], 1);
    assert_int_equal(m.health[ZT_DEFENDER_NO_SENSOR_IMPAIRED], 1);
    assert_int_equal(m.risk[ZT_DEFENDER_LEVEL_HIGH], 1);
    assert_int_equal(m.risk[ZT_DEFENDER_LEVEL_UNKNOWN], 1);
    assert_int_equal(m.exposure[ZT_DEFENDER_LEVEL_HIGH], 1);
    assert_int_equal(m.recently_seen, 1);

    struct zt_ctx *ctx = zt_ctx_new("defender", 0);
    assert_int_equal(zt_defender_emit(ctx, &m), 0);
    assert_evidence_int(ctx, "defender.machines.count", 5);
    assert_evidence_int(ctx, "defender.machines.onboarded_count", 3);
    assert_true(value_double(ctx, "defender.machines.onboarded_share") == 0.6);
    assert_evidence_int(ctx, "defender.machines.can_be_onboarded_count", 1);
    assert_evidence_int(ctx, "defender.machines.healthy_count", 1);
    assert_true(value_double(ctx, "defender.machines.healthy_share") == 1.0 / 3.0);
    assert_evidence_int(ctx, "defender.machines.recently_seen_count", 1);
    assert_evidence_int(ctx, "defender.machines.stale_count", 2);
    assert_evidence_int(ctx, "defender.machines.high_risk_count", 1);
    assert_evidence_int(ctx, "defender.machines.high_exposure_count", 1);
    assert_true(value_double(ctx, "defender.machines.high_exposure_share") == 1.0 / 3.0);
    zt_ctx_free(ctx);
}

static void test_defender_404_is_empty(void **state)
{
    struct zt_defender_machines m = {.now_sec = NOW, .stale_sec = 86400};
    struct json_object *page =
        parse("{\"error\": {\"code\": \"ResourceNotFound\", \"message\": \"No machines found\"}}");

    zt_defender_machines_page(&m, 404, page, 0);
    json_object_put(page);
    assert_true(m.empty_404);
    assert_non_null(strstr(m.empty_reason, "ResourceNotFound"));
    zt_defender_machines_page(&m, 404, NULL, 0); /* no body */
    assert_true(m.empty_404);
    struct zt_ctx *ctx = zt_ctx_new("defender", 0);
    assert_int_equal(zt_defender_emit(ctx, &m), 0);
    assert_evidence_int(ctx, "defender.machines.count", 0);
    assert_evidence_int(ctx, "defender.machines.onboarded_count", 0);
    assert_evidence_int(ctx, "defender.machines.healthy_count", 0);
    assert_evidence_absent(ctx, "defender.machines.onboarded_share");
    assert_evidence_absent(ctx, "defender.machines.healthy_share");
    assert_evidence_absent(ctx, "defender.machines.high_risk_share");
    assert_evidence_absent(ctx, "defender.machines.recently_seen_share");
    zt_ctx_free(ctx);
}

static void test_defender_only_discovered_no_onboarded_shares(void **state)
{
    struct zt_defender_machines m = {.now_sec = NOW, .stale_sec = 86400};
    feed(&m, "{\"value\": [{\"onboardingStatus\": \"CanBeOnboarded\"}], \"@odata.nextLink\": "
             "\"https://api.securitycenter.microsoft.com/api/machines?$skip=1\"}");
    assert_true(m.saw_next_link);
    assert_int_equal(m.last_page_items, 1);
    struct zt_ctx *ctx = zt_ctx_new("defender", 0);
    assert_int_equal(zt_defender_emit(ctx, &m), 0);
    assert_true(value_double(ctx, "defender.machines.onboarded_share") == 0.0);
    assert_evidence_absent(ctx, "defender.machines.healthy_share");
    zt_ctx_free(ctx);
}

/* A 200 page that is not a list is refused before any machine is counted. */
static void test_defender_bad_page(void **state)
{
    const char *bad[] = {"{\"value\": {\"id\": 1}}", "[]", "{}"};
    char err[160];

    for (size_t i = 0; i < ZT_ELEMENTSOF(bad); i++) {
        struct zt_defender_machines m = {.now_sec = NOW};
        err[0] = '\0';
        assert_null(zt_test_split(bad[i], machine_item, &m, NULL, err));
        assert_true(err[0] != '\0');
        assert_int_equal(m.total + m.skipped, 0);
    }
}

/* ---- collect() against the fixture server ---- */

/* ---- vulnerability management ---- */

#define VULN(cve, sev, seen, exploit)                                                              \
    "{\"cveId\": " cve ", \"vulnerabilitySeverityLevel\": " sev ", \"firstSeenTimestamp\": " seen  \
    ", \"exploitabilityLevel\": \"" exploit "\"}"

static void test_defender_vulnerabilities(void **state)
{
    struct zt_defender_vulns v = {.now_sec = NOW};
    const char *recs[] = {
        /* 40 days old, Critical, the export's own time format (no zone: UTC) */
        VULN("\"CVE-1\"", "\"Critical\"", "\"2024-04-22 12:00:00\"", "NoExploit"),
        /* 2 days, fraction of a second, in an exploit kit */
        VULN("\"CVE-2\"", "\"critical\"", "\"2024-05-30 12:00:00.8476880\"", "ExploitIsInKit"),
        /* 10 days, High, verified exploit */
        VULN("\"CVE-3\"", "\"High\"", "\"2024-05-22T11:00:00Z\"", "ExploitIsVerified"),
        /* public exploit only: not counted as exploited */
        VULN("\"CVE-4\"", "\"Medium\"", "\"2023-01-01 00:00:00\"", "ExploitIsPublic"),
        /* software without a vulnerability */
        VULN("null", "null", "\"2020-01-01 00:00:00\"", "NoExploit"),
        /* a newer severity */
        VULN("\"CVE-5\"", "\"Severe\"", "\"2024-06-01 00:00:00\"", "NoExploit"),
        "42",
    };
    for (size_t i = 0; i < ZT_ELEMENTSOF(recs); i++) {
        struct json_object *o = parse(recs[i]);
        zt_defender_vuln_item(&v, o);
        json_object_put(o);
    }
    struct zt_ctx *ctx = zt_ctx_new("defender", 0);
    assert_int_equal(zt_defender_emit_vulns(ctx, &v), 0);
    assert_evidence_int(ctx, "defender.vulnerabilities.count", 5);
    assert_evidence_int(ctx, "defender.vulnerabilities.critical_count", 2);
    assert_evidence_int(ctx, "defender.vulnerabilities.high_count", 1);
    assert_evidence_int(ctx, "defender.vulnerabilities.critical_oldest_days", 40);
    assert_evidence_int(ctx, "defender.vulnerabilities.exploited_count", 2);
    assert_evidence_int(ctx, "defender.vulnerabilities.exploited_oldest_days", 10);
    zt_ctx_free(ctx);

    /* A Critical one whose age cannot be read could be the oldest: the oldest is unknown. */
    struct json_object *o = parse(VULN("\"CVE-6\"", "\"Critical\"", "\"yesterday\"", "NoExploit"));
    zt_defender_vuln_item(&v, o);
    json_object_put(o);
    ctx = zt_ctx_new("defender", 0);
    assert_int_equal(zt_defender_emit_vulns(ctx, &v), 0);
    assert_evidence_absent(ctx, "defender.vulnerabilities.critical_oldest_days");
    assert_evidence_int(ctx, "defender.vulnerabilities.exploited_oldest_days", 10);
    zt_ctx_free(ctx);

    /* None at all: the oldest is 0 days. */
    struct zt_defender_vulns none = {.now_sec = NOW};
    ctx = zt_ctx_new("defender", 0);
    assert_int_equal(zt_defender_emit_vulns(ctx, &none), 0);
    assert_evidence_int(ctx, "defender.vulnerabilities.critical_oldest_days", 0);
    zt_ctx_free(ctx);
}

static void test_defender_software_end_of_support(void **state)
{
    struct zt_defender_software s = {0};
    const char *recs[] = {
        "{\"softwareVendor\": \"oracle\", \"softwareName\": \"jre\", \"softwareVersion\": \"1.6\","
        " \"endOfSupportStatus\": \"EOS Software\"}",
        "{\"softwareVendor\": \"microsoft\", \"softwareName\": \"windows_10\","
        " \"softwareVersion\": \"10.0.19044\", \"endOfSupportStatus\": \"EOS Version\"}",
        "{\"endOfSupportStatus\": \"Upcoming EOS Version\"}",
        "{\"endOfSupportStatus\": \"Upcoming EOS Software\"}",
        "{\"endOfSupportStatus\": \"None\"}",
        "{\"endOfSupportStatus\": null}",
        "[]",
    };
    for (size_t i = 0; i < ZT_ELEMENTSOF(recs); i++) {
        struct json_object *o = parse(recs[i]);
        zt_defender_software_item(&s, o);
        json_object_put(o);
    }
    struct zt_ctx *ctx = zt_ctx_new("defender", 0);
    assert_int_equal(zt_defender_emit_software(ctx, &s), 0);
    assert_evidence_int(ctx, "defender.software.installation_count", 6);
    assert_evidence_int(ctx, "defender.software.end_of_support_count", 2);
    assert_evidence_int(ctx, "defender.software.upcoming_end_of_support_count", 2);
    const struct zt_evidence *e = NULL;
    struct json_object *names = NULL;
    assert_int_equal(
        zt_evidence_lookup(zt_ctx_evidence(ctx), "defender.software.end_of_support_count", &e), 1);
    assert_true(json_object_object_get_ex(e->detail, "software", &names));
    assert_string_equal(json_object_get_string(json_object_array_get_idx(names, 0)),
                        "oracle/jre 1.6");
    zt_ctx_free(ctx);
    zt_defender_software_clear(&s);
}

static void test_defender_exposure_score(void **state)
{
    double score = -1;
    char err[128] = "";
    const char *good[] = {"{\"time\": \"2019-12-03T07:23:53.280499Z\", \"score\": 33.49}",
                          "{\"score\": 0}"};
    const char *bad[] = {"{\"score\": \"33\"}", "{\"score\": 133.5}", "{\"score\": -1}", "[]",
                         "{\"value\": []}"};

    for (size_t i = 0; i < ZT_ELEMENTSOF(good); i++) {
        struct json_object *o = parse(good[i]);
        assert_int_equal(zt_defender_exposure_page(o, &score, err, sizeof(err)), 0);
        json_object_put(o);
    }
    assert_true(score == 0.0);
    for (size_t i = 0; i < ZT_ELEMENTSOF(bad); i++) {
        struct json_object *o = parse(bad[i]);
        assert_int_equal(zt_defender_exposure_page(o, &score, err, sizeof(err)), -EBADMSG);
        json_object_put(o);
    }
}

static void test_defender_collect_skip_windows_with_certificate(void **state)
{
    struct ms_run run = {0};

    ms_run_start(&run, "devices_strong", "devices-secret~1");
    const char *kv[] = {"tenant_id",
                        "contoso",
                        "client_id",
                        "app-devices",
                        "login_url",
                        run.f.base,
                        "api_url",
                        run.f.base,
                        "ca_file",
                        run.ca,
                        "certificate_file",
                        run.cert,
                        "private_key_file",
                        run.key,
                        "page_size",
                        "8",
                        "export_page_size",
                        "4",
                        NULL};
    run.r = zt_test_collect(&zt_collector_defender, kv, &run.ctx);
    assert_int_equal(run.r, 0);
    assert_int_equal(zt_ctx_error_count(run.ctx), 0);
    assert_evidence_int(run.ctx, "defender.machines.count", 20);
    assert_evidence_int(run.ctx, "defender.machines.onboarded_count", 20);
    assert_evidence_int(run.ctx, "defender.machines.healthy_count", 20);
    assert_evidence_int(run.ctx, "defender.machines.high_exposure_count", 1);
    assert_true(value_double(run.ctx, "defender.exposure.score") == 18.46);
    /* 7 records over two pages, 6 with a CVE; the second Critical is 30 days and an hour old */
    assert_evidence_int(run.ctx, "defender.vulnerabilities.count", 6);
    assert_evidence_int(run.ctx, "defender.vulnerabilities.critical_count", 2);
    assert_evidence_int(run.ctx, "defender.vulnerabilities.critical_oldest_days", 30);
    assert_evidence_int(run.ctx, "defender.vulnerabilities.exploited_oldest_days", 9);
    assert_evidence_int(run.ctx, "defender.software.installation_count", 5);
    assert_evidence_int(run.ctx, "defender.software.end_of_support_count", 0);
    assert_evidence_int(run.ctx, "defender.software.upcoming_end_of_support_count", 1);
    /* token + $skip 0, 8, 16 + exposure + 2 pages of each export */
    assert_int_equal(zt_ctx_requests(run.ctx), 9);
    struct json_object *log = fixture_log(&run.f), *e[4];
    assert_int_equal(fixture_entries(log, "/api/machines", e, 4), 3);
    assert_string_equal(fixture_str(e[2], "query"), "$top=8&$skip=16");
    assert_string_equal(fixture_str(e[2], "token"), "tok-1");
    /* the three windows are paced (100 calls per minute) */
    assert_true(fixture_num(e[2], "t") - fixture_num(e[0], "t") >= 1.1);
    assert_int_equal(fixture_entries(log, "/api/machines/SoftwareVulnerabilitiesByMachine", e, 4),
                     2);
    assert_string_equal(fixture_str(e[0], "query"), "pageSize=4");
    assert_string_equal(fixture_str(e[1], "query"), "pagesize=4&$skiptoken=strongv2");
    json_object_put(log);
    ms_run_finish(&run);
}

static void test_defender_collect_empty_tenant(void **state)
{
    struct ms_run run = {0};

    ms_run_start(&run, "devices_weak", "devices-secret~1");
    const char *kv[] = {"tenant_id",          "contoso",  "client_id", "app-devices", "login_url",
                        run.f.base,           "api_url",  run.f.base,  "ca_file",     run.ca,
                        "client_secret_file", run.secret, NULL};
    run.r = zt_test_collect(&zt_collector_defender, kv, &run.ctx);
    assert_int_equal(run.r, 0);
    assert_int_equal(zt_ctx_error_count(run.ctx), 0);
    assert_evidence_int(run.ctx, "defender.machines.count", 0);
    assert_evidence_absent(run.ctx, "defender.machines.onboarded_share");
    ms_run_finish(&run);
}

static void test_defender_collect_malformed(void **state)
{
    struct ms_run run = {0};

    ms_run_start(&run, "devices_faults", "devices-secret~1");
    const char *kv[] = {"tenant_id",          "contoso",  "client_id", "app-devices", "login_url",
                        run.f.base,           "api_url",  run.f.base,  "ca_file",     run.ca,
                        "client_secret_file", run.secret, NULL};
    run.r = zt_test_collect(&zt_collector_defender, kv, &run.ctx);
    assert_int_equal(run.r, -EBADMSG);
    const char *e = zt_ctx_first_error(run.ctx);
    assert_non_null(strstr(e, "/api/machines?$top=2500"));
    assert_non_null(strstr(e, "malformed JSON list page"));
    assert_non_null(strstr(e, "\"value\" is not an array"));
    assert_evidence_absent(run.ctx, "defender.machines.count");
    ms_run_finish(&run);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defender_reduce),
        cmocka_unit_test(test_defender_404_is_empty),
        cmocka_unit_test(test_defender_only_discovered_no_onboarded_shares),
        cmocka_unit_test(test_defender_bad_page),
        cmocka_unit_test(test_defender_vulnerabilities),
        cmocka_unit_test(test_defender_software_end_of_support),
        cmocka_unit_test(test_defender_exposure_score),
        cmocka_unit_test(test_defender_collect_skip_windows_with_certificate),
        cmocka_unit_test(test_defender_collect_empty_tenant),
        cmocka_unit_test(test_defender_collect_malformed),
    };
    return cmocka_run_group_tests(tests, setup_pki, teardown_pki);
}
