/* test_http.c - the HTTP engine against the HTTPS fixture server: paging, throttling, faults,
 * TLS policy, concurrency and pacing, asserted on results and on the server's request log. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ctx.h"
#include "http.h"
#include "test_http_fixture.h"

static char dir[PATH_MAX];
static char ca[PATH_MAX], other_ca[PATH_MAX];

struct env {
    struct fixture f;
    struct zt_http_engine *e;
};

static int setup_pki(void **state)
{
    fixture_pki(dir, sizeof(dir));
    fixture_join(ca, sizeof(ca), dir, "/certs/ca.pem");
    fixture_join(other_ca, sizeof(other_ca), dir, "/certs/other-ca.pem");
    return 0;
}

static int teardown_pki(void **state)
{
    fixture_rmrf(dir);
    return 0;
}

static struct env *env_start(const char *scenario)
{
    struct env *v = calloc(1, sizeof(*v));
    struct zt_http_limits l;

    zt_http_limits_default(&l);
    l.backoff_base_ms = 50;
    l.backoff_cap_ms = 200;
    l.max_attempts = 4;
    l.max_body = 1024 * 1024;
    l.total_timeout_ms = 10000;
    fixture_start(&v->f, dir, scenario);
    assert_int_equal(zt_http_engine_new(&l, &v->e, NULL, 0), 0);
    return v;
}

static void env_stop(struct env *v)
{
    zt_http_engine_free(v->e);
    fixture_stop(&v->f);
    free(v);
}

static char *url(struct env *v, const char *path)
{
    static char buf[512];
    snprintf(buf, sizeof(buf), "%s%s", v->f.base, path);
    return buf;
}

/* Collects the "id" (or "name") of every element of the page's item array. */
struct items {
    const char *array; /* dotted path, "" = the body is the array */
    const char *key;
    char seen[64][32];
    size_t n;
    size_t page_items; /* sum of zt_http_page_items() */
};

static int on_items(void *userdata, const struct zt_http_page *p)
{
    struct items *it = userdata;
    struct json_object *j = zt_http_page_json(p);
    struct json_object *a = it->array[0] ? zt_http_json_path(j, it->array) : j;

    assert_non_null(a);
    for (size_t i = 0; i < json_object_array_length(a); i++) {
        struct json_object *v = zt_http_json_path(json_object_array_get_idx(a, i), it->key);
        assert_non_null(v);
        assert_true(it->n < 64);
        snprintf(it->seen[it->n++], sizeof(it->seen[0]), "%s", json_object_get_string(v));
    }
    return 0;
}

static int on_one_item(void *userdata, struct json_object *item)
{
    struct items *it = userdata;
    struct json_object *v = zt_http_json_path(item, it->key);

    assert_non_null(v);
    assert_true(it->n < 64);
    snprintf(it->seen[it->n++], sizeof(it->seen[0]), "%s", json_object_get_string(v));
    return 0;
}

static int on_one_item_any(void *userdata, struct json_object *item)
{
    (void)userdata;
    (void)item;
    return 0;
}

static int on_envelope(void *userdata, const struct zt_http_page *p)
{
    struct items *it = userdata;
    assert_null(json_object_object_get(zt_http_page_json(p), "value"));
    it->page_items += zt_http_page_items(p);
    return 0;
}

static void assert_items(const struct items *it, const char *const *expected, size_t n)
{
    assert_int_equal(it->n, n);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(it->seen[i], expected[i]);
    }
}

