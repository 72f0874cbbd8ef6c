/* github_parse.c - the pure part of the `github` collector: answers classified, waits and pacing
 * from GitHub's rate limit headers, App JWT claims, and organization settings read from their
 * documents. Branch rules, repositories and alerts are github_fold.c. */
#include <strings.h>

#include "github.h"

static const char *const class_names[_ZT_GH_CLASS_MAX] = {
    [ZT_GH_OK] = "ok",
    [ZT_GH_RATE_PRIMARY] = "primary rate limit",
    [ZT_GH_RATE_SECONDARY] = "secondary rate limit",
    [ZT_GH_FEATURE_OFF] = "feature not enabled",
    [ZT_GH_PLAN] = "not included in the plan",
    [ZT_GH_NEEDS_OWNER] = "needs an organization owner",
    [ZT_GH_DENIED] = "permission denied",
    [ZT_GH_NOT_FOUND] = "not found",
    [ZT_GH_UNAUTHORIZED] = "unauthorized",
    [ZT_GH_OTHER] = "unexpected answer",
};

const char *zt_gh_class_to_string(enum zt_gh_class c)
{
    return c >= 0 && c < _ZT_GH_CLASS_MAX ? class_names[c] : "?";
}

static bool has(const char *s, const char *needle)
{
    return s && strcasestr(s, needle);
}

static bool any_of(const char *s, const char *const *needles)
{
    for (; *needles; needles++) {
        if (has(s, *needles)) {
            return true;
        }
    }
    return false;
}

/* Messages GitHub sends when a feature is off for the repository or organization. */
static const char *const feature_off[] = {
    "is disabled",     /* "Secret scanning is disabled on this repository." */
    "are disabled",    /* "Dependabot alerts are disabled for this repository." */
    "must be enabled", /* "Advanced Security must be enabled for this repository ..." */
    "not enabled",     /* "Code scanning is not enabled for this repository" */
    "no analysis found", NULL,
};
static const char *const plan_words[] = {
    "upgrade to github", /* "Upgrade to GitHub Pro or make this repository public ..." */
    "your plan",
    "github enterprise", /* "... is only available with GitHub Enterprise" */
    "not available for this",
    NULL,
};
static const char *const owner_words[] = {
    "organization owner", "must be an owner", "must have admin", "admin rights", NULL,
};

static bool secondary(const struct zt_gh_answer *a)
{
    return has(a->message, "secondary rate limit") || has(a->message, "abuse") ||
           (a->documentation_url && (zt_endswith(a->documentation_url, "secondary-rate-limits") ||
                                     zt_endswith(a->documentation_url, "#abuse-rate-limits")));
}

static int64_t num(const char *s)
{
    uint64_t v = 0;
    if (!s) {
        return -1;
    }
    char buf[32];
    snprintf(buf, sizeof(buf), "%s", s);
    return zt_parse_uint64(zt_strstrip(buf), &v) == 0 && v < INT64_MAX / 2000 ? (int64_t)v : -1;
}

enum zt_gh_class zt_gh_classify(const struct zt_gh_answer *a)
{
    if (a->status >= 200 && a->status < 300) {
        return ZT_GH_OK;
    }
    if (a->status == 401) {
        return ZT_GH_UNAUTHORIZED;
    }
    if (a->status == 403 || a->status == 429) {
        if (secondary(a) || a->retry_after) {
            return ZT_GH_RATE_SECONDARY;
        }
        if (num(a->remaining) == 0) {
            return ZT_GH_RATE_PRIMARY;
        }
        if (a->status == 429) {
            return ZT_GH_RATE_SECONDARY;
        }
    }
    if (a->status != 403 && a->status != 404 && a->status != 422) {
        return ZT_GH_OTHER;
    }
    if (any_of(a->message, feature_off)) {
        return ZT_GH_FEATURE_OFF;
    }
    if (any_of(a->message, plan_words)) {
        return ZT_GH_PLAN;
    }
    if (any_of(a->message, owner_words)) {
        return ZT_GH_NEEDS_OWNER;
    }
    return a->status == 403 ? ZT_GH_DENIED : a->status == 404 ? ZT_GH_NOT_FOUND : ZT_GH_OTHER;
}

