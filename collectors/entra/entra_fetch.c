/* entra_fetch.c - collect() of the entra collector: one Graph token, then every independent
 * Graph call at once in one group (Conditional Access paced at 1 request/s per tenant), pages
 * reduced as they arrive, then a second group for the members of the groups holding Global
 * Administrator (entra_pim_groups.c), then the pure derive steps and the evidence. */
#include <syslog.h>

#include "entra_run.h"

static int on_page(void *userdata, const struct zt_http_page *p)
{
    struct entra_call *c = userdata;
    struct json_object *json = zt_http_page_json(p);

    if (!json) {
        return -EBADMSG; /* an empty 2xx body where Graph always sends JSON */
    }
    return entra_endpoints[c->id].on_page ? entra_endpoints[c->id].on_page(c->run, json) : 0;
}

static int on_item(void *userdata, struct json_object *item)
{
    struct entra_call *c = userdata;
    return entra_endpoints[c->id].on_item(c->run, item);
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
    json_object_put(r->xtap);
    json_object_put(r->sps.secret_sps);
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
    const struct entra_endpoint *ep = &entra_endpoints[id];
    struct entra_call *c = &r->calls[id];
    _cleanup_free_ char *path = zt_xasprintf("/%s%s", ep->version, ep->path);
    _cleanup_free_ char *full = zt_ms_url(r->s->graph_url, path);

    *c = (struct entra_call){.run = r, .id = id};
    if (!full) {
        snprintf(c->res.message, sizeof(c->res.message), "'graph_url' is too long");
        return c->res.error = -EINVAL;
    }
    const char *headers[] = {ep->header, NULL};
    struct zt_http_request req = {
        .url = full,
        .headers = ep->header ? headers : NULL,
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

/* Record a failed call; a 403 names the permission the app registration lacks, a 400 or 404 of a
 * licensed feature the licence (Graph answers so when the tenant does not have it). Either way the
 * facts of the call are left out: unknown, never a pass or a fail. */
static void call_problem(struct entra_run *r, enum entra_call_id id)
{
    const struct zt_http_result *res = &r->calls[id].res;
    const char *licence = entra_endpoints[id].licence;

    if ((res->status == 400 || res->status == 404) && licence) {
        zt_ctx_error(r->ctx, res->error,
                     "%s; the feature may not be licensed in this tenant (it needs %s): its "
                     "evidence is left out",
                     res->message, licence);
    } else if (res->status == 403) {
        zt_ctx_error(r->ctx, res->error,
                     "%s; the app needs the Microsoft Graph application permission %s with admin "
                     "consent%s",
                     res->message, entra_endpoints[id].permission, entra_endpoints[id].note);
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
        zt_ctx_error(r->ctx, k, "GET %s%s: unexpected response shape", entra_endpoints[id].version,
                     entra_endpoints[id].path);
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

/* Workload identities, cross-tenant access and identity governance. */
static void derive_workloads(struct entra_run *r)
{
    if (ok(r, E_SPS)) {
        entra_sps_facts(&r->sps, r->facts);
    }
    if (ok(r, E_FIC_APPS)) {
        entra_fact(r->facts, "entra.apps.federated_credentials",
                   json_object_new_int64((int64_t)r->fic_apps), NULL);
    }
    if (ok(r, E_CA)) {
        shape_problem(r, E_CA, entra_ca_workload_derive(r->ca, r->facts));
    }
    if (ok(r, E_XTAP)) {
        shape_problem(r, E_XTAP, entra_xtap_derive(r->xtap, r->facts));
    }
    if (ok(r, E_LCW)) {
        entra_lcw_facts(&r->gov, r->facts);
    }
    if (ok(r, E_EM)) {
        entra_em_facts(&r->gov, r->facts);
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
    derive_workloads(r);
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
        .sps = {.secret_sps = json_object_new_array()},
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
