/* test_sink_azure_monitor.c - the azure_monitor sink against a local receiver emulating the
 * Microsoft identity platform token endpoint and the Logs Ingestion API. */
#include "sink_receiver.h"
#include "sinks.h"

#define SECRET "azmon-s3cret-value"
#define DCR    "dcr-00a1b2c3d4e5f60718293a4b5c6d7e8f"
#define STREAM "Custom-Ztmmd_CL"
#define TENANT "contoso.onmicrosoft.com"
#define APP    "11111111-2222-3333-4444-555555555555"
#define T0     1764763200000000ull /* 2025-12-03T12:00:00Z */

struct events {
    struct zt_sink_event *ev;
    char **ids;
    char **texts;
    size_t n;
};

/* n events; each text is padded to about pad bytes. */
static void events_make(struct events *e, size_t n, size_t pad)
{
    e->n = n;
    e->ev = zt_xcalloc(n, sizeof(*e->ev));
    e->ids = zt_xcalloc(n, sizeof(char *));
    e->texts = zt_xcalloc(n, sizeof(char *));
    _cleanup_free_ char *fill = zt_xmalloc(pad + 1);
    memset(fill, 'x', pad);
    fill[pad] = '\0';
    for (size_t i = 0; i < n; i++) {
        e->ids[i] = zt_xasprintf("%032zx", i + 1);
        e->texts[i] = zt_xasprintf("{\"schema\":\"ztmmd.event/1\",\"id\":\"%s\",\"kind\":"
                                   "\"finding\",\"host\":\"host1\",\"pad\":\"%s\"}",
                                   e->ids[i], fill);
        e->ev[i] = (struct zt_sink_event){.id = e->ids[i],
                                          .kind = "finding",
                                          .host = "host1",
                                          .time_usec = T0 + i * 1000,
                                          .text = e->texts[i],
                                          .len = strlen(e->texts[i])};
    }
}

static void events_free(struct events *e)
{
    for (size_t i = 0; i < e->n; i++) {
        free(e->ids[i]);
        free(e->texts[i]);
    }
    free(e->ids);
    free(e->texts);
    free(e->ev);
}

struct t {
    char dir[PATH_MAX];
    char secret[PATH_MAX];
    char ca[PATH_MAX];
    struct fixture f;
    struct sink_under_test s;
    struct events e;
};

static int setup(void **state)
{
    struct t *t = zt_xcalloc(1, sizeof(*t));
    fixture_pki(t->dir, sizeof(t->dir));
    receiver_secret(t->dir, "client-secret", SECRET "\n", t->secret, sizeof(t->secret));
    fixture_join(t->ca, sizeof(t->ca), t->dir, "/certs/ca.pem");
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    struct t *t = *state;
    fixture_stop(&t->f);
    sink_done(&t->s);
    events_free(&t->e);
    fixture_rmrf(t->dir);
    free(t);
    return 0;
}

/* Start the receiver with extra config members (",\"responses\":[...]") and open the sink on
 * it with secret as the receiver's expected client secret. */
static void start(struct t *t, const char *extra, const char *secret)
{
    char cfg[1024], err[512] = "";
    snprintf(cfg, sizeof(cfg),
             "{\"tenant\":\"" TENANT "\",\"client_id\":\"" APP "\",\"client_secret\":\"%s\","
             "\"dcr_id\":\"" DCR "\",\"stream\":\"" STREAM "\"%s}",
             secret, extra);
    receiver_start(&t->f, t->dir, "azure", cfg);
    const char *kv[] = {"url",
                        t->f.base,
                        "dcr_id",
                        DCR,
                        "stream",
                        STREAM,
                        "tenant_id",
                        TENANT,
                        "client_id",
                        APP,
                        "client_secret_file",
                        t->secret,
                        "login_url",
                        t->f.base,
                        "ca_file",
                        t->ca,
                        NULL};
    assert_int_equal(sink_bind(&t->s, &zt_sink_azure_monitor, ZT_FORMAT_JSON, kv, err, sizeof(err)),
                     0);
    assert_int_equal(sink_open(&t->s, err, sizeof(err)), 0);
}

static void assert_no_secret(const struct zt_sink_outcome *out)
{
    assert_null(strstr(out->message, SECRET));
    assert_null(strstr(out->message, "eyJ0eXAi")); /* the receiver's tokens */
}

