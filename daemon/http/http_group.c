/* http_group.c - request groups: submit independent calls together, then run their callbacks,
 * retries and paging on the waiting thread until all are finished. The top of the call layers:
 * it makes the calls and installs their engine hooks (http_call.c's completion queue,
 * http_prefetch.c's head reader). */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "http_internal.h"
#include "secret.h"
#include "util.h"

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
    if (strncasecmp(req->url, "https://", 8) != 0 &&
        !(req->credential_http && zt_http_credential_host(req->url))) {
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
    if ((req->ca_file && req->ca_pem) || !req->client_cert_pem != !req->client_key_pem) {
        snprintf(res->message, sizeof(res->message),
                 "%s %s: give ca_file or ca_pem, and a client certificate with its key", method,
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
    c->ca_pem = dup_or_null(req->ca_pem);
    c->client_cert_pem = dup_or_null(req->client_cert_pem);
    c->client_key_pem = dup_or_null(req->client_key_pem);
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
    c->req.ca_pem = c->ca_pem;
    c->req.client_cert_pem = c->client_cert_pem;
    c->req.client_key_pem = c->client_key_pem;
    c->req.accept_status = c->accept_status;
    c->owner = (struct zt_http_xfer_owner){
        .req = &c->req, .on_head = zt_http_xfer_head, .on_done = zt_http_call_completed};
    atomic_init(&c->owner.abort, false);
    return c;
}

static void call_free(struct zt_http_call *c)
{
    zt_http_prefetch_drop(c); /* only a parked one can be left, on a call that never finished */
    if (c->body && c->req.sensitive) {
        explicit_bzero(c->body, c->req.body_len);
    }
    for (char **h = c->headers; h && *h; h++) {
        explicit_bzero(*h, strlen(*h));
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
    free(c->ca_pem);
    free(c->client_cert_pem);
    zt_secret_free(c->client_key_pem);
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
            atomic_store(&c->owner.abort, true);
            any = true;
        }
    }
    if (any) {
        zt_http_engine_wakeup(g->engine);
    }
}

/* Wait up to 100 ms for a finished attempt, or one whose next link came early (*head: taken
 * first, so that an attempt's head is always seen before its end); NULL on timeout. */
static struct zt_http_xfer *next_done(struct zt_http_group *g, bool *head)
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
    if (!g->done_head && !g->head_head) {
        pthread_cond_timedwait(&g->cond, &g->lock, &ts);
    }
    *head = g->head_head != NULL;
    if (*head) {
        x = g->head_head;
        g->head_head = x->head_next;
        if (!g->head_head) {
            g->head_tail = NULL;
        }
        pthread_mutex_unlock(&g->lock);
        return x;
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
        bool head = false;
        struct zt_http_xfer *x = next_done(g, &head);
        if (!x) {
            poll_cancel(g);
            continue;
        }
        struct zt_http_call *c = x->call;
        if (head) {
            zt_http_call_head(c, x); /* x is still the engine's */
            continue;
        }
        c->inflight--;
        if (!zt_http_prefetch_arrived(c, x)) {
            zt_http_call_handle(c, x);
            zt_http_xfer_free(x);
        }
        /* A finished call may still have a dropped read-ahead page to come back. */
        if (c->finished && c->inflight == 0) {
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
