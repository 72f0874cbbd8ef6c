/* github_fetch.c - the request layer of the `github` collector: GitHub's headers and API version,
 * one request at a time per organization (as GitHub asks), the primary limit paced ahead from
 * x-ratelimit-*, secondary limits waited out (retry-after, else at least a minute) and the failed
 * page resumed, and GitHub App installation tokens minted and re-minted before they expire. */
#include <inttypes.h>
#include <stdarg.h>
#include <syslog.h>
#include <time.h>

#include "github_run.h"

/* Statuses delivered to on_page instead of failing the call: each is classified here. */
static const int accepted[] = {401, 403, 404, 409, 422, 429, 0};

/* What a page told about limits and, for a refusal, why. */
struct gh_page_state {
    struct gh_run *r;
    const struct gh_call *c;
    struct gh_answer *a;
    char retry_after[32], remaining[32], reset[32], doc_url[256];
    bool has_retry_after, has_remaining, has_reset;
    int64_t server_now;
    char *resume; /* the URL of the refused page, to resume a paged call there */
};

static void pace_from(struct gh_page_state *st, const struct zt_http_page *p)
{
    char limit[32];
    uint64_t l = 0, rem = 0, reset = 0;

    if (!st->has_remaining || !st->has_reset || zt_parse_uint64(st->remaining, &rem) < 0 ||
        zt_parse_uint64(st->reset, &reset) < 0 || rem > INT32_MAX || reset > INT64_MAX / 2) {
        return;
    }
    if (zt_http_page_header(p, "x-ratelimit-limit", limit, sizeof(limit))) {
        zt_parse_uint64(zt_strstrip(limit), &l);
    }
    uint64_t ms = zt_gh_pace_ms(l > INT32_MAX ? INT32_MAX : (int64_t)l, (int64_t)rem,
                                (int64_t)reset, st->server_now);
    if (ms != st->r->pace_ms) {
        zt_ctx_log(st->r->ctx, LOG_INFO,
                   "%s: %" PRIu64 " requests left until the limit resets: "
                   "one request every %" PRIu64 " ms",
                   st->r->org ? st->r->org : "app", rem, ms);
        st->r->pace_ms = ms;
    }
}

static int on_page(void *data, const struct zt_http_page *p)
{
    struct gh_page_state *st = data;
    char date[64];

    st->a->status = zt_http_page_status(p);
    st->server_now = (int64_t)time(NULL);
    if (zt_http_page_header(p, "Date", date, sizeof(date))) {
        zt_http_parse_date(date, &st->server_now);
    }
    st->has_retry_after =
        zt_http_page_header(p, "retry-after", st->retry_after, sizeof(st->retry_after));
    st->has_remaining =
        zt_http_page_header(p, "x-ratelimit-remaining", st->remaining, sizeof(st->remaining));
    st->has_reset = zt_http_page_header(p, "x-ratelimit-reset", st->reset, sizeof(st->reset));
    pace_from(st, p);
    if (st->a->status >= 200 && st->a->status < 300) {
        return st->c->on_ok ? st->c->on_ok(st->c->data, p) : 0;
    }
    struct json_object *doc = zt_http_page_json(p);
    const char *msg = zt_json_str(doc, "message"), *url = zt_json_str(doc, "documentation_url");
    snprintf(st->a->message, sizeof(st->a->message), "%s", msg ? msg : "");
    snprintf(st->doc_url, sizeof(st->doc_url), "%s", url ? url : "");
    free(st->resume);
    st->resume = zt_xstrdup(zt_http_page_url(p));
    return 1; /* a refusal ends the call: classified by the caller */
}

/* Sleep ms unless that passes the collection's deadline or it is cancelled (-ETIMEDOUT). */
static int gh_sleep(struct gh_run *r, uint64_t ms)
{
    uint64_t deadline = zt_ctx_deadline_usec(r->ctx);
    uint64_t end = zt_now_mono_usec() + zt_ms_to_usec(ms);

    if (deadline && end >= deadline) {
        return -ETIMEDOUT;
    }
    while (zt_now_mono_usec() < end) {
        if (zt_ctx_cancelled(r->ctx)) {
            return -ETIMEDOUT;
        }
        uint64_t left = end - zt_now_mono_usec();
        uint64_t slice = left > 100000u ? 100000u : left;
        nanosleep(&(struct timespec){.tv_nsec = (long)slice * 1000}, NULL);
    }
    return 0;
}

