/* test_history.c - the trend summary: read from a history directory (new files only, corrupt
 * ones counted), and through its JSON form as the control socket carries it. */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "history.h"
#include "model.h"
#include "zt_test.h"

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void write_doc(const char *dir, const char *name, const char *id, const char *at,
                      const char *overall, const char *identity)
{
    char text[1024];
    snprintf(text, sizeof(text),
             "{\"schema\":\"ztmmd.result/1\",\"scan_id\":\"%s\",\"finished_at\":\"%s\","
             "\"pillars\":[{\"id\":\"identity\",\"stage\":\"%s\"},"
             "{\"id\":\"data\",\"stage\":\"unknown\"}],\"overall\":{\"stage\":\"%s\"}}",
             id, at, identity, overall);
    write_file(dir, name, text);
}

static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    char path[512];
    for (struct dirent *de; d && (de = readdir(d));) {
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
            snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
            unlink(path);
        }
    }
    if (d) {
        closedir(d);
    }
    rmdir(dir);
}

static void test_history_reads_directory_sorted_and_counts_corrupt(void **state)
{
    char dir[] = "/tmp/zt-history-XXXXXX", err[256] = "";
    struct zt_history h = {0};
    assert_non_null(mkdtemp(dir));
    /* Names sort by time as the state directory writes them; the times decide the order. */
    write_doc(dir, "20240102T000000000Z-b.json", "b", "2024-01-02T00:00:00.000Z", "traditional",
              "traditional");
    write_doc(dir, "20240101T000000000Z-a.json", "a", "2024-01-01T00:00:00.000Z", "initial",
              "initial");
    write_file(dir, "20240103T000000000Z-c.json", "{\"schema\":\"ztmmd.result/1\",");
    write_file(dir, "20240104T000000000Z-d.json", "{\"schema\":\"other/1\",\"scan_id\":\"d\"}");
    write_doc(dir, ".20240105T000000000Z-e.json.tmp-1-0", "e", "2024-01-05T00:00:00.000Z",
              "optimal", "optimal");
    write_file(dir, "notes.txt", "not a document");

    assert_int_equal(zt_history_refresh(&h, dir, err, sizeof(err)), 0);
    assert_int_equal(h.n, 2);
    assert_int_equal(h.skipped, 2);
    assert_string_equal(h.v[0].scan_id, "a");
    assert_int_equal(h.v[0].overall, ZT_STAGE_INITIAL);
    assert_int_equal(h.v[0].n_pillars, 2);
    assert_string_equal(h.v[0].pillars[0].id, "identity");
    assert_int_equal(h.v[0].pillars[1].stage, ZT_STAGE_UNKNOWN);
    assert_string_equal(h.v[1].scan_id, "b");
    assert_string_equal(h.v[1].file, "20240102T000000000Z-b.json");

    /* Pruned files leave; new ones come; a known file is not read again (documents in history
     * are written once), so rewriting one in place changes nothing. */
    char path[512];
    snprintf(path, sizeof(path), "%s/20240101T000000000Z-a.json", dir);
    unlink(path);
    write_doc(dir, "20240102T000000000Z-b.json", "b", "2024-01-02T00:00:00.000Z", "optimal",
              "optimal");
    write_doc(dir, "20240106T000000000Z-f.json", "f", "2024-01-06T00:00:00.000Z", "advanced",
              "advanced");
    assert_int_equal(zt_history_refresh(&h, dir, err, sizeof(err)), 0);
    assert_int_equal(h.n, 2);
    assert_string_equal(h.v[0].scan_id, "b");
    assert_int_equal(h.v[0].overall, ZT_STAGE_TRADITIONAL);
    assert_string_equal(h.v[1].scan_id, "f");
    assert_int_equal(h.skipped, 2);
    /* A file found unreadable is not read again either: made valid in place, it stays skipped
     * (only a new name is read). */
    write_doc(dir, "20240103T000000000Z-c.json", "c", "2024-01-03T00:00:00.000Z", "optimal",
              "optimal");
    assert_int_equal(zt_history_refresh(&h, dir, err, sizeof(err)), 0);
    assert_int_equal(h.n, 2);
    assert_int_equal(h.skipped, 2);
    /* One that goes away is no longer counted. */
    snprintf(path, sizeof(path), "%s/20240104T000000000Z-d.json", dir);
    unlink(path);
    assert_int_equal(zt_history_refresh(&h, dir, err, sizeof(err)), 0);
    assert_int_equal(h.skipped, 1);
    /* A FIFO named like a document is refused without blocking, and counted. */
    snprintf(path, sizeof(path), "%s/20240107T000000000Z-g.json", dir);
    assert_int_equal(mkfifo(path, 0600), 0);
    assert_int_equal(zt_history_refresh(&h, dir, err, sizeof(err)), 0);
    assert_int_equal(h.n, 2);
    assert_int_equal(h.skipped, 2);
    zt_history_clear(&h);
    remove_tree(dir);
}

static void test_history_missing_directory_is_named(void **state)
{
    struct zt_history h = {0};
    char err[256] = "";
    assert_int_equal(zt_history_refresh(&h, "/nonexistent/ztmmd/history", err, sizeof(err)),
                     -ENOENT);
    assert_non_null(strstr(err, "/nonexistent/ztmmd/history"));
    assert_int_equal(h.n, 0);
}

