/* azure_arg.c - Azure Resource Graph: one KQL endpoint over every subscription at once. Each query
 * is a chain of POSTs whose next page is asked for with the "$skipToken" of the previous answer
 * (options.$skipToken in the body), rows folded one by one as they arrive, and the per-user quota
 * the service announces in x-ms-user-quota-remaining / x-ms-user-quota-resets-after paced ahead
 * so the queries spread over the window instead of running into a 429. */
#include <json-c/json.h>
#include <inttypes.h>
#include <stddef.h>
#include <strings.h>
#include <syslog.h>

#include "azure_graph.h"

struct arg_call;

struct arg_page {
    struct arg_page *next;
    struct arg_call *call;
    const struct zt_azure_follow *follow; /* the follow-up list this page belongs to, or NULL */
    struct zt_http_result res;
};

struct arg_call {
    struct zt_azure_arg *arg;
    const struct zt_azure_query *q;
    char *token; /* the $skipToken of the last page, to refuse a repeated one */
    unsigned pages;
    size_t rows;
    int error;                /* a paging problem found in on_page (also fails that page's call) */
    struct arg_page *results; /* one per page, newest first */
    struct arg_page *follows; /* one per follow-up ARM list */
};

struct zt_azure_arg {
    struct zt_ctx *ctx;
    struct zt_http_group *g;
    char *url;
    const char *arm_url;
    const char *ca_file;
    const struct zt_oauth_config *auth;
    struct json_object *subs;
    struct zt_azure_graph *acc;
    char pace_key[96];
    uint64_t pace_ms, pace_until; /* current pacing, and when the window that set it resets */
    size_t n;
    struct arg_call *calls;
};

