/* oauth.c - OAuth2 client credentials: token requests (secret or signed assertion) and the
 * engine's token cache, one token per (token endpoint, client, scope), refreshed early. A token
 * request is a call like any (groups, retries); calls get their tokens through the token source
 * this file installs into the engine (zt_oauth_attach()), so nothing below names it. */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "http_internal.h"
#include "secret.h"
#include "util.h"

#define REFRESH_MARGIN_SEC 300

struct zt_oauth_cache {
    struct zt_oauth_cache *next;
    char *token_url, *client_id, *scope;
    char *token; /* wiped when replaced or freed */
    uint64_t refresh_at_usec;
    uint64_t gen;
    pthread_mutex_t fetch_lock; /* one fetch per entry at a time (single flight) */
};

/* The token source's state, one per engine. */
struct tokens {
    pthread_mutex_t lock; /* the list and every entry's token, refresh time and generation */
    struct zt_oauth_cache *head;
};

static void wipe_free(char *s)
{
    zt_secret_free(s);
}

static void cache_free(struct zt_oauth_cache *c)
{
    while (c) {
        struct zt_oauth_cache *next = c->next;
        wipe_free(c->token);
        free(c->token_url);
        free(c->client_id);
        free(c->scope);
        pthread_mutex_destroy(&c->fetch_lock);
        free(c);
        c = next;
    }
}

static void tokens_free(void *state)
{
    struct tokens *t = state;

    cache_free(t->head);
    pthread_mutex_destroy(&t->lock);
    free(t);
}

static const struct zt_http_auth_ops oauth_ops = {
    .token = zt_oauth_token,
    .invalidate = zt_oauth_invalidate,
    .free = tokens_free,
};

void zt_oauth_attach(struct zt_http_engine *e)
{
    struct tokens *t = zt_xcalloc(1, sizeof(*t));

    pthread_mutex_init(&t->lock, NULL);
    zt_http_engine_set_auth(e, &oauth_ops, t);
}

/* e's token cache, or NULL when OAuth is not its token source. */
static struct tokens *tokens_of(struct zt_http_engine *e)
{
    void *state = NULL;

    return zt_http_engine_auth(e, &state) == &oauth_ops ? state : NULL;
}

/* Find or create the entry of cfg. Called with the token lock held. */
static struct zt_oauth_cache *entry_get(struct tokens *tk, const struct zt_oauth_config *cfg)
{
    struct zt_oauth_cache **head = &tk->head;
    const char *scope = cfg->scope ? cfg->scope : "";
    const char *client_id = cfg->client_id ? cfg->client_id : ""; /* system-assigned identity */

    for (struct zt_oauth_cache *c = *head; c; c = c->next) {
        if (zt_streq(c->token_url, cfg->token_url) && zt_streq(c->client_id, client_id) &&
            zt_streq(c->scope, scope)) {
            return c;
        }
    }
    struct zt_oauth_cache *c = zt_xcalloc(1, sizeof(*c));
    c->token_url = zt_xstrdup(cfg->token_url);
    c->client_id = zt_xstrdup(client_id);
    c->scope = zt_xstrdup(scope);
    pthread_mutex_init(&c->fetch_lock, NULL);
    c->next = *head;
    *head = c;
    return c;
}

/* Copy the entry's token if it is fresh. Called with the token lock held. */
static bool entry_take(struct zt_oauth_cache *c, char **ret, uint64_t *gen)
{
    if (!c->token || zt_now_mono_usec() >= c->refresh_at_usec) {
        return false;
    }
    *ret = zt_xstrdup(c->token);
    if (gen) {
        *gen = c->gen;
    }
    return true;
}

struct token_reply {
    const struct zt_oauth_config *cfg;
    char *token;
    int64_t expires_in;
    char err[128];
    char challenge[256]; /* Azure Arc: the key file its 401 names */
};

/* Azure Arc's first answer: 401 with "WWW-Authenticate: Basic realm=<key file>". */
static int on_arc_challenge(struct token_reply *t, const struct zt_http_page *p)
{
    char buf[300];
    const char *v = zt_http_page_header(p, "WWW-Authenticate", buf, sizeof(buf));

    if (!v || strncasecmp(v, "Basic realm=", 12) != 0 || strlen(v + 12) >= sizeof(t->challenge)) {
        snprintf(t->err, sizeof(t->err), "401 without a Basic realm challenge");
        return -EACCES;
    }
    snprintf(t->challenge, sizeof(t->challenge), "%s", v + 12);
    return 0;
}

