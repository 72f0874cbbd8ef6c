/* test_github.c - the github collector's pure parts on hand-written documents: answers classified
 * (secondary vs primary limits vs feature off vs plan vs owner vs denied), the waits (retry-after,
 * the reset, at least 60 s otherwise, without sleeping), pacing, App JWT claims and token
 * freshness, organization settings (owner-only fields absent), rulesets judged by enforcement and
 * bypass actors, effective rules and classic protection folded, repositories and alerts counted,
 * the evidence emitted only when known, and option checks. */
#include "zt_test.h"

#include <errno.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "github/github.h"

#define NOW 1717243200 /* 2024-06-01T12:00:00Z */

static struct json_object *parse(const char *s)
{
    struct json_object *o = json_tokener_parse(s);
    assert_non_null(o);
    return o;
}

static enum zt_gh_class classify(long status, const char *msg, const char *doc,
                                 const char *retry_after, const char *remaining)
{
    const struct zt_gh_answer a = {.status = status,
                                   .message = msg,
                                   .documentation_url = doc,
                                   .retry_after = retry_after,
                                   .remaining = remaining,
                                   .reset = "1717243260"};
    return zt_gh_classify(&a);
}

static void test_github_classify(void **state)
{
    const char *sec_doc = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"
                          "#about-secondary-rate-limits";
    assert_int_equal(classify(200, NULL, NULL, NULL, "10"), ZT_GH_OK);
    assert_int_equal(classify(204, NULL, NULL, NULL, NULL), ZT_GH_OK);
    /* A 403 is not a permission error when the body or headers say rate limit. */
    assert_int_equal(classify(403, "You have exceeded a secondary rate limit.", NULL, NULL, "4000"),
                     ZT_GH_RATE_SECONDARY);
    assert_int_equal(classify(403, "Forbidden", sec_doc, NULL, "4000"), ZT_GH_RATE_SECONDARY);
    assert_int_equal(classify(403, "x", NULL, "30", "4000"), ZT_GH_RATE_SECONDARY);
    assert_int_equal(classify(429, "Too many", NULL, NULL, "4000"), ZT_GH_RATE_SECONDARY);
    assert_int_equal(
        classify(403, "API rate limit exceeded for installation ID 1.", NULL, NULL, "0"),
        ZT_GH_RATE_PRIMARY);
    assert_int_equal(classify(403, "Resource not accessible by integration", NULL, NULL, "4000"),
                     ZT_GH_DENIED);
    /* Feature off: 404 or 403, told by the message. */
    assert_int_equal(
        classify(404, "Secret scanning is disabled on this repository.", NULL, NULL, "4000"),
        ZT_GH_FEATURE_OFF);
    assert_int_equal(
        classify(403, "Dependabot alerts are disabled for this repository.", NULL, NULL, "4000"),
        ZT_GH_FEATURE_OFF);
    assert_int_equal(classify(403,
                              "Advanced Security must be enabled for this repository to use code "
                              "scanning.",
                              NULL, NULL, "4000"),
                     ZT_GH_FEATURE_OFF);
    assert_int_equal(classify(404, "no analysis found", NULL, NULL, NULL), ZT_GH_FEATURE_OFF);
    assert_int_equal(classify(403,
                              "Upgrade to GitHub Pro or make this repository public to enable this "
                              "feature.",
                              NULL, NULL, "4000"),
                     ZT_GH_PLAN);
    assert_int_equal(classify(403, "Must be an organization owner.", NULL, NULL, "4000"),
                     ZT_GH_NEEDS_OWNER);
    /* A bare 404 is "not visible or absent", never "feature off". */
    assert_int_equal(classify(404, "Not Found", NULL, NULL, "4000"), ZT_GH_NOT_FOUND);
    assert_int_equal(classify(401, "Bad credentials", NULL, NULL, NULL), ZT_GH_UNAUTHORIZED);
    assert_int_equal(classify(500, NULL, NULL, NULL, NULL), ZT_GH_OTHER);
}

