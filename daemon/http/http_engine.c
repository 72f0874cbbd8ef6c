/* http_engine.c - the transfer engine: one curl multi handle driven by its own thread, starting
 * queued attempts within the concurrency limit and pacing, with one connection pool. The only
 * file with curl setup (libcurl itself is loaded on first use: curl_load.c); errors are mapped
 * to negative errno here, once. The bottom of the HTTP room: it reads a transfer's request
 * settings and reports back through the transfer owner's hooks, and names nothing above it. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "curl_load.h"
#include "http_engine.h"
#include "log.h"
#include "util.h"

#define MAX_HEADER_BYTES (64u * 1024u)

_Static_assert(sizeof(((struct zt_http_xfer *)0)->errmsg) >= CURL_ERROR_SIZE, "errmsg too small");

struct pace {
    char *key;
    uint64_t interval_usec;
    uint64_t last_usec; /* start of the bucket's latest request: an interval set later counts */
    bool started;
};

struct zt_http_engine {
    struct zt_http_limits limits;
    CURLM *multi;
    pthread_t thread;
    pthread_mutex_t lock;
    struct zt_http_xfer *pending; /* not started yet (queued, backing off, or paced) */
    unsigned active;
    bool stop;
    struct pace *paces;
    size_t n_paces;
    const struct zt_http_auth_ops *auth; /* the token source (oauth.c), or NULL */
    void *auth_state;
};

void zt_http_limits_default(struct zt_http_limits *l)
{
    *l = (struct zt_http_limits){
        .max_concurrency = 16,
        .max_host_connections = 8,
        .connect_timeout_ms = 10 * ZT_MS_PER_SEC,
        .total_timeout_ms = 120 * ZT_MS_PER_SEC,
        .low_speed_limit = 1,
        .low_speed_time_ms = 30 * ZT_MS_PER_SEC,
        .max_body = 32u * 1024 * 1024,
        .max_attempts = 5,
        .backoff_base_ms = 500,
        .backoff_cap_ms = 30 * ZT_MS_PER_SEC,
        .retry_after_cap_ms = 120 * ZT_MS_PER_SEC,
        .max_pages = 100000,
    };
}

const struct zt_http_limits *zt_http_engine_limits(const struct zt_http_engine *e)
{
    return &e->limits;
}

void zt_http_engine_set_auth(struct zt_http_engine *e, const struct zt_http_auth_ops *ops,
                             void *state)
{
    e->auth = ops;
    e->auth_state = state;
}

const struct zt_http_auth_ops *zt_http_engine_auth(struct zt_http_engine *e, void **state)
{
    if (state) {
        *state = e->auth_state;
    }
    return e->auth;
}

/* Map a curl result to a negative errno: the one place curl codes become errno. */
static int curl_to_errno(CURLcode c)
{
    switch (c) {
    case CURLE_OK:
        return 0;
    case CURLE_UNSUPPORTED_PROTOCOL:
        return -EPROTONOSUPPORT;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        return -EHOSTUNREACH;
    case CURLE_COULDNT_CONNECT:
        return -ECONNREFUSED;
    case CURLE_OPERATION_TIMEDOUT:
        return -ETIMEDOUT;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
        return -EPROTO;
    case CURLE_FILESIZE_EXCEEDED:
        return -EFBIG;
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return -ECONNRESET;
    case CURLE_TOO_MANY_REDIRECTS:
        return -ELOOP;
    case CURLE_ABORTED_BY_CALLBACK:
        return -ECANCELED;
    case CURLE_OUT_OF_MEMORY:
        return -ENOMEM;
    case CURLE_URL_MALFORMAT:
        return -EINVAL;
    default:
        return -EIO;
    }
}

