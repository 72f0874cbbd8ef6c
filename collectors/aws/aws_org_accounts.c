/* aws_org_accounts.c - `accounts = organization`: the organization's ACTIVE accounts
 * (Organizations ListAccounts, paged, asked with the collector's own credentials: the management
 * account or a delegated administrator), role_name assumed in each (STS AssumeRole) and each
 * account scanned and emitted as its own (zt_ctx_set_account). account_concurrency accounts run
 * at once in one HTTP group (a role's answer starts its account's calls in that group), so no
 * thread is started per account and memory is bounded by the accounts in flight. */
#include <ctype.h>
#include <syslog.h>
#include <time.h>

#include "aws_call.h"

#define ORG_ACCOUNTS_MAX 20000u /* Organizations' quotas stop well below this */

/* One account of the organization. */
struct member {
    char id[16];
    char partition[16]; /* of the account's ARN ("aws", "aws-us-gov", "aws-cn") */
    char *role;         /* arn:<partition>:iam::<id>:role/<role_name> (owned) */
    struct zt_aws_run *run;
    struct zt_aws_sts_request sts;
    struct zt_http_result res;
    bool handled, assumed;
    char error[512]; /* why its role could not be assumed */
};

struct org {
    struct zt_aws_run *base; /* the collector's own credentials, run and group */
    struct member *v;
    size_t n, cap, skipped; /* skipped: listed but not ACTIVE */
    struct zt_aws_track list;
    bool listed, failed;
};

/* A ListAccounts entry: kept when ACTIVE (State, or the older Status field). */
static int on_account(void *data, const char *id, struct json_object *entry)
{
    struct org *org = data;
    const char *state = zt_json_str(entry, "State"), *arn = zt_json_str(entry, "Arn");
    state = state ? state : zt_json_str(entry, "Status");
    if (strlen(id) != 12 || strspn(id, "0123456789") != 12) {
        return -EBADMSG;
    }
    if (!state || !zt_streq(state, "ACTIVE")) {
        org->skipped++;
        return 0;
    }
    if (org->n == ORG_ACCOUNTS_MAX) {
        return -E2BIG;
    }
    if (org->n == org->cap) {
        org->cap = org->cap ? org->cap * 2 : 64;
        org->v = zt_xrealloc(org->v, org->cap * sizeof(*org->v));
    }
    struct member *m = &org->v[org->n++];
    *m = (struct member){0};
    snprintf(m->id, sizeof(m->id), "%s", id);
    size_t pl = arn && zt_startswith(arn, "arn:") ? strcspn(arn + 4, ":") : 0;
    snprintf(m->partition, sizeof(m->partition), "%.*s", pl > 0 && pl < 16 ? (int)pl : 3,
             pl > 0 && pl < 16 ? arn + 4 : "aws");
    return 0;
}

static int list_page(struct org *org, const char *token, unsigned page);

/* A ListAccounts page, or its error. */
static int on_list(void *data, const struct zt_http_page *p)
{
    struct zt_aws_call *c = data;
    struct org *org = c->run->org;
    long status = zt_http_page_status(p);
    size_t len = 0;
    const char *body = zt_http_page_body(p, &len);
    struct zt_aws_error e;
    char next[ZT_AWS_XML_TEXT];

    c->handled = true;
    if (status < 200 || status >= 300) {
        bool coded = zt_aws_error_parse(body, len, &e) == 0;
        bool denied = coded && zt_aws_error_is_denied(e.code);
        org->failed = true;
        return zt_aws_call_failed(c, denied ? -EACCES : -EIO, "HTTP %ld %s%s%s%s", status,
                                  coded ? e.code : "(no AWS error code)", coded ? ": " : "",
                                  coded ? e.message : "",
                                  denied ? " (the credentials must be the management account's or "
                                           "a delegated administrator's)"
                                         : "");
    }
    int r = zt_aws_json_ids(zt_http_page_json(p), "Accounts", "Id", on_account, org, next,
                            sizeof(next));
    if (r < 0 || (next[0] && (zt_streq(next, c->arg) || c->page + 1 >= ZT_AWS_PAGES_MAX))) {
        org->failed = true;
        return zt_aws_call_failed(c, r < 0 ? r : -EBADMSG, "%s",
                                  r == -E2BIG ? "more than 20000 accounts"
                                  : r < 0     ? "malformed answer"
                                              : "NextToken repeats (paging loop)");
    }
    if (next[0]) {
        return list_page(org, next, c->page + 1);
    }
    org->listed = true;
    return 0;
}