#define WAIT_CAP_MS (15u * 60u * ZT_MS_PER_SEC)

uint64_t zt_gh_wait_ms(enum zt_gh_class c, const struct zt_gh_answer *a, int64_t now_sec,
                       unsigned attempt)
{
    int64_t reset = num(a->reset), remaining = num(a->remaining);

    if (c == ZT_GH_RATE_SECONDARY) {
        int64_t after = num(a->retry_after);
        if (after >= 0) {
            uint64_t ms = (uint64_t)after * ZT_MS_PER_SEC;
            return ms > WAIT_CAP_MS ? WAIT_CAP_MS : ms;
        }
        if (remaining == 0 && reset > now_sec) {
            uint64_t ms = (uint64_t)(reset - now_sec) * ZT_MS_PER_SEC + ZT_MS_PER_SEC;
            return ms > WAIT_CAP_MS ? WAIT_CAP_MS : ms;
        }
        uint64_t ms = ZT_GH_SECONDARY_MIN_MS;
        for (unsigned i = 1; i < attempt && ms < WAIT_CAP_MS; i++) {
            ms *= 2; /* "then back off exponentially" */
        }
        return ms > WAIT_CAP_MS ? WAIT_CAP_MS : ms;
    }
    if (c == ZT_GH_RATE_PRIMARY) {
        uint64_t ms = reset > now_sec ? (uint64_t)(reset - now_sec) * ZT_MS_PER_SEC + ZT_MS_PER_SEC
                                      : ZT_MS_PER_SEC;
        return ms > 3600u * ZT_MS_PER_SEC ? 3600u * ZT_MS_PER_SEC : ms;
    }
    return 0;
}

uint64_t zt_gh_pace_ms(int64_t limit, int64_t remaining, int64_t reset, int64_t now_sec)
{
    int64_t reserve = limit > 0 ? limit / 10 : 0;

    if (remaining < 0 || reset <= now_sec || remaining > (reserve > 50 ? reserve : 50)) {
        return 0;
    }
    uint64_t ms = (uint64_t)(reset - now_sec) * ZT_MS_PER_SEC / (uint64_t)(remaining + 1);
    return ms > 3600u * ZT_MS_PER_SEC ? 3600u * ZT_MS_PER_SEC : ms;
}

char *zt_gh_app_claims(const char *app_id, int64_t now_sec)
{
    _cleanup_json_ struct json_object *c = json_object_new_object();

    json_object_object_add(c, "iat", json_object_new_int64(now_sec - 60));
    json_object_object_add(c, "exp", json_object_new_int64(now_sec + 540));
    json_object_object_add(c, "iss", json_object_new_string(app_id));
    return zt_xstrdup(json_object_to_json_string_ext(c, JSON_C_TO_STRING_PLAIN));
}

bool zt_gh_token_stale(int64_t minted_sec, int64_t expires_sec, int64_t now_sec)
{
    int64_t life = expires_sec - minted_sec;
    int64_t slack = life / 2 < ZT_GH_TOKEN_SLACK ? life / 2 : ZT_GH_TOKEN_SLACK;
    return now_sec >= expires_sec - (slack > 0 ? slack : 0);
}

int zt_gh_token_parse(struct json_object *doc, const char **token, int64_t *expires_sec)
{
    const char *t = zt_json_str(doc, "token"), *e = zt_json_str(doc, "expires_at");
    int64_t usec = 0;

    if (!t || !*t || strlen(t) > 1024 || strcspn(t, " \r\n\t") != strlen(t) || !e ||
        zt_parse_time(e, 0, &usec) < 0) {
        return -EBADMSG;
    }
    *token = t;
    *expires_sec = usec / (int64_t)ZT_USEC_PER_SEC;
    return 0;
}

void zt_gh_org_init(struct zt_gh_org *o)
{
    *o = (struct zt_gh_org){-1, -1, -1, -1, -1, -1, -1, -1, -1, -1};
}