static void test_http_paging_odata_every_item_once(void **state)
{
    struct env *v = env_start("paging");
    char token_url[256];
    snprintf(token_url, sizeof(token_url), "%s/contoso/oauth2/v2.0/token", v->f.base);
    struct zt_oauth_config auth = {.token_url = token_url,
                                   .client_id = "app-paging",
                                   .scope = "https://graph.microsoft.com/.default",
                                   .client_secret = "paging-secret",
                                   .ca_file = ca};
    struct items it = {.array = "value", .key = "id"};
    struct zt_http_request req = {.url = url(v, "/v1.0/users?$top=3"),
                                  .ca_file = ca,
                                  .auth = &auth,
                                  .paging = ZT_PAGING_ODATA,
                                  .on_page = on_items,
                                  .userdata = &it};
    struct zt_http_result res;

    assert_int_equal(zt_http_do(v->e, &req, &res), 0);
    static const char *const ids[] = {"u1", "u2", "u3", "u4", "u5", "u6", "u7"};
    assert_items(&it, ids, 7);
    assert_int_equal(res.pages, 3);
    assert_int_equal(res.attempts, 4); /* one token request + three pages */
    /* Every page carried the one issued token. */
    struct json_object *log = fixture_log(&v->f), *e[8];
    size_t n = fixture_entries(log, "/v1.0/users", e, 8);
    assert_int_equal(n, 3);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(fixture_str(e[i], "token"), "tok-1");
    }
    json_object_put(log);

    /* Item by item: the same users, in order, through on_item; on_page sees each page without
     * its "value" (the nextLink is still followed) and how many items it held. */
    struct items by_item = {.key = "id"};
    req.items_field = "value";
    req.on_item = on_one_item;
    req.on_page = on_envelope;
    req.userdata = &by_item;
    assert_int_equal(zt_http_do(v->e, &req, &res), 0);
    assert_items(&by_item, ids, 7);
    assert_int_equal(res.pages, 3);
    assert_int_equal(by_item.page_items, 7);
    env_stop(v);
}

static void test_http_401_without_token_is_error(void **state)
{
    struct env *v = env_start("paging");
    struct zt_http_request req = {
        .url = url(v, "/api/v1/users?limit=2"), .ca_file = ca, .paging = ZT_PAGING_LINK};
    struct zt_http_result res;

    /* No token: the fixture answers 401 to API calls without one when oauth is configured. */
    assert_int_equal(zt_http_do(v->e, &req, &res), -EACCES);
    assert_non_null(strstr(res.message, "HTTP 401"));
    env_stop(v);
}

/* The paging scenario's client credentials, its token URL written into token_url. */
static struct zt_oauth_config paging_auth(struct env *v, char *token_url, size_t len)
{
    snprintf(token_url, len, "%s/t/oauth2/v2.0/token", v->f.base);
    return (struct zt_oauth_config){.token_url = token_url,
                                    .client_id = "app-paging",
                                    .scope = "s",
                                    .client_secret = "paging-secret",
                                    .ca_file = ca};
}

static void test_http_paging_styles(void **state)
{
    struct env *v = env_start("paging");
    char token_url[256];
    struct zt_oauth_config auth = paging_auth(v, token_url, sizeof(token_url));
    struct zt_http_result res;

    /* Okta: rel="self" and rel="next" in two Link fields; the decisive item on the last page,
     * which has a self link only. */
    struct items okta = {.array = "", .key = "id"};
    struct zt_http_request req = {.url = url(v, "/api/v1/users?limit=2"),
                                  .ca_file = ca,
                                  .auth = &auth,
                                  .paging = ZT_PAGING_LINK,
                                  .on_page = on_items,
                                  .userdata = &okta};
    assert_int_equal(zt_http_do(v->e, &req, &res), 0);
    static const char *const o[] = {"o1", "o2", "o3", "o4", "o5-decisive"};
    assert_items(&okta, o, 5);
    assert_int_equal(res.pages, 3);

    /* GitHub: one Link field of comma-joined prev/next/last/first links. */
    struct items github = {.array = "", .key = "number"};
    req.url = url(v, "/repositories/1300192/issues?per_page=2");
    req.userdata = &github;
    assert_int_equal(zt_http_do(v->e, &req, &res), 0);
    static const char *const gh[] = {"1", "2", "3", "4", "5"};
    assert_items(&github, gh, 5);
    assert_int_equal(res.pages, 3);

    /* Relative references are resolved against the page's URL. */
    struct items rel = {.array = "", .key = "id"};
    req.url = url(v, "/api/v1/relative?limit=1");
    req.userdata = &rel;
    assert_int_equal(zt_http_do(v->e, &req, &res), 0);
    static const char *const r2[] = {"r1", "r2"};
    assert_items(&rel, r2, 2);

    struct items k8s = {.array = "items", .key = "metadata.name"};
    req = (struct zt_http_request){.url = url(v, "/api/v1/namespaces?limit=2"),
                                   .ca_file = ca,
                                   .auth = &auth,
                                   .paging = ZT_PAGING_JSON_TOKEN,
                                   .next_field = "metadata.continue",
                                   .token_param = "continue",
                                   .on_page = on_items,
                                   .userdata = &k8s};
    assert_int_equal(zt_http_do(v->e, &req, &res), 0);
    static const char *const k[] = {"default", "kube-system", "prod"};
    assert_items(&k8s, k, 3);

    struct items arm = {.array = "value", .key = "name"};
    req = (struct zt_http_request){
        .url = url(v, "/subscriptions/s1/providers/Microsoft.Network/networkSecurityGroups"
                      "?api-version=2023-09-01"),
        .ca_file = ca,
        .auth = &auth,
        .paging = ZT_PAGING_JSON_URL,
        .next_field = "nextLink",
        .on_page = on_items,
        .userdata = &arm};
    assert_int_equal(zt_http_do(v->e, &req, &res), 0);
    static const char *const a[] = {"nsg-a", "nsg-b"};
    assert_items(&arm, a, 2);
    env_stop(v);
}

