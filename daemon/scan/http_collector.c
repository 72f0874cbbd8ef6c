/* http_collector.c - the collector-facing HTTP calls: the engine of the context, with the
 * collection's deadline, cancellation and request counting applied. */
#include "collector.h"
#include "ctx.h"

static void count_attempt(void *data)
{
    zt_ctx_count_request(data);
}

static bool ctx_cancelled(void *data)
{
    return zt_ctx_cancelled(data);
}

int zt_ctx_http_group_new(struct zt_ctx *ctx, struct zt_http_group **ret)
{
    struct zt_http_engine *e = NULL;
    char why[320];
    int r = zt_ctx_http_engine_get(ctx, &e, why, sizeof(why));
    if (r < 0) {
        return zt_ctx_error(ctx, r, "%s", why);
    }
    return zt_http_group_new(e, count_attempt, ctx, ret);
}

int zt_ctx_http_group_add(struct zt_ctx *ctx, struct zt_http_group *g,
                          const struct zt_http_request *req, struct zt_http_result *res)
{
    struct zt_http_request r = *req;

    if (!r.deadline_usec) {
        r.deadline_usec = zt_ctx_deadline_usec(ctx);
    }
    if (!r.cancelled) {
        r.cancelled = ctx_cancelled;
        r.cancel_data = ctx;
    }
    return zt_http_group_add(g, &r, res);
}

int zt_ctx_oauth_token(struct zt_ctx *ctx, const struct zt_oauth_config *cfg, char **ret, char *err,
                       size_t errlen)
{
    struct zt_http_engine *e = NULL;
    const struct zt_oauth_wait w = {
        .on_attempt = count_attempt,
        .data = ctx,
        .deadline_usec = zt_ctx_deadline_usec(ctx),
        .cancelled = ctx_cancelled,
        .cancel_data = ctx,
    };

    int r = zt_ctx_http_engine_get(ctx, &e, err, errlen);
    if (r < 0) {
        return r; /* the caller reports err */
    }
    return zt_oauth_token(e, cfg, &w, ret, NULL, err, errlen);
}

int zt_ctx_http(struct zt_ctx *ctx, const struct zt_http_request *req, struct zt_http_result *res)
{
    _cleanup_(zt_http_group_freep) struct zt_http_group *g = NULL;

    int r = zt_ctx_http_group_new(ctx, &g);
    if (r < 0) {
        *res = (struct zt_http_result){.error = r};
        snprintf(res->message, sizeof(res->message), "cannot start the HTTP engine: %s",
                 strerror(-r));
        return r;
    }
    r = zt_ctx_http_group_add(ctx, g, req, res);
    if (r < 0) {
        return r;
    }
    zt_http_group_wait(g);
    return res->error;
}
