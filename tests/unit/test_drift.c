/* test_drift.c - change events between two result documents, and their ids. */
#include "zt_test.h"

#include "drift.h"

/* The "changes" of cur against prev as the after-scan sequence computes them: each document read
 * into its model once; a previous document that is no result is no baseline. */
static struct json_object *changes_of(struct json_object *prev, struct json_object *cur)
{
    _cleanup_(zt_model_freep) struct zt_model *p = NULL, *c = NULL;
    char err[256];

    assert_int_equal(zt_model_from_result(cur, &c, err, sizeof(err)), 0);
    if (prev && zt_model_from_result(prev, &p, err, sizeof(err)) < 0) {
        p = NULL;
    }
    zt_drift_compare(c, p);
    return zt_drift_to_json(c);
}

static struct json_object *doc(const char *scan_id, const char *auth_stage, const char *pillar,
                               const char *overall, const char *rule_status)
{
    char text[2048];
    snprintf(text, sizeof(text),
             "{\"schema\":\"ztmmd.result/"
             "1\",\"scan_id\":\"%s\",\"finished_at\":\"2025-01-01T00:00:00Z\","
             "\"functions\":[{\"id\":\"identity.authentication\",\"stage\":\"%s\"},"
             "{\"id\":\"identity.governance\",\"stage\":\"unknown\"}],"
             "\"pillars\":[{\"id\":\"identity\",\"stage\":\"%s\"}],"
             "\"overall\":{\"stage\":\"%s\"},"
             "\"findings\":[{\"rule\":\"id.mfa\",\"function\":\"identity.authentication\","
             "\"status\":\"%s\"},{\"rule\":\"id.other\",\"status\":\"unknown\"}]}",
             scan_id, auth_stage, pillar, overall, rule_status);
    struct json_object *o = json_tokener_parse(text);
    assert_non_null(o);
    return o;
}

static const char *field(struct json_object *ev, const char *key)
{
    struct json_object *v;
    assert_true(json_object_object_get_ex(ev, key, &v));
    return json_object_get_string(v);
}

static void test_drift_first_result_is_baseline(void **state)
{
    _cleanup_json_ struct json_object *cur = doc("b", "initial", "initial", "initial", "pass");
    _cleanup_json_ struct json_object *ch = changes_of(NULL, cur);
    assert_int_equal(json_object_array_length(ch), 0);
}

static void test_drift_no_change_no_events(void **state)
{
    _cleanup_json_ struct json_object *a = doc("a", "initial", "initial", "initial", "pass");
    _cleanup_json_ struct json_object *b = doc("b", "initial", "initial", "initial", "pass");
    _cleanup_json_ struct json_object *ch = changes_of(a, b);
    assert_int_equal(json_object_array_length(ch), 0);
}

static void test_drift_regression_events(void **state)
{
    _cleanup_json_ struct json_object *a = doc("a", "advanced", "initial", "initial", "pass");
    _cleanup_json_ struct json_object *b =
        doc("b", "traditional", "traditional", "traditional", "fail");
    _cleanup_json_ struct json_object *ch = changes_of(a, b);

    assert_int_equal(json_object_array_length(ch), 4);
    struct json_object *f = json_object_array_get_idx(ch, 0);
    assert_string_equal(field(f, "kind"), "stage_changed");
    assert_string_equal(field(f, "scope"), "function");
    assert_string_equal(field(f, "subject"), "identity.authentication");
    assert_string_equal(field(f, "from"), "advanced");
    assert_string_equal(field(f, "to"), "traditional");
    assert_string_equal(field(f, "direction"), "regressed");
    assert_string_equal(field(f, "previous_scan_id"), "a");
    assert_string_equal(field(f, "scan_id"), "b");
    assert_true(zt_drift_is_regression(f));
    assert_string_equal(field(json_object_array_get_idx(ch, 1), "scope"), "pillar");
    assert_string_equal(field(json_object_array_get_idx(ch, 2), "scope"), "overall");
    struct json_object *r = json_object_array_get_idx(ch, 3);
    assert_string_equal(field(r, "kind"), "finding_changed");
    assert_string_equal(field(r, "subject"), "id.mfa");
    assert_string_equal(field(r, "function"), "identity.authentication");
    assert_string_equal(field(r, "direction"), "regressed");
}

static void test_drift_improvement_and_unknown(void **state)
{
    _cleanup_json_ struct json_object *a = doc("a", "unknown", "initial", "initial", "fail");
    _cleanup_json_ struct json_object *b = doc("b", "initial", "advanced", "initial", "pass");
    _cleanup_json_ struct json_object *ch = changes_of(a, b);

    assert_int_equal(json_object_array_length(ch), 3);
    assert_string_equal(field(json_object_array_get_idx(ch, 0), "direction"), "changed");
    assert_string_equal(field(json_object_array_get_idx(ch, 1), "direction"), "improved");
    assert_string_equal(field(json_object_array_get_idx(ch, 2), "direction"), "improved");
    assert_false(zt_drift_is_regression(json_object_array_get_idx(ch, 1)));
}

/* Known answers, computed apart from the code with
 *   printf 'ztmmd.event/1\nb\ndrift\nfunction:identity.authentication' | sha256sum | cut -c1-32
 * so a change of the recipe (or of what goes into it) fails here. */