static void test_github_wait(void **state)
{
    struct zt_gh_answer a = {.status = 403, .remaining = "4000", .reset = "1717243300"};

    /* Secondary without retry-after and with requests left: at least a minute, then doubled. */
    assert_int_equal(zt_gh_wait_ms(ZT_GH_RATE_SECONDARY, &a, NOW, 1), 60000);
    assert_int_equal(zt_gh_wait_ms(ZT_GH_RATE_SECONDARY, &a, NOW, 2), 120000);
    assert_int_equal(zt_gh_wait_ms(ZT_GH_RATE_SECONDARY, &a, NOW, 30), 15 * 60000);
    a.retry_after = "7";
    assert_int_equal(zt_gh_wait_ms(ZT_GH_RATE_SECONDARY, &a, NOW, 1), 7000);
    a.retry_after = "0";
    assert_int_equal(zt_gh_wait_ms(ZT_GH_RATE_SECONDARY, &a, NOW, 1), 0);
    /* No retry-after, nothing left: until the reset (+1 s). */
    a.retry_after = NULL;
    a.remaining = "0";
    assert_int_equal(zt_gh_wait_ms(ZT_GH_RATE_SECONDARY, &a, NOW, 1), 101000);
    assert_int_equal(zt_gh_wait_ms(ZT_GH_RATE_PRIMARY, &a, NOW, 1), 101000);
    a.reset = "garbage";
    assert_int_equal(zt_gh_wait_ms(ZT_GH_RATE_PRIMARY, &a, NOW, 1), 1000);
    assert_int_equal(zt_gh_wait_ms(ZT_GH_DENIED, &a, NOW, 1), 0);
}

static void test_github_pace(void **state)
{
    assert_int_equal(zt_gh_pace_ms(5000, 4000, NOW + 3600, NOW), 0);
    assert_int_equal(zt_gh_pace_ms(5000, 501, NOW + 3600, NOW), 0);
    /* 499 left for 1000 s: one request every 2 s. */
    assert_int_equal(zt_gh_pace_ms(5000, 499, NOW + 1000, NOW), 2000);
    assert_int_equal(zt_gh_pace_ms(100, 49, NOW + 100, NOW), 2000); /* reserve at least 50 */
    assert_int_equal(zt_gh_pace_ms(5000, 10, NOW - 5, NOW), 0);     /* already reset */
}

static void test_github_app_claims_and_token(void **state)
{
    _cleanup_free_ char *claims = zt_gh_app_claims("123456", NOW);
    _cleanup_json_ struct json_object *c = parse(claims);
    struct json_object *v = NULL;

    assert_true(json_object_object_get_ex(c, "iat", &v));
    assert_int_equal(json_object_get_int64(v), NOW - 60);
    assert_true(json_object_object_get_ex(c, "exp", &v));
    assert_int_equal(json_object_get_int64(v) - (NOW - 60), 600); /* at most 10 minutes */
    assert_string_equal(zt_json_str(c, "iss"), "123456");

    assert_false(zt_gh_token_stale(NOW, NOW + 3600, NOW + 3000));
    assert_true(zt_gh_token_stale(NOW, NOW + 3600, NOW + 3300)); /* 5 minutes before */
    assert_false(zt_gh_token_stale(NOW, NOW + 4, NOW + 1));      /* short life: half way */
    assert_true(zt_gh_token_stale(NOW, NOW + 4, NOW + 2));

    _cleanup_json_ struct json_object *t =
        parse("{\"token\": \"ghs_16C7e42F292c6912E7710c838347Ae178B4a\", \"expires_at\": "
              "\"2024-06-01T13:00:00Z\", \"permissions\": {\"metadata\": \"read\"}}");
    const char *tok = NULL;
    int64_t exp = 0;
    assert_int_equal(zt_gh_token_parse(t, &tok, &exp), 0);
    assert_string_equal(tok, "ghs_16C7e42F292c6912E7710c838347Ae178B4a");
    assert_int_equal(exp, NOW + 3600);
    _cleanup_json_ struct json_object *bad =
        parse("{\"token\": \"ghs x\", \"expires_at\": \"2024-06-01T13:00:00Z\"}");
    assert_int_equal(zt_gh_token_parse(bad, &tok, &exp), -EBADMSG);
    _cleanup_json_ struct json_object *undated = parse("{\"token\": \"ghs_x\"}");
    assert_int_equal(zt_gh_token_parse(undated, &tok, &exp), -EBADMSG);
}

