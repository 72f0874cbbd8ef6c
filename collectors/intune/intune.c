/* intune.c - the `intune` collector: Microsoft Intune managed devices, compliance policies with
 * their noncompliance actions, device clean-up rules, remediation scripts, enrollment
 * restrictions and Autopilot profiles through Graph, fetched concurrently and reduced page by
 * page (intune_reduce.c, intune_lifecycle.c). A list that fails leaves its keys out and the
 * others stand: the result is partial. */
#include "intune.h"

#include <stddef.h>
#include <time.h>

#define INTUNE_GRAPH_URL      "https://graph.microsoft.com"
#define INTUNE_STALE_DAYS_MAX 3650u
#define INTUNE_DEVICES_PATH                                                                        \
    "/v1.0/deviceManagement/managedDevices?$select=id,operatingSystem,complianceState,"            \
    "isEncrypted,jailBroken,lastSyncDateTime"
#define INTUNE_POLICIES_PATH                                                                       \
    "/v1.0/deviceManagement/deviceCompliancePolicies?$expand=assignments,"                         \
    "scheduledActionsForRule($expand=scheduledActionConfigurations)"
#define INTUNE_POLICIES_PLAIN_PATH                                                                 \
    "/v1.0/deviceManagement/deviceCompliancePolicies?$expand=assignments"

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
     "a device not synced for this many days counts as stale", 1, INTUNE_STALE_DAYS_MAX},
    {.key = NULL},
};

static int intune_check(const void *state, char *err, size_t errlen)
{
    const struct intune_state *s = state;

    return zt_ms_auth_check(&s->auth, err, errlen);
}

enum intune_call_id {
    I_DEVICES,
    I_POLICIES,
    I_CLEANUP,
    I_SCRIPTS,
    I_ENROLLMENT,
    I_AUTOPILOT,
    _I_MAX,
};

/* What the page callbacks of one collection fold into. */
struct intune_fetch {
    struct zt_intune_devices devices;
    struct zt_intune_policies policies;
    struct zt_intune_cleanup cleanup;
    struct zt_intune_scripts scripts;
    struct zt_intune_enrollment enrollment;
    struct zt_intune_autopilot autopilot;
    char why[_I_MAX][256]; /* a page's reason to stop, added to the engine's message */
};

struct intune_call {
    struct intune_fetch *f;
    enum intune_call_id id;
    struct zt_http_result res;
    struct zt_http_result refused; /* policies: the 400 to the nested $expand, if any */
};

static void intune_fetch_clear(struct intune_fetch *f)
{
    zt_intune_policies_clear(&f->policies);
    zt_intune_scripts_clear(&f->scripts);
}

static int on_device(void *data, struct json_object *dev)
{
    struct intune_call *c = data;
    zt_intune_device_item(&c->f->devices, dev);
    return 0;
}

static int on_page(void *data, const struct zt_http_page *p)
{
    struct intune_call *c = data;
    struct intune_fetch *f = c->f;
    struct json_object *page = zt_http_page_json(p);
    char *why = f->why[c->id];

    switch (c->id) {
    case I_POLICIES:
        return zt_intune_policies_page(&f->policies, page, why, sizeof(f->why[0]));
    case I_CLEANUP:
        return zt_intune_cleanup_page(&f->cleanup, page, why, sizeof(f->why[0]));
    case I_SCRIPTS:
        return zt_intune_scripts_page(&f->scripts, page, why, sizeof(f->why[0]));
    case I_ENROLLMENT:
        return zt_intune_enrollment_page(&f->enrollment, page, why, sizeof(f->why[0]));
    case I_AUTOPILOT:
        return zt_intune_autopilot_page(&f->autopilot, page, why, sizeof(f->why[0]));
    default:
        return -EINVAL;
    }
}

/* Each Graph list: path, the application permission it needs, a hint for a 403. Beta only where
 * no v1.0 endpoint exists (clean-up rules, Remediations, Autopilot deployment profiles). */