static int on_token_page(void *userdata, const struct zt_http_page *p)
{
    struct token_reply *t = userdata;
    struct json_object *j = zt_http_page_json(p);
    struct json_object *v = zt_http_json_path(j, "access_token");
    struct json_object *type = zt_http_json_path(j, "token_type");

    if (t->cfg->flow == ZT_OAUTH_AZURE_ARC && zt_http_page_status(p) == 401) {
        return on_arc_challenge(t, p);
    }
    if (!v || !json_object_is_type(v, json_type_string) || !json_object_get_string_len(v)) {
        snprintf(t->err, sizeof(t->err), "the token response has no access_token");
        return -EBADMSG;
    }
    if (type && strcasecmp(json_object_get_string(type), "Bearer") != 0) {
        snprintf(t->err, sizeof(t->err), "unsupported token_type '%.32s'",
                 json_object_get_string(type));
        return -EBADMSG;
    }
    t->token = zt_xstrdup(json_object_get_string(v));
    /* Best effort: wipe json-c's copy before the page is freed. */
    explicit_bzero((char *)json_object_get_string(v), (size_t)json_object_get_string_len(v));
    v = zt_http_json_path(j, "expires_in");
    t->expires_in = v ? json_object_get_int64(v) : 3600; /* int, or string in older endpoints */
    struct json_object *on = zt_http_json_path(j, "expires_on");
    if (!v && on) { /* App Service's identity endpoint: only expires_on, Unix seconds as text */
        t->expires_in = json_object_get_int64(on) - (int64_t)time(NULL);
    }
    if (t->expires_in <= 0) {
        t->expires_in = 60;
    }
    if (t->cfg->on_token) {
        t->cfg->on_token(t->cfg->on_token_data, p);
    }
    return 0;
}

/* The form body of a client credentials request (wiped by the caller). */
static int token_form(const struct zt_oauth_config *cfg, char **ret, char *err, size_t errlen)
{
    _cleanup_free_ char *id = zt_http_urlencode(cfg->client_id);
    _cleanup_free_ char *scope = zt_http_urlencode(cfg->scope ? cfg->scope : "");
    _cleanup_(zt_secret_freep) char *cred = NULL;
    _cleanup_(zt_secret_freep) char *enc = NULL;

    if (cfg->client_secret) {
        enc = zt_http_urlencode(cfg->client_secret);
        cred = zt_xasprintf("client_secret=%s", enc);
    } else {
        _cleanup_(zt_secret_freep) char *jwt = NULL;
        int r = cfg->assertion_file ? zt_oauth_federated_assertion(cfg, &jwt, err, errlen)
                                    : zt_oauth_client_assertion(cfg, &jwt, err, errlen);
        if (r < 0) {
            return r;
        }
        enc = zt_http_urlencode(jwt);
        cred = zt_xasprintf("client_assertion_type=urn%%3Aietf%%3Aparams%%3Aoauth%%3Aclient-"
                            "assertion-type%%3Ajwt-bearer&client_assertion=%s",
                            enc);
    }
    *ret = zt_xasprintf("grant_type=client_credentials&client_id=%s&scope=%s&%s", id, scope, cred);
    return 0;
}

/* POST the client credentials grant to cfg->token_url; counts attempts through on_attempt. */
static int token_send(struct zt_http_engine *e, const struct zt_http_request *in,
                      struct token_reply *t, const struct zt_oauth_wait *w, char *err,
                      size_t errlen);

/* The managed identity token request of cfg: the endpoint's URL with api-version, resource (the
 * scope without "/.default") and the user-assigned identity's client_id, and the header that
 * proves the caller runs on the host (Metadata: true, or App Service's X-IDENTITY-HEADER). */
