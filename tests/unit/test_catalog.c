/* test_catalog.c - the rule catalog: the shipped ZTMM v2.0 catalog and validation errors. */
#include <string.h>

#include "catalog.h"
#include "zt_test.h"

#define SHIPPED ZT_SOURCE_DIR "/conf/rules/ztmm-v2.json"

/* The 40 functions of CISA ZTMM v2.0 in report order (reference/ztmm.md §1). */
static const char *const ztmm_functions[] = {
    "identity.authentication",
    "identity.identity_stores",
    "identity.risk_assessments",
    "identity.access_management",
    "identity.visibility_analytics",
    "identity.automation_orchestration",
    "identity.governance",
    "devices.policy_enforcement_compliance",
    "devices.asset_supply_chain_risk",
    "devices.resource_access",
    "devices.threat_protection",
    "devices.visibility_analytics",
    "devices.automation_orchestration",
    "devices.governance",
    "networks.segmentation",
    "networks.traffic_management",
    "networks.traffic_encryption",
    "networks.resilience",
    "networks.visibility_analytics",
    "networks.automation_orchestration",
    "networks.governance",
    "applications.access",
    "applications.threat_protections",
    "applications.accessible_applications",
    "applications.secure_dev_deploy_workflow",
    "applications.security_testing",
    "applications.visibility_analytics",
    "applications.automation_orchestration",
    "applications.governance",
    "data.inventory_management",
    "data.categorization",
    "data.availability",
    "data.access",
    "data.encryption",
    "data.visibility_analytics",
    "data.automation_orchestration",
    "data.governance",
    "crosscutting.visibility_analytics",
    "crosscutting.automation_orchestration",
    "crosscutting.governance",
};

static void test_catalog_shipped_has_all_40_functions(void **state)
{
    struct zt_catalog *cat = NULL;
    char err[512] = "";

    if (zt_catalog_load(SHIPPED, &cat, err, sizeof(err)) < 0) {
        fail_msg("%s", err);
    }
    assert_string_equal(cat->model_name, "CISA ZTMM");
    assert_string_equal(cat->model_version, "2.0");
    assert_int_equal(cat->n_functions, 40);
    for (size_t i = 0; i < ZT_ELEMENTSOF(ztmm_functions); i++) {
        assert_string_equal(cat->functions[i].id, ztmm_functions[i]);
        /* The id's prefix is its pillar. */
        const char *pillar = cat->pillars[cat->functions[i].pillar].id;
        assert_true(zt_startswith(cat->functions[i].id, pillar));
        assert_int_equal(cat->functions[i].id[strlen(pillar)], '.');
    }
    static const char *const pillars[] = {"identity",     "devices", "networks",
                                          "applications", "data",    "crosscutting"};
    assert_int_equal(cat->n_pillars, 6);
    for (size_t p = 0; p < 6; p++) {
        assert_string_equal(cat->pillars[p].id, pillars[p]);
    }
    zt_catalog_free(cat);
}

/* Load a catalog made of the shipped header and one rule; expect an error containing want. */
static void expect_rule_error(const char *rule, const char *want)
{
    char text[4096], err[512] = "";
    struct zt_catalog *cat = NULL;
    snprintf(
        text, sizeof(text),
        "{\"schema\":\"ztmmd.rules/1\",\"model\":{\"name\":\"T\",\"version\":\"1\"},"
        "\"pillars\":[{\"id\":\"p\",\"name\":\"P\"}],"
        "\"functions\":[{\"id\":\"p.f\",\"pillar\":\"p\",\"name\":\"F\"}],"
        "\"rules\":[{\"id\":\"r.ok\",\"function\":\"p.f\",\"stage\":\"initial\",\"title\":\"t\","
        "\"remediation\":\"r\",\"check\":{\"key\":\"a.b\",\"eq\":true}}%s%s]}",
        rule ? "," : "", rule ? rule : "");
    int r = zt_catalog_from_json(json_tokener_parse(text), "cat.json", &cat, err, sizeof(err));
    if (!want) {
        if (r < 0) {
            fail_msg("unexpected error: %s", err);
        }
        zt_catalog_free(cat);
        return;
    }
    assert_int_equal(r, -EINVAL);
    assert_null(cat);
    if (!strstr(err, want)) {
        fail_msg("error '%s' does not contain '%s'", err, want);
    }
}

