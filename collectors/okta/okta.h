/* okta.h - internals of the `okta` collector shared with its unit test: the first-match walk over
 * sign-on and authentication policies, authenticator and enrollment facts, ISO 8601 durations and
 * pacing from Okta's rate limit headers. Every function here is pure (documents in, facts out). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "collector.h"

#define OKTA_POLICIES_MAX 2000u /* policies of one type kept for the walk */
#define OKTA_RULES_MAX    1000u /* rules of one policy */
#define OKTA_DETAIL_MAX   50u   /* names listed in one evidence detail array */
#define OKTA_JSON_DEPTH   64 /* nesting of a rule read back from its text (as the engine parses) */

/* What one walk over the policies of a type found. A policy is walked rule by rule in priority
 * order, as Okta evaluates it: the first rule whose conditions match decides. A rule scoped to
 * some people, networks, platforms, devices or risk levels decides only for those, so the walk goes
 * on past it; the first active rule that applies to everyone (a catch-all) ends it. The facts hold
 * for "everyone" only if every allowing rule the walk passed satisfies them and a catch-all was
 * reached. DENY rules let nobody in and never break a fact. */
struct zt_okta_walk {
    unsigned policies;          /* active policies of the type */
    bool covered;               /* every walked policy (or the ordered set) reached a catch-all */
    bool mfa;                   /* every reachable ALLOW rule needs two factors */
    bool phishing_resistant;    /* ... and every way to satisfy it is phishing-resistant */
    bool device_assurance;      /* ... and is gated by a device assurance (or managed device) */
    bool device_assurance_used; /* some reachable ALLOW rule uses a device condition */
    bool reauth_known;          /* every reachable ALLOW rule has a parsable reauthenticateIn */
    int64_t reauth_max_sec;     /* the longest of them */
    struct json_object *detail; /* {"bypasses": [...], "catch_all": [...], ...}; owned */
};

/* Free what w holds. */
void zt_okta_walk_clear(struct zt_okta_walk *w);

/* Global session policies (type OKTA_SIGN_ON): policies is an array of policy objects, rules an
 * object mapping policy id -> array of its rules (objects, or their JSON text). Policies are
 * ordered by priority and evaluated as one sequence (the first policy whose people condition
 * matches applies); a policy applies to everyone when its groups include everyone_group (the
 * built-in Everyone group id, may be NULL) and it excludes nobody. Fills w (cleared first). */
void zt_okta_walk_signon(struct json_object *policies, struct json_object *rules,
                         const char *everyone_group, struct zt_okta_walk *w);
/* Authentication policies (type ACCESS_POLICY, Identity Engine): each policy is assigned to its
 * own apps, so each is walked alone and the facts must hold in every active one. */
void zt_okta_walk_access(struct json_object *policies, struct json_object *rules,
                         struct zt_okta_walk *w);

/* Whether a constraint object of an ACCESS_POLICY rule (one element of
 * verificationMethod.constraints) demands a phishing-resistant possession factor. */
bool zt_okta_constraint_phishing_resistant(struct json_object *constraint);

/* Parse an ISO 8601 duration as Okta writes reauthenticateIn ("PT0S", "PT4H", "P1D", "PT30M",
 * "P1DT12H", "P2W"). Returns 0 and seconds, or -EINVAL. */
int zt_okta_parse_duration(const char *s, int64_t *ret_sec);

/* Authenticators (GET /api/v1/authenticators) and enrollment policies (MFA_ENROLL). */
struct zt_okta_authn {
    struct json_object *active; /* sorted array of keys of ACTIVE authenticators; owned */
    bool webauthn;              /* FIDO2 (WebAuthn) active */
    bool smart_card;            /* smart card / PIV IdP authenticator active */
    bool okta_verify;           /* Okta Verify active */
    char okta_verify_id[64];    /* its id, to read its methods */
    bool fastpass;              /* Okta Verify signed_nonce method active (set by methods) */
    struct json_object *weak;   /* weak authenticators active or enrollable, with why; owned */
    unsigned enroll_policies;   /* active MFA_ENROLL policies read */
    unsigned skipped;           /* malformed elements */
};

void zt_okta_authn_clear(struct zt_okta_authn *a);
/* Fold the authenticators array into a (phone_number = SMS/voice, okta_email = email are weak). */
void zt_okta_authn_authenticators(struct zt_okta_authn *a, struct json_object *list);
/* Fold the Okta Verify methods array (GET /authenticators/{id}/methods): FastPass is the
 * signed_nonce method. */
void zt_okta_authn_verify_methods(struct zt_okta_authn *a, struct json_object *list);
/* Fold MFA_ENROLL policies (both settings shapes: Identity Engine "authenticators" array and
 * Classic "factors" object): a weak factor users may enroll (REQUIRED or OPTIONAL) in an active
 * policy is recorded as weak. */
void zt_okta_authn_enroll(struct zt_okta_authn *a, struct json_object *policies);

/* The interval between request starts that spreads the requests left in Okta's rate limit window
 * (X-Rate-Limit-Remaining) until it resets (X-Rate-Limit-Reset, epoch seconds, against the
 * server's now): 0 while more than a tenth of limit (at least reserve) remains. */
uint64_t zt_okta_pace_ms(int64_t limit, int64_t remaining, int64_t reset_epoch, int64_t now);