/* base64url (no padding) to bytes in out; returns the length. */
static size_t unb64url(const char *s, size_t n, unsigned char *out)
{
    char buf[1024] = "";
    size_t m = 0;
    for (size_t i = 0; i < n && m < sizeof(buf) - 4; i++) {
        buf[m++] = s[i] == '-' ? '+' : s[i] == '_' ? '/' : s[i];
    }
    while (m % 4) {
        buf[m++] = '=';
    }
    int len = EVP_DecodeBlock(out, (const unsigned char *)buf, (int)m);
    assert_true(len >= 0);
    return (size_t)len - (n % 4 == 2 ? 2 : n % 4 == 3 ? 1 : 0);
}

static char *key_pem(EVP_PKEY *k)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *data = NULL;
    assert_int_equal(PEM_write_bio_PrivateKey(bio, k, NULL, NULL, 0, NULL, NULL), 1);
    long n = BIO_get_mem_data(bio, &data);
    char *pem = zt_xstrndup(data, (size_t)n);
    BIO_free(bio);
    return pem;
}

/* The App JWT: header and claims as given, an RS256 signature the public key verifies. */
static void test_github_app_jwt(void **state)
{
    EVP_PKEY *rsa = EVP_RSA_gen(2048), *ec = EVP_EC_gen("P-256");
    _cleanup_free_ char *pem = key_pem(rsa), *ec_pem = key_pem(ec);
    _cleanup_free_ char *claims = zt_gh_app_claims("123456", NOW);
    char *jwt = NULL, err[256] = "";
    unsigned char head[256], body[256], sig[512];

    assert_int_equal(zt_jwt_rs256(pem, "app key", claims, &jwt, err, sizeof(err)), 0);
    const char *d1 = strchr(jwt, '.'), *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
    assert_non_null(d2);
    size_t hn = unb64url(jwt, (size_t)(d1 - jwt), head);
    size_t bn = unb64url(d1 + 1, (size_t)(d2 - d1 - 1), body);
    size_t sn = unb64url(d2 + 1, strlen(d2 + 1), sig);
    assert_memory_equal(head, "{\"alg\":\"RS256\",\"typ\":\"JWT\"}", hn);
    assert_int_equal(bn, strlen(claims));
    assert_memory_equal(body, claims, bn);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    assert_int_equal(EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, rsa), 1);
    assert_int_equal(EVP_DigestVerify(md, sig, sn, (const unsigned char *)jwt, (size_t)(d2 - jwt)),
                     1);
    EVP_MD_CTX_free(md);
    zt_secret_free(jwt);
    /* RS256 needs RSA; garbage is no key. */
    assert_int_equal(zt_jwt_rs256(ec_pem, "ec key", claims, &jwt, err, sizeof(err)), -EINVAL);
    assert_int_equal(zt_jwt_rs256("not a key", "junk", claims, &jwt, err, sizeof(err)), -EBADMSG);
    EVP_PKEY_free(rsa);
    EVP_PKEY_free(ec);
}