/* The element the sink must send for ev: TimeGenerated and event_id first, then the event. */
static char *expected_element(const struct zt_sink_event *ev)
{
    char ts[40];
    return zt_xasprintf("{\"TimeGenerated\":\"%s\",\"event_id\":\"%s\",%s",
                        zt_format_rfc3339(ev->time_usec, ts, sizeof(ts)), ev->id, ev->text + 1);
}

static void test_azmon_body_shape(void **state)
{
    struct t *t = *state;
    struct zt_sink_outcome out;
    struct json_object *tok[4], *ing[4];

    events_make(&t->e, 3, 10);
    start(t, "", SECRET);
    assert_int_equal(sink_deliver(&t->s, t->e.ev, t->e.n, &out), ZT_SINK_OK);
    assert_int_equal(out.rejected, 0);

    _cleanup_json_ struct json_object *log = fixture_log(&t->f);
    assert_int_equal(receiver_entries(log, "token", tok, 4), 1);
    assert_string_equal(fixture_str(tok[0], "scope"), "https://monitor.azure.com/.default");
    assert_string_equal(fixture_str(tok[0], "client_id"), APP);
    assert_true(json_object_get_boolean(json_object_object_get(tok[0], "secret_ok")));
    assert_string_equal(fixture_str(tok[0], "path"), "/" TENANT "/oauth2/v2.0/token");
    assert_int_equal(receiver_entries(log, "ingest", ing, 4), 1);
    assert_int_equal((int)fixture_num(ing[0], "status"), 204);
    assert_string_equal(fixture_str(ing[0], "path"),
                        "/dataCollectionRules/" DCR "/streams/" STREAM);
    assert_string_equal(fixture_str(ing[0], "query"), "api-version=2023-01-01");
    assert_string_equal(fixture_str(ing[0], "content_type"), "application/json");
    assert_string_equal(fixture_str(ing[0], "token"), "tok-1");
    const char *rid = fixture_str(ing[0], "request_id");
    assert_non_null(rid);
    assert_int_equal(strlen(rid), 36);
    assert_int_equal(rid[14], '4'); /* a version 4 GUID */

    /* Byte for byte: the array of the three elements. */
    _cleanup_free_ char *e0 = expected_element(&t->e.ev[0]);
    _cleanup_free_ char *e1 = expected_element(&t->e.ev[1]);
    _cleanup_free_ char *e2 = expected_element(&t->e.ev[2]);
    _cleanup_free_ char *want = zt_xasprintf("[%s,%s,%s]", e0, e1, e2);
    assert_string_equal(fixture_str(ing[0], "body"), want);
    assert_string_equal(
        json_object_get_string(json_object_array_get_idx(json_object_object_get(ing[0], "ids"), 2)),
        t->e.ids[2]);
    assert_non_null(strstr(want, "\"TimeGenerated\":\"2025-12-03T12:00:00.002Z\""));
}

/* An event rendered as an empty object still makes valid JSON. */
static void test_azmon_empty_object(void **state)
{
    struct t *t = *state;
    struct zt_sink_outcome out;
    struct json_object *ing[2];
    const struct zt_sink_event ev = {
        .id = "abc", .kind = "scan", .host = "h", .time_usec = T0, .text = "{}", .len = 2};

    start(t, "", SECRET);
    assert_int_equal(sink_deliver(&t->s, &ev, 1, &out), ZT_SINK_OK);
    _cleanup_json_ struct json_object *log = fixture_log(&t->f);
    assert_int_equal(receiver_entries(log, "ingest", ing, 2), 1);
    assert_string_equal(fixture_str(ing[0], "body"),
                        "[{\"TimeGenerated\":\"2025-12-03T12:00:00.000Z\",\"event_id\":\"abc\"}]");
}

/* 600 events of about 5 KB (3 MB) go out as several calls, each under 1,000,000 bytes, every
 * event once and in order, on one cached token. */
