/* http_engine.h - the bottom layer of the HTTP room: transfers and the engine thread that runs
 * them (http_engine.c). The engine knows a transfer's request settings and nothing of calls,
 * groups, pages or tokens: what it has to tell the layers above, it tells through the hooks of
 * the transfer's owner, and the token source is installed into it from above. Internal to the
 * room. */
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "http.h"

struct zt_http_xfer;
struct zt_http_call; /* http_internal.h: the engine only carries the pointer */

/* Whom a transfer is for: set by the layer above and outliving every transfer made for it. */
struct zt_http_xfer_owner {
    const struct zt_http_request *req; /* method, body, headers, TLS, pacing, deadline */
    atomic_bool abort;                 /* set: the engine aborts every transfer of this owner */
    /* Engine thread, after each chunk of the body while x->want_head is set. */
    void (*on_head)(struct zt_http_xfer *x, long status);
    /* Engine thread: x finished (status, error, body and headers set) and is the owner's now. */
    void (*on_done)(struct zt_http_xfer *x);
};

/* One HTTP attempt. Created by the waiting thread, run by the engine thread, handed back. */
struct zt_http_xfer {
    struct zt_http_xfer *next; /* engine pending list, then group completion list */
    struct zt_http_engine *engine;
    struct zt_http_xfer_owner *owner;
    struct zt_http_call *call; /* the owner as the layers above know it; not the engine's */
    void *easy;                /* CURL * (http_engine.c only) */
    char *url;                 /* what it fetches */
    unsigned page;             /* the page of its call it fetches (0 = the first) */
    void *slist;               /* struct curl_slist * of request headers */
    char *auth_header;         /* "Authorization: Bearer ..." (wiped on free) */
    char *body;                /* response body, NUL-terminated */
    size_t body_len, body_cap;
    char *headers; /* raw header block of the final response */
    size_t headers_len;
    uint64_t not_before_usec; /* do not start before (backoff, Retry-After) */
    uint64_t started_usec;
    uint64_t token_gen;  /* cache generation of the bearer token it carries */
    long status;         /* HTTP status, 0 if none */
    int error;           /* 0 or negative errno (transport) */
    char errmsg[256];    /* transport error text */
    bool deadline_bound; /* curl's total timeout is the call's deadline */
    bool deadline_hit;   /* failed because the call's deadline passed (error -ETIMEDOUT) */
    bool want_head;      /* call owner->on_head after each body chunk */
    atomic_bool drop;    /* nobody will take it: the engine aborts it and hands it back */
    /* Reading ahead (http_prefetch.c; the engine neither reads nor writes these). The engine
     * thread reads the body's head while it arrives, sets early_next once, then queues x on its
     * group's head list (head_next). */
    char *early_next; /* the next page's URL, found before the items (freed with x) */
    bool early_seen;  /* the waiting thread has taken the head event */
    /* x is the current page and its call has no page read ahead: the engine thread may request
     * the next page itself when it finds the link (taken with an exchange: one of the two threads
     * starts it). ahead is that request, until the waiting thread takes it over. */
    atomic_bool ahead_ok;
    struct zt_http_xfer *ahead;
    struct zt_http_xfer *head_next;
};

/* A source of bearer tokens, installed into an engine by the layer that fetches them (oauth.c)
 * so that calls can ask for tokens without naming it. state belongs to the source. */
struct zt_http_auth_ops {
    int (*token)(struct zt_http_engine *e, const struct zt_oauth_config *cfg,
                 const struct zt_oauth_wait *w, char **ret, uint64_t *gen, char *err,
                 size_t errlen);
    void (*invalidate)(struct zt_http_engine *e, const struct zt_oauth_config *cfg, uint64_t gen);
    void (*free)(void *state); /* with the engine */
};

/* An engine without a token source (zt_http_engine_new() installs OAuth). Same contract. */
int zt_http_engine_create(const struct zt_http_limits *limits, struct zt_http_engine **ret,
                          char *err, size_t errlen);
/* Install the token source (once, before any call is made). */
void zt_http_engine_set_auth(struct zt_http_engine *e, const struct zt_http_auth_ops *ops,
                             void *state);
/* The token source and its state; NULL when none is installed. */
const struct zt_http_auth_ops *zt_http_engine_auth(struct zt_http_engine *e, void **state);

/* A transfer of url for owner, with an Authorization header when auth_header is set (not
 * submitted). Returns 0, or -ENOMEM. */
int zt_http_xfer_new(struct zt_http_engine *e, struct zt_http_xfer_owner *owner, const char *url,
                     const char *auth_header, struct zt_http_xfer **ret);
void zt_http_xfer_free(struct zt_http_xfer *x);
/* Queue x; it starts when its not_before time, the concurrency limit and its pacing allow. */
void zt_http_engine_submit(struct zt_http_engine *e, struct zt_http_xfer *x);
/* Make the engine thread look at its transfers again (an owner's abort, a dropped transfer). */
void zt_http_engine_wakeup(struct zt_http_engine *e);
