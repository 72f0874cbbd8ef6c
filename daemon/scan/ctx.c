/* ctx.c - a collector instance's context for one scan: evidence, problems, deadline.
 *
 * The scan takes the evidence of a collector that overran its deadline while that collector's
 * thread may still run, so evidence and problems are guarded by a lock, evidence emitted after
 * the deadline is dropped (what is kept is exactly what came before it), and emitted values are
 * private copies (json-c's reference counts are not atomic: a collector dropping its own
 * references later must not race with the scan reading them). */
#include "ctx.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "http.h"
#include "log.h"
#include "utf8.h"

struct zt_ctx {
    char *name;
    pthread_mutex_t lock; /* guards evidence, first_error, n_errors, n_late */
    struct zt_evidence_set evidence;
    char *first_error;
    char *account;     /* evidence emitted now is about this account (zt_ctx_set_account) */
    char *credentials; /* zt_ctx_set_credentials */
    size_t n_errors;
    size_t n_late; /* evidence emitted after the deadline, dropped */
    uint64_t deadline_usec;
    atomic_bool cancelled;
    atomic_uint_fast64_t requests;
    struct zt_http_engine *http;       /* borrowed from the scan, or http_owned */
    struct zt_http_engine *http_owned; /* started on first use when the scan set none */
    int http_error;                    /* why it could not be started (then http_why) */
    char http_why[256];
};

struct zt_ctx *zt_ctx_new(const char *name, uint64_t deadline_usec)
{
    struct zt_ctx *ctx = zt_xcalloc(1, sizeof(*ctx));

    ctx->name = zt_xstrdup(name);
    ctx->deadline_usec = deadline_usec;
    pthread_mutex_init(&ctx->lock, NULL);
    zt_evidence_set_init(&ctx->evidence);
    atomic_init(&ctx->cancelled, false);
    atomic_init(&ctx->requests, 0);
    return ctx;
}

void zt_ctx_free(struct zt_ctx *ctx)
{
    if (!ctx) {
        return;
    }
    zt_evidence_set_free(&ctx->evidence);
    pthread_mutex_destroy(&ctx->lock);
    zt_http_engine_free(ctx->http_owned);
    free(ctx->first_error);
    free(ctx->account);
    free(ctx->credentials);
    free(ctx->name);
    free(ctx);
}

void zt_ctx_freep(struct zt_ctx **ctx)
{
    zt_ctx_free(*ctx);
}

/* A private copy of o (NULL stays NULL); o is released. */
static struct json_object *private_copy(struct json_object *o)
{
    struct json_object *copy = NULL;

    if (o && json_object_deep_copy(o, &copy, NULL) < 0) {
        fputs("ztmmd: out of memory\n", stderr); /* as every zt_x* allocation does */
        abort();
    }
    json_object_put(o);
    return copy;
}

int zt_emit(struct zt_ctx *ctx, const char *key, struct json_object *value,
            struct json_object *detail)
{
    value = private_copy(value);
    detail = private_copy(detail);
    /* The edge: what a collector read from outside is valid UTF-8 from here on. */
    zt_utf8_repair_json(value);
    zt_utf8_repair_json(detail);
    pthread_mutex_lock(&ctx->lock);
    if (zt_ctx_cancelled(ctx)) {
        ctx->n_late++;
        pthread_mutex_unlock(&ctx->lock);
        json_object_put(value);
        json_object_put(detail);
        return -ETIMEDOUT;
    }
    int r = zt_evidence_add_account(&ctx->evidence, key, value, ctx->name, ctx->account,
                                    zt_now_real_usec(), detail);
    pthread_mutex_unlock(&ctx->lock);
    if (r < 0) {
        /* A malformed key is a bug in the collector (or bad output of an exec program):
         * record it so it is visible in the result rather than silently dropped. */
        zt_ctx_error(ctx, r, "rejected evidence with malformed key or value type: '%.128s'", key);
    }
    return r;
}

void zt_ctx_set_account(struct zt_ctx *ctx, const char *account)
{
    pthread_mutex_lock(&ctx->lock);
    free(ctx->account);
    ctx->account = account ? zt_xstrdup(account) : NULL;
    pthread_mutex_unlock(&ctx->lock);
}

void zt_ctx_set_credentials(struct zt_ctx *ctx, const char *what)
{
    pthread_mutex_lock(&ctx->lock);
    free(ctx->credentials);
    ctx->credentials = what ? zt_xstrdup(what) : NULL;
    pthread_mutex_unlock(&ctx->lock);
}