static void test_azmon_split(void **state)
{
    struct t *t = *state;
    struct zt_sink_outcome out;
    struct json_object *ing[16], *tok[4];

    events_make(&t->e, 600, 5000);
    start(t, "", SECRET);
    assert_int_equal(sink_deliver(&t->s, t->e.ev, t->e.n, &out), ZT_SINK_OK);
    _cleanup_json_ struct json_object *log = fixture_log(&t->f);
    size_t n = receiver_entries(log, "ingest", ing, 16);
    assert_true(n >= 4);
    assert_int_equal(receiver_entries(log, "token", tok, 4), 1);
    size_t seen = 0;
    for (size_t i = 0; i < n; i++) {
        assert_int_equal((int)fixture_num(ing[i], "status"), 204);
        assert_true(fixture_num(ing[i], "len") < 1000000);
        struct json_object *ids = json_object_object_get(ing[i], "ids");
        for (size_t k = 0; k < json_object_array_length(ids); k++) {
            assert_string_equal(json_object_get_string(json_object_array_get_idx(ids, k)),
                                t->e.ids[seen]);
            seen++;
        }
        /* Not split needlessly: the next element (and its comma) would not have fit. */
        if (i + 1 < n) {
            _cleanup_free_ char *next = expected_element(&t->e.ev[seen]);
            assert_true(fixture_num(ing[i], "len") + 1 + (double)strlen(next) > 1000000);
        }
    }
    assert_int_equal(seen, 600);
}

/* One event larger than a call is dropped for good (named), the others are delivered. */
static void test_azmon_oversize_event(void **state)
{
    struct t *t = *state;
    struct zt_sink_outcome out;
    struct json_object *ing[4];

    events_make(&t->e, 3, 10);
    _cleanup_free_ char *big = zt_xmalloc(1000100);
    memset(big, 'y', 1000099);
    big[1000099] = '\0';
    _cleanup_free_ char *text = zt_xasprintf("{\"id\":\"%s\",\"pad\":\"%s\"}", t->e.ids[1], big);
    t->e.ev[1].text = text;
    t->e.ev[1].len = strlen(text);
    start(t, "", SECRET);
    assert_int_equal(sink_deliver(&t->s, t->e.ev, t->e.n, &out), ZT_SINK_OK);
    assert_int_equal(out.rejected, 1);
    assert_non_null(strstr(out.message, t->e.ids[1]));
    assert_non_null(strstr(out.message, "1000000"));
    _cleanup_json_ struct json_object *log = fixture_log(&t->f);
    assert_int_equal(receiver_entries(log, "ingest", ing, 4), 1);
    struct json_object *ids = json_object_object_get(ing[0], "ids");
    assert_int_equal(json_object_array_length(ids), 2);
    assert_string_equal(json_object_get_string(json_object_array_get_idx(ids, 0)), t->e.ids[0]);
    assert_string_equal(json_object_get_string(json_object_array_get_idx(ids, 1)), t->e.ids[2]);
}

static void test_azmon_throttled(void **state)
{
    struct t *t = *state;
    struct zt_sink_outcome out;

    events_make(&t->e, 2, 10);
    start(t, ",\"responses\":[{\"status\":429,\"headers\":{\"Retry-After\":\"7\"}}]", SECRET);
    assert_int_equal(sink_deliver(&t->s, t->e.ev, t->e.n, &out), ZT_SINK_RETRY);
    assert_int_equal(out.retry_after_ms, 7000);
    assert_int_equal(out.done, 0);
    assert_non_null(strstr(out.message, "HTTP 429"));
}

/* Throttled in the middle of a split batch: the calls before it are done. */
static void test_azmon_throttled_after_split(void **state)
{
    struct t *t = *state;
    struct zt_sink_outcome out;
    struct json_object *ing[8];

    events_make(&t->e, 400, 5000);
    start(t,
          ",\"responses\":[{\"status\":204},{\"status\":429,\"headers\":{\"Retry-After\":\"3\"}}]",
          SECRET);
    assert_int_equal(sink_deliver(&t->s, t->e.ev, t->e.n, &out), ZT_SINK_RETRY);
    assert_int_equal(out.retry_after_ms, 3000);
    _cleanup_json_ struct json_object *log = fixture_log(&t->f);
    assert_int_equal(receiver_entries(log, "ingest", ing, 8), 2);
    size_t first = json_object_array_length(json_object_object_get(ing[0], "ids"));
    assert_true(first > 0 && first < 400);
    assert_int_equal(out.done, first);
    assert_int_equal((int)fixture_num(ing[1], "status"), 429);
}

static void test_azmon_too_large(void **state)
{
    struct t *t = *state;
    struct zt_sink_outcome out;

    events_make(&t->e, 2, 10);
    start(t, ",\"responses\":[{\"status\":413}]", SECRET);
    assert_int_equal(sink_deliver(&t->s, t->e.ev, t->e.n, &out), ZT_SINK_RETRY);
    assert_true(out.too_large);
}

