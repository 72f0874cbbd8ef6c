/* aws_fetch.c - the aws collector's calls: endpoints, Signature V4 signing, and one HTTP group in
 * which every region runs at once; a call that needs an answer (the next page, a detector, a
 * trail's status, the account's public access block) is added from that answer's callback. */
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>

#include "aws_call.h"

#define AWS_SIG_HEADERS 8u

/* Mark what a failed call leaves unknown. */
static void evidence_lost(struct zt_aws_call *c)
{
    struct zt_aws_run *run = c->run;
    switch (c->api) {
    case ZT_AWS_EC2_GROUPS:
        c->region->sg_failed = true;
        break;
    case ZT_AWS_GD_LIST:
    case ZT_AWS_GD_GET:
        c->region->gd_failed = true;
        break;
    case ZT_AWS_CT_DESCRIBE:
    case ZT_AWS_CT_STATUS:
        run->ct_failed = true;
        break;
    default: /* the fact stays unknown */
        break;
    }
}

/* Record a failure of call c ("DescribeSecurityGroups in eu-west-1: ..."): its evidence is
 * unknown and the collector partial. */
int zt_aws_call_failed(struct zt_aws_call *c, int err, const char *fmt, ...)
{
    char msg[768];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    evidence_lost(c);
    if (c->track) {
        c->track->failed = true;
    }
    zt_ctx_error(c->run->ctx, err, "%s%s%s%s%s%s%s%s: %s", c->run->member ? "account " : "",
                 c->run->member ? c->run->member : "", c->run->member ? ": " : "",
                 zt_aws_api_to_string(c->api), c->bucket ? " of bucket " : "",
                 c->bucket ? c->bucket->name : "", c->region ? " in " : "",
                 c->region ? c->region->name : "", msg);
    return 0;
}

/* The authority of url as curl sends it in Host (the default port 443 left out). */
static void url_host(const char *url, char *buf, size_t len)
{
    const char *h = url + strlen("https://");
    size_t n = strcspn(h, "/?#");
    if (n > 4 && strncmp(h + n - 4, ":443", 4) == 0) {
        n -= 4;
    }
    snprintf(buf, len, "%.*s", (int)n, h);
}

static bool is_throttled(void *data, long status, const char *body, size_t len)
{
    struct zt_aws_error e;
    /* IAM's ReportInProgress (404): the credential report is being made; ask again later */
    return zt_aws_error_parse(body, len, &e) == 0 &&
           (zt_aws_error_is_throttling(e.code) || zt_streq(e.code, "ReportInProgress"));
}

/* The headers of a signed request: "Name: value" strings (freed by the caller, wiped: the token
 * and signature are among them). */
struct signed_headers {
    char *h[AWS_SIG_HEADERS + 2];
    size_t n;
};

static void signed_headers_free(struct signed_headers *sh)
{
    for (size_t i = 0; i < sh->n; i++) {
        zt_secret_free(sh->h[i]);
    }
}

static int sign(struct zt_aws_run *run, const struct zt_aws_spec *s, const char *url,
                struct signed_headers *out)
{
    const char *svc = zt_aws_api_desc(s->api)->service, *body = s->body ? s->body : "";
    struct zt_sigv4_header h[AWS_SIG_HEADERS];
    char host[256], amz_date[20], payload[ZT_SIGV4_HEX_LEN + 1], target[128], authz[1024];
    size_t n = 0;
    struct tm tm;
    time_t now = time(NULL);

    if (zt_aws_creds_expiring(&run->creds, now, ZT_AWS_REFRESH_MARGIN) &&
        now >= run->refresh_after && zt_aws_creds_refresh(run) < 0) {
        run->refresh_after = now + 30; /* the old ones serve while they last */
    }
    gmtime_r(&now, &tm);
    strftime(amz_date, sizeof(amz_date), "%Y%m%dT%H%M%SZ", &tm);
    url_host(url, host, sizeof(host));
    zt_sigv4_sha256_hex(body, strlen(body), payload);
    h[n++] = (struct zt_sigv4_header){"Host", host};
    h[n++] = (struct zt_sigv4_header){"X-Amz-Date", amz_date};
    int r =
        zt_aws_api_headers(run, s, payload, h + n, AWS_SIG_HEADERS - n - 1, target, sizeof(target));
    if (r < 0) {
        return r;
    }
    n += (size_t)r;
    if (run->creds.token) {
        h[n++] = (struct zt_sigv4_header){"X-Amz-Security-Token", run->creds.token};
    }
    const char *path = url + strlen("https://") + strcspn(url + strlen("https://"), "/");
    _cleanup_free_ char *p = zt_xstrndup(path, strcspn(path, "?"));
    const char *q = strchr(path, '?');
    struct zt_sigv4_request req = {
        .method = s->body ? "POST" : "GET",
        .path = p[0] ? p : "/",
        .query = q ? q + 1 : NULL,
        .headers = h,
        .n_headers = n,
        .payload_hash = payload,
        .s3 = zt_streq(svc, "s3"),
    };
    struct zt_sigv4_credentials cred = {run->creds.access_key_id, run->creds.secret};
    r = zt_sigv4_authorization(&req, &cred, s->scope, svc, authz, sizeof(authz));
    if (r < 0) {
        return r;
    }
    for (size_t i = 1; i < n; i++) { /* Host: curl sends it from the URL */
        out->h[out->n++] = zt_xasprintf("%s: %s", h[i].name, h[i].value);
    }
    out->h[out->n++] = zt_xasprintf("Authorization: %s", authz);
    out->h[out->n] = NULL;
    explicit_bzero(authz, sizeof(authz));
    return 0;
}

