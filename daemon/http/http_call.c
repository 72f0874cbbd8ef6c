/* http_call.c - the lowest layer of calls: a call's transfers (with a bearer token from the
 * engine's token source), where its next page is and whether to follow it, the accessors of a
 * delivered page, and its group's completion queue, which the engine thread fills. Names only
 * the engine below it (http_internal.h has the order of the room). */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "http_internal.h"
#include "secret.h"
#include "util.h"

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

void zt_http_group_head_found(struct zt_http_xfer *x)
{
    struct zt_http_group *g = x->call->group;

    pthread_mutex_lock(&g->lock);
    x->head_next = NULL;
    if (g->head_tail) {
        g->head_tail->head_next = x;
    } else {
        g->head_head = x;
    }
    g->head_tail = x;
    pthread_cond_signal(&g->cond);
    pthread_mutex_unlock(&g->lock);
}

void zt_http_group_requeue(struct zt_http_xfer *x)
{
    struct zt_http_group *g = x->call->group;

    pthread_mutex_lock(&g->lock);
    x->next = g->done_head;
    g->done_head = x;
    if (!g->done_tail) {
        g->done_tail = x;
    }
    pthread_mutex_unlock(&g->lock);
}

struct json_object *zt_http_page_json(const struct zt_http_page *p)
{
    return p->json;
}

const char *zt_http_page_body(const struct zt_http_page *p, size_t *len)
{
    if (len) {
        *len = p->x->body_len;
    }
    return p->x->body ? p->x->body : "";
}

long zt_http_page_status(const struct zt_http_page *p)
{
    return p->x->status;
}

size_t zt_http_page_items(const struct zt_http_page *p)
{
    return p->items;
}

unsigned zt_http_page_index(const struct zt_http_page *p)
{
    return p->index;
}

const char *zt_http_page_url(const struct zt_http_page *p)
{
    return p->url;
}

const char *zt_http_page_header(const struct zt_http_page *p, const char *name, char *buf,
                                size_t len)
{
    return zt_http_header_value(p->x->headers, name, buf, len);
}

void zt_http_call_count_attempt(struct zt_http_call *c)
{
    c->res->attempts++;
    if (c->group->on_attempt) {
        c->group->on_attempt(c->group->on_attempt_data);
    }
}

/* Counts token fetch attempts on the call that needed the token. */
static void count_token_attempt(void *data)
{
    zt_http_call_count_attempt(data);
}

int zt_http_call_xfer(struct zt_http_call *c, const char *url, unsigned page,
                      struct zt_http_xfer **ret, char *err, size_t errlen)
{
    _cleanup_(zt_secret_freep) char *token = NULL;
    _cleanup_(zt_secret_freep) char *auth = NULL;
    uint64_t gen = 0;
    char why[384];

    if (c->req.auth) {
        const struct zt_oauth_wait w = {
            .on_attempt = count_token_attempt,
            .data = c,
            .deadline_usec = c->req.deadline_usec,
            .cancelled = c->req.cancelled,
            .cancel_data = c->req.cancel_data,
        };
        const struct zt_http_auth_ops *a = zt_http_engine_auth(c->group->engine, NULL);
        int r = a ? a->token(c->group->engine, c->req.auth, &w, &token, &gen, why, sizeof(why))
                  : -ENOKEY;
        if (!a) {
            snprintf(why, sizeof(why), "this HTTP engine has no token source");
        }
        if (r < 0) {
            snprintf(err, errlen, "cannot get an access token: %s", why);
            return r;
        }
        auth = zt_xasprintf("Authorization: Bearer %s", token);
    }
    int r = zt_http_xfer_new(c->group->engine, &c->owner, url, auth, ret);
    if (r < 0) {
        snprintf(err, errlen, "cannot create transfer");
        return r;
    }
    (*ret)->call = c;
    (*ret)->token_gen = gen;
    (*ret)->page = page;
    /* Item lists may name the next page before their items: look for it while they arrive. */
    (*ret)->want_head = c->req.items_field && !c->req.raw && c->req.paging != ZT_PAGING_NONE;
    return 0;
}

/* The next page's URL from a Link header block, resolved against the page's URL. */
static int next_from_link(const char *url, const char *headers, char **ret, char *why, size_t len)
{
    _cleanup_free_ char *ref = NULL;
    int r = zt_http_headers_link_next(headers, &ref);

    if (r == -ENOENT) {
        return 0;
    }
    if (r < 0) {
        snprintf(why, len, "unparsable Link header: cannot tell whether a next page follows");
        return r;
    }
    *ret = zt_http_url_resolve(url, ref);
    if (!*ret) {
        snprintf(why, len, "cannot resolve the next-page link against the page URL");
        return -EBADMSG;
    }
    return 0;
}

int zt_http_call_next_url(const struct zt_http_call *c, const char *url, struct json_object *json,
                          const char *headers, char **ret, char *why, size_t len)
{
    struct json_object *v = NULL;
    const char *field = c->next_field;

    *ret = NULL;
    switch (c->req.paging) {
    case ZT_PAGING_ODATA: /* the key holds a dot: not a path */
        field = "@odata.nextLink";
        if (json_object_is_type(json, json_type_object)) {
            json_object_object_get_ex(json, field, &v);
        }
        break;
    case ZT_PAGING_JSON_URL:
    case ZT_PAGING_JSON_TOKEN:
        v = zt_http_json_path(json, c->next_field);
        break;
    case ZT_PAGING_LINK:
        return next_from_link(url, headers, ret, why, len);
    default:
        return 0;
    }
    if (!v || json_object_is_type(v, json_type_null)) {
        return 0;
    }
    if (!json_object_is_type(v, json_type_string)) {
        snprintf(why, len, "the next-page field \"%s\" is not a string (JSON %s)", field,
                 json_type_to_name(json_object_get_type(v)));
        return -EBADMSG;
    }
    const char *s = json_object_get_string(v);
    if (!s[0]) {
        return 0;
    }
    *ret = c->req.paging == ZT_PAGING_JSON_TOKEN
               ? zt_http_url_set_param(c->first_url, c->token_param, s)
               : zt_xstrdup(s);
    return 0;
}

int zt_http_call_follow_check(const struct zt_http_call *c, const char *url, unsigned page,
                              const char *next, char *why, size_t len)
{
    char origin[256];
    unsigned max_pages =
        c->req.max_pages ? c->req.max_pages : zt_http_engine_limits(c->group->engine)->max_pages;

    if (zt_streq(next, url)) {
        snprintf(why, len, "the next-page link repeats the current URL (paging loop)");
        return -ELOOP;
    }
    if (page + 1 >= max_pages) {
        snprintf(why, len, "more than %u pages: stopping (paging loop?)", max_pages);
        return -ELOOP;
    }
    if (!zt_http_url_origin(next, origin, sizeof(origin)) || !zt_streq(origin, c->origin)) {
        snprintf(why, len, "the next-page link leaves %s: refusing to follow it", c->origin);
        return -EPERM;
    }
    return 0;
}
