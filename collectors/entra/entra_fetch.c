/* entra_fetch.c - collect() of the entra collector: one Graph token, then every independent
 * Graph call at once in one group (Conditional Access paced at 1 request/s per tenant), pages
 * reduced as they arrive, then a second group for the members of the groups holding Global
 * Administrator (entra_pim_groups.c), then the pure derive steps and the evidence. */
#include <syslog.h>

#include "collector.h"
#include "entra.h"

enum entra_call_id {
    E_CA,
    E_CA_BETA,
    E_SECDEF,
    E_METHODS,
    E_STRENGTHS,
    E_REG,
    E_PIM_ACTIVE,
    E_PIM_ELIGIBLE,
    E_ORG,
    E_DOMAINS,
    E_APPS,
    E_AUTHZ,
    E_ADMIN_CONSENT,
    E_REVIEWS,
    _E_MAX,
};

struct entra_run;

struct entra_call {
    struct entra_run *run;
    enum entra_call_id id;
    struct zt_http_result res;
};

struct entra_run {
    const struct entra_state *s;
    struct zt_ctx *ctx;
    struct json_object *ca, *ca_beta;     /* policies (at most ENTRA_CA_MAX each) */
    struct json_object *secdef, *methods; /* single documents */
    struct json_object *org, *authz, *admin_consent;
    struct json_object *strengths; /* strength id -> allowedCombinations */
    struct json_object *facts;
    struct entra_reg reg;
    struct entra_pim pim;
    struct entra_domains domains;
    struct entra_apps apps;
    struct entra_reviews reviews;
    int64_t now_usec; /* one clock for every expiry and age of the scan */
    struct entra_call calls[_E_MAX];
};

struct entra_endpoint {
    const char *version; /* "v1.0", or "beta" only for fields that exist nowhere else */
    const char *path;
    const char *permission; /* named in the problem when Graph answers 403 */
    const char *note;       /* licence or other hint for a 403, or "" */
    bool paced;             /* Conditional Access: 1 request/s per tenant, 429 without hint */
    bool paged;
    unsigned max_pages;
    int (*on_page)(struct entra_run *r, struct json_object *page);
    /* Lists that may be large are delivered item by item ("value"); on_page is then NULL. */
    int (*on_item)(struct entra_run *r, struct json_object *item);
};

static int append_items(struct json_object *to, struct json_object *page)
{
    struct json_object *value = entra_get(page, "value");

    if (!value || !json_object_is_type(value, json_type_array)) {
        return -EBADMSG;
    }
    for (size_t i = 0; i < json_object_array_length(value); i++) {
        if (json_object_array_length(to) >= ENTRA_CA_MAX) {
            return -E2BIG;
        }
        json_object_array_add(to, json_object_get(json_object_array_get_idx(value, i)));
    }
    return 0;
}

static int keep_doc(struct json_object **slot, struct json_object *page)
{
    if (!json_object_is_type(page, json_type_object)) {
        return -EBADMSG;
    }
    json_object_put(*slot);
    *slot = json_object_get(page);
    return 0;
}

static int page_ca(struct entra_run *r, struct json_object *p)
{
    return append_items(r->ca, p);
}
static int page_ca_beta(struct entra_run *r, struct json_object *p)
{
    return append_items(r->ca_beta, p);
}
static int page_secdef(struct entra_run *r, struct json_object *p)
{
    return keep_doc(&r->secdef, p);
}
static int page_methods(struct entra_run *r, struct json_object *p)
{
    return keep_doc(&r->methods, p);
}
static int page_strengths(struct entra_run *r, struct json_object *p)
{
    return entra_strengths_page(r->strengths, p);
}
static int item_reg(struct entra_run *r, struct json_object *user)
{
    return entra_reg_item(&r->reg, user);
}
static int page_pim_active(struct entra_run *r, struct json_object *p)
{
    return entra_pim_page(&r->pim, p, false);
}
static int page_pim_eligible(struct entra_run *r, struct json_object *p)
{
    return entra_pim_page(&r->pim, p, true);
}

static int page_org(struct entra_run *r, struct json_object *p)
{
    return keep_doc(&r->org, p);
}
static int page_domains(struct entra_run *r, struct json_object *p)
{
    return entra_domains_page(&r->domains, p);
}
static int item_app(struct entra_run *r, struct json_object *app)
{
    return entra_apps_item(&r->apps, app, r->now_usec);
}
static int page_authz(struct entra_run *r, struct json_object *p)
{
    return keep_doc(&r->authz, p);
}
static int page_admin_consent(struct entra_run *r, struct json_object *p)
{
    return keep_doc(&r->admin_consent, p);
}
static int page_reviews(struct entra_run *r, struct json_object *p)
{
    return entra_reviews_page(&r->reviews, p);
}

