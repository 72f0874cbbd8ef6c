/* okta_stores.c - identity stores, lifecycle automation and risk signals of an Okta org: apps
 * reduced one by one (single sign-on, password vaulting, provisioning, profile sources), identity
 * providers, group rules, log streams, behaviour rules, the ThreatInsight action; their evidence.
 */
#include <strings.h>

#include "okta.h"

static bool status_active(struct json_object *e)
{
    const char *status = zt_json_str(e, "status");
    return status && strcasecmp(status, "ACTIVE") == 0;
}

static bool in_list(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; s && i < n; i++) {
        if (strcasecmp(s, list[i]) == 0) {
            return true;
        }
    }
    return false;
}

/* Whether the app's features array holds feature (PUSH_NEW_USERS, IMPORT_NEW_USERS). */
static bool has_feature(struct json_object *app, const char *feature)
{
    struct json_object *f = zt_http_json_path(app, "features");

    for (size_t i = 0; json_object_is_type(f, json_type_array) && i < json_object_array_length(f);
         i++) {
        struct json_object *v = json_object_array_get_idx(f, i);
        if (json_object_is_type(v, json_type_string) &&
            strcasecmp(json_object_get_string(v), feature) == 0) {
            return true;
        }
    }
    return false;
}

static const char *const sso_modes[] = {"SAML_2_0", "SAML_1_1", "OPENID_CONNECT", "WS_FEDERATION"};
static const char *const vaulted_modes[] = {"AUTO_LOGIN", "BROWSER_PLUGIN", "SECURE_PASSWORD_STORE",
                                            "BASIC_AUTH"};

/* Append label (or "?") to *names, created on first use, up to OKTA_DETAIL_MAX. */
static void add_name(struct json_object **names, const char *label)
{
    if (!*names) {
        *names = json_object_new_array();
    }
    if (json_object_array_length(*names) < OKTA_DETAIL_MAX) {
        json_object_array_add(*names, json_object_new_string(label ? label : "?"));
    }
}

/* A target app keeps accounts Okta should provision: remember it to read its assignments. */
static void count_target(struct zt_okta_stores *s, struct json_object *app)
{
    s->targets++;
    s->provisioned_accounts += has_feature(app, "PUSH_NEW_USERS");
    s->deprovisioned_accounts += has_feature(app, "PUSH_USER_DEACTIVATION");
    if (!s->target_apps) {
        s->target_apps = json_object_new_array();
    }
    if (json_object_array_length(s->target_apps) >= OKTA_TARGETS_MAX) {
        s->targets_overflow = true;
        return;
    }
    const char *id = zt_json_str(app, "id"), *label = zt_json_str(app, "label");
    struct json_object *t = json_object_new_object();
    json_object_object_add(t, "id", json_object_new_string(id ? id : ""));
    json_object_object_add(t, "label", json_object_new_string(label ? label : "?"));
    json_object_array_add(s->target_apps, t);
}

static void count_app(struct zt_okta_stores *s, struct json_object *app)
{
    const char *mode = zt_json_str(app, "signOnMode");

    bool sso = in_list(mode, sso_modes, ZT_ELEMENTSOF(sso_modes));
    bool vaulted = in_list(mode, vaulted_modes, ZT_ELEMENTSOF(vaulted_modes));
    bool source = has_feature(app, "PROFILE_MASTERING");

    s->apps_active++;
    s->sso += sso;
    s->provisioning += has_feature(app, "PUSH_NEW_USERS");
    s->imports += has_feature(app, "IMPORT_NEW_USERS");
    s->profile_sources += source;
    if (vaulted) {
        s->vaulted++;
        add_name(&s->vaulted_names, zt_json_str(app, "label"));
    }
    if ((sso || vaulted) && !source) {
        count_target(s, app);
    }
}

int zt_okta_stores_item(struct zt_okta_stores *s, enum zt_okta_list list, struct json_object *e)
{
    if (!json_object_is_type(e, json_type_object)) {
        return -EBADMSG;
    }
    if (!status_active(e)) {
        return 0; /* an inactive app, IdP, rule, stream or behaviour does nothing */
    }
    switch (list) {
    case ZT_OKTA_APPS:
        count_app(s, e);
        break;
    case ZT_OKTA_IDPS:
        s->idps_active++;
        break;
    case ZT_OKTA_GROUP_RULES:
        s->rules_active++;
        break;
    case ZT_OKTA_LOG_STREAMS:
        s->streams_active++;
        break;
    case ZT_OKTA_BEHAVIORS:
        s->behaviors_active++;
        break;
    default:
        return -EINVAL;
    }
    return 0;
}

void zt_okta_app_direct(struct zt_okta_stores *s, size_t i)
{
    struct json_object *t = json_object_array_get_idx(s->target_apps, i);

    s->direct_apps++;
    add_name(&s->direct_names, zt_json_str(t, "label"));
}

