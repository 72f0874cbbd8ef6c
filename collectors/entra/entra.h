/* entra.h - internals of the entra collector (Microsoft Entra ID through Graph): the pure parse
 * and derive steps, shared by the collector files and their unit tests. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "microsoft/ms_auth.h"
#include "options.h"

/* The options of one instance (bound by the core from the table in entra.c). */
struct entra_state {
    struct zt_ms_auth auth; /* tenant, app, credential, login_url, ca_file (ms_auth.h) */
    char *graph_url;
    struct zt_strv emergency_accounts;
    uint64_t ca_pace_ms;
    bool beta;
};

struct zt_ctx;
/* collect(): token, concurrent Graph calls, derive, emit (entra_fetch.c). */
int entra_collect(void *state, struct zt_ctx *ctx);

#define ENTRA_DETAIL_MAX     20    /* entries listed in one detail array (the count is exact) */
#define ENTRA_CA_MAX         1000  /* Conditional Access policies kept per scan (Entra caps ~200) */
#define ENTRA_PRINCIPAL_MAX  5000  /* distinct Global Administrator principals remembered */
#define ENTRA_GA_GROUPS_MAX  50    /* Global Administrator groups whose members are listed */
#define ENTRA_GA_MEMBERS_MAX 20000 /* distinct users remembered from those groups */

/* Global Administrator role template id (built-in role definitions use it as their id). */
#define ENTRA_ROLE_GLOBAL_ADMIN "62e90394-69f5-4237-9190-012177145e10"

/* ---- facts: the outcome of a derive step ---------------------------------------------------
 * A facts object maps an evidence key to {"value": V, "detail": D or null}; the collector emits
 * them, tests read them. entra_fact() steals value and detail; entra_fact_value() borrows. */
void entra_fact(struct json_object *facts, const char *key, struct json_object *value,
                struct json_object *detail);
struct json_object *entra_fact_value(struct json_object *facts, const char *key);
/* Emit key from the boolean member field of a single document. Returns 0, or -EBADMSG when the
 * member is missing or not a boolean. */
int entra_fact_flag(struct json_object *doc, const char *field, const char *key,
                    struct json_object *facts);
struct json_object *entra_fact_detail(struct json_object *facts, const char *key);

/* Helpers on borrowed JSON (NULL-safe): member of an object, array length, string compare. */
struct json_object *entra_get(struct json_object *o, const char *key);
size_t entra_array_len(struct json_object *a);
/* Whether array a holds the string s (case-insensitively: Graph casing varies). */
bool entra_array_has(struct json_object *a, const char *s);
/* Whether id is one of the configured break-glass ids (case-insensitively). */
bool entra_is_emergency(const struct zt_strv *emergency, const char *id);
/* Append a string to a detail array, at most ENTRA_DETAIL_MAX entries. */
void entra_detail_push(struct json_object *arr, const char *s);
/* Count the credentials (passwordCredentials or keyCredentials items) whose endDateTime is past
 * now into *expired, or within 30 days of it into *expiring_30d; one with no parsable
 * endDateTime is not counted. */
void entra_cred_expiry(struct json_object *creds, int64_t now_usec, uint64_t *expired,
                       uint64_t *expiring_30d);
/* The "value" array of a list page when every item of it is an object (borrowed), else NULL. */
struct json_object *entra_page_objects(struct json_object *page);
/* part / whole as a JSON number with four decimals (whole > 0). */
struct json_object *entra_share(uint64_t part, uint64_t whole);
/* Count the items of one list page into *n (an item must be an object with an id). Returns 0,
 * or -EBADMSG (nothing of the page counted). */
int entra_ids_page(uint64_t *n, struct json_object *page);

/* ---- Conditional Access (entra_ca.c, entra_ca_keys.c) --------------------------------------- */

/* Authentication strengths by id: add the "value" items of one page of
 * /policies/authenticationStrengthPolicies to map (id -> allowedCombinations, referenced).
 * Returns 0 or -EBADMSG when the page has no "value" array. */
int entra_strengths_page(struct json_object *map, struct json_object *page);

/* Derive every entra.ca.* fact from the enabled/disabled/report-only policies (a JSON array of
 * v1.0 conditionalAccessPolicy objects, borrowed). strengths (id -> allowedCombinations) may be
 * NULL when the strength list could not be read: a policy that references a strength only by id
 * then counts as MFA, and the phishing-resistant facts it could decide are left unknown.
 * emergency: the break-glass user/group ids. Returns 0 or -EBADMSG (policies not an array). */
