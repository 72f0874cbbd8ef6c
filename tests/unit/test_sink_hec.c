/* test_sink_hec.c - the splunk_hec sink against the HEC fixture receiver (receivers.py --kind
 * hec): envelope framing byte for byte, token refusals, busy and server errors, indexer
 * acknowledgement with one stable channel, and the configuration checks. */
#include "zt_test.h"

#include "sink_test.h"
#include "sinks.h"

#define TOKEN "4f3c2b1a-hec-token-secret-value"

struct hec_fixture {
    char dir[PATH_MAX];
    char token_file[PATH_MAX];
    char ca[PATH_MAX];
    struct fixture srv;
};

static int group_setup(void **state)
{
    struct hec_fixture *h = zt_xcalloc(1, sizeof(*h));
    fixture_pki(h->dir, sizeof(h->dir));
    sink_test_file(h->dir, "token", TOKEN "\n", h->token_file, sizeof(h->token_file));
    fixture_join(h->ca, sizeof(h->ca), h->dir, "/certs/ca.pem");
    *state = h;
    return 0;
}

static int group_teardown(void **state)
{
    struct hec_fixture *h = *state;
    fixture_rmrf(h->dir);
    free(h);
    return 0;
}

static int teardown(void **state)
{
    struct hec_fixture *h = *state;
    fixture_stop(&h->srv);
    return 0;
}

/* Start the receiver with config and open a sink on it with extra options (pairs). */
static void hec_start(struct hec_fixture *h, struct sink_test *t, const char *config,
                      const char *name, enum zt_format fmt, uint64_t timeout_ms,
                      const char *extra_key, const char *extra_value)
{
    char err[512] = "";
    fixture_stop(&h->srv);
    sink_test_receiver(&h->srv, h->dir, "hec", config);
    const char *kv[] = {"url", h->srv.base, "token_file", h->token_file, "ca_file",
                        h->ca, extra_key,   extra_value,  NULL};
    assert_int_equal(
        sink_test_open(t, &zt_sink_splunk_hec, name, fmt, timeout_ms, kv, err, sizeof(err)), 0);
}

static struct json_object *only_entry(struct json_object *log, const char *path)
{
    struct json_object *e[4];
    assert_int_equal(fixture_entries(log, path, e, 4), 1);
    return e[0];
}

static void test_framing(void **state)
{
    struct hec_fixture *h = *state;
    struct sink_test t;
    char id1[33], id2[33];
    struct zt_sink_event ev[] = {
        sink_test_event(id1, 1, "scan", NULL, "{\"schema\":\"ztmmd.event/1\",\"kind\":\"scan\"}"),
        sink_test_event(id2, 2, "function", "identity.authentication",
                        "{\"kind\":\"function\",\"note\":\"a \\\"quoted\\\" word\"}"),
    };
    struct zt_sink_outcome out;

    hec_start(h, &t, "{\"token\":\"" TOKEN "\"}", "splunk", ZT_FORMAT_JSON, 10000, "index", "ztmm");
    assert_int_equal(sink_test_deliver(&t, ev, 2, &out), ZT_SINK_OK);
    sink_test_close(&t);

    _cleanup_json_ struct json_object *log = fixture_log(&h->srv);
    struct json_object *e = only_entry(log, "/services/collector/event");
    assert_string_equal(fixture_str(e, "auth"), "ok");
    assert_null(fixture_str(e, "channel")); /* no channel without ack */
    assert_string_equal(fixture_str(e, "content_type"), "application/json");
    assert_int_equal((int)fixture_num(e, "status"), 200);
    assert_string_equal(
        fixture_str(e, "body"),
        "{\"time\":1700000001.123,\"host\":\"host1.example\",\"source\":\"ztmmd\","
        "\"sourcetype\":\"ztmmd\",\"index\":\"ztmm\",\"event\":{\"schema\":\"ztmmd.event/1\","
        "\"kind\":\"scan\"},\"fields\":{\"kind\":\"scan\",\"ztmm_id\":"
        "\"00000000000000000000000000000001\"}}\n"
        "{\"time\":1700000002.123,\"host\":\"host1.example\",\"source\":\"ztmmd\","
        "\"sourcetype\":\"ztmmd\",\"index\":\"ztmm\",\"event\":{\"kind\":\"function\",\"note\":"
        "\"a \\\"quoted\\\" word\"},\"fields\":{\"kind\":\"function\",\"function\":"
        "\"identity.authentication\",\"ztmm_id\":\"00000000000000000000000000000002\"}}\n");
    /* The receiver parsed both envelopes strictly. */
    struct json_object *events = zt_json_array(e, "events");
    assert_non_null(events);
    assert_int_equal(json_object_array_length(events), 2);
}