static void test_github_org(void **state)
{
    struct zt_gh_org o;

    zt_gh_org_init(&o);
    /* Not an owner: two_factor_requirement_enabled and plan are absent. */
    _cleanup_json_ struct json_object *member =
        parse("{\"login\": \"acme\", \"default_repository_permission\": \"write\"}");
    zt_gh_org_parse(&o, member);
    assert_int_equal(o.two_factor_required, -1);
    assert_int_equal(o.enterprise_plan, -1);
    assert_int_equal(o.default_permission_restricted, 0);
    _cleanup_json_ struct json_object *owner =
        parse("{\"two_factor_requirement_enabled\": true, \"default_repository_permission\": "
              "\"none\", \"plan\": {\"name\": \"enterprise\"}}");
    zt_gh_org_parse(&o, owner);
    assert_int_equal(o.two_factor_required, 1);
    assert_int_equal(o.enterprise_plan, 1);
    assert_int_equal(o.default_permission_restricted, 1);

    _cleanup_json_ struct json_object *act =
        parse("{\"enabled_repositories\": \"all\", \"allowed_actions\": \"all\", "
              "\"sha_pinning_required\": true}");
    zt_gh_actions_parse(&o, act);
    assert_int_equal(o.actions_restricted, 1); /* all actions, but pinned by SHA */
    _cleanup_json_ struct json_object *wf = parse("{\"default_workflow_permissions\": \"write\", "
                                                  "\"can_approve_pull_request_reviews\": false}");
    zt_gh_workflow_parse(&o, wf);
    assert_int_equal(o.token_read_only, 0);
    assert_int_equal(o.actions_cannot_approve, 1);
    _cleanup_json_ struct json_object *fork =
        parse("{\"approval_policy\": \"first_time_contributors_new_to_github\"}");
    zt_gh_fork_approval_parse(&o, fork);
    assert_int_equal(o.fork_pr_approval, 0);

    _cleanup_json_ struct json_object *saml_none =
        parse("{\"data\": {\"organization\": {\"samlIdentityProvider\": null}}}");
    zt_gh_saml_parse(&o, saml_none);
    assert_int_equal(o.saml_sso, 0);
    _cleanup_json_ struct json_object *saml_err =
        parse("{\"data\": {\"organization\": null}, \"errors\": [{\"type\": \"FORBIDDEN\"}]}");
    zt_gh_org_init(&o);
    zt_gh_saml_parse(&o, saml_err);
    assert_int_equal(o.saml_sso, -1);

    /* A default configuration for all new repositories that is not enforced does not count. */
    _cleanup_json_ struct json_object *cfg =
        parse("[{\"default_for_new_repos\": \"all\", \"configuration\": {\"enforcement\": "
              "\"unenforced\", \"code_scanning_default_setup\": \"enabled\", \"secret_scanning\": "
              "\"enabled\", \"dependabot_alerts\": \"enabled\"}}, {\"default_for_new_repos\": "
              "\"public\", \"configuration\": {\"enforcement\": \"enforced\", "
              "\"code_scanning_default_setup\": \"enabled\", \"secret_scanning\": \"enabled\", "
              "\"dependabot_alerts\": \"enabled\"}}]");
    zt_gh_security_defaults_parse(&o, cfg);
    assert_int_equal(o.security_config_enforced, 0);
}

