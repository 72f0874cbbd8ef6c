/* okta.c - the `okta` collector: Okta sign-on and authentication policies, authenticators,
 * enrollment policies and device assurance through the Okta management API, with an SSWS API
 * token or an OAuth 2.0 service app (private_key_jwt). Options and collect(); the policy walk is
 * okta_policy.c, the authenticator facts okta_authn.c, the evidence okta_emit.c, stores and
 * automation okta_stores.c, pacing from the rate limit headers okta_pace.c. */
#include <strings.h>

#include "okta.h"

#define OKTA_SCOPES                                                                                \
    "okta.policies.read okta.authenticators.read okta.groups.read okta.deviceAssurance.read "      \
    "okta.apps.read okta.idps.read okta.threatInsights.read"
#define OKTA_URL_MAX  2048u
#define OKTA_ID_MAX   64u
#define OKTA_PAGE_MAX 200u /* pages of one list call */

struct okta_state {
    char *org_url;
    char *api_token_file;
    char *client_id;
    char *private_key_file;
    char *credential;
    char *key_id;
    char *ca_file;
};

#define OPTF(k, t, f, flags, doc)                                                                  \
    {                                                                                              \
        k, t, NULL, offsetof(struct okta_state, f), flags, doc                                     \
    }
#define OPT(k, t, f, doc) OPTF(k, t, f, 0, doc)
static const struct zt_option okta_options[] = {
    {"org_url", ZT_OPT_URL, NULL, offsetof(struct okta_state, org_url), ZT_OPT_REQUIRED,
     "the Okta org, https://acme.okta.com (API under /api/v1, token under /oauth2/v1/token)"},
    OPTF("api_token_file", ZT_OPT_PATH, api_token_file, ZT_OPT_SECRET,
         "file holding an Okta API token (SSWS; owner root or ztmmd, mode 0600)"),
    OPT("client_id", ZT_OPT_STRING, client_id,
        "client id of an OAuth 2.0 service app (private_key_jwt) instead of an API token"),
    OPTF("private_key_file", ZT_OPT_PATH, private_key_file, ZT_OPT_SECRET,
         "PEM RSA private key of the service app (its public key registered on the app)"),
    OPT("credential", ZT_OPT_STRING, credential,
        "systemd credential (LoadCredential=) holding the API token, or with client_id the key"),
    OPT("key_id", ZT_OPT_STRING, key_id,
        "kid of the service app's key (needed when the app has several public keys)"),
    OPT("ca_file", ZT_OPT_PATH, ca_file,
        "PEM trust anchor replacing the system store for these requests"),
    {.key = NULL},
};

static int okta_check(const void *state, char *err, size_t errlen)
{
    const struct okta_state *s = state;

    if (s->client_id) {
        if (!s->client_id[0] || s->api_token_file || !!s->private_key_file + !!s->credential != 1) {
            snprintf(err, errlen,
                     "with 'client_id' set exactly one of 'private_key_file' or 'credential' (the "
                     "key), and no 'api_token_file'");
            return -EINVAL;
        }
    } else if (!!s->api_token_file + !!s->credential != 1 || s->private_key_file || s->key_id) {
        snprintf(err, errlen,
                 "set exactly one of 'api_token_file' or 'credential' (an API token), or "
                 "'client_id' with 'private_key_file' (OAuth service app)");
        return -EINVAL;
    }
    if (strlen(s->org_url) + 64 > OKTA_URL_MAX) {
        snprintf(err, errlen, "'org_url' is too long");
        return -EINVAL;
    }
    return 0;
}

enum okta_call_id {
    C_GROUPS,
    C_SIGNON,
    C_ACCESS,
    C_ENROLL,
    C_AUTHN,
    C_DEVICE,
    C_APPS, /* reduced as they arrive: C_APPS + zt_okta_list */
    C_IDPS,
    C_GROUP_RULES,
    C_THREATS, /* one object */
    _C_FIRST_MAX,
};

struct okta_endpoint {
    const char *path;
    const char *scope; /* named when Okta answers 403 */
    const char *bucket;
};

