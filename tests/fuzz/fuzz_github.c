/* fuzz_github.c - libFuzzer harness for the github collector's readers of GitHub API answers:
 * the first byte picks what the rest is read as: organization settings (every settings reader),
 * effective branch rules (each element also judged as a ruleset), classic protection, a
 * repository list page and alert lists folded and emitted, an installation token answer, or
 * "STATUS\nMESSAGE\nRETRY-AFTER\nREMAINING\nRESET" classified and waited on. Counters are checked
 * for consistency (a part never exceeds its whole; waits stay bounded). */
#include <errno.h>
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "github/github.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW 1717243200

static enum zt_gh_ruleset judge_each(void *data, int64_t id, const char *source_type)
{
    (void)source_type;
    return id % 3 == 0   ? ZT_GH_RULESET_COUNTS
           : id % 3 == 1 ? ZT_GH_RULESET_BYPASSABLE
                         : ZT_GH_RULESET_UNKNOWN;
    (void)data;
}

static void fuzz_org(struct json_object *doc)
{
    struct zt_gh_org o;
    zt_gh_org_init(&o);
    zt_gh_org_parse(&o, doc);
    zt_gh_actions_parse(&o, doc);
    zt_gh_workflow_parse(&o, doc);
    zt_gh_fork_approval_parse(&o, doc);
    zt_gh_saml_parse(&o, doc);
    zt_gh_security_defaults_parse(&o, doc);
    const int *v = &o.two_factor_required;
    for (const int *p = &o.default_permission_restricted; p <= &o.security_config_enforced; p++) {
        if (*p < -1 || *p > 1) {
            __builtin_trap();
        }
    }
    (void)v;
}

static void fuzz_rules(struct json_object *doc)
{
    struct zt_gh_branch b = {0};
    int64_t ids[8];
    bool org[8];
    size_t n = zt_gh_rules_rulesets(doc, ids, org, 8);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = i + 1; j < n; j++) {
            if (ids[i] == ids[j]) {
                __builtin_trap(); /* distinct */
            }
        }
    }
    (void)zt_gh_rules_fold(&b, doc, judge_each, NULL);
    zt_gh_classic_fold(&b, doc);
    (void)zt_gh_ruleset_judge(doc);
    if (json_object_is_type(doc, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(doc); i++) {
            (void)zt_gh_ruleset_judge(json_object_array_get_idx(doc, i));
        }
    }
    if (zt_gh_branch_protected(&b) && (!b.pr_required || b.approvals < 1 || !b.no_force_push)) {
        __builtin_trap();
    }
}

static void fuzz_list(struct json_object *doc)
{
    struct zt_gh_repos t = {0};
    struct zt_gh_alerts a;
    struct zt_gh_org o;
    struct zt_gh_unknown u = {0};

    zt_gh_alerts_init(&a, NOW, 30 * 86400);
    zt_gh_org_init(&o);
    size_t n = json_object_is_type(doc, json_type_array) ? json_object_array_length(doc) : 0;
    for (size_t i = 0; i < n; i++) {
        struct json_object *item = json_object_array_get_idx(doc, i);
        struct zt_gh_repo r;
        if (zt_gh_repo_parse(&r, item) == 0) {
            if (strchr(r.name, '/') || !strcmp(r.name, "..") || !strcmp(r.name, ".")) {
                __builtin_trap(); /* never a path in a URL */
            }
            r.branch_known = i % 2;
            zt_gh_rules_fold(&r.b, zt_http_json_path(item, "rules"), judge_each, NULL);
            zt_gh_repos_add(&t, &r);
        }
        zt_gh_alert_item(&a, (enum zt_gh_alert_kind)(i % _ZT_GH_ALERT_MAX), item);
    }
    if (t.protected_ > t.active || t.reviews2 > t.reviews1 || t.branch_unknown > t.active ||
        t.secret_scanning > t.active) {
        __builtin_trap();
    }
    for (int k = 0; k < _ZT_GH_ALERT_MAX; k++) {
        if (a.severe_old[k] > a.severe[k] || a.severe[k] > a.open[k] || a.old[k] > a.open[k]) {
            __builtin_trap();
        }
    }
    struct zt_ctx *ctx = zt_ctx_new("gh", 0);
    (void)zt_gh_emit(ctx, &o, NULL, 1, &t, &a, &u);
    zt_ctx_free(ctx);
}

static void fuzz_answer(const char *s)
{
    char *copy = strdup(s), *save = NULL;
    char *f[5] = {0};
    size_t n = 0;
    for (char *p = strtok_r(copy, "\n", &save); p && n < 5; p = strtok_r(NULL, "\n", &save)) {
        f[n++] = p;
    }
    struct zt_gh_answer a = {.status = f[0] ? strtol(f[0], NULL, 10) : 0,
                             .message = f[1],
                             .documentation_url = f[1],
                             .retry_after = f[2],
                             .remaining = f[3],
                             .reset = f[4]};
    enum zt_gh_class c = zt_gh_classify(&a);
    for (unsigned attempt = 1; attempt < 4; attempt++) {
        if (zt_gh_wait_ms(c, &a, NOW, attempt) > 3600u * 1000u) {
            __builtin_trap();
        }
    }
    if (c == ZT_GH_RATE_SECONDARY && !f[2] && zt_gh_wait_ms(c, &a, NOW, 1) < 1000 &&
        !(f[3] && strtoll(f[3], NULL, 10) == 0)) {
        __builtin_trap(); /* never less than a minute without retry-after or a reset */
    }
    (void)zt_gh_pace_ms(a.status, a.status / 2, NOW + a.status, NOW);
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 1 << 20) {
        return 0;
    }
    char *s = malloc(size);
    memcpy(s, data + 1, size - 1);
    s[size - 1] = '\0';
    if (data[0] % 6 == 5) {
        fuzz_answer(s);
        free(s);
        return 0;
    }
    struct json_object *doc = json_tokener_parse(s);
    switch (data[0] % 6) {
    case 0:
        fuzz_org(doc);
        break;
    case 1:
    case 2:
        fuzz_rules(doc);
        break;
    case 3:
        fuzz_list(doc);
        break;
    default: {
        const char *tok = NULL;
        int64_t exp = 0;
        if (zt_gh_token_parse(doc, &tok, &exp) == 0 && (!tok[0] || strchr(tok, ' '))) {
            __builtin_trap();
        }
    }
    }
    json_object_put(doc);
    free(s);
    return 0;
}
