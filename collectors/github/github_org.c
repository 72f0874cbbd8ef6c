/* github_org.c - the walk of one organization: its settings (2FA, default permission, SAML SSO,
 * Actions policy, code security defaults), its repositories page by page (each one's default
 * branch rules, classic protection, code scanning and Dependabot alerts, folded and forgotten),
 * and its open alerts. Refusals become unknown facts with their reason, never failing facts. */
#include <inttypes.h>
#include <syslog.h>

#include "github_run.h"

static int on_org(void *data, const struct zt_http_page *p)
{
    zt_gh_org_parse(data, zt_http_page_json(p));
    return 0;
}

static int on_count(void *data, const struct zt_http_page *p)
{
    struct json_object *doc = zt_http_page_json(p);
    if (!json_object_is_type(doc, json_type_array)) {
        return -EBADMSG;
    }
    *(int64_t *)data += (int64_t)json_object_array_length(doc);
    return 0;
}

struct org_parse {
    struct zt_gh_org *o;
    void (*parse)(struct zt_gh_org *o, struct json_object *doc);
};

static int on_parse(void *data, const struct zt_http_page *p)
{
    struct org_parse *op = data;
    op->parse(op->o, zt_http_page_json(p));
    return 0;
}

/* One settings call into o: a refusal leaves the fact unknown, with its reason recorded. */
static void setting(struct gh_run *r, struct zt_gh_org *o, const char *what, const char *path,
                    void (*parse)(struct zt_gh_org *, struct json_object *))
{
    struct gh_answer a;
    struct org_parse op = {o, parse};

    if (zt_gh_get(r, "org-settings", &a, on_parse, &op, "/orgs/%s%s", r->org_enc, path) < 0 ||
        a.cls != ZT_GH_OK) {
        zt_gh_problem(r, what, &a);
    }
}

static void saml(struct gh_run *r, struct zt_gh_org *o)
{
    struct gh_answer a;
    struct org_parse op = {o, zt_gh_saml_parse};

    if (o->enterprise_plan == 0) {
        a = (struct gh_answer){.cls = ZT_GH_PLAN};
        snprintf(a.message, sizeof(a.message), "SAML SSO needs GitHub Enterprise Cloud");
        zt_gh_problem(r, "SAML single sign-on", &a);
        return;
    }
    _cleanup_json_ struct json_object *q = json_object_new_object();
    json_object_object_add(q, "query",
                           json_object_new_string("query($login:String!){organization(login:"
                                                  "$login){samlIdentityProvider{ssoUrl}}}"));
    struct json_object *vars = json_object_new_object();
    json_object_object_add(vars, "login", json_object_new_string(r->org));
    json_object_object_add(q, "variables", vars);
    const struct gh_call c = {.method = ZT_HTTP_POST,
                              .url = r->graphql,
                              .body = json_object_to_json_string_ext(q, JSON_C_TO_STRING_PLAIN),
                              .family = "graphql",
                              .on_ok = on_parse,
                              .data = &op};
    if (zt_gh_call(r, &c, &a) < 0 || a.cls != ZT_GH_OK || o->saml_sso < 0) {
        zt_gh_problem(r, "SAML single sign-on", &a);
    }
}

static void settings(struct gh_run *r, struct zt_gh_org *o)
{
    struct gh_answer a;

    if (o->two_factor_required < 0) {
        a = (struct gh_answer){.cls = ZT_GH_NEEDS_OWNER};
        snprintf(a.message, sizeof(a.message),
                 "two_factor_requirement_enabled is only shown to owners (Administration: read)");
        zt_gh_problem(r, "two-factor requirement", &a);
    }
    int64_t without = 0;
    _cleanup_free_ char *url =
        zt_xasprintf("%s/orgs/%s/members?filter=2fa_disabled&per_page=100", r->api, r->org_enc);
    const struct gh_call c = {
        .url = url, .family = "org-members", .paged = true, .on_ok = on_count, .data = &without};
    if (zt_gh_call(r, &c, &a) < 0 || a.cls != ZT_GH_OK) {
        zt_gh_problem(r, "members without two-factor authentication", &a);
    } else {
        o->members_without_2fa = without;
    }
    setting(r, o, "Actions permissions", "/actions/permissions", zt_gh_actions_parse);
    setting(r, o, "Actions workflow token permissions", "/actions/permissions/workflow",
            zt_gh_workflow_parse);
    setting(r, o, "fork pull request approval", "/actions/permissions/fork-pr-contributor-approval",
            zt_gh_fork_approval_parse);
    setting(r, o, "code security configuration defaults", "/code-security/configurations/defaults",
            zt_gh_security_defaults_parse);
    saml(r, o);
}

