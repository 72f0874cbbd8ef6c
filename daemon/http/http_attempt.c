/* http_attempt.c - what happens to a call's finished attempt, on the thread that waits for its
 * group: deliver the page and follow the next link, retry with backoff and server hints, fetch
 * a fresh token after a 401, or fail the call with a message naming the request. */
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "http_internal.h"
#include "json_items.h"
#include "log.h"
#include "util.h"

_Static_assert(HTTP_JSON_DEPTH == JSON_TOKENER_DEFAULT_DEPTH, "json-c's default depth");

/* Record the failure of call c: "GET https://host/path (attempt 2/5): reason". */
_printf_(3, 4) static int call_fail(struct zt_http_call *c, int err, const char *fmt, ...)
{
    char reason[320], url[256];
    va_list ap;
    unsigned max = c->group->engine ? zt_http_engine_limits(c->group->engine)->max_attempts : 1;

    va_start(ap, fmt);
    vsnprintf(reason, sizeof(reason), fmt, ap);
    va_end(ap);
    zt_http_redact_url(c->url, url, sizeof(url));
    /* " (page 3, attempt 2/5)"; no attempt when it failed before one (a token it could not get) */
    char where[64] = "";
    if (c->page > 0 && c->attempt > 0) {
        snprintf(where, sizeof(where), " (page %u, attempt %u/%u)", c->page + 1, c->attempt, max);
    } else if (c->page > 0) {
        snprintf(where, sizeof(where), " (page %u)", c->page + 1);
    } else if (c->attempt > 0) {
        snprintf(where, sizeof(where), " (attempt %u/%u)", c->attempt, max);
    }
    /* The URL is capped at 256 bytes, so a long reason is all that truncation can cut. */
    if (snprintf(c->res->message, sizeof(c->res->message), "%s %s%s: %s",
                 zt_http_method_to_string(c->req.method), url, where,
                 reason) >= (int)sizeof(c->res->message)) {
        c->res->message[sizeof(c->res->message) - 1] = '\0';
    }
    c->res->error = err;
    c->finished = true;
    zt_http_prefetch_drop(c); /* a failed call delivers nothing more */
    return err;
}

static void call_done(struct zt_http_call *c)
{
    c->res->error = 0;
    c->res->message[0] = '\0';
    c->finished = true;
    zt_http_prefetch_drop(c); /* paging stopped early, or the last page linked nowhere after all */
}

/* Queue the next attempt of c after delay_ms (with a fresh bearer token if needed). */
int zt_http_call_submit(struct zt_http_call *c, uint64_t delay_ms)
{
    struct zt_http_xfer *x = NULL;
    char err[448];

    int r = zt_http_call_xfer(c, c->url, c->page, &x, err, sizeof(err));
    if (r < 0) {
        return call_fail(c, r, "%s", err);
    }
    atomic_store(&x->ahead_ok, !c->prefetch); /* the current page, nothing read ahead yet */
    x->not_before_usec = delay_ms ? zt_now_mono_usec() + zt_ms_to_usec(delay_ms) : 0;
    c->inflight++;
    zt_http_engine_submit(c->group->engine, x);
    return 0;
}

static bool status_accepted(const struct zt_http_call *c, long status)
{
    if (status >= 200 && status < 300) {
        return true;
    }
    for (const int *s = c->accept_status; s && *s; s++) {
        if (*s == status) {
            return true;
        }
    }
    return false;
}

/* Move c to url next (checked against loops and origin changes) and request it, unless it has
 * been requested ahead already. */
static int call_follow(struct zt_http_call *c, char *next)
{
    char why[320];

    int r = zt_http_call_follow_check(c, c->url, c->page, next, why, sizeof(why));
    if (r < 0) {
        free(next);
        return call_fail(c, r, "%s", why);
    }
    free(c->url);
    c->url = next;
    c->page++;
    c->attempt = 0;
    c->auth_retried = false;
    return zt_http_prefetch_adopt(c, next) ? 0 : zt_http_call_submit(c, 0);
}

static int deliver_item(void *data, struct json_object *item, size_t index)
{
    struct zt_http_call *c = data;
    (void)index;
    return c->req.on_item(c->req.userdata, item);
}

