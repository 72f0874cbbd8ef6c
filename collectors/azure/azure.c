/* azure.c - the `azure` collector: Azure Resource Manager with one Entra client-credentials token.
 * Lists the subscriptions (or takes them from the config), then reads every subscription's NSGs,
 * storage accounts, Defender for Cloud pricings and activity log diagnostic settings at once in
 * one group, NSGs and storage accounts item by item (azure_nsg.c, azure_reduce.c), and beside them
 * the Resource Graph queries over all of them (azure_arg.c, azure_graph*.c) and the tenant's Entra
 * diagnostic settings (azure_aadiam.c). An area or query whose call failed on any subscription
 * emits nothing: a partial estate would give wrong counts. */
#include "azure.h"

#include <stddef.h>
#include <strings.h>
#include <syslog.h>

#define AZURE_ARM_URL   "https://management.azure.com"
#define AZURE_SUBS_MAX  1000u /* subscriptions assessed per instance */
#define AZURE_SUB_MAX   64u   /* length of a subscription id (a GUID) */
#define AZURE_ERRORS    8u    /* failed calls described one by one; the rest are counted */
#define AZURE_LIST_PAGE 1000u /* page limit of one paged list */

struct azure_state {
    struct zt_ms_auth auth;
    char *arm_url;
    char *scope;
    struct zt_strv subscriptions;
};

static const struct zt_option azure_options[] = {
    ZT_MS_AUTH_OPTIONS(struct azure_state, auth),
    {"arm_url", ZT_OPT_URL, AZURE_ARM_URL, offsetof(struct azure_state, arm_url), 0,
     "Azure Resource Manager base URL (sovereign clouds: https://management.usgovcloudapi.net, "
     "...)"},
    {"scope", ZT_OPT_STRING, NULL, offsetof(struct azure_state, scope), 0,
     "token scope; default <origin of arm_url>/.default"},
    {"subscriptions", ZT_OPT_STRLIST, NULL, offsetof(struct azure_state, subscriptions), 0,
     "subscription ids to assess; default every enabled subscription the app can read"},
    {.key = NULL},
};

static bool sub_id_valid(const char *s)
{
    return s && s[0] && strlen(s) < AZURE_SUB_MAX &&
           strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") ==
               strlen(s);
}

static int azure_check(const void *state, char *err, size_t errlen)
{
    const struct azure_state *s = state;

    if (s->subscriptions.n > AZURE_SUBS_MAX) {
        snprintf(err, errlen, "'subscriptions' lists more than %u ids", AZURE_SUBS_MAX);
        return -EINVAL;
    }
    for (size_t i = 0; i < s->subscriptions.n; i++) {
        if (!sub_id_valid(s->subscriptions.v[i])) {
            snprintf(err, errlen, "'subscriptions': '%s' is not a subscription id",
                     s->subscriptions.v[i]);
            return -EINVAL;
        }
    }
    return zt_ms_auth_check(&s->auth, err, errlen);
}

/* A GET of ARM with the session's token; a list follows nextLink and goes item by item. */
static struct zt_http_request arm_request(const struct azure_state *s,
                                          const struct zt_ms_session *sess, const char *url,
                                          bool list, int (*item)(void *, struct json_object *),
                                          void *userdata)
{
    return (struct zt_http_request){
        .method = ZT_HTTP_GET,
        .url = url,
        .ca_file = s->auth.ca_file,
        .auth = &sess->oauth,
        .paging = list ? ZT_PAGING_JSON_URL : ZT_PAGING_NONE,
        .next_field = list ? "nextLink" : NULL,
        .max_pages = list ? AZURE_LIST_PAGE : 1,
        .items_field = list ? "value" : NULL,
        .on_item = item,
        .userdata = userdata,
    };
}

/* ---- the subscription listing -------------------------------------------------------------- */

struct sub_list {
    struct zt_strv ids;
    uint64_t inactive; /* Disabled, Deleted: nothing can be read there */
    uint64_t malformed;
    bool too_many;
};

static int on_subscription(void *data, struct json_object *sub)
{
    struct sub_list *l = data;
    const char *id = zt_json_str(sub, "subscriptionId");
    const char *st = zt_json_str(sub, "state");

    if (!sub_id_valid(id)) {
        l->malformed++;
    } else if (st && (strcasecmp(st, "Disabled") == 0 || strcasecmp(st, "Deleted") == 0)) {
        l->inactive++;
    } else if (l->ids.n >= AZURE_SUBS_MAX) {
        l->too_many = true;
    } else {
        zt_strv_push(&l->ids, id);
    }
    return 0;
}