static void test_cef_is_a_string(void **state)
{
    struct hec_fixture *h = *state;
    struct sink_test t;
    char id[33];
    const char *cef = "CEF:0|ztmmd|ztmmd|1|finding|a \\| b \"c\"|5|externalId=x msg=back\\\\slash";
    struct zt_sink_event ev = sink_test_event(id, 7, "finding", "devices.policy", cef);
    struct zt_sink_outcome out;

    hec_start(h, &t, "{\"token\":\"" TOKEN "\"}", "cef", ZT_FORMAT_CEF, 10000, NULL, NULL);
    assert_int_equal(sink_test_deliver(&t, &ev, 1, &out), ZT_SINK_OK);
    sink_test_close(&t);

    _cleanup_json_ struct json_object *log = fixture_log(&h->srv);
    struct json_object *e = only_entry(log, "/services/collector/event");
    struct json_object *env = json_object_array_get_idx(zt_json_array(e, "events"), 0);
    assert_string_equal(zt_json_str(env, "event"), cef); /* the line, as a JSON string */
    assert_null(zt_json_str(env, "index"));              /* not set: not sent */
    assert_string_equal(zt_json_str(env, "sourcetype"), "ztmmd");
}

/* Answers no retry cures: each an ERROR whose message says what to fix, never the token. */
static void test_refusals(void **state)
{
    struct hec_fixture *h = *state;
    struct {
        const char *config, *key, *value;
        const char *says[3];
    } cases[] = {
        {"{\"token\":\"another-token\"}",
         NULL,
         NULL,
         {"code 4 (Invalid token)", "token_file", "/services/collector/event"}},
        {"{\"token\":\"" TOKEN "\",\"indexes\":[\"main\"]}",
         "index",
         "nosuch",
         {"code 7", "check index", "at event 0"}},
        /* The token has indexer acknowledgement; the sink does not ask for it. */
        {"{\"token\":\"" TOKEN "\",\"ack\":true}", NULL, NULL, {"code 10", "set ack = yes", ""}},
        /* ack = yes, but the token answers without an ackId. */
        {"{\"token\":\"" TOKEN "\"}", "ack", "yes", {"no ackId", "ack = no", ""}},
    };

    for (size_t i = 0; i < ZT_ELEMENTSOF(cases); i++) {
        struct sink_test t;
        char id[33];
        struct zt_sink_event ev = sink_test_event(id, 1, "scan", NULL, "{\"a\":1}");
        struct zt_sink_outcome out;

        hec_start(h, &t, cases[i].config, "splunk", ZT_FORMAT_JSON, 10000, cases[i].key,
                  cases[i].value);
        assert_int_equal(sink_test_deliver(&t, &ev, 1, &out), ZT_SINK_ERROR);
        sink_test_close(&t);
        for (size_t k = 0; k < 3; k++) {
            if (!strstr(out.message, cases[i].says[k])) {
                fail_msg("case %zu: '%s' not in: %s", i, cases[i].says[k], out.message);
            }
        }
        assert_null(strstr(out.message, TOKEN));
        assert_null(strstr(out.message, "secret-value"));
    }
}

static void test_busy_then_error(void **state)
{
    struct hec_fixture *h = *state;
    struct sink_test t;
    char id[33];
    struct zt_sink_event ev = sink_test_event(id, 1, "scan", NULL, "{\"a\":1}");
    struct zt_sink_outcome out;

    hec_start(h, &t,
              "{\"token\":\"" TOKEN "\",\"faults\":[{\"code\":9,\"retry_after\":3},{\"code\":9},"
              "{\"code\":8},{\"code\":6}]}",
              "splunk", ZT_FORMAT_JSON, 10000, NULL, NULL);
    assert_int_equal(sink_test_deliver(&t, &ev, 1, &out), ZT_SINK_RETRY);
    assert_int_equal(out.retry_after_ms, 3000);
    assert_non_null(strstr(out.message, "code 9"));
    assert_int_equal(sink_test_deliver(&t, &ev, 1, &out), ZT_SINK_RETRY);
    assert_int_equal(out.retry_after_ms, 0); /* no hint: the core's backoff */
    assert_int_equal(sink_test_deliver(&t, &ev, 1, &out), ZT_SINK_RETRY); /* code 8, HTTP 500 */
    assert_non_null(strstr(out.message, "HTTP 500"));
    assert_int_equal(sink_test_deliver(&t, &ev, 1, &out), ZT_SINK_ERROR); /* code 6 */
    assert_non_null(strstr(out.message, "Invalid data format"));
    assert_int_equal(sink_test_deliver(&t, &ev, 1, &out), ZT_SINK_OK); /* faults used up */
    sink_test_close(&t);
}

