/* okta.c - the `okta` collector: Okta sign-on and authentication policies, authenticators,
 * enrollment policies and device assurance through the Okta management API, with an SSWS API
 * token or an OAuth 2.0 service app (private_key_jwt). Options, collect() and derive(); the calls
 * are okta_fetch.c, the policy walk okta_policy.c, the authenticator facts okta_authn.c, the
 * evidence okta_emit.c, stores and automation okta_stores.c and okta_risk.c, pacing okta_pace.c. */
#include <strings.h>

#include "okta_run.h"

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

/* Which stores and risk keys were read in full. */
static struct zt_okta_have stores_have(const struct okta_run *r)
{
    struct zt_okta_have h = {.threats = !r->failed[C_THREATS], .itp = -1};
    size_t i = 0;

    for (size_t l = 0; l < _ZT_OKTA_LIST_MAX; l++) {
        h.list[l] = !r->failed[C_APPS + l];
    }
    h.assignments = h.list[ZT_OKTA_APPS] && !r->assign_failed;
    if (!r->failed[C_ITP] && !r->itp_rules_failed) {
        h.itp = zt_okta_next_active(r->lists[C_ITP], &i) ? 1 : 0;
    }
    return h;
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
    struct zt_okta_have have = stores_have(r);
    if (e == 0) {
        e = zt_okta_stores_emit(r->ctx, &r->stores, &have);
    }
    bool any_store = have.threats || have.itp >= 0;
    for (size_t i = 0; i < _ZT_OKTA_LIST_MAX; i++) {
        any_store |= have.list[i];
    }
    if (e == 0 && !have_signon && !have_access && !have_authn && devices < 0 && !any_store) {
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
        e = zt_okta_fetch_first(&r);
    } else {
        zt_ctx_error(ctx, e, "%s", err);
    }
    if (e == 0) {
        e = zt_okta_fetch_second(&r);
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
               "(SSO, vaulting, provisioning, group assignment), identity providers, group rules, "
               "log streams, behaviour rules, ThreatInsight, Identity Threat Protection",
    .options = okta_options,
    .state_size = sizeof(struct okta_state),
    .flags = ZT_COLLECTOR_USES_HTTP,
    .check = okta_check,
    .collect = okta_collect,
};