static const struct {
    const char *path;
    const char *permission;
    const char *note;
} intune_calls[_I_MAX] = {
    [I_DEVICES] = {INTUNE_DEVICES_PATH, "DeviceManagementManagedDevices.Read.All", ""},
    [I_POLICIES] = {INTUNE_POLICIES_PATH, "DeviceManagementConfiguration.Read.All", ""},
    [I_CLEANUP] = {"/beta/deviceManagement/managedDeviceCleanupRules",
                   "DeviceManagementManagedDevices.Read.All", ""},
    [I_SCRIPTS] = {"/beta/deviceManagement/deviceHealthScripts?$expand=assignments",
                   "DeviceManagementScripts.Read.All",
                   "; Remediations also need a Windows Enterprise E3/E5 (or Education A3/A5, "
                   "Windows 365 Enterprise) licence for the tenant"},
    [I_ENROLLMENT] = {"/v1.0/deviceManagement/deviceEnrollmentConfigurations",
                      "DeviceManagementServiceConfig.Read.All", ""},
    [I_AUTOPILOT] =
        {"/beta/deviceManagement/windowsAutopilotDeploymentProfiles?$expand=assignments",
         "DeviceManagementServiceConfig.Read.All", "; Windows Autopilot needs an Intune licence"},
};

/* Record a failed call: the engine's message (method, URL, reason), the page's reason if any,
 * and for a 403 the permission the identity lacks. */
static int call_error(struct zt_ctx *ctx, const struct intune_call *c)
{
    const char *why = c->f->why[c->id];

    if (c->res.status == 403) {
        return zt_ctx_error(ctx, c->res.error,
                            "%s; the identity needs the Microsoft Graph application permission %s "
                            "with admin consent%s",
                            c->res.message, intune_calls[c->id].permission,
                            intune_calls[c->id].note);
    }
    return zt_ctx_error(ctx, c->res.error, "%s%s%s", c->res.message, why[0] ? ": " : "", why);
}

/* The GET of one list, its pages folded by on_device or on_page into call->f. */
static struct zt_http_request intune_request(const struct intune_state *s,
                                             const struct zt_ms_session *sess, const char *url,
                                             struct intune_call *call)
{
    struct zt_http_request req = {
        .method = ZT_HTTP_GET,
        .url = url,
        .ca_file = s->auth.ca_file,
        .auth = &sess->oauth,
        .paging = ZT_PAGING_ODATA,
        .userdata = call,
    };
    if (call->id == I_DEVICES) {
        req.items_field = "value"; /* the one list that grows with the tenant: item by item */
        req.on_item = on_device;
    } else {
        req.on_page = on_page;
    }
    return req;
}

/* Issue every call at once and wait for them. Returns 0 or a negative errno (engine start). */
static int intune_fetch_all(struct zt_ctx *ctx, const struct intune_state *s,
                            const struct zt_ms_session *sess, struct intune_call calls[_I_MAX])
{
    _cleanup_(zt_http_group_freep) struct zt_http_group *g = NULL;

    int r = zt_ctx_http_group_new(ctx, &g);
    if (r < 0) {
        return r;
    }
    for (size_t i = 0; i < _I_MAX; i++) {
        _cleanup_free_ char *url = zt_ms_url(s->graph_url, intune_calls[i].path);
        if (!url) {
            return zt_ctx_error(ctx, -EINVAL, "'graph_url' is too long");
        }
        struct zt_http_request req = intune_request(s, sess, url, &calls[i]);
        if (zt_ctx_http_group_add(ctx, g, &req, &calls[i].res) < 0) {
            return call_error(ctx, &calls[i]);
        }
    }
    (void)zt_http_group_wait(g);
    return 0;
}

/* Graph answering 400 to the nested $expand of the noncompliance actions must not cost the
 * policies themselves: keep the refusal (recorded in call order by intune_emit), then read them
 * with their assignments only (their action keys are then left out: unknown). */