/* Parse the body of an accepted response, hand it to on_page, then follow the next link. */
static int call_deliver(struct zt_http_call *c, struct zt_http_xfer *x)
{
    _cleanup_json_ struct json_object *json = NULL;
    bool ok2xx = x->status >= 200 && x->status < 300;
    size_t items = 0;

    if (x->early_seen && ok2xx) {
        /* A page that was read ahead itself: its successor may start now, before this one is
         * parsed (two pages of the call at most: this one and that one). */
        zt_http_prefetch_start(c, x->early_next);
    }
    if (c->req.items_field && !c->req.raw && ok2xx) {
        char err[160];
        int r =
            zt_json_items_split(x->body ? x->body : "", x->body_len, c->req.items_field,
                                HTTP_JSON_DEPTH, deliver_item, c, &json, &items, err, sizeof(err));
        if (r == -EBADMSG) {
            return call_fail(c, r, "HTTP %ld: malformed JSON list page (%zu bytes): %s", x->status,
                             x->body_len, err);
        }
        if (r < 0) {
            return call_fail(c, r, "processing the response failed: %s", strerror(-r));
        }
    } else if (!c->req.raw && x->body_len > 0) {
        char why[128] = "byte 0: null";
        if ((zt_json_parse(x->body, x->body_len, HTTP_JSON_DEPTH, &json, why, sizeof(why)) < 0 ||
             !json) &&
            ok2xx) {
            return call_fail(c, -EBADMSG, "HTTP %ld: malformed JSON body (%zu bytes) at %s",
                             x->status, x->body_len, why);
        }
    }
    struct zt_http_page p = {.x = x, .json = json, .url = c->url, .index = c->page, .items = items};
    int r = c->req.on_page ? c->req.on_page(c->req.userdata, &p) : 0;
    c->res->pages++;
    if (r < 0) {
        return call_fail(c, r, "processing the response failed: %s", strerror(-r));
    }
    char *next = NULL, why[160];
    if (r == 0 &&
        zt_http_call_next_url(c, c->url, p.json, x->headers, &next, why, sizeof(why)) < 0) {
        return call_fail(c, -EBADMSG, "%s", why);
    }
    if (!next) {
        call_done(c);
        return 0;
    }
    return call_follow(c, next);
}

/* The wait a 429/503 response asks for (Retry-After, X-Rate-Limit-Reset,
 * X-RateLimit-RetryAfter), in ms; -ENOENT when it gives none. Epochs are compared with the
 * server's Date to be immune to clock skew. */
static int server_hint_ms(const struct zt_http_xfer *x, uint64_t *ret)
{
    char buf[128];
    int64_t now = (int64_t)time(NULL), epoch = 0;
    uint64_t v = 0;

    if (zt_http_header_value(x->headers, "Date", buf, sizeof(buf))) {
        zt_http_parse_date(buf, &now);
    }
    if (zt_http_header_value(x->headers, "Retry-After", buf, sizeof(buf)) &&
        zt_http_parse_retry_after(buf, now, ret) == 0) {
        return 0;
    }
    if ((zt_http_header_value(x->headers, "X-Rate-Limit-Reset", buf, sizeof(buf)) ||
         zt_http_header_value(x->headers, "X-RateLimit-RetryAfter", buf, sizeof(buf))) &&
        zt_parse_uint64(buf, &v) == 0) {
        epoch = (int64_t)(v > INT64_MAX ? INT64_MAX : v);
        uint64_t sec = epoch > now ? (uint64_t)(epoch - now) : 0;
        *ret = (sec > 7 * 24 * 3600 ? 7 * 24 * 3600 : sec) * ZT_MS_PER_SEC +
               ZT_MS_PER_SEC; /* +1 s: reset is
                               * second-granular */
        return 0;
    }
    return -ENOENT;
}

/* Random number in [0, n) for jitter: no cryptographic quality needed. */
static uint64_t random_below(uint64_t n)
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

/* Exponential backoff for attempt n (1-based): full jitter, or equal jitter (at least half the
 * step) when the server said "too many" without saying how long. */
static uint64_t backoff_ms(const struct zt_http_limits *l, unsigned n, bool equal_jitter)
{
    uint64_t step = l->backoff_base_ms;
    for (unsigned i = 1; i < n && step < l->backoff_cap_ms; i++) {
        step *= 2;
    }
    if (step > l->backoff_cap_ms) {
        step = l->backoff_cap_ms;
    }
    return equal_jitter ? step / 2 + random_below(step / 2 + 1) : random_below(step + 1);
}

static int status_errno(long status)
{
    switch (status) {
    case 400:
        return -EINVAL;
    case 401:
    case 403:
        return -EACCES;
    case 404:
    case 410:
        return -ENOENT;
    case 408:
    case 504:
        return -ETIMEDOUT;
    case 429:
        return -EBUSY;
    default:
        return -EIO;
    }
}

static bool status_retryable(long status)
{
    return status == 408 || status == 429 || status == 500 || status == 502 || status == 503 ||
           status == 504;
}

static bool errno_retryable(int err)
{
    return err == -ECONNREFUSED || err == -ECONNRESET || err == -ETIMEDOUT ||
           err == -EHOSTUNREACH || err == -EIO;
}

