/* test_sink_lines.c - the example sink of docs/WRITING_A_SINK.md works as the page says, and the
 * page shows exactly the code tested here (tests/unit/sinks/sink_lines.c). */
#include <stdlib.h>

#include "zt_test.h"

#include "sink_test.h"

extern const struct zt_sink zt_sink_lines;

static char *slurp(const char *path)
{
    char *text = NULL;
    size_t len = 0;
    if (zt_read_file(path, 1u << 20, &text, &len) < 0) {
        fail_msg("cannot read %s", path);
    }
    return text;
}

static void test_sink_lines_delivers_one_line_per_event(void **state)
{
    (void)state;
    char dir[] = "/tmp/ztmmd-lines-XXXXXX", path[512], err[256] = "", ids[2][33];
    struct sink_test t;
    struct zt_sink_outcome out;

    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/events.jsonl", dir);
    const char *kv[] = {"path", path, NULL};
    assert_int_equal(
        sink_test_open(&t, &zt_sink_lines, "local", ZT_FORMAT_JSON, 1000, kv, err, sizeof(err)), 0);
    struct zt_sink_event ev[2] = {
        sink_test_event(ids[0], 1, "scan", NULL, "{\"kind\":\"scan\"}"),
        sink_test_event(ids[1], 2, "function", "identity.authentication",
                        "{\"kind\":\"function\"}"),
    };
    assert_int_equal(sink_test_deliver(&t, ev, 2, &out), ZT_SINK_OK);
    sink_test_close(&t);
    _cleanup_free_ char *text = slurp(path);
    assert_string_equal(text, "{\"kind\":\"scan\"}\n{\"kind\":\"function\"}\n");
    unlink(path);
    rmdir(dir);
}

static void test_sink_lines_open_names_the_file(void **state)
{
    (void)state;
    char err[256] = "";
    struct sink_test t;
    const char *kv[] = {"path", "/nonexistent-dir/events.jsonl", NULL};

    assert_true(sink_test_open(&t, &zt_sink_lines, "local", ZT_FORMAT_JSON, 1000, kv, err,
                               sizeof(err)) < 0);
    assert_non_null(strstr(err, "cannot open /nonexistent-dir/events.jsonl"));
    t.http = NULL; /* not opened: close() must not run */
    sink_test_close(&t);
}

static void test_sink_lines_is_the_code_the_page_shows(void **state)
{
    (void)state;
    _cleanup_free_ char *page = slurp(ZT_SOURCE_DIR "/docs/WRITING_A_SINK.md");
    _cleanup_free_ char *code = slurp(ZT_SOURCE_DIR "/tests/unit/sinks/sink_lines.c");
    _cleanup_free_ char *block = zt_xasprintf("```c\n%s```\n", code);
    if (!strstr(page, block)) {
        fail_msg("docs/WRITING_A_SINK.md does not show tests/unit/sinks/sink_lines.c verbatim");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sink_lines_delivers_one_line_per_event),
        cmocka_unit_test(test_sink_lines_open_names_the_file),
        cmocka_unit_test(test_sink_lines_is_the_code_the_page_shows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