#define POLICY_AM "Policy.Read.AuthenticationMethod (or Policy.Read.All)"
#define PIM_P2    "; PIM needs a Microsoft Entra ID P2 licence"
static const struct entra_endpoint endpoints[_E_MAX] = {
    [E_CA] = {.version = "v1.0",
              .path = "/identity/conditionalAccess/policies",
              .permission = "Policy.Read.All",
              .note = "",
              .paced = true,
              .paged = true,
              .max_pages = 50,
              .on_page = page_ca},
    /* beta: sessionControls.continuousAccessEvaluation exists only there. */
    [E_CA_BETA] = {.version = "beta",
                   .path = "/identity/conditionalAccess/policies",
                   .permission = "Policy.Read.All",
                   .note = "",
                   .paced = true,
                   .paged = true,
                   .max_pages = 50,
                   .on_page = page_ca_beta},
    [E_SECDEF] = {.version = "v1.0",
                  .path = "/policies/identitySecurityDefaultsEnforcementPolicy",
                  .permission = "Policy.Read.All",
                  .note = "",
                  .max_pages = 1,
                  .on_page = page_secdef},
    [E_METHODS] = {.version = "v1.0",
                   .path = "/policies/authenticationMethodsPolicy",
                   .permission = POLICY_AM,
                   .note = "",
                   .max_pages = 1,
                   .on_page = page_methods},
    /* v1.0 location; /identity/conditionalAccess/authenticationStrength/policies is beta. */
    [E_STRENGTHS] = {.version = "v1.0",
                     .path = "/policies/authenticationStrengthPolicies",
                     .permission = POLICY_AM,
                     .note = "",
                     .paged = true,
                     .max_pages = 20,
                     .on_page = page_strengths},
    /* Only $filter/$orderBy are supported: Graph picks the page size; 20000 pages bound it. */
    [E_REG] = {.version = "v1.0",
               .path = "/reports/authenticationMethods/userRegistrationDetails",
               .permission = "AuditLog.Read.All",
               .note = "; the report needs a Microsoft Entra ID P1 or P2 licence",
               .paged = true,
               .max_pages = 20000,
               .on_item = item_reg},
    [E_PIM_ACTIVE] = {.version = "v1.0",
                      .path = "/roleManagement/directory/roleAssignmentScheduleInstances"
                              "?$expand=principal",
                      .permission = "RoleAssignmentSchedule.Read.Directory (or "
                                    "RoleManagement.Read.Directory)",
                      .note = PIM_P2,
                      .paged = true,
                      .max_pages = 1000,
                      .on_page = page_pim_active},
    [E_PIM_ELIGIBLE] = {.version = "v1.0",
                        .path = "/roleManagement/directory/roleEligibilityScheduleInstances"
                                "?$expand=principal",
                        .permission = "RoleEligibilitySchedule.Read.Directory (or "
                                      "RoleManagement.Read.Directory)",
                        .note = PIM_P2,
                        .paged = true,
                        .max_pages = 1000,
                        .on_page = page_pim_eligible},
    [E_ORG] = {.version = "v1.0",
               .path = "/organization?$select=id,onPremisesSyncEnabled,onPremisesLastSyncDateTime",
               .permission = "Organization.Read.All",
               .note = "",
               .max_pages = 1,
               .on_page = page_org},
    [E_DOMAINS] = {.version = "v1.0",
                   .path = "/domains?$select=id,authenticationType",
                   .permission = "Domain.Read.All",
                   .note = "",
                   .paged = true,
                   .max_pages = 100,
                   .on_page = page_domains},
    /* owners expanded to ids: one $expand is the most Graph takes on directory objects. */
    [E_APPS] = {.version = "v1.0",
                .path = "/applications?$select=id,displayName,passwordCredentials,keyCredentials"
                        "&$expand=owners($select=id)&$top=999",
                .permission = "Application.Read.All",
                .note = "",
                .paged = true,
                .max_pages = 5000,
                .on_item = item_app},
    [E_AUTHZ] = {.version = "v1.0",
                 .path = "/policies/authorizationPolicy",
                 .permission = "Policy.Read.All",
                 .note = "",
                 .max_pages = 1,
                 .on_page = page_authz},
    [E_ADMIN_CONSENT] = {.version = "v1.0",
                         .path = "/policies/adminConsentRequestPolicy",
                         .permission = "Policy.Read.All",
                         .note = "",
                         .max_pages = 1,
                         .on_page = page_admin_consent},
    [E_REVIEWS] = {.version = "v1.0",
                   .path = "/identityGovernance/accessReviews/definitions",
                   .permission = "AccessReview.Read.All",
                   .note = "; access reviews need a Microsoft Entra ID P2 or Governance licence",
                   .paged = true,
                   .max_pages = 500,
                   .on_page = page_reviews},
};