static const struct okta_endpoint endpoints[_C_FIRST_MAX] = {
    [C_GROUPS] = {"/api/v1/groups?filter=type%20eq%20%22BUILT_IN%22", "okta.groups.read", "groups"},
    [C_SIGNON] = {"/api/v1/policies?type=OKTA_SIGN_ON", "okta.policies.read", "policies"},
    [C_ACCESS] = {"/api/v1/policies?type=ACCESS_POLICY", "okta.policies.read", "policies"},
    [C_ENROLL] = {"/api/v1/policies?type=MFA_ENROLL", "okta.policies.read", "policies"},
    [C_AUTHN] = {"/api/v1/authenticators", "okta.authenticators.read", "authenticators"},
    [C_DEVICE] = {"/api/v1/device-assurances", "okta.deviceAssurance.read", "device-assurances"},
    [C_APPS] = {"/api/v1/apps?limit=200", "okta.apps.read", "apps"},
    [C_IDPS] = {"/api/v1/idps?limit=200", "okta.idps.read", "idps"},
    [C_GROUP_RULES] = {"/api/v1/groups/rules?limit=200", "okta.groups.read", "groups"},
    [C_THREATS] = {"/api/v1/threats/configuration", "okta.threatInsights.read", "threats"},
};

struct okta_run;

/* One call: where its items go. */
struct okta_call {
    struct okta_run *run;
    const char *scope;
    char bucket[OKTA_KEY_MAX];
    struct json_object *into; /* array receiving the elements of each page (borrowed) */
    size_t max;
    int kind;     /* second round: 0 sign-on rules, 1 access rules, 2 Okta Verify methods */
    int first;    /* first round: its okta_call_id */
    bool as_text; /* keep elements as JSON text (rules: many, and a tree costs far more) */
    struct zt_http_result res;
};

struct okta_run {
    const struct okta_state *s;
    struct zt_ctx *ctx;
    struct zt_oauth_config oauth;
    char *token_url;
    char *secret; /* API token or private key PEM (wiped) */
    char *auth_header;
    char *base; /* org_url without trailing slashes */
    char host[256];
    struct json_object *lists[_C_FIRST_MAX];
    struct json_object *rules;   /* policy id -> rules array */
    struct json_object *methods; /* Okta Verify methods */
    struct zt_okta_stores stores;
    bool failed[_C_FIRST_MAX];
    bool rules_failed[2]; /* sign-on, access */
    bool methods_failed;
    int first_err; /* of the first failed call */
    struct zt_okta_paces paces;
};

static void run_close(struct okta_run *r)
{
    for (size_t i = 0; i < _C_FIRST_MAX; i++) {
        json_object_put(r->lists[i]);
    }
    json_object_put(r->rules);
    json_object_put(r->methods);
    zt_okta_stores_clear(&r->stores);
    zt_secret_free(r->secret);
    zt_secret_free(r->auth_header);
    free(r->token_url);
    free(r->base);
}

static int on_page(void *data, const struct zt_http_page *p)
{
    struct okta_call *c = data;
    struct json_object *page = zt_http_page_json(p);

    zt_okta_pace_page(&c->run->paces, c->run->ctx, c->bucket, p);
    if (c->first == C_THREATS) {
        return zt_okta_threats_doc(&c->run->stores, page);
    }
    if (!json_object_is_type(page, json_type_array)) {
        return -EBADMSG; /* every list of the management API is a bare array */
    }
    for (size_t i = 0; i < json_object_array_length(page); i++) {
        if (json_object_array_length(c->into) >= c->max) {
            return -E2BIG;
        }
        struct json_object *e = json_object_array_get_idx(page, i);
        if (c->first >= C_APPS) {
            int k = zt_okta_stores_item(&c->run->stores, c->first - C_APPS, e);
            if (k < 0) {
                return k;
            }
            continue;
        }
        json_object_array_add(c->into, c->as_text
                                           ? json_object_new_string(json_object_to_json_string_ext(
                                                 e, JSON_C_TO_STRING_PLAIN))
                                           : json_object_get(e));
    }
    return 0;
}