static void test_http_paging_loop_guards(void **state)
{
    struct env *v = env_start("paging");
    char token_url[256];
    struct zt_oauth_config auth = paging_auth(v, token_url, sizeof(token_url));
    struct zt_http_request req = {
        .url = url(v, "/v1.0/loop"), .ca_file = ca, .auth = &auth, .paging = ZT_PAGING_ODATA};
    struct zt_http_result res;

    assert_int_equal(zt_http_do(v->e, &req, &res), -ELOOP);
    assert_non_null(strstr(res.message, "repeats the current URL"));

    req.url = url(v, "/v1.0/endless");
    req.max_pages = 5;
    assert_int_equal(zt_http_do(v->e, &req, &res), -ELOOP);
    assert_non_null(strstr(res.message, "more than 5 pages"));
    assert_int_equal(res.pages, 5);

    /* A nextLink to another host would carry our token there: refused. */
    req.url = url(v, "/v1.0/elsewhere");
    assert_int_equal(zt_http_do(v->e, &req, &res), -EPERM);
    assert_non_null(strstr(res.message, "leaves"));
    env_stop(v);
}

/* A call of path whose paging must fail with err, naming the failing page's URL (path when
 * named is NULL) and why. */
static void assert_cut_short(struct env *v, struct zt_http_request *req, const char *path,
                             const char *named, int err, const char *why)
{
    struct zt_http_result res;

    req->url = url(v, path);
    assert_int_equal(zt_http_do(v->e, req, &res), err);
    assert_non_null(strstr(res.message, named ? named : path));
    assert_non_null(strstr(res.message, why));
}

/* A list cut short is an error naming the URL, never a shorter list: a garbled, ambiguous or
 * off-host next link, a next page that is not there, a page bound hit, in every paging style. */
static void test_http_paging_cut_short_is_error(void **state)
{
    struct env *v = env_start("paging");
    char token_url[256];
    struct zt_oauth_config auth = paging_auth(v, token_url, sizeof(token_url));
    struct zt_http_request req = {.ca_file = ca, .auth = &auth, .paging = ZT_PAGING_LINK};

    assert_cut_short(v, &req, "/api/v1/garbled", NULL, -EBADMSG, "unparsable Link header");
    assert_cut_short(v, &req, "/api/v1/twonext", NULL, -EBADMSG, "unparsable Link header");
    assert_cut_short(v, &req, "/api/v1/offhost", NULL, -EPERM, "leaves");
    assert_cut_short(v, &req, "/api/v1/gone?limit=1", "/api/v1/gone?after=m1&limit=1", -ENOENT,
                     "HTTP 404");
    req.max_pages = 3;
    assert_cut_short(v, &req, "/api/v1/endless?after=", "/api/v1/endless?after=2", -ELOOP,
                     "more than 3 pages");

    req = (struct zt_http_request){.ca_file = ca, .auth = &auth, .paging = ZT_PAGING_ODATA};
    assert_cut_short(v, &req, "/v1.0/badnext", NULL, -EBADMSG,
                     "\"@odata.nextLink\" is not a string (JSON int)");
    req.paging = ZT_PAGING_JSON_URL;
    req.next_field = "nextLink";
    assert_cut_short(v, &req,
                     "/subscriptions/bad/providers/Microsoft.Network/networkSecurityGroups", NULL,
                     -EBADMSG, "\"nextLink\" is not a string (JSON object)");
    req.paging = ZT_PAGING_JSON_TOKEN;
    req.next_field = "metadata.continue";
    req.token_param = "continue";
    assert_cut_short(v, &req, "/api/v1/badcontinue", NULL, -EBADMSG,
                     "\"metadata.continue\" is not a string (JSON int)");
    req.items_field = "items"; /* the same with the token read before the items */
    req.on_item = on_one_item_any;
    assert_cut_short(v, &req, "/api/v1/badcontinue", NULL, -EBADMSG,
                     "\"metadata.continue\" is not a string (JSON int)");
    env_stop(v);
}