/* The channel of every event and ack request of the log; all must be equal. */
static const char *one_channel(struct json_object *log)
{
    const char *ch = NULL;
    for (size_t i = 0; i < json_object_array_length(log); i++) {
        const char *c = fixture_str(json_object_array_get_idx(log, i), "channel");
        assert_non_null(c);
        if (ch) {
            assert_string_equal(c, ch);
        }
        ch = c;
    }
    assert_non_null(ch);
    return ch;
}

static void test_ack(void **state)
{
    struct hec_fixture *h = *state;
    struct sink_test t;
    char id1[33], id2[33], ch[64];
    struct zt_sink_event ev[] = {
        sink_test_event(id1, 1, "scan", NULL, "{\"a\":1}"),
        sink_test_event(id2, 2, "scan", NULL, "{\"a\":2}"),
    };
    struct zt_sink_outcome out;
    struct json_object *e[8];

    hec_start(h, &t, "{\"token\":\"" TOKEN "\",\"ack\":true,\"ack_false_polls\":1}", "splunk",
              ZT_FORMAT_JSON, 20000, "ack", "yes");
    assert_int_equal(sink_test_deliver(&t, &ev[0], 1, &out), ZT_SINK_OK);
    assert_int_equal(sink_test_deliver(&t, &ev[1], 1, &out), ZT_SINK_OK);
    sink_test_close(&t);

    _cleanup_json_ struct json_object *log = fixture_log(&h->srv);
    snprintf(ch, sizeof(ch), "%s", one_channel(log));
    assert_int_equal(strlen(ch), 36);
    assert_int_equal(fixture_entries(log, "/services/collector/event", e, 8), 2);
    struct json_object *ack0 = NULL, *ack1 = NULL;
    assert_true(
        json_object_object_get_ex(json_object_object_get(e[0], "response"), "ackId", &ack0));
    assert_true(
        json_object_object_get_ex(json_object_object_get(e[1], "response"), "ackId", &ack1));
    assert_int_equal(json_object_get_int(ack0), 0);
    assert_int_equal(json_object_get_int(ack1), 1);
    /* Each batch: a poll answered false, then one answered true, then no more. */
    size_t n = fixture_entries(log, "/services/collector/ack", e, 8);
    assert_int_equal(n, 4);
    const char *want[] = {"{\"acks\":[0]}", "{\"acks\":[0]}", "{\"acks\":[1]}", "{\"acks\":[1]}"};
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(fixture_str(e[i], "body"), want[i]);
        struct json_object *acks = json_object_object_get(e[i], "response");
        struct json_object *v =
            json_object_object_get(json_object_object_get(acks, "acks"), i < 2 ? "0" : "1");
        assert_int_equal(json_object_get_boolean(v), i % 2 == 1);
    }

    /* Another run of the same sink keeps its channel; another sink has its own. */
    hec_start(h, &t, "{\"token\":\"" TOKEN "\",\"ack\":true}", "splunk", ZT_FORMAT_JSON, 20000,
              "ack", "yes");
    assert_int_equal(sink_test_deliver(&t, &ev[0], 1, &out), ZT_SINK_OK);
    sink_test_close(&t);
    {
        _cleanup_json_ struct json_object *log2 = fixture_log(&h->srv);
        assert_string_equal(one_channel(log2), ch);
    }
    hec_start(h, &t, "{\"token\":\"" TOKEN "\",\"ack\":true}", "splunk2", ZT_FORMAT_JSON, 20000,
              "ack", "yes");
    assert_int_equal(sink_test_deliver(&t, &ev[0], 1, &out), ZT_SINK_OK);
    sink_test_close(&t);
    _cleanup_json_ struct json_object *log3 = fixture_log(&h->srv);
    assert_string_not_equal(one_channel(log3), ch);
}

