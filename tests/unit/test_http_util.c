/* test_http_util.c - the engine's pure helpers: Retry-After and HTTP-date parsing, Link headers,
 * URL redaction, editing and resolution, JSON paths. */
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

/* zt_http_link_next() returns 0 with the target, which must be want. */
static void assert_next(const char *value, const char *want)
{
    char *next = NULL;
    assert_int_equal(zt_http_link_next(value, &next), 0);
    assert_string_equal(next, want);
    free(next);
}

static void test_http_util_link_next(void **state)
{
    char *next = NULL;

    /* Commas inside <...> are part of the URI; parameters in any order. */
    assert_next("<https://o.example/api/v1/users?after=00ub,x>; rel=\"next\", "
                "<https://o.example/self>; rel=\"self\"",
                "https://o.example/api/v1/users?after=00ub,x");
    /* Quoted parameters hold ';' and ','; the name is case-insensitive; several types. */
    assert_next("<https://a/self>; rel=\"self\", <https://a/n>; title=\"a;b,c\"; REL=\"prev next\"",
                "https://a/n");
    assert_next("<https://a/n>; rel=next", "https://a/n");
    assert_next("<https://a/n>;rel=NEXT;type=\"application/json\"", "https://a/n");
    assert_next("<https://a/n> ; type=x ; rel = \"next\" ", "https://a/n");
    assert_next("<https://a/n>; rel=\"\\next\"; title=\"say \\\"hi\\\", x\"", "https://a/n");
    assert_next(" , <https://a/n>; rel=\"next\",, ", "https://a/n"); /* empty list elements */
    assert_next("<https://a/n>;; rel=next;", "https://a/n");
    /* GitHub: one field, four comma-joined links. */
    assert_next("<https://api.github.com/repositories/1300192/issues?page=2>; rel=\"prev\", "
                "<https://api.github.com/repositories/1300192/issues?page=4>; rel=\"next\", "
                "<https://api.github.com/repositories/1300192/issues?page=515>; rel=\"last\", "
                "<https://api.github.com/repositories/1300192/issues?page=1>; rel=\"first\"",
                "https://api.github.com/repositories/1300192/issues?page=4");
    /* The same next link twice is one link. */
    assert_next("<https://a/n>; rel=next, <https://a/n>; rel=\"next prev\"", "https://a/n");

    /* No next: only other relations, a type that merely contains "next", a second rel (which
     * RFC 8288 says to ignore), a next link about another resource (anchor), an empty value. */
    assert_int_equal(zt_http_link_next("<https://a/self>; rel=\"self\"", &next), -ENOENT);
    assert_int_equal(zt_http_link_next("<https://a/n>; rel=\"nextpage next-x\"", &next), -ENOENT);
    assert_int_equal(zt_http_link_next("<https://a/n>; rel=nex", &next), -ENOENT);
    assert_int_equal(zt_http_link_next("<https://a/n>; rel=self; rel=next", &next), -ENOENT);
    assert_int_equal(zt_http_link_next("<https://a/n>; anchor=\"#x\"; rel=next", &next), -ENOENT);
    assert_int_equal(zt_http_link_next("", &next), -ENOENT);
    assert_int_equal(zt_http_link_next(" ,\t, ", &next), -ENOENT);

    /* Garbled: no "last page" can be concluded from them. */
    assert_int_equal(zt_http_link_next("<https://a/n; rel=\"next\"", &next), -EBADMSG);
    assert_int_equal(zt_http_link_next("garbage, ;;; <", &next), -EBADMSG);
    assert_int_equal(zt_http_link_next("<>; rel=next", &next), -EBADMSG);
    assert_int_equal(zt_http_link_next("https://a/n; rel=next", &next), -EBADMSG);
    assert_int_equal(zt_http_link_next("<https://a/n>; rel=\"next", &next), -EBADMSG);
    assert_int_equal(zt_http_link_next("<https://a/n>; rel=next junk", &next), -EBADMSG);
    assert_int_equal(zt_http_link_next("<https://a/s>; rel=self <https://a/n>; rel=next", &next),
                     -EBADMSG);
    assert_int_equal(zt_http_link_next("<https://a/n>; =x; rel=next", &next), -EBADMSG);
    /* Two different next pages: which one is the list? */
    assert_int_equal(zt_http_link_next("<https://a/1>; rel=next, <https://a/2>; rel=next", &next),
                     -EBADMSG);
    /* A garbled link after the next one still spoils the field. */
    assert_int_equal(zt_http_link_next("<https://a/n>; rel=next, <https://a/x", &next), -EBADMSG);
}