static size_t on_write(char *data, size_t size, size_t n, void *userdata)
{
    struct zt_http_xfer *x = userdata;
    struct zt_http_engine *e = x->engine;
    size_t len = size * n;

    if (x->body_len + len > e->limits.max_body) {
        x->error = -EFBIG;
        return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
    }
    if (x->body_len + len + 1 > x->body_cap) {
        size_t cap = x->body_cap ? x->body_cap : 16384;
        curl_off_t declared = -1;
        /* The first write: size the buffer to a declared length, so a large page costs its
         * size and not up to twice that in doubling slack (compressed bodies grow from it). */
        if (!x->body_cap &&
            curl_easy_getinfo(x->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &declared) == CURLE_OK &&
            declared > 0 && (uint64_t)declared < e->limits.max_body) {
            cap = (size_t)declared + 1;
        }
        while (cap < x->body_len + len + 1) {
            cap *= 2;
        }
        if (cap > e->limits.max_body + 1) {
            cap = e->limits.max_body + 1;
        }
        x->body = zt_xrealloc(x->body, cap);
        x->body_cap = cap;
    }
    memcpy(x->body + x->body_len, data, len);
    x->body_len += len;
    x->body[x->body_len] = '\0';
    if (x->want_head) { /* the next link may be in what has come: request that page now */
        long status = 0;
        curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
        x->owner->on_head(x, status);
    }
    return len;
}

static size_t on_header(char *data, size_t size, size_t n, void *userdata)
{
    struct zt_http_xfer *x = userdata;
    size_t len = size * n;

    if (len >= 5 && strncmp(data, "HTTP/", 5) == 0) {
        x->headers_len = 0; /* a new response (redirect, 100 Continue): keep only the last */
    }
    if (x->headers_len + len + 1 > MAX_HEADER_BYTES) {
        x->error = -E2BIG;
        return 0;
    }
    if (!x->headers) {
        x->headers = zt_xmalloc(MAX_HEADER_BYTES);
    }
    memcpy(x->headers + x->headers_len, data, len);
    x->headers_len += len;
    x->headers[x->headers_len] = '\0';
    return len;
}

/* Dropped, or its owner aborted or past its deadline. */
static bool xfer_unwanted(struct zt_http_xfer *x)
{
    const struct zt_http_xfer_owner *o = x->owner;
    return atomic_load(&x->drop) || atomic_load(&o->abort) ||
           (o->req->deadline_usec && zt_now_mono_usec() >= o->req->deadline_usec);
}

static int on_progress(void *userdata, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    struct zt_http_xfer *x = userdata;
    return xfer_unwanted(x) ? 1 : 0;
}

static bool has_header(const struct zt_http_request *req, const char *name)
{
    size_t n = strlen(name);
    for (const char *const *h = req->headers; h && *h; h++) {
        if (strncasecmp(*h, name, n) == 0 && (*h)[n] == ':') {
            return true;
        }
    }
    return false;
}

static struct curl_slist *build_headers(const struct zt_http_request *req, const char *auth_header)
{
    struct curl_slist *l = NULL;

    if (!has_header(req, "Accept")) {
        l = curl_slist_append(l, req->raw ? "Accept: */*" : "Accept: application/json");
    }
    if (req->body && !has_header(req, "Content-Type")) {
        _cleanup_free_ char *ct = zt_xasprintf(
            "Content-Type: %s", req->content_type ? req->content_type : "application/json");
        l = curl_slist_append(l, ct);
    }
    l = curl_slist_append(l, "Expect:"); /* no 100-continue round trip */
    for (const char *const *h = req->headers; h && *h; h++) {
        l = curl_slist_append(l, *h);
    }
    if (auth_header) {
        l = curl_slist_append(l, auth_header);
    }
    return l;
}

static void set_method(CURL *h, const struct zt_http_request *req)
{
    if (req->method == ZT_HTTP_POST) {
        curl_easy_setopt(h, CURLOPT_POST, 1L);
    } else if (req->method != ZT_HTTP_GET) {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, zt_http_method_to_string(req->method));
    }
    if (req->body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
    } else if (req->method == ZT_HTTP_POST) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
    }
}

/* TLS and protocol policy: HTTPS only, verification always on, TLS 1.2 or newer. */
static void set_security(CURL *h, const struct zt_http_request *req, const char *url)
{
    /* credential endpoints (http.h): the checked http:// URL, never through a proxy, and no
     * redirect away from it */
    bool plain = req->credential_http && zt_http_credential_host(url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, plain ? "http" : "https");
    if (plain) {
        curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
    }
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, plain ? 0L : 1L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    if (req->ca_file) {
        curl_easy_setopt(h, CURLOPT_CAINFO, req->ca_file);
    }
    /* PEM held by the owner (which outlives every transfer of it): curl need not copy, so the
     * key exists once and is wiped with its owner. */
    if (req->ca_pem) {
        struct curl_blob b = {(void *)req->ca_pem, strlen(req->ca_pem), CURL_BLOB_NOCOPY};
        curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &b);
    }
    if (req->client_cert_pem && req->client_key_pem) {
        struct curl_blob cert = {(void *)req->client_cert_pem, strlen(req->client_cert_pem),
                                 CURL_BLOB_NOCOPY};
        struct curl_blob key = {(void *)req->client_key_pem, strlen(req->client_key_pem),
                                CURL_BLOB_NOCOPY};
        curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
        curl_easy_setopt(h, CURLOPT_SSLCERT_BLOB, &cert);
        curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
        curl_easy_setopt(h, CURLOPT_SSLKEY_BLOB, &key);
    }
}

