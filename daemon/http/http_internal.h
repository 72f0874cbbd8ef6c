/* http_internal.h - calls and groups, the layers of the HTTP room above the engine, shared by
 * its files only. The files call downwards only, in this order (each names only the ones before
 * it):
 *   http_util.c http_url.c json_items.c curl_load.c  pure helpers; loading libcurl
 *   http_engine.c    transfers and the engine thread (http_engine.h)
 *   http_call.c      a call's transfers, links and pages; the group's completion queue
 *   http_prefetch.c  reading the next page ahead
 *   http_attempt.c   a finished attempt: deliver, page on, retry or fail
 *   http_group.c     groups: submit calls, then run them on the waiting thread
 *   oauth_jwt.c      signed client assertions
 *   oauth.c          bearer tokens, fetched with groups
 *   http.c           zt_http_engine_new(): an engine with OAuth as its token source
 * Where a lower layer must reach a higher one (the engine finishing a transfer, a call needing a
 * token), it goes through hooks the higher one installed, never by name. tests/http_layers.py
 * checks this order. */
#pragma once

#include <pthread.h>
#include <stdatomic.h>

#include "http.h"
#include "http_engine.h"

#define HTTP_JSON_DEPTH 32 /* nesting of a response body (json-c's default depth) */

/* A call: one request with its retries and pages, owned by a group. */
struct zt_http_call {
    struct zt_http_xfer_owner owner; /* what the engine sees of it: req, abort, hooks */
    struct zt_http_call *next;       /* group list, submission order */
    struct zt_http_group *group;
    struct zt_http_request req; /* strings point at the owned copies below */
    char *first_url;            /* the request's URL (JSON_TOKEN paging builds on it) */
    char *url;                  /* the URL of the current page */
    char *body;                 /* request body copy (wiped when sensitive) */
    char **headers;             /* request header copies, NULL-terminated */
    char *pace_key;
    char *next_field, *token_param, *ca_file, *content_type, *items_field;
    char *ca_pem, *client_cert_pem, *client_key_pem; /* the key is wiped on free */
    int *accept_status;
    struct zt_http_result *res;
    char origin[256]; /* scheme://host[:port] of the first URL: nextLinks must stay on it */
    unsigned attempt; /* attempts of the current page */
    unsigned page;
    bool auth_retried;
    bool finished;
    unsigned inflight;             /* transfers handed to the engine and not back yet */
    struct zt_http_xfer *prefetch; /* the next page, requested ahead (http_prefetch.c) */
    char *prefetch_url;
    bool prefetch_parked; /* it has arrived and waits for the current page to be handed over */
};

struct zt_http_group {
    struct zt_http_engine *engine;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct zt_http_xfer *done_head, *done_tail; /* completed attempts, FIFO */
    struct zt_http_xfer *head_head, *head_tail; /* attempts whose next link came early, FIFO */
    struct zt_http_call *calls, *calls_tail;
    unsigned running; /* calls not finished */
    zt_http_attempt_fn on_attempt;
    void *on_attempt_data;
};

/* A page as a call's on_page sees it (http_call.c's accessors, http_attempt.c fills it). */
struct zt_http_page {
    struct zt_http_xfer *x;
    struct json_object *json;
    const char *url;
    unsigned index;
    size_t items;
};

/* http_call.c */
/* The engine's on_done for calls: queue x, finished, on its group (engine thread). */
void zt_http_call_completed(struct zt_http_xfer *x);
/* Engine thread: tell x's group that x->early_next is known. */
void zt_http_group_head_found(struct zt_http_xfer *x);
/* Put x back at the front of its group's completed attempts. */
void zt_http_group_requeue(struct zt_http_xfer *x);
/* Count one HTTP attempt of c (result and the group's hook). */
void zt_http_call_count_attempt(struct zt_http_call *c);
/* A transfer of c for url, its page number page, with a bearer token from the engine's token
 * source when c needs one (not submitted). Returns 0, or -errno with the reason in err. */
int zt_http_call_xfer(struct zt_http_call *c, const char *url, unsigned page,
                      struct zt_http_xfer **ret, char *err, size_t errlen);
/* The next page's URL from the page at url: its JSON (or the members before its items) and
 * headers, per c's paging. Returns 0 with *ret NULL at the end, 0 with a new URL in *ret, or
 * -EBADMSG with the reason in why (a garbled next link). Reads only what the call fixed at its
 * start: any thread. */
int zt_http_call_next_url(const struct zt_http_call *c, const char *url, struct json_object *json,
                          const char *headers, char **ret, char *why, size_t len);
/* May c move from page number page at url to next (no loop, page limit, same origin)? 0, or
 * -errno with the reason in why. Reads only what the call fixed at its start: any thread. */
int zt_http_call_follow_check(const struct zt_http_call *c, const char *url, unsigned page,
                              const char *next, char *why, size_t len);

/* http_prefetch.c */
/* The engine's on_head for calls: after each chunk of x's body while x->want_head, look for
 * the next link (engine thread). */
void zt_http_xfer_head(struct zt_http_xfer *x, long status);
/* Waiting thread: x's next link is known; request that page now if x is the current page. */
void zt_http_call_head(struct zt_http_call *c, struct zt_http_xfer *x);
/* Waiting thread: request the page at next ahead, unless one is already or the checks fail. */
void zt_http_prefetch_start(struct zt_http_call *c, const char *next);
/* Waiting thread, for every attempt back from the engine: true when it is not for the current
 * page (a read-ahead page, parked until its turn, or a dropped one, freed). */
bool zt_http_prefetch_arrived(struct zt_http_call *c, struct zt_http_xfer *x);
/* Waiting thread: c moved to the page at next; take its read-ahead transfer if it fetched
 * that URL (true: it is c's current attempt now), else drop it. */
bool zt_http_prefetch_adopt(struct zt_http_call *c, const char *next);
/* Drop c's read-ahead page: it is never delivered. */
void zt_http_prefetch_drop(struct zt_http_call *c);

/* http_attempt.c */
/* Queue the next attempt of c after delay_ms; on failure records it in c and returns -errno. */
int zt_http_call_submit(struct zt_http_call *c, uint64_t delay_ms);
/* Process a finished attempt of c on the waiting thread: deliver, retry or fail. */
void zt_http_call_handle(struct zt_http_call *c, struct zt_http_xfer *x);

/* oauth.c */
/* Make OAuth e's token source (its cache is freed with e). */
void zt_oauth_attach(struct zt_http_engine *e);
