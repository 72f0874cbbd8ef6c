/* test_result.c - the result document (ztmmd.result/1), its table, and offline re-evaluation. */
#include <string.h>

#include "result.h"
#include "scan.h"
#include "zt_test.h"

static const char *catalog_json =
    "{\"schema\":\"ztmmd.rules/1\",\"model\":{\"name\":\"CISA ZTMM\",\"version\":\"2.0\"},"
    "\"pillars\":[{\"id\":\"identity\",\"name\":\"Identity\"},{\"id\":\"data\",\"name\":\"Data\"}],"
    "\"functions\":[{\"id\":\"identity.authentication\",\"pillar\":\"identity\",\"name\":"
    "\"Authentication\"},"
    "{\"id\":\"identity.governance\",\"pillar\":\"identity\",\"name\":\"Governance\"},"
    "{\"id\":\"data.encryption\",\"pillar\":\"data\",\"name\":\"Data Encryption\"}],"
    "\"rules\":["
    "{\"id\":\"host.sshd.no_password_auth\",\"function\":\"identity.authentication\",\"stage\":"
    "\"initial\","
    "\"title\":\"SSH refuses passwords\",\"remediation\":\"Set PasswordAuthentication no\","
    "\"applies_if\":{\"key\":\"host.sshd.installed\",\"eq\":true},"
    "\"check\":{\"key\":\"host.sshd.password_authentication\",\"eq\":false}},"
    "{\"id\":\"host.pam.phishing_resistant\",\"function\":\"identity.authentication\",\"stage\":"
    "\"advanced\","
    "\"title\":\"Phishing-resistant second factor\",\"remediation\":\"Use pam_u2f\","
    "\"check\":{\"key\":\"host.pam.phishing_resistant\",\"eq\":true}},"
    "{\"id\":\"host.disk.root_encrypted\",\"function\":\"data.encryption\",\"stage\":\"initial\","
    "\"title\":\"Root file system encrypted\",\"remediation\":\"Use LUKS\","
    "\"check\":{\"key\":\"host.disk.root_encrypted\",\"eq\":true}},"
    "{\"id\":\"entra.ca.mfa\",\"function\":\"identity.governance\",\"stage\":\"initial\","
    "\"title\":\"MFA\",\"remediation\":\"r\",\"check\":{\"key\":\"entra.ca.mfa_all_users\",\"eq\":"
    "true}},"
    "{\"id\":\"okta.mfa\",\"function\":\"identity.governance\",\"stage\":\"initial\","
    "\"title\":\"MFA\",\"remediation\":\"r\",\"check\":{\"key\":\"okta.policy.mfa\",\"eq\":true}},"
    "{\"id\":\"inhouse.vpn\",\"function\":\"identity.governance\",\"stage\":\"initial\","
    "\"title\":\"VPN\",\"remediation\":\"r\",\"sources\":[\"exec\"],"
    "\"check\":{\"key\":\"acme.vpn.mfa\",\"eq\":true}},"
    "{\"id\":\"mixed.encryption\",\"function\":\"data.encryption\",\"stage\":\"initial\","
    "\"title\":\"Encrypted\",\"remediation\":\"r\",\"quantifier\":\"any\",\"check\":{\"any\":["
    "{\"key\":\"intune.devices.encrypted_share\",\"gte\":0.8},"
    "{\"key\":\"host.disk.root_encrypted\",\"eq\":true}]}}"
    "]}";

static struct zt_catalog *catalog(void)
{
    struct zt_catalog *cat = NULL;
    char err[256];
    if (zt_catalog_from_json(json_tokener_parse(catalog_json), "test-rules.json", &cat, err,
                             sizeof(err)) < 0) {
        fail_msg("%s", err);
    }
    return cat;
}

