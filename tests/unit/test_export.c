/* test_export.c - the export core with the file sink: every event of a scan delivered, the
 * findings filter, size rotation, a sink that fails and recovers, status figures, and the
 * refusals of a state directory that cannot hold the outbox. */
#include "zt_test.h"

#include <sys/stat.h>

#include "drift.h"
#include "export.h"
#include "registry.h"

static char dir[256];

static int setup(void **state)
{
    snprintf(dir, sizeof(dir), "%s/test_export.XXXXXX", ZT_BINARY_DIR);
    assert_non_null(mkdtemp(dir));
    return 0;
}

static int teardown(void **state)
{
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd);
}

static struct zt_config *config(const char *sinks)
{
    _cleanup_free_ char *text = zt_xasprintf("[daemon]\nstate_dir = %s/state\n%s", dir, sinks);
    struct zt_config *cfg = NULL;
    char err[512];
    if (zt_config_load_string("/etc/ztmmd/ztmmd.conf", text, zt_collectors, &cfg, err,
                              sizeof(err)) < 0) {
        fail_msg("config: %s", err);
    }
    return cfg;
}

/* Publish doc's events, and its changes against prev (may be NULL), as the after-scan sequence
 * does: each document read into its model once. */
static int publish(struct zt_export *x, struct json_object *prev, struct json_object *doc,
                   char *err, size_t errlen)
{
    _cleanup_(zt_model_freep) struct zt_model *p = NULL, *m = NULL;

    assert_int_equal(zt_model_from_result(doc, &m, err, errlen), 0);
    assert_true(!prev || zt_model_from_result(prev, &p, err, errlen) == 0);
    zt_drift_compare(m, p);
    return zt_export_publish(x, m, err, errlen);
}

/* A result with n findings, every third one passing. */
static struct json_object *result(const char *scan_id, size_t n)
{
    struct json_object *d = json_object_new_object(), *f = json_object_new_array();
    json_object_object_add(d, "scan_id", json_object_new_string(scan_id));
    json_object_object_add(d, "finished_at", json_object_new_string("2026-12-01T10:00:00.000Z"));
    json_object_object_add(d, "host", json_object_new_string("h1"));
    json_object_object_add(d, "overall", json_tokener_parse("{\"stage\":\"initial\"}"));
    json_object_object_add(d, "functions",
                           json_tokener_parse("[{\"id\":\"identity.authentication\","
                                              "\"stage\":\"initial\",\"bound\":\"exact\"}]"));
    for (size_t i = 0; i < n; i++) {
        struct json_object *e = json_object_new_object();
        _cleanup_free_ char *rule = zt_xasprintf("rule.%zu", i);
        json_object_object_add(e, "rule", json_object_new_string(rule));
        json_object_object_add(e, "function", json_object_new_string("identity.authentication"));
        json_object_object_add(e, "stage", json_object_new_string("initial"));
        json_object_object_add(e, "status", json_object_new_string(i % 3 == 0 ? "pass" : "fail"));
        json_object_object_add(e, "title", json_object_new_string("a rule"));
        json_object_array_add(f, e);
    }
    json_object_object_add(d, "findings", f);
    return d;
}

static size_t count_lines(const char *path)
{
    _cleanup_free_ char *buf = NULL;
    size_t len = 0, n = 0;
    if (zt_read_file(path, 64u << 20, &buf, &len) < 0) {
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        n += buf[i] == '\n';
    }
    return n;
}

static int64_t sink_figure(struct zt_export *x, size_t i, const char *key)
{
    _cleanup_json_ struct json_object *st = zt_export_status(x);
    struct json_object *v = NULL;
    assert_true(json_object_object_get_ex(json_object_array_get_idx(st, i), key, &v));
    return json_object_get_int64(v);
}