static void test_github_ruleset_judge(void **state)
{
    _cleanup_json_ struct json_object *ok =
        parse("{\"id\": 42, \"enforcement\": \"active\", \"bypass_actors\": [{\"actor_id\": 5, "
              "\"actor_type\": \"RepositoryRole\", \"bypass_mode\": \"always\"}, {\"actor_id\": 4, "
              "\"actor_type\": \"RepositoryRole\", \"bypass_mode\": \"pull_request\"}]}");
    _cleanup_json_ struct json_object *writers =
        parse("{\"id\": 43, \"enforcement\": \"active\", \"bypass_actors\": [{\"actor_id\": 4, "
              "\"actor_type\": \"RepositoryRole\"}]}"); /* no bypass_mode: always */
    _cleanup_json_ struct json_object *evaluate =
        parse("{\"id\": 44, \"enforcement\": \"evaluate\", \"bypass_actors\": []}");
    _cleanup_json_ struct json_object *hidden = parse("{\"id\": 45, \"enforcement\": \"active\"}");

    assert_int_equal(zt_gh_ruleset_judge(ok), ZT_GH_RULESET_COUNTS);
    assert_int_equal(zt_gh_ruleset_judge(writers), ZT_GH_RULESET_BYPASSABLE);
    assert_int_equal(zt_gh_ruleset_judge(evaluate), ZT_GH_RULESET_BYPASSABLE);
    assert_int_equal(zt_gh_ruleset_judge(hidden), ZT_GH_RULESET_UNKNOWN);
}

static enum zt_gh_ruleset verdict(void *data, int64_t id, const char *source_type)
{
    (void)data;
    (void)source_type;
    return id == 7   ? ZT_GH_RULESET_BYPASSABLE
           : id == 9 ? ZT_GH_RULESET_UNKNOWN
                     : ZT_GH_RULESET_COUNTS;
}

static const char *RULES =
    "[{\"type\": \"deletion\", \"ruleset_source_type\": \"Organization\", \"ruleset_source\": "
    "\"acme\", \"ruleset_id\": 1},"
    " {\"type\": \"non_fast_forward\", \"ruleset_source_type\": \"Organization\", "
    "\"ruleset_id\": 1},"
    " {\"type\": \"pull_request\", \"ruleset_source_type\": \"Repository\", \"ruleset_id\": 2, "
    "\"parameters\": {\"required_approving_review_count\": 1, \"dismiss_stale_reviews_on_push\": "
    "true, \"require_code_owner_review\": false, \"require_last_push_approval\": true}},"
    /* a bypassable ruleset's stronger rules must not count */
    " {\"type\": \"pull_request\", \"ruleset_source_type\": \"Repository\", \"ruleset_id\": 7, "
    "\"parameters\": {\"required_approving_review_count\": 3, \"require_code_owner_review\": "
    "true}},"
    " {\"type\": \"required_signatures\", \"ruleset_id\": 7},"
    " {\"type\": \"required_status_checks\", \"ruleset_id\": 2, \"parameters\": "
    "{\"required_status_checks\": [{\"context\": \"ci\"}]}}]";

static void test_github_rules_fold(void **state)
{
    _cleanup_json_ struct json_object *rules = parse(RULES);
    struct zt_gh_branch b = {0};
    int64_t ids[4];
    bool org[4];

    assert_int_equal(zt_gh_rules_rulesets(rules, ids, org, 4), 3);
    assert_int_equal(ids[0], 1);
    assert_true(org[0]);
    assert_false(org[1]);
    assert_int_equal(zt_gh_rules_fold(&b, rules, verdict, NULL), 0);
    assert_true(b.pr_required);
    assert_int_equal(b.approvals, 1);
    assert_true(b.stale_dismissed && b.last_push && b.status_checks && b.no_force_push &&
                b.no_deletion);
    assert_false(b.code_owners || b.signed_commits);
    assert_int_equal(b.bypassable_ignored, 2);
    assert_true(b.via_ruleset && b.via_org_ruleset);
    assert_true(zt_gh_branch_protected(&b));

    _cleanup_json_ struct json_object *unknown =
        parse("[{\"type\": \"non_fast_forward\", \"ruleset_id\": 9}]");
    struct zt_gh_branch u = {0};
    assert_int_equal(zt_gh_rules_fold(&u, unknown, verdict, NULL), -ENODATA);
}

