/* entra_ca_keys.c - the entra.ca.* facts (docs/evidence.md): which enabled policy, on its own,
 * enforces a control for all users and all apps with no narrowing condition, and why near misses
 * miss. */
#include <stdarg.h>
#include <strings.h>

#include "entra_ca.h"
#include "util.h"

enum ca_scope {
    CA_SCOPE_ALL_USERS,
    CA_SCOPE_PRIVILEGED_ROLES, /* all users, or every privileged role */
};

enum ca_apps {
    CA_APPS_ALL,
    CA_APPS_REGISTRATION, /* the "register security information" user action instead */
};

struct ca_key {
    const char *key;
    enum ca_scope scope;
    enum ca_apps apps;
    unsigned allowed; /* the narrowing conditions the key is about */
    enum ca_tri (*control)(const struct ca_policy *c);
};

static enum ca_tri tri(bool b)
{
    return b ? CA_YES : CA_NO;
}

static enum ca_tri legacy_blocked(const struct ca_policy *c)
{
    return tri(c->legacy_clients && c->block);
}

static enum ca_tri user_risk_blocked(const struct ca_policy *c)
{
    return tri(c->user_risk_high && c->block);
}

static enum ca_tri signin_risk_blocked(const struct ca_policy *c)
{
    return tri(c->signin_risk_high && c->block);
}

/* Microsoft's recommended responses: block, or secure password change (with MFA) / MFA. */
static enum ca_tri user_risk_remediated(const struct ca_policy *c)
{
    return tri(c->user_risk_high &&
               (c->block || c->password_change || entra_ca_requires_mfa(c) == CA_YES));
}

static enum ca_tri signin_risk_remediated(const struct ca_policy *c)
{
    return tri(c->signin_risk_high && (c->block || entra_ca_requires_mfa(c) == CA_YES));
}

static enum ca_tri device_code_blocked(const struct ca_policy *c)
{
    return tri(c->device_code_flow && c->block);
}

static enum ca_tri registration_device(const struct ca_policy *c)
{
    return c->registration_action ? entra_ca_requires_managed_device(c) : CA_NO;
}

static enum ca_tri sign_in_frequency(const struct ca_policy *c)
{
    return tri(c->sif_enabled && !c->block);
}

static enum ca_tri sign_in_frequency_on_risk(const struct ca_policy *c)
{
    return tri(c->sif_every_time && (c->narrow & (CA_N_USER_RISK | CA_N_SIGNIN_RISK)) && !c->block);
}

static enum ca_tri cae_strict(const struct ca_policy *c)
{
    return tri(c->cae_mode && (strcasecmp(c->cae_mode, "strictEnforcement") == 0 ||
                               strcasecmp(c->cae_mode, "strictLocation") == 0));
}

static const struct ca_key ca_keys[] = {
    {"entra.ca.legacy_auth_blocked", CA_SCOPE_ALL_USERS, CA_APPS_ALL, CA_N_CLIENT_APPS,
     legacy_blocked},
    {"entra.ca.high_user_risk_blocked", CA_SCOPE_ALL_USERS, CA_APPS_ALL, CA_N_USER_RISK,
     user_risk_blocked},
    {"entra.ca.high_signin_risk_blocked", CA_SCOPE_ALL_USERS, CA_APPS_ALL, CA_N_SIGNIN_RISK,
     signin_risk_blocked},
    {"entra.ca.high_user_risk_remediated", CA_SCOPE_ALL_USERS, CA_APPS_ALL, CA_N_USER_RISK,
     user_risk_remediated},
    {"entra.ca.high_signin_risk_remediated", CA_SCOPE_ALL_USERS, CA_APPS_ALL, CA_N_SIGNIN_RISK,
     signin_risk_remediated},
    {"entra.ca.mfa_all_users", CA_SCOPE_ALL_USERS, CA_APPS_ALL, 0, entra_ca_requires_mfa},
    {"entra.ca.phishing_resistant_mfa_all_users", CA_SCOPE_ALL_USERS, CA_APPS_ALL, 0,
     entra_ca_requires_phishing_resistant},
    {"entra.ca.phishing_resistant_mfa_privileged_roles", CA_SCOPE_PRIVILEGED_ROLES, CA_APPS_ALL, 0,
     entra_ca_requires_phishing_resistant},
    {"entra.ca.managed_device_required", CA_SCOPE_ALL_USERS, CA_APPS_ALL, 0,
     entra_ca_requires_managed_device},
    {"entra.ca.managed_device_for_registration", CA_SCOPE_ALL_USERS, CA_APPS_REGISTRATION,
     CA_N_USER_ACTIONS, registration_device},
    {"entra.ca.device_code_flow_blocked", CA_SCOPE_ALL_USERS, CA_APPS_ALL, CA_N_AUTH_FLOWS,
     device_code_blocked},
    {"entra.ca.sign_in_frequency_all_users", CA_SCOPE_ALL_USERS, CA_APPS_ALL, 0, sign_in_frequency},
    {"entra.ca.sign_in_frequency_on_risk", CA_SCOPE_ALL_USERS, CA_APPS_ALL,
     CA_N_USER_RISK | CA_N_SIGNIN_RISK, sign_in_frequency_on_risk},
};

