/* github.c - the `github` collector: how software is built and tested in GitHub organizations
 * (default branch rules and protection, code scanning, secret scanning, Dependabot, Actions
 * policy, 2FA and SAML SSO), through the REST API as a GitHub App (installation token per
 * organization) or with a fine-grained token. Options and collect(); the request layer is
 * github_fetch.c, the walk github_org.c and github_repo.c, the facts github_parse.c,
 * github_fold.c and github_emit.c. */
#include <inttypes.h>
#include <syslog.h>
#include <time.h>

#include "github_run.h"

#define GH_URL_MAX  1024u
#define GH_ORGS_MAX 64u

#define OPT(k, t, f, doc)                                                                          \
    {                                                                                              \
        k, t, NULL, offsetof(struct gh_state, f), 0, doc                                           \
    }
static const struct zt_option gh_options[] = {
    {"organizations", ZT_OPT_STRLIST, NULL, offsetof(struct gh_state, organizations),
     ZT_OPT_REQUIRED, "the organizations to assess (logins: acme, acme-labs)"},
    {"api_url", ZT_OPT_URL, ZT_GH_API_URL, offsetof(struct gh_state, api_url), 0,
     "REST API base: https://api.github.com, or https://HOST/api/v3 for GitHub Enterprise Server"},
    OPT("app_id", ZT_OPT_STRING, app_id,
        "GitHub App id (or client id) to authenticate as, with its private key"),
    OPT("private_key_file", ZT_OPT_PATH, private_key_file,
        "PEM private key of the GitHub App (owner root or ztmmd, mode 0600)"),
    OPT("token_file", ZT_OPT_PATH, token_file,
        "file holding a fine-grained personal access token instead of an App"),
    OPT("credential", ZT_OPT_STRING, credential,
        "systemd credential (LoadCredential=) holding the token, or with app_id the private key"),
    OPT("ca_file", ZT_OPT_PATH, ca_file,
        "PEM trust anchor replacing the system store for these requests"),
    {"alerts", ZT_OPT_BOOL, "yes", offsetof(struct gh_state, alerts), 0,
     "count open code scanning, secret scanning and Dependabot alerts of each organization"},
    {"alert_age_days", ZT_OPT_UINT, "30", offsetof(struct gh_state, alert_age_days), 0,
     "an open alert older than this many days counts as old", 1, 3650},
    {.key = NULL},
};

/* An organization login: letters, digits and single hyphens, at most 39 characters. */
static bool login_ok(const char *s)
{
    size_t n = strlen(s);
    return n > 0 && n <= 39 && s[0] != '-' &&
           strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == n;
}

static int gh_check(const void *state, char *err, size_t errlen)
{
    const struct gh_state *s = state;

    if (s->app_id) {
        if (!s->app_id[0] || strlen(s->app_id) > 64 || s->token_file ||
            !!s->private_key_file + !!s->credential != 1) {
            snprintf(err, errlen,
                     "with 'app_id' set exactly one of 'private_key_file' or 'credential' (the "
                     "App's key), and no 'token_file'");
            return -EINVAL;
        }
    } else if (!!s->token_file + !!s->credential != 1 || s->private_key_file) {
        snprintf(err, errlen,
                 "set 'app_id' with 'private_key_file' (GitHub App), or exactly one of "
                 "'token_file' or 'credential' (a fine-grained token)");
        return -EINVAL;
    }
    if (s->organizations.n == 0 || s->organizations.n > GH_ORGS_MAX) {
        snprintf(err, errlen, "'organizations' must name 1 to %u organizations", GH_ORGS_MAX);
        return -EINVAL;
    }
    for (size_t i = 0; i < s->organizations.n; i++) {
        if (!login_ok(s->organizations.v[i])) {
            snprintf(err, errlen, "'organizations': '%.64s' is not an organization login",
                     s->organizations.v[i]);
            return -EINVAL;
        }
    }
    if (strlen(s->api_url) > GH_URL_MAX) {
        snprintf(err, errlen, "'api_url' is too long");
        return -EINVAL;
    }
    return 0;
}