static void test_azmon_forbidden(void **state)
{
    struct t *t = *state;
    struct zt_sink_outcome out;

    events_make(&t->e, 2, 10);
    start(t,
          ",\"responses\":[{\"status\":403,\"json\":{\"error\":{\"code\":\"OperationFailed\","
          "\"message\":\"The authentication token provided does not have access to ingest "
          "data for the data collection rule with immutable Id '" DCR "'.\"}}}]",
          SECRET);
    assert_int_equal(sink_deliver(&t->s, t->e.ev, t->e.n, &out), ZT_SINK_ERROR);
    assert_non_null(strstr(out.message, "HTTP 403"));
    assert_non_null(strstr(out.message, "Monitoring Metrics Publisher"));
    assert_non_null(strstr(out.message, DCR));
    assert_non_null(strstr(out.message, APP));
    assert_no_secret(&out);
}

/* A token refused once (revoked): invalidated, fetched again, delivered. */
static void test_azmon_retoken_once(void **state)
{
    struct t *t = *state;
    struct zt_sink_outcome out;
    struct json_object *ing[4], *tok[4];

    events_make(&t->e, 2, 10);
    start(t, ",\"reject_tokens\":1", SECRET);
    assert_int_equal(sink_deliver(&t->s, t->e.ev, t->e.n, &out), ZT_SINK_OK);
    _cleanup_json_ struct json_object *log = fixture_log(&t->f);
    assert_int_equal(receiver_entries(log, "token", tok, 4), 2);
    assert_int_equal(receiver_entries(log, "ingest", ing, 4), 2);
    assert_int_equal((int)fixture_num(ing[0], "status"), 401);
    assert_string_equal(fixture_str(ing[0], "token"), "tok-1");
    assert_int_equal((int)fixture_num(ing[1], "status"), 204);
    assert_string_equal(fixture_str(ing[1], "token"), "tok-2");
}

/* Refused with a fresh token too: an error, after exactly one retry. */
static void test_azmon_unauthorized(void **state)
{
    struct t *t = *state;
    struct zt_sink_outcome out;
    struct json_object *ing[4];

    events_make(&t->e, 2, 10);
    start(t, ",\"reject_tokens\":99", SECRET);
    assert_int_equal(sink_deliver(&t->s, t->e.ev, t->e.n, &out), ZT_SINK_ERROR);
    assert_non_null(strstr(out.message, "HTTP 401"));
    assert_non_null(strstr(out.message, APP));
    assert_no_secret(&out);
    _cleanup_json_ struct json_object *log = fixture_log(&t->f);
    assert_int_equal(receiver_entries(log, "ingest", ing, 4), 2);
}

/* The receiver expects another secret: no ingestion call, an error naming the token request. */
static void test_azmon_wrong_secret(void **state)
{
    struct t *t = *state;
    struct zt_sink_outcome out;
    struct json_object *ing[2], *tok[2];

    events_make(&t->e, 2, 10);
    start(t, "", "another-secret");
    assert_int_equal(sink_deliver(&t->s, t->e.ev, t->e.n, &out), ZT_SINK_ERROR);
    assert_non_null(strstr(out.message, "cannot get an access token"));
    assert_non_null(strstr(out.message, "AADSTS7000215"));
    assert_no_secret(&out);
    assert_null(strstr(out.message, "another-secret"));
    _cleanup_json_ struct json_object *log = fixture_log(&t->f);
    assert_int_equal(receiver_entries(log, "token", tok, 2), 1);
    assert_false(json_object_get_boolean(json_object_object_get(tok[0], "secret_ok")));
    assert_int_equal(receiver_entries(log, "ingest", ing, 2), 0);
}

/* Nothing listening: a passing failure. */
static void test_azmon_down(void **state)
{
    struct t *t = *state;
    struct zt_sink_outcome out;

    events_make(&t->e, 1, 10);
    start(t, "", SECRET);
    fixture_stop(&t->f);
    assert_int_equal(sink_deliver(&t->s, t->e.ev, t->e.n, &out), ZT_SINK_RETRY);
    assert_true(out.message[0] != '\0');
}