static const struct ca_key ca_cae_key = {"entra.ca.cae_strict_enforcement", CA_SCOPE_ALL_USERS,
                                         CA_APPS_ALL, 0, cae_strict};

_printf_(2, 3) static void reason(struct json_object *reasons, const char *fmt, ...)
{
    char buf[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    entra_detail_push(reasons, buf);
}

/* Excluded users or groups: break-glass ids are listed in excluded, any other id is a reason. */
static void check_excluded(struct json_object *ids, const char *what,
                           const struct zt_strv *emergency, struct json_object *reasons,
                           struct json_object *excluded)
{
    for (size_t i = 0; i < entra_array_len(ids); i++) {
        const char *id = json_object_get_string(json_object_array_get_idx(ids, i));
        if (zt_streq(id, "GuestsOrExternalUsers")) {
            continue; /* reported as a guest exclusion */
        }
        if (entra_is_emergency(emergency, id)) {
            entra_detail_push(excluded, id);
        } else {
            reason(reasons, "excludes %s %s (not in emergency_accounts)", what, id);
        }
    }
}

static void check_users(const struct ca_policy *c, const struct ca_key *k,
                        const struct zt_strv *emergency, struct json_object *reasons,
                        struct json_object *excluded)
{
    if (k->scope == CA_SCOPE_ALL_USERS && !c->users_all) {
        reason(reasons, "does not include all users");
    } else if (k->scope == CA_SCOPE_PRIVILEGED_ROLES && !c->users_all && !c->priv_roles_all) {
        reason(reasons, "includes neither all users nor every privileged role");
    }
    if (entra_array_len(c->ex_roles) > 0) {
        reason(reasons, "excludes directory roles");
    }
    check_excluded(c->ex_users, "user", emergency, reasons, excluded);
    check_excluded(c->ex_groups, "group", emergency, reasons, excluded);
    if (c->guests_excluded) {
        reason(reasons, "excludes guests or external users");
    }
}

static void check_apps_and_conditions(const struct ca_policy *c, const struct ca_key *k,
                                      struct json_object *reasons)
{
    if (k->apps == CA_APPS_ALL && !c->apps_all) {
        reason(reasons, "does not include all cloud apps");
    }
    if (k->apps == CA_APPS_ALL && c->apps_excluded > 0) {
        for (size_t i = 0; i < c->apps_excluded; i++) {
            const char *app = json_object_get_string(json_object_array_get_idx(c->ex_apps, i));
            reason(reasons, "excludes application %s", app ? app : "?");
        }
    }
    if (k->apps == CA_APPS_REGISTRATION && !c->registration_action) {
        reason(reasons, "does not target the register-security-info user action");
    }
    for (unsigned b = 0; b < _CA_N_COUNT; b++) {
        if (c->narrow & ~k->allowed & (1u << b)) {
            reason(reasons, "narrowed by %s", entra_ca_narrow_name(b));
        }
    }
}

static struct json_object *policy_ref(const struct ca_policy *c)
{
    struct json_object *o = json_object_new_object();

    json_object_object_add(o, "id", c->id ? json_object_new_string(c->id) : NULL);
    json_object_object_add(o, "displayName", c->name ? json_object_new_string(c->name) : NULL);
    json_object_object_add(o, "state", c->state ? json_object_new_string(c->state) : NULL);
    return o;
}

struct ca_outcome {
    struct json_object *satisfied, *near;
    size_t n_satisfied, n_near;
    bool unknown;
};

/* Judge policy c for key k: satisfies it, a near miss (control matches, scope does not), or
 * irrelevant. */
static void judge(const struct ca_policy *c, const struct ca_key *k,
                  const struct zt_strv *emergency, struct ca_outcome *o)
{
    enum ca_tri t = k->control(c);
    _cleanup_json_ struct json_object *ref = NULL;

    if (t == CA_NO) {
        return;
    }
    ref = policy_ref(c);
    struct json_object *reasons = json_object_new_array(), *excl = json_object_new_array();
    if (!c->enabled) {
        reason(reasons, "state is %s (only enabled policies enforce)",
               c->state ? c->state : "missing");
    }
    check_users(c, k, emergency, reasons, excl);
    check_apps_and_conditions(c, k, reasons);
    bool clean = json_object_array_length(reasons) == 0;
    json_object_object_add(ref, "emergency_exclusions", excl);
    if (clean && t == CA_YES) {
        json_object_put(reasons);
        if (o->n_satisfied++ < ENTRA_DETAIL_MAX) {
            json_object_array_add(o->satisfied, TAKE_PTR(ref));
        }
        return;
    }
    o->unknown = o->unknown || clean; /* only the strength's combinations are unknown */
    if (t == CA_UNKNOWN) {
        reason(reasons, "authentication strength could not be resolved");
    }
    json_object_object_add(ref, "reasons", reasons);
    if (o->n_near++ < ENTRA_DETAIL_MAX) {
        json_object_array_add(o->near, TAKE_PTR(ref));
    }
}

static void derive_key(const struct ca_policy *cs, size_t n, const struct ca_key *k,
                       const struct zt_strv *emergency, struct json_object *facts)
{
    struct ca_outcome o = {.satisfied = json_object_new_array(), .near = json_object_new_array()};

    for (size_t i = 0; i < n; i++) {
        judge(&cs[i], k, emergency, &o);
    }
    if (o.n_satisfied == 0 && o.unknown) {
        /* Unknown, not false: a policy might enforce it but its strength could not be read. */
        json_object_put(o.satisfied);
        json_object_put(o.near);
        return;
    }
    struct json_object *d = json_object_new_object();
    json_object_object_add(d, "satisfied_by", o.satisfied);
    json_object_object_add(d, "near_misses", o.near);
    json_object_object_add(d, "near_miss_count", json_object_new_int64((int64_t)o.n_near));
    entra_fact(facts, k->key, json_object_new_boolean(o.n_satisfied > 0), d);
}

/* Parse every policy of the array into a new vector; returns its length or -EBADMSG. */
static int parse_all(struct json_object *policies, struct json_object *strengths,
                     struct ca_policy **ret)
{
    size_t n = entra_array_len(policies);

    if (!policies || !json_object_is_type(policies, json_type_array) || n > ENTRA_CA_MAX) {
        return -EBADMSG;
    }
    _cleanup_free_ struct ca_policy *cs = zt_xcalloc(n ? n : 1, sizeof(*cs));
    for (size_t i = 0; i < n; i++) {
        if (entra_ca_parse(json_object_array_get_idx(policies, i), strengths, &cs[i]) < 0) {
            return -EBADMSG;
        }
    }
    *ret = TAKE_PTR(cs);
    return (int)n;
}

static void derive_counts(const struct ca_policy *cs, size_t n, struct json_object *facts)
{
    int64_t enabled = 0, report_only = 0;

    for (size_t i = 0; i < n; i++) {
        enabled += cs[i].enabled;
        report_only += zt_streq(cs[i].state, "enabledForReportingButNotEnforced");
    }
    entra_fact(facts, "entra.ca.policies_total", json_object_new_int64((int64_t)n), NULL);
    entra_fact(facts, "entra.ca.policies_enabled", json_object_new_int64(enabled), NULL);
    entra_fact(facts, "entra.ca.policies_report_only", json_object_new_int64(report_only), NULL);
}

int entra_ca_derive(struct json_object *policies, struct json_object *strengths,
                    const struct zt_strv *emergency, struct json_object *facts)
{
    _cleanup_free_ struct ca_policy *cs = NULL;
    int n = parse_all(policies, strengths, &cs);

    if (n < 0) {
        return n;
    }
    for (size_t i = 0; i < ZT_ELEMENTSOF(ca_keys); i++) {
        derive_key(cs, (size_t)n, &ca_keys[i], emergency, facts);
    }
    derive_counts(cs, (size_t)n, facts);
    return 0;
}

int entra_ca_derive_cae(struct json_object *beta_policies, const struct zt_strv *emergency,
                        struct json_object *facts)
{
    _cleanup_free_ struct ca_policy *cs = NULL;
    int n = parse_all(beta_policies, NULL, &cs);

    if (n < 0) {
        return n;
    }
    struct json_object *disabling = json_object_new_array();
    for (int i = 0; i < n; i++) {
        if (cs[i].enabled && cs[i].cae_mode && strcasecmp(cs[i].cae_mode, "disabled") == 0) {
            json_object_array_add(disabling, policy_ref(&cs[i]));
        }
    }
    /* Any enabled policy that turns CAE off weakens it for whoever it scopes. */
    struct json_object *d = json_object_new_object();
    bool off = json_object_array_length(disabling) > 0;
    json_object_object_add(d, "disabled_by", disabling);
    entra_fact(facts, "entra.ca.cae_disabled", json_object_new_boolean(off), d);
    derive_key(cs, (size_t)n, &ca_cae_key, emergency, facts);
    return 0;
}