static void policies_without_actions(struct zt_ctx *ctx, const struct intune_state *s,
                                     const struct zt_ms_session *sess, struct intune_call *c)
{
    _cleanup_free_ char *url = zt_ms_url(s->graph_url, INTUNE_POLICIES_PLAIN_PATH);

    if (c->res.status != 400 || !url) {
        return;
    }
    c->refused = c->res;
    zt_intune_policies_clear(&c->f->policies);
    c->f->policies = (struct zt_intune_policies){0};
    c->f->why[c->id][0] = '\0';
    struct zt_http_request req = intune_request(s, sess, url, c);
    (void)zt_ctx_http(ctx, &req, &c->res);
}

/* Emit what each successful call gave; record the others. Returns 0 or the first error. */
static int intune_emit(struct zt_ctx *ctx, const struct intune_call calls[_I_MAX])
{
    const struct intune_fetch *f = calls[0].f;
    bool devices_ok = calls[I_DEVICES].res.error == 0;
    int r = 0;

    for (size_t i = 0; i < _I_MAX; i++) {
        if (calls[i].refused.error) {
            int e = zt_ctx_error(ctx, calls[i].refused.error,
                                 "%s; Graph refused to expand scheduledActionsForRule: the "
                                 "noncompliance actions are not judged, the policies are read "
                                 "with their assignments only",
                                 calls[i].refused.message);
            r = r < 0 ? r : e;
        }
        if (calls[i].res.error) {
            int e = call_error(ctx, &calls[i]);
            r = r < 0 ? r : e;
            continue;
        }
        switch ((enum intune_call_id)i) {
        case I_DEVICES:
            (void)zt_intune_emit_devices(ctx, &f->devices);
            break;
        case I_POLICIES:
            (void)zt_intune_emit_policies(ctx, &f->policies, devices_ok ? &f->devices : NULL);
            break;
        case I_CLEANUP:
            (void)zt_intune_emit_cleanup(ctx, &f->cleanup);
            break;
        case I_SCRIPTS:
            (void)zt_intune_emit_scripts(ctx, &f->scripts);
            break;
        case I_ENROLLMENT:
            (void)zt_intune_emit_enrollment(ctx, &f->enrollment);
            break;
        default:
            (void)zt_intune_emit_autopilot(ctx, &f->autopilot);
            break;
        }
    }
    return r;
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
    struct intune_call calls[_I_MAX];
    char err[512] = "";

    for (size_t i = 0; i < _I_MAX; i++) {
        calls[i] = (struct intune_call){.f = &f, .id = (enum intune_call_id)i};
    }
    if (!scope) {
        return zt_ctx_error(ctx, -EINVAL, "cannot derive a token scope from 'graph_url'");
    }
    int r = zt_ms_session_open(&sess, &s->auth, scope, err, sizeof(err));
    if (r < 0) {
        return zt_ctx_error(ctx, r, "%s", err);
    }
    zt_ms_session_log(ctx, &sess);
    r = intune_fetch_all(ctx, s, &sess, calls);
    if (r < 0) {
        return r;
    }
    policies_without_actions(ctx, s, &sess, &calls[I_POLICIES]);
    /* A list read only in part would give wrong shares: emit nothing from a failed call. */
    return intune_emit(ctx, calls);
}

const struct zt_collector zt_collector_intune = {
    .name = "intune",
    .summary = "Microsoft Intune via Graph: managed devices (compliant, encrypted, synced, "
               "jailbroken shares), compliance policies per platform with their assignment and "
               "noncompliance actions, clean-up rules, Remediations, enrollment restrictions and "
               "Autopilot profiles",
    .options = intune_options,
    .state_size = sizeof(struct intune_state),
    .flags = ZT_COLLECTOR_USES_HTTP,
    .check = intune_check,
    .collect = intune_collect,
};
