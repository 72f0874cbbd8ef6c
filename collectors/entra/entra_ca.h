/* entra_ca.h - one Conditional Access policy reduced to the facts the entra.ca.* keys judge
 * (entra_ca.c parses, entra_ca_keys.c decides). Internal to the entra collector. */
#pragma once

#include "entra.h"

/* Conditions that narrow a policy below "every sign-in of the scoped users to the scoped apps".
 * Each key tolerates only the ones it is about (docs/evidence.md). */
enum {
    CA_N_USER_RISK = 1u << 0,    /* conditions.userRiskLevels */
    CA_N_SIGNIN_RISK = 1u << 1,  /* conditions.signInRiskLevels */
    CA_N_OTHER_RISK = 1u << 2,   /* insiderRiskLevels (beta), servicePrincipalRiskLevels */
    CA_N_CLIENT_APPS = 1u << 3,  /* clientAppTypes other than all / absent */
    CA_N_PLATFORMS = 1u << 4,    /* platforms other than include all, exclude none */
    CA_N_LOCATIONS = 1u << 5,    /* locations other than include All, exclude none */
    CA_N_DEVICES = 1u << 6,      /* devices.deviceFilter (or device include/exclude lists) */
    CA_N_AUTH_FLOWS = 1u << 7,   /* authenticationFlows.transferMethods */
    CA_N_USER_ACTIONS = 1u << 8, /* applications.includeUserActions */
    CA_N_AUTH_CONTEXT = 1u << 9, /* includeAuthenticationContextClassReferences */
    CA_N_APP_FILTER = 1u << 10,  /* applications.applicationFilter */
    CA_N_WORKLOAD = 1u << 11,    /* clientApplications: targets service principals */
    _CA_N_COUNT = 12,
};

/* Three-valued answers: a strength referenced only by id that could not be resolved. */
enum ca_tri {
    CA_NO = 0,
    CA_YES = 1,
    CA_UNKNOWN = 2,
};

enum ca_strength {
    CA_STRENGTH_NONE,
    CA_STRENGTH_MFA,                /* any authentication strength: MFA */
    CA_STRENGTH_PHISHING_RESISTANT, /* combinations all phishing-resistant */
    CA_STRENGTH_UNRESOLVED,         /* only an id we could not look up */
};

struct ca_policy {
    const char *id, *name, *state; /* borrowed from the JSON */
    bool enabled;
    /* users */
    bool users_all, priv_roles_all;
    struct json_object *ex_users, *ex_groups, *ex_roles; /* borrowed arrays (or NULL) */
    bool guests_excluded;
    /* applications */
    bool apps_all, registration_action;
    size_t apps_excluded;
    struct json_object *ex_apps;
    /* conditions */
    unsigned narrow;
    bool user_risk_high, signin_risk_high, legacy_clients, device_code_flow;
    /* grant: alternatives are builtInControls, the strength, custom factors, terms of use */
    bool grant_or, block, password_change;
    unsigned alternatives, mfa_alternatives, device_alternatives;
    enum ca_strength strength;
    /* session */
    bool sif_enabled, sif_every_time;
    const char *cae_mode;
};

/* Reduce policy p (borrowed) into out; strengths may be NULL. Returns 0 or -EBADMSG when p is
 * not an object. */
int entra_ca_parse(struct json_object *p, struct json_object *strengths, struct ca_policy *out);
/* What the grant requires, whatever alternative a user picks (operator OR: every alternative
 * must satisfy it; AND: one does). */
enum ca_tri entra_ca_requires_mfa(const struct ca_policy *c);
enum ca_tri entra_ca_requires_phishing_resistant(const struct ca_policy *c);
enum ca_tri entra_ca_requires_managed_device(const struct ca_policy *c);
/* A human word for narrowing bit i ("user risk levels"). */
const char *entra_ca_narrow_name(unsigned bit);