/* Okta's two fields, GitHub's one: the same next link from every Link field of a block. */
static void test_http_util_headers_link_next(void **state)
{
    char *next = NULL;
    const char *okta = "HTTP/1.1 200 OK\r\n"
                       "Content-Type: application/json\r\n"
                       "Link: <https://acme.okta.com/api/v1/policies?type=ACCESS_POLICY>; "
                       "rel=\"self\"\r\n"
                       "X-Rate-Limit-Remaining: 598\r\n"
                       "link: <https://acme.okta.com/api/v1/policies?after=pg2&type=ACCESS_POLICY>;"
                       " rel=\"next\"\r\n\r\n";
    assert_int_equal(zt_http_headers_link_next(okta, &next), 0);
    assert_string_equal(next, "https://acme.okta.com/api/v1/policies?after=pg2&type=ACCESS_POLICY");
    free(next);

    const char *github = "HTTP/2 200\r\n"
                         "link: <https://api.github.com/user/repos?page=1>; rel=\"prev\", "
                         "<https://api.github.com/user/repos?page=3>; rel=\"next\"\r\n\r\n";
    assert_int_equal(zt_http_headers_link_next(github, &next), 0);
    assert_string_equal(next, "https://api.github.com/user/repos?page=3");
    free(next);

    /* The last page: a self link only (Okta), or no Link field at all (GitHub). */
    assert_int_equal(zt_http_headers_link_next("HTTP/1.1 200 OK\r\nLink: <https://o/s>; "
                                               "rel=\"self\"\r\n\r\n",
                                               &next),
                     -ENOENT);
    assert_int_equal(zt_http_headers_link_next("HTTP/1.1 200 OK\r\nLink-Template: "
                                               "<https://o/{x}>; rel=next\r\nX-Link: <https://o/n>;"
                                               " rel=next\r\n\r\n",
                                               &next),
                     -ENOENT);
    assert_int_equal(zt_http_headers_link_next("", &next), -ENOENT);
    assert_int_equal(zt_http_headers_link_next(NULL, &next), -ENOENT);

    /* A field folded over two lines (obs-fold), LF-only line ends. */
    assert_int_equal(zt_http_headers_link_next("HTTP/1.1 200 OK\nLink: <https://o/s>; rel=self,\n"
                                               "\t<https://o/n>; rel=next\nDate: x\n\n",
                                               &next),
                     0);
    assert_string_equal(next, "https://o/n");
    free(next);

    /* One garbled field spoils the answer, wherever the next link is. */
    assert_int_equal(zt_http_headers_link_next("HTTP/1.1 200 OK\r\nLink: <https://o/n>; rel=next"
                                               "\r\nLink: <https://o/s; rel=self\r\n\r\n",
                                               &next),
                     -EBADMSG);
    /* Two fields naming different next pages. */
    assert_int_equal(zt_http_headers_link_next("HTTP/1.1 200 OK\r\nLink: <https://o/1>; rel=next"
                                               "\r\nLink: <https://o/2>; rel=next\r\n\r\n",
                                               &next),
                     -EBADMSG);
}

static void test_http_util_url_resolve(void **state)
{
    static const struct {
        const char *base, *ref, *want;
    } cases[] = {
        {"https://h:8443/a/b?q=1#f", "https://o/x?y", "https://o/x?y"},
        {"https://h:8443/a/b?q=1#f", "/api/v1/users?after=x",
         "https://h:8443/api/v1/users?after=x"},
        {"https://h:8443/a/b?q=1#f", "?after=x", "https://h:8443/a/b?after=x"},
        {"https://h:8443/a/b?q=1#f", "c?after=x", "https://h:8443/a/c?after=x"},
        {"https://h:8443/a/b?q=1#f", "//o.example/p", "https://o.example/p"},
        {"https://h:8443/a/b?q=1#f", "#frag", "https://h:8443/a/b?q=1"},
        {"https://h", "c", "https://h/c"},
        {"https://h?q", "/c", "https://h/c"},
    };
    for (size_t i = 0; i < ZT_ELEMENTSOF(cases); i++) {
        char *u = zt_http_url_resolve(cases[i].base, cases[i].ref);
        assert_non_null(u);
        assert_string_equal(u, cases[i].want);
        free(u);
    }
    assert_null(zt_http_url_resolve("no-scheme/x", "/c"));
    assert_null(zt_http_url_resolve("mailto:x", "/c"));
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

/* The credential_http exception: loopback and the documented link-local credential endpoints
 * only; nothing that merely starts like them, no userinfo, no https look-alike. */
static void test_http_util_credential_host(void **state)
{
    static const char *const ok[] = {"http://169.254.169.254/latest/api/token",
                                     "http://[fd00:ec2::254]/latest/api/token",
                                     "http://169.254.170.2/v2/credentials/x",
                                     "http://169.254.170.23/v1/credentials",
                                     "http://[fd00:ec2::23]/v1/credentials",
                                     "http://127.0.0.1:8080/creds",
                                     "http://127.9.8.7",
                                     "HTTP://LOCALHOST:1/x",
                                     "http://[::1]:9/x",
                                     NULL};
    static const char *const refused[] = {"https://169.254.169.254/",
                                          "http://169.254.169.2540/",
                                          "http://169.254.169.254.evil.example/",
                                          "http://evil@169.254.169.254/",
                                          "http://169.254.170.3/",
                                          "http://128.0.0.1/",
                                          "http://127.0.0.1.nip.io/",
                                          "http://localhost.example/",
                                          "http://[fd00:ec2::255]/",
                                          "http://10.0.0.1/",
                                          "ftp://127.0.0.1/",
                                          "http://",
                                          NULL};
    for (size_t i = 0; ok[i]; i++) {
        if (!zt_http_credential_host(ok[i])) {
            fail_msg("refused %s", ok[i]);
        }
    }
    for (size_t i = 0; refused[i]; i++) {
        if (zt_http_credential_host(refused[i])) {
            fail_msg("allowed %s", refused[i]);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_http_util_retry_after),
        cmocka_unit_test(test_http_util_link_next),
        cmocka_unit_test(test_http_util_headers_link_next),
        cmocka_unit_test(test_http_util_url_resolve),
        cmocka_unit_test(test_http_util_redact_url),
        cmocka_unit_test(test_http_util_url_edit),
        cmocka_unit_test(test_http_util_credential_host),
        cmocka_unit_test(test_http_util_json_path),
        cmocka_unit_test(test_http_util_header_value),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
