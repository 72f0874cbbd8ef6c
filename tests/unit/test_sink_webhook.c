/* test_sink_webhook.c - the webhook sink against a local receiver that verifies the HMAC
 * signature; the test recomputes the signature itself with OpenSSL as well. */
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "sink_receiver.h"
#include "sinks.h"

#define KEY "whk-0123456789abcdef-signing-key"

static const struct zt_sink_event json_events[] = {
    {.id = "00000000000000000000000000000001",
     .kind = "scan",
     .host = "host1",
     .text = "{\"schema\":\"ztmmd.event/1\",\"id\":\"00000000000000000000000000000001\","
             "\"kind\":\"scan\"}",
     .len = 0},
    {.id = "00000000000000000000000000000002",
     .kind = "finding",
     .host = "host1",
     .text = "{\"schema\":\"ztmmd.event/1\",\"id\":\"00000000000000000000000000000002\","
             "\"kind\":\"finding\",\"note\":\"caf\xc3\xa9 \\\"quoted\\\"\"}",
     .len = 0},
};

static const struct zt_sink_event cef_events[] = {
    {.id = "0000000000000000000000000000000a",
     .kind = "finding",
     .host = "host1",
     .text = "CEF:0|ztmmd|ztmmd|1|finding|Finding|5|externalId=0000000000000000000000000000000a "
             "msg=a\\=b",
     .len = 0},
    {.id = "0000000000000000000000000000000b",
     .kind = "drift",
     .host = "host1",
     .text = "CEF:0|ztmmd|ztmmd|1|drift|Drift|3|externalId=0000000000000000000000000000000b",
     .len = 0},
};

struct t {
    char dir[PATH_MAX];
    char key[PATH_MAX];
    char ca[PATH_MAX];
    struct fixture f;
    struct sink_under_test s;
    struct zt_sink_event json[2], cef[2];
};

static int setup(void **state)
{
    struct t *t = zt_xcalloc(1, sizeof(*t));
    fixture_pki(t->dir, sizeof(t->dir));
    receiver_secret(t->dir, "hmac-key", KEY "\n", t->key, sizeof(t->key));
    fixture_join(t->ca, sizeof(t->ca), t->dir, "/certs/ca.pem");
    for (size_t i = 0; i < 2; i++) {
        t->json[i] = json_events[i];
        t->json[i].len = strlen(t->json[i].text);
        t->cef[i] = cef_events[i];
        t->cef[i].len = strlen(t->cef[i].text);
    }
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    struct t *t = *state;
    fixture_stop(&t->f);
    sink_done(&t->s);
    unsetenv("CREDENTIALS_DIRECTORY");
    fixture_rmrf(t->dir);
    free(t);
    return 0;
}

/* Start the receiver expecting key with extra config members, and open the sink (format) on it
 * with the key from kv_key/kv_value. */
static void start_with(struct t *t, enum zt_format format, const char *key, const char *extra,
                       const char *kv_key, const char *kv_value)
{
    char cfg[1024], err[512] = "", url[128];
    snprintf(cfg, sizeof(cfg), "{\"key\":\"%s\"%s}", key, extra);
    receiver_start(&t->f, t->dir, "webhook", cfg);
    snprintf(url, sizeof(url), "%s/hooks/ztmmd", t->f.base);
    const char *kv[] = {"url", url, kv_key, kv_value, "ca_file", t->ca, NULL};
    assert_int_equal(sink_bind(&t->s, &zt_sink_webhook, format, kv, err, sizeof(err)), 0);
    assert_int_equal(sink_open(&t->s, err, sizeof(err)), 0);
}

static void start(struct t *t, enum zt_format format, const char *key, const char *extra)
{
    start_with(t, format, key, extra, "hmac_key_file", t->key);
}

/* "sha256=<hex>" of body with KEY, computed here independently of the sink. */
static void signature_of(const char *body, char sig[80])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    assert_non_null(HMAC(EVP_sha256(), KEY, (int)strlen(KEY), (const unsigned char *)body,
                         strlen(body), md, &n));
    assert_int_equal(n, 32);
    strcpy(sig, "sha256=");
    for (unsigned i = 0; i < n; i++) {
        sprintf(sig + 7 + 2 * i, "%02x", md[i]);
    }
}

/* The one logged request, checked as signed and answered with status. */
static struct json_object *only_request(struct json_object *log, int status)
{
    struct json_object *w[4];
    assert_int_equal(receiver_entries(log, "webhook", w, 4), 1);
    assert_int_equal((int)fixture_num(w[0], "status"), status);
    return w[0];
}

static void test_webhook_json(void **state)
{
    struct t *t = *state;
    struct zt_sink_outcome out;
    char sig[80];

    start(t, ZT_FORMAT_JSON, KEY, "");
    assert_int_equal(sink_deliver(&t->s, t->json, 2, &out), ZT_SINK_OK);
    _cleanup_json_ struct json_object *log = fixture_log(&t->f);
    struct json_object *w = only_request(log, 200);
    _cleanup_free_ char *want = zt_xasprintf("[%s,%s]", t->json[0].text, t->json[1].text);
    assert_string_equal(fixture_str(w, "body"), want);
    assert_string_equal(fixture_str(w, "path"), "/hooks/ztmmd");
    assert_string_equal(fixture_str(w, "content_type"), "application/json");
    assert_string_equal(fixture_str(w, "batch"), "2");
    assert_true(json_object_get_boolean(json_object_object_get(w, "sig_ok")));
    signature_of(want, sig);
    assert_string_equal(fixture_str(w, "signature"), sig);
    assert_int_equal(fixture_num(w, "count"), 2);
}