static int on_page(void *userdata, const struct zt_http_page *p)
{
    struct entra_call *c = userdata;
    struct json_object *json = zt_http_page_json(p);

    if (!json) {
        return -EBADMSG; /* an empty 2xx body where Graph always sends JSON */
    }
    return endpoints[c->id].on_page ? endpoints[c->id].on_page(c->run, json) : 0;
}

static int on_item(void *userdata, struct json_object *item)
{
    struct entra_call *c = userdata;
    return endpoints[c->id].on_item(c->run, item);
}

static void run_done(struct entra_run *r)
{
    json_object_put(r->ca);
    json_object_put(r->ca_beta);
    json_object_put(r->secdef);
    json_object_put(r->methods);
    json_object_put(r->strengths);
    json_object_put(r->org);
    json_object_put(r->authz);
    json_object_put(r->admin_consent);
    json_object_put(r->apps.secret_apps);
    json_object_put(r->facts);
    entra_pim_done(&r->pim);
}

/* Get the Graph token once before the calls: a bad secret is one clear error, not eight. */
static int get_token(struct entra_run *r, const struct zt_oauth_config *auth)
{
    char err[512] = "";
    char *tok = NULL;

    int k = zt_ctx_oauth_token(r->ctx, auth, &tok, err, sizeof(err));
    zt_secret_free(tok);
    if (k < 0) {
        return zt_ctx_error(r->ctx, k, "cannot get a Microsoft Graph token for client %s: %s",
                            auth->client_id ? auth->client_id : "(managed identity)", err);
    }
    return 0;
}

static int add_call(struct entra_run *r, struct zt_http_group *g,
                    const struct zt_oauth_config *auth, const char *pace_key, enum entra_call_id id)
{
    const struct entra_endpoint *ep = &endpoints[id];
    struct entra_call *c = &r->calls[id];
    _cleanup_free_ char *path = zt_xasprintf("/%s%s", ep->version, ep->path);
    _cleanup_free_ char *full = zt_ms_url(r->s->graph_url, path);

    *c = (struct entra_call){.run = r, .id = id};
    if (!full) {
        snprintf(c->res.message, sizeof(c->res.message), "'graph_url' is too long");
        return c->res.error = -EINVAL;
    }
    struct zt_http_request req = {
        .url = full,
        .auth = auth,
        .ca_file = r->s->auth.ca_file,
        .paging = ep->paged ? ZT_PAGING_ODATA : ZT_PAGING_NONE,
        .max_pages = ep->max_pages,
        .pace_key = ep->paced ? pace_key : NULL,
        .pace_ms = ep->paced ? r->s->ca_pace_ms : 0,
        .on_page = on_page,
        .items_field = ep->on_item ? "value" : NULL,
        .on_item = ep->on_item ? on_item : NULL,
        .userdata = c,
    };
    int k = zt_ctx_http_group_add(r->ctx, g, &req, &c->res);
    if (k < 0 && c->res.error == 0) {
        c->res.error = k;
    }
    return k;
}

/* Record a failed call; a 403 names the permission the app registration lacks. */
static void call_problem(struct entra_run *r, enum entra_call_id id)
{
    const struct zt_http_result *res = &r->calls[id].res;

    if (res->status == 403) {
        zt_ctx_error(r->ctx, res->error,
                     "%s; the app needs the Microsoft Graph application permission %s with admin "
                     "consent%s",
                     res->message, endpoints[id].permission, endpoints[id].note);
    } else {
        zt_ctx_error(r->ctx, res->error, "%s", res->message);
    }
}

static bool ok(const struct entra_run *r, enum entra_call_id id)
{
    return r->calls[id].res.error == 0 && (id != E_CA_BETA || r->s->beta);
}

static void shape_problem(struct entra_run *r, enum entra_call_id id, int k)
{
    if (k < 0) {
        zt_ctx_error(r->ctx, k, "GET %s%s: unexpected response shape", endpoints[id].version,
                     endpoints[id].path);
    }
}

/* Hybrid identity, applications, consent and access reviews. */
static void derive_apps(struct entra_run *r)
{
    if (ok(r, E_ORG)) {
        shape_problem(r, E_ORG, entra_org_derive(r->org, r->now_usec, r->facts));
    }
    if (ok(r, E_DOMAINS)) {
        entra_domains_facts(&r->domains, r->facts);
    }
    if (ok(r, E_APPS)) {
        entra_apps_facts(&r->apps, r->facts);
    }
    if (ok(r, E_AUTHZ)) {
        shape_problem(r, E_AUTHZ, entra_consent_derive(r->authz, r->facts));
    }
    if (ok(r, E_ADMIN_CONSENT)) {
        shape_problem(r, E_ADMIN_CONSENT, entra_admin_consent_derive(r->admin_consent, r->facts));
    }
    if (ok(r, E_REVIEWS)) {
        entra_reviews_facts(&r->reviews, r->facts);
    }
}