static int list_page(struct org *org, const char *token, unsigned page)
{
    return zt_aws_json_list(org->base, NULL, ZT_AWS_ORG_ACCOUNTS, &org->list, NULL, NULL, token,
                            page, 0);
}

/* Every ACTIVE account of the organization into org (ListAccounts, page after page). */
static int org_list(struct org *org)
{
    struct zt_aws_run *base = org->base;
    int r = zt_ctx_http_group_new(base->ctx, &base->group);
    if (r < 0) {
        return r;
    }
    /* the base run only lists: its answers come here */
    base->on_page = on_list;
    base->on_unanswered = NULL;
    base->org = org;
    list_page(org, NULL, 0);
    zt_http_group_wait(base->group);
    zt_aws_fetch_finish(base);
    base->org = NULL;
    if (!org->listed) {
        return org->failed ? -EACCES : zt_ctx_error(base->ctx, -EIO, "ListAccounts got no answer");
    }
    zt_ctx_log(base->ctx, LOG_NOTICE, "organization: %zu ACTIVE accounts (%zu others skipped)",
               org->n, org->skipped);
    return 0;
}

/* The answer of an account's AssumeRole: its credentials, then its calls start in the group. */
static int on_assumed(void *data, const struct zt_http_page *p)
{
    struct member *m = data;
    long status = zt_http_page_status(p);
    size_t len = 0;
    const char *body = zt_http_page_body(p, &len);
    struct zt_aws_error e;
    char err[256];

    m->handled = true;
    if (status < 200 || status >= 300) {
        bool coded = zt_aws_error_parse(body, len, &e) == 0;
        snprintf(m->error, sizeof(m->error), "HTTP %ld %s%s%s", status,
                 coded ? e.code : "(no AWS error code)", coded ? ": " : "", coded ? e.message : "");
        return 0;
    }
    if (zt_aws_creds_sts_xml(body, len, &m->run->creds, err, sizeof(err)) < 0) {
        snprintf(m->error, sizeof(m->error), "malformed answer: %s", err);
        return 0;
    }
    m->assumed = true;
    zt_aws_fetch_start(m->run);
    zt_aws_s3_start(m->run);
    zt_aws_svc_start(m->run);
    return 0;
}

/* Sign and submit m's AssumeRole in g with the base credentials. */
static void assume_add(struct org *org, struct member *m, struct zt_http_group *g)
{
    static const int accept[] = {400, 401, 403, 404, 0};
    const struct zt_aws_options *o = org->base->opt;
    struct zt_aws_role_step role = {.arn = m->role, .external_id = o->external_id};
    int r = zt_aws_assume_request(&org->base->creds, o, o->regions.v[0], org->base->env, &role,
                                  &m->sts);
    if (r < 0) {
        snprintf(m->error, sizeof(m->error), "cannot sign AssumeRole: %s", strerror(-r));
        return;
    }
    struct zt_http_request req = {.method = ZT_HTTP_POST,
                                  .url = m->sts.url,
                                  .headers = (const char *const *)m->sts.headers,
                                  .body = m->sts.body,
                                  .content_type = "application/x-www-form-urlencoded",
                                  .sensitive = true,
                                  .ca_file = o->ca_file,
                                  .raw = true,
                                  .accept_status = accept,
                                  .on_page = on_assumed,
                                  .userdata = m};
    if (zt_ctx_http_group_add(org->base->ctx, g, &req, &m->res) < 0) {
        snprintf(m->error, sizeof(m->error), "%s", m->res.message);
    }
}

/* Free the wave's group, then record what its calls left undone (the calls point into it). */
static void wave_settle(struct member *w, size_t n, struct zt_http_group *g)
{
    zt_http_group_free(g);
    for (size_t i = 0; i < n; i++) {
        w[i].run->group = NULL;
        zt_aws_fetch_finish(w[i].run);
    }
}

/* The S3 bucket calls of the wave's accounts, batch after batch, every account at once. */
static void wave_buckets(struct org *org, struct member *w, size_t n)
{
    for (;;) {
        struct zt_http_group *g = NULL;
        bool any = false;
        if (zt_ctx_http_group_new(org->base->ctx, &g) < 0) {
            return;
        }
        for (size_t i = 0; i < n; i++) {
            w[i].run->group = g;
            any = (w[i].assumed && zt_aws_s3_batch_start(w[i].run)) || any;
        }
        zt_http_group_wait(g);
        wave_settle(w, n, g);
        if (!any) {
            return;
        }
    }
}