static struct zt_scan *scan_with_evidence(void)
{
    struct zt_scan *scan = zt_xcalloc(1, sizeof(*scan));
    snprintf(scan->scan_id, sizeof(scan->scan_id), "00000000-0000-4000-8000-000000000001");
    scan->host = zt_xstrdup("web1");
    scan->started_usec = 1700000000000000ULL;
    scan->finished_usec = 1700000000250000ULL;
    zt_evidence_set_init(&scan->evidence);
    zt_evidence_add(&scan->evidence, "host.sshd.installed", json_object_new_boolean(1), "host",
                    scan->started_usec, NULL);
    zt_evidence_add(&scan->evidence, "host.sshd.password_authentication",
                    json_object_new_boolean(0), "host", scan->started_usec,
                    json_tokener_parse("{\"file\":\"/etc/ssh/sshd_config\",\"line\":12}"));
    zt_evidence_add(&scan->evidence, "host.disk.root_encrypted", json_object_new_boolean(0), "host",
                    scan->started_usec, NULL);
    scan->runs = zt_xcalloc(2, sizeof(*scan->runs));
    scan->runs[0] = (struct zt_run){.name = zt_xstrdup("host"),
                                    .type = zt_xstrdup("host"),
                                    .status = ZT_RUN_OK,
                                    .duration_ms = 12,
                                    .evidence = 3};
    scan->runs[1] = (struct zt_run){.name = zt_xstrdup("contoso"),
                                    .type = zt_xstrdup("entra"),
                                    .status = ZT_RUN_ERROR,
                                    .error = zt_xstrdup("https://login.example/x: 401"),
                                    .requests = 2};
    scan->n_runs = 2;
    return scan;
}

static struct json_object *get(struct json_object *o, const char *path)
{
    /* "a.b.2.c": members and array indexes */
    char buf[256], *save = NULL;
    snprintf(buf, sizeof(buf), "%s", path);
    for (char *tok = strtok_r(buf, ".", &save); tok; tok = strtok_r(NULL, ".", &save)) {
        if (json_object_is_type(o, json_type_array)) {
            o = json_object_array_get_idx(o, (size_t)atoi(tok));
        } else if (!json_object_object_get_ex(o, tok, &o)) {
            fail_msg("no member %s in path %s", tok, path);
        }
    }
    return o;
}

static const char *gets(struct json_object *o, const char *path)
{
    return json_object_get_string(get(o, path));
}

