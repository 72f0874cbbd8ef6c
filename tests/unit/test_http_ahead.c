/* test_http_ahead.c - reading ahead in item lists against the HTTPS fixture server: the next
 * page is requested while the current one is still arriving when its link comes before the
 * items, never otherwise; items stay in page order, a failed page delivers nothing of the next,
 * retries of a page read ahead keep their semantics, and the paging guards hold. The fixture's
 * "hold" keeps a page's items back until the next page has been requested, so each item can see
 * in the request log whether its successor was asked for before it was handed over. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "http.h"
#include "test_http_fixture.h"
#include "util.h"

static char dir[PATH_MAX], ca[PATH_MAX];

struct ahead {
    struct fixture f;
    struct zt_http_engine *e;
    char token_url[256];
    struct zt_oauth_config auth;
    char url[512];
    /* what the callbacks saw */
    const char *path;     /* the list's path in the request log */
    char items[16][16];   /* item ids, in delivery order */
    size_t requested[16]; /* requests of path in the log when that item was handed over */
    size_t n;
    unsigned pages[8]; /* zt_http_page_index() of each on_page */
    size_t n_pages;
    int page_result; /* what on_page returns */
};

static int setup_pki(void **state)
{
    fixture_pki(dir, sizeof(dir));
    fixture_join(ca, sizeof(ca), dir, "/certs/ca.pem");
    return 0;
}

static int teardown_pki(void **state)
{
    fixture_rmrf(dir);
    return 0;
}

static struct ahead *ahead_start(void)
{
    struct ahead *a = calloc(1, sizeof(*a));
    struct zt_http_limits l;

    zt_http_limits_default(&l);
    l.backoff_base_ms = 50;
    l.backoff_cap_ms = 200;
    l.max_attempts = 4;
    l.total_timeout_ms = 20000;
    fixture_start(&a->f, dir, "read_ahead");
    assert_int_equal(zt_http_engine_new(&l, &a->e, NULL, 0), 0);
    snprintf(a->token_url, sizeof(a->token_url), "%s/contoso/oauth2/v2.0/token", a->f.base);
    a->auth = (struct zt_oauth_config){.token_url = a->token_url,
                                       .client_id = "app-ahead",
                                       .scope = "https://graph.microsoft.com/.default",
                                       .client_secret = "ahead-secret",
                                       .ca_file = ca};
    return a;
}

static void ahead_stop(struct ahead *a)
{
    zt_http_engine_free(a->e);
    fixture_stop(&a->f);
    free(a);
}

/* Requests for path in the server's log so far. */
static size_t requested(const struct ahead *a, const char *path)
{
    struct json_object *log = fixture_log(&a->f), *e[32];
    size_t n = fixture_entries(log, path, e, 32);
    json_object_put(log);
    return n;
}

static int on_item(void *userdata, struct json_object *item)
{
    struct ahead *a = userdata;
    struct json_object *id = NULL;

    assert_true(json_object_object_get_ex(item, "id", &id));
    assert_true(a->n < 16);
    snprintf(a->items[a->n], sizeof(a->items[0]), "%s", json_object_get_string(id));
    a->requested[a->n++] = requested(a, a->path);
    return 0;
}

static int on_page(void *userdata, const struct zt_http_page *p)
{
    struct ahead *a = userdata;

    assert_true(a->n_pages < 8);
    a->pages[a->n_pages++] = zt_http_page_index(p);
    assert_null(json_object_object_get(zt_http_page_json(p), "value"));
    return a->page_result;
}

/* An item list of path?$top=2 (Graph paging, item by item). */
static struct zt_http_request list(struct ahead *a, const char *path, const char *query)
{
    a->path = path;
    snprintf(a->url, sizeof(a->url), "%s%s%s", a->f.base, path, query);
    return (struct zt_http_request){.url = a->url,
                                    .ca_file = ca,
                                    .auth = &a->auth,
                                    .paging = ZT_PAGING_ODATA,
                                    .items_field = "value",
                                    .on_item = on_item,
                                    .on_page = on_page,
                                    .userdata = a};
}