/* GraphQL lives beside the REST API: /graphql on api.github.com, /api/graphql on a server. */
static char *graphql_url(const char *api)
{
    size_t n = strlen(api);
    if (n >= 7 && zt_endswith(api, "/api/v3")) {
        return zt_xasprintf("%.*s/api/graphql", (int)(n - 7), api);
    }
    return zt_xasprintf("%s/graphql", api);
}

static int open_run(struct gh_run *r)
{
    const struct gh_state *s = r->s;
    char err[640] = "";
    char *secret = NULL;

    int e = zt_secret_load(s->app_id ? s->private_key_file : s->token_file, s->credential, &secret,
                           err, sizeof(err));
    if (e < 0) {
        return zt_ctx_error(r->ctx, e, "%s", err);
    }
    if (s->app_id) {
        r->key_pem = secret;
    } else {
        r->token = secret;
    }
    r->api = zt_url_join(s->api_url, "");
    r->graphql = graphql_url(r->api);
    if (!zt_http_url_origin(r->api, r->origin, sizeof(r->origin))) {
        snprintf(r->origin, sizeof(r->origin), "%s", "api");
    }
    r->orgs = zt_xcalloc(s->organizations.n, sizeof(*r->orgs));
    zt_gh_alerts_init(&r->alerts, (int64_t)time(NULL), s->alert_age_days * 86400);
    return 0;
}

static void close_run(struct gh_run *r)
{
    zt_secret_free(r->key_pem);
    zt_secret_free(r->token);
    free(r->api);
    free(r->graphql);
    free(r->org_enc);
    free(r->orgs);
}

static int gh_collect(void *state, struct zt_ctx *ctx)
{
    const struct gh_state *s = state;
    struct gh_run r = {.s = s, .ctx = ctx};
    size_t failed = 0;
    int first_err = 0;

    int e = open_run(&r);
    for (size_t i = 0; e == 0 && i < s->organizations.n && !zt_ctx_cancelled(ctx); i++) {
        r.org = s->organizations.v[i];
        free(r.org_enc);
        r.org_enc = zt_http_urlencode(r.org);
        r.installation = 0;
        if (s->app_id) {
            zt_secret_free(r.token); /* one installation token per organization */
            r.token = NULL;
            int a = zt_gh_auth(&r, false);
            if (a < 0) {
                zt_gh_org_init(&r.orgs[r.n_orgs++]);
                r.unknown.repos = true;
                memset(r.unknown.alerts, 1, sizeof(r.unknown.alerts));
                first_err = first_err ? first_err : a;
                failed++;
                continue;
            }
        }
        int w = zt_gh_org_walk(&r, &r.orgs[r.n_orgs++]);
        if (w < 0) {
            first_err = first_err ? first_err : w;
            failed++;
        }
    }
    if (e == 0 && failed == s->organizations.n) {
        e = first_err; /* no organization could be read: an error, not a partial result */
    }
    if (e == 0 && zt_ctx_cancelled(ctx)) {
        e = -ETIMEDOUT;
    }
    if (e == 0) {
        zt_ctx_log(ctx, LOG_INFO,
                   "%zu organizations, %" PRIu64 " repositories listed (%" PRIu64
                   " archived, %" PRIu64 " forks), %" PRIu64 " installation tokens",
                   r.n_orgs, r.repos.listed, r.repos.archived, r.repos.forks,
                   r.installation_tokens);
        e = zt_gh_emit(ctx, r.orgs, (const char *const *)s->organizations.v, r.n_orgs, &r.repos,
                       &r.alerts, &r.unknown);
    }
    close_run(&r);
    return e;
}

const struct zt_collector zt_collector_github = {
    .name = "github",
    .summary = "GitHub organizations: default branch rules and protection, code scanning, secret "
               "scanning, Dependabot, Actions policy, 2FA and SAML SSO",
    .options = gh_options,
    .state_size = sizeof(struct gh_state),
    .default_timeout_ms = 60u * 60u * ZT_MS_PER_SEC,
    .flags = ZT_COLLECTOR_USES_HTTP,
    .check = gh_check,
    .collect = gh_collect,
};
