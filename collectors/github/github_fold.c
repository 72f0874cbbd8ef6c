/* github_fold.c - what protects a default branch (effective ruleset rules judged by their
 * rulesets' enforcement and bypass actors, classic branch protection), repository list entries,
 * and open alerts, folded into counters: nothing per repository is kept. Pure. */
#include <strings.h>

#include "github.h"

/* The RepositoryRole id of the built-in "write" role (maintain is 2, admin 5): a bypass actor of
 * that role lets everyone who can push bypass the ruleset. */
#define GH_ROLE_WRITE 4

static int64_t int_member(struct json_object *o, const char *key, int64_t dflt)
{
    struct json_object *v = NULL;
    if (!json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, key, &v) ||
        !json_object_is_type(v, json_type_int)) {
        return dflt;
    }
    return json_object_get_int64(v);
}

static bool bool_member(struct json_object *o, const char *key)
{
    struct json_object *v = NULL;
    return json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, key, &v) &&
           json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v);
}

/* A bypass actor every writer matches: the write role, bypassing always or exempt (a missing
 * bypass_mode means always). */
static bool bypass_everyone(struct json_object *actor)
{
    const char *type = zt_json_str(actor, "actor_type");
    const char *mode = zt_json_str(actor, "bypass_mode");

    if (mode && !zt_streq(mode, "always") && !zt_streq(mode, "exempt")) {
        return false; /* "pull_request": they still need a pull request */
    }
    return type && zt_streq(type, "RepositoryRole") &&
           int_member(actor, "actor_id", -1) == GH_ROLE_WRITE;
}

enum zt_gh_ruleset zt_gh_ruleset_judge(struct json_object *doc)
{
    const char *enforcement = zt_json_str(doc, "enforcement");
    struct json_object *actors = zt_json_array(doc, "bypass_actors");

    if (!enforcement) {
        return ZT_GH_RULESET_UNKNOWN;
    }
    if (!zt_streq(enforcement, "active")) {
        return ZT_GH_RULESET_BYPASSABLE; /* evaluate or disabled: nothing is enforced */
    }
    if (!actors) {
        return ZT_GH_RULESET_UNKNOWN; /* not visible to this token */
    }
    for (size_t i = 0; i < json_object_array_length(actors); i++) {
        if (bypass_everyone(json_object_array_get_idx(actors, i))) {
            return ZT_GH_RULESET_BYPASSABLE;
        }
    }
    return ZT_GH_RULESET_COUNTS;
}

size_t zt_gh_rules_rulesets(struct json_object *rules, int64_t *ids, bool *org, size_t max)
{
    size_t n = 0;

    if (!json_object_is_type(rules, json_type_array)) {
        return 0;
    }
    for (size_t i = 0; i < json_object_array_length(rules) && n < max; i++) {
        struct json_object *r = json_object_array_get_idx(rules, i);
        int64_t id = int_member(r, "ruleset_id", -1);
        const char *src = zt_json_str(r, "ruleset_source_type");
        bool seen = false;
        for (size_t j = 0; j < n && !seen; j++) {
            seen = ids[j] == id;
        }
        if (id >= 0 && !seen) {
            ids[n] = id;
            org[n] = src && zt_streq(src, "Organization");
            n++;
        }
    }
    return n;
}

static void fold_rule(struct zt_gh_branch *b, const char *type, struct json_object *params)
{
    if (zt_streq(type, "pull_request")) {
        int64_t n = int_member(params, "required_approving_review_count", 0);
        b->pr_required = true;
        b->approvals = n > b->approvals ? n : b->approvals;
        b->stale_dismissed |= bool_member(params, "dismiss_stale_reviews_on_push");
        b->code_owners |= bool_member(params, "require_code_owner_review");
        b->last_push |= bool_member(params, "require_last_push_approval");
    } else if (zt_streq(type, "required_status_checks")) {
        struct json_object *checks = zt_json_array(params, "required_status_checks");
        b->status_checks |= checks && json_object_array_length(checks) > 0;
    } else if (zt_streq(type, "required_signatures")) {
        b->signed_commits = true;
    } else if (zt_streq(type, "required_linear_history")) {
        b->linear_history = true;
    } else if (zt_streq(type, "non_fast_forward")) {
        b->no_force_push = true;
    } else if (zt_streq(type, "deletion")) {
        b->no_deletion = true;
    } else if (zt_streq(type, "code_scanning")) {
        b->code_scanning_required = true;
    }
}