static int call_add(struct okta_run *r, struct zt_http_group *g, struct okta_call *c,
                    const char *path, const char *scope, const char *bucket,
                    struct json_object *into, size_t max)
{
    _cleanup_free_ char *url = zt_xasprintf("%s%s", r->base, path);
    const char *headers[] = {r->auth_header, NULL};

    *c = (struct okta_call){.run = r, .scope = scope, .into = into, .max = max};
    snprintf(c->bucket, sizeof(c->bucket), "okta/%s/%s", r->host, bucket);
    struct zt_http_request req = {
        .method = ZT_HTTP_GET,
        .url = url,
        .headers = r->auth_header ? headers : NULL,
        .auth = r->auth_header ? NULL : &r->oauth,
        .ca_file = r->s->ca_file,
        .paging = ZT_PAGING_LINK,
        .max_pages = OKTA_PAGE_MAX,
        .pace_key = c->bucket,
        .on_page = on_page,
        .userdata = c,
    };
    return zt_ctx_http_group_add(r->ctx, g, &req, &c->res);
}

/* Record a failed call: the engine's message, and the scope a 403 usually means is missing. */
static void call_problem(struct okta_run *r, const struct okta_call *c)
{
    if (!r->first_err) {
        r->first_err = c->res.error;
    }
    if (c->res.status == 401) {
        zt_ctx_error(r->ctx, c->res.error, "%s (%s)", c->res.message,
                     r->auth_header ? "the API token is wrong, expired or revoked"
                                    : "the service app's token was refused");
    } else if (c->res.status == 403) {
        zt_ctx_error(r->ctx, c->res.error,
                     "%s (the API token's admin role, or the service app's granted scopes, must "
                     "allow %s)",
                     c->res.message, c->scope);
    } else {
        zt_ctx_error(r->ctx, c->res.error, "%s", c->res.message);
    }
}

static int fetch_first(struct okta_run *r)
{
    struct okta_call calls[_C_FIRST_MAX]; /* before g: the group outlives nothing it points to */
    _cleanup_(zt_http_group_freep) struct zt_http_group *g = NULL;

    int e = zt_ctx_http_group_new(r->ctx, &g);
    if (e < 0) {
        return zt_ctx_error(r->ctx, e, "cannot start HTTP calls: %s", strerror(-e));
    }
    for (size_t i = 0; i < _C_FIRST_MAX; i++) {
        r->lists[i] = json_object_new_array();
        e = call_add(r, g, &calls[i], endpoints[i].path, endpoints[i].scope, endpoints[i].bucket,
                     r->lists[i], OKTA_POLICIES_MAX);
        if (e < 0) {
            return zt_ctx_error(r->ctx, e, "%s", calls[i].res.message);
        }
        calls[i].first = (int)i;
    }
    zt_http_group_wait(g);
    for (size_t i = 0; i < _C_FIRST_MAX; i++) {
        r->failed[i] = calls[i].res.error < 0;
        if (r->failed[i]) {
            call_problem(r, &calls[i]);
        }
    }
    return 0;
}

/* Okta object ids are alphanumeric: refuse anything else before it goes into a URL path. */
static bool id_valid(const char *id)
{
    size_t n = id ? strlen(id) : 0;
    return n > 0 && n < OKTA_ID_MAX &&
           strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == n;
}

/* The rule calls of every active policy of list (kind 0 sign-on, 1 access). */
static int add_rule_calls(struct okta_run *r, struct zt_http_group *g, struct okta_call *calls,
                          size_t *n, size_t cap, int kind)
{
    struct json_object *list = r->lists[kind == 0 ? C_SIGNON : C_ACCESS];

    for (size_t i = 0; i < json_object_array_length(list); i++) {
        struct json_object *p = json_object_array_get_idx(list, i);
        const char *id = zt_json_str(p, "id"), *status = zt_json_str(p, "status");
        if (!status || strcasecmp(status, "ACTIVE") != 0) {
            continue; /* an inactive policy applies to nobody: its rules do not matter */
        }
        if (!id_valid(id) || *n == cap) {
            r->rules_failed[kind] = true;
            zt_ctx_error(r->ctx, -EBADMSG, "%s: policy '%s' has no usable id (or too many)",
                         r->s->org_url, zt_json_str(p, "name") ? zt_json_str(p, "name") : "?");
            continue;
        }
        struct json_object *into = json_object_new_array();
        json_object_object_add(r->rules, id, into);
        _cleanup_free_ char *path = zt_xasprintf("/api/v1/policies/%s/rules", id);
        struct okta_call *c = &calls[*n];
        int e = call_add(r, g, c, path, "okta.policies.read", "policies", into, OKTA_RULES_MAX);
        if (e < 0) {
            return zt_ctx_error(r->ctx, e, "%s", c->res.message);
        }
        c->kind = kind;
        c->as_text = true;
        (*n)++;
    }
    return 0;
}

