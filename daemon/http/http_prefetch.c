/* http_prefetch.c - reading ahead in paged item lists. Graph sends "@odata.nextLink" before
 * "value", Kubernetes its "metadata.continue" before "items": once the members before the items
 * array have arrived, the next page is requested while this one is still being received and
 * handed over, so a long list costs its round trips and not round trips plus parsing.
 *
 * A call has at most two pages at once: the one being received or handed over, and the next.
 * The next page is only ever delivered after the current one, as the next on_page; it is
 * dropped (aborted, or freed if it has arrived, and never delivered) when the current page
 * fails the call, stops the paging, or ends up linking somewhere else. Its attempt is handled
 * like any other once its turn comes: a 429, 401 or 5xx it got waits until then and is then
 * retried exactly as if it had just arrived. */
#include <json-c/json.h>
#include <stdlib.h>

#include "http_internal.h"
#include "json_items.h"
#include "util.h"

/* The members before the items array are small (context, counts, links): give up on a page
 * whose array has not begun by then, rather than re-read a long head at every chunk. */
#define HEAD_MAX (64u * 1024u)

/* Engine thread: request the page at x->early_next at once when x allows it (the current page,
 * nothing read ahead). Doing it here rather than on the waiting thread saves a thread switch,
 * which on a busy machine costs a scheduler slice: the transfers keep the cores. The waiting
 * thread takes the request over when it takes x's head event. The request carries x's token,
 * which the cache would give it too (a 401 is handled as for any page). */
static void head_start(struct zt_http_xfer *x)
{
    struct zt_http_call *c = x->call;
    struct zt_http_xfer *p = NULL;
    char why[320];

    if (!atomic_exchange(&x->ahead_ok, false) ||
        zt_http_call_follow_check(c, x->url, x->page, x->early_next, why, sizeof(why)) < 0 ||
        zt_http_xfer_new(c->group->engine, &c->owner, x->early_next, x->auth_header, &p) < 0) {
        return;
    }
    p->call = c;
    p->token_gen = x->token_gen;
    p->page = x->page + 1;
    p->want_head = true;
    x->ahead = p;
    zt_http_engine_submit(c->group->engine, p);
}

void zt_http_xfer_head(struct zt_http_xfer *x, long status)
{
    struct zt_http_call *c = x->call;
    struct json_object *env = NULL;

    if (status < 200 || status >= 300) {
        x->want_head = false; /* errors and accept_status pages are not lists */
        return;
    }
    if (c->req.paging != ZT_PAGING_LINK) { /* Link: the headers are complete already */
        int r = zt_json_items_head(x->body, x->body_len, c->req.items_field, HTTP_JSON_DEPTH, &env);
        if (r == 0 && x->body_len < HEAD_MAX) {
            return; /* not yet: read again with the next chunk */
        }
        if (r <= 0) {
            x->want_head = false;
            return;
        }
    }
    x->want_head = false;
    char why[160];
    if (zt_http_call_next_url(c, x->url, env, x->headers, &x->early_next, why, sizeof(why)) < 0) {
        x->early_next = NULL; /* the whole page fails the call when it is handed over */
    }
    json_object_put(env);
    if (x->early_next) {
        head_start(x);
        zt_http_group_head_found(x);
    }
}

/* c's read-ahead page is now p, in flight. */
static void prefetch_set(struct zt_http_call *c, struct zt_http_xfer *p)
{
    c->prefetch = p;
    c->prefetch_url = zt_xstrdup(p->url);
    c->prefetch_parked = false;
    c->inflight++;
}

void zt_http_call_head(struct zt_http_call *c, struct zt_http_xfer *x)
{
    x->early_seen = true;
    if (x->ahead) { /* the engine thread requested the next page: it is ours now */
        struct zt_http_xfer *p = TAKE_PTR(x->ahead);
        c->inflight++;
        if (c->prefetch || c->finished || atomic_load(&x->drop)) {
            atomic_store(&p->drop, true); /* cannot happen while x is current: a guard */
            zt_http_engine_wakeup(c->group->engine);
            return;
        }
        c->inflight--;
        prefetch_set(c, p);
        return;
    }
    /* A page that is itself read ahead waits: it starts its successor when it is handed over. */
    if (!c->finished && !atomic_load(&x->drop) && x != c->prefetch) {
        zt_http_prefetch_start(c, x->early_next);
    }
}

void zt_http_prefetch_start(struct zt_http_call *c, const char *next)
{
    struct zt_http_xfer *x = NULL;
    char why[448];

    /* A link that fails the checks fails the call after this page, as without reading ahead;
     * so does a token or transfer that cannot be had now (the normal request tries again). */
    if (c->prefetch || c->finished || !next ||
        zt_http_call_follow_check(c, c->url, c->page, next, why, sizeof(why)) < 0 ||
        zt_http_call_xfer(c, next, c->page + 1, &x, why, sizeof(why)) < 0) {
        return;
    }
    prefetch_set(c, x);
    zt_http_engine_submit(c->group->engine, x);
}

bool zt_http_prefetch_arrived(struct zt_http_call *c, struct zt_http_xfer *x)
{
    if (atomic_load(&x->drop)) {
        if (x->started_usec) {
            zt_http_call_count_attempt(c); /* the server saw it: it is a request like any */
        }
        zt_http_xfer_free(x);
        return true;
    }
    if (x == c->prefetch) {
        c->prefetch_parked = true; /* its turn comes when the current page is handed over */
        return true;
    }
    return false;
}

static void prefetch_forget(struct zt_http_call *c)
{
    free(c->prefetch_url);
    c->prefetch_url = NULL;
    c->prefetch = NULL;
    c->prefetch_parked = false;
}

bool zt_http_prefetch_adopt(struct zt_http_call *c, const char *next)
{
    struct zt_http_xfer *x = c->prefetch;

    if (!x || !zt_streq(c->prefetch_url, next)) {
        zt_http_prefetch_drop(c); /* a member repeated after the items changed the link */
        return false;
    }
    bool parked = c->prefetch_parked;
    prefetch_forget(c);
    if (parked) {
        /* Handled from the group's queue, after the page before it has been freed. */
        c->inflight++;
        zt_http_group_requeue(x);
    } else if (x->early_seen) {
        zt_http_prefetch_start(c, x->early_next); /* its own successor may go now */
    } else {
        atomic_store(&x->ahead_ok, true); /* or as soon as its link arrives */
    }
    return true;
}

void zt_http_prefetch_drop(struct zt_http_call *c)
{
    struct zt_http_xfer *x = c->prefetch;

    if (!x) {
        return;
    }
    if (c->prefetch_parked) {
        zt_http_call_count_attempt(c);
        zt_http_xfer_free(x);
    } else {
        atomic_store(&x->drop, true); /* the engine aborts it; it comes back and is freed */
        zt_http_engine_wakeup(c->group->engine);
    }
    prefetch_forget(c);
}