int zt_okta_threats_doc(struct zt_okta_stores *s, struct json_object *doc)
{
    static const char *const actions[] = {"none", "audit", "block"};
    const char *action = zt_json_str(doc, "action");

    for (size_t i = 0; action && i < ZT_ELEMENTSOF(actions); i++) {
        if (strcasecmp(action, actions[i]) == 0) {
            s->threat_action = actions[i];
            return 0;
        }
    }
    return -EBADMSG;
}

uint64_t zt_okta_apps_with_accounts(const struct zt_okta_stores *s)
{
    return s->sso + s->vaulted;
}

double zt_okta_share(uint64_t part, uint64_t whole)
{
    /* four decimals, rounded half up (no libm needed) */
    return (double)(uint64_t)((double)part / (double)whole * 10000.0 + 0.5) / 10000.0;
}

void zt_okta_stores_clear(struct zt_okta_stores *s)
{
    json_object_put(s->vaulted_names);
    json_object_put(s->target_apps);
    json_object_put(s->direct_names);
    s->vaulted_names = s->target_apps = s->direct_names = NULL;
}

static int emit_share(struct zt_ctx *ctx, const char *key, uint64_t part, uint64_t whole,
                      struct json_object *detail)
{
    if (whole == 0) { /* a share of nothing is unknown, not 0 or 1 */
        json_object_put(detail);
        return 0;
    }
    return zt_emit(ctx, key, json_object_new_double(zt_okta_share(part, whole)), detail);
}

static struct json_object *names_detail(const char *field, struct json_object *names)
{
    struct json_object *d = json_object_new_object();
    json_object_object_add(d, field, names ? json_object_get(names) : json_object_new_array());
    return d;
}

static int emit_apps(struct zt_ctx *ctx, const struct zt_okta_stores *s)
{
    int r = zt_emit_int(ctx, "okta.apps.active", (int64_t)s->apps_active);
    if (r == 0) {
        r = zt_emit_int(ctx, "okta.apps.sso_count", (int64_t)s->sso);
    }
    if (r == 0) {
        r = zt_emit(ctx, "okta.apps.password_vaulted_count",
                    json_object_new_int64((int64_t)s->vaulted),
                    names_detail("apps", s->vaulted_names));
    }
    if (r == 0) {
        r = zt_emit_int(ctx, "okta.apps.provisioning_count", (int64_t)s->provisioning);
    }
    if (r == 0) {
        r = zt_emit_int(ctx, "okta.apps.import_count", (int64_t)s->imports);
    }
    if (r == 0) {
        r = zt_emit_int(ctx, "okta.apps.profile_source_count", (int64_t)s->profile_sources);
    }
    if (r == 0) {
        r = emit_share(ctx, "okta.apps.provisioned_share", s->provisioned_accounts, s->targets,
                       NULL);
    }
    if (r == 0) {
        r = emit_share(ctx, "okta.apps.deprovisioned_share", s->deprovisioned_accounts, s->targets,
                       NULL);
    }
    if (r == 0) {
        r = emit_share(ctx, "okta.apps.sso_share", s->sso, zt_okta_apps_with_accounts(s), NULL);
    }
    return r;
}

static int emit_assignments(struct zt_ctx *ctx, const struct zt_okta_stores *s)
{
    int r = zt_emit(ctx, "okta.apps.direct_assignment_count",
                    json_object_new_int64((int64_t)s->direct_apps),
                    names_detail("apps", s->direct_names));
    if (r == 0) {
        r = emit_share(ctx, "okta.apps.group_assigned_share", s->targets - s->direct_apps,
                       s->targets, NULL);
    }
    return r;
}

int zt_okta_stores_emit(struct zt_ctx *ctx, const struct zt_okta_stores *s,
                        const struct zt_okta_have *have)
{
    int r = have->list[ZT_OKTA_APPS] ? emit_apps(ctx, s) : 0;

    if (r == 0 && have->list[ZT_OKTA_APPS] && have->assignments && !s->targets_overflow) {
        r = emit_assignments(ctx, s);
    }
    if (r == 0 && have->list[ZT_OKTA_IDPS]) {
        r = zt_emit_int(ctx, "okta.idps.active_count", (int64_t)s->idps_active);
    }
    if (r == 0 && have->list[ZT_OKTA_GROUP_RULES]) {
        r = zt_emit_int(ctx, "okta.grouprules.active", (int64_t)s->rules_active);
    }
    if (r == 0 && have->list[ZT_OKTA_LOG_STREAMS]) {
        r = zt_emit_int(ctx, "okta.logstreams.active", (int64_t)s->streams_active);
    }
    if (r == 0 && have->list[ZT_OKTA_BEHAVIORS]) {
        r = zt_emit_int(ctx, "okta.behaviors.active", (int64_t)s->behaviors_active);
    }
    if (r == 0 && have->threats && s->threat_action) {
        r = zt_emit(ctx, "okta.threatinsight.action", json_object_new_string(s->threat_action),
                    NULL);
    }
    if (r == 0 && have->itp >= 0) {
        r = zt_emit_bool(ctx, "okta.itp.enabled", have->itp > 0);
    }
    if (r == 0 && have->itp >= 0) {
        r = zt_emit_bool(ctx, "okta.itp.automated_response", have->itp > 0 && s->itp_response);
    }
    return r;
}