/* Second round, once the policies are known: the rules of every active sign-on and
 * authentication policy, and the Okta Verify methods (FastPass), all at once. */
static int fetch_second(struct okta_run *r)
{
    size_t cap = 2 * OKTA_POLICIES_MAX + 1, n = 0;
    _cleanup_free_ struct okta_call *calls = zt_xcalloc(cap, sizeof(*calls));
    _cleanup_(zt_http_group_freep) struct zt_http_group *g = NULL; /* freed before calls */
    struct zt_okta_authn probe = {0};

    r->rules = json_object_new_object();
    r->methods = json_object_new_array();
    int e = zt_ctx_http_group_new(r->ctx, &g);
    if (e < 0) {
        return zt_ctx_error(r->ctx, e, "cannot start HTTP calls: %s", strerror(-e));
    }
    for (int kind = 0; kind < 2; kind++) {
        if (!r->failed[kind == 0 ? C_SIGNON : C_ACCESS]) {
            e = add_rule_calls(r, g, calls, &n, cap - 1, kind);
            if (e < 0) {
                return e;
            }
        }
    }
    if (!r->failed[C_AUTHN]) {
        zt_okta_authn_authenticators(&probe, r->lists[C_AUTHN]);
    }
    if (probe.okta_verify && id_valid(probe.okta_verify_id)) {
        _cleanup_free_ char *path =
            zt_xasprintf("/api/v1/authenticators/%s/methods", probe.okta_verify_id);
        e = call_add(r, g, &calls[n], path, "okta.authenticators.read", "authenticators",
                     r->methods, OKTA_RULES_MAX);
        if (e < 0) {
            zt_okta_authn_clear(&probe);
            return zt_ctx_error(r->ctx, e, "%s", calls[n].res.message);
        }
        calls[n++].kind = 2;
    }
    zt_okta_authn_clear(&probe);
    zt_http_group_wait(g);
    for (size_t i = 0; i < n; i++) {
        if (calls[i].res.error < 0) {
            call_problem(r, &calls[i]);
            if (calls[i].kind == 2) {
                r->methods_failed = true;
            } else {
                r->rules_failed[calls[i].kind] = true;
            }
        }
    }
    return 0;
}

/* The id of the built-in Everyone group, or NULL. */
static const char *everyone_group(struct json_object *groups)
{
    for (size_t i = 0; i < json_object_array_length(groups); i++) {
        struct json_object *grp = json_object_array_get_idx(groups, i);
        const char *type = zt_json_str(grp, "type");
        const char *name = zt_json_str(zt_http_json_path(grp, "profile"), "name");
        if (type && name && strcmp(type, "BUILT_IN") == 0 && strcmp(name, "Everyone") == 0) {
            return zt_json_str(grp, "id");
        }
    }
    return NULL;
}