static void test_http_refuses_plain_http(void **state)
{
    struct zt_http_engine *e = NULL;
    struct zt_http_request req = {.url = "http://127.0.0.1:1/x?client_secret=hunter2"};
    struct zt_http_result res;

    assert_int_equal(zt_http_engine_new(NULL, &e, NULL, 0), 0);
    assert_int_equal(zt_http_do(e, &req, &res), -EPROTONOSUPPORT);
    assert_non_null(strstr(res.message, "non-HTTPS"));
    assert_null(strstr(res.message, "hunter2"));
    assert_int_equal(res.attempts, 0);
    /* the credential endpoints' exception covers their hosts only */
    req.credential_http = true;
    req.url = "http://192.0.2.1:1/latest/api/token";
    assert_int_equal(zt_http_do(e, &req, &res), -EPROTONOSUPPORT);
    assert_int_equal(res.attempts, 0);
    zt_http_engine_free(e);
}

static void test_http_wrong_ca_fails_verification(void **state)
{
    struct env *v = env_start("faults");
    struct zt_http_request req = {.url = url(v, "/empty"), .ca_file = other_ca};
    struct zt_http_result res;

    assert_int_equal(zt_http_do(v->e, &req, &res), -EPROTO);
    assert_non_null(strstr(res.message, "SSL certificate problem"));
    assert_non_null(strstr(res.message, "/empty"));
    assert_int_equal(res.attempts, 1); /* verification failures are not retried */
    env_stop(v);
}

static void test_http_retry_after_honoured(void **state)
{
    struct env *v = env_start("throttle");
    struct zt_http_request req = {.url = url(v, "/retry-after"), .ca_file = ca};
    struct zt_http_result res;

    assert_int_equal(zt_http_do(v->e, &req, &res), 0);
    assert_int_equal(res.attempts, 2);
    struct json_object *log = fixture_log(&v->f), *e[4];
    assert_int_equal(fixture_entries(log, "/retry-after", e, 4), 2);
    /* The retry arrived at least Retry-After (1 s) after the throttled request. */
    assert_true(fixture_num(e[1], "t") - fixture_num(e[0], "t") >= 1.0);
    json_object_put(log);
    env_stop(v);
}

static void test_http_retry_after_date_and_vendor_hints(void **state)
{
    struct env *v = env_start("throttle");
    struct zt_http_result res;
    static const char *const paths[] = {"/retry-after-date", "/okta-reset", "/falcon-retry"};

    for (size_t i = 0; i < ZT_ELEMENTSOF(paths); i++) {
        struct zt_http_request req = {.url = url(v, paths[i]), .ca_file = ca};
        assert_int_equal(zt_http_do(v->e, &req, &res), 0);
        assert_int_equal(res.attempts, 2);
    }
    struct json_object *log = fixture_log(&v->f), *e[4];
    for (size_t i = 0; i < ZT_ELEMENTSOF(paths); i++) {
        assert_int_equal(fixture_entries(log, paths[i], e, 4), 2);
        /* An epoch or date two seconds ahead at whole-second granularity: at least 1 s away,
         * whatever fraction of a second the server was in (asserting 0.5 s leaves room for
         * scheduling). */
        assert_true(fixture_num(e[1], "t") - fixture_num(e[0], "t") >= 0.5);
    }
    json_object_put(log);
    env_stop(v);
}

static void test_http_429_without_hint_backs_off(void **state)
{
    struct env *v = env_start("throttle");
    struct zt_http_request req = {.url = url(v, "/no-hint"), .ca_file = ca};
    struct zt_http_result res;

    assert_int_equal(zt_http_do(v->e, &req, &res), 0);
    assert_int_equal(res.attempts, 3);
    struct json_object *log = fixture_log(&v->f), *e[4];
    assert_int_equal(fixture_entries(log, "/no-hint", e, 4), 3);
    /* Equal jitter: at least half of the 50 ms, then 100 ms steps. */
    assert_true(fixture_num(e[1], "t") - fixture_num(e[0], "t") >= 0.025);
    assert_true(fixture_num(e[2], "t") - fixture_num(e[1], "t") >= 0.05);
    json_object_put(log);
    env_stop(v);
}

