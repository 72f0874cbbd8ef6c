/* test_sink_elasticsearch.c - the elasticsearch sink against the _bulk fixture receiver
 * (receivers.py --kind es): NDJSON framing byte for byte, API key and basic authentication,
 * per-item results (429 retried from the first throttled item, 400 refused for good, 409
 * duplicates fine), whole-request 429, 413 and 5xx, and the configuration checks. */
#include "zt_test.h"

#include "sink_test.h"
#include "sinks.h"

#define API_KEY "VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw=="

struct es_fixture {
    char dir[PATH_MAX];
    char key_file[PATH_MAX];
    char password_file[PATH_MAX];
    char ca[PATH_MAX];
    struct fixture srv;
};

static int group_setup(void **state)
{
    struct es_fixture *f = zt_xcalloc(1, sizeof(*f));
    fixture_pki(f->dir, sizeof(f->dir));
    sink_test_file(f->dir, "api_key", API_KEY "\n", f->key_file, sizeof(f->key_file));
    sink_test_file(f->dir, "password", "s3cr3t-pw\n", f->password_file, sizeof(f->password_file));
    fixture_join(f->ca, sizeof(f->ca), f->dir, "/certs/ca.pem");
    *state = f;
    return 0;
}

static int group_teardown(void **state)
{
    struct es_fixture *f = *state;
    fixture_rmrf(f->dir);
    free(f);
    return 0;
}

static int teardown(void **state)
{
    struct es_fixture *f = *state;
    fixture_stop(&f->srv);
    return 0;
}

#define RECEIVER_KEY "{\"api_key\":\"" API_KEY "\""

/* Start the receiver with config and open an API key sink on it, with one extra option. */
static void es_start(struct es_fixture *f, struct sink_test *t, const char *config,
                     const char *extra_key, const char *extra_value)
{
    char err[512] = "";
    sink_test_receiver(&f->srv, f->dir, "es", config);
    const char *kv[] = {"url", f->srv.base, "api_key_file", f->key_file, "ca_file",
                        f->ca, extra_key,   extra_value,    NULL};
    assert_int_equal(sink_test_open(t, &zt_sink_elasticsearch, "es", ZT_FORMAT_JSON, 10000, kv, err,
                                    sizeof(err)),
                     0);
}

/* n events with ids 1..n and texts {"n":i}. */
struct batch {
    char ids[8][33];
    char texts[8][32];
    struct zt_sink_event ev[8];
};

static void make_batch(struct batch *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        snprintf(b->texts[i], sizeof(b->texts[i]), "{\"n\":%zu}", i + 1);
        b->ev[i] =
            sink_test_event(b->ids[i], (unsigned)i + 1, "finding", "devices.policy", b->texts[i]);
    }
}

static struct json_object *bulk_entry(struct json_object *log, size_t i)
{
    struct json_object *e[16];
    size_t n = fixture_entries(log, "/_bulk", e, 16);
    assert_true(i < n);
    return e[i];
}

static size_t created(struct json_object *e)
{
    struct json_object *c = zt_json_array(e, "created");
    return c ? json_object_array_length(c) : 0;
}

static void test_framing(void **state)
{
    struct es_fixture *f = *state;
    struct sink_test t;
    struct batch b;
    struct zt_sink_outcome out;

    make_batch(&b, 2);
    es_start(f, &t, RECEIVER_KEY "}", "index", "zt-events");
    assert_int_equal(sink_test_deliver(&t, b.ev, 2, &out), ZT_SINK_OK);
    assert_int_equal(out.rejected, 0);
    sink_test_close(&t);

    _cleanup_json_ struct json_object *log = fixture_log(&f->srv);
    struct json_object *e = bulk_entry(log, 0);
    assert_string_equal(fixture_str(e, "auth"), "ok");
    assert_string_equal(fixture_str(e, "content_type"), "application/x-ndjson");
    assert_int_equal((int)fixture_num(e, "status"), 200);
    assert_string_equal(
        fixture_str(e, "body"),
        "{\"create\":{\"_index\":\"zt-events\",\"_id\":\"00000000000000000000000000000001\"}}\n"
        "{\"n\":1}\n"
        "{\"create\":{\"_index\":\"zt-events\",\"_id\":\"00000000000000000000000000000002\"}}\n"
        "{\"n\":2}\n");
    assert_int_equal(created(e), 2);
}