static void test_history_empty_directory_and_array(void **state)
{
    char dir[] = "/tmp/zt-history-XXXXXX", err[256] = "";
    struct zt_history h = {0};
    assert_non_null(mkdtemp(dir));
    assert_int_equal(zt_history_refresh(&h, dir, err, sizeof(err)), 0);
    assert_int_equal(h.n, 0);
    _cleanup_json_ struct json_object *arr = json_object_new_array();
    assert_int_equal(zt_history_from_json(arr, &h, err, sizeof(err)), 0);
    assert_int_equal(h.n, 0);
    _cleanup_json_ struct json_object *out = zt_history_to_json(&h);
    assert_int_equal(json_object_array_length(out), 0);
    rmdir(dir);
}

static void test_history_json_round_trip(void **state)
{
    _cleanup_json_ struct json_object *arr = json_tokener_parse(
        "[{\"scan_id\":\"y\",\"finished_at\":\"2024-02-02T00:00:00+01:00\",\"overall\":"
        "\"advanced\","
        "\"pillars\":{\"identity\":\"advanced\",\"data\":\"bogus\"}},"
        "{\"scan_id\":\"x\",\"finished_at\":\"2024-02-01T00:00:00Z\",\"overall\":\"initial\"},"
        "{\"scan_id\":\"no time\",\"overall\":\"initial\"},"
        "{\"scan_id\":\"bad stage\",\"finished_at\":\"2024-02-03T00:00:00Z\",\"overall\":\"max\"},"
        "42]");
    struct zt_history h = {0}, back = {0};
    char err[256] = "";

    assert_int_equal(zt_history_from_json(arr, &h, err, sizeof(err)), 0);
    assert_int_equal(h.n, 2);
    assert_int_equal(h.skipped, 3);
    assert_string_equal(h.v[0].scan_id, "x"); /* sorted by time */
    assert_int_equal(h.v[0].n_pillars, 0);
    assert_int_equal(h.v[1].n_pillars, 1); /* the bogus stage is left out */
    assert_int_equal(h.v[1].pillars[0].stage, ZT_STAGE_ADVANCED);

    _cleanup_json_ struct json_object *out = zt_history_to_json(&h);
    assert_int_equal(zt_history_from_json(out, &back, err, sizeof(err)), 0);
    assert_int_equal(back.n, 2);
    assert_int_equal(back.skipped, 0);
    assert_string_equal(back.v[1].finished_at, "2024-02-02T00:00:00+01:00");
    assert_string_equal(back.v[1].pillars[0].id, "identity");
    zt_history_clear(&h);
    zt_history_clear(&back);
}

static void test_history_refuses_what_is_not_a_summary(void **state)
{
    struct zt_history h = {0};
    char err[256] = "";
    _cleanup_json_ struct json_object *obj = json_tokener_parse("{\"history\":[]}");
    assert_int_equal(zt_history_from_json(obj, &h, err, sizeof(err)), -EBADMSG);
    assert_non_null(strstr(err, "not an array"));
    assert_int_equal(zt_history_from_json(NULL, &h, err, sizeof(err)), -EBADMSG);
    _cleanup_json_ struct json_object *big = json_object_new_array();
    for (unsigned i = 0; i <= ZT_HISTORY_POINTS_MAX; i++) {
        json_object_array_add(big, json_object_new_int(1));
    }
    assert_int_equal(zt_history_from_json(big, &h, err, sizeof(err)), -EBADMSG);
}

static void test_history_add_skips_a_known_scan(void **state)
{
    _cleanup_json_ struct json_object *doc = json_tokener_parse(
        "{\"schema\":\"ztmmd.result/1\",\"scan_id\":\"older\",\"finished_at\":"
        "\"2024-03-01T00:00:00Z\",\"pillars\":[{\"id\":\"identity\",\"stage\":\"optimal\"}],"
        "\"overall\":{\"stage\":\"optimal\"}}");
    _cleanup_json_ struct json_object *arr =
        json_tokener_parse("[{\"scan_id\":\"newer\",\"finished_at\":\"2024-04-01T00:00:00Z\","
                           "\"overall\":\"initial\"}]");
    _cleanup_(zt_model_freep) struct zt_model *m = NULL;
    struct zt_history h = {0};
    char err[256] = "";

    assert_int_equal(zt_model_from_result(doc, &m, err, sizeof(err)), 0);
    assert_int_equal(zt_history_from_json(arr, &h, err, sizeof(err)), 0);
    zt_history_add(&h, m);
    zt_history_add(&h, m);
    assert_int_equal(h.n, 2);
    assert_string_equal(h.v[0].scan_id, "older"); /* placed by its time, not at the end */
    assert_int_equal(h.v[0].pillars[0].stage, ZT_STAGE_OPTIMAL);
    zt_history_clear(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_history_reads_directory_sorted_and_counts_corrupt),
        cmocka_unit_test(test_history_missing_directory_is_named),
        cmocka_unit_test(test_history_empty_directory_and_array),
        cmocka_unit_test(test_history_json_round_trip),
        cmocka_unit_test(test_history_refuses_what_is_not_a_summary),
        cmocka_unit_test(test_history_add_skips_a_known_scan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
