/* github_emit.c - the github.* evidence keys from the folded counters: one fact for the whole
 * instance (every organization, every active repository), emitted only when it is known for all
 * of them: an organization or repository that could not tell makes the fact unknown. */
#include <stddef.h>

#include "github.h"

/* Organization facts true for every organization: key, member of struct zt_gh_org. */
static const struct {
    const char *key;
    size_t off;
} org_facts[] = {
    {"github.orgs.two_factor_required_all", offsetof(struct zt_gh_org, two_factor_required)},
    {"github.orgs.default_permission_restricted_all",
     offsetof(struct zt_gh_org, default_permission_restricted)},
    {"github.orgs.saml_sso_all", offsetof(struct zt_gh_org, saml_sso)},
    {"github.orgs.security_configuration_enforced_all",
     offsetof(struct zt_gh_org, security_config_enforced)},
    {"github.actions.allowed_actions_restricted_all",
     offsetof(struct zt_gh_org, actions_restricted)},
    {"github.actions.default_token_read_only_all", offsetof(struct zt_gh_org, token_read_only)},
    {"github.actions.cannot_approve_pull_requests_all",
     offsetof(struct zt_gh_org, actions_cannot_approve)},
    {"github.actions.fork_pr_approval_required_all", offsetof(struct zt_gh_org, fork_pr_approval)},
};

/* Detail of an org fact: {"failing": [names of the organizations where it does not hold]}. */
static struct json_object *failing(const struct zt_gh_org *orgs, const char *const *names, size_t n,
                                   size_t off)
{
    struct json_object *d = json_object_new_object(), *list = json_object_new_array();
    for (size_t i = 0; i < n; i++) {
        if (*(const int *)((const char *)&orgs[i] + off) == 0 && names && names[i]) {
            json_object_array_add(list, json_object_new_string(names[i]));
        }
    }
    json_object_object_add(d, "failing", list);
    return d;
}

static int emit_orgs(struct zt_ctx *ctx, const struct zt_gh_org *orgs, const char *const *names,
                     size_t n)
{
    int r = zt_emit_int(ctx, "github.orgs.count", (int64_t)n);

    for (size_t f = 0; f < sizeof(org_facts) / sizeof(org_facts[0]) && r == 0; f++) {
        bool all = true, known = n > 0;
        for (size_t i = 0; i < n; i++) {
            int v = *(const int *)((const char *)&orgs[i] + org_facts[f].off);
            known &= v >= 0;
            all &= v == 1;
        }
        if (known) {
            r = zt_emit(ctx, org_facts[f].key, json_object_new_boolean(all),
                        failing(orgs, names, n, org_facts[f].off));
        }
    }
    int64_t without = 0;
    for (size_t i = 0; i < n && without >= 0; i++) {
        without = orgs[i].members_without_2fa < 0 ? -1 : without + orgs[i].members_without_2fa;
    }
    if (r == 0 && n > 0 && without >= 0) {
        r = zt_emit_int(ctx, "github.orgs.members_without_2fa", without);
    }
    return r;
}

static int share(struct zt_ctx *ctx, const char *key, uint64_t num, uint64_t den)
{
    return den ? zt_emit_double(ctx, key, (double)num / (double)den) : 0;
}

/* Branch facts over active repositories: key, member of struct zt_gh_repos. */
static const struct {
    const char *key;
    size_t off;
} branch_facts[] = {
    {"github.repos.protected_share", offsetof(struct zt_gh_repos, protected_)},
    {"github.repos.reviews_required_share", offsetof(struct zt_gh_repos, reviews1)},
    {"github.repos.two_reviews_share", offsetof(struct zt_gh_repos, reviews2)},
    {"github.repos.stale_reviews_dismissed_share", offsetof(struct zt_gh_repos, stale)},
    {"github.repos.code_owner_review_share", offsetof(struct zt_gh_repos, code_owners)},
    {"github.repos.last_push_approval_share", offsetof(struct zt_gh_repos, last_push)},
    {"github.repos.status_checks_share", offsetof(struct zt_gh_repos, status_checks)},
    {"github.repos.signed_commits_share", offsetof(struct zt_gh_repos, signed_commits)},
    {"github.repos.linear_history_share", offsetof(struct zt_gh_repos, linear)},
    {"github.repos.force_push_blocked_share", offsetof(struct zt_gh_repos, no_force_push)},
    {"github.repos.deletion_blocked_share", offsetof(struct zt_gh_repos, no_deletion)},
    {"github.repos.code_scanning_required_share", offsetof(struct zt_gh_repos, code_scanning_rule)},
    {"github.repos.org_ruleset_share", offsetof(struct zt_gh_repos, via_org_ruleset)},
};