static void test_http_429_gives_up_with_clear_error(void **state)
{
    struct env *v = env_start("throttle");
    struct zt_http_request req = {.url = url(v, "/always-429?$filter=x&code=SECRETCODE"),
                                  .ca_file = ca};
    struct zt_http_result res;

    assert_int_equal(zt_http_do(v->e, &req, &res), -EBUSY);
    assert_int_equal(res.attempts, 4);
    assert_int_equal(res.status, 429);
    assert_non_null(strstr(res.message, "GET https://127.0.0.1:"));
    assert_non_null(strstr(res.message, "/always-429?$filter=x&code=REDACTED"));
    assert_non_null(strstr(res.message, "attempt 4/4"));
    assert_non_null(strstr(res.message, "HTTP 429"));
    assert_non_null(strstr(res.message, "TooManyRequests"));
    assert_null(strstr(res.message, "SECRETCODE"));
    env_stop(v);
}

static void test_http_5xx_then_success(void **state)
{
    struct env *v = env_start("throttle");
    struct zt_http_request req = {.url = url(v, "/5xx"), .ca_file = ca};
    struct zt_http_result res;

    assert_int_equal(zt_http_do(v->e, &req, &res), 0);
    assert_int_equal(res.attempts, 3);
    assert_int_equal(res.status, 200);

    req.url = url(v, "/forbidden"); /* 403 is final: no retry */
    assert_int_equal(zt_http_do(v->e, &req, &res), -EACCES);
    assert_int_equal(res.attempts, 1);
    assert_non_null(strstr(res.message, "Insufficient privileges"));
    env_stop(v);
}

static void test_http_truncated_body(void **state)
{
    struct env *v = env_start("faults");
    struct zt_http_request req = {.url = url(v, "/truncated"), .ca_file = ca};
    struct zt_http_result res;

    assert_int_equal(zt_http_do(v->e, &req, &res), -ECONNRESET);
    assert_int_equal(res.attempts, 4); /* a transfer error may be transient: retried */
    assert_non_null(strstr(res.message, "/truncated"));
    assert_non_null(strstr(res.message, "bytes remaining"));
    assert_int_equal(res.pages, 0);
    env_stop(v);
}

static void test_http_malformed_json(void **state)
{
    struct env *v = env_start("faults");
    struct zt_http_request req = {.url = url(v, "/malformed"), .ca_file = ca};
    struct zt_http_result res;

    assert_int_equal(zt_http_do(v->e, &req, &res), -EBADMSG);
    assert_non_null(strstr(res.message, "malformed JSON"));
    assert_int_equal(res.pages, 0);
    env_stop(v);
}

static int count_item(void *userdata, struct json_object *item)
{
    (*(size_t *)userdata)++;
    return json_object_is_type(item, json_type_int) ? 0 : -EBADMSG;
}

static void test_http_oversized_body(void **state)
{
    struct env *v = env_start("faults");
    struct zt_http_request req = {.url = url(v, "/oversized"), .ca_file = ca};
    struct zt_http_result res;

    assert_int_equal(zt_http_do(v->e, &req, &res), -EFBIG);
    assert_non_null(strstr(res.message, "exceeds the maximum of 1048576 bytes"));
    assert_int_equal(res.attempts, 1);

    /* Without a declared length (chunked) the limit is enforced while the body arrives. */
    req.url = url(v, "/oversized-chunked");
    assert_int_equal(zt_http_do(v->e, &req, &res), -EFBIG);
    assert_non_null(strstr(res.message, "exceeds the maximum of 1048576 bytes"));
    assert_non_null(strstr(res.message, "/oversized-chunked"));
    assert_int_equal(res.attempts, 1);

    /* A chunked body within the limit is whole, and split into its items as any other. */
    size_t items = 0;
    req.url = url(v, "/chunked");
    req.items_field = "value";
    req.on_item = count_item;
    req.userdata = &items;
    assert_int_equal(zt_http_do(v->e, &req, &res), 0);
    assert_int_equal(items, 3);
    env_stop(v);
}

static int on_status(void *userdata, const struct zt_http_page *p)
{
    *(long *)userdata = zt_http_page_status(p);
    return 0;
}