int entra_ca_derive(struct json_object *policies, struct json_object *strengths,
                    const struct zt_strv *emergency, struct json_object *facts);
/* Derive the continuous access evaluation facts from the beta policy list (the only place
 * sessionControls.continuousAccessEvaluation exists). Returns 0 or -EBADMSG. */
int entra_ca_derive_cae(struct json_object *beta_policies, const struct zt_strv *emergency,
                        struct json_object *facts);

/* ---- authentication methods policy and security defaults (entra_methods.c) ------------------ */

/* Facts from GET /policies/authenticationMethodsPolicy. Returns 0 or -EBADMSG. */
int entra_methods_derive(struct json_object *policy, struct json_object *facts);
/* Facts from GET /policies/identitySecurityDefaultsEnforcementPolicy. Returns 0 or -EBADMSG. */
int entra_secdefaults_derive(struct json_object *doc, struct json_object *facts);

/* ---- user registration details, reduced user by user (entra_registration.c) ---------------- */

struct entra_reg {
    uint64_t users, members, guests, admins;
    uint64_t mfa_capable, mfa_registered, pr_capable, passwordless_capable; /* members */
    uint64_t admins_pr_capable;
};
/* Count one userRegistrationDetails item (never kept). Returns 0, or -EBADMSG if it is not an
 * object. */
int entra_reg_item(struct entra_reg *r, struct json_object *user);
void entra_reg_facts(const struct entra_reg *r, struct json_object *facts);
/* Whether one methodsRegistered array holds a phishing-resistant method. */
bool entra_reg_phishing_resistant(struct json_object *methods);

/* ---- hybrid identity, app registrations, consent (entra_apps.c) ---------------------------- */

/* Facts from one page of GET /organization (value[0]): entra.directory.hybrid_sync, and
 * entra.directory.last_sync_age_hours when sync is on. Returns 0 or -EBADMSG. */
int entra_org_derive(struct json_object *page, int64_t now_usec, struct json_object *facts);

struct entra_domains {
    uint64_t managed, federated, other;
};
/* Count one page of GET /domains by authenticationType. Returns 0 or -EBADMSG. */
int entra_domains_page(struct entra_domains *d, struct json_object *page);
void entra_domains_facts(const struct entra_domains *d, struct json_object *facts);

struct entra_apps {
    uint64_t apps, with_secret, with_certificate, expired, expiring_30d;
    uint64_t without_owner, owners_unknown;
    uint64_t multitenant, multitenant_unlocked; /* signInAudience other than AzureADMyOrg */
    struct json_object *secret_apps; /* detail: names of apps with a client secret (bounded) */
};
/* Reduce one application (item of GET /applications, owners expanded); never kept. Returns 0, or
 * -EBADMSG for an item that is not an object with an id. */
int entra_apps_item(struct entra_apps *a, struct json_object *app, int64_t now_usec);
void entra_apps_facts(const struct entra_apps *a, struct json_object *facts);

/* Facts from GET /policies/authorizationPolicy (user consent) and
 * GET /policies/adminConsentRequestPolicy (admin consent workflow). Return 0 or -EBADMSG. */
int entra_consent_derive(struct json_object *authz, struct json_object *facts);
int entra_admin_consent_derive(struct json_object *doc, struct json_object *facts);

/* ---- access review definitions (entra_reviews.c) ------------------------------------------- */

struct entra_reviews {
    uint64_t total, active, recurring, auto_apply;
    bool privileged_roles, guests; /* an active recurring review covers them */
};
/* Reduce one page of GET /identityGovernance/accessReviews/definitions. Returns 0 or -EBADMSG
 * (nothing of the page counted). */
int entra_reviews_page(struct entra_reviews *r, struct json_object *page);
void entra_reviews_facts(const struct entra_reviews *r, struct json_object *facts);

/* ---- workload identities (entra_sp.c) ----------------------------------------------------- */

struct entra_sps {
    uint64_t total, sso, password_sso; /* sso: saml or oidc; password_sso: password vaulted */
    uint64_t sso_assignment_required;  /* of sso + password_sso: appRoleAssignmentRequired */
    uint64_t with_secret, expired, expiring_30d;
    struct json_object *secret_sps; /* detail: names of service principals with a secret */
};
/* Reduce one service principal (item of GET /servicePrincipals); never kept. Returns 0, or
 * -EBADMSG for an item that is not an object with an id. */
int entra_sps_item(struct entra_sps *s, struct json_object *sp, int64_t now_usec);
void entra_sps_facts(const struct entra_sps *s, struct json_object *facts);
/* Conditional Access for workload identities from the v1.0 policy list (conditions
 * .clientApplications). Returns 0 or -EBADMSG (policies not an array). */