static int list_subscriptions(struct zt_ctx *ctx, const struct azure_state *s,
                              const struct zt_ms_session *sess, struct sub_list *l)
{
    _cleanup_free_ char *url =
        zt_ms_url(s->arm_url, "/subscriptions?api-version=" ZT_AZURE_API_SUBSCRIPTIONS);
    struct zt_http_result res = {0};

    if (!url) {
        return zt_ctx_error(ctx, -EINVAL, "'arm_url' is too long");
    }
    struct zt_http_request req = arm_request(s, sess, url, true, on_subscription, l);
    if (zt_ctx_http(ctx, &req, &res) < 0) {
        return zt_ctx_error(ctx, res.error, "%s", res.message);
    }
    if (l->too_many) {
        return zt_ctx_error(ctx, -E2BIG,
                            "the app can read more than %u subscriptions: list the ones to "
                            "assess in 'subscriptions' (one instance per group of them)",
                            AZURE_SUBS_MAX);
    }
    if (l->ids.n == 0) {
        return zt_ctx_error(ctx, -ENOENT,
                            "GET %s lists no enabled subscription: give the app the Reader role "
                            "on the subscriptions to assess",
                            "/subscriptions");
    }
    return 0;
}

/* ---- the per-subscription calls ------------------------------------------------------------ */

enum azure_area {
    A_NSG,
    A_STORAGE,
    A_PRICINGS,
    A_DIAGNOSTICS,
    A_REMEDIATIONS,
    A_ROLES_ACTIVE,
    A_ROLES_ELIGIBLE,
    _A_MAX,
};

struct azure_run;

struct azure_call {
    struct azure_run *run;
    const char *sub;
    enum azure_area area;
    int exported;      /* diagnostics: zt_azure_diagnostics_exported() */
    bool unregistered; /* the area's resource provider is not registered in the subscription */
    struct zt_http_result res;
};

struct azure_run {
    struct zt_azure_nsgs nsgs;
    struct zt_azure_storage storage;
    struct zt_azure_defender defender;
    struct zt_azure_activity activity;
    struct zt_azure_remediations remediations;
    struct zt_azure_roles roles;
};

static const struct {
    const char *path; /* after /subscriptions/{id} */
    const char *what;
    bool list; /* grows with the estate: item by item, nextLink paging */
} areas[_A_MAX] = {
    [A_NSG] = {"/providers/Microsoft.Network/networkSecurityGroups?api-version=" ZT_AZURE_API_NSG,
               "network security groups", true},
    [A_STORAGE] = {"/providers/Microsoft.Storage/storageAccounts?api-version=" ZT_AZURE_API_STORAGE,
                   "storage accounts", true},
    [A_PRICINGS] = {"/providers/Microsoft.Security/pricings?api-version=" ZT_AZURE_API_PRICINGS,
                    "Defender for Cloud pricings", false},
    [A_DIAGNOSTICS] =
        {"/providers/Microsoft.Insights/diagnosticSettings?api-version=" ZT_AZURE_API_DIAGNOSTICS,
         "activity log diagnostic settings", false},
    [A_REMEDIATIONS] =
        {"/providers/Microsoft.PolicyInsights/remediations?api-version=" ZT_AZURE_API_REMEDIATIONS,
         "Azure Policy remediation tasks", true},
    [A_ROLES_ACTIVE] = {"/providers/Microsoft.Authorization/"
                        "roleAssignmentScheduleInstances?api-version=" ZT_AZURE_API_PIM,
                        "role assignment schedule instances", true},
    [A_ROLES_ELIGIBLE] = {"/providers/Microsoft.Authorization/"
                          "roleEligibilityScheduleInstances?api-version=" ZT_AZURE_API_PIM,
                          "role eligibility schedule instances", true},
};

static int on_item(void *data, struct json_object *item)
{
    struct azure_call *c = data;

    if (c->area == A_NSG) {
        zt_azure_nsgs_item(&c->run->nsgs, item);
    } else if (c->area == A_REMEDIATIONS) {
        zt_azure_remediation_item(&c->run->remediations, item);
    } else if (c->area == A_ROLES_ACTIVE || c->area == A_ROLES_ELIGIBLE) {
        zt_azure_role_item(&c->run->roles, item, c->area == A_ROLES_ELIGIBLE);
    } else {
        zt_azure_storage_item(&c->run->storage, item);
    }
    return 0;
}

/* ARM answers 409 MissingSubscriptionRegistration when the subscription never registered the
 * resource provider of the path: nothing of that kind can exist there (no NSG, no Defender plan
 * on, no export). That is an answer, not a failure; any other 409 is one. */
static int on_unregistered(struct azure_call *c, struct json_object *json)
{
    const char *code = zt_json_str(zt_http_json_path(json, "error"), "code");

    if (!code || strcasecmp(code, "MissingSubscriptionRegistration") != 0) {
        return -EPROTO;
    }
    c->unregistered = true;
    if (c->area == A_PRICINGS) {
        struct json_object *none = json_object_new_object();
        json_object_object_add(none, "value", json_object_new_array());
        int r = zt_azure_pricings_page(&c->run->defender, none);
        json_object_put(none);
        return r;
    }
    c->exported = 0;
    return 0;
}