/* A boolean member: 1, 0, or -1 when absent, null or not a boolean (owner-only fields). */
static int tri(struct json_object *doc, const char *key)
{
    struct json_object *v = NULL;
    if (!json_object_is_type(doc, json_type_object) || !json_object_object_get_ex(doc, key, &v) ||
        !json_object_is_type(v, json_type_boolean)) {
        return -1;
    }
    return json_object_get_boolean(v) ? 1 : 0;
}

void zt_gh_org_parse(struct zt_gh_org *o, struct json_object *doc)
{
    const char *perm = zt_json_str(doc, "default_repository_permission");
    struct json_object *plan = NULL;

    o->two_factor_required = tri(doc, "two_factor_requirement_enabled");
    o->default_permission_restricted = !perm                                              ? -1
                                       : zt_streq(perm, "read") || zt_streq(perm, "none") ? 1
                                                                                          : 0;
    if (json_object_is_type(doc, json_type_object) &&
        json_object_object_get_ex(doc, "plan", &plan) && zt_json_str(plan, "name")) {
        o->enterprise_plan = strcasecmp(zt_json_str(plan, "name"), "enterprise") == 0;
    }
}

void zt_gh_actions_parse(struct zt_gh_org *o, struct json_object *doc)
{
    const char *allowed = zt_json_str(doc, "allowed_actions");
    const char *enabled = zt_json_str(doc, "enabled_repositories");

    if (enabled && zt_streq(enabled, "none")) {
        o->actions_restricted = 1; /* Actions off: nothing runs */
    } else if (allowed) {
        o->actions_restricted = !zt_streq(allowed, "all") || tri(doc, "sha_pinning_required") == 1;
    }
}

void zt_gh_workflow_parse(struct zt_gh_org *o, struct json_object *doc)
{
    const char *perm = zt_json_str(doc, "default_workflow_permissions");
    int approve = tri(doc, "can_approve_pull_request_reviews");

    o->token_read_only = !perm ? -1 : zt_streq(perm, "read");
    o->actions_cannot_approve = approve < 0 ? -1 : !approve;
}

void zt_gh_fork_approval_parse(struct zt_gh_org *o, struct json_object *doc)
{
    const char *p = zt_json_str(doc, "approval_policy");

    /* first_time_contributors_new_to_github is the weakest: anyone else runs workflows unasked. */
    o->fork_pr_approval =
        !p                                                                                   ? -1
        : zt_streq(p, "first_time_contributors") || zt_streq(p, "all_external_contributors") ? 1
                                                                                             : 0;
}

void zt_gh_saml_parse(struct zt_gh_org *o, struct json_object *doc)
{
    struct json_object *org = zt_http_json_path(doc, "data.organization"), *idp = NULL;

    if (!json_object_is_type(org, json_type_object) || zt_json_array(doc, "errors")) {
        return; /* GraphQL errors: unknown */
    }
    if (!json_object_object_get_ex(org, "samlIdentityProvider", &idp)) {
        return;
    }
    o->saml_sso = json_object_is_type(idp, json_type_object) && zt_json_str(idp, "ssoUrl") ? 1 : 0;
}

/* A configuration that turns code scanning, secret scanning and Dependabot alerts on. */
static bool config_complete(struct json_object *c)
{
    static const char *const keys[] = {"code_scanning_default_setup", "secret_scanning",
                                       "dependabot_alerts"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        const char *v = zt_json_str(c, keys[i]);
        if (!v || !zt_streq(v, "enabled")) {
            return false;
        }
    }
    return true;
}

void zt_gh_security_defaults_parse(struct zt_gh_org *o, struct json_object *doc)
{
    if (!json_object_is_type(doc, json_type_array)) {
        return;
    }
    o->security_config_enforced = 0;
    for (size_t i = 0; i < json_object_array_length(doc); i++) {
        struct json_object *d = json_object_array_get_idx(doc, i), *c = NULL;
        const char *scope = zt_json_str(d, "default_for_new_repos");
        if (!scope || !zt_streq(scope, "all") ||
            !json_object_object_get_ex(d, "configuration", &c)) {
            continue;
        }
        const char *enforcement = zt_json_str(c, "enforcement");
        if (enforcement && zt_streq(enforcement, "enforced") && config_complete(c)) {
            o->security_config_enforced = 1;
        }
    }
}