/* Sign and submit one call. Failures are recorded (the call's evidence unknown). */
int zt_aws_call_add(struct zt_aws_run *run, const struct zt_aws_spec *s)
{
    struct zt_aws_call *c = zt_xcalloc(1, sizeof(*c));
    _cleanup_(signed_headers_free) struct signed_headers sh = {0};
    char url[ZT_AWS_URL_MAX];

    *c = (struct zt_aws_call){.next = run->calls,
                              .run = run,
                              .api = s->api,
                              .region = s->region,
                              .bucket = s->bucket,
                              .page = s->page,
                              .arg = zt_xstrdup(s->arg ? s->arg : ""),
                              .id = s->id ? zt_xstrdup(s->id) : NULL,
                              .track = s->track,
                              .tag = s->tag};
    run->calls = c;
    if (c->track) {
        c->track->started = true;
        c->track->pending++;
    }
    zt_aws_api_url(run, s, url, sizeof(url));
    int r = sign(run, s, url, &sh);
    if (r < 0) {
        c->handled = true;
        run->failed++;
        return zt_aws_call_failed(c, r, "cannot sign the request: %s", strerror(-r));
    }
    static const int accept[] = {400, 401, 403, 404, 0};
    struct zt_http_request req = {
        .method = s->body ? ZT_HTTP_POST : ZT_HTTP_GET,
        .url = url,
        .headers = (const char *const *)sh.h,
        .body = s->body,
        .ca_file = run->opt->ca_file,
        .raw = !zt_aws_api_json(s->api),
        .accept_status = accept,
        .throttled = is_throttled,
        .on_page = run->on_page,
        .userdata = c,
    };
    r = zt_ctx_http_group_add(run->ctx, run->group, &req, &c->res);
    if (r < 0) {
        c->handled = true;
        run->failed++;
        return zt_aws_call_failed(c, r, "%s", c->res.message);
    }
    return 0;
}

/* ---- requests --------------------------------------------------------------------------- */

int zt_aws_add_groups_page(struct zt_aws_run *run, struct zt_aws_region *rg, const char *token,
                           unsigned page)
{
    _cleanup_free_ char *enc = token ? zt_http_urlencode(token) : NULL;
    _cleanup_free_ char *body = zt_xasprintf(
        "Action=DescribeSecurityGroups&Version=" ZT_AWS_EC2_VERSION "&MaxResults=%" PRIu64 "%s%s",
        run->opt->page_size, enc ? "&NextToken=" : "", enc ? enc : "");
    struct zt_aws_spec s = {.api = ZT_AWS_EC2_GROUPS,
                            .region = rg,
                            .scope = rg->name,
                            .path = "/",
                            .body = body,
                            .arg = token,
                            .page = page};
    return zt_aws_call_add(run, &s);
}

int zt_aws_add_detectors_page(struct zt_aws_run *run, struct zt_aws_region *rg, const char *token,
                              unsigned page)
{
    _cleanup_free_ char *enc = token ? zt_http_urlencode(token) : NULL;
    _cleanup_free_ char *path =
        zt_xasprintf("/detector?maxResults=50%s%s", enc ? "&nextToken=" : "", enc ? enc : "");
    struct zt_aws_spec s = {.api = ZT_AWS_GD_LIST,
                            .region = rg,
                            .scope = rg->name,
                            .path = path,
                            .arg = token,
                            .page = page};
    return zt_aws_call_add(run, &s);
}

int zt_aws_fetch_start(struct zt_aws_run *run)
{
    const char *first = run->regions[0].name;
    struct zt_aws_spec sts = {.api = ZT_AWS_STS_IDENTITY,
                              .scope = first,
                              .path = "/",
                              .body = "Action=GetCallerIdentity&Version=2011-06-15"};
    struct zt_aws_spec iam = {.api = ZT_AWS_IAM_SUMMARY,
                              .scope = "us-east-1",
                              .path = "/",
                              .body = "Action=GetAccountSummary&Version=2010-05-08"};
    struct zt_aws_spec ct = {.api = ZT_AWS_CT_DESCRIBE,
                             .scope = first,
                             .path = "/",
                             .body = "{\"includeShadowTrails\":true}"};

    zt_aws_call_add(run, &sts);
    zt_aws_call_add(run, &iam);
    zt_aws_call_add(run, &ct);
    for (size_t i = 0; i < run->n_regions; i++) {
        struct zt_aws_region *rg = &run->regions[i];
        struct zt_aws_spec ebs = {
            .api = ZT_AWS_EC2_EBS,
            .region = rg,
            .scope = rg->name,
            .path = "/",
            .body = "Action=GetEbsEncryptionByDefault&Version=" ZT_AWS_EC2_VERSION};
        zt_aws_add_groups_page(run, rg, NULL, 0);
        zt_aws_call_add(run, &ebs);
        zt_aws_add_detectors_page(run, rg, NULL, 0);
    }
    return 0;
}

void zt_aws_fetch_finish(struct zt_aws_run *run)
{
    run->acct.s3.stopped = true;
    for (struct zt_aws_call *c = run->calls; c; c = c->next) {
        if (!c->handled && c->res.error < 0) {
            run->failed++;
            if (run->on_unanswered) {
                run->on_unanswered(c);
            }
            zt_aws_call_failed(c, c->res.error, "%s", c->res.message);
        }
    }
    zt_http_group_free(run->group);
    run->group = NULL;
    while (run->calls) {
        struct zt_aws_call *c = run->calls;
        run->calls = c->next;
        free(c->arg);
        free(c->id);
        free(c);
    }
}