int zt_gh_rules_fold(struct zt_gh_branch *b, struct json_object *rules, zt_gh_verdict_fn verdict,
                     void *data)
{
    int r = 0;

    if (!json_object_is_type(rules, json_type_array)) {
        return -EBADMSG;
    }
    for (size_t i = 0; i < json_object_array_length(rules); i++) {
        struct json_object *rule = json_object_array_get_idx(rules, i), *params = NULL;
        const char *type = zt_json_str(rule, "type");
        const char *src = zt_json_str(rule, "ruleset_source_type");
        if (!type) {
            continue;
        }
        switch (verdict(data, int_member(rule, "ruleset_id", -1), src ? src : "")) {
        case ZT_GH_RULESET_COUNTS:
            json_object_object_get_ex(rule, "parameters", &params);
            fold_rule(b, type, params);
            b->via_ruleset = true;
            b->via_org_ruleset |= src && zt_streq(src, "Organization");
            break;
        case ZT_GH_RULESET_BYPASSABLE:
            b->bypassable_ignored++;
            break;
        case ZT_GH_RULESET_UNKNOWN:
            r = -ENODATA;
            break;
        }
    }
    return r;
}

/* {"enabled": true} members of classic protection. */
static bool enabled(struct json_object *doc, const char *key)
{
    struct json_object *v = NULL;
    return json_object_object_get_ex(doc, key, &v) && bool_member(v, "enabled");
}

void zt_gh_classic_fold(struct zt_gh_branch *b, struct json_object *doc)
{
    struct json_object *pr = NULL, *checks = NULL, *v = NULL;

    if (!json_object_is_type(doc, json_type_object)) {
        return;
    }
    b->via_classic = true;
    if (json_object_object_get_ex(doc, "required_pull_request_reviews", &pr) &&
        json_object_is_type(pr, json_type_object)) {
        int64_t n = int_member(pr, "required_approving_review_count", 0);
        b->pr_required = true;
        b->approvals = n > b->approvals ? n : b->approvals;
        b->stale_dismissed |= bool_member(pr, "dismiss_stale_reviews");
        b->code_owners |= bool_member(pr, "require_code_owner_reviews");
        b->last_push |= bool_member(pr, "require_last_push_approval");
    }
    if (json_object_object_get_ex(doc, "required_status_checks", &checks)) {
        struct json_object *c = zt_json_array(checks, "checks");
        struct json_object *ctx = zt_json_array(checks, "contexts");
        b->status_checks |=
            (c && json_object_array_length(c) > 0) || (ctx && json_object_array_length(ctx) > 0);
    }
    b->signed_commits |= enabled(doc, "required_signatures");
    b->linear_history |= enabled(doc, "required_linear_history");
    /* Force pushes and deletions are blocked unless allowed: absent means the default, blocked. */
    b->no_force_push |=
        !(json_object_object_get_ex(doc, "allow_force_pushes", &v) && bool_member(v, "enabled"));
    b->no_deletion |=
        !(json_object_object_get_ex(doc, "allow_deletions", &v) && bool_member(v, "enabled"));
}

/* security_and_analysis.<key>.status: 1 enabled, 0 otherwise, -1 absent. */
static int feature(struct json_object *sa, const char *key)
{
    struct json_object *f = NULL;
    const char *status = NULL;

    if (!json_object_is_type(sa, json_type_object) || !json_object_object_get_ex(sa, key, &f) ||
        !(status = zt_json_str(f, "status"))) {
        return -1;
    }
    return zt_streq(status, "enabled");
}

/* A name or branch we put in a URL path: printable, no '/' for names, no spaces or controls. */
static bool name_ok(const char *s, size_t max, bool slash)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n >= max || zt_streq(s, ".") || zt_streq(s, "..")) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c == 0x7f || c == '?' || c == '#' || c == '%' || c == '\\' ||
            (c == '/' && !slash)) {
            return false;
        }
    }
    return true;
}

