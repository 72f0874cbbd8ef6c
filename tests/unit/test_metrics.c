/* test_metrics.c - the Prometheus textfile: stage encoding, label escaping, families, values,
 * and the atomic write. */
#include "zt_test.h"

#include <fcntl.h>
#include <sys/stat.h>

#include "metrics.h"
#include "model.h"

/* A result document with hostile identifiers: a quote, a backslash, a line feed and a byte
 * that is not UTF-8 in labels, and a function repeated (a document read back from disk). */
static const char *doc_json =
    "{\"schema\":\"ztmmd.result/1\",\"scan_id\":\"00000000-0000-4000-8000-00000000000a\","
    "\"host\":\"web\\\"1\",\"started_at\":\"2026-01-01T00:00:00.000Z\","
    "\"finished_at\":\"2026-01-01T00:00:02.250Z\","
    "\"collectors\":[{\"name\":\"host\",\"type\":\"host\",\"status\":\"ok\",\"duration_ms\":1500,"
    "\"requests\":0,\"evidence\":12},"
    "{\"name\":\"contoso\",\"type\":\"entra\",\"status\":\"partial\",\"duration_ms\":812,"
    "\"requests\":14,\"evidence\":3},"
    "{\"name\":\"off\",\"type\":\"okta\",\"status\":\"skipped\",\"duration_ms\":0,\"requests\":0,"
    "\"evidence\":0}],"
    "\"findings\":[{\"rule\":\"a\",\"function\":\"identity.authentication\",\"stage\":\"initial\","
    "\"status\":\"pass\"},{\"rule\":\"b\",\"function\":\"identity.authentication\","
    "\"stage\":\"advanced\",\"status\":\"fail\"},{\"rule\":\"c\",\"function\":\"data.x\","
    "\"stage\":\"initial\",\"status\":\"fail\"}],"
    "\"functions\":[{\"id\":\"identity.authentication\",\"pillar\":\"identity\","
    "\"stage\":\"initial\",\"bound\":\"at_least\",\"coverage\":0.75},"
    "{\"id\":\"identity.governance\",\"pillar\":\"identity\",\"stage\":\"unknown\","
    "\"bound\":\"at_least\",\"coverage\":0},"
    "{\"id\":\"data.q\\\"b\\\\s\\nl\",\"pillar\":\"data\",\"stage\":\"traditional\","
    "\"bound\":\"exact\",\"coverage\":0.3333333333333333},"
    "{\"id\":\"identity.authentication\",\"pillar\":\"identity\",\"stage\":\"optimal\","
    "\"bound\":\"exact\",\"coverage\":1}],"
    "\"pillars\":[{\"id\":\"identity\",\"stage\":\"initial\",\"coverage\":0.5},"
    "{\"id\":\"data\",\"stage\":\"traditional\",\"coverage\":0.125},"
    "{\"id\":\"networks\",\"stage\":\"unknown\",\"coverage\":0}],"
    "\"overall\":{\"stage\":\"traditional\",\"coverage\":0.41}}";

static struct zt_model *model(const char *json)
{
    struct zt_model *m = NULL;
    char err[256];
    struct json_object *doc = json_tokener_parse(json);

    assert_non_null(doc);
    if (zt_model_from_result(doc, &m, err, sizeof(err)) < 0) {
        fail_msg("%s", err);
    }
    json_object_put(doc);
    return m;
}

static void has_line(const char *text, const char *line)
{
    _cleanup_free_ char *needle = zt_xasprintf("\n%s\n", line);
    if (!strstr(text, needle)) {
        fail_msg("line '%s' missing from:\n%s", line, text);
    }
}

static size_t count(const char *text, const char *s)
{
    size_t n = 0;
    for (const char *p = text; (p = strstr(p, s)); p++) {
        n++;
    }
    return n;
}

static void test_metrics_stage_encoding(void **state)
{
    assert_int_equal(zt_metrics_stage_value(ZT_STAGE_TRADITIONAL), 0);
    assert_int_equal(zt_metrics_stage_value(ZT_STAGE_INITIAL), 1);
    assert_int_equal(zt_metrics_stage_value(ZT_STAGE_ADVANCED), 2);
    assert_int_equal(zt_metrics_stage_value(ZT_STAGE_OPTIMAL), 3);
    /* Unknown is not traditional: nothing was assessed. */
    assert_int_equal(zt_metrics_stage_value(ZT_STAGE_UNKNOWN), -1);
}