static int identity_request(const struct zt_oauth_config *cfg, char **url, char **header, char *err,
                            size_t errlen)
{
    bool imds = cfg->flow != ZT_OAUTH_AZURE_APP_SERVICE; /* IMDS and Arc: Metadata: true */
    const char *api = cfg->flow == ZT_OAUTH_AZURE_ARC    ? "2019-11-01"
                      : cfg->flow == ZT_OAUTH_AZURE_IMDS ? "2018-02-01"
                                                         : "2019-08-01";
    const char *scope = cfg->scope ? cfg->scope : "";
    size_t n = strlen(scope);

    if (!cfg->token_url || (!imds && !cfg->identity_header)) {
        snprintf(err, errlen, "managed identity needs its endpoint%s", imds ? "" : " and header");
        return -EINVAL;
    }
    if (n >= 9 && strcmp(scope + n - 9, "/.default") == 0) {
        n -= 9;
    }
    _cleanup_free_ char *resource = zt_xstrndup(scope, n);
    _cleanup_free_ char *res = zt_http_urlencode(resource);
    _cleanup_free_ char *id = cfg->client_id ? zt_http_urlencode(cfg->client_id) : NULL;
    *url = zt_xasprintf("%s%capi-version=%s&resource=%s%s%s", cfg->token_url,
                        strchr(cfg->token_url, '?') ? '&' : '?', api, res, id ? "&client_id=" : "",
                        id ? id : "");
    *header = imds ? zt_xstrdup("Metadata: true")
                   : zt_xasprintf("X-IDENTITY-HEADER: %s", cfg->identity_header);
    return 0;
}

/* Azure Arc's second request: the challenge's key file (in cfg->arc_key_dir only, named *.key,
 * at most 4 KiB, as the Azure SDKs check) as "Authorization: Basic <key>". */
static int arc_answer(struct zt_http_engine *e, const struct zt_http_request *first,
                      struct token_reply *t, const struct zt_oauth_wait *w, char *err,
                      size_t errlen)
{
    const char *dir = t->cfg->arc_key_dir, *path = t->challenge;
    size_t n = dir ? strlen(dir) : 0, len = 0;
    _cleanup_(zt_secret_freep) char *key = NULL;
    _cleanup_(zt_secret_freep) char *auth = NULL;

    if (!dir || strncmp(path, dir, n) != 0 || path[n] != '/' || strchr(path + n + 1, '/') ||
        !zt_endswith(path, ".key")) {
        snprintf(err, errlen, "the Azure Arc challenge names %s, not a .key file in %s", path,
                 dir ? dir : "(none)");
        return -EPERM;
    }
    int r = zt_read_file(path, 4096, &key, &len);
    if (r < 0) {
        snprintf(err, errlen, "cannot read the Azure Arc key file %s: %s", path, strerror(-r));
        return r;
    }
    key[strcspn(key, "\r\n")] = '\0';
    auth = zt_xasprintf("Authorization: Basic %s", key);
    const char *headers[] = {first->headers[0], auth, NULL};
    struct zt_http_request req = *first;
    req.headers = headers;
    req.accept_status = NULL;
    req.raw = false;
    return token_send(e, &req, t, w, err, errlen);
}

static int token_fetch(struct zt_http_engine *e, const struct zt_oauth_config *cfg,
                       struct token_reply *t, const struct zt_oauth_wait *w, char *err,
                       size_t errlen)
{
    _cleanup_(zt_secret_freep) char *form = NULL;
    _cleanup_free_ char *url = NULL;
    _cleanup_(zt_secret_freep) char *header = NULL;
    struct zt_http_request req = {
        .method = ZT_HTTP_POST,
        .url = cfg->token_url,
        .content_type = "application/x-www-form-urlencoded",
        .sensitive = true,
        .ca_file = cfg->ca_file,
        .on_page = on_token_page,
        .userdata = t,
    };
    int r;

    if (cfg->flow != ZT_OAUTH_CLIENT_CREDENTIALS) {
        r = identity_request(cfg, &url, &header, err, errlen);
        if (r < 0) {
            return r;
        }
        static const int challenge[] = {401, 0};
        const char *headers[] = {header, NULL};
        req = (struct zt_http_request){.url = url,
                                       .headers = headers,
                                       .credential_http = true,
                                       .sensitive = true,
                                       .ca_file = cfg->ca_file,
                                       .on_page = on_token_page,
                                       .userdata = t};
        if (cfg->flow == ZT_OAUTH_AZURE_ARC) {
            req.accept_status = challenge;
            req.raw = true; /* the challenge's body is not ours to parse */
        }
        r = token_send(e, &req, t, w, err, errlen);
        if (r < 0 || t->token || cfg->flow != ZT_OAUTH_AZURE_ARC) {
            return r;
        }
        return arc_answer(e, &req, t, w, err, errlen);
    }
    if (!cfg->token_url || !cfg->client_id ||
        (!cfg->client_secret && !cfg->cert_file && !cfg->key_file && !cfg->key_pem &&
         !cfg->assertion_file)) {
        snprintf(err, errlen, "OAuth needs token_url, client_id and a secret, certificate or key");
        return -EINVAL;
    }
    r = token_form(cfg, &form, err, errlen);
    if (r < 0) {
        return r;
    }
    req.body = form;
    return token_send(e, &req, t, w, err, errlen);
}

