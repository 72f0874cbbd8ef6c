/* github.h - internals of the `github` collector shared with its unit test and fuzzer: how an
 * answer is classified (rate limits, feature disabled, plan, owner, denied), the waits and pacing
 * taken from GitHub's headers, and the facts folded from organizations, repositories, branch rules
 * and alerts into counters. Every function here is pure (documents in, facts out). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "collector.h"

#define ZT_GH_API_URL          "https://api.github.com"
#define ZT_GH_NAME_MAX         101u /* an org or repository name is at most 100 characters */
#define ZT_GH_BRANCH_MAX       256u
#define ZT_GH_RULESETS         4096u /* ruleset verdicts remembered per collection */
#define ZT_GH_TOKEN_SLACK      300 /* re-mint an installation token this many seconds before expiry */
#define ZT_GH_SECONDARY_MIN_MS (60u * 1000u)

/* What a non-2xx answer (or a 2xx) means. */
enum zt_gh_class {
    ZT_GH_OK,
    ZT_GH_RATE_PRIMARY,   /* x-ratelimit-remaining 0: wait until x-ratelimit-reset */
    ZT_GH_RATE_SECONDARY, /* "secondary rate limit", or 429: retry-after, else >= 60 s */
    ZT_GH_FEATURE_OFF,    /* "... is disabled", "must be enabled", "no analysis found" */
    ZT_GH_PLAN,           /* "Upgrade to GitHub Pro ...": the plan does not include it */
    ZT_GH_NEEDS_OWNER,    /* "Must be an organization owner", admin rights needed */
    ZT_GH_DENIED,         /* 403 "Resource not accessible by integration" and other 403 */
    ZT_GH_NOT_FOUND,      /* 404 without a recognised message (not visible, or absent) */
    ZT_GH_UNAUTHORIZED,   /* 401: the token expired or was revoked */
    ZT_GH_OTHER,          /* any other status */
    _ZT_GH_CLASS_MAX,
};
const char *zt_gh_class_to_string(enum zt_gh_class c);

/* The parts of an answer that classify it (headers as received; NULL when absent). */
struct zt_gh_answer {
    long status;
    const char *message;           /* body "message" */
    const char *documentation_url; /* body "documentation_url" */
    const char *retry_after;       /* header */
    const char *remaining;         /* x-ratelimit-remaining */
    const char *reset;             /* x-ratelimit-reset (epoch seconds) */
};
enum zt_gh_class zt_gh_classify(const struct zt_gh_answer *a);

/* How long to wait before retrying an answer of class c (attempt counts from 1), in ms:
 * secondary: retry-after seconds if given, else until reset when none remain, else 60 s doubled
 * per attempt (at most 15 min); primary: until reset (plus 1 s, at least 1 s). now_sec is the
 * server's Date when known. Returns 0 for classes that are not retried. */
uint64_t zt_gh_wait_ms(enum zt_gh_class c, const struct zt_gh_answer *a, int64_t now_sec,
                       unsigned attempt);
/* The interval between request starts that keeps a token inside its hourly budget: 0 while more
 * than a tenth of limit (at least 50) remains, else the time left to reset spread over what
 * remains. */
uint64_t zt_gh_pace_ms(int64_t limit, int64_t remaining, int64_t reset, int64_t now_sec);

/* The claims of a GitHub App JWT at now_sec: iat 60 s early (clock drift), exp 9 minutes ahead
 * (10 minutes after iat, GitHub's maximum), iss the App (or client) id. Returns a new string. */
char *zt_gh_app_claims(const char *app_id, int64_t now_sec);
/* Whether an installation token minted at minted_sec and expiring at expires_sec must be re-minted
 * at now_sec: ZT_GH_TOKEN_SLACK seconds before it expires, or half way through a shorter life. */
bool zt_gh_token_stale(int64_t minted_sec, int64_t expires_sec, int64_t now_sec);
/* Read an installation token answer {"token", "expires_at"}: *token borrowed from doc. Returns 0
 * or -EBADMSG. */
int zt_gh_token_parse(struct json_object *doc, const char **token, int64_t *expires_sec);

/* One organization's settings, from GET /orgs/{org} and the Actions and code security calls.
 * -1 = unknown (not readable, not an owner, not in the plan). */
struct zt_gh_org {
    int two_factor_required; /* two_factor_requirement_enabled */
    int64_t members_without_2fa;
    int default_permission_restricted; /* default_repository_permission read or none */
    int enterprise_plan;               /* plan.name "enterprise" */
    int saml_sso;                      /* GraphQL samlIdentityProvider present */
    int actions_restricted;            /* allowed_actions not "all", or sha_pinning_required */
    int token_read_only;               /* default_workflow_permissions "read" */
    int actions_cannot_approve;        /* can_approve_pull_request_reviews false */
    int fork_pr_approval;              /* approval policy beyond "new to GitHub" */
    int security_config_enforced;      /* a default configuration for all new repositories,
                                        * enforced, with code scanning, secret scanning and
                                        * Dependabot alerts on */
};
void zt_gh_org_init(struct zt_gh_org *o);
/* Read GET /orgs/{org}. */
void zt_gh_org_parse(struct zt_gh_org *o, struct json_object *doc);
void zt_gh_actions_parse(struct zt_gh_org *o, struct json_object *doc);
void zt_gh_workflow_parse(struct zt_gh_org *o, struct json_object *doc);
void zt_gh_fork_approval_parse(struct zt_gh_org *o, struct json_object *doc);
void zt_gh_saml_parse(struct zt_gh_org *o, struct json_object *doc);
void zt_gh_security_defaults_parse(struct zt_gh_org *o, struct json_object *doc);