static void test_result_document_fields(void **state)
{
    struct zt_catalog *cat = catalog();
    struct zt_scan *scan = scan_with_evidence();
    const struct zt_attestation att[] = {{"identity.governance", ZT_STAGE_INITIAL}};
    struct json_object *doc = zt_result_build(scan, cat, att, 1);

    assert_string_equal(gets(doc, "schema"), "ztmmd.result/1");
    assert_string_equal(gets(doc, "scan_id"), "00000000-0000-4000-8000-000000000001");
    assert_string_equal(gets(doc, "started_at"), "2023-11-14T22:13:20.000Z");
    assert_string_equal(gets(doc, "finished_at"), "2023-11-14T22:13:20.250Z");
    assert_string_equal(gets(doc, "host"), "web1");
    assert_string_equal(gets(doc, "model.name"), "CISA ZTMM");
    assert_string_equal(gets(doc, "model.version"), "2.0");
    /* collectors */
    assert_string_equal(gets(doc, "collectors.0.status"), "ok");
    assert_true(json_object_is_type(get(doc, "collectors.0.error"), json_type_null));
    assert_int_equal(json_object_get_int(get(doc, "collectors.0.duration_ms")), 12);
    assert_string_equal(gets(doc, "collectors.1.type"), "entra");
    assert_string_equal(gets(doc, "collectors.1.status"), "error");
    assert_string_equal(gets(doc, "collectors.1.error"), "https://login.example/x: 401");
    assert_int_equal(json_object_get_int(get(doc, "collectors.1.requests")), 2);
    /* evidence, sorted by key, with detail kept */
    assert_int_equal(json_object_array_length(get(doc, "evidence")), 3);
    assert_string_equal(gets(doc, "evidence.0.key"), "host.disk.root_encrypted");
    assert_string_equal(gets(doc, "evidence.2.key"), "host.sshd.password_authentication");
    assert_int_equal(json_object_get_int(get(doc, "evidence.2.detail.line")), 12);
    assert_string_equal(gets(doc, "evidence.2.collector"), "host");
    /* one estate per instance: no account, no credentials said */
    assert_false(json_object_object_get_ex(get(doc, "evidence.2"), "account", NULL));
    assert_false(json_object_object_get_ex(get(doc, "collectors.0"), "credentials", NULL));
    /* findings: one per rule, in catalog order */
    assert_int_equal(json_object_array_length(get(doc, "findings")), 7);
    assert_string_equal(gets(doc, "findings.0.rule"), "host.sshd.no_password_auth");
    assert_string_equal(gets(doc, "findings.0.function"), "identity.authentication");
    assert_string_equal(gets(doc, "findings.0.stage"), "initial");
    assert_string_equal(gets(doc, "findings.0.status"), "pass");
    assert_string_equal(gets(doc, "findings.0.evidence.0"), "host.sshd.password_authentication");
    assert_string_equal(gets(doc, "findings.0.evidence.1"), "host.sshd.installed");
    assert_string_equal(gets(doc, "findings.0.remediation"), "Set PasswordAuthentication no");
    assert_string_equal(gets(doc, "findings.1.status"), "unknown");
    assert_string_equal(gets(doc, "findings.2.status"), "fail");
    /* entra took part (its run failed) but observed nothing: unknown, never pass. */
    assert_string_equal(gets(doc, "findings.3.status"), "unknown");
    assert_string_equal(gets(doc, "findings.3.sources.0"), "entra");
    /* No okta in this deployment: its rule does not apply, and does not block stages. */
    assert_string_equal(gets(doc, "findings.4.status"), "not_applicable");
    /* Declared sources win over key prefixes: no exec instance ran. */
    assert_string_equal(gets(doc, "findings.5.status"), "not_applicable");
    assert_string_equal(gets(doc, "findings.5.sources.0"), "exec");
    /* Intune is not in this deployment: "Intune or host" is decided by the host alone (fails),
     * instead of staying unknown. */
    assert_string_equal(gets(doc, "findings.6.status"), "fail");
    /* functions: all of them, in order */
    assert_int_equal(json_object_array_length(get(doc, "functions")), 3);
    assert_string_equal(gets(doc, "functions.0.id"), "identity.authentication");
    assert_string_equal(gets(doc, "functions.0.pillar"), "identity");
    assert_string_equal(gets(doc, "functions.0.stage"), "initial");
    assert_string_equal(gets(doc, "functions.0.bound"), "at_least");
    assert_string_equal(gets(doc, "functions.0.coverage"), "0.5");
    assert_false(json_object_get_boolean(get(doc, "functions.0.attested")));
    assert_string_equal(gets(doc, "functions.1.stage"), "unknown");
    assert_true(json_object_get_boolean(get(doc, "functions.1.attested")));
    assert_string_equal(gets(doc, "functions.1.attested_stage"), "initial");
    assert_string_equal(gets(doc, "functions.2.stage"), "traditional");
    assert_string_equal(gets(doc, "functions.2.bound"), "exact");
    /* pillars and overall */
    assert_string_equal(gets(doc, "pillars.0.stage"), "initial");
    assert_string_equal(gets(doc, "pillars.0.coverage"), "0.5");
    assert_int_equal(json_object_get_int(get(doc, "pillars.0.with_attested.attested_functions")),
                     1);
    assert_string_equal(gets(doc, "pillars.1.stage"), "traditional");
    assert_string_equal(gets(doc, "overall.stage"), "traditional");
    assert_string_equal(gets(doc, "overall.coverage"), "0.6667");
    json_object_put(doc);
    zt_scan_free(scan);
    zt_catalog_free(cat);
}

static void test_result_table_readable(void **state)
{
    struct zt_catalog *cat = catalog();
    struct zt_scan *scan = scan_with_evidence();
    struct json_object *doc = zt_result_build(scan, cat, NULL, 0);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    zt_result_print_table(doc, f);
    fclose(f);
    assert_non_null(strstr(text, "OVERALL: traditional"));
    assert_non_null(strstr(text, ">= initial"));
    assert_non_null(strstr(text, "Governance"));
    assert_non_null(strstr(text, "unknown"));
    assert_non_null(strstr(text, "contoso          entra        error"));
    assert_non_null(strstr(text, "https://login.example/x: 401"));
    assert_non_null(strstr(text, "FAIL initial   data.encryption: Root file system encrypted"));
    free(text);
    json_object_put(doc);
    zt_scan_free(scan);
    zt_catalog_free(cat);

    /* A result read back from disk or a socket with the wrong shapes prints what it can. */
    struct json_object *bent = json_tokener_parse(
        "{\"pillars\": {}, \"functions\": 3, \"collectors\": \"x\", \"findings\": null}");
    f = open_memstream(&text, &len);
    zt_result_print_table(bent, f);
    fclose(f);
    assert_non_null(strstr(text, "OVERALL:"));
    assert_null(zt_result_collector(bent, "x"));
    free(text);
    json_object_put(bent);
}

/* Every one of the 40 functions of the shipped catalog appears in the table by its full name,
 * and the stage column stays aligned (the longest name is 54 characters). */