#define ID_B_FUNCTION "ea56c34b5309b2aa5add113ea42206e0"
#define ID_B_FINDING  "cd7fcfffdbd2248e74160be9d65f3cd5" /* ... finding:id.mfa */

static void test_drift_ids_known_answers(void **state)
{
    _cleanup_json_ struct json_object *a = doc("a", "advanced", "initial", "initial", "pass");
    _cleanup_json_ struct json_object *b = doc("b", "initial", "initial", "initial", "fail");
    _cleanup_json_ struct json_object *c = doc("c", "initial", "initial", "initial", "fail");
    _cleanup_json_ struct json_object *ch = changes_of(a, b);
    _cleanup_json_ struct json_object *again = changes_of(a, b);
    _cleanup_json_ struct json_object *other = changes_of(a, c);
    char id[ZT_CHANGE_ID_LEN + 1];

    assert_int_equal(json_object_array_length(ch), 2);
    assert_string_equal(field(json_object_array_get_idx(ch, 0), "id"), ID_B_FUNCTION);
    assert_string_equal(field(json_object_array_get_idx(ch, 1), "id"), ID_B_FINDING);
    /* the same pair again: the same ids (a receiver drops the copy) */
    assert_string_equal(field(json_object_array_get_idx(again, 0), "id"), ID_B_FUNCTION);
    /* another later scan: other ids */
    assert_string_not_equal(field(json_object_array_get_idx(other, 0), "id"), ID_B_FUNCTION);
    zt_change_id("b", ZT_CHANGE_FINDING, "id.mfa", id);
    assert_string_equal(id, ID_B_FINDING);
}

/* A previous document whose entries are malformed (a stage that is not a name, findings that are
 * not an array) is still a baseline: those entries are skipped, its valid ones are compared, and
 * entries new in the later document are not changes. */
static void test_drift_ignores_new_and_malformed_entries(void **state)
{
    _cleanup_json_ struct json_object *a = json_tokener_parse(
        "{\"scan_id\":\"a\",\"finished_at\":\"2025-01-01T00:00:00Z\","
        "\"overall\":{\"stage\":\"initial\"},"
        "\"functions\":[{\"id\":\"identity.authentication\",\"stage\":1}],"
        "\"pillars\":[{\"id\":\"identity\",\"stage\":\"advanced\"}],\"findings\":7}");
    _cleanup_json_ struct json_object *b = doc("b", "initial", "initial", "initial", "pass");
    _cleanup_(zt_model_freep) struct zt_model *m = NULL;
    char err[256];

    /* read as a result, not refused whole */
    assert_int_equal(zt_model_from_result(a, &m, err, sizeof(err)), 0);
    assert_int_equal(m->n_functions, 0);
    assert_int_equal(m->n_findings, 0);
    _cleanup_json_ struct json_object *ch = changes_of(a, b);
    /* only the pillar, the one valid entry that differs */
    assert_int_equal(json_object_array_length(ch), 1);
    assert_string_equal(field(json_object_array_get_idx(ch, 0), "scope"), "pillar");
    assert_string_equal(field(json_object_array_get_idx(ch, 0), "from"), "advanced");
}

/* A document read back from disk may repeat an entry (a hand edit, a bad merge): the first one
 * counts, so a document has no drift against itself, and the repeat is not a change. */
static void test_drift_repeated_entries_count_once(void **state)
{
    _cleanup_json_ struct json_object *a = json_tokener_parse(
        "{\"scan_id\":\"a\",\"finished_at\":\"2025-01-01T00:00:00Z\",\"overall\":{\"stage\":"
        "\"initial\"},\"functions\":[{\"id\":\"identity.authentication\",\"stage\":\"initial\"},"
        "{\"id\":\"identity.authentication\",\"stage\":\"optimal\"}],\"pillars\":[{\"id\":"
        "\"identity\",\"stage\":\"initial\"},{\"id\":\"identity\",\"stage\":\"advanced\"}],"
        "\"findings\":[{\"rule\":\"id.mfa\",\"status\":\"fail\"},{\"rule\":\"id.mfa\","
        "\"status\":\"pass\"}]}");
    _cleanup_json_ struct json_object *b = doc("b", "initial", "initial", "initial", "pass");
    _cleanup_json_ struct json_object *same = changes_of(a, a);
    _cleanup_json_ struct json_object *ch = changes_of(a, b);

    assert_non_null(a);
    assert_int_equal(json_object_array_length(same), 0);
    assert_int_equal(json_object_array_length(ch), 1); /* id.mfa fail -> pass, only */
    assert_string_equal(field(json_object_array_get_idx(ch, 0), "subject"), "id.mfa");
    assert_string_equal(field(json_object_array_get_idx(ch, 0), "from"), "fail");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_drift_first_result_is_baseline),
        cmocka_unit_test(test_drift_no_change_no_events),
        cmocka_unit_test(test_drift_regression_events),
        cmocka_unit_test(test_drift_improvement_and_unknown),
        cmocka_unit_test(test_drift_ids_known_answers),
        cmocka_unit_test(test_drift_ignores_new_and_malformed_entries),
        cmocka_unit_test(test_drift_repeated_entries_count_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
