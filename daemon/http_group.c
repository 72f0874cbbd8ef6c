/* http_group.c - request groups: submit independent calls together, then run their callbacks,
 * retries and paging on the waiting thread until all are finished. */
#include <openssl/crypto.h>
#include <sys/random.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "http_internal.h"
#include "util.h"

void zt_http_limits_default(struct zt_http_limits *l)
{
    *l = (struct zt_http_limits){
        .max_concurrency = 16,
        .max_host_connections = 8,
        .connect_timeout_ms = 10 * 1000,
        .total_timeout_ms = 120 * 1000,
        .low_speed_limit = 1,
        .low_speed_time_ms = 30 * 1000,
        .max_body = 32u * 1024 * 1024,
        .max_attempts = 5,
        .backoff_base_ms = 500,
        .backoff_cap_ms = 30 * 1000,
        .retry_after_cap_ms = 120 * 1000,
        .max_pages = 100000,
    };
}

uint64_t zt_http_random(uint64_t n)
{
    uint64_t v = 0;
    if (n == 0) {
        return 0;
    }
    if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != sizeof(v)) {
        v = zt_now_mono_usec() * 6364136223846793005ull;
    }
    return v % n;
}

void zt_http_call_completed(struct zt_http_xfer *x)
{
    struct zt_http_group *g = x->call->group;

    pthread_mutex_lock(&g->lock);
    x->next = NULL;
    if (g->done_tail) {
        g->done_tail->next = x;
    } else {
        g->done_head = x;
    }
    g->done_tail = x;
    pthread_cond_signal(&g->cond);
    pthread_mutex_unlock(&g->lock);
}

int zt_http_group_new(struct zt_http_engine *e, zt_http_attempt_fn on_attempt, void *data,
                      struct zt_http_group **ret)
{
    struct zt_http_group *g = zt_xcalloc(1, sizeof(*g));
    pthread_condattr_t attr;

    g->engine = e;
    g->on_attempt = on_attempt;
    g->on_attempt_data = data;
    pthread_mutex_init(&g->lock, NULL);
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&g->cond, &attr);
    pthread_condattr_destroy(&attr);
    *ret = g;
    return 0;
}

static int request_check(const struct zt_http_request *req, struct zt_http_result *res)
{
    char url[256];
    const char *method = zt_http_method_to_string(req->method);

    if (!method || !req->url) {
        snprintf(res->message, sizeof(res->message), "invalid HTTP request (method or URL)");
        return res->error = -EINVAL;
    }
    zt_http_redact_url(req->url, url, sizeof(url));
    if (strncasecmp(req->url, "https://", 8) != 0) {
        snprintf(res->message, sizeof(res->message),
                 "%s %s: refusing a non-HTTPS URL (only https:// is allowed)", method, url);
        return res->error = -EPROTONOSUPPORT;
    }
    if ((req->paging == ZT_PAGING_JSON_URL || req->paging == ZT_PAGING_JSON_TOKEN) &&
        (!req->next_field || (req->paging == ZT_PAGING_JSON_TOKEN && !req->token_param))) {
        snprintf(res->message, sizeof(res->message),
                 "%s %s: JSON paging needs next_field (and token_param for tokens)", method, url);
        return res->error = -EINVAL;
    }
    if (req->items_field && !req->on_item) {
        snprintf(res->message, sizeof(res->message), "%s %s: items_field needs on_item", method,
                 url);
        return res->error = -EINVAL;
    }
    if ((unsigned)req->paging >= _ZT_PAGING_MAX) {
        snprintf(res->message, sizeof(res->message), "%s %s: invalid paging mode", method, url);
        return res->error = -EINVAL;
    }
    return 0;
}

static char *dup_or_null(const char *s)
{
    return s ? zt_xstrdup(s) : NULL;
}

/* A call owning copies of every string of req. */
static struct zt_http_call *call_new(struct zt_http_group *g, const struct zt_http_request *req,
                                     struct zt_http_result *res)
{
    struct zt_http_call *c = zt_xcalloc(1, sizeof(*c));
    size_t n = 0;