static void test_export_file_sinks_get_every_event(void **state)
{
    _cleanup_free_ char *sinks = zt_xasprintf("[sink:failing]\ntype = file\npath = %s/f.jsonl\n"
                                              "[sink:all]\ntype = file\npath = %s/a.cef\n"
                                              "format = cef\nfindings = all\n",
                                              dir, dir);
    _cleanup_(zt_config_freep) struct zt_config *cfg = config(sinks);
    struct zt_export *x = NULL;
    char err[512];

    assert_int_equal(zt_export_new(cfg, &x, err, sizeof(err)), 0);
    _cleanup_json_ struct json_object *doc = result("scan-a", 30);
    /* scan + 1 function + 30 findings */
    assert_int_equal(publish(x, NULL, doc, err, sizeof(err)), 32);
    assert_int_equal(zt_export_flush(x, 10000), 0);
    _cleanup_free_ char *f = zt_xasprintf("%s/f.jsonl", dir), *a = zt_xasprintf("%s/a.cef", dir);
    assert_int_equal(count_lines(f), 2 + 20); /* the 10 passing findings are skipped */
    assert_int_equal(count_lines(a), 32);
    assert_int_equal(sink_figure(x, 0, "delivered"), 22);
    assert_int_equal(sink_figure(x, 0, "skipped"), 10);
    assert_int_equal(sink_figure(x, 1, "delivered"), 32);
    assert_int_equal(sink_figure(x, 1, "pending"), 0);
    zt_export_free(x);

    /* Each line is one event with a unique id. */
    _cleanup_free_ char *buf = NULL;
    assert_int_equal(zt_read_file(f, 1 << 20, &buf, NULL), 0);
    _cleanup_json_ struct json_object *ids = json_object_new_object();
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
        _cleanup_json_ struct json_object *o = json_tokener_parse(line);
        assert_non_null(o);
        assert_string_equal(zt_json_str(o, "schema"), "ztmmd.event/1");
        assert_false(json_object_object_get_ex(ids, zt_json_str(o, "id"), NULL));
        json_object_object_add(ids, zt_json_str(o, "id"), NULL);
    }
    assert_int_equal(json_object_object_length(ids), 22);
}

static void test_export_rotation(void **state)
{
    _cleanup_free_ char *sinks = zt_xasprintf(
        "[sink:f]\ntype = file\npath = %s/r.jsonl\nmax_size = 8K\nkeep = 2\nfindings = all\n", dir);
    _cleanup_(zt_config_freep) struct zt_config *cfg = config(sinks);
    struct zt_export *x = NULL;
    char err[512];
    struct stat st;

    assert_int_equal(zt_export_new(cfg, &x, err, sizeof(err)), 0);
    _cleanup_json_ struct json_object *doc = result("scan-r", 100);
    assert_int_equal(publish(x, NULL, doc, err, sizeof(err)), 102);
    assert_int_equal(zt_export_flush(x, 10000), 0);
    zt_export_free(x);
    _cleanup_free_ char *p0 = zt_xasprintf("%s/r.jsonl", dir);
    _cleanup_free_ char *p1 = zt_xasprintf("%s/r.jsonl.1", dir);
    _cleanup_free_ char *p2 = zt_xasprintf("%s/r.jsonl.2", dir);
    _cleanup_free_ char *p3 = zt_xasprintf("%s/r.jsonl.3", dir);
    assert_int_equal(stat(p0, &st), 0);
    assert_true(st.st_size <= 8192);
    assert_int_equal(stat(p1, &st), 0);
    assert_true(st.st_size <= 8192);
    assert_int_equal(stat(p2, &st), 0);
    assert_int_equal(stat(p3, &st), -1); /* keep = 2 */
}

/* Count distinct event ids over path and its rotated files. */
static size_t distinct_ids(const char *path, unsigned keep)
{
    _cleanup_json_ struct json_object *ids = json_object_new_object();
    for (unsigned k = 0; k <= keep; k++) {
        _cleanup_free_ char *p = k ? zt_xasprintf("%s.%u", path, k) : zt_xstrdup(path);
        _cleanup_free_ char *buf = NULL;
        if (zt_read_file(p, 1 << 20, &buf, NULL) < 0) {
            continue;
        }
        for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
            _cleanup_json_ struct json_object *o = json_tokener_parse(line);
            assert_non_null(o);
            json_object_object_add(ids, zt_json_str(o, "id"), NULL);
        }
    }
    return (size_t)json_object_object_length(ids);
}