static int derive(struct okta_run *r)
{
    struct zt_okta_walk signon = {0}, access = {0};
    struct zt_okta_authn authn = {0};
    bool have_signon = !r->failed[C_SIGNON] && !r->failed[C_GROUPS] && !r->rules_failed[0];
    bool have_access = !r->failed[C_ACCESS] && !r->rules_failed[1];
    bool have_authn = !r->failed[C_AUTHN] && !r->failed[C_ENROLL] && !r->methods_failed;

    if (have_signon) {
        zt_okta_walk_signon(r->lists[C_SIGNON], r->rules, everyone_group(r->lists[C_GROUPS]),
                            &signon);
    }
    if (have_access) {
        zt_okta_walk_access(r->lists[C_ACCESS], r->rules, &access);
    }
    if (have_authn) {
        zt_okta_authn_authenticators(&authn, r->lists[C_AUTHN]);
        zt_okta_authn_verify_methods(&authn, r->methods);
        zt_okta_authn_enroll(&authn, r->lists[C_ENROLL]);
    }
    int64_t devices =
        r->failed[C_DEVICE] ? -1 : (int64_t)json_object_array_length(r->lists[C_DEVICE]);
    int e = zt_okta_emit(r->ctx, have_signon ? &signon : NULL, have_access ? &access : NULL,
                         have_authn ? &authn : NULL, devices);
    zt_okta_walk_clear(&signon);
    zt_okta_walk_clear(&access);
    zt_okta_authn_clear(&authn);
    bool have[_ZT_OKTA_LIST_MAX] = {!r->failed[C_APPS], !r->failed[C_IDPS],
                                    !r->failed[C_GROUP_RULES]};
    if (e == 0) {
        e = zt_okta_stores_emit(r->ctx, &r->stores, have, !r->failed[C_THREATS]);
    }
    if (e == 0 && !have_signon && !have_access && !have_authn && devices < 0 &&
        !have[ZT_OKTA_APPS] && !have[ZT_OKTA_IDPS] && !have[ZT_OKTA_GROUP_RULES] &&
        r->failed[C_THREATS]) {
        return r->first_err ? r->first_err : -EIO; /* nothing collected: an error, not partial */
    }
    return e;
}

/* Credentials: an SSWS header, or the service app's key for private_key_jwt. */
static int open_auth(struct okta_run *r, char *err, size_t errlen)
{
    const struct okta_state *s = r->s;
    char origin[256];

    if (!zt_http_url_origin(s->org_url, origin, sizeof(origin))) {
        snprintf(err, errlen, "'org_url' %s is not a URL", s->org_url);
        return -EINVAL;
    }
    snprintf(r->host, sizeof(r->host), "%s", origin + strlen("https://"));
    r->base = zt_url_join(s->org_url, "");
    if (!s->client_id) {
        int e = zt_secret_load(s->api_token_file, s->credential, &r->secret, err, errlen);
        if (e < 0) {
            return e;
        }
        r->auth_header = zt_xasprintf("Authorization: SSWS %s", r->secret);
        return 0;
    }
    if (s->credential) {
        int e = zt_secret_load(NULL, s->credential, &r->secret, err, errlen);
        if (e < 0) {
            return e;
        }
    }
    r->token_url = zt_xasprintf("%s/oauth2/v1/token", r->base);
    r->oauth = (struct zt_oauth_config){
        .token_url = r->token_url,
        .client_id = s->client_id,
        .scope = OKTA_SCOPES,
        .key_file = s->private_key_file,
        .key_pem = r->secret,
        .key_id = s->key_id,
        .ca_file = s->ca_file,
    };
    return 0;
}

static int okta_collect(void *state, struct zt_ctx *ctx)
{
    struct okta_run r = {.s = state, .ctx = ctx};
    char err[512] = "";

    int e = open_auth(&r, err, sizeof(err));
    if (e == 0) {
        e = fetch_first(&r);
    } else {
        zt_ctx_error(ctx, e, "%s", err);
    }
    if (e == 0) {
        e = fetch_second(&r);
    }
    if (e == 0) {
        e = derive(&r);
    }
    run_close(&r);
    return e;
}

const struct zt_collector zt_collector_okta = {
    .name = "okta",
    .summary = "Okta: global session and authentication policies (MFA, phishing-resistant "
               "factors, device assurance, re-authentication), authenticators, enrollment, apps "
               "(SSO, vaulting, provisioning), identity providers, group rules, ThreatInsight",
    .options = okta_options,
    .state_size = sizeof(struct okta_state),
    .flags = ZT_COLLECTOR_USES_HTTP,
    .check = okta_check,
    .collect = okta_collect,
};
