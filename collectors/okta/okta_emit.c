/* okta_emit.c - the okta.* evidence of one collection, from the policy walks, the authenticator
 * facts and the device assurance count (collectors/okta/okta.h). */
#include "okta.h"

static struct json_object *ref(struct json_object *o)
{
    return o ? json_object_get(o) : NULL;
}

static int emit_bool(struct zt_ctx *ctx, const char *key, bool v, struct json_object *detail)
{
    return zt_emit(ctx, key, json_object_new_boolean(v), ref(detail));
}

static int emit_signon(struct zt_ctx *ctx, const struct zt_okta_walk *w)
{
    int r = zt_emit_int(ctx, "okta.signon.policies_active", w->policies);
    if (r == 0) {
        r = emit_bool(ctx, "okta.signon.mfa_all_users", w->mfa, w->detail);
    }
    return r;
}

static int emit_access(struct zt_ctx *ctx, const struct zt_okta_walk *w)
{
    int r = zt_emit_int(ctx, "okta.access.policies_active", w->policies);
    if (r < 0 || w->policies == 0) {
        return r; /* Classic org, or no authentication policy: nothing to judge */
    }
    r = emit_bool(ctx, "okta.access.mfa_all_users", w->mfa, w->detail);
    if (r == 0) {
        r = emit_bool(ctx, "okta.access.phishing_resistant_all_users", w->phishing_resistant,
                      w->detail);
    }
    if (r == 0) {
        r = emit_bool(ctx, "okta.access.device_assurance_all_users", w->device_assurance,
                      w->detail);
    }
    if (r == 0) {
        r = emit_bool(ctx, "okta.access.device_assurance_used", w->device_assurance_used, NULL);
    }
    if (r == 0 && w->reauth_known) {
        r = zt_emit_int(ctx, "okta.access.reauthenticate_max_seconds", w->reauth_max_sec);
    }
    return r;
}

static int emit_authn(struct zt_ctx *ctx, const struct zt_okta_authn *a)
{
    struct json_object *weak = a->weak ? ref(a->weak) : json_object_new_array();
    struct json_object *detail = json_object_new_object();

    json_object_object_add(detail, "weak", weak);
    json_object_object_add(detail, "enroll_policies_active",
                           json_object_new_int64(a->enroll_policies));
    int r = zt_emit(ctx, "okta.authenticators.active",
                    a->active ? ref(a->active) : json_object_new_array(), NULL);
    if (r == 0) {
        r = zt_emit_bool(ctx, "okta.authenticators.webauthn_active", a->webauthn);
    }
    if (r == 0) {
        r = zt_emit_bool(ctx, "okta.authenticators.fastpass_active", a->fastpass);
    }
    if (r == 0) {
        r = zt_emit_bool(ctx, "okta.authenticators.phishing_resistant_enabled",
                         a->webauthn || a->smart_card || a->fastpass);
    }
    if (r == 0) {
        r = zt_emit(ctx, "okta.authenticators.weak_methods_disabled",
                    json_object_new_boolean(!a->weak || json_object_array_length(a->weak) == 0),
                    TAKE_PTR(detail));
    }
    json_object_put(detail);
    return r;
}

int zt_okta_emit(struct zt_ctx *ctx, const struct zt_okta_walk *signon,
                 const struct zt_okta_walk *access, const struct zt_okta_authn *authn,
                 int64_t device_assurances)
{
    int r = signon ? emit_signon(ctx, signon) : 0;
    if (r == 0 && access) {
        r = emit_access(ctx, access);
    }
    if (r == 0 && authn) {
        r = emit_authn(ctx, authn);
    }
    if (r == 0 && device_assurances >= 0) {
        r = zt_emit_int(ctx, "okta.device_assurance.policies", device_assurances);
    }
    return r;
}
