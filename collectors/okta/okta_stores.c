/* okta_stores.c - identity stores and lifecycle automation of an Okta org: apps reduced one by
 * one (single sign-on, password vaulting, provisioning, profile sources), identity providers,
 * group rules, and the ThreatInsight action; then their okta.* evidence. */
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

static void count_app(struct zt_okta_stores *s, struct json_object *app)
{
    const char *mode = zt_json_str(app, "signOnMode");

    bool sso = in_list(mode, sso_modes, ZT_ELEMENTSOF(sso_modes));
    bool vaulted = in_list(mode, vaulted_modes, ZT_ELEMENTSOF(vaulted_modes));
    bool push = has_feature(app, "PUSH_NEW_USERS");

    s->apps_active++;
    s->sso += sso;
    s->provisioning += push;
    s->provisioned_accounts += push && (sso || vaulted);
    if (vaulted) {
        s->vaulted++;
        if (!s->vaulted_names) {
            s->vaulted_names = json_object_new_array();
        }
        const char *label = zt_json_str(app, "label");
        if (json_object_array_length(s->vaulted_names) < OKTA_DETAIL_MAX) {
            json_object_array_add(s->vaulted_names, json_object_new_string(label ? label : "?"));
        }
    }
    s->imports += has_feature(app, "IMPORT_NEW_USERS");
}

int zt_okta_stores_item(struct zt_okta_stores *s, enum zt_okta_list list, struct json_object *e)
{
    if (!json_object_is_type(e, json_type_object)) {
        return -EBADMSG;
    }
    if (!status_active(e)) {
        return 0; /* an inactive app, IdP or rule integrates and automates nothing */
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
    default:
        return -EINVAL;
    }
    return 0;
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
    s->vaulted_names = NULL;
}

static int emit_apps(struct zt_ctx *ctx, const struct zt_okta_stores *s)
{
    struct json_object *d = json_object_new_object();

    json_object_object_add(
        d, "apps", s->vaulted_names ? json_object_get(s->vaulted_names) : json_object_new_array());
    int r = zt_emit_int(ctx, "okta.apps.active", (int64_t)s->apps_active);
    if (r == 0) {
        r = zt_emit_int(ctx, "okta.apps.sso_count", (int64_t)s->sso);
    }
    if (r == 0) {
        r = zt_emit(ctx, "okta.apps.password_vaulted_count",
                    json_object_new_int64((int64_t)s->vaulted), TAKE_PTR(d));
    }
    if (r == 0) {
        r = zt_emit_int(ctx, "okta.apps.provisioning_count", (int64_t)s->provisioning);
    }
    if (r == 0) {
        r = zt_emit_int(ctx, "okta.apps.import_count", (int64_t)s->imports);
    }
    uint64_t accounts = zt_okta_apps_with_accounts(s);
    if (r == 0 && accounts > 0) { /* a share of no app is unknown, not 0 or 1 */
        r = zt_emit(ctx, "okta.apps.provisioned_share",
                    json_object_new_double(zt_okta_share(s->provisioned_accounts, accounts)), NULL);
    }
    json_object_put(d);
    return r;
}

int zt_okta_stores_emit(struct zt_ctx *ctx, const struct zt_okta_stores *s,
                        const bool have[_ZT_OKTA_LIST_MAX], bool have_threats)
{
    int r = have[ZT_OKTA_APPS] ? emit_apps(ctx, s) : 0;

    if (r == 0 && have[ZT_OKTA_IDPS]) {
        r = zt_emit_int(ctx, "okta.idps.active_count", (int64_t)s->idps_active);
    }
    if (r == 0 && have[ZT_OKTA_GROUP_RULES]) {
        r = zt_emit_int(ctx, "okta.grouprules.active", (int64_t)s->rules_active);
    }
    if (r == 0 && have_threats && s->threat_action) {
        r = zt_emit(ctx, "okta.threatinsight.action", json_object_new_string(s->threat_action),
                    NULL);
    }
    return r;
}