static void test_ack_never(void **state)
{
    struct hec_fixture *h = *state;
    struct sink_test t;
    char id[33];
    struct zt_sink_event ev = sink_test_event(id, 1, "scan", NULL, "{\"a\":1}");
    struct zt_sink_outcome out;
    struct json_object *e[64];

    hec_start(h, &t, "{\"token\":\"" TOKEN "\",\"ack\":true,\"ack_never\":true}", "splunk",
              ZT_FORMAT_JSON, 1500, "ack", "yes");
    assert_int_equal(sink_test_deliver(&t, &ev, 1, &out), ZT_SINK_RETRY);
    assert_non_null(strstr(out.message, "not acknowledged"));
    /* Resent: the same event (same id) goes again, and the stop flag ends the wait. */
    t.cancel = true;
    assert_int_equal(sink_test_deliver(&t, &ev, 1, &out), ZT_SINK_RETRY);
    sink_test_close(&t);
    _cleanup_json_ struct json_object *log = fixture_log(&h->srv);
    assert_int_equal(fixture_entries(log, "/services/collector/event", e, 64), 2);
    assert_string_equal(fixture_str(e[0], "body"), fixture_str(e[1], "body"));
    assert_true(fixture_entries(log, "/services/collector/ack", e, 64) >= 1);
}

static void test_down(void **state)
{
    struct hec_fixture *h = *state;
    struct sink_test t;
    char id[33], err[512] = "";
    struct zt_sink_event ev = sink_test_event(id, 1, "scan", NULL, "{\"a\":1}");
    struct zt_sink_outcome out;
    const char *kv[] = {"url", "https://127.0.0.1:1", "token_file", h->token_file, NULL};

    assert_int_equal(
        sink_test_open(&t, &zt_sink_splunk_hec, "s", ZT_FORMAT_JSON, 5000, kv, err, sizeof(err)),
        0);
    assert_int_equal(sink_test_deliver(&t, &ev, 1, &out), ZT_SINK_RETRY);
    assert_true(out.message[0] != '\0');
    sink_test_close(&t);
}

static void test_check(void **state)
{
    struct hec_fixture *h = *state;
    struct sink_test t;
    char err[512] = "";
    const char *none[] = {"url", "https://h:8088", NULL};
    const char *blank[] = {"url", "https://h:8088", "credential", "hec", "sourcetype", "", NULL};
    const char *ok[] = {"url", "https://h:8088", "credential", "hec", NULL};
    const char *path[] = {"url", "https://h:8088/services/collector/event", "credential", "hec",
                          NULL};

    assert_int_equal(sink_test_bind(&t, &zt_sink_splunk_hec, none, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "token_file"));
    sink_test_close(&t);
    assert_int_equal(sink_test_bind(&t, &zt_sink_splunk_hec, blank, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "sourcetype"));
    sink_test_close(&t);
    assert_int_equal(sink_test_bind(&t, &zt_sink_splunk_hec, path, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "base URL"));
    sink_test_close(&t);
    assert_int_equal(sink_test_bind(&t, &zt_sink_splunk_hec, ok, err, sizeof(err)), 0);
    sink_test_close(&t);
    /* A token file readable by others is refused at open(), naming the file. */
    chmod(h->token_file, 0644);
    const char *loose[] = {"url", "https://h:8088", "token_file", h->token_file, NULL};
    assert_int_not_equal(
        sink_test_open(&t, &zt_sink_splunk_hec, "s", ZT_FORMAT_JSON, 1000, loose, err, sizeof(err)),
        0);
    assert_non_null(strstr(err, h->token_file));
    assert_null(strstr(err, TOKEN));
    sink_test_close(&t);
    chmod(h->token_file, 0600);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_framing, teardown),
        cmocka_unit_test_teardown(test_cef_is_a_string, teardown),
        cmocka_unit_test_teardown(test_refusals, teardown),
        cmocka_unit_test_teardown(test_busy_then_error, teardown),
        cmocka_unit_test_teardown(test_ack, teardown),
        cmocka_unit_test_teardown(test_ack_never, teardown),
        cmocka_unit_test_teardown(test_down, teardown),
        cmocka_unit_test_teardown(test_check, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
