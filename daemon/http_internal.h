/* http_internal.h - structures shared by the HTTP engine's files (http*.c, oauth.c) only. */
#pragma once

#include <pthread.h>
#include <stdatomic.h>

#include "http.h"

/* One HTTP attempt. Created by the call's thread, run by the engine thread, handed back. */
struct zt_http_xfer {
    struct zt_http_xfer *next; /* engine pending list, then group completion list */
    struct zt_http_call *call;
    void *easy;        /* CURL * (engine files only) */
    void *slist;       /* struct curl_slist * of request headers */
    char *auth_header; /* "Authorization: Bearer ..." (wiped on free) */
    char *body;        /* response body, NUL-terminated */
    size_t body_len, body_cap;
    char *headers; /* raw header block of the final response */
    size_t headers_len;
    uint64_t not_before_usec; /* do not start before (backoff, Retry-After) */
    uint64_t started_usec;
    long status;      /* HTTP status, 0 if none */
    int error;        /* 0 or negative errno (transport) */
    char errmsg[256]; /* transport error text */
};

/* A call: one request with its retries and pages, owned by a group. */
struct zt_http_call {
    struct zt_http_call *next; /* group list, submission order */
    struct zt_http_group *group;
    struct zt_http_request req; /* strings point at the owned copies below */
    char *first_url;            /* the request's URL (JSON_TOKEN paging builds on it) */
    char *url;                  /* the URL of the current page */
    char *body;                 /* request body copy (wiped when sensitive) */
    char **headers;             /* request header copies, NULL-terminated */
    char *pace_key;
    char *next_field, *token_param, *ca_file, *content_type, *items_field;
    int *accept_status;
    struct zt_http_result *res;
    char origin[256]; /* scheme://host[:port] of the first URL: nextLinks must stay on it */
    unsigned attempt; /* attempts of the current page */
    unsigned page;
    bool auth_retried;
    uint64_t token_gen;
    atomic_bool abort;
    bool finished;
};

struct zt_http_group {
    struct zt_http_engine *engine;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct zt_http_xfer *done_head, *done_tail; /* completed attempts, FIFO */
    struct zt_http_call *calls, *calls_tail;
    unsigned running; /* calls not finished */
    zt_http_attempt_fn on_attempt;
    void *on_attempt_data;
};

struct zt_oauth_cache; /* oauth.c */

/* Engine internals used by http.c and oauth.c. */
int zt_http_xfer_new(struct zt_http_engine *e, struct zt_http_call *call, const char *auth_header,
                     struct zt_http_xfer **ret);
void zt_http_xfer_free(struct zt_http_xfer *x);
void zt_http_engine_submit(struct zt_http_engine *e, struct zt_http_xfer *x);
void zt_http_engine_wakeup(struct zt_http_engine *e);
/* Called by the engine thread when x finished (result fields set). Defined in http.c. */
void zt_http_call_completed(struct zt_http_xfer *x);
/* Queue the next attempt of c after delay_ms; on failure records it in c and returns -errno
 * (http.c). */
int zt_http_call_submit(struct zt_http_call *c, uint64_t delay_ms);
/* Process a finished attempt of c on the waiting thread: deliver, retry or fail (http.c). */
void zt_http_call_handle(struct zt_http_call *c, struct zt_http_xfer *x);
/* The engine's token cache and its lock (oauth.c). */
struct zt_oauth_cache **zt_http_engine_tokens(struct zt_http_engine *e);
pthread_mutex_t *zt_http_engine_token_lock(struct zt_http_engine *e);
void zt_oauth_cache_free(struct zt_oauth_cache *c);
/* Random number in [0, n) for jitter. */
uint64_t zt_http_random(uint64_t n);
