/* test_after_scan.c - the one sequence after a scan: drift, publish, save, show, deliver, metrics,
 * in that order, with one change id in the result and in the exported drift event. */
#include "zt_test.h"

#include <sys/stat.h>

#include "after_scan.h"
#include "registry.h"

static char dir[] = "/tmp/zt-after-scan-XXXXXX";

static int setup(void **state)
{
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    _cleanup_free_ char *cmd = zt_xasprintf("rm -rf '%s'", dir);
    return system(cmd);
}

static struct json_object *result(const char *scan_id, const char *stage, const char *status)
{
    _cleanup_free_ char *text = zt_xasprintf(
        "{\"schema\":\"ztmmd.result/1\",\"scan_id\":\"%s\",\"host\":\"h1\","
        "\"finished_at\":\"2026-12-01T10:00:00.000Z\",\"overall\":{\"stage\":\"initial\"},"
        "\"functions\":[{\"id\":\"identity.authentication\",\"stage\":\"%s\"}],"
        "\"findings\":[{\"rule\":\"rule.mfa\",\"function\":\"identity.authentication\","
        "\"stage\":\"initial\",\"status\":\"%s\",\"title\":\"MFA\"}]}",
        scan_id, stage, status);
    struct json_object *doc = json_tokener_parse(text);
    assert_non_null(doc);
    return doc;
}

/* What the show hook saw: it runs after the save and before the metrics. */
struct seen {
    const char *metrics;
    int calls;
    bool saved_before, metrics_before;
    size_t changes;
};

static void show(struct json_object *doc, const struct zt_model *m, void *userdata)
{
    struct seen *s = userdata;
    _cleanup_free_ char *latest = zt_xasprintf("%s/state/latest.json", dir), *text = NULL;
    struct stat st;

    s->calls++;
    s->saved_before = zt_read_file(latest, 1 << 20, &text, NULL) == 0 &&
                      strstr(text, zt_json_str(doc, "scan_id"));
    s->metrics_before = stat(s->metrics, &st) == 0;
    s->changes = m ? m->n_changes : (size_t)-1;
}

static void test_after_scan_order_and_one_change_id(void **state)
{
    _cleanup_free_ char *events = zt_xasprintf("%s/events.jsonl", dir);
    _cleanup_free_ char *metrics = zt_xasprintf("%s/ztmm.prom", dir);
    _cleanup_free_ char *statedir = zt_xasprintf("%s/state", dir);
    _cleanup_free_ char *text =
        zt_xasprintf("[daemon]\nstate_dir = %s\n[sink:f]\ntype = file\npath = %s\nfindings = all\n",
                     statedir, events);
    _cleanup_(zt_config_freep) struct zt_config *cfg = NULL;
    _cleanup_(zt_state_freep) struct zt_state *st = NULL;
    struct zt_export *x = NULL;
    char err[512];

    assert_int_equal(
        zt_config_load_string("/etc/ztmmd/ztmmd.conf", text, zt_collectors, &cfg, err, sizeof(err)),
        0);
    assert_int_equal(zt_state_open(statedir, 5, &st), 0);
    assert_int_equal(zt_export_new(cfg, &x, err, sizeof(err)), 0);
    struct seen seen = {.metrics = metrics};
    struct zt_metrics_service counters = {.scans = 1};
    const struct zt_after_scan as = {.state = st,
                                     .export = x,
                                     .metrics_file = metrics,
                                     .counters = &counters,
                                     .flush_timeout_ms = 10000,
                                     .show = show,
                                     .userdata = &seen};
    struct zt_after_scan_outcome out;

    /* The first result is the baseline: an empty "changes", saved before it is shown, the
     * metrics written after. */
    _cleanup_json_ struct json_object *d1 = result("scan-1", "advanced", "pass");
    _cleanup_(zt_model_freep) struct zt_model *m1 = zt_after_scan(&as, NULL, d1, &out);
    assert_non_null(m1);
    assert_int_equal(out.published, 3); /* scan, function, finding */
    assert_int_equal(out.saved, 0);
    assert_int_equal(out.metrics, 0);
    assert_int_equal(out.pending, 0);
    assert_string_equal(out.error, "");
    assert_int_equal(json_object_array_length(zt_json_array(d1, "changes")), 0);
    assert_int_equal(seen.calls, 1);
    assert_true(seen.saved_before);
    assert_false(seen.metrics_before);
    assert_int_equal(seen.changes, 0);

    /* The second against the first's model: two changes, one id each, the same in the result
     * and in the delivered drift events. */
    counters.scans = 2;
    _cleanup_json_ struct json_object *d2 = result("scan-2", "initial", "fail");
    _cleanup_(zt_model_freep) struct zt_model *m2 = zt_after_scan(&as, m1, d2, &out);
    assert_non_null(m2);
    assert_int_equal(out.published, 5);
    assert_int_equal(out.pending, 0);
    assert_int_equal(seen.changes, 2);
    struct json_object *changes = zt_json_array(d2, "changes");
    assert_int_equal(json_object_array_length(changes), 2);
    _cleanup_free_ char *lines = NULL;
    assert_int_equal(zt_read_file(events, 1 << 20, &lines, NULL), 0);
    size_t drift = 0;
    for (char *l = strtok(lines, "\n"); l; l = strtok(NULL, "\n")) {
        _cleanup_json_ struct json_object *ev = json_tokener_parse(l);
        if (zt_streq(zt_json_str(ev, "kind"), "drift")) {
            assert_string_equal(zt_json_str(ev, "id"),
                                zt_json_str(json_object_array_get_idx(changes, drift), "id"));
            assert_string_equal(zt_json_str(ev, "id"), m2->changes[drift].id);
            drift++;
        }
    }
    assert_int_equal(drift, 2);

    /* A failed scan: nothing shown or saved, the metrics (of the latest result) still move. */
    counters = (struct zt_metrics_service){.scans = 3, .scan_failures = 1};
    assert_null(zt_after_scan(&as, m2, NULL, &out));
    assert_int_equal(seen.calls, 2);
    _cleanup_free_ char *prom = NULL;
    assert_int_equal(zt_read_file(metrics, 1 << 20, &prom, NULL), 0);
    assert_non_null(strstr(prom, "\nztmmd_scan_failures_total 1\n"));
    assert_non_null(strstr(prom, "\nztmmd_overall_stage 1\n"));
    zt_export_free(x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_after_scan_order_and_one_change_id),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