char *zt_ctx_credentials(struct zt_ctx *ctx)
{
    pthread_mutex_lock(&ctx->lock);
    char *s = ctx->credentials ? zt_xstrdup(ctx->credentials) : NULL;
    pthread_mutex_unlock(&ctx->lock);
    return s;
}

int zt_emit_bool(struct zt_ctx *ctx, const char *key, bool value)
{
    return zt_emit(ctx, key, json_object_new_boolean(value), NULL);
}

int zt_emit_int(struct zt_ctx *ctx, const char *key, int64_t value)
{
    return zt_emit(ctx, key, json_object_new_int64(value), NULL);
}

int zt_emit_double(struct zt_ctx *ctx, const char *key, double value)
{
    return zt_emit(ctx, key, json_object_new_double(value), NULL);
}

int zt_emit_string(struct zt_ctx *ctx, const char *key, const char *value)
{
    return zt_emit(ctx, key, json_object_new_string(value), NULL);
}

int zt_ctx_error(struct zt_ctx *ctx, int err, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    /* Problems quote what was read (a file, a vendor's message): valid UTF-8 from here on. */
    _cleanup_free_ char *text = zt_utf8_repair(msg, strlen(msg));
    zt_log(LOG_WARNING, "collector %s: %s", ctx->name, text);
    pthread_mutex_lock(&ctx->lock);
    if (!ctx->first_error) {
        ctx->first_error = TAKE_PTR(text);
    }
    ctx->n_errors++;
    pthread_mutex_unlock(&ctx->lock);
    return err;
}

void zt_ctx_log(struct zt_ctx *ctx, int level, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    _cleanup_free_ char *text = zt_utf8_repair(msg, strlen(msg));
    zt_log(level, "collector %s: %s", ctx->name, text);
}

const char *zt_ctx_name(const struct zt_ctx *ctx)
{
    return ctx->name;
}

uint64_t zt_ctx_deadline_usec(const struct zt_ctx *ctx)
{
    return ctx->deadline_usec;
}

bool zt_ctx_cancelled(const struct zt_ctx *ctx)
{
    return atomic_load(&ctx->cancelled) ||
           (ctx->deadline_usec && zt_now_mono_usec() >= ctx->deadline_usec);
}

void zt_ctx_cancel(struct zt_ctx *ctx)
{
    atomic_store(&ctx->cancelled, true);
}

struct zt_evidence_set *zt_ctx_evidence(struct zt_ctx *ctx)
{
    return &ctx->evidence;
}

const char *zt_ctx_first_error(const struct zt_ctx *ctx)
{
    return ctx->first_error;
}

size_t zt_ctx_error_count(const struct zt_ctx *ctx)
{
    return ctx->n_errors;
}

size_t zt_ctx_take_evidence(struct zt_ctx *ctx, struct zt_evidence_set *dst, char **problems,
                            size_t *late)
{
    pthread_mutex_lock(&ctx->lock);
    size_t n = ctx->evidence.n;
    zt_evidence_move(dst, &ctx->evidence);
    *problems = !ctx->first_error   ? NULL
                : ctx->n_errors > 1 ? zt_xasprintf("%s (and %zu more problems)", ctx->first_error,
                                                   ctx->n_errors - 1)
                                    : zt_xstrdup(ctx->first_error);
    *late = ctx->n_late;
    pthread_mutex_unlock(&ctx->lock);
    return n;
}

void zt_ctx_count_request(struct zt_ctx *ctx)
{
    atomic_fetch_add(&ctx->requests, 1);
}

uint64_t zt_ctx_requests(const struct zt_ctx *ctx)
{
    return atomic_load(&ctx->requests);
}

void zt_ctx_set_http(struct zt_ctx *ctx, struct zt_http_engine *e)
{
    ctx->http = e;
}

int zt_ctx_http_engine_get(struct zt_ctx *ctx, struct zt_http_engine **ret, char *why,
                           size_t whylen)
{
    /* Tried once: a library that cannot be loaded will not load on the next call either. */
    if (!ctx->http && !ctx->http_error) {
        ctx->http_error =
            zt_http_engine_new(NULL, &ctx->http_owned, ctx->http_why, sizeof(ctx->http_why));
        ctx->http = ctx->http_error < 0 ? NULL : ctx->http_owned;
    }
    if (!ctx->http) {
        snprintf(why, whylen, "cannot start the HTTP engine: %s", ctx->http_why);
        return ctx->http_error;
    }
    *ret = ctx->http;
    return 0;
}

struct zt_http_engine *zt_ctx_http_engine(struct zt_ctx *ctx)
{
    struct zt_http_engine *e = NULL;
    char why[320];
    return zt_ctx_http_engine_get(ctx, &e, why, sizeof(why)) < 0 ? NULL : e;
}
