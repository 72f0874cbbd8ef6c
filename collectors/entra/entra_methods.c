/* entra_methods.c - facts from the authentication methods policy (weak methods off, strong ones
 * on, migration off the legacy MFA/SSPR policies) and from security defaults. */
#include <strings.h>

#include "entra.h"
#include "util.h"

/* Methods a phisher can relay or intercept (ScubaGear MS.AAD.3.5). */
static const char *const weak_methods[] = {"Sms", "Voice", "Email"};

/* The configuration with id (compared case-insensitively: the body says "X509Certificate", the
 * PATCH path "x509Certificate"), or NULL when the method is not configured. */
static struct json_object *method(struct json_object *configs, const char *id)
{
    for (size_t i = 0; i < entra_array_len(configs); i++) {
        struct json_object *c = json_object_array_get_idx(configs, i);
        const char *cid = zt_json_str(c, "id");
        if (cid && strcasecmp(cid, id) == 0) {
            return c;
        }
    }
    return NULL;
}

static bool method_enabled(struct json_object *c)
{
    const char *state = zt_json_str(c, "state");
    return state && strcasecmp(state, "enabled") == 0;
}

/* A weak method is off only when it says "disabled": a missing or unknown state counts as on. */
static bool method_disabled(struct json_object *c)
{
    const char *state = zt_json_str(c, "state");
    return state && strcasecmp(state, "disabled") == 0;
}

static void weak_fact(struct json_object *configs, struct json_object *facts)
{
    struct json_object *d = json_object_new_object(), *on = json_object_new_array();
    struct json_object *present = json_object_new_array();

    for (size_t i = 0; i < ZT_ELEMENTSOF(weak_methods); i++) {
        struct json_object *c = method(configs, weak_methods[i]);
        if (c) {
            entra_detail_push(present, weak_methods[i]);
        }
        if (c && method_disabled(c)) {
            continue;
        }
        if (c) {
            entra_detail_push(on, weak_methods[i]);
        }
    }
    bool ok = json_object_array_length(on) == 0;
    json_object_object_add(d, "configured", present);
    json_object_object_add(d, "enabled", on);
    entra_fact(facts, "entra.authmethods.weak_methods_disabled", json_object_new_boolean(ok), d);
}

/* Emit key for method id: enabled, with its include targets ("all_users" or group ids). */
static bool strong_fact(struct json_object *configs, const char *id, const char *key,
                        struct json_object *facts)
{
    struct json_object *c = method(configs, id), *d = json_object_new_object();
    struct json_object *targets = json_object_new_array(), *inc = entra_get(c, "includeTargets");
    bool on = c && method_enabled(c);

    for (size_t i = 0; i < entra_array_len(inc); i++) {
        entra_detail_push(targets, zt_json_str(json_object_array_get_idx(inc, i), "id"));
    }
    json_object_object_add(d, "configured", json_object_new_boolean(c != NULL));
    json_object_object_add(d, "include_targets", targets);
    entra_fact(facts, key, json_object_new_boolean(on), d);
    return on;
}

int entra_methods_derive(struct json_object *policy, struct json_object *facts)
{
    struct json_object *configs = entra_get(policy, "authenticationMethodConfigurations");
    struct json_object *mig = NULL;

    if (!configs || !json_object_is_type(configs, json_type_array)) {
        return -EBADMSG;
    }
    weak_fact(configs, facts);
    bool fido2 = strong_fact(configs, "Fido2", "entra.authmethods.fido2_enabled", facts);
    bool x509 = strong_fact(configs, "X509Certificate",
                            "entra.authmethods.x509_certificate_enabled", facts);
    entra_fact(facts, "entra.authmethods.phishing_resistant_method_enabled",
               json_object_new_boolean(fido2 || x509), NULL);
    /* null (never had legacy policies) counts as complete, as Maester does. */
    json_object_object_get_ex(policy, "policyMigrationState", &mig);
    const char *state =
        mig && json_object_is_type(mig, json_type_string) ? json_object_get_string(mig) : NULL;
    struct json_object *d = json_object_new_object();
    json_object_object_add(d, "policyMigrationState", state ? json_object_new_string(state) : NULL);
    entra_fact(facts, "entra.authmethods.migration_complete",
               json_object_new_boolean(!state || strcasecmp(state, "migrationComplete") == 0), d);
    return 0;
}

int entra_secdefaults_derive(struct json_object *doc, struct json_object *facts)
{
    return entra_fact_flag(doc, "isEnabled", "entra.security_defaults.enabled", facts);
}
