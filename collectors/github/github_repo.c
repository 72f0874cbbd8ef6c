/* github_repo.c - the calls about one repository: the rules that really apply to its default
 * branch (GET rules/branches/{branch}: active rulesets only, each ruleset's bypass actors read
 * once per collection), classic branch protection, whether code scanning has analysed it, and
 * whether Dependabot alerts are on. A refusal leaves that fact unknown for the repository and is
 * counted for one problem per organization. */
#include <inttypes.h>

#include "github_run.h"

#define GH_RULESETS_PER_BRANCH 16u

static void issue(struct gh_run *r, enum gh_issue_kind k, const struct zt_gh_repo *repo,
                  const struct gh_answer *a)
{
    struct gh_issue *is = &r->issues[k];
    if (is->n++ == 0) {
        is->cls = a->error < 0 ? ZT_GH_OTHER : a->cls;
        snprintf(is->first, sizeof(is->first), "%s", repo->name);
        snprintf(is->message, sizeof(is->message), "%s", a->message);
    }
}

static int on_keep(void *data, const struct zt_http_page *p)
{
    struct json_object **doc = data, *page = zt_http_page_json(p);

    if (!json_object_is_type(page, json_type_array)) {
        return -EBADMSG;
    }
    if (!*doc) {
        *doc = json_object_new_array();
    }
    for (size_t i = 0; i < json_object_array_length(page) && i < 1000; i++) {
        json_object_array_add(*doc, json_object_get(json_object_array_get_idx(page, i)));
    }
    return 0;
}

static int on_verdict(void *data, const struct zt_http_page *p)
{
    *(enum zt_gh_ruleset *)data = zt_gh_ruleset_judge(zt_http_page_json(p));
    return 0;
}

/* The verdicts on the rulesets of one branch. */
struct branch_rulesets {
    int64_t ids[GH_RULESETS_PER_BRANCH];
    bool org[GH_RULESETS_PER_BRANCH];
    enum zt_gh_ruleset v[GH_RULESETS_PER_BRANCH];
    size_t n;
};

static enum zt_gh_ruleset verdict_of(void *data, int64_t id, const char *source_type)
{
    const struct branch_rulesets *b = data;
    (void)source_type;
    for (size_t i = 0; i < b->n; i++) {
        if (b->ids[i] == id) {
            return b->v[i];
        }
    }
    return ZT_GH_RULESET_UNKNOWN;
}

static bool from_cache(const struct gh_run *r, int64_t id, enum zt_gh_ruleset *v)
{
    for (size_t j = 0; j < r->n_rulesets; j++) {
        if (r->ruleset_ids[j] == id) {
            *v = (enum zt_gh_ruleset)r->ruleset_verdicts[j];
            return true;
        }
    }
    return false;
}

static int fetch_verdict(struct gh_run *r, const struct zt_gh_repo *repo, int64_t id, bool org,
                         enum zt_gh_ruleset *v)
{
    struct gh_answer a;
    _cleanup_free_ char *name = zt_http_urlencode(repo->name);

    *v = ZT_GH_RULESET_UNKNOWN;
    int e = org ? zt_gh_get(r, "org-ruleset", &a, on_verdict, v, "/orgs/%s/rulesets/%" PRId64,
                            r->org_enc, id)
                : zt_gh_get(r, "repo-ruleset", &a, on_verdict, v,
                            "/repos/%s/%s/rulesets/%" PRId64 "?includes_parents=true", r->org_enc,
                            name, id);
    if (e == 0 && a.cls == ZT_GH_OK && *v == ZT_GH_RULESET_UNKNOWN) {
        snprintf(a.message, sizeof(a.message),
                 "ruleset %" PRId64 " shows no bypass_actors (needs Administration: read)", id);
        a.cls = ZT_GH_NEEDS_OWNER;
    }
    if (e < 0 || a.cls != ZT_GH_OK) {
        issue(r, GH_ISSUE_RULESET, repo, &a);
        return -ENODATA;
    }
    if (r->n_rulesets < ZT_GH_RULESETS) {
        r->ruleset_ids[r->n_rulesets] = id;
        r->ruleset_verdicts[r->n_rulesets++] = (unsigned char)*v;
    }
    return 0;
}

/* The verdict on every ruleset the branch's rules name: remembered, else read. */
static int verdicts(struct gh_run *r, const struct zt_gh_repo *repo, struct json_object *rules,
                    struct branch_rulesets *b)
{
    b->n = zt_gh_rules_rulesets(rules, b->ids, b->org, GH_RULESETS_PER_BRANCH);
    for (size_t i = 0; i < b->n; i++) {
        if (!from_cache(r, b->ids[i], &b->v[i]) &&
            fetch_verdict(r, repo, b->ids[i], b->org[i], &b->v[i]) < 0) {
            return -ENODATA;
        }
    }
    return 0;
}