static void test_metrics_render_families_and_values(void **state)
{
    _cleanup_(zt_model_freep) struct zt_model *m = model(doc_json);
    const struct zt_export_figures sinks[] = {
        {.name = "siem", .type = "syslog", .delivered = 120, .pending = 3, .dropped = 1},
    };
    const struct zt_metrics_service svc = {.scans = 7, .scan_failures = 2};
    const struct zt_metrics_input in = {.result = m, .sinks = sinks, .n_sinks = 1, .service = &svc};
    _cleanup_free_ char *text = zt_metrics_render(&in);

    has_line(text, "# TYPE ztmmd_overall_stage gauge");
    has_line(text, "ztmmd_overall_stage 0");
    has_line(text, "ztmmd_overall_coverage_ratio 0.41");
    has_line(text, "ztmmd_pillar_stage{pillar=\"identity\"} 1");
    has_line(text, "ztmmd_pillar_stage{pillar=\"networks\"} -1");
    has_line(text, "ztmmd_pillar_coverage_ratio{pillar=\"data\"} 0.125");
    has_line(text,
             "ztmmd_function_stage{function=\"identity.authentication\",pillar=\"identity\"} 1");
    has_line(text, "ztmmd_function_stage{function=\"identity.governance\",pillar=\"identity\"} -1");
    has_line(text, "ztmmd_function_stage_at_least{function=\"identity.authentication\","
                   "pillar=\"identity\"} 1");
    /* "at_least" on an unknown function bounds nothing. */
    has_line(text, "ztmmd_function_stage_at_least{function=\"identity.governance\","
                   "pillar=\"identity\"} 0");
    has_line(text, "ztmmd_function_coverage_ratio{function=\"identity.authentication\","
                   "pillar=\"identity\"} 0.75");
    /* The repeated function id is written once, with the first entry's values. */
    assert_int_equal(count(text, "ztmmd_function_stage{function=\"identity.authentication\""), 1);
    has_line(text, "ztmmd_findings{status=\"pass\"} 1");
    has_line(text, "ztmmd_findings{status=\"fail\"} 2");
    has_line(text, "ztmmd_findings{status=\"unknown\"} 0");
    has_line(text, "ztmmd_findings{status=\"not_applicable\"} 0");
    has_line(text, "ztmmd_collector_up{collector=\"host\",type=\"host\"} 1");
    has_line(text, "ztmmd_collector_up{collector=\"contoso\",type=\"entra\"} 0");
    assert_null(strstr(text, "ztmmd_collector_up{collector=\"off\""));
    has_line(text,
             "ztmmd_collector_status{collector=\"contoso\",type=\"entra\",status=\"partial\"} 1");
    has_line(text, "ztmmd_collector_status{collector=\"contoso\",type=\"entra\",status=\"ok\"} 0");
    has_line(text, "ztmmd_collector_status{collector=\"off\",type=\"okta\",status=\"skipped\"} 1");
    has_line(text, "ztmmd_collector_duration_seconds{collector=\"contoso\",type=\"entra\"} 0.812");
    has_line(text, "ztmmd_collector_requests{collector=\"contoso\",type=\"entra\"} 14");
    has_line(text, "ztmmd_collector_evidence{collector=\"host\",type=\"host\"} 12");
    has_line(text, "ztmmd_last_scan_timestamp_seconds 1767225602.25");
    has_line(text, "ztmmd_last_scan_duration_seconds 2.25");
    has_line(text, "# TYPE ztmmd_export_delivered_events_total counter");
    has_line(text, "ztmmd_export_delivered_events_total{sink=\"siem\",type=\"syslog\"} 120");
    has_line(text, "ztmmd_export_pending_events{sink=\"siem\",type=\"syslog\"} 3");
    has_line(text, "ztmmd_export_dropped_events_total{sink=\"siem\",type=\"syslog\"} 1");
    has_line(text, "ztmmd_scans_total 7");
    has_line(text, "ztmmd_scan_failures_total 2");
    /* Every family has HELP and TYPE, each once. */
    assert_int_equal(count(text, "# HELP "), count(text, "# TYPE "));
    assert_int_equal(count(text, "# TYPE ztmmd_function_stage gauge"), 1);
    assert_int_equal(text[strlen(text) - 1], '\n');
}