int entra_ca_workload_derive(struct json_object *policies, struct json_object *facts);

/* ---- cross-tenant access default (entra_xtap.c) -------------------------------------------- */

/* Facts from GET /policies/crossTenantAccessPolicy/default. Returns 0 or -EBADMSG. */
int entra_xtap_derive(struct json_object *doc, struct json_object *facts);

/* ---- lifecycle workflows and entitlement management (entra_governance.c) ------------------- */

enum entra_lcw_category { ENTRA_JOINER, ENTRA_MOVER, ENTRA_LEAVER, _ENTRA_LCW_MAX };
struct entra_governance {
    uint64_t workflows, scheduled[_ENTRA_LCW_MAX]; /* enabled and scheduled, per category */
    uint64_t em_policies, em_no_expiry, em_reviewed;
};
/* Reduce one page of GET /identityGovernance/lifecycleWorkflows/workflows or of
 * GET /identityGovernance/entitlementManagement/assignmentPolicies. Return 0 or -EBADMSG
 * (nothing of the page counted). */
int entra_lcw_page(struct entra_governance *g, struct json_object *page);
int entra_em_page(struct entra_governance *g, struct json_object *page);
void entra_lcw_facts(const struct entra_governance *g, struct json_object *facts);
void entra_em_facts(const struct entra_governance *g, struct json_object *facts);

/* ---- PIM role assignment / eligibility instances, reduced page by page (entra_pim.c) -------- */

struct entra_pim {
    const struct zt_strv *emergency;   /* borrowed */
    struct json_object *ga_principals; /* id -> principal type, at most ENTRA_PRINCIPAL_MAX */
    struct json_object *ga_groups;     /* group id -> {"users": N, "expanded": bool} */
    struct json_object *ga_members;    /* user ids listed in those groups (distinct, bounded) */
    struct json_object *permanent;     /* detail: permanent assignments (bounded) */
    uint64_t active, eligible, permanent_n, emergency_permanent;
    bool ga_truncated;      /* more than ENTRA_PRINCIPAL_MAX principals hold the role */
    bool members_truncated; /* more than ENTRA_GA_MEMBERS_MAX users listed in its groups */
};
void entra_pim_init(struct entra_pim *p, const struct zt_strv *emergency);
void entra_pim_done(struct entra_pim *p);
/* Reduce one page of roleAssignmentScheduleInstances (eligible = false) or
 * roleEligibilityScheduleInstances (eligible = true). Returns 0 or -EBADMSG. */
int entra_pim_page(struct entra_pim *p, struct json_object *page, bool eligible);
/* Whether role definition id is one of the privileged directory roles counted here. */
bool entra_pim_privileged_role(const char *role_definition_id);

/* Global Administrator through groups: the collector lists the transitive members of every
 * group principal holding the role (GET /groups/{id}/transitiveMembers?$select=id, no cast).
 * entra_pim_ga_groups() puts up to max group ids (borrowed, valid while p is) into ids and
 * returns how many groups hold the role in all. entra_pim_members_page() reduces one page of a
 * group's listing, counting only the items whose "@odata.type" is #microsoft.graph.user (0, or
 * -EBADMSG, nothing of the page counted, for a page without "value" or an item without "id" or
 * "@odata.type"); entra_pim_group_expanded() marks the listing complete (every page reduced). */
size_t entra_pim_ga_groups(const struct entra_pim *p, const char **ids, size_t max);
int entra_pim_members_page(struct entra_pim *p, const char *group, struct json_object *page);
void entra_pim_group_expanded(struct entra_pim *p, const char *group);
/* Whether the Global Administrator user count is exact: every group principal expanded and no
 * bound reached. Otherwise entra.roles.global_admin_count is left out (never a low count). */
bool entra_pim_ga_exact(const struct entra_pim *p);
/* Emit entra.pim.* (always) and entra.roles.global_admin_count (when have_eligible: the count
 * needs both lists, and when entra_pim_ga_exact()). */
void entra_pim_facts(const struct entra_pim *p, bool have_eligible, struct json_object *facts);

struct zt_oauth_config;
/* Second round of Graph calls (entra_pim_groups.c): list the members of the groups holding Global
 * Administrator, at once in one group (at most ENTRA_GA_GROUPS_MAX), reducing them into p. Every
 * group that cannot be expanded is recorded as a problem (a 403 names the permission). */
void entra_ga_groups_fetch(struct zt_ctx *ctx, const struct entra_state *s,
                           const struct zt_oauth_config *auth, struct entra_pim *p);