/* Run the token request req as a call of its own, bounded as w says. */
static int token_send(struct zt_http_engine *e, const struct zt_http_request *in,
                      struct token_reply *t, const struct zt_oauth_wait *w, char *err,
                      size_t errlen)
{
    static const struct zt_oauth_wait unbounded = {0};
    _cleanup_(zt_http_group_freep) struct zt_http_group *g = NULL;
    struct zt_http_request req = *in;
    struct zt_http_result res;
    int r;

    if (!w) {
        w = &unbounded;
    }
    req.deadline_usec = w->deadline_usec;
    req.cancelled = w->cancelled;
    req.cancel_data = w->cancel_data;
    zt_http_group_new(e, w->on_attempt, w->data, &g);
    r = zt_http_group_add(g, &req, &res);
    if (r == 0) {
        r = zt_http_group_wait(g);
    }
    if (r < 0) {
        snprintf(err, errlen, "%s%s%s", res.message, t->err[0] ? ": " : "", t->err);
    }
    return r;
}

int zt_oauth_token(struct zt_http_engine *e, const struct zt_oauth_config *cfg,
                   const struct zt_oauth_wait *w, char **ret, uint64_t *gen, char *err,
                   size_t errlen)
{
    struct tokens *tk = tokens_of(e);
    struct token_reply t = {.cfg = cfg};

    if (!tk) {
        snprintf(err, errlen, "this HTTP engine has no OAuth token cache");
        return -ENOKEY;
    }
    if (!cfg->token_url || (!cfg->client_id && cfg->flow == ZT_OAUTH_CLIENT_CREDENTIALS)) {
        snprintf(err, errlen, "OAuth needs token_url and client_id");
        return -EINVAL;
    }
    pthread_mutex_t *lock = &tk->lock;
    pthread_mutex_lock(lock);
    struct zt_oauth_cache *c = entry_get(tk, cfg);
    bool hit = entry_take(c, ret, gen);
    pthread_mutex_unlock(lock);
    if (hit) {
        return 0;
    }
    pthread_mutex_lock(&c->fetch_lock);
    pthread_mutex_lock(lock);
    hit = entry_take(c, ret, gen); /* another thread may have fetched it meanwhile */
    pthread_mutex_unlock(lock);
    int r = hit ? 0 : token_fetch(e, cfg, &t, w, err, errlen);
    if (!hit && r == 0) {
        int64_t margin =
            t.expires_in >= 2 * REFRESH_MARGIN_SEC ? REFRESH_MARGIN_SEC : t.expires_in / 2;
        pthread_mutex_lock(lock);
        wipe_free(c->token);
        c->token = t.token;
        c->refresh_at_usec =
            zt_now_mono_usec() + (uint64_t)(t.expires_in - margin) * ZT_USEC_PER_SEC;
        c->gen++;
        if (!entry_take(
                c, ret,
                gen)) { /* expires_in so short the token is already due: use it once anyway */
            *ret = zt_xstrdup(c->token);
            if (gen) {
                *gen = c->gen;
            }
        }
        pthread_mutex_unlock(lock);
    }
    pthread_mutex_unlock(&c->fetch_lock);
    return r;
}

void zt_oauth_invalidate(struct zt_http_engine *e, const struct zt_oauth_config *cfg, uint64_t gen)
{
    struct tokens *tk = tokens_of(e);

    if (!tk) {
        return;
    }
    pthread_mutex_lock(&tk->lock);
    struct zt_oauth_cache *c = entry_get(tk, cfg);
    if (c->gen == gen && c->token) {
        wipe_free(c->token);
        c->token = NULL;
    }
    pthread_mutex_unlock(&tk->lock);
}