int zt_gh_repo_parse(struct zt_gh_repo *r, struct json_object *item)
{
    const char *name = zt_json_str(item, "name"), *branch = zt_json_str(item, "default_branch");
    struct json_object *sa = NULL;

    *r = (struct zt_gh_repo){.code_scanning = -1, .dependabot_alerts = -1};
    if (!name_ok(name, sizeof(r->name), false)) {
        return -EBADMSG;
    }
    snprintf(r->name, sizeof(r->name), "%s", name);
    r->archived = bool_member(item, "archived");
    r->fork = bool_member(item, "fork");
    if (name_ok(branch, sizeof(r->branch), true)) {
        snprintf(r->branch, sizeof(r->branch), "%s", branch);
    }
    if (json_object_is_type(item, json_type_object)) {
        json_object_object_get_ex(item, "security_and_analysis", &sa);
    }
    r->secret_scanning = feature(sa, "secret_scanning");
    r->push_protection = feature(sa, "secret_scanning_push_protection");
    r->dependabot_updates = feature(sa, "dependabot_security_updates");
    return 0;
}

bool zt_gh_branch_protected(const struct zt_gh_branch *b)
{
    return b->pr_required && b->approvals >= 1 && b->no_force_push;
}

void zt_gh_repos_add(struct zt_gh_repos *t, const struct zt_gh_repo *r)
{
    const struct zt_gh_branch *b = &r->b;

    t->active++;
    if (!r->branch_known) {
        t->branch_unknown++;
    } else {
        t->protected_ += zt_gh_branch_protected(b);
        t->reviews1 += b->pr_required && b->approvals >= 1;
        t->reviews2 += b->pr_required && b->approvals >= 2;
        t->stale += b->stale_dismissed;
        t->code_owners += b->code_owners;
        t->last_push += b->last_push;
        t->status_checks += b->status_checks;
        t->signed_commits += b->signed_commits;
        t->linear += b->linear_history;
        t->no_force_push += b->no_force_push;
        t->no_deletion += b->no_deletion;
        t->code_scanning_rule += b->code_scanning_required;
        t->via_ruleset += b->via_ruleset;
        t->via_org_ruleset += b->via_org_ruleset;
        t->via_classic += b->via_classic;
        t->bypassable_ignored += b->bypassable_ignored > 0;
    }
    if (r->secret_scanning < 0 || r->push_protection < 0 || r->dependabot_updates < 0) {
        t->security_unknown++;
    } else {
        t->secret_scanning += r->secret_scanning;
        t->push_protection += r->push_protection;
        t->dependabot_updates += r->dependabot_updates;
    }
    if (r->code_scanning < 0) {
        t->code_scanning_unknown++;
    } else {
        t->code_scanning += r->code_scanning;
    }
    if (r->dependabot_alerts < 0) {
        t->dependabot_unknown++;
    } else {
        t->dependabot_alerts += r->dependabot_alerts;
    }
}

void zt_gh_alerts_init(struct zt_gh_alerts *a, int64_t now_sec, uint64_t old_sec)
{
    *a = (struct zt_gh_alerts){.now_sec = now_sec, .old_sec = old_sec};
}

/* The severity of an alert: code scanning rule.security_severity_level (else rule.severity
 * "error" counts as high), Dependabot security_advisory.severity; secret scanning alerts are all
 * severe. */
static bool severe(enum zt_gh_alert_kind k, struct json_object *item)
{
    const char *s = NULL;

    if (k == ZT_GH_SECRET_SCANNING) {
        return true;
    }
    if (k == ZT_GH_CODE_SCANNING) {
        struct json_object *rule = zt_http_json_path(item, "rule");
        s = zt_json_str(rule, "security_severity_level");
        if (!s) {
            const char *sev = zt_json_str(rule, "severity");
            return sev && zt_streq(sev, "error");
        }
    } else {
        s = zt_json_str(zt_http_json_path(item, "security_advisory"), "severity");
        if (!s) {
            s = zt_json_str(zt_http_json_path(item, "security_vulnerability"), "severity");
        }
    }
    return s && (strcasecmp(s, "critical") == 0 || strcasecmp(s, "high") == 0);
}

void zt_gh_alert_item(struct zt_gh_alerts *a, enum zt_gh_alert_kind k, struct json_object *item)
{
    const char *state = zt_json_str(item, "state"), *created = zt_json_str(item, "created_at");
    int64_t usec = 0;

    if (!json_object_is_type(item, json_type_object) || (state && !zt_streq(state, "open"))) {
        a->skipped++;
        return;
    }
    bool old = created && zt_parse_time(created, 0, &usec) == 0 &&
               usec / (int64_t)ZT_USEC_PER_SEC + (int64_t)a->old_sec < a->now_sec;
    bool sev = severe(k, item);
    a->open[k]++;
    a->severe[k] += sev;
    a->old[k] += old;
    a->severe_old[k] += sev && old;
}