/* Emit an account's evidence as its own: whether its role was assumed, then its facts. */
static void member_emit(struct org *org, struct member *m)
{
    struct zt_ctx *ctx = org->base->ctx;
    struct json_object *detail = json_object_new_object();

    json_object_object_add(detail, "role", json_object_new_string(m->role));
    if (!m->assumed) {
        json_object_object_add(detail, "error", json_object_new_string(m->error));
    }
    zt_ctx_set_account(ctx, m->id);
    zt_emit(ctx, "aws.account.role_assumed", json_object_new_boolean(m->assumed), detail);
    if (m->assumed) {
        zt_aws_emit(m->run);
    } else {
        zt_ctx_error(ctx, -EACCES, "account %s: AssumeRole %s: %s; its evidence is unknown", m->id,
                     m->role, m->error);
    }
    zt_ctx_set_account(ctx, NULL);
}

/* Scan the accounts w[0..n) together: their roles assumed at once, each answer starting its
 * account's calls in the same group; then their buckets; then each emitted and freed. */
static void wave_run(struct org *org, struct member *w, size_t n)
{
    struct zt_aws_run *base = org->base;
    struct zt_http_group *g = NULL;
    time_t now = time(NULL);

    if (zt_aws_creds_expiring(&base->creds, now, ZT_AWS_REFRESH_MARGIN) &&
        now >= base->refresh_after && zt_aws_creds_refresh(base) < 0) {
        base->refresh_after = now + 30;
    }
    int r = zt_ctx_http_group_new(base->ctx, &g);
    if (r < 0) {
        zt_ctx_error(base->ctx, r, "cannot start the calls of %zu accounts", n);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        struct member *m = &w[i];
        m->role = zt_xasprintf("arn:%s:iam::%s:role/%s", m->partition, m->id, base->opt->role_name);
        m->run = zt_xmalloc(sizeof(*m->run));
        zt_aws_run_init(m->run, base->ctx, base->opt, base->env);
        m->run->member = m->id;
        m->run->member_role = m->role;
        m->run->group = g;
        m->run->creds.source = base->creds.source;
        assume_add(org, m, g);
    }
    zt_http_group_wait(g);
    for (size_t i = 0; i < n; i++) {
        if (!w[i].handled && !w[i].error[0]) {
            snprintf(w[i].error, sizeof(w[i].error), "%s", w[i].res.message);
        }
    }
    wave_settle(w, n, g);
    wave_buckets(org, w, n);
    for (size_t i = 0; i < n; i++) {
        member_emit(org, &w[i]);
        zt_aws_run_close(w[i].run);
        free(w[i].run);
        w[i].run = NULL;
        zt_aws_sts_request_clear(&w[i].sts);
    }
}

int zt_aws_org_collect(struct zt_aws_run *base)
{
    struct org org = {.base = base};
    size_t k = base->opt->account_concurrency, scanned = 0;

    int r = org_list(&org);
    if (r == 0 && org.n == 0) {
        r = zt_ctx_error(base->ctx, -ENOENT, "ListAccounts named no ACTIVE account");
    }
    /* every account takes part from now on: one the scan does not reach (time limit) is
     * unknown, never left out of a universal rule */
    for (size_t i = 0; r == 0 && i < org.n; i++) {
        zt_ctx_set_account(base->ctx, org.v[i].id);
        zt_emit_bool(base->ctx, "aws.account.active", true);
    }
    zt_ctx_set_account(base->ctx, NULL);
    for (size_t i = 0; r == 0 && i < org.n && !zt_ctx_cancelled(base->ctx); i += k) {
        wave_run(&org, org.v + i, org.n - i < k ? org.n - i : k);
    }
    for (size_t i = 0; i < org.n; i++) {
        scanned += org.v[i].assumed;
        free(org.v[i].role);
    }
    free(org.v);
    if (r == 0) {
        char what[512];
        snprintf(what, sizeof(what), "%s (%s), then role %s in %zu of %zu accounts",
                 zt_aws_source_to_string(base->creds.source), base->creds.detail,
                 base->opt->role_name, scanned, org.n);
        zt_ctx_set_credentials(base->ctx, what);
        zt_ctx_log(base->ctx, LOG_NOTICE, "organization: %zu of %zu accounts scanned as %s",
                   scanned, org.n, base->opt->role_name);
    }
    return r < 0 ? r : scanned ? 0 : -EACCES;
}