/* What protects one default branch, from its effective rules and classic protection. */
struct zt_gh_branch {
    bool pr_required;
    int64_t approvals;
    bool stale_dismissed, code_owners, last_push, status_checks, signed_commits, linear_history,
        no_force_push, no_deletion, code_scanning_required;
    bool via_ruleset, via_org_ruleset, via_classic;
    unsigned bypassable_ignored; /* rules of rulesets everyone may bypass, not counted */
};
/* The verdict on one ruleset: counts (active, nobody with write access bypasses it), bypassable,
 * or unknown (bypass actors not visible). */
enum zt_gh_ruleset {
    ZT_GH_RULESET_COUNTS,
    ZT_GH_RULESET_BYPASSABLE,
    ZT_GH_RULESET_UNKNOWN,
};
/* Judge GET .../rulesets/{id}: not active (evaluate, disabled) or a bypass actor covering every
 * writer (RepositoryRole 4 "write", or a deploy key... always or exempt) makes it bypassable; no
 * bypass_actors member makes it unknown. */
enum zt_gh_ruleset zt_gh_ruleset_judge(struct json_object *doc);
/* Fold the elements of GET /repos/{o}/{r}/rules/branches/{b} into b, counting only rulesets
 * whose verdict (verdict(data, ruleset_id, source_type)) is COUNTS. Returns 0, or -ENODATA when a
 * ruleset's verdict is unknown. */
typedef enum zt_gh_ruleset (*zt_gh_verdict_fn)(void *data, int64_t ruleset_id,
                                               const char *source_type);
int zt_gh_rules_fold(struct zt_gh_branch *b, struct json_object *rules, zt_gh_verdict_fn verdict,
                     void *data);
/* The ruleset ids an effective rules answer names (at most max, distinct), with whether each is
 * an organization ruleset, for fetching their verdicts. Returns how many were written. */
size_t zt_gh_rules_rulesets(struct json_object *rules, int64_t *ids, bool *org, size_t max);
/* Fold GET /repos/{o}/{r}/branches/{b}/protection into b. */
void zt_gh_classic_fold(struct zt_gh_branch *b, struct json_object *doc);

/* One repository's facts: the list entry, then its calls. -1 unknown. */
struct zt_gh_repo {
    char name[ZT_GH_NAME_MAX];
    char branch[ZT_GH_BRANCH_MAX];
    bool archived, fork;
    int secret_scanning, push_protection, dependabot_updates; /* security_and_analysis */
    int code_scanning;                                        /* an analysis exists */
    int dependabot_alerts;                                    /* vulnerability-alerts 204 */
    bool branch_known;
    struct zt_gh_branch b;
};
/* Read an element of GET /orgs/{org}/repos. Returns 0, or -EBADMSG (no usable name or branch). */
int zt_gh_repo_parse(struct zt_gh_repo *r, struct json_object *item);

/* Counters over every repository seen (all organizations); repositories are never kept. */
struct zt_gh_repos {
    uint64_t listed, archived, forks, active, skipped;
    uint64_t branch_unknown, protected_, reviews1, reviews2, stale, code_owners, last_push,
        status_checks, signed_commits, linear, no_force_push, no_deletion, code_scanning_rule,
        via_ruleset, via_org_ruleset, via_classic, bypassable_ignored;
    uint64_t security_unknown, secret_scanning, push_protection, dependabot_updates;
    uint64_t code_scanning_unknown, code_scanning;
    uint64_t dependabot_unknown, dependabot_alerts;
};
/* Fold one active repository (archived and forks only counted, by the caller, apart). */
void zt_gh_repos_add(struct zt_gh_repos *t, const struct zt_gh_repo *r);
/* Whether a default branch is protected: a pull request with at least one approval and no force
 * push. */
bool zt_gh_branch_protected(const struct zt_gh_branch *b);

/* Open alerts, folded item by item from the organization alert lists. */
enum zt_gh_alert_kind {
    ZT_GH_CODE_SCANNING,
    ZT_GH_SECRET_SCANNING,
    ZT_GH_DEPENDABOT,
    _ZT_GH_ALERT_MAX
};
struct zt_gh_alerts {
    int64_t now_sec;
    uint64_t old_sec;
    uint64_t open[_ZT_GH_ALERT_MAX];
    uint64_t severe[_ZT_GH_ALERT_MAX];     /* critical or high */
    uint64_t severe_old[_ZT_GH_ALERT_MAX]; /* critical or high, opened more than old_sec ago */
    uint64_t old[_ZT_GH_ALERT_MAX];        /* any severity, opened more than old_sec ago */
    uint64_t skipped;
};
void zt_gh_alerts_init(struct zt_gh_alerts *a, int64_t now_sec, uint64_t old_sec);
void zt_gh_alert_item(struct zt_gh_alerts *a, enum zt_gh_alert_kind k, struct json_object *item);

/* Which facts could not be read, across organizations. */
struct zt_gh_unknown {
    bool alerts[_ZT_GH_ALERT_MAX]; /* an alert list failed in some organization */
    bool repos;                    /* the repository list failed somewhere: no repository fact */
};

/* Emit the github.* keys from what is known: orgs (n of them, named by names, which may be NULL:
 * the detail of each org fact lists those where it does not hold), repos, alerts. */
int zt_gh_emit(struct zt_ctx *ctx, const struct zt_gh_org *orgs, const char *const *names, size_t n,
               const struct zt_gh_repos *t, const struct zt_gh_alerts *a,
               const struct zt_gh_unknown *u);

extern const struct zt_collector zt_collector_github;
