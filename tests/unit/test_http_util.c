/* test_http_util.c - the engine's pure helpers: Retry-After and HTTP-date parsing, Link headers,
 * URL redaction and editing, JSON paths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <json-c/json.h>

#include "http.h"
#include "util.h"

static void test_http_util_retry_after(void **state)
{
    uint64_t ms = 0;
    int64_t t = 0;

    assert_int_equal(zt_http_parse_retry_after("1", 0, &ms), 0);
    assert_int_equal(ms, 1000);
    assert_int_equal(zt_http_parse_retry_after(" 120 ", 0, &ms), 0);
    assert_int_equal(ms, 120000);
    assert_int_equal(zt_http_parse_retry_after("99999999999999999999999", 0, &ms), 0);
    assert_int_equal(ms, 7ull * 24 * 3600 * 1000); /* clamped, no overflow */
    assert_int_equal(zt_http_parse_date("Wed, 21 Oct 2015 07:28:00 GMT", &t), 0);
    assert_int_equal(t, 1445412480);
    assert_int_equal(zt_http_parse_date("Wednesday, 21-Oct-15 07:28:00 GMT", &t), 0);
    assert_int_equal(t, 1445412480);
    assert_int_equal(zt_http_parse_date("Wed Oct 21 07:28:00 2015", &t), 0);
    assert_int_equal(t, 1445412480);
    assert_int_equal(zt_http_parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", 1445412480, &ms),
                     0);
    assert_int_equal(ms, 30000);
    assert_int_equal(zt_http_parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", 1445412480, &ms),
                     0);
    assert_int_equal(ms, 0); /* in the past: retry now */
    assert_int_equal(zt_http_parse_retry_after("soon", 0, &ms), -EINVAL);
    assert_int_equal(zt_http_parse_retry_after("-1", 0, &ms), -EINVAL);
    assert_int_equal(zt_http_parse_retry_after("1.5", 0, &ms), -EINVAL);
    assert_int_equal(zt_http_parse_retry_after("", 0, &ms), -EINVAL);
}

static void test_http_util_link_next(void **state)
{
    char *next = NULL;

    assert_int_equal(zt_http_link_next("<https://o.example/api/v1/users?after=00ub,x>; "
                                       "rel=\"next\", <https://o.example/self>; rel=\"self\"",
                                       &next),
                     0);
    assert_string_equal(next, "https://o.example/api/v1/users?after=00ub,x");
    free(next);
    assert_int_equal(zt_http_link_next("<https://a/self>; rel=\"self\", <https://a/n>; "
                                       "title=\"a;b,c\"; REL=\"prev next\"",
                                       &next),
                     0);
    assert_string_equal(next, "https://a/n");
    free(next);
    assert_int_equal(zt_http_link_next("<https://a/n>; rel=next", &next), 0);
    assert_string_equal(next, "https://a/n");
    free(next);
    assert_int_equal(zt_http_link_next("<https://a/self>; rel=\"self\"", &next), -ENOENT);
    assert_int_equal(zt_http_link_next("<https://a/n; rel=\"next\"", &next), -ENOENT);
    assert_int_equal(zt_http_link_next("garbage, ;;; <", &next), -ENOENT);
    assert_int_equal(zt_http_link_next("<>; rel=next", &next), -ENOENT);
}

static void test_http_util_redact_url(void **state)
{
    char buf[256];

    assert_string_equal(zt_http_redact_url("https://user:pw@h.example/p?a=1&client_secret=x&"
                                           "$skiptoken=abc&sig=s#frag",
                                           buf, sizeof(buf)),
                        "https://h.example/p?a=1&client_secret=REDACTED&$skiptoken=REDACTED&"
                        "sig=REDACTED");
    assert_string_equal(zt_http_redact_url("https://h/p", buf, sizeof(buf)), "https://h/p");
    assert_string_equal(zt_http_redact_url("https://h/p?flag&API_KEY=1", buf, sizeof(buf)),
                        "https://h/p?flag&API_KEY=REDACTED");
    assert_string_equal(zt_http_redact_url("https://h/long", buf, 10), "https://h");
}

static void test_http_util_url_edit(void **state)
{
    char buf[128];
    char *u =
        zt_http_url_set_param("https://k/api/v1/ns?limit=2&continue=old#f", "continue", "a b/=");
    assert_string_equal(u, "https://k/api/v1/ns?limit=2&continue=a%20b%2F%3D");
    free(u);
    u = zt_http_url_set_param("https://k/x", "after", "1");
    assert_string_equal(u, "https://k/x?after=1");
    free(u);
    u = zt_http_url_set_param("https://k/x?continued=1&&continue=2", "continue", "3");
    assert_string_equal(u, "https://k/x?continued=1&continue=3");
    free(u);
    assert_string_equal(
        zt_http_url_origin("HTTPS://u@Graph.Microsoft.com:443/v1.0?x", buf, sizeof(buf)),
        "https://graph.microsoft.com");
    assert_string_equal(zt_http_url_origin("https://127.0.0.1:8443/x", buf, sizeof(buf)),
                        "https://127.0.0.1:8443");
    assert_null(zt_http_url_origin("no-scheme", buf, sizeof(buf)));
}

static void test_http_util_json_path(void **state)
{
    struct json_object *o = json_tokener_parse(
        "{\"meta\":{\"pagination\":{\"offset\":\"tok\"}},\"@odata.nextLink\":\"https://n\"}");
    assert_string_equal(json_object_get_string(zt_http_json_path(o, "meta.pagination.offset")),
                        "tok");
    assert_null(zt_http_json_path(o, "meta.missing"));
    assert_null(zt_http_json_path(o, "meta.pagination.offset.deeper"));
    json_object_put(o);
}

static void test_http_util_header_value(void **state)
{
    const char *block = "HTTP/1.1 429 Too Many Requests\r\n"
                        "retry-after:  7 \t\r\n"
                        "X-Rate-Limit-Reset: 1700000000\r\n"
                        "X-Empty:\r\n"
                        "Link: <https://n/2>; rel=\"next\"\r\n\r\n";
    char buf[64], tiny[4];

    assert_string_equal(zt_http_header_value(block, "Retry-After", buf, sizeof(buf)), "7");
    assert_string_equal(zt_http_header_value(block, "x-rate-limit-reset", buf, sizeof(buf)),
                        "1700000000");
    assert_string_equal(zt_http_header_value(block, "Link", buf, sizeof(buf)),
                        "<https://n/2>; rel=\"next\"");
    assert_string_equal(zt_http_header_value(block, "X-Empty", buf, sizeof(buf)), "");
    assert_null(zt_http_header_value(block, "Retry", buf, sizeof(buf))); /* a prefix only */
    assert_null(zt_http_header_value(block, "Date", buf, sizeof(buf)));
    assert_null(zt_http_header_value(NULL, "Date", buf, sizeof(buf)));
    assert_string_equal(zt_http_header_value(block, "X-Rate-Limit-Reset", tiny, sizeof(tiny)),
                        "170"); /* cut to the buffer, terminated */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_http_util_retry_after), cmocka_unit_test(test_http_util_link_next),
        cmocka_unit_test(test_http_util_redact_url),  cmocka_unit_test(test_http_util_url_edit),
        cmocka_unit_test(test_http_util_json_path),   cmocka_unit_test(test_http_util_header_value),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