static void test_http_accept_status_and_empty_body(void **state)
{
    struct env *v = env_start("faults");
    static const int ok404[] = {404, 0};
    long status = 0;
    struct zt_http_request req = {.url = url(v, "/api/machines"),
                                  .ca_file = ca,
                                  .accept_status = ok404,
                                  .on_page = on_status,
                                  .userdata = &status};
    struct zt_http_result res;

    assert_int_equal(zt_http_do(v->e, &req, &res), 0);
    assert_int_equal(status, 404);
    req.url = url(v, "/empty");
    assert_int_equal(zt_http_do(v->e, &req, &res), 0);
    assert_int_equal(status, 204);
    env_stop(v);
}

/* A deadline hit has one outcome whichever timer fires first (curl's clamped timeout, the
 * progress callback): -ETIMEDOUT, the deadline named, no retry, and never before the deadline (a
 * call that gave up just short of it would make its collector look done, not timed out). Several
 * deadlines, so that the timers land in both orders. */
static void test_http_deadline(void **state)
{
    struct env *v = env_start("faults");
    struct zt_http_result res;

    for (unsigned i = 0; i < 6; i++) {
        uint64_t deadline = zt_now_mono_usec() + (200 + 37 * i) * 1000;
        struct zt_http_request req = {
            .url = url(v, "/slow"), .ca_file = ca, .deadline_usec = deadline};
        assert_int_equal(zt_http_do(v->e, &req, &res), -ETIMEDOUT);
        assert_true(zt_now_mono_usec() >= deadline);
        assert_non_null(strstr(res.message, "/slow"));
        const char *end = strstr(res.message, ": deadline of the collection reached");
        assert_non_null(end);
        assert_string_equal(end, ": deadline of the collection reached"); /* nothing appended */
        assert_int_equal(res.attempts, 1);
    }
    env_stop(v);
}

static void test_http_group_runs_concurrently(void **state)
{
    struct env *v = env_start("faults");
    struct zt_http_group *g = NULL;
    struct zt_http_result res[6];
    struct zt_http_request req = {.url = url(v, "/delayed"), .ca_file = ca};

    assert_int_equal(zt_http_group_new(v->e, NULL, NULL, &g), 0);
    for (size_t i = 0; i < 6; i++) {
        assert_int_equal(zt_http_group_add(g, &req, &res[i]), 0);
    }
    assert_int_equal(zt_http_group_wait(g), 0);
    zt_http_group_free(g);
    for (size_t i = 0; i < 6; i++) {
        assert_int_equal(res[i].error, 0);
        assert_int_equal(res[i].pages, 1);
    }
    /* Every request arrived before any of them (each held 600 ms by the server) finished. */
    struct json_object *log = fixture_log(&v->f), *e[8];
    assert_int_equal(fixture_entries(log, "/delayed", e, 8), 6);
    double last_start = 0, first_end = 1e18;
    for (size_t i = 0; i < 6; i++) {
        last_start = fixture_num(e[i], "t") > last_start ? fixture_num(e[i], "t") : last_start;
        first_end = fixture_num(e[i], "end") < first_end ? fixture_num(e[i], "end") : first_end;
    }
    assert_true(last_start < first_end);
    json_object_put(log);
    env_stop(v);
}

/* An interval set after a bucket's request started (pacing learnt from a response) holds back the
 * bucket's next start, counted from that earlier start. */
static void test_http_pacing_set_between_requests(void **state)
{
    struct env *v = env_start("throttle");
    struct zt_http_result res;
    struct zt_http_request req = {.url = url(v, "/paced"), .ca_file = ca, .pace_key = "late"};

    assert_int_equal(zt_http_do(v->e, &req, &res), 0);
    zt_http_engine_set_pacing(v->e, "late", 1000);
    assert_int_equal(zt_http_do(v->e, &req, &res), 0);
    struct json_object *log = fixture_log(&v->f), *e[3];
    assert_int_equal(fixture_entries(log, "/paced", e, 3), 2);
    assert_true(fixture_num(e[1], "t") - fixture_num(e[0], "t") >= 0.9);
    json_object_put(log);
    env_stop(v);
}