/* How the active repositories were counted, for whoever checks a share. */
static struct json_object *repos_detail(const struct zt_gh_repos *t)
{
    static const char *const names[] = {"listed",
                                        "skipped",
                                        "protected",
                                        "via_ruleset",
                                        "via_org_ruleset",
                                        "via_classic",
                                        "branch_unknown",
                                        "security_unknown",
                                        "code_scanning_unknown",
                                        "dependabot_unknown"};
    const uint64_t counts[] = {t->listed,
                               t->skipped,
                               t->protected_,
                               t->via_ruleset,
                               t->via_org_ruleset,
                               t->via_classic,
                               t->branch_unknown,
                               t->security_unknown,
                               t->code_scanning_unknown,
                               t->dependabot_unknown};
    return zt_json_counts(names, counts, sizeof(counts) / sizeof(counts[0]));
}

static int emit_repos(struct zt_ctx *ctx, const struct zt_gh_repos *t)
{
    int r = zt_emit(ctx, "github.repos.count", json_object_new_int64((int64_t)t->active),
                    repos_detail(t));
    if (r == 0) {
        r = zt_emit_int(ctx, "github.repos.archived_count", (int64_t)t->archived);
    }
    if (r == 0) {
        r = zt_emit_int(ctx, "github.repos.fork_count", (int64_t)t->forks);
    }
    if (t->branch_unknown == 0) {
        for (size_t f = 0; f < sizeof(branch_facts) / sizeof(branch_facts[0]) && r == 0; f++) {
            uint64_t v = *(const uint64_t *)((const char *)t + branch_facts[f].off);
            r = share(ctx, branch_facts[f].key, v, t->active);
        }
        if (r == 0) {
            r = zt_emit_int(ctx, "github.repos.bypassable_ruleset_count",
                            (int64_t)t->bypassable_ignored);
        }
    }
    if (r == 0 && t->security_unknown == 0) {
        r = share(ctx, "github.repos.secret_scanning_share", t->secret_scanning, t->active);
        if (r == 0) {
            r = share(ctx, "github.repos.push_protection_share", t->push_protection, t->active);
        }
        if (r == 0) {
            r = share(ctx, "github.repos.dependabot_updates_share", t->dependabot_updates,
                      t->active);
        }
    }
    if (r == 0 && t->code_scanning_unknown == 0) {
        r = zt_emit_int(ctx, "github.repos.code_scanning_count", (int64_t)t->code_scanning);
        if (r == 0) {
            r = share(ctx, "github.repos.code_scanning_share", t->code_scanning, t->active);
        }
    }
    if (r == 0 && t->dependabot_unknown == 0) {
        r = share(ctx, "github.repos.dependabot_alerts_share", t->dependabot_alerts, t->active);
    }
    return r;
}

static const char *const alert_names[_ZT_GH_ALERT_MAX] = {
    [ZT_GH_CODE_SCANNING] = "code_scanning",
    [ZT_GH_SECRET_SCANNING] = "secret_scanning",
    [ZT_GH_DEPENDABOT] = "dependabot",
};

static int emit_alerts(struct zt_ctx *ctx, const struct zt_gh_alerts *a, const bool *unknown)
{
    char key[96];
    int r = 0;

    for (int k = 0; k < _ZT_GH_ALERT_MAX && r == 0; k++) {
        if (unknown[k]) {
            continue;
        }
        snprintf(key, sizeof(key), "github.alerts.%s.open_count", alert_names[k]);
        r = zt_emit_int(ctx, key, (int64_t)a->open[k]);
        if (r == 0 && k != ZT_GH_SECRET_SCANNING) {
            snprintf(key, sizeof(key), "github.alerts.%s.severe_count", alert_names[k]);
            r = zt_emit_int(ctx, key, (int64_t)a->severe[k]);
        }
        if (r == 0) {
            snprintf(key, sizeof(key), "github.alerts.%s.%s", alert_names[k],
                     k == ZT_GH_SECRET_SCANNING ? "old_count" : "severe_old_count");
            r = zt_emit_int(ctx, key,
                            (int64_t)(k == ZT_GH_SECRET_SCANNING ? a->old[k] : a->severe_old[k]));
        }
    }
    return r;
}

int zt_gh_emit(struct zt_ctx *ctx, const struct zt_gh_org *orgs, const char *const *names, size_t n,
               const struct zt_gh_repos *t, const struct zt_gh_alerts *a,
               const struct zt_gh_unknown *u)
{
    int r = emit_orgs(ctx, orgs, names, n);
    if (r == 0 && !u->repos) {
        r = emit_repos(ctx, t);
    }
    if (r == 0) {
        r = emit_alerts(ctx, a, u->alerts);
    }
    return r;
}