/* The effective rules of the default branch, judged by their rulesets. */
static int branch_rules(struct gh_run *r, struct zt_gh_repo *repo, const char *name,
                        const char *branch)
{
    _cleanup_json_ struct json_object *rules = NULL;
    struct branch_rulesets b = {0};
    struct gh_answer a;
    _cleanup_free_ char *url = zt_xasprintf("%s/repos/%s/%s/rules/branches/%s?per_page=100", r->api,
                                            r->org_enc, name, branch);
    const struct gh_call c = {
        .url = url, .family = "repo-rules", .paged = true, .on_ok = on_keep, .data = &rules};

    if (zt_gh_call(r, &c, &a) < 0 || a.cls != ZT_GH_OK) {
        issue(r, GH_ISSUE_RULES, repo, &a);
        return -ENODATA;
    }
    if (!rules) {
        return 0; /* no rule applies */
    }
    if (verdicts(r, repo, rules, &b) < 0) {
        return -ENODATA;
    }
    return zt_gh_rules_fold(&repo->b, rules, verdict_of, &b);
}

static int on_classic(void *data, const struct zt_http_page *p)
{
    zt_gh_classic_fold(data, zt_http_page_json(p));
    return 0;
}

/* Classic protection: 404 "Branch not protected" (or the branch missing) means none, and so does
 * a plan without it ("Upgrade to GitHub Pro ..."): it cannot be set there. */
static int classic(struct gh_run *r, struct zt_gh_repo *repo, const char *name, const char *branch)
{
    struct gh_answer a;

    if (zt_gh_get(r, "repo-protection", &a, on_classic, &repo->b,
                  "/repos/%s/%s/branches/%s/protection", r->org_enc, name, branch) < 0) {
        issue(r, GH_ISSUE_CLASSIC, repo, &a);
        return -ENODATA;
    }
    if (a.cls == ZT_GH_OK || a.cls == ZT_GH_PLAN ||
        (a.status == 404 &&
         (strstr(a.message, "not protected") || strstr(a.message, "Branch not found")))) {
        return 0;
    }
    issue(r, GH_ISSUE_CLASSIC, repo, &a);
    return -ENODATA;
}

static int on_analyses(void *data, const struct zt_http_page *p)
{
    struct json_object *doc = zt_http_page_json(p);
    if (!json_object_is_type(doc, json_type_array)) {
        return -EBADMSG;
    }
    *(int *)data = json_object_array_length(doc) > 0;
    return 1; /* one analysis is enough */
}

/* Whether any tool (default setup, a workflow, uploaded SARIF) has analysed the repository: an
 * answer that code scanning or Advanced Security is not enabled, or that there is no analysis,
 * means no. */
static void code_scanning(struct gh_run *r, struct zt_gh_repo *repo, const char *name)
{
    struct gh_answer a;

    if (zt_gh_get(r, "repo-code-scanning", &a, on_analyses, &repo->code_scanning,
                  "/repos/%s/%s/code-scanning/analyses?per_page=1", r->org_enc, name) < 0) {
        repo->code_scanning = -1;
    } else if (a.cls == ZT_GH_FEATURE_OFF || a.cls == ZT_GH_PLAN) {
        repo->code_scanning = 0;
    }
    if (repo->code_scanning < 0) {
        issue(r, GH_ISSUE_CODE_SCANNING, repo, &a);
    }
}

/* GET vulnerability-alerts: 204 on, 404 "Vulnerability alerts are disabled." off. */
static void dependabot(struct gh_run *r, struct zt_gh_repo *repo, const char *name)
{
    struct gh_answer a;

    if (zt_gh_get(r, "repo-vulnerability-alerts", &a, NULL, NULL,
                  "/repos/%s/%s/vulnerability-alerts", r->org_enc, name) == 0) {
        repo->dependabot_alerts = a.cls == ZT_GH_OK                                   ? 1
                                  : a.cls == ZT_GH_FEATURE_OFF || a.cls == ZT_GH_PLAN ? 0
                                                                                      : -1;
    }
    if (repo->dependabot_alerts < 0) {
        issue(r, GH_ISSUE_DEPENDABOT, repo, &a);
    }
}

void zt_gh_repo_walk(struct gh_run *r, struct zt_gh_repo *repo)
{
    _cleanup_free_ char *name = zt_http_urlencode(repo->name);
    _cleanup_free_ char *branch = repo->branch[0] ? zt_http_urlencode(repo->branch) : NULL;

    if (repo->secret_scanning < 0 || repo->push_protection < 0 || repo->dependabot_updates < 0) {
        struct gh_answer a = {.cls = ZT_GH_NEEDS_OWNER};
        snprintf(a.message, sizeof(a.message),
                 "security_and_analysis is only shown with Administration: read");
        issue(r, GH_ISSUE_SECURITY, repo, &a);
    }
    repo->branch_known =
        branch && branch_rules(r, repo, name, branch) == 0 && classic(r, repo, name, branch) == 0;
    code_scanning(r, repo, name);
    dependabot(r, repo, name);
}
