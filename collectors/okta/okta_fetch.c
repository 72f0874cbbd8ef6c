/* okta_fetch.c - the calls of the okta collector: a first round of one call per list (policies,
 * authenticators, apps, identity providers, group rules, log streams, behaviours, ThreatInsight,
 * entity risk policies), then a second round that needs their ids (policy rules, Okta Verify
 * methods, each target app's assignments, the entity risk rules); what each page does. */
#include <strings.h>

#include "okta_run.h"

static const struct okta_endpoint {
    const char *path;
    const char *scope; /* named when Okta answers 403 */
    const char *bucket;
} endpoints[_C_FIRST_MAX] = {
    [C_GROUPS] = {"/api/v1/groups?filter=type%20eq%20%22BUILT_IN%22", "okta.groups.read", "groups"},
    [C_SIGNON] = {"/api/v1/policies?type=OKTA_SIGN_ON", "okta.policies.read", "policies"},
    [C_ACCESS] = {"/api/v1/policies?type=ACCESS_POLICY", "okta.policies.read", "policies"},
    [C_ENROLL] = {"/api/v1/policies?type=MFA_ENROLL", "okta.policies.read", "policies"},
    [C_AUTHN] = {"/api/v1/authenticators", "okta.authenticators.read", "authenticators"},
    [C_DEVICE] = {"/api/v1/device-assurances", "okta.deviceAssurance.read", "device-assurances"},
    [C_ITP] = {"/api/v1/policies?type=ENTITY_RISK", "okta.policies.read", "policies"},
    [C_APPS] = {"/api/v1/apps?limit=200", "okta.apps.read", "apps"},
    [C_IDPS] = {"/api/v1/idps?limit=200", "okta.idps.read", "idps"},
    [C_GROUP_RULES] = {"/api/v1/groups/rules?limit=200", "okta.groups.read", "groups"},
    [C_LOG_STREAMS] = {"/api/v1/logStreams?limit=200", "okta.logStreams.read", "logStreams"},
    [C_BEHAVIORS] = {"/api/v1/behaviors", "okta.behaviors.read", "behaviors"},
    [C_THREATS] = {"/api/v1/threats/configuration", "okta.threatInsights.read", "threats"},
};