static void test_partial_failure(void **state)
{
    struct es_fixture *f = *state;
    struct sink_test t;
    struct batch b;
    struct zt_sink_outcome out;

    make_batch(&b, 5);
    /* Request 1: item 1 malformed (400 for good), item 3 throttled (429). */
    es_start(f, &t, RECEIVER_KEY ",\"faults\":[{\"items\":{\"1\":400,\"3\":429}}]}", NULL, NULL);
    assert_int_equal(sink_test_deliver(&t, b.ev, 5, &out), ZT_SINK_RETRY);
    assert_int_equal(out.done, 3);     /* items 0..2 finished */
    assert_int_equal(out.rejected, 1); /* item 1 of them refused */
    assert_int_equal(out.retry_after_ms, 0);
    assert_false(out.too_large);
    assert_non_null(strstr(out.message, "es_rejected_execution_exception"));
    assert_non_null(strstr(out.message, b.ids[3]));
    assert_non_null(strstr(out.message, "mapper_parsing_exception")); /* the refused one */
    assert_non_null(strstr(out.message, b.ids[1]));
    /* The core sends the rest again: item 4 was created the first time (409: fine). */
    assert_int_equal(sink_test_deliver(&t, b.ev + 3, 2, &out), ZT_SINK_OK);
    assert_int_equal(out.rejected, 0);
    sink_test_close(&t);

    _cleanup_json_ struct json_object *log = fixture_log(&f->srv);
    struct json_object *e0 = bulk_entry(log, 0), *e1 = bulk_entry(log, 1);
    assert_int_equal(created(e0), 3); /* 0, 2, 4 */
    assert_int_equal(created(e1), 1); /* 3 */
    struct json_object *items = zt_json_array(json_object_object_get(e1, "response"), "items");
    struct json_object *second =
        json_object_object_get(json_object_array_get_idx(items, 1), "create");
    assert_int_equal(json_object_get_int(json_object_object_get(second, "status")), 409);
}

static void test_rejected_for_good(void **state)
{
    struct es_fixture *f = *state;
    struct sink_test t;
    struct batch b;
    struct zt_sink_outcome out;

    make_batch(&b, 3);
    es_start(f, &t, RECEIVER_KEY ",\"faults\":[{\"items\":{\"2\":400}}]}", NULL, NULL);
    assert_int_equal(sink_test_deliver(&t, b.ev, 3, &out), ZT_SINK_OK);
    assert_int_equal(out.rejected, 1);
    assert_non_null(strstr(out.message, "mapper_parsing_exception"));
    assert_non_null(strstr(out.message, "failed to parse field"));
    assert_non_null(strstr(out.message, b.ids[2]));
    sink_test_close(&t);
}

static void test_first_item_throttled(void **state)
{
    struct es_fixture *f = *state;
    struct sink_test t;
    struct batch b;
    struct zt_sink_outcome out;

    make_batch(&b, 2);
    es_start(f, &t, RECEIVER_KEY ",\"faults\":[{\"items\":{\"0\":429,\"1\":429}}]}", NULL, NULL);
    assert_int_equal(sink_test_deliver(&t, b.ev, 2, &out), ZT_SINK_RETRY);
    assert_int_equal(out.done, 0);
    assert_int_equal(out.rejected, 0);
    assert_int_equal(sink_test_deliver(&t, b.ev, 2, &out), ZT_SINK_OK);
    sink_test_close(&t);
}

static void test_duplicates(void **state)
{
    struct es_fixture *f = *state;
    struct sink_test t;
    struct batch b;
    struct zt_sink_outcome out;

    make_batch(&b, 3);
    es_start(f, &t, RECEIVER_KEY "}", NULL, NULL);
    assert_int_equal(sink_test_deliver(&t, b.ev, 3, &out), ZT_SINK_OK);
    assert_int_equal(sink_test_deliver(&t, b.ev, 3, &out), ZT_SINK_OK); /* all 409 */
    assert_int_equal(out.rejected, 0);
    sink_test_close(&t);
    _cleanup_json_ struct json_object *log = fixture_log(&f->srv);
    assert_int_equal(created(bulk_entry(log, 0)), 3);
    assert_int_equal(created(bulk_entry(log, 1)), 0);
    assert_true(json_object_get_boolean(
        json_object_object_get(json_object_object_get(bulk_entry(log, 1), "response"), "errors")));
}

static void test_whole_request_failures(void **state)
{
    struct es_fixture *f = *state;
    struct sink_test t;
    struct batch b;
    struct zt_sink_outcome out;

    make_batch(&b, 1);
    es_start(f, &t,
             RECEIVER_KEY ",\"faults\":[{\"status\":429,\"retry_after\":7},{\"status\":429},"
                          "{\"status\":503}]}",
             NULL, NULL);
    assert_int_equal(sink_test_deliver(&t, b.ev, 1, &out), ZT_SINK_RETRY);
    assert_int_equal(out.retry_after_ms, 7000);
    assert_non_null(strstr(out.message, "es_rejected_execution_exception"));
    assert_int_equal(sink_test_deliver(&t, b.ev, 1, &out), ZT_SINK_RETRY);
    assert_int_equal(out.retry_after_ms, 0);
    assert_int_equal(sink_test_deliver(&t, b.ev, 1, &out), ZT_SINK_RETRY);
    assert_non_null(strstr(out.message, "HTTP 503"));
    assert_int_equal(out.done, 0);
    assert_int_equal(sink_test_deliver(&t, b.ev, 1, &out), ZT_SINK_OK);
    sink_test_close(&t);
}

