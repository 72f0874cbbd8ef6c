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

/* Identity stores and lifecycle automation (okta_stores.c): the apps, identity providers and group
 * rules lists reduced element by element (none kept; only ACTIVE ones count), and the
 * ThreatInsight configuration. */
enum zt_okta_list { ZT_OKTA_APPS, ZT_OKTA_IDPS, ZT_OKTA_GROUP_RULES, _ZT_OKTA_LIST_MAX };
struct zt_okta_stores {
    uint64_t apps_active, sso, vaulted, provisioning, imports; /* active apps */
    uint64_t provisioned_accounts; /* ... provisioned and federated or vaulted */
    uint64_t idps_active, rules_active;
    struct json_object *vaulted_names; /* labels of password-vaulted apps (bounded); owned */
    const char *threat_action;         /* "none", "audit", "block", or NULL */
};
/* Count one element of a list. Returns 0, or -EBADMSG when it is not an object. */
int zt_okta_stores_item(struct zt_okta_stores *s, enum zt_okta_list list, struct json_object *e);
/* GET /api/v1/threats/configuration. Returns 0, or -EBADMSG for an unknown or missing action. */
int zt_okta_threats_doc(struct zt_okta_stores *s, struct json_object *doc);
void zt_okta_stores_clear(struct zt_okta_stores *s);
/* Active apps that keep user accounts of their own: federated (SAML, OIDC, WS-Fed) or password
 * vaulted; bookmarks and the rest have none. okta.apps.provisioned_share =
 * provisioned_accounts / this. */
uint64_t zt_okta_apps_with_accounts(const struct zt_okta_stores *s);
/* part / whole (whole > 0), to four decimals. */
double zt_okta_share(uint64_t part, uint64_t whole);
/* Emit the keys of every list read in full (have) and of the ThreatInsight action. */
int zt_okta_stores_emit(struct zt_ctx *ctx, const struct zt_okta_stores *s,
                        const bool have[_ZT_OKTA_LIST_MAX], bool have_threats);

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
