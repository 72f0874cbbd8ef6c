/* defender.c - the `defender` collector: Microsoft Defender for Endpoint machines
 * (GET /api/machines), paged with $top/$skip or @odata.nextLink and reduced machine by machine
 * (defender_reduce.c). An empty tenant answers 404: that is an empty list, not an error; a 404
 * on a page a nextLink named is a list cut short, and an error. Then vulnerability management
 * (defender_tvm.c): the exposure score and the vulnerability and software inventory exports,
 * each read whole or left out (the result is then partial). */
#include "defender.h"

#include <inttypes.h>
#include <stddef.h>
#include <time.h>

#define DEFENDER_API_URL      "https://api.securitycenter.microsoft.com"
#define DEFENDER_SCOPE        "https://api.securitycenter.microsoft.com/.default"
#define DEFENDER_PAGE_MAX     10000u /* the API's $top maximum */
#define DEFENDER_MAX_CALLS    1000u  /* $skip windows: 10 million machines at the maximum */
#define DEFENDER_PACE_MS      600u   /* 100 calls per minute per app */
#define DEFENDER_STALE_MAX    3650u
#define DEFENDER_EXPORT_MAX   20000u /* 1 KB records: a page stays well under the body limit */
#define DEFENDER_EXPORT_PACE  2000u  /* each export API allows 30 calls per minute */
#define DEFENDER_EXPORT_PAGES 2000u  /* 40 million records at the maximum page size */

struct defender_state {
    struct zt_ms_auth auth;
    char *api_url;
    char *scope;
    uint64_t stale_days;
    uint64_t page_size;
    uint64_t export_page_size;
};

static const struct zt_option defender_options[] = {
    ZT_MS_AUTH_OPTIONS(struct defender_state, auth),
    {"api_url", ZT_OPT_URL, DEFENDER_API_URL, offsetof(struct defender_state, api_url), 0,
     "Defender for Endpoint API base URL (https://api.security.microsoft.com, geo hosts "
     "eu./us./uk.api.security.microsoft.com, ...)"},
    {"scope", ZT_OPT_STRING, DEFENDER_SCOPE, offsetof(struct defender_state, scope), 0,
     "token scope of the Defender for Endpoint API (WindowsDefenderATP)"},
    {"stale_days", ZT_OPT_UINT, "7", offsetof(struct defender_state, stale_days), 0,
     "an onboarded machine whose lastSeen is older than this many days counts as stale", 1,
     DEFENDER_STALE_MAX},
    {"page_size", ZT_OPT_UINT, "2500", offsetof(struct defender_state, page_size), 0,
     "machines per request ($top, at most 10000)", 1, DEFENDER_PAGE_MAX},
    {"export_page_size", ZT_OPT_UINT, "10000", offsetof(struct defender_state, export_page_size), 0,
     "records per page of the vulnerability and software inventory exports (pageSize)", 1,
     DEFENDER_EXPORT_MAX},
    {.key = NULL},
};

static int defender_check(const void *state, char *err, size_t errlen)
{
    const struct defender_state *s = state;

    if (!s->scope || !s->scope[0]) {
        snprintf(err, errlen, "'scope' must not be empty");
        return -EINVAL;
    }
    return zt_ms_auth_check(&s->auth, err, errlen);
}

struct defender_fetch {
    struct zt_defender_machines machines;
    bool next_gone; /* a page the API linked to answered 404 */
};

static int on_machine(void *data, struct json_object *machine)
{
    struct defender_fetch *f = data;
    zt_defender_machine_item(&f->machines, machine);
    return 0;
}

static int on_machines(void *data, const struct zt_http_page *p)
{
    struct defender_fetch *f = data;
    if (zt_http_page_status(p) == 404 && zt_http_page_index(p) > 0) {
        f->next_gone = true; /* not "no machines": the rest of a list already begun is missing */
        return -ENOENT;
    }
    zt_defender_machines_page(&f->machines, zt_http_page_status(p), zt_http_page_json(p),
                              zt_http_page_items(p));
    return 0;
}

/* A GET of url paged by @odata.nextLink, paced in bucket pace_key. */
static struct zt_http_request mde_request(const struct defender_state *s,
                                          const struct zt_ms_session *sess, const char *url,
                                          const char *pace_key, uint64_t pace_ms, void *userdata)
{
    return (struct zt_http_request){
        .method = ZT_HTTP_GET,
        .url = url,
        .ca_file = s->auth.ca_file,
        .auth = &sess->oauth,
        .paging = ZT_PAGING_ODATA,
        .pace_key = pace_key,
        .pace_ms = pace_ms,
        .userdata = userdata,
    };
}