#define IDENTITY_CONNECT_MS                                                                        \
    2000 /* a link-local or loopback peer answers at once, or not at all                           \
          */

static void set_limits(CURL *h, const struct zt_http_limits *l, bool identity)
{
    /* Off Azure, 169.254.169.254 drops the SYN: fail in 2 s, not the 10 s meant for the
     * Internet (as the Azure SDKs probe it with a short timeout). */
    uint64_t connect = identity && l->connect_timeout_ms > IDENTITY_CONNECT_MS
                           ? IDENTITY_CONNECT_MS
                           : l->connect_timeout_ms;
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)connect);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)l->total_timeout_ms);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, (long)l->low_speed_limit);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME,
                     (long)((l->low_speed_time_ms + ZT_MS_PER_SEC - 1) / ZT_MS_PER_SEC));
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)l->max_body);
}

int zt_http_xfer_new(struct zt_http_engine *e, struct zt_http_xfer_owner *owner, const char *url,
                     const char *auth_header, struct zt_http_xfer **ret)
{
    struct zt_http_xfer *x = zt_xcalloc(1, sizeof(*x));
    CURL *h = curl_easy_init();

    if (!h) {
        free(x);
        return -ENOMEM;
    }
    x->engine = e;
    x->owner = owner;
    x->easy = h;
    x->auth_header = auth_header ? zt_xstrdup(auth_header) : NULL;
    x->slist = build_headers(owner->req, x->auth_header);
    x->url = zt_xstrdup(url);
    atomic_init(&x->drop, false);
    atomic_init(&x->ahead_ok, false);
    curl_easy_setopt(h, CURLOPT_URL, url);
    set_security(h, owner->req, url);
    set_limits(h, &e->limits, owner->req->credential_http);
    set_method(h, owner->req);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, (struct curl_slist *)x->slist);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(h, CURLOPT_USERAGENT, "ztmmd/" ZT_VERSION);
    curl_easy_setopt(h, CURLOPT_PIPEWAIT, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, x->errmsg);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, x);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_PRIVATE, x);
    *ret = x;
    return 0;
}

static void xfer_release_easy(struct zt_http_xfer *x)
{
    if (x->easy) {
        curl_easy_cleanup(x->easy);
        x->easy = NULL;
    }
    for (struct curl_slist *l = x->slist; l; l = l->next) {
        explicit_bzero(l->data, strlen(l->data)); /* the Authorization header among them */
    }
    curl_slist_free_all(x->slist);
    x->slist = NULL;
    if (x->auth_header) {
        explicit_bzero(x->auth_header, strlen(x->auth_header));
        free(x->auth_header);
        x->auth_header = NULL;
    }
}

void zt_http_xfer_free(struct zt_http_xfer *x)
{
    if (!x) {
        return;
    }
    xfer_release_easy(x);
    if (x->body && x->owner->req->sensitive) {
        explicit_bzero(x->body, x->body_cap);
    }
    free(x->body);
    free(x->headers);
    free(x->early_next);
    free(x->url);
    free(x);
}

/* The pacing slot of key (created with interval 0 when new). Called with e->lock held. */
static struct pace *pace_get(struct zt_http_engine *e, const char *key)
{
    for (size_t i = 0; i < e->n_paces; i++) {
        if (zt_streq(e->paces[i].key, key)) {
            return &e->paces[i];
        }
    }
    e->paces = zt_xrealloc(e->paces, (e->n_paces + 1) * sizeof(*e->paces));
    e->paces[e->n_paces] = (struct pace){.key = zt_xstrdup(key)};
    return &e->paces[e->n_paces++];
}

