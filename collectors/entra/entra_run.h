/* entra_run.h - the state of one entra scan shared by collect() (entra_fetch.c) and the table of
 * Graph calls with their page handlers (entra_calls.c). */
#pragma once

#include "collector.h"
#include "entra.h"

enum entra_call_id {
    E_CA,
    E_CA_BETA,
    E_SECDEF,
    E_METHODS,
    E_STRENGTHS,
    E_REG,
    E_PIM_ACTIVE,
    E_PIM_ELIGIBLE,
    E_ORG,
    E_DOMAINS,
    E_APPS,
    E_AUTHZ,
    E_ADMIN_CONSENT,
    E_REVIEWS,
    E_SPS,
    E_FIC_APPS,
    E_XTAP,
    E_LCW,
    E_EM,
    _E_MAX,
};

struct entra_run;

struct entra_call {
    struct entra_run *run;
    enum entra_call_id id;
    struct zt_http_result res;
};

struct entra_run {
    const struct entra_state *s;
    struct zt_ctx *ctx;
    struct json_object *ca, *ca_beta;     /* policies (at most ENTRA_CA_MAX each) */
    struct json_object *secdef, *methods; /* single documents */
    struct json_object *org, *authz, *admin_consent, *xtap;
    struct json_object *strengths; /* strength id -> allowedCombinations */
    struct json_object *facts;
    struct entra_reg reg;
    struct entra_pim pim;
    struct entra_domains domains;
    struct entra_apps apps;
    struct entra_reviews reviews;
    struct entra_sps sps;
    struct entra_governance gov;
    uint64_t fic_apps; /* applications with a federated identity credential */
    int64_t now_usec;  /* one clock for every expiry and age of the scan */
    struct entra_call calls[_E_MAX];
};

struct entra_endpoint {
    const char *version; /* "v1.0", or "beta" only for fields that exist nowhere else */
    const char *path;
    const char *permission; /* named in the problem when Graph answers 403 */
    const char *note;       /* licence or other hint for a 403, or "" */
    const char *licence;    /* for a 400/404 "not licensed" answer: the licence it needs, or NULL */
    const char *header;     /* one extra request header ("ConsistencyLevel: eventual"), or NULL */
    bool paced;             /* Conditional Access: 1 request/s per tenant, 429 without hint */
    bool paged;
    unsigned max_pages;
    int (*on_page)(struct entra_run *r, struct json_object *page);
    /* Lists that may be large are delivered item by item ("value"); on_page is then NULL. */
    int (*on_item)(struct entra_run *r, struct json_object *item);
};

/* The Graph calls of one scan, indexed by entra_call_id (entra_calls.c). */
extern const struct entra_endpoint entra_endpoints[_E_MAX];