static void derive(struct entra_run *r)
{
    const struct zt_strv *em = &r->s->emergency_accounts;

    if (ok(r, E_SECDEF)) {
        shape_problem(r, E_SECDEF, entra_secdefaults_derive(r->secdef, r->facts));
    }
    if (ok(r, E_METHODS)) {
        shape_problem(r, E_METHODS, entra_methods_derive(r->methods, r->facts));
    }
    if (ok(r, E_CA)) {
        struct json_object *st = ok(r, E_STRENGTHS) ? r->strengths : NULL;
        shape_problem(r, E_CA, entra_ca_derive(r->ca, st, em, r->facts));
    }
    if (r->s->beta && ok(r, E_CA_BETA)) {
        shape_problem(r, E_CA_BETA, entra_ca_derive_cae(r->ca_beta, em, r->facts));
    }
    if (ok(r, E_REG)) {
        entra_reg_facts(&r->reg, r->facts);
    }
    if (ok(r, E_PIM_ACTIVE)) {
        entra_pim_facts(&r->pim, ok(r, E_PIM_ELIGIBLE), r->facts);
    }
    derive_apps(r);
}

static void emit_facts(struct entra_run *r)
{
    json_object_object_foreach(r->facts, key, f)
    {
        struct json_object *v = entra_get(f, "value"), *d = entra_get(f, "detail");
        (void)zt_emit(r->ctx, key, json_object_get(v), json_object_get(d));
    }
}

/* Issue every call in one group and wait; returns how many succeeded. */
static int fetch_all(struct entra_run *r, const struct zt_oauth_config *auth)
{
    _cleanup_(zt_http_group_freep) struct zt_http_group *g = NULL;
    _cleanup_free_ char *pace_key =
        zt_xasprintf("graph/%s/ca", zt_ms_tenant(&r->s->auth) ? zt_ms_tenant(&r->s->auth) : "-");
    int k = zt_ctx_http_group_new(r->ctx, &g), n_ok = 0;

    if (k < 0) {
        return zt_ctx_error(r->ctx, k, "cannot create an HTTP request group");
    }
    for (enum entra_call_id id = 0; id < _E_MAX; id++) {
        if (id != E_CA_BETA || r->s->beta) {
            (void)add_call(r, g, auth, pace_key, id);
        }
    }
    (void)zt_http_group_wait(g); /* every call's outcome is in its own result */
    for (enum entra_call_id id = 0; id < _E_MAX; id++) {
        if (id == E_CA_BETA && !r->s->beta) {
            continue;
        }
        if (r->calls[id].res.error < 0) {
            call_problem(r, id);
        } else {
            n_ok++;
        }
    }
    return n_ok;
}

int entra_collect(void *state, struct zt_ctx *ctx)
{
    const struct entra_state *s = state;
    _cleanup_(run_done) struct entra_run r = {
        .s = s,
        .ctx = ctx,
        .ca = json_object_new_array(),
        .ca_beta = json_object_new_array(),
        .strengths = json_object_new_object(),
        .facts = json_object_new_object(),
        .apps = {.secret_apps = json_object_new_array()},
        .now_usec = (int64_t)zt_now_real_usec(),
    };
    _cleanup_(zt_ms_session_close) struct zt_ms_session sess = {0};
    _cleanup_free_ char *scope = zt_ms_url(s->graph_url, "/.default");
    char err[512] = "";

    entra_pim_init(&r.pim, &s->emergency_accounts);
    if (!scope) {
        return zt_ctx_error(ctx, -EINVAL, "'graph_url' is too long");
    }
    int k = zt_ms_session_open(&sess, &s->auth, scope, err, sizeof(err));
    if (k < 0) {
        return zt_ctx_error(ctx, k, "%s", err);
    }
    zt_ms_session_log(ctx, &sess);
    const struct zt_oauth_config *auth = &sess.oauth;
    k = get_token(&r, auth);
    if (k < 0) {
        return k;
    }
    if (fetch_all(&r, auth) == 0) {
        return r.calls[E_CA].res.error < 0 ? r.calls[E_CA].res.error : -EIO;
    }
    if (ok(&r, E_PIM_ACTIVE) && ok(&r, E_PIM_ELIGIBLE)) {
        entra_ga_groups_fetch(ctx, s, auth, &r.pim); /* second round: GA groups' members */
    }
    derive(&r);
    emit_facts(&r);
    zt_ctx_log(ctx, LOG_DEBUG, "entra: %zu evidence keys from tenant %s",
               (size_t)json_object_object_length(r.facts), s->auth.tenant_id);
    return 0;
}