static void test_result_table_never_cuts_names(void **state)
{
    struct zt_catalog *cat = NULL;
    struct zt_scan *scan = zt_xcalloc(1, sizeof(*scan));
    char err[256], *text = NULL, needle[160];
    size_t len = 0;

    if (zt_catalog_load(ZT_SOURCE_DIR "/conf/rules/ztmm-v2.json", &cat, err, sizeof(err)) < 0) {
        fail_msg("%s", err);
    }
    assert_int_equal(cat->n_functions, 40);
    snprintf(scan->scan_id, sizeof(scan->scan_id), "00000000-0000-4000-8000-000000000002");
    scan->host = zt_xstrdup("web1");
    scan->started_usec = scan->finished_usec = 1700000000000000ULL;
    zt_evidence_set_init(&scan->evidence);
    struct json_object *doc = zt_result_build(scan, cat, NULL, 0);
    FILE *f = open_memstream(&text, &len);
    zt_result_print_table(doc, f);
    fclose(f);
    const char *header = strstr(text, "PILLAR / FUNCTION");
    assert_non_null(header);
    size_t stage_col = (size_t)(strstr(header, "STAGE") - header);
    assert_true(stage_col > strlen("  Secure Application Development and Deployment Workflow"));
    for (size_t i = 0; i < cat->n_functions; i++) {
        /* The whole name on its own row, followed by a space, then the stage column. */
        snprintf(needle, sizeof(needle), "\n  %s ", cat->functions[i].name);
        const char *row = strstr(text, needle);
        if (!row) {
            fail_msg("function name '%s' missing or cut in:\n%s", cat->functions[i].name, text);
        }
        row++;
        assert_true(strncmp(row + stage_col, "unknown", 7) == 0);
        assert_int_equal(row[stage_col - 1], ' ');
    }
    free(text);
    json_object_put(doc);
    zt_scan_free(scan);
    zt_catalog_free(cat);
}

static void test_result_offline_reevaluation_round_trip(void **state)
{
    struct zt_catalog *cat = catalog();
    struct zt_scan *scan = scan_with_evidence();
    struct json_object *doc = zt_result_build(scan, cat, NULL, 0);
    struct json_object *reparsed = json_tokener_parse(json_object_to_json_string(doc));
    struct zt_scan *again = NULL;
    char err[256];

    assert_int_equal(zt_scan_from_json(reparsed, &again, err, sizeof(err)), 0);
    assert_string_equal(again->scan_id, scan->scan_id);
    assert_int_equal(again->n_runs, 2);
    assert_int_equal(again->runs[1].status, ZT_RUN_ERROR);
    struct json_object *doc2 = zt_result_build(again, cat, NULL, 0);
    assert_true(json_object_equal(get(doc, "findings"), get(doc2, "findings")));
    assert_true(json_object_equal(get(doc, "functions"), get(doc2, "functions")));
    assert_true(json_object_equal(get(doc, "evidence"), get(doc2, "evidence")));

    /* A bare evidence array works too; a broken entry names its index. */
    struct zt_scan *bare = NULL;
    struct json_object *arr =
        json_tokener_parse("[{\"key\":\"host.disk.root_encrypted\",\"value\":true}]");
    assert_int_equal(zt_scan_from_json(arr, &bare, err, sizeof(err)), 0);
    assert_int_equal(bare->evidence.n, 1);
    struct json_object *broken =
        json_tokener_parse("[{\"key\":\"a.b\",\"value\":1},{\"value\":2}]");
    struct zt_scan *none = NULL;
    assert_int_equal(zt_scan_from_json(broken, &none, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "evidence[1]"));
    assert_null(none);
    json_object_put(broken);
    json_object_put(arr);
    zt_scan_free(bare);
    json_object_put(doc2);
    zt_scan_free(again);
    json_object_put(reparsed);
    json_object_put(doc);
    zt_scan_free(scan);
    zt_catalog_free(cat);
}

