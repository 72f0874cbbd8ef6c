/* okta_run.h - internals of the okta collector shared by okta.c (options, collect, derive) and
 * okta_fetch.c (the calls of both rounds and what each page does). */
#pragma once

#include "okta.h"

#define OKTA_SCOPES                                                                                \
    "okta.policies.read okta.authenticators.read okta.groups.read okta.deviceAssurance.read "      \
    "okta.apps.read okta.idps.read okta.threatInsights.read okta.logStreams.read "                 \
    "okta.behaviors.read"
#define OKTA_URL_MAX  2048u
#define OKTA_ID_MAX   64u
#define OKTA_PAGE_MAX 200u /* pages of one list call */

struct okta_state {
    char *org_url;
    char *api_token_file;
    char *client_id;
    char *private_key_file;
    char *credential;
    char *key_id;
    char *ca_file;
};

/* First round: one call per list. Lists from C_APPS to before C_THREATS are reduced as they
 * arrive (C_APPS + zt_okta_list); the others are kept for the second round and the walk. */
enum okta_call_id {
    C_GROUPS,
    C_SIGNON,
    C_ACCESS,
    C_ENROLL,
    C_AUTHN,
    C_DEVICE,
    C_ITP, /* ENTITY_RISK policies (Identity Threat Protection) */
    C_APPS,
    C_IDPS,
    C_GROUP_RULES,
    C_LOG_STREAMS,
    C_BEHAVIORS,
    C_THREATS, /* one object */
    _C_FIRST_MAX,
};

/* Second round: what a call reads. */
enum okta_kind {
    K_SIGNON_RULES, /* = 0, index of rules_failed */
    K_ACCESS_RULES, /* = 1 */
    K_METHODS,      /* Okta Verify methods */
    K_APP_USERS,    /* users assigned to one target app, reduced */
    K_ITP_RULES,    /* rules of the entity risk policy, reduced */
};

struct okta_run;

/* One call: where its items go. */
struct okta_call {
    struct okta_run *run;
    const char *scope;
    char bucket[OKTA_KEY_MAX];
    struct json_object *into; /* array receiving the elements of each page (borrowed) */
    size_t max;
    int kind;     /* second round: enum okta_kind */
    int first;    /* first round: its okta_call_id; -1 in the second round */
    size_t app;   /* K_APP_USERS: index in stores.target_apps */
    bool direct;  /* K_APP_USERS: a user is assigned directly */
    bool as_text; /* keep elements as JSON text (rules: many, and a tree costs far more) */
    struct zt_http_result res;
};

struct okta_run {
    const struct okta_state *s;
    struct zt_ctx *ctx;
    struct zt_oauth_config oauth;
    char *token_url;
    char *secret; /* API token or private key PEM (wiped) */
    char *auth_header;
    char *base; /* org_url without trailing slashes */
    char host[256];
    struct json_object *lists[_C_FIRST_MAX];
    struct json_object *rules;   /* policy id -> rules array */
    struct json_object *methods; /* Okta Verify methods */
    struct zt_okta_stores stores;
    bool failed[_C_FIRST_MAX];
    bool rules_failed[2]; /* sign-on, access */
    bool methods_failed;
    bool assign_failed; /* some target app's assignments */
    bool itp_rules_failed;
    int first_err; /* of the first failed call */
    struct zt_okta_paces paces;
};

/* Both rounds of calls (okta_fetch.c): 0, or -errno when they could not be started. */
int zt_okta_fetch_first(struct okta_run *r);
int zt_okta_fetch_second(struct okta_run *r);
/* Okta object ids are alphanumeric: anything else never goes into a URL path. */
bool zt_okta_id_valid(const char *id);
/* The id of an ACTIVE policy in list with a usable id, from index *i on (advanced past it). */
const char *zt_okta_next_active(struct json_object *list, size_t *i);