    c->group = g;
    c->res = res;
    c->req = *req;
    c->first_url = zt_xstrdup(req->url);
    c->url = zt_xstrdup(req->url);
    zt_http_url_origin(req->url, c->origin, sizeof(c->origin));
    if (req->body) {
        c->req.body_len = req->body_len ? req->body_len : strlen(req->body);
        c->body = zt_xmalloc(c->req.body_len + 1);
        memcpy(c->body, req->body, c->req.body_len);
        c->body[c->req.body_len] = '\0';
    }
    while (req->headers && req->headers[n]) {
        n++;
    }
    c->headers = zt_xcalloc(n + 1, sizeof(char *));
    for (size_t i = 0; i < n; i++) {
        c->headers[i] = zt_xstrdup(req->headers[i]);
    }
    c->pace_key = zt_xstrdup(req->pace_key ? req->pace_key : c->origin);
    c->next_field = dup_or_null(req->next_field);
    c->token_param = dup_or_null(req->token_param);
    c->ca_file = dup_or_null(req->ca_file);
    c->content_type = dup_or_null(req->content_type);
    c->items_field = dup_or_null(req->items_field);
    for (n = 0; req->accept_status && req->accept_status[n]; n++) {
    }
    c->accept_status = zt_xcalloc(n + 1, sizeof(int));
    memcpy(c->accept_status, req->accept_status ? req->accept_status : c->accept_status,
           n * sizeof(int));
    c->req.url = c->first_url;
    c->req.body = c->body;
    c->req.headers = (const char *const *)c->headers;
    c->req.pace_key = c->pace_key;
    c->req.next_field = c->next_field;
    c->req.token_param = c->token_param;
    c->req.ca_file = c->ca_file;
    c->req.content_type = c->content_type;
    c->req.items_field = c->items_field;
    c->req.accept_status = c->accept_status;
    atomic_init(&c->abort, false);
    return c;
}

static void call_free(struct zt_http_call *c)
{
    if (c->body && c->req.sensitive) {
        OPENSSL_cleanse(c->body, c->req.body_len);
    }
    for (char **h = c->headers; h && *h; h++) {
        OPENSSL_cleanse(*h, strlen(*h));
        free(*h);
    }
    free(c->headers);
    free(c->body);
    free(c->first_url);
    free(c->url);
    free(c->pace_key);
    free(c->next_field);
    free(c->token_param);
    free(c->ca_file);
    free(c->content_type);
    free(c->items_field);
    free(c->accept_status);
    free(c);
}

int zt_http_group_add(struct zt_http_group *g, const struct zt_http_request *req,
                      struct zt_http_result *res)
{
    *res = (struct zt_http_result){0};
    int r = request_check(req, res);
    if (r < 0) {
        return r;
    }
    struct zt_http_call *c = call_new(g, req, res);
    if (g->calls_tail) {
        g->calls_tail->next = c;
    } else {
        g->calls = c;
    }
    g->calls_tail = c;
    g->running++;
    if (zt_http_call_submit(c, 0) < 0) {
        g->running--;
        return res->error;
    }
    return 0;
}

/* Poll the calls' cancel hooks; abort the ones that say so. */
static void poll_cancel(struct zt_http_group *g)
{
    bool any = false;
    for (struct zt_http_call *c = g->calls; c; c = c->next) {
        if (!c->finished && c->req.cancelled && c->req.cancelled(c->req.cancel_data)) {
            atomic_store(&c->abort, true);
            any = true;
        }
    }
    if (any) {
        zt_http_engine_wakeup(g->engine);
    }
}

/* Wait up to 100 ms for a finished attempt; NULL on timeout. */
static struct zt_http_xfer *next_done(struct zt_http_group *g)
{
    struct timespec ts;
    struct zt_http_xfer *x = NULL;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_nsec += 100 * 1000 * 1000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&g->lock);
    if (!g->done_head) {
        pthread_cond_timedwait(&g->cond, &g->lock, &ts);
    }
    x = g->done_head;
    if (x) {
        g->done_head = x->next;
        if (!g->done_head) {
            g->done_tail = NULL;
        }
    }
    pthread_mutex_unlock(&g->lock);
    return x;
}

int zt_http_group_wait(struct zt_http_group *g)
{
    while (g->running > 0) {
        struct zt_http_xfer *x = next_done(g);
        if (!x) {
            poll_cancel(g);
            continue;
        }
        struct zt_http_call *c = x->call;
        zt_http_call_handle(c, x);
        zt_http_xfer_free(x);
        if (c->finished) {
            g->running--;
        }
    }
    for (struct zt_http_call *c = g->calls; c; c = c->next) {
        if (c->res->error < 0) {
            return c->res->error;
        }
    }
    return 0;
}

void zt_http_group_free(struct zt_http_group *g)
{
    if (!g) {
        return;
    }
    zt_http_group_wait(g);
    while (g->calls) {
        struct zt_http_call *c = g->calls;
        g->calls = c->next;
        call_free(c);
    }
    pthread_mutex_destroy(&g->lock);
    pthread_cond_destroy(&g->cond);
    free(g);
}

void zt_http_group_freep(struct zt_http_group **g)
{
    zt_http_group_free(*g);
}

int zt_http_do(struct zt_http_engine *e, const struct zt_http_request *req,
               struct zt_http_result *res)
{
    _cleanup_(zt_http_group_freep) struct zt_http_group *g = NULL;

    zt_http_group_new(e, NULL, NULL, &g);
    if (zt_http_group_add(g, req, res) < 0) {
        return res->error;
    }
    zt_http_group_wait(g);
    return res->error;
}