static int one_attempt(struct gh_run *r, const struct gh_call *c, const char *url,
                       struct gh_page_state *st)
{
    _cleanup_(zt_secret_freep) char *auth = NULL;
    _cleanup_(zt_secret_freep) char *jwt = NULL;
    char key[GH_KEY_MAX], err[256];
    struct zt_http_result res = {0};

    if (c->as_app) {
        _cleanup_free_ char *claims = zt_gh_app_claims(r->s->app_id, (int64_t)time(NULL));
        int e = zt_jwt_rs256(r->key_pem, "the GitHub App's private key", claims, &jwt, err,
                             sizeof(err));
        if (e < 0) {
            snprintf(st->a->message, sizeof(st->a->message), "%.*s",
                     (int)sizeof(st->a->message) - 1, err);
            return e;
        }
    }
    auth = zt_xasprintf("Authorization: Bearer %s", c->as_app ? jwt : r->token);
    const char *headers[] = {"Accept: application/vnd.github+json",
                             "X-GitHub-Api-Version: 2022-11-28", auth, NULL};
    snprintf(key, sizeof(key), "github/%s/%s/%s", r->origin, r->org ? r->org : "-", c->family);
    uint64_t now = zt_now_mono_usec();
    if (r->next_start_usec > now) {
        int e = gh_sleep(r, zt_usec_to_ms_ceil(r->next_start_usec - now));
        if (e < 0) {
            snprintf(st->a->message, sizeof(st->a->message),
                     "pacing for the primary rate limit would pass the deadline");
            return e;
        }
    }
    const struct zt_http_request req = {
        .method = c->method,
        .url = url,
        .headers = headers,
        .body = c->body,
        .ca_file = r->s->ca_file,
        .pace_key = key,
        .pace_ms = GH_ENDPOINT_PACE,
        .paging = c->paged ? ZT_PAGING_LINK : ZT_PAGING_NONE,
        .accept_status = accepted,
        .on_page = on_page,
        .userdata = st,
    };
    st->a->status = 0;
    int e = zt_ctx_http(r->ctx, &req, &res);
    r->next_start_usec = zt_now_mono_usec() + zt_ms_to_usec(r->pace_ms);
    if (e < 0) {
        snprintf(st->a->message, sizeof(st->a->message), "%.*s", (int)sizeof(st->a->message) - 1,
                 res.message);
    }
    return e;
}

int zt_gh_call(struct gh_run *r, const struct gh_call *c, struct gh_answer *a)
{
    _cleanup_free_ char *url = zt_xstrdup(c->url);
    struct gh_page_state st = {.r = r, .c = c, .a = a};
    bool reminted = false;

    *a = (struct gh_answer){0};
    for (unsigned attempt = 1; attempt <= GH_ATTEMPTS; attempt++) {
        int e = c->as_app ? 0 : zt_gh_auth(r, false);
        if (e < 0) {
            snprintf(a->message, sizeof(a->message), "no installation token");
        } else {
            e = one_attempt(r, c, url, &st);
        }
        if (e < 0) {
            a->error = e;
            break;
        }
        const struct zt_gh_answer ans = {
            .status = a->status,
            .message = a->message,
            .documentation_url = st.doc_url,
            .retry_after = st.has_retry_after ? st.retry_after : NULL,
            .remaining = st.has_remaining ? st.remaining : NULL,
            .reset = st.has_reset ? st.reset : NULL,
        };
        a->cls = zt_gh_classify(&ans);
        if (a->cls == ZT_GH_RATE_PRIMARY || a->cls == ZT_GH_RATE_SECONDARY) {
            uint64_t ms = zt_gh_wait_ms(a->cls, &ans, st.server_now, attempt);
            zt_ctx_log(r->ctx, LOG_NOTICE, "%s: %s (HTTP %ld): waiting %" PRIu64 " s", r->org,
                       zt_gh_class_to_string(a->cls), a->status,
                       (ms + ZT_MS_PER_SEC - 1) / ZT_MS_PER_SEC);
            if (gh_sleep(r, ms) < 0) {
                a->error = -ETIMEDOUT;
                snprintf(a->message, sizeof(a->message),
                         "%s: GitHub asks to wait %" PRIu64 " s, past the collection's deadline",
                         zt_gh_class_to_string(a->cls), (ms + ZT_MS_PER_SEC - 1) / ZT_MS_PER_SEC);
                break;
            }
            free(url);
            url = zt_xstrdup(st.resume ? st.resume : c->url); /* resume at the refused page */
            continue;
        }
        if (a->cls == ZT_GH_UNAUTHORIZED && r->s->app_id && !c->as_app && !reminted) {
            reminted = true; /* expired or revoked early: mint a new one, once */
            e = zt_gh_auth(r, true);
            if (e < 0) {
                a->error = e;
                break;
            }
            free(url);
            url = zt_xstrdup(st.resume ? st.resume : c->url);
            continue;
        }
        free(st.resume);
        return 0;
    }
    if (a->error == 0) {
        a->error = -EBUSY;
        snprintf(a->message, sizeof(a->message), "still rate limited after %u attempts",
                 GH_ATTEMPTS);
    }
    free(st.resume);
    return a->error;
}