static void test_metrics_label_values_escaped(void **state)
{
    /* A document read back with bytes json-c passes through unchecked, one of them invalid
     * UTF-8: the model repairs it where the document enters, the metrics file shows U+FFFD. */
    struct json_object *doc = json_tokener_parse(doc_json), *fn;
    struct zt_model *parsed = NULL;
    char err[256];
    assert_non_null(doc);
    fn = json_object_array_get_idx(zt_json_array(doc, "functions"), 0);
    json_object_object_add(fn, "pillar", json_object_new_string("id\xffx\xe2\x82"));
    assert_int_equal(zt_model_from_result(doc, &parsed, err, sizeof(err)), 0);
    json_object_put(doc);
    _cleanup_(zt_model_freep) struct zt_model *m = parsed;
    struct zt_metrics_input in = {.result = m};
    _cleanup_free_ char *text = zt_metrics_render(&in);
    has_line(text, "ztmmd_last_scan_info{scan_id=\"00000000-0000-4000-8000-00000000000a\","
                   "host=\"web\\\"1\"} 1");
    has_line(text, "ztmmd_function_stage{function=\"data.q\\\"b\\\\s\\nl\",pillar=\"data\"} 0");
    has_line(text, "ztmmd_function_stage{function=\"identity.authentication\","
                   "pillar=\"id\xef\xbf\xbdx\xef\xbf\xbd\xef\xbf\xbd\"} 1");
    /* The shortest text that reads back as the same double. */
    has_line(text, "ztmmd_function_coverage_ratio{function=\"data.q\\\"b\\\\s\\nl\","
                   "pillar=\"data\"} 0.3333333333333333");
    /* No raw line feed inside a sample: every line is a comment or starts with the prefix. */
    for (const char *line = text; *line; line = strchr(line, '\n') + 1) {
        assert_true(zt_startswith(line, "# ") || zt_startswith(line, "ztmmd_"));
    }
    /* No scan yet, no service: only the build info. */
    _cleanup_free_ char *empty = zt_metrics_render(&(struct zt_metrics_input){0});
    assert_int_equal(count(empty, "# TYPE"), 1);
    assert_non_null(strstr(empty, "ztmmd_build_info{version=\"" ZT_VERSION "\"} 1\n"));
}

static void test_metrics_write_atomic_and_errors(void **state)
{
    char tmpl[] = "/tmp/zt-metrics-XXXXXX", err[512];
    assert_non_null(mkdtemp(tmpl));
    _cleanup_free_ char *path = zt_xasprintf("%s/ztmmd.prom", tmpl);
    _cleanup_free_ char *text = NULL;
    struct stat st;

    mode_t old = umask(077); /* as under the unit's UMask=0077 */
    assert_int_equal(zt_metrics_write(path, "ztmmd_build_info 1\n", err, sizeof(err)), 0);
    assert_int_equal(zt_metrics_write(path, "ztmmd_overall_stage 2\n", err, sizeof(err)), 0);
    umask(old);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644); /* node_exporter reads it as another user */
    assert_int_equal(zt_read_file(path, 1024, &text, NULL), 0);
    assert_string_equal(text, "ztmmd_overall_stage 2\n");
    _cleanup_free_ char *ls = zt_xasprintf("test $(ls -A '%s' | wc -l) = 1", tmpl);
    assert_int_equal(system(ls), 0); /* no temporary file left */

    /* A directory that does not exist: the error names the path, nothing is created. */
    _cleanup_free_ char *bad = zt_xasprintf("%s/missing/ztmmd.prom", tmpl);
    assert_int_equal(zt_metrics_write(bad, "x 1\n", err, sizeof(err)), -ENOENT);
    _cleanup_free_ char *want = zt_xasprintf("cannot write the metrics file %s: ", bad);
    assert_non_null(strstr(err, want));
    /* A directory in the way: refused, and it is still there. */
    _cleanup_free_ char *dir = zt_xasprintf("%s/d.prom", tmpl);
    assert_int_equal(mkdir(dir, 0755), 0);
    assert_true(zt_metrics_write(dir, "x 1\n", err, sizeof(err)) < 0);
    assert_non_null(strstr(err, dir));
    assert_int_equal(stat(dir, &st), 0);
    assert_true(S_ISDIR(st.st_mode));

    /* zt_metrics_update() from the model of a result; none yet: no stages. */
    struct zt_model *m = model(doc_json);
    assert_int_equal(zt_metrics_update(path, m, NULL, NULL, err, sizeof(err)), 0);
    free(text);
    text = NULL;
    assert_int_equal(zt_read_file(path, 1 << 20, &text, NULL), 0);
    assert_non_null(strstr(text, "\nztmmd_pillar_stage{pillar=\"identity\"} 1\n"));
    assert_null(strstr(text, "ztmmd_scans_total"));
    zt_model_free(m);
    assert_int_equal(zt_metrics_update(path, NULL, NULL, NULL, err, sizeof(err)), 0);
    free(text);
    text = NULL;
    assert_int_equal(zt_read_file(path, 1 << 20, &text, NULL), 0);
    assert_null(strstr(text, "ztmmd_pillar_stage{"));

    _cleanup_free_ char *rm = zt_xasprintf("rm -rf '%s'", tmpl);
    assert_int_equal(system(rm), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_metrics_stage_encoding),
        cmocka_unit_test(test_metrics_render_families_and_values),
        cmocka_unit_test(test_metrics_label_values_escaped),
        cmocka_unit_test(test_metrics_write_atomic_and_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