void zt_http_engine_set_pacing(struct zt_http_engine *e, const char *key, uint64_t interval_ms)
{
    if (!e) {
        return; /* no engine could be started: the calls that need it fail with the reason */
    }
    pthread_mutex_lock(&e->lock);
    pace_get(e, key)->interval_usec = zt_ms_to_usec(interval_ms);
    pthread_mutex_unlock(&e->lock);
}

void zt_http_engine_wakeup(struct zt_http_engine *e)
{
    curl_multi_wakeup(e->multi);
}

void zt_http_engine_submit(struct zt_http_engine *e, struct zt_http_xfer *x)
{
    const struct zt_http_request *req = x->owner->req;

    pthread_mutex_lock(&e->lock);
    if (req->pace_ms) {
        struct pace *p = pace_get(e, req->pace_key);
        if (p->interval_usec < zt_ms_to_usec(req->pace_ms)) {
            p->interval_usec = zt_ms_to_usec(req->pace_ms);
        }
    }
    struct zt_http_xfer **tail = &e->pending;
    while (*tail) {
        tail = &(*tail)->next;
    }
    x->next = NULL;
    *tail = x;
    pthread_mutex_unlock(&e->lock);
    curl_multi_wakeup(e->multi);
}

/* May x start now? Otherwise lower *wait_usec to when it might. Called with e->lock held. */
static bool may_start(struct zt_http_engine *e, struct zt_http_xfer *x, uint64_t now,
                      uint64_t *wait_usec)
{
    if (x->not_before_usec > now) {
        *wait_usec = x->not_before_usec - now < *wait_usec ? x->not_before_usec - now : *wait_usec;
        return false;
    }
    struct pace *p = pace_get(e, x->owner->req->pace_key);
    uint64_t next = p->last_usec + p->interval_usec;
    if (p->interval_usec && p->started && next > now) {
        *wait_usec = next - now < *wait_usec ? next - now : *wait_usec;
        return false;
    }
    p->last_usec = now;
    p->started = true;
    return true;
}

/* Bound the attempt by its owner's deadline too. Set when the attempt starts (curl counts from
 * there, not from when it was queued) and rounded up, plus 1 ms for curl's own rounding: curl's
 * timer then never fires before the deadline, so a deadline hit is always recognised as one in
 * finish() instead of racing it with a "timed out" just short of it. */
static void clamp_to_deadline(struct zt_http_xfer *x, uint64_t now, const struct zt_http_limits *l)
{
    uint64_t deadline = x->owner->req->deadline_usec;

    if (!deadline) {
        return;
    }
    uint64_t left_ms = deadline > now ? zt_usec_to_ms_ceil(deadline - now) + 1 : 1;
    if (!l->total_timeout_ms || left_ms < l->total_timeout_ms) {
        curl_easy_setopt(x->easy, CURLOPT_TIMEOUT_MS, (long)left_ms);
        x->deadline_bound = true;
    }
}

/* Start what may start; finish aborted ones. Returns the poll timeout in ms. */
static int start_ready(struct zt_http_engine *e, struct zt_http_xfer **aborted)
{
    uint64_t now = zt_now_mono_usec(), wait = ZT_USEC_PER_SEC;

    pthread_mutex_lock(&e->lock);
    for (struct zt_http_xfer **pp = &e->pending; *pp;) {
        struct zt_http_xfer *x = *pp;
        if (xfer_unwanted(x)) {
            *pp = x->next;
            x->next = *aborted;
            *aborted = x;
            continue;
        }
        if (e->active >= e->limits.max_concurrency || !may_start(e, x, now, &wait)) {
            pp = &x->next;
            continue;
        }
        *pp = x->next;
        x->next = NULL;
        x->started_usec = now;
        clamp_to_deadline(x, now, &e->limits);
        curl_multi_add_handle(e->multi, x->easy);
        e->active++;
    }
    pthread_mutex_unlock(&e->lock);
    return (int)zt_usec_to_ms_ceil(wait);
}

