/* entra_ca.c - parse one Graph conditionalAccessPolicy into the facts the entra.ca.* keys judge:
 * scope (users, apps, exclusions), narrowing conditions, what the grant requires, session. */
#include <strings.h>

#include "entra_ca.h"
#include "util.h"

/* The privileged directory roles a "privileged roles" policy must include:
 * Global, Privileged Role, User, SharePoint, Exchange, Hybrid Identity, Application and Cloud
 * Application Administrator (role template ids, stable across tenants). */
static const char *const ca_privileged_roles[] = {
    "62e90394-69f5-4237-9190-012177145e10", "e8611ab8-c189-46e8-94e1-60213ab1f814",
    "fe930be7-5e62-47db-91af-98c3a49a38b1", "f28a1f50-f6e7-4571-818b-6a12f2af6b6c",
    "29232cdf-9323-42fd-ade2-1d097af3e4de", "8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2",
    "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3", "158c047a-c907-4556-b7ef-446551a6b5f7",
};

/* authenticationMethodModes that are phishing-resistant on their own (ScubaGear's rule). */
static const char *const ca_phishing_resistant_modes[] = {
    "windowsHelloForBusiness",
    "fido2",
    "x509CertificateMultiFactor",
};

/* Built-in strength "Phishing-resistant MFA": its combinations are fixed by Microsoft, so a
 * policy naming it by id is judged even when the strength list could not be read. */
#define CA_BUILTIN_PHISHING_RESISTANT "00000000-0000-0000-0000-000000000004"

static const char *const ca_narrow_names[_CA_N_COUNT] = {
    "user risk levels",       "sign-in risk levels",  "insider or service principal risk levels",
    "client app types",       "device platforms",     "locations",
    "device filter",          "authentication flows", "user actions",
    "authentication context", "application filter",   "workload identities (service principals)",
};

const char *entra_ca_narrow_name(unsigned bit)
{
    return bit < _CA_N_COUNT ? ca_narrow_names[bit] : "unknown condition";
}

static bool nonempty(struct json_object *v)
{
    if (!v) {
        return false;
    }
    if (json_object_is_type(v, json_type_string)) {
        return json_object_get_string_len(v) > 0;
    }
    if (json_object_is_type(v, json_type_array)) {
        return json_object_array_length(v) > 0;
    }
    return true; /* an object or a scalar that is not null */
}

/* Whether comma-separated flags string (or array) v holds flag. */
static bool flags_have(struct json_object *v, const char *flag)
{
    if (v && json_object_is_type(v, json_type_array)) {
        return entra_array_has(v, flag);
    }
    if (!v || !json_object_is_type(v, json_type_string)) {
        return false;
    }
    size_t n = strlen(flag);
    for (const char *s = json_object_get_string(v); *s;) {
        s += strspn(s, " ,");
        size_t k = strcspn(s, ",");
        while (k > 0 && s[k - 1] == ' ') {
            k--;
        }
        if (k == n && strncasecmp(s, flag, n) == 0) {
            return true;
        }
        s += strcspn(s, ",");
    }
    return false;
}

static bool combos_phishing_resistant(struct json_object *combos)
{
    if (entra_array_len(combos) == 0) {
        return false;
    }
    for (size_t i = 0; i < json_object_array_length(combos); i++) {
        struct json_object *c = json_object_array_get_idx(combos, i);
        bool ok = false;
        for (size_t k = 0; k < ZT_ELEMENTSOF(ca_phishing_resistant_modes); k++) {
            ok = ok || (json_object_is_type(c, json_type_string) &&
                        strcasecmp(json_object_get_string(c), ca_phishing_resistant_modes[k]) == 0);
        }
        if (!ok) {
            return false;
        }
    }
    return true;
}

/* The strength of grantControls.authenticationStrength: inline combinations when Graph embeds
 * them, else the strength list by id, else the one built-in we know. */
static enum ca_strength parse_strength(struct json_object *st, struct json_object *strengths)
{
    struct json_object *combos = entra_get(st, "allowedCombinations");
    const char *id = zt_json_str(st, "id");

    if (!st) {
        return CA_STRENGTH_NONE;
    }
    if (entra_array_len(combos) == 0 && id && strengths) {
        combos = entra_get(strengths, id);
    }
    if (entra_array_len(combos) > 0) {
        return combos_phishing_resistant(combos) ? CA_STRENGTH_PHISHING_RESISTANT : CA_STRENGTH_MFA;
    }
    if (id && strcasecmp(id, CA_BUILTIN_PHISHING_RESISTANT) == 0) {
        return CA_STRENGTH_PHISHING_RESISTANT;
    }
    /* Referenced but not resolvable: MFA for sure, phishing resistance unknown unless the full
     * strength list was read and does not know it. */
    return strengths ? CA_STRENGTH_MFA : CA_STRENGTH_UNRESOLVED;
}