/* A receiver slower than the sink's timeout: deliver() returns within its bound, to retry. */
static void test_azmon_deadline(void **state)
{
    struct t *t = *state;
    struct zt_sink_outcome out;

    events_make(&t->e, 2, 10);
    start(t, ",\"responses\":[{\"status\":204,\"delay_ms\":8000}]", SECRET);
    t->s.env.timeout_ms = 1500;
    assert_int_equal(sink_deliver(&t->s, t->e.ev, t->e.n, &out), ZT_SINK_RETRY);
    assert_int_equal(out.done, 0);
    assert_true(out.message[0] != '\0');
}

static bool always_cancelled(void *data)
{
    (void)data;
    return true;
}

/* A stopping export: nothing is sent, the batch stays to retry. */
static void test_azmon_cancelled(void **state)
{
    struct t *t = *state;
    struct zt_sink_outcome out;
    struct json_object *ing[2];

    events_make(&t->e, 2, 10);
    start(t, "", SECRET);
    t->s.env.cancelled = always_cancelled;
    assert_int_equal(sink_deliver(&t->s, t->e.ev, t->e.n, &out), ZT_SINK_RETRY);
    _cleanup_json_ struct json_object *log = fixture_log(&t->f);
    assert_int_equal(receiver_entries(log, "ingest", ing, 2), 0);
}

static void test_azmon_check(void **state)
{
    struct t *t = *state;
    char err[512] = "";
    const char *both[] = {"url",
                          "https://x.ingest.monitor.azure.com",
                          "dcr_id",
                          DCR,
                          "stream",
                          STREAM,
                          "tenant_id",
                          TENANT,
                          "client_id",
                          APP,
                          "client_secret_file",
                          t->secret,
                          "credential",
                          "azmon",
                          NULL};
    assert_int_equal(
        sink_bind(&t->s, &zt_sink_azure_monitor, ZT_FORMAT_JSON, both, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "client_secret_file"));
    sink_done(&t->s);

    const char *bad_dcr[] = {"url",
                             "https://x.ingest.monitor.azure.com",
                             "dcr_id",
                             "dcr-1/../x",
                             "stream",
                             STREAM,
                             "tenant_id",
                             TENANT,
                             "client_id",
                             APP,
                             "client_secret_file",
                             t->secret,
                             NULL};
    assert_int_equal(
        sink_bind(&t->s, &zt_sink_azure_monitor, ZT_FORMAT_JSON, bad_dcr, err, sizeof(err)),
        -EINVAL);
    assert_non_null(strstr(err, "dcr_id"));
    sink_done(&t->s);

    const char *ok[] = {"url",
                        "https://x.ingest.monitor.azure.com",
                        "dcr_id",
                        DCR,
                        "stream",
                        STREAM,
                        "tenant_id",
                        TENANT,
                        "client_id",
                        APP,
                        "client_secret_file",
                        t->secret,
                        NULL};
    assert_int_equal(sink_bind(&t->s, &zt_sink_azure_monitor, ZT_FORMAT_CEF, ok, err, sizeof(err)),
                     0);
    assert_int_equal(sink_open(&t->s, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "json or ocsf"));
    assert_false(zt_sink_azure_monitor.formats & ZT_FORMAT_BIT(ZT_FORMAT_CEF));
    assert_ptr_equal(zt_sink_find("azure_monitor"), &zt_sink_azure_monitor);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_azmon_body_shape, setup, teardown),
        cmocka_unit_test_setup_teardown(test_azmon_empty_object, setup, teardown),
        cmocka_unit_test_setup_teardown(test_azmon_split, setup, teardown),
        cmocka_unit_test_setup_teardown(test_azmon_oversize_event, setup, teardown),
        cmocka_unit_test_setup_teardown(test_azmon_throttled, setup, teardown),
        cmocka_unit_test_setup_teardown(test_azmon_throttled_after_split, setup, teardown),
        cmocka_unit_test_setup_teardown(test_azmon_too_large, setup, teardown),
        cmocka_unit_test_setup_teardown(test_azmon_forbidden, setup, teardown),
        cmocka_unit_test_setup_teardown(test_azmon_retoken_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_azmon_unauthorized, setup, teardown),
        cmocka_unit_test_setup_teardown(test_azmon_wrong_secret, setup, teardown),
        cmocka_unit_test_setup_teardown(test_azmon_down, setup, teardown),
        cmocka_unit_test_setup_teardown(test_azmon_deadline, setup, teardown),
        cmocka_unit_test_setup_teardown(test_azmon_cancelled, setup, teardown),
        cmocka_unit_test_setup_teardown(test_azmon_check, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