static int on_page(void *data, const struct zt_http_page *p)
{
    struct azure_call *c = data;
    struct json_object *json = zt_http_page_json(p);

    if (zt_http_page_status(p) == 409) {
        return on_unregistered(c, json);
    }
    switch (c->area) {
    case A_PRICINGS:
        return zt_azure_pricings_page(&c->run->defender, json);
    case A_DIAGNOSTICS:
        c->exported = zt_azure_diagnostics_exported(json);
        return c->exported < 0 ? c->exported : 0;
    default:
        return 0; /* list envelopes: the engine follows nextLink */
    }
}

static int add_call(struct zt_ctx *ctx, struct zt_http_group *g, const struct azure_state *s,
                    const struct zt_ms_session *sess, struct azure_call *c)
{
    _cleanup_free_ char *path = zt_xasprintf("/subscriptions/%s%s", c->sub, areas[c->area].path);
    _cleanup_free_ char *url = zt_ms_url(s->arm_url, path);
    bool list = areas[c->area].list;

    if (!url) {
        return zt_ctx_error(ctx, -EINVAL, "'arm_url' is too long");
    }
    static const int unregistered[] = {409, 0};
    struct zt_http_request req = arm_request(s, sess, url, list, list ? on_item : NULL, c);
    req.on_page = on_page;
    req.accept_status = unregistered;
    if (zt_ctx_http_group_add(ctx, g, &req, &c->res) < 0) {
        return zt_ctx_error(ctx, c->res.error, "%s", c->res.message);
    }
    return 0;
}

/* Record the failed calls of one area (the first few in full). Returns 0 or the first error. */
static int area_errors(struct zt_ctx *ctx, struct azure_call *calls, size_t n, enum azure_area a,
                       unsigned *described)
{
    int first = 0;
    size_t failed = 0;

    for (size_t i = 0; i < n; i++) {
        struct azure_call *c = &calls[i];
        if (c->area == a && c->unregistered && c->res.error == 0) {
            zt_ctx_log(ctx, LOG_INFO,
                       "subscription %s: the resource provider of %s is not "
                       "registered: none there",
                       c->sub, areas[a].what);
        }
        if (c->area != a || c->res.error == 0) {
            continue;
        }
        first = first ? first : c->res.error;
        failed++;
        if (*described < AZURE_ERRORS) {
            (*described)++;
            zt_ctx_error(ctx, c->res.error, "subscription %s, %s: %s%s", c->sub, areas[a].what,
                         c->res.message,
                         c->res.status == 403 ? " (the app needs the Reader role there)" : "");
        }
    }
    if (failed) {
        zt_ctx_log(ctx, LOG_WARNING, "%s: %zu of %zu subscriptions failed: no evidence for them",
                   areas[a].what, failed, n / _A_MAX);
    }
    return first;
}

static void run_clear(struct azure_run *r)
{
    zt_azure_nsgs_clear(&r->nsgs);
    zt_azure_storage_clear(&r->storage);
    zt_azure_activity_clear(&r->activity);
    zt_azure_roles_clear(&r->roles);
}

static int emit_area(struct zt_ctx *ctx, struct azure_run *run, struct azure_call *calls, size_t n,
                     enum azure_area a)
{
    switch (a) {
    case A_NSG:
        return zt_azure_nsgs_emit(ctx, &run->nsgs);
    case A_STORAGE:
        return zt_azure_storage_emit(ctx, &run->storage);
    case A_PRICINGS:
        return zt_azure_defender_emit(ctx, &run->defender);
    case A_REMEDIATIONS:
        return zt_azure_remediations_emit(ctx, &run->remediations);
    case A_ROLES_ACTIVE:
    case A_ROLES_ELIGIBLE:
        return zt_azure_roles_emit(ctx, &run->roles, a == A_ROLES_ELIGIBLE);
    default:
        for (size_t i = a; i < n; i += _A_MAX) {
            zt_azure_activity_add(&run->activity, calls[i].sub, calls[i].exported == 1);
        }
        return zt_azure_activity_emit(ctx, &run->activity);
    }
}