static void parse_grant(struct json_object *g, struct json_object *strengths, struct ca_policy *c)
{
    struct json_object *b = entra_get(g, "builtInControls");
    const char *op = zt_json_str(g, "operator");

    c->strength = parse_strength(entra_get(g, "authenticationStrength"), strengths);
    c->grant_or = op && strcasecmp(op, "OR") == 0;
    c->block = entra_array_has(b, "block");
    c->password_change = entra_array_has(b, "passwordChange");
    c->alternatives =
        (unsigned)(entra_array_len(b) +
                   entra_array_len(entra_get(g, "customAuthenticationFactors")) +
                   entra_array_len(entra_get(g, "termsOfUse")) + (c->strength != CA_STRENGTH_NONE));
    c->mfa_alternatives = entra_array_has(b, "mfa") + (c->strength != CA_STRENGTH_NONE);
    c->device_alternatives =
        entra_array_has(b, "compliantDevice") + entra_array_has(b, "domainJoinedDevice");
}

static void parse_users(struct json_object *u, struct ca_policy *c)
{
    struct json_object *roles = entra_get(u, "includeRoles");

    c->users_all = entra_array_has(entra_get(u, "includeUsers"), "All");
    c->priv_roles_all = true;
    for (size_t i = 0; i < ZT_ELEMENTSOF(ca_privileged_roles); i++) {
        c->priv_roles_all = c->priv_roles_all && entra_array_has(roles, ca_privileged_roles[i]);
    }
    c->ex_users = entra_get(u, "excludeUsers");
    c->ex_groups = entra_get(u, "excludeGroups");
    c->ex_roles = entra_get(u, "excludeRoles");
    c->guests_excluded = entra_get(u, "excludeGuestsOrExternalUsers") != NULL ||
                         entra_array_has(c->ex_users, "GuestsOrExternalUsers");
}

static void parse_apps(struct json_object *a, struct ca_policy *c)
{
    struct json_object *actions = entra_get(a, "includeUserActions");

    c->apps_all = entra_array_has(entra_get(a, "includeApplications"), "All");
    c->ex_apps = entra_get(a, "excludeApplications");
    c->apps_excluded = entra_array_len(c->ex_apps);
    c->registration_action = entra_array_has(actions, "urn:user:registersecurityinfo");
    c->narrow |= nonempty(actions) ? CA_N_USER_ACTIONS : 0;
    c->narrow |= nonempty(entra_get(a, "includeAuthenticationContextClassReferences"))
                     ? CA_N_AUTH_CONTEXT
                     : 0;
    c->narrow |= nonempty(entra_get(a, "applicationFilter")) ? CA_N_APP_FILTER : 0;
}

/* "include all, exclude nothing" lists are no condition at all. */
static bool include_all_only(struct json_object *o, const char *inc, const char *exc,
                             const char *all)
{
    return !o || (entra_array_has(entra_get(o, inc), all) && !nonempty(entra_get(o, exc)));
}

static void parse_conditions(struct json_object *k, struct ca_policy *c)
{
    struct json_object *types = entra_get(k, "clientAppTypes"), *dev = entra_get(k, "devices");
    struct json_object *flows = entra_get(entra_get(k, "authenticationFlows"), "transferMethods");
    struct json_object *capps = entra_get(k, "clientApplications");

    c->narrow |= nonempty(entra_get(k, "userRiskLevels")) ? CA_N_USER_RISK : 0;
    c->narrow |= nonempty(entra_get(k, "signInRiskLevels")) ? CA_N_SIGNIN_RISK : 0;
    c->narrow |= nonempty(entra_get(k, "insiderRiskLevels")) ||
                         nonempty(entra_get(k, "servicePrincipalRiskLevels"))
                     ? CA_N_OTHER_RISK
                     : 0;
    c->user_risk_high = entra_array_has(entra_get(k, "userRiskLevels"), "high");
    c->signin_risk_high = entra_array_has(entra_get(k, "signInRiskLevels"), "high");
    c->narrow |= nonempty(types) && !entra_array_has(types, "all") ? CA_N_CLIENT_APPS : 0;
    c->legacy_clients =
        entra_array_has(types, "exchangeActiveSync") && entra_array_has(types, "other");
    c->narrow |=
        include_all_only(entra_get(k, "platforms"), "includePlatforms", "excludePlatforms", "all")
            ? 0
            : CA_N_PLATFORMS;
    c->narrow |=
        include_all_only(entra_get(k, "locations"), "includeLocations", "excludeLocations", "All")
            ? 0
            : CA_N_LOCATIONS;
    c->narrow |= nonempty(entra_get(dev, "deviceFilter")) ||
                         nonempty(entra_get(dev, "includeDevices")) ||
                         nonempty(entra_get(dev, "excludeDevices"))
                     ? CA_N_DEVICES
                     : 0;
    c->narrow |= nonempty(flows) ? CA_N_AUTH_FLOWS : 0;
    c->device_code_flow = flags_have(flows, "deviceCodeFlow");
    c->narrow |= nonempty(entra_get(capps, "includeServicePrincipals")) ||
                         nonempty(entra_get(capps, "servicePrincipalFilter"))
                     ? CA_N_WORKLOAD
                     : 0;
}