static void test_github_classic_fold(void **state)
{
    _cleanup_json_ struct json_object *doc = parse(
        "{\"required_status_checks\": {\"strict\": true, \"contexts\": [], \"checks\": []},"
        " \"required_pull_request_reviews\": {\"dismiss_stale_reviews\": true, "
        "\"require_code_owner_reviews\": true, \"required_approving_review_count\": 2},"
        " \"required_signatures\": {\"enabled\": true}, \"enforce_admins\": {\"enabled\": false},"
        " \"allow_force_pushes\": {\"enabled\": true}, \"allow_deletions\": {\"enabled\": false}}");
    struct zt_gh_branch b = {0};

    zt_gh_classic_fold(&b, doc);
    assert_true(b.via_classic && b.pr_required && b.stale_dismissed && b.code_owners &&
                b.signed_commits && b.no_deletion);
    assert_int_equal(b.approvals, 2);
    assert_false(b.status_checks); /* required_status_checks with no check is none */
    assert_false(b.no_force_push); /* force pushes allowed: not protected */
    assert_false(zt_gh_branch_protected(&b));
}

static void test_github_repos_and_alerts(void **state)
{
    _cleanup_json_ struct json_object *item = parse(
        "{\"name\": \"api\", \"default_branch\": \"release/main\", \"archived\": false, \"fork\": "
        "false, \"security_and_analysis\": {\"secret_scanning\": {\"status\": \"enabled\"}, "
        "\"secret_scanning_push_protection\": {\"status\": \"disabled\"}, "
        "\"dependabot_security_updates\": {\"status\": \"enabled\"}}}");
    _cleanup_json_ struct json_object *evil =
        parse("{\"name\": \"../x\", \"default_branch\": \"m\"}");
    struct zt_gh_repo r;
    struct zt_gh_repos t = {0};

    assert_int_equal(zt_gh_repo_parse(&r, evil), -EBADMSG);
    assert_int_equal(zt_gh_repo_parse(&r, item), 0);
    assert_string_equal(r.branch, "release/main");
    assert_int_equal(r.secret_scanning, 1);
    assert_int_equal(r.push_protection, 0);
    r.branch_known = true;
    r.b = (struct zt_gh_branch){.pr_required = true, .approvals = 1, .no_force_push = true};
    r.code_scanning = 1;
    r.dependabot_alerts = 0;
    zt_gh_repos_add(&t, &r);
    r.branch_known = false; /* a refused call: the branch facts of this one are unknown */
    zt_gh_repos_add(&t, &r);
    assert_int_equal(t.active, 2);
    assert_int_equal(t.protected_, 1);
    assert_int_equal(t.branch_unknown, 1);

    struct zt_gh_alerts a;
    zt_gh_alerts_init(&a, NOW, 30 * 86400);
    _cleanup_json_ struct json_object *old_high =
        parse("{\"state\": \"open\", \"created_at\": \"2024-03-01T00:00:00Z\", \"rule\": "
              "{\"severity\": \"warning\", \"security_severity_level\": \"high\"}}");
    _cleanup_json_ struct json_object *new_err =
        parse("{\"state\": \"open\", \"created_at\": \"2024-05-30T00:00:00Z\", \"rule\": "
              "{\"severity\": \"error\", \"security_severity_level\": null}}");
    _cleanup_json_ struct json_object *fixed = parse("{\"state\": \"fixed\"}");
    zt_gh_alert_item(&a, ZT_GH_CODE_SCANNING, old_high);
    zt_gh_alert_item(&a, ZT_GH_CODE_SCANNING, new_err);
    zt_gh_alert_item(&a, ZT_GH_CODE_SCANNING, fixed);
    assert_int_equal(a.open[ZT_GH_CODE_SCANNING], 2);
    assert_int_equal(a.severe[ZT_GH_CODE_SCANNING], 2);
    assert_int_equal(a.severe_old[ZT_GH_CODE_SCANNING], 1);
    assert_int_equal(a.skipped, 1);

    /* Emitted: branch shares unknown (one repository could not tell), the rest known. */
    struct zt_gh_org o;
    zt_gh_org_init(&o);
    o.two_factor_required = 1;
    struct zt_gh_unknown u = {.alerts = {false, true, true}};
    struct zt_ctx *ctx = zt_ctx_new("gh", 0);
    struct zt_gh_org two[2] = {o, o};
    two[1].two_factor_required = 0;
    const char *names[] = {"acme", "acme-labs"};
    assert_int_equal(zt_gh_emit(ctx, two, names, 2, &t, &a, &u), 0);
    assert_evidence_bool(ctx, "github.orgs.two_factor_required_all", false);
    const struct zt_evidence *e = NULL;
    assert_int_equal(
        zt_evidence_lookup(zt_ctx_evidence(ctx), "github.orgs.two_factor_required_all", &e), 1);
    assert_string_equal(json_object_to_json_string_ext(e->detail, JSON_C_TO_STRING_PLAIN),
                        "{\"failing\":[\"acme-labs\"]}");
    zt_ctx_free(ctx);
    ctx = zt_ctx_new("gh", 0);
    assert_int_equal(zt_gh_emit(ctx, &o, NULL, 1, &t, &a, &u), 0);
    assert_evidence_bool(ctx, "github.orgs.two_factor_required_all", true);
    assert_evidence_absent(ctx, "github.orgs.default_permission_restricted_all");
    assert_evidence_absent(ctx, "github.repos.protected_share");
    assert_evidence_int(ctx, "github.repos.count", 2);
    assert_evidence_int(ctx, "github.repos.code_scanning_count", 2);
    assert_evidence_int(ctx, "github.alerts.code_scanning.severe_old_count", 1);
    assert_evidence_absent(ctx, "github.alerts.secret_scanning.open_count");
    zt_ctx_free(ctx);
}