static void test_http_pacing_and_ctx_counting(void **state)
{
    struct env *v = env_start("throttle");
    struct zt_ctx *ctx = zt_ctx_new("paced", 0);
    struct zt_http_group *g = NULL;
    struct zt_http_result res[3];
    struct zt_http_request req = {
        .url = url(v, "/paced"), .ca_file = ca, .pace_ms = 400, .pace_key = "tenant-a/ca"};

    zt_ctx_set_http(ctx, v->e);
    assert_int_equal(zt_ctx_http_group_new(ctx, &g), 0);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(zt_ctx_http_group_add(ctx, g, &req, &res[i]), 0);
    }
    assert_int_equal(zt_http_group_wait(g), 0);
    zt_http_group_free(g);
    assert_int_equal(zt_ctx_requests(ctx), 3);
    struct json_object *log = fixture_log(&v->f), *e[4];
    assert_int_equal(fixture_entries(log, "/paced", e, 4), 3);
    double t[3];
    for (size_t i = 0; i < 3; i++) {
        t[i] = fixture_num(e[i], "t");
    }
    for (size_t i = 0; i < 3; i++) { /* sort the three arrival times */
        for (size_t j = i + 1; j < 3; j++) {
            if (t[j] < t[i]) {
                double x = t[i];
                t[i] = t[j];
                t[j] = x;
            }
        }
    }
    /* Starts are 400 ms apart; arrival jitter (a new TLS handshake) is far below 150 ms. */
    assert_true(t[1] - t[0] >= 0.25);
    assert_true(t[2] - t[1] >= 0.25);
    json_object_put(log);
    zt_ctx_free(ctx);
    env_stop(v);
}

/* Mutual TLS from PEM in memory (a kubeconfig's client-certificate-data): accepted by a server
 * asking for a certificate, with the CA given as PEM too; without one the server says 401. */
static void test_http_client_certificate_pem(void **state)
{
    struct env *v = env_start("mtls");
    char cert_path[PATH_MAX], key_path[PATH_MAX];
    char *cert = NULL, *key = NULL, *ca_pem = NULL;
    struct zt_http_result res;

    fixture_join(cert_path, sizeof(cert_path), dir, "/certs/user.pem");
    fixture_join(key_path, sizeof(key_path), dir, "/certs/user.key");
    assert_int_equal(zt_read_file(cert_path, 65536, &cert, NULL), 0);
    assert_int_equal(zt_read_file(key_path, 65536, &key, NULL), 0);
    assert_int_equal(zt_read_file(ca, 65536, &ca_pem, NULL), 0);
    struct zt_http_request req = {
        .url = url(v, "/whoami"), .ca_pem = ca_pem, .client_cert_pem = cert, .client_key_pem = key};
    assert_int_equal(zt_http_do(v->e, &req, &res), 0);
    assert_int_equal(res.status, 200);
    req.client_cert_pem = req.client_key_pem = NULL;
    assert_int_equal(zt_http_do(v->e, &req, &res), -EACCES);
    assert_int_equal(res.status, 401);
    /* A certificate without its key, or two trust anchors, is refused before any transfer. */
    req.client_cert_pem = cert;
    assert_int_equal(zt_http_do(v->e, &req, &res), -EINVAL);
    req.client_key_pem = key;
    req.ca_file = ca;
    assert_int_equal(zt_http_do(v->e, &req, &res), -EINVAL);
    struct json_object *log = fixture_log(&v->f), *e[4];
    assert_int_equal(fixture_entries(log, "/whoami", e, 4), 2);
    assert_string_equal(fixture_str(e[0], "token"), "cert:ztmmd-test-user");
    assert_int_equal((int)fixture_num(e[1], "status"), 401);
    json_object_put(log);
    free(cert);
    free(key);
    free(ca_pem);
    env_stop(v);
}

static bool body_says_throttling(void *userdata, long status, const char *body, size_t len)
{
    (*(int *)userdata)++;
    return status == 400 && strstr(body, "<Code>Throttling</Code>") != NULL;
}