/* One call from offset skip (following any nextLinks). Returns 0 or a recorded error. */
static int fetch_window(struct zt_ctx *ctx, const struct defender_state *s,
                        const struct zt_ms_session *sess, struct defender_fetch *f, uint64_t skip)
{
    static const int accept_404[] = {404, 0};
    char path[96], pace_key[ZT_MS_TENANT_MAX + 8];
    struct zt_http_result res = {0};

    if (skip) {
        snprintf(path, sizeof(path), "/api/machines?$top=%" PRIu64 "&$skip=%" PRIu64, s->page_size,
                 skip);
    } else {
        snprintf(path, sizeof(path), "/api/machines?$top=%" PRIu64, s->page_size);
    }
    _cleanup_free_ char *url = zt_ms_url(s->api_url, path);
    if (!url) {
        return zt_ctx_error(ctx, -EINVAL, "'api_url' is too long");
    }
    snprintf(pace_key, sizeof(pace_key), "mde/%s",
             zt_ms_tenant(&s->auth) ? zt_ms_tenant(&s->auth) : "-");
    struct zt_http_request req = mde_request(s, sess, url, pace_key, DEFENDER_PACE_MS, f);
    req.accept_status = accept_404;
    req.on_page = on_machines;
    req.items_field = "value";
    req.on_item = on_machine;
    f->machines.saw_next_link = false;
    f->machines.last_page_items = 0;
    int r = zt_ctx_http(ctx, &req, &res);
    if (r < 0 && f->next_gone) {
        return zt_ctx_error(ctx, res.error,
                            "%s: HTTP 404 on a next page the API linked to: the machine list is "
                            "incomplete",
                            res.message);
    }
    if (r < 0) {
        return zt_ctx_error(ctx, res.error, "%s", res.message);
    }
    return 0;
}

/* What the vulnerability management calls fold into. */
struct defender_tvm {
    double score;
    struct zt_defender_vulns vulns;
    struct zt_defender_software software;
    char why[160];
};

static int on_exposure(void *data, const struct zt_http_page *p)
{
    struct defender_tvm *t = data;
    return zt_defender_exposure_page(zt_http_page_json(p), &t->score, t->why, sizeof(t->why));
}

static int on_vuln(void *data, struct json_object *rec)
{
    zt_defender_vuln_item(&((struct defender_tvm *)data)->vulns, rec);
    return 0;
}

static int on_software(void *data, struct json_object *rec)
{
    zt_defender_software_item(&((struct defender_tvm *)data)->software, rec);
    return 0;
}

enum { T_EXPOSURE, T_VULNS, T_SOFTWARE, _T_MAX };

static const struct {
    const char *path; /* the exports take ?pageSize=N */
    const char *permission;
    const char *pace; /* the exports have their own limit each: 30 calls per minute */
    bool export;
} tvm_calls[_T_MAX] = {
    [T_EXPOSURE] = {"/api/exposureScore", "Score.Read.All", "mde", false},
    [T_VULNS] = {"/api/machines/SoftwareVulnerabilitiesByMachine", "Vulnerability.Read.All",
                 "mde-vulns", true},
    [T_SOFTWARE] = {"/api/machines/SoftwareInventoryByMachine", "Software.Read.All", "mde-software",
                    true},
};

/* One vulnerability management call, read whole (every nextLink). Returns 0 or a recorded
 * error; a 403 names the permission the identity lacks. */