static void check_refused(const char *const *kv, const char *needle)
{
    struct zt_instance *inst = NULL;
    char err[512] = "";
    int r = 0;

    assert_int_equal(zt_instance_new(&zt_collector_github, "gh", &inst, err, sizeof(err)), 0);
    for (size_t i = 0; kv[i] && r == 0; i += 2) {
        r = zt_instance_set(inst, kv[i], kv[i + 1], err, sizeof(err));
    }
    if (r == 0) {
        r = zt_instance_check(inst, err, sizeof(err));
    }
    assert_int_equal(r, -EINVAL);
    if (!strstr(err, needle)) {
        fail_msg("'%s' does not name %s", err, needle);
    }
    zt_instance_free(inst);
}

static void test_github_options(void **state)
{
    check_refused((const char *[]){"organizations", "acme", NULL}, "token_file");
    check_refused((const char *[]){"organizations", "acme", "app_id", "1", NULL},
                  "private_key_file");
    check_refused((const char *[]){"organizations", "acme", "app_id", "1", "private_key_file", "/k",
                                   "token_file", "/t", NULL},
                  "token_file");
    check_refused((const char *[]){"organizations", "ac/me", "token_file", "/t", NULL},
                  "organizations");
    check_refused(
        (const char *[]){"organizations", "acme", "token_file", "/t", "alert_age_days", "0", NULL},
        "'alert_age_days' must be between 1 and 3650, got '0'");
    check_refused((const char *[]){"organizations", "acme", "token_file", "/t", "api_url",
                                   "http://api.github.com", NULL},
                  "api_url");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_github_classify),
        cmocka_unit_test(test_github_wait),
        cmocka_unit_test(test_github_pace),
        cmocka_unit_test(test_github_app_claims_and_token),
        cmocka_unit_test(test_github_app_jwt),
        cmocka_unit_test(test_github_org),
        cmocka_unit_test(test_github_ruleset_judge),
        cmocka_unit_test(test_github_rules_fold),
        cmocka_unit_test(test_github_classic_fold),
        cmocka_unit_test(test_github_repos_and_alerts),
        cmocka_unit_test(test_github_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
