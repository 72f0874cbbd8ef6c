/* crowdstrike.c - the `crowdstrike` collector: CrowdStrike Falcon hosts (sensor freshness, reduced
 * functionality mode, prevention policy applied) and Zero Trust Assessment scores through the
 * Falcon API, with an OAuth2 client credentials token (201, X-CS-Region names the cloud to use).
 * Options and collect(); the calls are crowdstrike_fetch.c, the facts crowdstrike_reduce.c. */
#include <inttypes.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>

#include "crowdstrike_run.h"

#define CS_STALE_MAX 3650u
#define CS_URL_MAX   1024u

static const struct zt_option cs_options[] = {
    {"base_url", ZT_OPT_URL, ZT_CS_BASE_URL, offsetof(struct cs_state, base_url), 0,
     "Falcon API base URL of the cloud (https://api.us-2.crowdstrike.com, "
     "https://api.eu-1.crowdstrike.com, https://api.laggar.gcw.crowdstrike.com, ...)"},
    {"client_id", ZT_OPT_STRING, NULL, offsetof(struct cs_state, client_id), ZT_OPT_REQUIRED,
     "client id of the Falcon API client (scopes Hosts: Read, Zero Trust Assessment: Read)"},
    {"client_secret_file", ZT_OPT_PATH, NULL, offsetof(struct cs_state, client_secret_file),
     ZT_OPT_SECRET, "file holding the API client's secret (owner root or ztmmd, mode 0600)"},
    {"credential", ZT_OPT_STRING, NULL, offsetof(struct cs_state, credential), 0,
     "systemd credential (LoadCredential=) holding the API client's secret"},
    {"ca_file", ZT_OPT_PATH, NULL, offsetof(struct cs_state, ca_file), 0,
     "PEM trust anchor replacing the system store for these requests"},
    {"follow_region", ZT_OPT_BOOL, "yes", offsetof(struct cs_state, follow_region), 0,
     "use the cloud the token endpoint names in X-CS-Region (only from a documented base_url, "
     "or to a region_urls entry)"},
    {"region_urls", ZT_OPT_STRLIST, NULL, offsetof(struct cs_state, region_urls), 0,
     "region=URL pairs replacing the documented base URL of a region (proxies, tests)"},
    {"stale_days", ZT_OPT_UINT, "7", offsetof(struct cs_state, stale_days), 0,
     "a host whose last_seen is older than this many days counts as stale", 1, CS_STALE_MAX},
    {"page_size", ZT_OPT_UINT, "2500", offsetof(struct cs_state, page_size), 0,
     "host ids per scroll page and per details request (at most 5000)", 1, ZT_CS_PAGE_MAX},
    {"zta", ZT_OPT_BOOL, "yes", offsetof(struct cs_state, zta), 0,
     "read Zero Trust Assessment scores (needs the ZTA scope)"},
    {"zta_min_score", ZT_OPT_UINT, "70", offsetof(struct cs_state, zta_min_score), 0,
     "the Zero Trust Assessment overall score (1-100) a host must reach to count as meeting it", 1,
     100},
    {.key = NULL},
};

/* region=https://... with a region name of letters, digits and '-'. */
/* What a Falcon region name ("us-2", "eu-1") is made of. */
#define REGION_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-"

static bool region_url_valid(const char *s)
{
    size_t n = strspn(s, REGION_CHARS);
    return n > 0 && n < ZT_CS_REGION_MAX && s[n] == '=' && zt_startswith(s + n + 1, "https://") &&
           strlen(s + n + 1) > strlen("https://") && strlen(s) < CS_URL_MAX;
}

static int cs_check(const void *state, char *err, size_t errlen)
{
    const struct cs_state *s = state;

    if (!!s->client_secret_file + !!s->credential != 1) {
        snprintf(err, errlen, "set exactly one of 'client_secret_file' or 'credential'");
        return -EINVAL;
    }
    if (!s->client_id[0] || strlen(s->client_id) > 128) {
        snprintf(err, errlen, "'client_id' must be 1 to 128 characters");
        return -EINVAL;
    }
    if (strlen(s->base_url) > CS_URL_MAX) {
        snprintf(err, errlen, "'base_url' is too long");
        return -EINVAL;
    }
    for (size_t i = 0; i < s->region_urls.n; i++) {
        if (!region_url_valid(s->region_urls.v[i])) {
            snprintf(err, errlen, "'region_urls' entry '%.64s' is not region=https://...",
                     s->region_urls.v[i]);
            return -EINVAL;
        }
    }
    return 0;
}

static void on_token(void *data, const struct zt_http_page *p)
{
    struct cs_run *r = data;
    char buf[ZT_CS_REGION_MAX];

    if (r->region[0] || !zt_http_page_header(p, "X-CS-Region", buf, sizeof(buf))) {
        return;
    }
    const char *v = zt_strstrip(buf);
    /* A region name ("us-2", "eu-1"): anything else is not used, logged or kept in evidence. */
    if (*v && strspn(v, REGION_CHARS) == strlen(v)) {
        snprintf(r->region, sizeof(r->region), "%s", v);
    }
}