static void test_export_failing_sink_keeps_events_and_recovers(void **state)
{
    /* Rotation cannot rename the file onto PATH.1 while PATH.1 is a non-empty directory: every
     * delivery that needs to rotate fails until it is gone. */
    _cleanup_free_ char *path = zt_xasprintf("%s/blocked.jsonl", dir);
    _cleanup_free_ char *blocker = zt_xasprintf("%s.1", path);
    _cleanup_free_ char *inside = zt_xasprintf("%s/x", blocker);
    _cleanup_free_ char *sinks = zt_xasprintf(
        "[sink:f]\ntype = file\npath = %s\nfindings = all\nmax_size = 4K\nkeep = 1\n", path);
    _cleanup_(zt_config_freep) struct zt_config *cfg = config(sinks);
    struct zt_export *x = NULL;
    char err[512];

    assert_int_equal(mkdir(blocker, 0700), 0);
    assert_int_equal(mkdir(inside, 0700), 0);
    assert_int_equal(zt_export_new(cfg, &x, err, sizeof(err)), 0);
    _cleanup_json_ struct json_object *doc = result("scan-f", 20); /* about 6 KiB */
    assert_int_equal(publish(x, NULL, doc, err, sizeof(err)), 22);
    /* Some lines fit before the first rotation; the rest wait. */
    assert_true(zt_export_flush(x, 1500) > 0);
    assert_true(sink_figure(x, 0, "pending") > 0);
    assert_true(sink_figure(x, 0, "delivered") > 0 && sink_figure(x, 0, "delivered") < 22);
    _cleanup_json_ struct json_object *st = zt_export_status(x);
    const char *last = zt_json_str(json_object_array_get_idx(st, 0), "last_error");
    assert_non_null(last);
    assert_non_null(strstr(last, "cannot rotate"));
    /* Clear the way: the next attempt delivers the rest. */
    assert_int_equal(rmdir(inside), 0);
    assert_int_equal(rmdir(blocker), 0);
    assert_int_equal(zt_export_flush(x, 20000), 0);
    assert_int_equal(sink_figure(x, 0, "delivered"), 22);
    assert_int_equal(sink_figure(x, 0, "dropped"), 0);
    zt_export_free(x);
    assert_int_equal(distinct_ids(path, 1), 22);
}

static void test_export_events_survive_a_restart(void **state)
{
    _cleanup_free_ char *path = zt_xasprintf("%s/later.jsonl", dir);
    _cleanup_free_ char *sinks =
        zt_xasprintf("[sink:f]\ntype = file\npath = %s\nfindings = all\n", path);
    _cleanup_(zt_config_freep) struct zt_config *cfg = config(sinks);
    struct zt_export *x = NULL;
    char err[512];

    assert_int_equal(zt_export_new(cfg, &x, err, sizeof(err)), 0);
    _cleanup_json_ struct json_object *d1 = result("scan-1", 3);
    _cleanup_json_ struct json_object *d2 = result("scan-2", 3);
    assert_int_equal(publish(x, NULL, d1, err, sizeof(err)), 5);
    assert_int_equal(zt_export_flush(x, 10000), 0);
    /* stop before the second scan can be delivered: free right after publishing */
    assert_int_equal(publish(x, d1, d2, err, sizeof(err)), 5);
    zt_export_free(x);
    assert_int_equal(zt_export_new(cfg, &x, err, sizeof(err)), 0);
    assert_int_equal(zt_export_flush(x, 10000), 0);
    zt_export_free(x);
    /* 10 events, duplicates allowed only with the same id */
    _cleanup_free_ char *buf = NULL;
    assert_int_equal(zt_read_file(path, 1 << 20, &buf, NULL), 0);
    _cleanup_json_ struct json_object *ids = json_object_new_object();
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
        _cleanup_json_ struct json_object *o = json_tokener_parse(line);
        assert_non_null(o);
        json_object_object_add(ids, zt_json_str(o, "id"), NULL);
    }
    assert_int_equal(json_object_object_length(ids), 10);
}

static void test_export_unusable_state_dir(void **state)
{
    _cleanup_free_ char *file = zt_xasprintf("%s/file", dir);
    FILE *fp = fopen(file, "w");
    fclose(fp);
    _cleanup_free_ char *text = zt_xasprintf(
        "[daemon]\nstate_dir = %s/sub\n[sink:f]\ntype = file\npath = %s/x\n", file, dir);
    struct zt_config *cfg = NULL;
    struct zt_export *x = NULL;
    char err[512];
    assert_int_equal(
        zt_config_load_string("/etc/ztmmd/ztmmd.conf", text, zt_collectors, &cfg, err, sizeof(err)),
        0);
    assert_true(zt_export_new(cfg, &x, err, sizeof(err)) < 0);
    assert_null(x);
    assert_non_null(strstr(err, "file/sub"));
    zt_config_free(cfg);
}

static void test_export_no_sinks_no_outbox(void **state)
{
    _cleanup_(zt_config_freep) struct zt_config *cfg = config("");
    struct zt_export *x = (void *)1;
    char err[512];
    assert_int_equal(zt_export_new(cfg, &x, err, sizeof(err)), 0);
    assert_null(x);
    _cleanup_free_ char *p = zt_xasprintf("%s/state/outbox", dir);
    assert_int_equal(access(p, F_OK), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_export_file_sinks_get_every_event, setup, teardown),
        cmocka_unit_test_setup_teardown(test_export_rotation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_export_failing_sink_keeps_events_and_recovers, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_export_events_survive_a_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_export_unusable_state_dir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_export_no_sinks_no_outbox, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
