/* github_run.h - one collection of the github collector, shared by its options and collect()
 * (github.c), its request layer (github_fetch.c) and its walk of each organization
 * (github_org.c). Not used by tests. */
#pragma once

#include "github.h"

#define GH_ATTEMPTS      5u  /* per call: rate limits and a token re-minted after a 401 */
#define GH_ENDPOINT_PACE 67u /* ms between requests to one endpoint: 900 a minute at most */
#define GH_KEY_MAX       512u
#define GH_MSG_MAX       320u

struct gh_state {
    struct zt_strv organizations;
    char *api_url;
    char *app_id;
    char *private_key_file;
    char *token_file;
    char *credential;
    char *ca_file;
    bool alerts;
    uint64_t alert_age_days;
};

/* How one call ended: a 2xx (class ZT_GH_OK), a classified refusal, or error < 0 (transport,
 * deadline, a token that could not be minted) with message. */
struct gh_answer {
    int error;
    long status;
    enum zt_gh_class cls;
    char message[GH_MSG_MAX]; /* GitHub's "message" (refusals) or the failure (error) */
};

/* A call: url (absolute), optional body (POST), paged by Link, pages to on_ok. */
struct gh_call {
    enum zt_http_method method;
    const char *url;
    const char *body;
    const char *family; /* endpoint family for the per-endpoint pacing ("repos-rules") */
    bool paged;
    bool as_app; /* authenticate with the App's JWT (installation lookup and token) */
    int (*on_ok)(void *data, const struct zt_http_page *p);
    void *data;
};

/* A refusal seen for many repositories, reported once per organization. */
enum gh_issue_kind {
    GH_ISSUE_RULES,
    GH_ISSUE_RULESET,
    GH_ISSUE_CLASSIC,
    GH_ISSUE_CODE_SCANNING,
    GH_ISSUE_DEPENDABOT,
    GH_ISSUE_SECURITY,
    _GH_ISSUE_MAX,
};
struct gh_issue {
    uint64_t n;
    enum zt_gh_class cls;
    char first[ZT_GH_NAME_MAX];
    char message[GH_MSG_MAX];
};

struct gh_run {
    const struct gh_state *s;
    struct zt_ctx *ctx;
    char *api;             /* api_url without trailing slashes */
    char *graphql;         /* https://api.github.com/graphql, https://HOST/api/graphql */
    char *key_pem;         /* App private key (wiped) */
    char *token;           /* installation or fine-grained token (wiped) */
    int64_t token_expires; /* epoch seconds; 0 = never (fine-grained token) */
    int64_t token_minted;
    char origin[256];
    /* The organization being walked. */
    const char *org;
    char *org_enc;
    int64_t installation;
    uint64_t next_start_usec; /* primary-limit pacing: no request starts before */
    uint64_t pace_ms;
    struct gh_issue issues[_GH_ISSUE_MAX];
    /* Facts. */
    struct zt_gh_org *orgs;
    size_t n_orgs;
    struct zt_gh_repos repos;
    struct zt_gh_alerts alerts;
    struct zt_gh_unknown unknown;
    /* Ruleset verdicts by id, for every repository of the collection. */
    int64_t ruleset_ids[ZT_GH_RULESETS];
    unsigned char ruleset_verdicts[ZT_GH_RULESETS];
    size_t n_rulesets;
    uint64_t installation_tokens; /* minted so far */
};

/* Make one call with GitHub's rules: serial, primary limit paced ahead, secondary limits waited
 * out (retry-after, else at least 60 s) and the failed page resumed, an installation token
 * re-minted before it expires or after a 401. Returns 0 with a->cls telling a 2xx from a refusal,
 * or a->error < 0 (recorded by the caller). */
int zt_gh_call(struct gh_run *r, const struct gh_call *c, struct gh_answer *a);
/* GET api + path (printf-style) with no paging into on_ok. */
int zt_gh_get(struct gh_run *r, const char *family, struct gh_answer *a,
              int (*on_ok)(void *data, const struct zt_http_page *p), void *data, const char *fmt,
              ...) _printf_(6, 7);
/* The installation token of r->org (App) is minted here when missing or stale. */
int zt_gh_auth(struct gh_run *r, bool force);
/* Record a problem for a refusal or failure of what (one line, no secrets). */
void zt_gh_problem(struct gh_run *r, const char *what, const struct gh_answer *a);
/* Walk one organization: settings, repositories, alerts. Returns 0, or -errno when the
 * organization itself could not be read (nothing known about it). */
int zt_gh_org_walk(struct gh_run *r, struct zt_gh_org *o);
/* Walk one repository of r->org (its list entry parsed into repo). */
void zt_gh_repo_walk(struct gh_run *r, struct zt_gh_repo *repo);