static void test_catalog_rule_validation(void **state)
{
    expect_rule_error(NULL, NULL);
    expect_rule_error("{\"id\":\"r.ok\",\"function\":\"p.f\",\"stage\":\"initial\",\"title\":\"t\","
                      "\"remediation\":\"r\",\"check\":{\"key\":\"a.b\",\"eq\":1}}",
                      "cat.json: rules[1]: duplicate id 'r.ok'");
    expect_rule_error("{\"id\":\"r.x\",\"function\":\"p.nope\",\"stage\":\"initial\",\"title\":"
                      "\"t\",\"remediation\":\"r\",\"check\":{\"key\":\"a.b\",\"eq\":1}}",
                      "rule 'r.x': unknown function 'p.nope'");
    expect_rule_error("{\"id\":\"r.x\",\"function\":\"p.f\",\"stage\":\"traditional\",\"title\":"
                      "\"t\",\"remediation\":\"r\",\"check\":{\"key\":\"a.b\",\"eq\":1}}",
                      "rule 'r.x': \"stage\" must be initial, advanced or optimal");
    expect_rule_error("{\"id\":\"r.x\",\"function\":\"p.f\",\"stage\":\"initial\",\"remediation\":"
                      "\"r\",\"check\":{\"key\":\"a.b\",\"eq\":1}}",
                      "rule 'r.x': needs non-empty \"title\"");
    expect_rule_error("{\"id\":\"r.x\",\"function\":\"p.f\",\"stage\":\"initial\",\"title\":\"t\","
                      "\"remediation\":\"r\"}",
                      "rule 'r.x': check: missing");
    expect_rule_error("{\"id\":\"r.x\",\"function\":\"p.f\",\"stage\":\"initial\",\"title\":\"t\","
                      "\"remediation\":\"r\",\"check\":{\"key\":\"a.b\",\"equals\":1}}",
                      "rule 'r.x': check: unknown member 'equals'");
    expect_rule_error(
        "{\"id\":\"r.x\",\"function\":\"p.f\",\"stage\":\"initial\",\"title\":\"t\","
        "\"remediation\":\"r\",\"check\":{\"key\":\"a.b\",\"eq\":1},\"applies_if\":{\"all\":[]}}",
        "rule 'r.x': applies_if:");
    expect_rule_error("{\"id\":\"r.x\",\"function\":\"p.f\",\"stage\":\"initial\",\"title\":\"t\","
                      "\"remediation\":\"r\",\"sources\":[],\"check\":{\"key\":\"a.b\",\"eq\":1}}",
                      "rule 'r.x': \"sources\" must be a non-empty array");
    expect_rule_error("{\"id\":\"Bad "
                      "Id\",\"function\":\"p.f\",\"stage\":\"initial\",\"title\":\"t\","
                      "\"remediation\":\"r\",\"check\":{\"key\":\"a.b\",\"eq\":1}}",
                      "rules[1]: \"id\" must be a lowercase dotted name");
}

/* Load the one-rule catalog (r.ok: p.f initial) with an "attestation_only" array; expect an error
 * containing want, or success when want is NULL. */
static void expect_attest_error(const char *cells, const char *want)
{
    char text[4096], err[512] = "";
    struct zt_catalog *cat = NULL;
    snprintf(text, sizeof(text),
             "{\"schema\":\"ztmmd.rules/1\",\"model\":{\"name\":\"T\",\"version\":\"1\"},"
             "\"pillars\":[{\"id\":\"p\",\"name\":\"P\"}],"
             "\"functions\":[{\"id\":\"p.f\",\"pillar\":\"p\",\"name\":\"F\"}],"
             "\"attestation_only\":%s,"
             "\"rules\":[{\"id\":\"r.ok\",\"function\":\"p.f\",\"stage\":\"initial\",\"title\":"
             "\"t\",\"remediation\":\"r\",\"check\":{\"key\":\"a.b\",\"eq\":true}}]}",
             cells);
    int r = zt_catalog_from_json(json_tokener_parse(text), "cat.json", &cat, err, sizeof(err));
    if (!want) {
        if (r < 0) {
            fail_msg("unexpected error: %s", err);
        }
        assert_int_equal(cat->n_attest_only, 1);
        assert_string_equal(zt_catalog_attest_only(cat, 0, ZT_STAGE_OPTIMAL), "s");
        assert_null(zt_catalog_attest_only(cat, 0, ZT_STAGE_ADVANCED));
        zt_catalog_free(cat);
        return;
    }
    assert_int_equal(r, -EINVAL);
    if (!strstr(err, want)) {
        fail_msg("error '%s' does not contain '%s'", err, want);
    }
}