/* A short printable excerpt of an error body for messages. */
static const char *excerpt(const struct zt_http_xfer *x, char *buf, size_t len)
{
    size_t n = x->body_len < len - 1 ? x->body_len : len - 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)x->body[i];
        buf[i] = ch >= 0x20 && ch < 0x7f ? (char)ch : ' ';
    }
    buf[n] = '\0';
    return n ? buf : "(empty body)";
}

/* Schedule a retry after delay_ms unless attempts or the deadline are exhausted. */
static int call_retry(struct zt_http_call *c, uint64_t delay_ms, const char *reason, int err)
{
    const struct zt_http_limits *l = zt_http_engine_limits(c->group->engine);

    if (c->attempt >= l->max_attempts) {
        return call_fail(c, err, "%s; giving up after %u attempts", reason, c->attempt);
    }
    if (c->req.deadline_usec &&
        zt_now_mono_usec() + zt_ms_to_usec(delay_ms) >= c->req.deadline_usec) {
        return call_fail(c, -ETIMEDOUT, "%s; retrying in %llu ms would pass the deadline", reason,
                         (unsigned long long)delay_ms);
    }
    return zt_http_call_submit(c, delay_ms);
}

/* throttled: the request's throttled() hook recognised the body (AWS "400 Throttling"): retried
 * like a 429. */
static int call_handle_status(struct zt_http_call *c, struct zt_http_xfer *x, bool throttled)
{
    const struct zt_http_limits *l = zt_http_engine_limits(c->group->engine);
    char reason[256], body[161];
    uint64_t hint = 0;
    int err = throttled ? -EBUSY : status_errno(x->status);

    if (x->status == 401 && c->req.auth && !c->auth_retried) {
        /* The token may have been revoked or expired early: fetch a fresh one, once. */
        const struct zt_http_auth_ops *a = zt_http_engine_auth(c->group->engine, NULL);
        if (a) {
            a->invalidate(c->group->engine, c->req.auth, x->token_gen);
        }
        c->auth_retried = true;
        return zt_http_call_submit(c, 0);
    }
    snprintf(reason, sizeof(reason), "HTTP %ld: %s", x->status, excerpt(x, body, sizeof(body)));
    if (!throttled && !status_retryable(x->status)) {
        return call_fail(c, err, "%s", reason);
    }
    if ((throttled || x->status == 429 || x->status == 503) && server_hint_ms(x, &hint) == 0) {
        return call_retry(c, hint < l->retry_after_cap_ms ? hint : l->retry_after_cap_ms, reason,
                          err);
    }
    return call_retry(c, backoff_ms(l, c->attempt, throttled || x->status == 429), reason, err);
}

static bool call_throttled(const struct zt_http_call *c, const struct zt_http_xfer *x)
{
    return (x->status < 200 || x->status >= 300) && c->req.throttled &&
           c->req.throttled(c->req.userdata, x->status, x->body ? x->body : "", x->body_len);
}

/* One attempt of c finished: count it, then deliver, retry or fail. */
void zt_http_call_handle(struct zt_http_call *c, struct zt_http_xfer *x)
{
    const struct zt_http_limits *l = zt_http_engine_limits(c->group->engine);

    c->attempt++;
    zt_http_call_count_attempt(c);
    c->res->status = x->status;
    if (zt_log_get_level() >= LOG_DEBUG) {
        char u[256];
        log_debug("%s %s: HTTP %ld%s%s (attempt %u, %llu ms)",
                  zt_http_method_to_string(c->req.method), zt_http_redact_url(c->url, u, sizeof(u)),
                  x->status, x->error ? ", " : "", x->error ? x->errmsg : "", c->attempt,
                  (unsigned long long)(x->started_usec
                                           ? zt_usec_to_ms(zt_now_mono_usec() - x->started_usec)
                                           : 0));
    }
    if (x->error == -EFBIG) {
        call_fail(c, -EFBIG, "response body exceeds the maximum of %llu bytes: transfer aborted",
                  (unsigned long long)l->max_body);
    } else if (x->error == -E2BIG) {
        call_fail(c, -E2BIG, "response headers exceed 64 KiB: transfer aborted");
    } else if (x->deadline_hit) {
        call_fail(c, -ETIMEDOUT, "%s", x->errmsg);
    } else if (x->error == -ECANCELED) {
        call_fail(c, -ECANCELED, "cancelled");
    } else if (x->error && errno_retryable(x->error)) {
        char reason[300];
        snprintf(reason, sizeof(reason), "%s", x->errmsg);
        call_retry(c, backoff_ms(l, c->attempt, false), reason, x->error);
    } else if (x->error) {
        call_fail(c, x->error, "%s", x->errmsg);
    } else if (call_throttled(c, x)) {
        call_handle_status(c, x, true);
    } else if (status_accepted(c, x->status)) {
        call_deliver(c, x);
    } else {
        call_handle_status(c, x, false);
    }
}