static void assert_items(const struct ahead *a, const char *const *ids, size_t n)
{
    assert_int_equal(a->n, n);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(a->items[i], ids[i]);
    }
}

/* The link before the items: every page's successor was requested before its first item was
 * handed over (the server held the items back until then); items and pages in order. */
static void test_http_ahead_next_link_first(void **state)
{
    struct ahead *a = ahead_start();
    struct zt_http_request req = list(a, "/v1.0/ahead", "?$top=2");
    struct zt_http_result res;

    assert_int_equal(zt_http_do(a->e, &req, &res), 0);
    static const char *const ids[] = {"a1", "a2", "b1", "b2", "c1"};
    assert_items(a, ids, 5);
    assert_int_equal(a->requested[0], 2); /* page 2 asked for before page 1 was handed over */
    assert_int_equal(a->requested[2], 3); /* page 3 before page 2 */
    assert_int_equal(a->requested[4], 3); /* and nothing after the last page */
    assert_int_equal(a->n_pages, 3);
    for (unsigned i = 0; i < 3; i++) {
        assert_int_equal(a->pages[i], i);
    }
    assert_int_equal(res.pages, 3);
    assert_int_equal(res.attempts, 4); /* the token and three pages: nothing asked twice */
    ahead_stop(a);
}

/* The link after the items (ARM's order, and this engine's fixtures of Graph before): no early
 * request is possible; each page is asked for after the one before was handed over. */
static void test_http_ahead_next_link_last(void **state)
{
    struct ahead *a = ahead_start();
    struct zt_http_request req = list(a, "/v1.0/behind", "?$top=2");
    struct zt_http_result res;

    assert_int_equal(zt_http_do(a->e, &req, &res), 0);
    static const char *const ids[] = {"d1", "d2", "e1"};
    assert_items(a, ids, 3);
    assert_int_equal(a->requested[0], 1);
    assert_int_equal(a->requested[1], 1);
    assert_int_equal(a->requested[2], 2);
    assert_int_equal(res.pages, 2);
    assert_int_equal(res.attempts, 3);
    ahead_stop(a);
}

/* Page 1 turns out malformed after page 2 was requested: the call fails with page 1's error and
 * nothing of page 2 is delivered (nor page 3 asked for). Page 2 has arrived by then ("hold"). */
static void test_http_ahead_current_page_fails(void **state)
{
    struct ahead *a = ahead_start();
    struct zt_http_request req = list(a, "/v1.0/fails", "?$top=2");
    struct zt_http_result res;

    assert_int_equal(zt_http_do(a->e, &req, &res), -EBADMSG);
    assert_non_null(strstr(res.message, "malformed JSON list page"));
    assert_non_null(strstr(res.message, "$top=2 ")); /* named by page 1's URL */
    static const char *const ids[] = {"f1"};
    assert_items(a, ids, 1);
    assert_int_equal(a->n_pages, 0);
    assert_int_equal(res.pages, 0);
    assert_int_equal(requested(a, "/v1.0/fails"), 2);
    assert_int_equal(res.attempts, 3); /* the read-ahead page is a request made, and counted */
    ahead_stop(a);
}

/* The same while page 2 is still arriving (the server holds it): it is aborted, not waited for
 * and never delivered. */
static void test_http_ahead_current_page_fails_next_in_flight(void **state)
{
    struct ahead *a = ahead_start();
    struct zt_http_request req = list(a, "/v1.0/stuck", "?$top=2");
    struct zt_http_result res;

    assert_int_equal(zt_http_do(a->e, &req, &res), -EBADMSG);
    static const char *const ids[] = {"s1"};
    assert_items(a, ids, 1);
    assert_int_equal(res.pages, 0);
    assert_int_equal(requested(a, "/v1.0/stuck"), 2);
    ahead_stop(a);
}