static void test_http_throttled_hook(void **state)
{
    struct env *v = env_start("throttle_body");
    int calls = 0;
    struct zt_http_request req = {.url = url(v, "/400-throttled"),
                                  .ca_file = ca,
                                  .throttled = body_says_throttling,
                                  .userdata = &calls};
    struct zt_http_result res;

    /* 400 Throttling twice (the second with Retry-After), then 200 */
    assert_int_equal(zt_http_do(v->e, &req, &res), 0);
    assert_int_equal(res.attempts, 3);
    assert_int_equal(calls, 2);
    struct json_object *log = fixture_log(&v->f), *e[4];
    assert_int_equal(fixture_entries(log, "/400-throttled", e, 4), 3);
    assert_true(fixture_num(e[2], "t") - fixture_num(e[1], "t") >= 0.9); /* Retry-After: 1 */
    json_object_put(log);
    /* a 400 the hook does not recognise fails at once */
    req.url = url(v, "/400-other");
    assert_int_equal(zt_http_do(v->e, &req, &res), -EINVAL);
    assert_int_equal(res.attempts, 1);
    /* throttled to the end: -EBUSY after the last attempt, naming the code */
    req.url = url(v, "/400-always-throttled");
    assert_int_equal(zt_http_do(v->e, &req, &res), -EBUSY);
    assert_int_equal(res.attempts, 4);
    assert_non_null(strstr(res.message, "Throttling"));
    assert_non_null(strstr(res.message, "giving up after 4 attempts"));
    env_stop(v);
}

struct chain {
    struct env *v;
    struct zt_http_group *g;
    struct zt_http_result next;
    int pages;
};

static int on_chain(void *userdata, const struct zt_http_page *p)
{
    struct chain *c = userdata;
    const char *then = zt_json_str(zt_http_page_json(p), "then");
    c->pages++;
    if (then) {
        struct zt_http_request req = {
            .url = url(c->v, then), .ca_file = ca, .on_page = on_chain, .userdata = c};
        return zt_http_group_add(c->g, &req, &c->next);
    }
    return 0;
}

/* A call added from on_page starts at once and the wait covers it. */
static void test_http_group_add_from_page(void **state)
{
    struct env *v = env_start("throttle_body");
    struct chain c = {.v = v};
    struct zt_http_result res[2];
    struct zt_http_request first = {.ca_file = ca, .on_page = on_chain, .userdata = &c};
    struct zt_http_request slow = {.ca_file = ca};

    assert_int_equal(zt_http_group_new(v->e, NULL, NULL, &c.g), 0);
    first.url = url(v, "/first"); /* url() reuses one buffer; the group copies it */
    assert_int_equal(zt_http_group_add(c.g, &first, &res[0]), 0);
    slow.url = url(v, "/slow");
    assert_int_equal(zt_http_group_add(c.g, &slow, &res[1]), 0);
    assert_int_equal(zt_http_group_wait(c.g), 0);
    zt_http_group_free(c.g);
    assert_int_equal(c.pages, 2);
    assert_int_equal(c.next.error, 0);
    assert_int_equal(c.next.pages, 1);
    struct json_object *log = fixture_log(&v->f), *s[2], *w[2];
    assert_int_equal(fixture_entries(log, "/second", s, 2), 1);
    assert_int_equal(fixture_entries(log, "/slow", w, 2), 1);
    assert_true(fixture_num(s[0], "t") < fixture_num(w[0], "end"));
    json_object_put(log);
    env_stop(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_http_paging_odata_every_item_once),
        cmocka_unit_test(test_http_401_without_token_is_error),
        cmocka_unit_test(test_http_paging_styles),
        cmocka_unit_test(test_http_paging_loop_guards),
        cmocka_unit_test(test_http_paging_cut_short_is_error),
        cmocka_unit_test(test_http_refuses_plain_http),
        cmocka_unit_test(test_http_wrong_ca_fails_verification),
        cmocka_unit_test(test_http_retry_after_honoured),
        cmocka_unit_test(test_http_retry_after_date_and_vendor_hints),
        cmocka_unit_test(test_http_429_without_hint_backs_off),
        cmocka_unit_test(test_http_429_gives_up_with_clear_error),
        cmocka_unit_test(test_http_5xx_then_success),
        cmocka_unit_test(test_http_truncated_body),
        cmocka_unit_test(test_http_malformed_json),
        cmocka_unit_test(test_http_oversized_body),
        cmocka_unit_test(test_http_accept_status_and_empty_body),
        cmocka_unit_test(test_http_deadline),
        cmocka_unit_test(test_http_group_runs_concurrently),
        cmocka_unit_test(test_http_pacing_and_ctx_counting),
        cmocka_unit_test(test_http_client_certificate_pem),
        cmocka_unit_test(test_http_pacing_set_between_requests),
        cmocka_unit_test(test_http_throttled_hook),
        cmocka_unit_test(test_http_group_add_from_page),
    };
    return cmocka_run_group_tests(tests, setup_pki, teardown_pki);
}