static void test_too_large(void **state)
{
    struct es_fixture *f = *state;
    struct sink_test t;
    struct batch b;
    struct zt_sink_outcome out;

    make_batch(&b, 4);
    es_start(f, &t, RECEIVER_KEY ",\"max_body\":300}", NULL, NULL);
    assert_int_equal(sink_test_deliver(&t, b.ev, 4, &out), ZT_SINK_RETRY);
    assert_true(out.too_large);
    assert_int_equal(sink_test_deliver(&t, b.ev, 2, &out), ZT_SINK_OK); /* the halved batch */
    sink_test_close(&t);
}

static void test_wrong_key(void **state)
{
    struct es_fixture *f = *state;
    struct sink_test t;
    struct batch b;
    struct zt_sink_outcome out;

    make_batch(&b, 1);
    es_start(f, &t, "{\"api_key\":\"b3RoZXI6a2V5\"}", NULL, NULL);
    assert_int_equal(sink_test_deliver(&t, b.ev, 1, &out), ZT_SINK_ERROR);
    assert_non_null(strstr(out.message, "HTTP 401"));
    assert_non_null(strstr(out.message, "security_exception"));
    assert_non_null(strstr(out.message, "api_key_file"));
    assert_null(strstr(out.message, API_KEY));
    sink_test_close(&t);
    _cleanup_json_ struct json_object *log = fixture_log(&f->srv);
    assert_string_equal(fixture_str(bulk_entry(log, 0), "auth"), "wrong");
}

static void test_basic_auth(void **state)
{
    struct es_fixture *f = *state;
    struct sink_test t;
    struct batch b;
    struct zt_sink_outcome out;
    char err[512] = "";

    make_batch(&b, 1);
    sink_test_receiver(&f->srv, f->dir, "es", "{\"user\":\"ztmmd\",\"password\":\"s3cr3t-pw\"}");
    const char *kv[] = {"url",     f->srv.base,     "username",
                        "ztmmd",   "password_file", f->password_file,
                        "ca_file", f->ca,           NULL};
    assert_int_equal(
        sink_test_open(&t, &zt_sink_elasticsearch, "es", ZT_FORMAT_JSON, 10000, kv, err, 512), 0);
    assert_int_equal(sink_test_deliver(&t, b.ev, 1, &out), ZT_SINK_OK);
    sink_test_close(&t);
    _cleanup_json_ struct json_object *log = fixture_log(&f->srv);
    assert_string_equal(fixture_str(bulk_entry(log, 0), "auth"), "ok");
    assert_int_equal(created(bulk_entry(log, 0)), 1);
}

static void test_check(void **state)
{
    struct sink_test t;
    char err[512] = "";
    struct {
        const char *kv[9];
        const char *says; /* NULL: accepted */
    } cases[] = {
        {{"url", "https://h:9200", NULL}, "api_key_file"},
        {{"url", "https://h:9200/_bulk", "credential", "es", NULL}, "base URL"},
        {{"url", "https://h:9200", "credential", "es", "index", "Upper", NULL}, "index"},
        {{"url", "https://h:9200", "credential", "es", "index", "_x", NULL}, "index"},
        {{"url", "https://h:9200", "credential", "es", "index", "a b", NULL}, "index"},
        {{"url", "https://h:9200", "api_key_file", "/k", "username", "u", NULL}, "not both"},
        {{"url", "https://h:9200", "password_file", "/p", NULL}, "username"},
        {{"url", "https://h:9200", "username", "u", NULL}, "password_file"},
        {{"url", "https://h:9200", "credential", "es", NULL}, NULL},
        {{"url", "https://h:9200", "username", "u", "credential", "es", NULL}, NULL},
        {{"url", "https://h:9200", "api_key_file", "/k", "index", "logs-ztmmd-x", NULL}, NULL},
    };

    for (size_t i = 0; i < ZT_ELEMENTSOF(cases); i++) {
        int r = sink_test_bind(&t, &zt_sink_elasticsearch, cases[i].kv, err, sizeof(err));
        if (cases[i].says) {
            assert_int_equal(r, -EINVAL);
            assert_non_null(strstr(err, cases[i].says));
        } else {
            assert_int_equal(r, 0);
        }
        sink_test_close(&t);
    }
    assert_int_equal(zt_sink_elasticsearch.formats, ZT_FORMATS_JSONS); /* no CEF */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_framing, teardown),
        cmocka_unit_test_teardown(test_partial_failure, teardown),
        cmocka_unit_test_teardown(test_rejected_for_good, teardown),
        cmocka_unit_test_teardown(test_first_item_throttled, teardown),
        cmocka_unit_test_teardown(test_duplicates, teardown),
        cmocka_unit_test_teardown(test_whole_request_failures, teardown),
        cmocka_unit_test_teardown(test_too_large, teardown),
        cmocka_unit_test_teardown(test_wrong_key, teardown),
        cmocka_unit_test_teardown(test_basic_auth, teardown),
        cmocka_unit_test_teardown(test_check, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