/* Emit the okta.* evidence of one collection: policy walks (signon, access may be NULL when the
 * call failed or the org has no such policies), authenticators (NULL when failed), device
 * assurance count (< 0 when failed). */
int zt_okta_emit(struct zt_ctx *ctx, const struct zt_okta_walk *signon,
                 const struct zt_okta_walk *access, const struct zt_okta_authn *authn,
                 int64_t device_assurances);

/* Identity stores, lifecycle automation and risk (okta_stores.c, okta_risk.c): the apps, identity
 * providers, group rules, log streams and behaviour detection rules lists reduced element by
 * element (none kept; only ACTIVE ones count), the ThreatInsight configuration, the users assigned
 * to each target app, and the rules of the Identity Threat Protection entity risk policy. */
enum zt_okta_list {
    ZT_OKTA_APPS,
    ZT_OKTA_IDPS,
    ZT_OKTA_GROUP_RULES,
    ZT_OKTA_LOG_STREAMS,
    ZT_OKTA_BEHAVIORS,
    _ZT_OKTA_LIST_MAX
};
#define OKTA_TARGETS_MAX 2000u /* target apps whose assignments are read */
struct zt_okta_stores {
    uint64_t apps_active, sso, vaulted, provisioning, imports, profile_sources; /* active apps */
    /* Target apps: active, keeping accounts (federated or vaulted), and not a profile source
     * (Okta imports a profile source's users; it does not provision them). */
    uint64_t targets, provisioned_accounts,
        deprovisioned_accounts; /* PUSH_NEW_USERS, _DEACTIVATION */
    uint64_t idps_active, rules_active, streams_active, behaviors_active;
    struct json_object *vaulted_names; /* labels of password-vaulted apps (bounded); owned */
    struct json_object *target_apps;   /* [{"id","label"}] of target apps (bounded); owned */
    bool targets_overflow;             /* more targets than OKTA_TARGETS_MAX */
    uint64_t direct_apps;              /* targets with a user assigned directly (scope USER) */
    struct json_object *direct_names;  /* their labels (bounded); owned */
    const char *threat_action;         /* "none", "audit", "block", or NULL */
    bool itp_response;                 /* an active entity risk rule acts (sessions, workflow) */
};
/* Count one element of a list. Returns 0, or -EBADMSG when it is not an object. */
int zt_okta_stores_item(struct zt_okta_stores *s, enum zt_okta_list list, struct json_object *e);
/* GET /api/v1/threats/configuration. Returns 0, or -EBADMSG for an unknown or missing action. */
int zt_okta_threats_doc(struct zt_okta_stores *s, struct json_object *doc);
void zt_okta_stores_clear(struct zt_okta_stores *s);
/* Active apps that keep user accounts of their own: federated (SAML, OIDC, WS-Fed) or password
 * vaulted; bookmarks and the rest have none. */
uint64_t zt_okta_apps_with_accounts(const struct zt_okta_stores *s);
/* part / whole (whole > 0), to four decimals. */
double zt_okta_share(uint64_t part, uint64_t whole);
/* One element of GET /api/v1/apps/{id}/users: sets *direct when the user is assigned to the app
 * directly (scope USER) rather than through a group (GROUP). -EBADMSG when not an object. */
int zt_okta_app_user(struct json_object *e, bool *direct);
/* The target app of index i (its assignments read) had a direct assignment. */
void zt_okta_app_direct(struct zt_okta_stores *s, size_t i);
/* One rule of the ENTITY_RISK policy (GET /api/v1/policies/{id}/rules): an active rule whose
 * actions.entityRisk.actions is not empty responds to risk by itself. -EBADMSG: not an object. */
int zt_okta_itp_rule(struct zt_okta_stores *s, struct json_object *rule);
/* Whether an E0000015 answer (the org lacks the feature: not in its SKU or not enabled) is what
 * a failed call's message shows. */
bool zt_okta_feature_missing(const char *message);
/* What each stores key needs: the list read in full (have), the threats document, every target
 * app's assignments, and the entity risk policies (itp: -1 failed, 0 none active, 1 active) with
 * their rules. */
struct zt_okta_have {
    bool list[_ZT_OKTA_LIST_MAX];
    bool threats, assignments;
    int itp;
};
/* Emit the keys of what was read in full. */
int zt_okta_stores_emit(struct zt_ctx *ctx, const struct zt_okta_stores *s,
                        const struct zt_okta_have *have);

/* Pacing set by this collection (okta_pace.c): per bucket "okta/<host>/<endpoint family>", the
 * interval asked for and until when it stands (the window's reset, epoch seconds). */
#define OKTA_KEY_MAX    320u
#define ZT_OKTA_BUCKETS 16u
struct zt_okta_pace {
    char key[OKTA_KEY_MAX];
    uint64_t ms;
    int64_t until;
};
struct zt_okta_paces {
    struct zt_okta_pace v[ZT_OKTA_BUCKETS];
    size_t n;
};
/* Okta's rate limit headers of page p set the pacing of bucket: when few requests are left in
 * the window, the rest are spread until it resets instead of running into a 429. */
void zt_okta_pace_page(struct zt_okta_paces *ps, struct zt_ctx *ctx, const char *bucket,
                       const struct zt_http_page *p);

extern const struct zt_collector zt_collector_okta;