static void test_catalog_attestation_only(void **state)
{
    expect_attest_error("[{\"function\":\"p.f\",\"stage\":\"optimal\",\"statement\":\"s\"}]", NULL);
    expect_attest_error("{}", "\"attestation_only\" must be an array");
    expect_attest_error("[{\"function\":\"p.nope\",\"stage\":\"optimal\",\"statement\":\"s\"}]",
                        "attestation_only[0] needs a known \"function\"");
    expect_attest_error("[{\"function\":\"p.f\",\"stage\":\"traditional\",\"statement\":\"s\"}]",
                        "attestation_only[0] needs");
    expect_attest_error("[{\"function\":\"p.f\",\"stage\":\"optimal\",\"statement\":\"\"}]",
                        "non-empty \"statement\"");
    expect_attest_error("[{\"function\":\"p.f\",\"stage\":\"optimal\",\"statement\":\"s\"},"
                        "{\"function\":\"p.f\",\"stage\":\"optimal\",\"statement\":\"t\"}]",
                        "attestation_only[1]: p.f optimal declared twice");
    expect_attest_error("[{\"function\":\"p.f\",\"stage\":\"initial\",\"statement\":\"s\"}]",
                        "p.f initial has the machine rule 'r.ok'");
}

static void test_catalog_document_errors(void **state)
{
    char err[512] = "";
    struct zt_catalog *cat = NULL;

    assert_int_equal(zt_catalog_from_json(json_tokener_parse("{\"schema\":\"other/1\"}"), "c.json",
                                          &cat, err, sizeof(err)),
                     -EINVAL);
    assert_non_null(strstr(err, "c.json: not a rule catalog"));
    assert_int_equal(
        zt_catalog_from_json(
            json_tokener_parse(
                "{\"schema\":\"ztmmd.rules/1\",\"model\":{\"name\":\"T\",\"version\":\"1\"},"
                "\"pillars\":[{\"id\":\"p\",\"name\":\"P\"}],"
                "\"functions\":[{\"id\":\"q.f\",\"pillar\":\"q\",\"name\":\"F\"}],\"rules\":[]}"),
            "c.json", &cat, err, sizeof(err)),
        -EINVAL);
    assert_non_null(strstr(err, "function 'q.f': unknown pillar 'q'"));
    assert_int_equal(zt_catalog_load("/nonexistent/rules.json", &cat, err, sizeof(err)), -ENOENT);
    assert_non_null(strstr(err, "/nonexistent/rules.json: cannot read rule catalog"));
    /* Malformed JSON names the byte offset. */
    FILE *f = fopen("/tmp/zt-bad-catalog.json", "w");
    assert_non_null(f);
    fputs("{\"schema\": \"ztmmd.rules/1\", \"pillars\": [", f);
    fclose(f);
    assert_int_equal(zt_catalog_load("/tmp/zt-bad-catalog.json", &cat, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "/tmp/zt-bad-catalog.json: not valid JSON at byte"));
    f = fopen("/tmp/zt-bad-catalog.json", "w");
    fputs("{\"schema\": \"ztmmd.rules/1\"} trailing", f);
    fclose(f);
    assert_int_equal(zt_catalog_load("/tmp/zt-bad-catalog.json", &cat, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "trailing data"));
    unlink("/tmp/zt-bad-catalog.json");
}

/* Every rule of the shipped catalog names evidence keys documented in docs/evidence.md. */
static void test_catalog_keys_are_documented(void **state)
{
    struct zt_catalog *cat = NULL;
    char err[512] = "", *doc = NULL;

    assert_int_equal(zt_catalog_load(SHIPPED, &cat, err, sizeof(err)), 0);
    assert_int_equal(zt_read_file(ZT_SOURCE_DIR "/docs/evidence.md", 4 << 20, &doc, NULL), 0);
    for (size_t i = 0; i < cat->n_rules; i++) {
        struct json_object *keys = cat->rules[i].keys;
        for (size_t k = 0; k < json_object_array_length(keys); k++) {
            char quoted[160];
            snprintf(quoted, sizeof(quoted), "`%s`",
                     json_object_get_string(json_object_array_get_idx(keys, k)));
            if (!strstr(doc, quoted)) {
                fail_msg("rule %s reads %s, which docs/evidence.md does not document",
                         cat->rules[i].id, quoted);
            }
        }
    }
    free(doc);
    zt_catalog_free(cat);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_catalog_shipped_has_all_40_functions),
        cmocka_unit_test(test_catalog_rule_validation),
        cmocka_unit_test(test_catalog_document_errors),
        cmocka_unit_test(test_catalog_attestation_only),
        cmocka_unit_test(test_catalog_keys_are_documented),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
