/* intune.c - the `intune` collector: Microsoft Intune managed devices and compliance policies
 * through Graph, fetched concurrently and reduced page by page (intune_reduce.c). */
#include "intune.h"

#include <stddef.h>
#include <time.h>

#define INTUNE_GRAPH_URL      "https://graph.microsoft.com"
#define INTUNE_STALE_DAYS_MAX 3650u
#define INTUNE_DEVICES_PATH                                                                        \
    "/v1.0/deviceManagement/managedDevices?$select=id,operatingSystem,complianceState,"            \
    "isEncrypted,jailBroken,lastSyncDateTime"
#define INTUNE_POLICIES_PATH "/v1.0/deviceManagement/deviceCompliancePolicies?$expand=assignments"

struct intune_state {
    struct zt_ms_auth auth;
    char *graph_url;
    char *scope;
    uint64_t stale_days;
};

static const struct zt_option intune_options[] = {
    ZT_MS_AUTH_OPTIONS(struct intune_state, auth),
    {"graph_url", ZT_OPT_URL, INTUNE_GRAPH_URL, offsetof(struct intune_state, graph_url), 0,
     "Microsoft Graph base URL (sovereign clouds: https://graph.microsoft.us, ...)"},
    {"scope", ZT_OPT_STRING, NULL, offsetof(struct intune_state, scope), 0,
     "token scope; default <origin of graph_url>/.default"},
    {"stale_days", ZT_OPT_UINT, "30", offsetof(struct intune_state, stale_days), 0,
     "a device not synced for this many days counts as stale"},
    {.key = NULL},
};

static int intune_check(const void *state, char *err, size_t errlen)
{
    const struct intune_state *s = state;

    if (s->stale_days < 1 || s->stale_days > INTUNE_STALE_DAYS_MAX) {
        snprintf(err, errlen, "'stale_days' must be between 1 and %u", INTUNE_STALE_DAYS_MAX);
        return -EINVAL;
    }
    return zt_ms_auth_check(&s->auth, err, errlen);
}

/* What the page callbacks of one collection fold into. */
struct intune_fetch {
    struct zt_intune_devices devices;
    struct zt_intune_policies policies;
    char policies_err[256];
};

static void intune_fetch_clear(struct intune_fetch *f)
{
    zt_intune_policies_clear(&f->policies);
}

static int on_device(void *data, struct json_object *dev)
{
    struct intune_fetch *f = data;
    zt_intune_device_item(&f->devices, dev);
    return 0;
}

static int on_policies(void *data, const struct zt_http_page *p)
{
    struct intune_fetch *f = data;
    return zt_intune_policies_page(&f->policies, zt_http_page_json(p), f->policies_err,
                                   sizeof(f->policies_err));
}

/* Record a failed call: the engine's message (method, URL, reason) plus ours, if any. */
static int call_error(struct zt_ctx *ctx, const struct zt_http_result *res, const char *why)
{
    return zt_ctx_error(ctx, res->error, "%s%s%s", res->message, why[0] ? ": " : "", why);
}

/* Issue both calls at once and wait for them. Returns 0 or a negative errno (engine start). */
static int intune_fetch_all(struct zt_ctx *ctx, const struct intune_state *s,
                            const struct zt_ms_session *sess, struct intune_fetch *f,
                            struct zt_http_result res[2])
{
    _cleanup_(zt_http_group_freep) struct zt_http_group *g = NULL;
    _cleanup_free_ char *devices_url = zt_ms_url(s->graph_url, INTUNE_DEVICES_PATH);
    _cleanup_free_ char *policies_url = zt_ms_url(s->graph_url, INTUNE_POLICIES_PATH);
    struct zt_http_request req = {
        .method = ZT_HTTP_GET,
        .ca_file = s->auth.ca_file,
        .auth = &sess->oauth,
        .paging = ZT_PAGING_ODATA,
        .userdata = f,
    };

    if (!devices_url || !policies_url) {
        return zt_ctx_error(ctx, -EINVAL, "'graph_url' is too long");
    }
    int r = zt_ctx_http_group_new(ctx, &g);
    if (r < 0) {
        return r;
    }
    req.url = devices_url;
    req.items_field = "value"; /* the one list that grows with the tenant: item by item */
    req.on_item = on_device;
    if (zt_ctx_http_group_add(ctx, g, &req, &res[0]) < 0) {
        return call_error(ctx, &res[0], "");
    }
    req.url = policies_url;
    req.items_field = NULL;
    req.on_item = NULL;
    req.on_page = on_policies;
    if (zt_ctx_http_group_add(ctx, g, &req, &res[1]) < 0) {
        return call_error(ctx, &res[1], "");
    }
    (void)zt_http_group_wait(g);
    return 0;
}

static int intune_collect(void *state, struct zt_ctx *ctx)
{
    const struct intune_state *s = state;
    _cleanup_(zt_ms_session_close) struct zt_ms_session sess = {0};
    _cleanup_(intune_fetch_clear) struct intune_fetch f = {
        .devices = {.now_sec = (int64_t)time(NULL),
                    .stale_sec = s->stale_days * (uint64_t)ZT_MS_SECONDS_DAY},
    };
    _cleanup_free_ char *scope = s->scope ? zt_xstrdup(s->scope) : zt_ms_scope_of(s->graph_url);
    struct zt_http_result res[2] = {{0}};
    char err[512] = "";

    if (!scope) {
        return zt_ctx_error(ctx, -EINVAL, "cannot derive a token scope from 'graph_url'");
    }
    int r = zt_ms_session_open(&sess, &s->auth, scope, err, sizeof(err));
    if (r < 0) {
        return zt_ctx_error(ctx, r, "%s", err);
    }
    zt_ms_session_log(ctx, &sess);
    r = intune_fetch_all(ctx, s, &sess, &f, res);
    if (r < 0) {
        return r;
    }
    /* A list read only in part would give wrong shares: emit nothing from a failed call. */
    if (res[0].error == 0) {
        (void)zt_intune_emit_devices(ctx, &f.devices);
    } else {
        r = call_error(ctx, &res[0], "");
    }
    if (res[1].error == 0) {
        (void)zt_intune_emit_policies(ctx, &f.policies, res[0].error == 0 ? &f.devices : NULL);
    } else {
        int r2 = call_error(ctx, &res[1], f.policies_err);
        r = r < 0 ? r : r2;
    }
    return r;
}

const struct zt_collector zt_collector_intune = {
    .name = "intune",
    .summary = "Microsoft Intune via Graph: managed devices (compliant, encrypted, synced, "
               "jailbroken shares) and compliance policies per platform and their assignment",
    .options = intune_options,
    .state_size = sizeof(struct intune_state),
    .flags = ZT_COLLECTOR_USES_HTTP,
    .check = intune_check,
    .collect = intune_collect,
};