static int assess(struct zt_ctx *ctx, const struct azure_state *s, const struct zt_ms_session *sess,
                  const struct zt_strv *subs)
{
    _cleanup_(run_clear) struct azure_run run = {.storage.api_version = ZT_AZURE_API_STORAGE};
    _cleanup_(zt_azure_graph_clear) struct zt_azure_graph graph = {.automation.subscriptions =
                                                                       subs->n};
    size_t n = subs->n * _A_MAX;
    _cleanup_free_ struct azure_call *calls = zt_xcalloc(n, sizeof(*calls));
    _cleanup_(zt_azure_arg_freep) struct zt_azure_arg *arg = NULL;
    struct zt_azure_aadiam aadiam = {0}; /* the tenant's Entra diagnostic settings */
    /* Declared last, freed first: freeing a group reads the results held in calls. */
    _cleanup_(zt_http_group_freep) struct zt_http_group *g = NULL;
    unsigned described = 0;
    int r = zt_ctx_http_group_new(ctx, &g), ret = 0;

    if (r < 0) {
        return zt_ctx_error(ctx, r, "cannot start the HTTP engine");
    }
    for (size_t i = 0; i < n; i++) {
        calls[i] = (struct azure_call){
            .run = &run, .sub = subs->v[i / _A_MAX], .area = (enum azure_area)(i % _A_MAX)};
        r = add_call(ctx, g, s, sess, &calls[i]);
        if (r < 0) {
            return r;
        }
    }
    r = zt_azure_aadiam_start(ctx, g, s->arm_url, s->auth.ca_file, &sess->oauth, &aadiam);
    if (r < 0) {
        return r;
    }
    r = zt_azure_arg_start(ctx, g, s->arm_url, s->auth.ca_file, &sess->oauth, subs, &graph, &arg);
    if (r < 0) {
        return r;
    }
    (void)zt_http_group_wait(g);
    for (int a = 0; a < _A_MAX; a++) {
        r = area_errors(ctx, calls, n, (enum azure_area)a, &described);
        if (r < 0) {
            ret = ret ? ret : r;
        } else if (emit_area(ctx, &run, calls, n, (enum azure_area)a) < 0) {
            ret = ret ? ret : zt_ctx_error(ctx, -EINVAL, "cannot emit %s evidence", areas[a].what);
        }
    }
    r = zt_azure_arg_finish(ctx, arg);
    ret = ret ? ret : r;
    r = zt_azure_aadiam_finish(ctx, &aadiam);
    return ret ? ret : r;
}

static void sub_list_clear(struct sub_list *l)
{
    zt_strv_clear(&l->ids);
}

static int emit_subscriptions(struct zt_ctx *ctx, const struct zt_strv *subs,
                              const struct sub_list *l, bool listed)
{
    struct json_object *d = json_object_new_object(), *ids = json_object_new_array();

    for (size_t i = 0; i < subs->n && i < ZT_MS_DETAIL_MAX; i++) {
        json_object_array_add(ids, json_object_new_string(subs->v[i]));
    }
    json_object_object_add(d, "ids", ids);
    json_object_object_add(d, "source", json_object_new_string(listed ? "listed" : "configured"));
    json_object_object_add(d, "inactive", json_object_new_int64((int64_t)l->inactive));
    return zt_ms_emit_count(ctx, "azure.subscriptions.count", subs->n, d);
}

static int azure_collect(void *state, struct zt_ctx *ctx)
{
    const struct azure_state *s = state;
    _cleanup_(zt_ms_session_close) struct zt_ms_session sess = {0};
    _cleanup_(sub_list_clear) struct sub_list listed = {0};
    _cleanup_free_ char *scope = s->scope ? zt_xstrdup(s->scope) : zt_ms_scope_of(s->arm_url);
    char err[512] = "";

    if (!scope) {
        return zt_ctx_error(ctx, -EINVAL, "cannot derive a token scope from 'arm_url'");
    }
    int r = zt_ms_session_open(&sess, &s->auth, scope, err, sizeof(err));
    if (r < 0) {
        return zt_ctx_error(ctx, r, "%s", err);
    }
    zt_ms_session_log(ctx, &sess);
    const struct zt_strv *subs = &s->subscriptions;
    if (subs->n == 0) {
        r = list_subscriptions(ctx, s, &sess, &listed);
        if (r < 0) {
            return r;
        }
        subs = &listed.ids;
    }
    r = assess(ctx, s, &sess, subs);
    int r2 = emit_subscriptions(ctx, subs, &listed, s->subscriptions.n == 0);
    return r < 0 ? r : r2;
}

const struct zt_collector zt_collector_azure = {
    .name = "azure",
    .summary = "Azure Resource Manager and Resource Graph: NSG exposure, storage settings, "
               "Defender for Cloud plans, activity log export, zone redundancy, WAF and firewall "
               "policies, backup, Key Vault, Azure Policy compliance and enforcement, Sentinel "
               "connectors and analytics, response automation, Entra sign-in and audit log "
               "streaming",
    .options = azure_options,
    .state_size = sizeof(struct azure_state),
    .flags = ZT_COLLECTOR_USES_HTTP,
    .check = azure_check,
    .collect = azure_collect,
};