static void finish(struct zt_http_xfer *x, CURLcode code)
{
    long status = 0;

    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
    x->status = status;
    if (code != CURLE_OK && x->error == 0) {
        x->error = curl_to_errno(code);
        if (!x->errmsg[0]) {
            snprintf(x->errmsg, sizeof(x->errmsg), "%s", curl_easy_strerror(code));
        }
    }
    /* Whichever timer ended it (curl's clamped timeout, the progress callback, the cancel hook
     * or the pending queue), a failed attempt at or past the deadline is one well-defined
     * outcome: the deadline, never retried. */
    uint64_t deadline = x->owner->req->deadline_usec;
    if ((x->error == -ETIMEDOUT || x->error == -ECANCELED) && deadline &&
        (zt_now_mono_usec() >= deadline ||
         (code == CURLE_OPERATION_TIMEDOUT && x->deadline_bound))) {
        x->error = -ETIMEDOUT;
        x->deadline_hit = true;
        snprintf(x->errmsg, sizeof(x->errmsg), "deadline of the collection reached");
    }
    xfer_release_easy(x);
    x->owner->on_done(x);
}

/* Hand every finished transfer to its owner. Returns how many finished. */
static unsigned drain(struct zt_http_engine *e)
{
    CURLMsg *m;
    int left = 0;
    unsigned finished = 0;

    while ((m = curl_multi_info_read(e->multi, &left))) {
        if (m->msg != CURLMSG_DONE) {
            continue;
        }
        struct zt_http_xfer *x = NULL;
        CURLcode code = m->data.result;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
        curl_multi_remove_handle(e->multi, m->easy_handle);
        pthread_mutex_lock(&e->lock);
        e->active--;
        pthread_mutex_unlock(&e->lock);
        finish(x, code);
        finished++;
    }
    return finished;
}

static void *engine_main(void *arg)
{
    struct zt_http_engine *e = arg;

    for (;;) {
        struct zt_http_xfer *aborted = NULL;
        int running = 0;
        int timeout_ms = start_ready(e, &aborted);
        while (aborted) {
            struct zt_http_xfer *x = aborted;
            aborted = x->next;
            finish(x, CURLE_ABORTED_BY_CALLBACK);
        }
        curl_multi_perform(e->multi, &running);
        /* A finished transfer frees a slot: start what waited for one now, not after a poll
         * timeout computed before the slot was free (that stalled queued requests up to 1 s). */
        if (drain(e) > 0) {
            timeout_ms = 0;
        }
        pthread_mutex_lock(&e->lock);
        bool stop = e->stop && e->active == 0 && !e->pending;
        pthread_mutex_unlock(&e->lock);
        if (stop) {
            return NULL;
        }
        curl_multi_poll(e->multi, NULL, 0, timeout_ms, NULL);
    }
}

int zt_http_engine_create(const struct zt_http_limits *limits, struct zt_http_engine **ret,
                          char *err, size_t errlen)
{
    char why[256] = "";
    int r = zt_curl_load(why, sizeof(why));
    if (r < 0) {
        /* The caller reports it, once, where the failure is handled. */
        if (err && errlen) {
            snprintf(err, errlen, "%s", why);
        }
        return r;
    }
    struct zt_http_engine *e = zt_xcalloc(1, sizeof(*e));

    if (limits) {
        e->limits = *limits;
    } else {
        zt_http_limits_default(&e->limits);
    }
    if (e->limits.max_concurrency == 0) {
        e->limits.max_concurrency = 1;
    }
    if (e->limits.max_attempts == 0) {
        e->limits.max_attempts = 1;
    }
    e->multi = curl_multi_init();
    if (!e->multi) {
        free(e);
        return -ENOMEM;
    }
    curl_multi_setopt(e->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
                      (long)e->limits.max_host_connections);
    curl_multi_setopt(e->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)e->limits.max_concurrency);
    curl_multi_setopt(e->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
    pthread_mutex_init(&e->lock, NULL);
    r = -pthread_create(&e->thread, NULL, engine_main, e);
    if (r < 0) {
        curl_multi_cleanup(e->multi);
        free(e);
        return r;
    }
    *ret = e;
    return 0;
}

void zt_http_engine_free(struct zt_http_engine *e)
{
    if (!e) {
        return;
    }
    pthread_mutex_lock(&e->lock);
    e->stop = true;
    pthread_mutex_unlock(&e->lock);
    curl_multi_wakeup(e->multi);
    pthread_join(e->thread, NULL);
    curl_multi_cleanup(e->multi);
    if (e->auth && e->auth->free) {
        e->auth->free(e->auth_state);
    }
    for (size_t i = 0; i < e->n_paces; i++) {
        free(e->paces[i].key);
    }
    free(e->paces);
    pthread_mutex_destroy(&e->lock);
    free(e);
}

void zt_http_engine_freep(struct zt_http_engine **e)
{
    zt_http_engine_free(*e);
}