char *zt_azure_graph_body(struct json_object *subs, const char *kql, const char *skip_token)
{
    struct json_object *o = json_object_new_object(), *opt = json_object_new_object();

    json_object_object_add(o, "subscriptions", json_object_get(subs));
    json_object_object_add(o, "query", json_object_new_string(kql));
    json_object_object_add(opt, "$top", json_object_new_int((int)ZT_AZURE_GRAPH_TOP));
    json_object_object_add(opt, "resultFormat", json_object_new_string("objectArray"));
    if (skip_token) {
        json_object_object_add(opt, "$skipToken", json_object_new_string(skip_token));
    }
    json_object_object_add(o, "options", opt);
    char *s = zt_xstrdup(
        json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
    return s;
}

int zt_azure_quota_resets_ms(const char *s, uint64_t *ret_ms)
{
    unsigned long h, m, sec;
    int end = 0;

    if (!s || sscanf(s, "%4lu:%2lu:%2lu%n", &h, &m, &sec, &end) != 3 || s[end] || m > 59 ||
        sec > 59 || s[0] < '0' || s[0] > '9') {
        return -EINVAL;
    }
    *ret_ms = ((uint64_t)h * 3600 + m * 60 + sec) * ZT_MS_PER_SEC;
    return 0;
}

uint64_t zt_azure_quota_pace_ms(uint64_t remaining, uint64_t resets_ms)
{
    if (remaining > ZT_AZURE_QUOTA_RESERVE || resets_ms == 0) {
        return 0;
    }
    if (resets_ms > 120000) {
        resets_ms = 120000; /* the engine caps server-requested waits at this too */
    }
    return resets_ms / (remaining + 1) + (remaining == 0 ? 0 : 1);
}

int zt_azure_graph_next(struct json_object *rest, const char **ret)
{
    const char *token = zt_json_str(rest, "$skipToken");
    const char *trunc = zt_json_str(rest, "resultTruncated");
    struct json_object *t = NULL;
    bool truncated =
        trunc ? strcasecmp(trunc, "true") == 0
              : (json_object_object_get_ex(rest, "resultTruncated", &t) &&
                 json_object_is_type(t, json_type_boolean) && json_object_get_boolean(t));

    if (token && token[0]) {
        *ret = token;
        return 1;
    }
    *ret = NULL;
    return truncated ? -E2BIG : 0;
}

/* The quota headers of this answer set the pacing of every query of this run. It tightens at
 * once; it relaxes only once the window that asked for it has reset (answers of concurrent
 * queries arrive out of order, and an older count must not undo a newer one). */
static void pace_from_headers(struct zt_azure_arg *a, const struct zt_http_page *p)
{
    char buf[64];
    uint64_t remaining, resets;

    if (!zt_http_page_header(p, "x-ms-user-quota-remaining", buf, sizeof(buf)) ||
        zt_parse_uint64(buf, &remaining) < 0 ||
        !zt_http_page_header(p, "x-ms-user-quota-resets-after", buf, sizeof(buf)) ||
        zt_azure_quota_resets_ms(buf, &resets) < 0) {
        return;
    }
    uint64_t ms = zt_azure_quota_pace_ms(remaining, resets), now = zt_now_mono_usec();
    if (ms == a->pace_ms || (ms < a->pace_ms && now < a->pace_until)) {
        return;
    }
    a->pace_ms = ms;
    a->pace_until = now + zt_ms_to_usec(resets);
    zt_http_engine_set_pacing(zt_ctx_http_engine(a->ctx), a->pace_key, ms);
    if (ms) {
        zt_ctx_log(a->ctx, LOG_DEBUG,
                   "Resource Graph: %" PRIu64 " queries left until the quota resets: pacing "
                   "at %" PRIu64 " ms",
                   remaining, ms);
    }
}

static int add_page(struct arg_call *c, const char *token);

static int on_follow_item(void *data, struct json_object *item)
{
    struct arg_page *pg = data;

    pg->follow->item(pg->call->arg->acc, item);
    return 0;
}

/* Every row is in: read the resource provider's lists at the ids the rows named. */
static int add_follows(struct arg_call *c)
{
    struct zt_azure_arg *a = c->arg;
    const struct zt_strv *ids = c->q->follow_ids(a->acc);

    for (size_t i = 0; i < ids->n * ZT_AZURE_FOLLOWS_MAX; i++) {
        const struct zt_azure_follow *f = &c->q->follows[i % ZT_AZURE_FOLLOWS_MAX];
        if (!f->path) {
            continue;
        }
        _cleanup_free_ char *path = zt_xasprintf("%s%s", ids->v[i / ZT_AZURE_FOLLOWS_MAX], f->path);
        _cleanup_free_ char *url = zt_ms_url(a->arm_url, path);
        struct arg_page *pg = zt_xcalloc(1, sizeof(*pg));
        *pg = (struct arg_page){.next = c->follows, .call = c, .follow = f};
        c->follows = pg;
        if (!url) {
            pg->res.error = -EINVAL;
            snprintf(pg->res.message, sizeof(pg->res.message), "'arm_url' is too long");
            return -EINVAL;
        }
        struct zt_http_request req = {
            .method = ZT_HTTP_GET,
            .url = url,
            .ca_file = a->ca_file,
            .auth = a->auth,
            .paging = ZT_PAGING_JSON_URL,
            .next_field = "nextLink",
            .max_pages = ZT_AZURE_GRAPH_PAGES,
            .items_field = "value",
            .on_item = on_follow_item,
            .userdata = pg,
        };
        int r = zt_ctx_http_group_add(a->ctx, a->g, &req, &pg->res);
        if (r < 0) {
            return r;
        }
    }
    return 0;
}

static int on_row(void *data, struct json_object *row)
{
    struct arg_call *c = data;

    c->rows++;
    c->q->row(c->arg->acc, row);
    return 0;
}

static int on_page(void *data, const struct zt_http_page *p)
{
    struct arg_call *c = data;
    const char *token = NULL;

    pace_from_headers(c->arg, p);
    c->pages++;
    int r = zt_azure_graph_next(zt_http_page_json(p), &token);
    if (r == 0 && c->q->follow_ids) {
        r = add_follows(c);
    }
    if (r <= 0) {
        return c->error = r;
    }
    if (c->token && zt_streq(c->token, token)) {
        return c->error = -ELOOP; /* the same page again: the chain would never end */
    }
    if (c->pages >= ZT_AZURE_GRAPH_PAGES) {
        return c->error = -E2BIG;
    }
    free(c->token);
    c->token = zt_xstrdup(token);
    r = add_page(c, token);
    return r < 0 ? (c->error = r) : 0;
}

static int add_page(struct arg_call *c, const char *token)
{
    struct zt_azure_arg *a = c->arg;
    _cleanup_free_ char *body = zt_azure_graph_body(a->subs, c->q->kql, token);
    struct arg_page *pg = zt_xcalloc(1, sizeof(*pg));

    pg->next = c->results;
    c->results = pg;
    struct zt_http_request req = {
        .method = ZT_HTTP_POST,
        .url = a->url,
        .body = body,
        .ca_file = a->ca_file,
        .auth = a->auth,
        .pace_key = a->pace_key,
        .items_field = "data",
        .on_item = on_row,
        .on_page = on_page,
        .userdata = c,
    };
    return zt_ctx_http_group_add(a->ctx, a->g, &req, &pg->res);
}

int zt_azure_arg_start(struct zt_ctx *ctx, struct zt_http_group *g, const char *arm_url,
                       const char *ca_file, const struct zt_oauth_config *auth,
                       const struct zt_strv *subs, struct zt_azure_graph *acc,
                       struct zt_azure_arg **ret)
{
    struct zt_azure_arg *a = zt_xcalloc(1, sizeof(*a));
    char origin[80];

    *a = (struct zt_azure_arg){
        .ctx = ctx, .g = g, .arm_url = arm_url, .ca_file = ca_file, .auth = auth, .acc = acc};
    *ret = a;
    a->url = zt_ms_url(
        arm_url, "/providers/Microsoft.ResourceGraph/resources?api-version=" ZT_AZURE_API_GRAPH);
    if (!a->url) {
        return zt_ctx_error(ctx, -EINVAL, "'arm_url' is too long");
    }
    snprintf(a->pace_key, sizeof(a->pace_key), "arg/%s",
             zt_http_url_origin(a->url, origin, sizeof(origin)) ? origin : "?");
    a->subs = json_object_new_array();
    for (size_t i = 0; i < subs->n; i++) {
        json_object_array_add(a->subs, json_object_new_string(subs->v[i]));
    }
    a->n = zt_azure_queries_count();
    a->calls = zt_xcalloc(a->n, sizeof(*a->calls));
    for (size_t i = 0; i < a->n; i++) {
        a->calls[i] = (struct arg_call){.arg = a, .q = &zt_azure_queries[i]};
        if (add_page(&a->calls[i], NULL) < 0) {
            return zt_ctx_error(ctx, a->calls[i].results->res.error, "%s",
                                a->calls[i].results->res.message);
        }
    }
    return 0;
}

/* The first failed call of a list (kept newest first), of one follow-up kind if f is set. */
static const struct zt_http_result *first_failure(const struct arg_page *list,
                                                  const struct zt_azure_follow *f)
{
    const struct zt_http_result *first = NULL;

    for (const struct arg_page *p = list; p; p = p->next) {
        if (p->res.error && (!f || p->follow == f)) {
            first = &p->res;
        }
    }
    return first;
}

static const struct zt_http_result *call_failure(const struct arg_call *c)
{
    return first_failure(c->results, NULL);
}

/* The follow-up lists of a completed query: the evidence of each kind, or an error leaving
 * that kind out. Returns 0 or the first error. */
static int finish_follows(struct zt_ctx *ctx, const struct arg_call *c)
{
    int ret = 0;

    for (size_t i = 0; c->q->follow_ids && i < ZT_AZURE_FOLLOWS_MAX; i++) {
        const struct zt_azure_follow *fw = &c->q->follows[i];
        const struct zt_http_result *f = fw->path ? first_failure(c->follows, fw) : NULL;
        int r = 0;
        if (!fw->path) {
            continue;
        } else if (f) {
            r = zt_ctx_error(ctx, f->error, "%s: %s%s", fw->what, f->message,
                             f->status == 403 ? " (the app needs the Reader role there)" : "");
        } else if (fw->emit(ctx, c->arg->acc) < 0) {
            r = zt_ctx_error(ctx, -EINVAL, "cannot emit the evidence of %s", fw->what);
        }
        ret = ret ? ret : r;
    }
    return ret;
}

/* Resource Graph answers only for the subscriptions the app can read, silently: a count over
 * the others would look complete. The first configured subscription the *subscriptions* query
 * did not return, or NULL when it saw every one. */
static const char *unseen_subscription(const struct zt_azure_arg *a)
{
    for (size_t i = 0; i < json_object_array_length(a->subs); i++) {
        const char *want = json_object_get_string(json_object_array_get_idx(a->subs, i));
        bool seen = false;
        for (size_t j = 0; !seen && j < a->acc->visible_subs.n; j++) {
            seen = strcasecmp(a->acc->visible_subs.v[j], want) == 0;
        }
        if (!seen) {
            return want;
        }
    }
    return NULL;
}

int zt_azure_arg_finish(struct zt_ctx *ctx, struct zt_azure_arg *a)
{
    const struct zt_http_result *sf = a ? call_failure(&a->calls[ZT_AZURE_Q_SUBSCRIPTIONS]) : NULL;
    const char *unseen = a && !sf ? unseen_subscription(a) : NULL;
    int ret = 0;

    if (sf || unseen) {
        /* Without every subscription, no query's count speaks for the estate. */
        return zt_ctx_error(
            ctx, sf ? sf->error : -EACCES, "Resource Graph %s%s: its queries are left out%s",
            sf ? "cannot list the subscriptions it answers for: "
               : "does not see "
                 "subscription ",
            sf ? sf->message : unseen, " (the app needs the Reader role on every subscription)");
    }
    for (size_t i = 0; a && i < a->n; i++) {
        a->acc->done |= call_failure(&a->calls[i]) ? 0u : 1u << i;
    }
    for (size_t i = 0; a && i < a->n; i++) {
        struct arg_call *c = &a->calls[i];
        const struct zt_http_result *f = call_failure(c);
        int r = 0;
        if (f) {
            r = zt_ctx_error(ctx, f->error, "Resource Graph query '%s': %s%s", c->q->name,
                             c->error == -ELOOP   ? "the same $skipToken came twice"
                             : c->error == -E2BIG ? "result truncated or too many pages"
                                                  : f->message,
                             f->status == 403 ? " (the app needs the Reader role on every "
                                                "subscription)"
                                              : "");
        } else if (c->q->emit(ctx, a->acc) < 0) {
            r = zt_ctx_error(ctx, -EINVAL, "cannot emit the evidence of query '%s'", c->q->name);
        } else {
            zt_ctx_log(ctx, LOG_DEBUG, "Resource Graph query '%s': %zu rows in %u pages",
                       c->q->name, c->rows, c->pages);
            r = finish_follows(ctx, c);
        }
        ret = ret ? ret : r;
    }
    return ret;
}

static void pages_free(struct arg_page *p)
{
    while (p) {
        struct arg_page *next = p->next;
        free(p);
        p = next;
    }
}

void zt_azure_arg_free(struct zt_azure_arg *a)
{
    if (!a) {
        return;
    }
    for (size_t i = 0; i < a->n; i++) {
        pages_free(a->calls[i].results);
        pages_free(a->calls[i].follows);
        free(a->calls[i].token);
    }
    free(a->calls);
    json_object_put(a->subs);
    free(a->url);
    free(a);
}

void zt_azure_arg_freep(struct zt_azure_arg **a)
{
    zt_azure_arg_free(*a);
    *a = NULL;
}