/* A second round page whose elements are reduced, not kept. */
static int reduce_page(struct okta_call *c, struct json_object *page)
{
    for (size_t i = 0; i < json_object_array_length(page); i++) {
        struct json_object *e = json_object_array_get_idx(page, i);
        int k = c->kind == K_APP_USERS ? zt_okta_app_user(e, &c->direct)
                                       : zt_okta_itp_rule(&c->run->stores, e);
        if (k < 0) {
            return k;
        }
    }
    /* one direct assignment settles the app: the pages after it cannot undo it */
    return c->kind == K_APP_USERS && c->direct ? 1 : 0;
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
    if (c->first < 0 && (c->kind == K_APP_USERS || c->kind == K_ITP_RULES)) {
        return reduce_page(c, page);
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

    *c = (struct okta_call){.run = r, .scope = scope, .into = into, .max = max, .first = -1};
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

/* Record a failed call: the engine's message, and what Okta's answer usually means. */
static void call_problem(struct okta_run *r, const struct okta_call *c)
{
    if (!r->first_err) {
        r->first_err = c->res.error;
    }
    if (zt_okta_feature_missing(c->res.message)) {
        zt_ctx_error(r->ctx, c->res.error,
                     "%s (the org does not have this feature: not in its SKU, or not enabled)",
                     c->res.message);
    } else if (c->res.status == 401) {
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

int zt_okta_fetch_first(struct okta_run *r)
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

bool zt_okta_id_valid(const char *id)
{
    size_t n = id ? strlen(id) : 0;
    return n > 0 && n < OKTA_ID_MAX &&
           strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == n;
}

const char *zt_okta_next_active(struct json_object *list, size_t *i)
{
    for (; *i < json_object_array_length(list); (*i)++) {
        struct json_object *p = json_object_array_get_idx(list, *i);
        const char *status = zt_json_str(p, "status");
        if (status && strcasecmp(status, "ACTIVE") == 0) {
            (*i)++;
            return zt_json_str(p, "id") ? zt_json_str(p, "id") : "";
        }
    }
    return NULL;
}

/* The second round's calls, in one array the group's calls point into. */
struct okta_round {
    struct okta_call *calls;
    size_t n, cap;
};

static int round_add(struct okta_run *r, struct zt_http_group *g, struct okta_round *rd,
                     const char *path, const char *scope, const char *bucket,
                     struct json_object *into, int kind)
{
    struct okta_call *c = &rd->calls[rd->n];
    int e = call_add(r, g, c, path, scope, bucket, into, OKTA_RULES_MAX);
    if (e < 0) {
        return zt_ctx_error(r->ctx, e, "%s", c->res.message);
    }
    c->kind = kind;
    rd->n++;
    return 0;
}

/* The rule calls of every active policy of list (kind 0 sign-on, 1 access, K_ITP_RULES). */
static int add_rule_calls(struct okta_run *r, struct zt_http_group *g, struct okta_round *rd,
                          int kind)
{
    static const int lists[] = {
        [K_SIGNON_RULES] = C_SIGNON, [K_ACCESS_RULES] = C_ACCESS, [K_ITP_RULES] = C_ITP};
    struct json_object *list = r->lists[lists[kind]];
    const char *id;

    for (size_t i = 0; (id = zt_okta_next_active(list, &i));) {
        if (!zt_okta_id_valid(id) || rd->n == rd->cap) {
            *(kind == K_ITP_RULES ? &r->itp_rules_failed : &r->rules_failed[kind]) = true;
            zt_ctx_error(r->ctx, -EBADMSG, "%s: policy '%s' has no usable id (or too many)",
                         r->s->org_url, id);
            continue;
        }
        struct json_object *into = json_object_new_array();
        json_object_object_add(r->rules, id, into);
        _cleanup_free_ char *path = zt_xasprintf("/api/v1/policies/%s/rules", id);
        int e = round_add(r, g, rd, path, "okta.policies.read", "policies", into, kind);
        if (e < 0) {
            return e;
        }
        rd->calls[rd->n - 1].as_text = kind != K_ITP_RULES;
    }
    return 0;
}

/* The users assigned to every target app: are any assigned directly rather than by group? */
static int add_assignment_calls(struct okta_run *r, struct zt_http_group *g, struct okta_round *rd)
{
    struct json_object *apps = r->stores.target_apps; /* NULL: no target app */
    size_t n = apps ? json_object_array_length(apps) : 0;

    for (size_t i = 0; i < n; i++) {
        const char *id = zt_json_str(json_object_array_get_idx(apps, i), "id");
        if (!zt_okta_id_valid(id) || rd->n == rd->cap) {
            r->assign_failed = true;
            zt_ctx_error(r->ctx, -EBADMSG, "%s: app '%s' has no usable id (or too many)",
                         r->s->org_url, id ? id : "?");
            continue;
        }
        _cleanup_free_ char *path = zt_xasprintf("/api/v1/apps/%s/users?limit=200", id);
        int e = round_add(r, g, rd, path, "okta.apps.read", "apps", NULL, K_APP_USERS);
        if (e < 0) {
            return e;
        }
        rd->calls[rd->n - 1].app = i;
    }
    return 0;
}

static int add_methods_call(struct okta_run *r, struct zt_http_group *g, struct okta_round *rd)
{
    struct zt_okta_authn probe = {0};
    int e = 0;

    if (!r->failed[C_AUTHN]) {
        zt_okta_authn_authenticators(&probe, r->lists[C_AUTHN]);
    }
    if (probe.okta_verify && zt_okta_id_valid(probe.okta_verify_id)) {
        _cleanup_free_ char *path =
            zt_xasprintf("/api/v1/authenticators/%s/methods", probe.okta_verify_id);
        e = round_add(r, g, rd, path, "okta.authenticators.read", "authenticators", r->methods,
                      K_METHODS);
    }
    zt_okta_authn_clear(&probe);
    return e;
}

static void round_done(struct okta_run *r, struct okta_round *rd)
{
    for (size_t i = 0; i < rd->n; i++) {
        struct okta_call *c = &rd->calls[i];
        if (c->res.error < 0) {
            call_problem(r, c);
            switch (c->kind) {
            case K_METHODS:
                r->methods_failed = true;
                break;
            case K_APP_USERS:
                r->assign_failed = true;
                break;
            case K_ITP_RULES:
                r->itp_rules_failed = true;
                break;
            default:
                r->rules_failed[c->kind] = true;
            }
        } else if (c->kind == K_APP_USERS && c->direct) {
            zt_okta_app_direct(&r->stores, c->app);
        }
    }
}

/* Second round, once the lists are known: the rules of every active sign-on, authentication and
 * entity risk policy, the Okta Verify methods (FastPass) and every target app's assignments. */
int zt_okta_fetch_second(struct okta_run *r)
{
    struct okta_round rd = {.cap = 3 * OKTA_POLICIES_MAX + OKTA_TARGETS_MAX + 1};
    _cleanup_free_ struct okta_call *calls = zt_xcalloc(rd.cap, sizeof(*calls));
    _cleanup_(zt_http_group_freep) struct zt_http_group *g = NULL; /* freed before calls */

    rd.calls = calls;
    r->rules = json_object_new_object();
    r->methods = json_object_new_array();
    int e = zt_ctx_http_group_new(r->ctx, &g);
    if (e < 0) {
        return zt_ctx_error(r->ctx, e, "cannot start HTTP calls: %s", strerror(-e));
    }
    static const int kinds[] = {K_SIGNON_RULES, K_ACCESS_RULES, K_ITP_RULES};
    static const int lists[] = {C_SIGNON, C_ACCESS, C_ITP};
    for (size_t k = 0; e == 0 && k < ZT_ELEMENTSOF(kinds); k++) {
        e = r->failed[lists[k]] ? 0 : add_rule_calls(r, g, &rd, kinds[k]);
    }
    if (e == 0 && !r->failed[C_APPS]) {
        e = add_assignment_calls(r, g, &rd);
    }
    if (e == 0) {
        e = add_methods_call(r, g, &rd);
    }
    if (e < 0) {
        return e;
    }
    zt_http_group_wait(g);
    round_done(r, &rd);
    return 0;
}