/* The token (201 from POST /oauth2/token) and, from its X-CS-Region, the cloud to call. */
static int open_session(struct cs_run *r)
{
    const struct cs_state *s = r->s;
    _cleanup_(zt_secret_freep) char *token = NULL;
    char err[640] = "";

    int e = zt_secret_load(s->client_secret_file, s->credential, &r->secret, err, sizeof(err));
    if (e < 0) {
        return zt_ctx_error(r->ctx, e, "%s", err);
    }
    _cleanup_free_ char *base = zt_url_join(s->base_url, "");
    r->token_url = zt_xasprintf("%s/oauth2/token", base);
    r->oauth = (struct zt_oauth_config){
        .token_url = r->token_url,
        .client_id = s->client_id,
        .client_secret = r->secret,
        .ca_file = s->ca_file,
        .on_token = on_token,
        .on_token_data = r,
    };
    e = zt_ctx_oauth_token(r->ctx, &r->oauth, &token, err, sizeof(err));
    if (e < 0) {
        const char *why = strstr(err, "HTTP 401:")   ? " (wrong client_id or client secret, or the "
                                                       "API client was deleted or its secret reset)"
                          : strstr(err, "HTTP 403:") ? " (refused: is this host's address in the "
                                                       "API client's IP allowlist?)"
                                                     : "";
        return zt_ctx_error(r->ctx, e, "cannot get a Falcon API token%s: %s", why, err);
    }
    const char *target =
        s->follow_region
            ? zt_cs_region_target(r->region, base, (const char *const *)s->region_urls.v,
                                  s->region_urls.n)
            : NULL;
    r->api = zt_url_join(target ? target : base, "");
    if (target && strcasecmp(r->api, base) != 0) {
        zt_ctx_log(r->ctx, LOG_INFO, "the token endpoint names region %s: calling %s", r->region,
                   r->api);
    } else if (r->region[0] && s->follow_region && !zt_cs_region_url(r->region)) {
        zt_ctx_log(r->ctx, LOG_NOTICE, "unknown region '%s' in X-CS-Region: staying on %s",
                   r->region, r->api);
    } else if (r->region[0] && s->follow_region && !target &&
               strcasecmp(zt_cs_region_url(r->region), base) != 0) {
        zt_ctx_log(r->ctx, LOG_INFO,
                   "X-CS-Region names %s, but base_url %s is not a documented Falcon URL: staying "
                   "on it (region_urls = %s=URL follows the region through a proxy)",
                   r->region, base, r->region);
    }
    char origin[256];
    snprintf(r->pace_key, sizeof(r->pace_key), "falcon/%s",
             zt_http_url_origin(r->api, origin, sizeof(origin)) ? origin : r->api);
    return 0;
}

static int derive(struct cs_run *r)
{
    struct cs_failed f;
    int e = 0;

    zt_cs_problems(r, &f);
    if (!f.hosts) {
        struct json_object *d = json_object_new_object();
        json_object_object_add(d, "region",
                               r->region[0] ? json_object_new_string(r->region) : NULL);
        json_object_object_add(d, "api_url", json_object_new_string(r->api));
        e = zt_cs_hosts_emit(r->ctx, &r->hosts, d);
    }
    if (e == 0 && r->s->zta && !f.zta) {
        e = zt_cs_zta_emit(r->ctx, &r->zta, f.hosts ? -1 : (int64_t)r->hosts.total);
        if (e == -EBADMSG) { /* counts that contradict each other: nothing to trust */
            zt_ctx_error(r->ctx, e,
                         "%s/zero-trust-assessment: %" PRId64
                         " hosts meet the minimum score of %" PRIu64 " but only %" PRId64
                         " are assessed",
                         r->api, r->zta.meets, r->zta.min_score, r->zta.assessed);
            f.zta = true;
            e = 0;
        }
    }
    if (e == 0 && f.hosts && (f.zta || !r->s->zta)) {
        return f.first_err ? f.first_err : -EIO; /* nothing collected: an error, not partial */
    }
    return e;
}

static int cs_collect(void *state, struct zt_ctx *ctx)
{
    const struct cs_state *s = state;
    struct cs_run r = {.s = s, .ctx = ctx};

    zt_cs_hosts_init(&r.hosts, (int64_t)time(NULL), s->stale_days * 86400);
    zt_cs_zta_init(&r.zta, s->zta_min_score);
    int e = open_session(&r);
    if (e == 0) {
        e = zt_cs_fetch(&r);
        if (e < 0) {
            zt_ctx_error(ctx, e, "cannot start HTTP calls: %s", strerror(-e));
        }
    }
    if (e == 0) {
        e = derive(&r);
    }
    zt_cs_fetch_close(&r);
    zt_secret_free(r.secret);
    free(r.token_url);
    free(r.api);
    return e;
}

const struct zt_collector zt_collector_crowdstrike = {
    .name = "crowdstrike",
    .summary = "CrowdStrike Falcon: sensor coverage and freshness, reduced functionality mode, "
               "prevention policy applied, Zero Trust Assessment scores",
    .options = cs_options,
    .state_size = sizeof(struct cs_state),
    .flags = ZT_COLLECTOR_USES_HTTP,
    .check = cs_check,
    .collect = cs_collect,
};