static int fetch_tvm(struct zt_ctx *ctx, const struct defender_state *s,
                     const struct zt_ms_session *sess, struct defender_tvm *t, unsigned id)
{
    char path[128], pace_key[ZT_MS_TENANT_MAX + 16];
    struct zt_http_result res = {0};
    const char *tenant = zt_ms_tenant(&s->auth) ? zt_ms_tenant(&s->auth) : "-";

    if (tvm_calls[id].export) {
        snprintf(path, sizeof(path), "%s?pageSize=%" PRIu64, tvm_calls[id].path,
                 s->export_page_size);
    } else {
        snprintf(path, sizeof(path), "%s", tvm_calls[id].path);
    }
    snprintf(pace_key, sizeof(pace_key), "%s/%s", tvm_calls[id].pace, tenant);
    _cleanup_free_ char *url = zt_ms_url(s->api_url, path);
    if (!url) {
        return zt_ctx_error(ctx, -EINVAL, "'api_url' is too long");
    }
    struct zt_http_request req = mde_request(
        s, sess, url, pace_key, tvm_calls[id].export ? DEFENDER_EXPORT_PACE : DEFENDER_PACE_MS, t);
    req.max_pages = DEFENDER_EXPORT_PAGES;
    if (id == T_EXPOSURE) {
        req.on_page = on_exposure;
    } else {
        req.items_field = "value";
        req.on_item = id == T_VULNS ? on_vuln : on_software;
    }
    t->why[0] = '\0';
    if (zt_ctx_http(ctx, &req, &res) == 0) {
        return 0;
    }
    if (res.status == 403) {
        return zt_ctx_error(ctx, res.error,
                            "%s; the identity needs the WindowsDefenderATP application permission "
                            "%s with admin consent (and a Defender for Endpoint Plan 2 or Defender "
                            "Vulnerability Management licence)",
                            res.message, tvm_calls[id].permission);
    }
    return zt_ctx_error(ctx, res.error, "%s%s%s", res.message, t->why[0] ? ": " : "", t->why);
}

/* Exposure score, vulnerabilities and software inventory: each emitted when read whole.
 * Returns 0 or the first recorded error. */
static int defender_tvm(struct zt_ctx *ctx, const struct defender_state *s,
                        const struct zt_ms_session *sess)
{
    struct defender_tvm t = {.vulns = {.now_sec = (int64_t)time(NULL)}};
    int r = 0, e;

    if ((e = fetch_tvm(ctx, s, sess, &t, T_EXPOSURE)) == 0) {
        (void)zt_defender_emit_exposure(ctx, t.score);
    }
    r = e;
    if ((e = fetch_tvm(ctx, s, sess, &t, T_VULNS)) == 0) {
        (void)zt_defender_emit_vulns(ctx, &t.vulns);
    }
    r = r < 0 ? r : e;
    if ((e = fetch_tvm(ctx, s, sess, &t, T_SOFTWARE)) == 0) {
        (void)zt_defender_emit_software(ctx, &t.software);
    }
    zt_defender_software_clear(&t.software);
    return r < 0 ? r : e;
}

static int defender_collect(void *state, struct zt_ctx *ctx)
{
    const struct defender_state *s = state;
    _cleanup_(zt_ms_session_close) struct zt_ms_session sess = {0};
    struct defender_fetch f = {
        .machines = {.now_sec = (int64_t)time(NULL),
                     .stale_sec = s->stale_days * (uint64_t)ZT_MS_SECONDS_DAY},
    };
    char err[512] = "";

    int r = zt_ms_session_open(&sess, &s->auth, s->scope, err, sizeof(err));
    if (r < 0) {
        return zt_ctx_error(ctx, r, "%s", err);
    }
    zt_ms_session_log(ctx, &sess);
    /* $top/$skip windows until a short page, a 404 or server-driven nextLink paging ends it. */
    for (unsigned call = 0;; call++) {
        if (call == DEFENDER_MAX_CALLS) {
            return zt_ctx_error(ctx, -E2BIG, "more than %u pages of %" PRIu64 " machines: stopping",
                                DEFENDER_MAX_CALLS, s->page_size);
        }
        r = fetch_window(ctx, s, &sess, &f, (uint64_t)call * s->page_size);
        if (r < 0) {
            return r; /* nothing emitted: a partial inventory would give wrong shares */
        }
        if (f.machines.empty_404 || f.machines.saw_next_link ||
            f.machines.last_page_items < s->page_size) {
            break;
        }
    }
    r = zt_defender_emit(ctx, &f.machines);
    int e = defender_tvm(ctx, s, &sess);
    return r < 0 ? r : e;
}

const struct zt_collector zt_collector_defender = {
    .name = "defender",
    .summary = "Microsoft Defender for Endpoint machines: onboarded and healthy shares, "
               "freshness, risk score and exposure level; vulnerability management: exposure "
               "score, vulnerabilities by severity and age, end-of-support software",
    .options = defender_options,
    .state_size = sizeof(struct defender_state),
    .flags = ZT_COLLECTOR_USES_HTTP,
    .check = defender_check,
    .collect = defender_collect,
};