static int on_repos(void *data, const struct zt_http_page *p)
{
    struct gh_run *r = data;
    struct json_object *doc = zt_http_page_json(p);

    if (!json_object_is_type(doc, json_type_array)) {
        return -EBADMSG;
    }
    for (size_t i = 0; i < json_object_array_length(doc); i++) {
        struct zt_gh_repo repo;
        r->repos.listed++;
        if (zt_gh_repo_parse(&repo, json_object_array_get_idx(doc, i)) < 0) {
            r->repos.skipped++;
        } else if (repo.archived) {
            r->repos.archived++;
        } else if (repo.fork) {
            r->repos.forks++;
        } else {
            zt_gh_repo_walk(r, &repo);
            zt_gh_repos_add(&r->repos, &repo);
        }
        if (zt_ctx_cancelled(r->ctx)) {
            return -ETIMEDOUT;
        }
    }
    return 0;
}

struct alert_fold {
    struct zt_gh_alerts *a;
    enum zt_gh_alert_kind kind;
};

static int on_alerts(void *data, const struct zt_http_page *p)
{
    struct alert_fold *f = data;
    struct json_object *doc = zt_http_page_json(p);

    if (zt_http_page_status(p) == 204) {
        return 0;
    }
    if (!json_object_is_type(doc, json_type_array)) {
        return -EBADMSG;
    }
    for (size_t i = 0; i < json_object_array_length(doc); i++) {
        zt_gh_alert_item(f->a, f->kind, json_object_array_get_idx(doc, i));
    }
    return 0;
}

static void alerts(struct gh_run *r)
{
    static const char *const paths[_ZT_GH_ALERT_MAX] = {
        [ZT_GH_CODE_SCANNING] = "code-scanning",
        [ZT_GH_SECRET_SCANNING] = "secret-scanning",
        [ZT_GH_DEPENDABOT] = "dependabot",
    };
    for (int k = 0; k < _ZT_GH_ALERT_MAX; k++) {
        /* Counted into a copy: a list that fails part way must not leave half its alerts. */
        struct zt_gh_alerts copy = r->alerts;
        struct alert_fold f = {&copy, (enum zt_gh_alert_kind)k};
        struct gh_answer a;
        _cleanup_free_ char *url = zt_xasprintf("%s/orgs/%s/%s/alerts?state=open&per_page=100",
                                                r->api, r->org_enc, paths[k]);
        char what[64];
        const struct gh_call c = {
            .url = url, .family = paths[k], .paged = true, .on_ok = on_alerts, .data = &f};
        if (zt_gh_call(r, &c, &a) < 0 || a.cls != ZT_GH_OK) {
            snprintf(what, sizeof(what), "open %s alerts", paths[k]);
            zt_gh_problem(r, what, &a);
            r->unknown.alerts[k] = true;
        } else {
            r->alerts = copy;
        }
    }
}

static const char *const issue_names[_GH_ISSUE_MAX] = {
    [GH_ISSUE_RULES] = "default branch rules",
    [GH_ISSUE_RULESET] = "ruleset bypass actors",
    [GH_ISSUE_CLASSIC] = "classic branch protection",
    [GH_ISSUE_CODE_SCANNING] = "code scanning analyses",
    [GH_ISSUE_DEPENDABOT] = "Dependabot alerts setting",
    [GH_ISSUE_SECURITY] = "security_and_analysis (secret scanning, push protection)",
};

/* One problem per kind of refusal seen for this organization's repositories. */
static void report_issues(struct gh_run *r)
{
    for (int i = 0; i < _GH_ISSUE_MAX; i++) {
        const struct gh_issue *is = &r->issues[i];
        if (is->n) {
            zt_ctx_error(r->ctx, is->cls == ZT_GH_DENIED ? -EACCES : -ENODATA,
                         "%s: %s unknown for %" PRIu64 " repositories (%s; first %s): %s", r->org,
                         issue_names[i], is->n, zt_gh_class_to_string(is->cls), is->first,
                         is->message);
        }
    }
    memset(r->issues, 0, sizeof(r->issues));
}

int zt_gh_org_walk(struct gh_run *r, struct zt_gh_org *o)
{
    struct gh_answer a;

    zt_gh_org_init(o);
    if (zt_gh_get(r, "org", &a, on_org, o, "/orgs/%s", r->org_enc) < 0 || a.cls != ZT_GH_OK) {
        zt_gh_problem(r, "organization", &a);
        r->unknown.repos = true;
        for (int k = 0; k < _ZT_GH_ALERT_MAX; k++) {
            r->unknown.alerts[k] = true;
        }
        return a.error < 0 ? a.error : a.cls == ZT_GH_DENIED ? -EACCES : -ENOENT;
    }
    settings(r, o);
    _cleanup_free_ char *url =
        zt_xasprintf("%s/orgs/%s/repos?type=all&per_page=100", r->api, r->org_enc);
    const struct gh_call c = {
        .url = url, .family = "org-repos", .paged = true, .on_ok = on_repos, .data = r};
    if (zt_gh_call(r, &c, &a) < 0 || a.cls != ZT_GH_OK) {
        zt_gh_problem(r, "repository list", &a);
        r->unknown.repos = true;
    }
    report_issues(r);
    if (r->s->alerts) {
        alerts(r);
    } else {
        for (int k = 0; k < _ZT_GH_ALERT_MAX; k++) {
            r->unknown.alerts[k] = true;
        }
    }
    return 0;
}