/* on_page failing (< 0) or stopping (> 0) on page 1: page 2 was requested but is not delivered. */
static void test_http_ahead_on_page_ends_the_call(void **state)
{
    static const int results[] = {-EIO, 1};

    for (size_t i = 0; i < ZT_ELEMENTSOF(results); i++) {
        struct ahead *a = ahead_start();
        struct zt_http_request req = list(a, "/v1.0/ahead", "?$top=2");
        struct zt_http_result res;

        a->page_result = results[i];
        assert_int_equal(zt_http_do(a->e, &req, &res), results[i] < 0 ? results[i] : 0);
        static const char *const ids[] = {"a1", "a2"};
        assert_items(a, ids, 2);
        assert_int_equal(a->requested[0], 2);
        assert_int_equal(a->n_pages, 1);
        assert_int_equal(res.pages, 1);
        assert_int_equal(res.attempts, 3);
        ahead_stop(a);
    }
}

/* Page 2, requested ahead, gets 429 (Retry-After 1), 503 and 401 before its items: each is
 * handled when its turn comes, as without reading ahead - the wait honoured, the token
 * refreshed once - and the items arrive in order. */
static void test_http_ahead_next_page_retried(void **state)
{
    struct ahead *a = ahead_start();
    struct zt_http_request req = list(a, "/v1.0/retried", "?$top=2");
    struct zt_http_result res;

    assert_int_equal(zt_http_do(a->e, &req, &res), 0);
    static const char *const ids[] = {"r1", "r2"};
    assert_items(a, ids, 2);
    assert_int_equal(a->requested[0], 2);
    assert_int_equal(res.pages, 2);
    assert_int_equal(res.attempts, 7); /* 2 tokens, page 1, page 2 four times */
    struct json_object *log = fixture_log(&a->f), *e[8];
    assert_int_equal(fixture_entries(log, "/v1.0/retried", e, 8), 5);
    assert_int_equal(fixture_num(e[1], "status"), 429);
    assert_true(fixture_num(e[2], "t") - fixture_num(e[1], "t") >= 1.0);
    assert_int_equal(fixture_num(e[3], "status"), 401);
    assert_string_equal(fixture_str(e[3], "token"), "tok-1");
    assert_string_equal(fixture_str(e[4], "token"), "tok-2");
    json_object_put(log);
    ahead_stop(a);
}

/* The paging guards with the link first: no page beyond max_pages is requested, a link to the
 * same URL or to another origin is not requested ahead either, and each fails as before. */
static void test_http_ahead_guards(void **state)
{
    struct ahead *a = ahead_start();
    struct zt_http_request req = list(a, "/v1.0/ahead-endless", "");
    struct zt_http_result res;

    req.max_pages = 3;
    assert_int_equal(zt_http_do(a->e, &req, &res), -ELOOP);
    assert_non_null(strstr(res.message, "more than 3 pages"));
    assert_int_equal(res.pages, 3);
    assert_int_equal(requested(a, "/v1.0/ahead-endless"), 3);

    req = list(a, "/v1.0/ahead-loop", "");
    assert_int_equal(zt_http_do(a->e, &req, &res), -ELOOP);
    assert_non_null(strstr(res.message, "repeats the current URL"));
    assert_int_equal(requested(a, "/v1.0/ahead-loop"), 1);

    req = list(a, "/v1.0/ahead-elsewhere", "");
    assert_int_equal(zt_http_do(a->e, &req, &res), -EPERM);
    assert_non_null(strstr(res.message, "leaves"));
    assert_int_equal(res.pages, 1);
    assert_int_equal(res.attempts, 1); /* the page (the token is cached): elsewhere never tried */
    ahead_stop(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_http_ahead_next_link_first),
        cmocka_unit_test(test_http_ahead_next_link_last),
        cmocka_unit_test(test_http_ahead_current_page_fails),
        cmocka_unit_test(test_http_ahead_current_page_fails_next_in_flight),
        cmocka_unit_test(test_http_ahead_on_page_ends_the_call),
        cmocka_unit_test(test_http_ahead_next_page_retried),
        cmocka_unit_test(test_http_ahead_guards),
    };
    return cmocka_run_group_tests(tests, setup_pki, teardown_pki);
}