/* One instance over three accounts: each account is judged as an instance of its own. */
static void test_result_accounts_judged_apart(void **state)
{
    struct zt_catalog *cat = catalog();
    struct zt_scan *scan = zt_xcalloc(1, sizeof(*scan));
    struct zt_evidence_set *ev = &scan->evidence;
    snprintf(scan->scan_id, sizeof(scan->scan_id), "00000000-0000-4000-8000-000000000002");
    scan->host = zt_xstrdup("web1");
    zt_evidence_set_init(ev);
    zt_evidence_add_account(ev, "host.disk.root_encrypted", json_object_new_boolean(1), "org",
                            "111111111111", 1, NULL);
    zt_evidence_add_account(ev, "host.disk.root_encrypted", json_object_new_boolean(0), "org",
                            "222222222222", 1, NULL);
    /* an account that took part but could not tell */
    zt_evidence_add_account(ev, "host.sshd.installed", json_object_new_boolean(0), "org",
                            "333333333333", 1, NULL);
    scan->runs = zt_xcalloc(1, sizeof(*scan->runs));
    scan->runs[0] = (struct zt_run){.name = zt_xstrdup("org"),
                                    .type = zt_xstrdup("host"),
                                    .status = ZT_RUN_PARTIAL,
                                    .credentials = zt_xstrdup("imds (instance profile role r)")};
    scan->n_runs = 1;
    struct json_object *doc = zt_result_build(scan, cat, NULL, 0);

    assert_string_equal(gets(doc, "collectors.0.credentials"), "imds (instance profile role r)");
    assert_string_equal(gets(doc, "evidence.0.account"), "111111111111");
    assert_string_equal(gets(doc, "evidence.0.collector"), "org");
    /* universal: fails in one account, unknown in another; the instance as a whole is none */
    assert_string_equal(gets(doc, "findings.2.rule"), "host.disk.root_encrypted");
    assert_string_equal(gets(doc, "findings.2.status"), "fail");
    assert_int_equal(json_object_array_length(get(doc, "findings.2.failed_by")), 1);
    assert_string_equal(gets(doc, "findings.2.failed_by.0"), "org/222222222222");
    assert_int_equal(json_object_array_length(get(doc, "findings.2.unknown_in")), 1);
    assert_string_equal(gets(doc, "findings.2.unknown_in.0"), "org/333333333333");
    /* existential (any, with intune absent): one account that holds is enough */
    assert_string_equal(gets(doc, "findings.6.rule"), "mixed.encryption");
    assert_string_equal(gets(doc, "findings.6.status"), "pass");
    /* the account survives the round trip (ztmmctl evaluate) and judges the same */
    struct json_object *reparsed = json_tokener_parse(json_object_to_json_string(doc));
    struct zt_scan *again = NULL;
    char err[256];
    assert_int_equal(zt_scan_from_json(reparsed, &again, err, sizeof(err)), 0);
    assert_string_equal(again->runs[0].credentials, "imds (instance profile role r)");
    struct json_object *doc2 = zt_result_build(again, cat, NULL, 0);
    assert_true(json_object_equal(get(doc, "findings"), get(doc2, "findings")));
    json_object_put(doc2);
    zt_scan_free(again);
    json_object_put(reparsed);
    json_object_put(doc);
    zt_scan_free(scan);
    zt_catalog_free(cat);
}

static void test_result_attestations_checked_against_catalog(void **state)
{
    struct zt_catalog *cat = catalog();
    struct zt_config *cfg = NULL;
    struct zt_attestation *att = NULL;
    char err[512];
    static const struct zt_collector *const none[] = {NULL};

    assert_int_equal(zt_config_load_string("/etc/ztmmd/ztmmd.conf",
                                           "[attest]\nidentity.governance = advanced\n"
                                           "identity.made_up = optimal\n",
                                           none, &cfg, err, sizeof(err)),
                     0);
    assert_int_equal(zt_result_attestations(cfg, cat, &att, err, sizeof(err)), -EINVAL);
    assert_non_null(
        strstr(err, "/etc/ztmmd/ztmmd.conf:3: [attest] unknown ZTMM function 'identity.made_up'"));
    zt_config_free(cfg);
    assert_int_equal(zt_config_load_string("x.conf", "[attest]\nidentity.governance = advanced\n",
                                           none, &cfg, err, sizeof(err)),
                     0);
    assert_int_equal(zt_result_attestations(cfg, cat, &att, err, sizeof(err)), 1);
    assert_int_equal(att[0].stage, ZT_STAGE_ADVANCED);
    free(att);
    zt_config_free(cfg);
    zt_catalog_free(cat);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_result_document_fields),
        cmocka_unit_test(test_result_table_readable),
        cmocka_unit_test(test_result_table_never_cuts_names),
        cmocka_unit_test(test_result_offline_reevaluation_round_trip),
        cmocka_unit_test(test_result_attestations_checked_against_catalog),
        cmocka_unit_test(test_result_accounts_judged_apart),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