static void parse_session(struct json_object *s, struct ca_policy *c)
{
    struct json_object *sif = entra_get(s, "signInFrequency"), *en = entra_get(sif, "isEnabled");
    const char *interval = zt_json_str(sif, "frequencyInterval");

    c->sif_enabled =
        en && json_object_is_type(en, json_type_boolean) && json_object_get_boolean(en);
    c->sif_every_time = c->sif_enabled && interval && strcasecmp(interval, "everyTime") == 0;
    c->cae_mode = zt_json_str(entra_get(s, "continuousAccessEvaluation"), "mode");
}

int entra_ca_parse(struct json_object *p, struct json_object *strengths, struct ca_policy *out)
{
    struct ca_policy c = {0};
    struct json_object *k = entra_get(p, "conditions");

    if (!p || !json_object_is_type(p, json_type_object)) {
        return -EBADMSG;
    }
    c.id = zt_json_str(p, "id");
    c.name = zt_json_str(p, "displayName");
    c.state = zt_json_str(p, "state");
    /* Only "enabled" enforces: "enabledForReportingButNotEnforced" is report-only. */
    c.enabled = c.state && zt_streq(c.state, "enabled");
    parse_users(entra_get(k, "users"), &c);
    parse_apps(entra_get(k, "applications"), &c);
    parse_conditions(k, &c);
    parse_grant(entra_get(p, "grantControls"), strengths, &c);
    parse_session(entra_get(p, "sessionControls"), &c);
    *out = c;
    return 0;
}

/* The grant requires a property if every alternative has it (OR with several), or one does. */
static enum ca_tri requires(const struct ca_policy *c, unsigned having) {
    if (c->alternatives == 0){return CA_NO;}
if (c->grant_or && c->alternatives > 1)
{
    return having == c->alternatives ? CA_YES : CA_NO;
}
return having > 0 ? CA_YES : CA_NO;
}

enum ca_tri entra_ca_requires_mfa(const struct ca_policy *c)
{
    return requires(c, c->mfa_alternatives);
}

enum ca_tri entra_ca_requires_managed_device(const struct ca_policy *c)
{
    return requires(c, c->device_alternatives);
}

enum ca_tri entra_ca_requires_phishing_resistant(const struct ca_policy *c)
{
    if (c->strength == CA_STRENGTH_NONE || (c->grant_or && c->alternatives > 1)) {
        return CA_NO; /* another alternative (not a strength: one per policy) lets users by */
    }
    if (c->strength == CA_STRENGTH_UNRESOLVED) {
        return CA_UNKNOWN;
    }
    return c->strength == CA_STRENGTH_PHISHING_RESISTANT ? CA_YES : CA_NO;
}

int entra_strengths_page(struct json_object *map, struct json_object *page)
{
    struct json_object *value = entra_get(page, "value");

    if (!value || !json_object_is_type(value, json_type_array)) {
        return -EBADMSG;
    }
    for (size_t i = 0; i < json_object_array_length(value); i++) {
        struct json_object *s = json_object_array_get_idx(value, i);
        const char *id = zt_json_str(s, "id");
        struct json_object *combos = entra_get(s, "allowedCombinations");
        if (id && combos && json_object_is_type(combos, json_type_array) &&
            json_object_object_length(map) < ENTRA_CA_MAX) {
            json_object_object_add(map, id, json_object_get(combos));
        }
    }
    return 0;
}