int zt_gh_get(struct gh_run *r, const char *family, struct gh_answer *a,
              int (*on_ok)(void *data, const struct zt_http_page *p), void *data, const char *fmt,
              ...)
{
    va_list ap;
    char path[1024];

    va_start(ap, fmt);
    vsnprintf(path, sizeof(path), fmt, ap);
    va_end(ap);
    _cleanup_free_ char *url = zt_xasprintf("%s%s", r->api, path);
    const struct gh_call c = {.url = url, .family = family, .on_ok = on_ok, .data = data};
    return zt_gh_call(r, &c, a);
}

static int on_id(void *data, const struct zt_http_page *p)
{
    struct json_object *v = NULL;
    if (!json_object_object_get_ex(zt_http_page_json(p), "id", &v) ||
        !json_object_is_type(v, json_type_int) || json_object_get_int64(v) <= 0) {
        return -EBADMSG;
    }
    *(int64_t *)data = json_object_get_int64(v);
    return 0;
}

static int on_token(void *data, const struct zt_http_page *p)
{
    struct gh_run *r = data;
    const char *token = NULL;
    int64_t expires = 0;

    if (zt_gh_token_parse(zt_http_page_json(p), &token, &expires) < 0) {
        return -EBADMSG;
    }
    zt_secret_free(r->token);
    r->token = zt_xstrdup(token);
    r->token_expires = expires;
    r->token_minted = (int64_t)time(NULL);
    return 0;
}

int zt_gh_auth(struct gh_run *r, bool force)
{
    struct gh_answer a;

    if (!r->s->app_id ||
        (r->token && !force && !zt_gh_token_stale(r->token_minted, r->token_expires, time(NULL)))) {
        return 0;
    }
    if (!r->installation) {
        _cleanup_free_ char *url = zt_xasprintf("%s/orgs/%s/installation", r->api, r->org_enc);
        const struct gh_call c = {
            .url = url, .family = "app", .as_app = true, .on_ok = on_id, .data = &r->installation};
        if (zt_gh_call(r, &c, &a) < 0 || a.cls != ZT_GH_OK) {
            return zt_ctx_error(r->ctx, a.error ? a.error : -EACCES,
                                "%s: cannot find the GitHub App's installation (is the App "
                                "installed on the organization, app_id right?): HTTP %ld %s",
                                r->org, a.status, a.message);
        }
    }
    _cleanup_free_ char *url =
        zt_xasprintf("%s/app/installations/%" PRId64 "/access_tokens", r->api, r->installation);
    const struct gh_call c = {.method = ZT_HTTP_POST,
                              .url = url,
                              .body = "{}",
                              .family = "app",
                              .as_app = true,
                              .on_ok = on_token,
                              .data = r};
    if (zt_gh_call(r, &c, &a) < 0 || a.cls != ZT_GH_OK) {
        return zt_ctx_error(r->ctx, a.error ? a.error : -EACCES,
                            "%s: cannot get an installation token: HTTP %ld %s", r->org, a.status,
                            a.message);
    }
    r->installation_tokens++;
    zt_ctx_log(r->ctx, LOG_DEBUG, "%s: installation token valid until %" PRId64, r->org,
               r->token_expires);
    return 0;
}

void zt_gh_problem(struct gh_run *r, const char *what, const struct gh_answer *a)
{
    if (a->error < 0) {
        zt_ctx_error(r->ctx, a->error, "%s: %s: %s", r->org, what, a->message);
    } else {
        zt_ctx_error(r->ctx, a->cls == ZT_GH_DENIED ? -EACCES : -ENODATA,
                     "%s: %s unknown (%s, HTTP %ld): %s", r->org, what,
                     zt_gh_class_to_string(a->cls), a->status, a->message);
    }
}