static void test_webhook_cef(void **state)
{
    struct t *t = *state;
    struct zt_sink_outcome out;
    char sig[80];

    start(t, ZT_FORMAT_CEF, KEY, "");
    assert_int_equal(sink_deliver(&t->s, t->cef, 2, &out), ZT_SINK_OK);
    _cleanup_json_ struct json_object *log = fixture_log(&t->f);
    struct json_object *w = only_request(log, 200);
    _cleanup_free_ char *want = zt_xasprintf("%s\n%s\n", t->cef[0].text, t->cef[1].text);
    assert_string_equal(fixture_str(w, "body"), want);
    assert_string_equal(fixture_str(w, "content_type"), "text/plain; charset=utf-8");
    assert_true(json_object_get_boolean(json_object_object_get(w, "sig_ok")));
    signature_of(want, sig);
    assert_string_equal(fixture_str(w, "signature"), sig);
    struct json_object *ids = json_object_object_get(w, "ids");
    assert_string_equal(json_object_get_string(json_object_array_get_idx(ids, 1)), t->cef[1].id);
}

/* The key from a systemd credential signs the same way. */
static void test_webhook_credential(void **state)
{
    struct t *t = *state;
    struct zt_sink_outcome out;
    char path[PATH_MAX], creds[PATH_MAX];

    fixture_join(creds, sizeof(creds), t->dir, "/creds");
    assert_int_equal(mkdir(creds, 0700), 0);
    receiver_secret(creds, "whk", KEY, path, sizeof(path));
    setenv("CREDENTIALS_DIRECTORY", creds, 1);
    start_with(t, ZT_FORMAT_JSON, KEY, "", "credential", "whk");
    assert_int_equal(sink_deliver(&t->s, t->json, 1, &out), ZT_SINK_OK);
    _cleanup_json_ struct json_object *log = fixture_log(&t->f);
    struct json_object *w = only_request(log, 200);
    assert_true(json_object_get_boolean(json_object_object_get(w, "sig_ok")));
    assert_string_equal(fixture_str(w, "batch"), "1");
}

/* The receiver holds another key: it refuses the signature, an error no retry cures. */
static void test_webhook_wrong_key(void **state)
{
    struct t *t = *state;
    struct zt_sink_outcome out;

    start(t, ZT_FORMAT_JSON, "not-the-key", "");
    assert_int_equal(sink_deliver(&t->s, t->json, 2, &out), ZT_SINK_ERROR);
    assert_non_null(strstr(out.message, "HTTP 401"));
    assert_non_null(strstr(out.message, "/hooks/ztmmd"));
    assert_null(strstr(out.message, KEY));
    _cleanup_json_ struct json_object *log = fixture_log(&t->f);
    struct json_object *w = only_request(log, 401);
    assert_false(json_object_get_boolean(json_object_object_get(w, "sig_ok")));
}

static void test_webhook_statuses(void **state)
{
    struct t *t = *state;
    struct zt_sink_outcome out;

    start(t, ZT_FORMAT_JSON, KEY,
          ",\"responses\":[{\"status\":429,\"headers\":{\"Retry-After\":\"5\"}},"
          "{\"status\":503,\"headers\":{\"Retry-After\":\"2\"}},{\"status\":413},"
          "{\"status\":400,\"json\":{\"error\":\"schema\"}},{\"status\":202}]");
    assert_int_equal(sink_deliver(&t->s, t->json, 2, &out), ZT_SINK_RETRY);
    assert_int_equal(out.retry_after_ms, 5000);
    assert_int_equal(sink_deliver(&t->s, t->json, 2, &out), ZT_SINK_RETRY);
    assert_int_equal(out.retry_after_ms, 2000);
    assert_int_equal(sink_deliver(&t->s, t->json, 2, &out), ZT_SINK_RETRY);
    assert_true(out.too_large);
    assert_int_equal(sink_deliver(&t->s, t->json, 2, &out), ZT_SINK_ERROR);
    assert_non_null(strstr(out.message, "HTTP 400"));
    assert_non_null(strstr(out.message, "schema"));
    assert_int_equal(sink_deliver(&t->s, t->json, 2, &out), ZT_SINK_OK);
    _cleanup_json_ struct json_object *log = fixture_log(&t->f);
    struct json_object *w[8];
    assert_int_equal(receiver_entries(log, "webhook", w, 8), 5);
    for (size_t i = 0; i < 5; i++) {
        assert_true(json_object_get_boolean(json_object_object_get(w[i], "sig_ok")));
    }
}

static void test_webhook_check(void **state)
{
    struct t *t = *state;
    char err[512] = "", empty[PATH_MAX];

    const char *none[] = {"url", "https://example.invalid/hook", NULL};
    assert_int_equal(sink_bind(&t->s, &zt_sink_webhook, ZT_FORMAT_JSON, none, err, sizeof(err)),
                     -EINVAL);
    assert_non_null(strstr(err, "hmac_key_file"));
    sink_done(&t->s);

    receiver_secret(t->dir, "empty-key", "\n", empty, sizeof(empty));
    const char *kv[] = {"url", "https://example.invalid/hook", "hmac_key_file", empty, NULL};
    assert_int_equal(sink_bind(&t->s, &zt_sink_webhook, ZT_FORMAT_JSON, kv, err, sizeof(err)), 0);
    assert_int_equal(sink_open(&t->s, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "empty"));
    assert_ptr_equal(zt_sink_find("webhook"), &zt_sink_webhook);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_webhook_json, setup, teardown),
        cmocka_unit_test_setup_teardown(test_webhook_cef, setup, teardown),
        cmocka_unit_test_setup_teardown(test_webhook_credential, setup, teardown),
        cmocka_unit_test_setup_teardown(test_webhook_wrong_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_webhook_statuses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_webhook_check, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
