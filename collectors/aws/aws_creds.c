/* aws_creds.c - the sources of the aws collector's credential chain (environment, web identity
 * through STS, the container endpoint, IMDSv2) and STS AssumeRole, signed; the order they are
 * tried in is aws_creds_chain.c's. */
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "aws.h"
#include "aws_creds.h"

#define CREDS_ANSWER_MAX (64u * 1024u)
#define WEB_TOKEN_MAX    (16u * 1024u)
#define IMDS_DEFAULT     "http://169.254.169.254"
#define ECS_DEFAULT      "http://169.254.170.2"
/* IMDS calls; off EC2 nothing answers: fail soon */
#define IMDS_WAIT_USEC (10u * ZT_USEC_PER_SEC)

/* One answer's body, kept (and wiped) by the caller. */
struct answer {
    char *body;
    size_t len;
    long status;
};

static void answer_free(struct answer *a)
{
    zt_secret_free(a->body);
    a->body = NULL;
}

static int on_answer(void *data, const struct zt_http_page *p)
{
    struct answer *a = data;
    size_t len;
    const char *b = zt_http_page_body(p, &len);

    answer_free(a);
    a->body = zt_xstrndup(b ? b : "", b ? len : 0);
    a->len = b ? len : 0;
    a->status = zt_http_page_status(p);
    return 0;
}

/* One credential request; its answer in *a. The body and answer hold secrets (sensitive). */
static int fetch(struct zt_ctx *ctx, enum zt_http_method m, const char *url,
                 const char *const *headers, const char *body, const char *ca_file,
                 struct answer *a, char *err, size_t errlen)
{
    static const int accept[] = {400, 401, 403, 404, 0};
    struct zt_http_request req = {.method = m,
                                  .url = url,
                                  .headers = headers,
                                  .body = body,
                                  .content_type = body ? "application/x-www-form-urlencoded" : NULL,
                                  .sensitive = true,
                                  .credential_http = true,
                                  .ca_file = ca_file,
                                  .raw = true,
                                  .accept_status = accept,
                                  .on_page = on_answer,
                                  .userdata = a};
    struct zt_http_result res = {0};
    /* the IMDS calls (the token PUT, and the GETs that carry it) */
    if (m == ZT_HTTP_PUT || (headers && zt_startswith(headers[0], "X-aws-ec2-metadata-token:"))) {
        uint64_t until = zt_now_mono_usec() + IMDS_WAIT_USEC, d = zt_ctx_deadline_usec(ctx);
        req.deadline_usec = d && d < until ? d : until;
    }
    int r = zt_ctx_http(ctx, &req, &res);
    if (r < 0) {
        snprintf(err, errlen, "%s", res.message);
        return r;
    }
    if (a->status >= 300) {
        struct zt_aws_error e;
        char u[256];
        bool coded = zt_aws_error_parse(a->body, a->len, &e) == 0;
        snprintf(err, errlen, "%s %s: HTTP %ld%s%s%s%s", zt_http_method_to_string(m),
                 zt_http_redact_url(url, u, sizeof(u)), a->status, coded ? ": " : "",
                 coded ? e.code : "", coded ? ": " : "", coded ? e.message : "");
        return a->status == 404 ? -ENOENT : -EACCES;
    }
    return 0;
}

/* A small file (the web identity or container token), trailing whitespace dropped. */
static int read_token(const char *path, char **ret, char *err, size_t errlen)
{
    size_t len;
    int r = zt_read_file(path, WEB_TOKEN_MAX, ret, &len);
    if (r < 0) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(-r));
        return r;
    }
    while (len && strchr(" \t\r\n", (*ret)[len - 1])) {
        (*ret)[--len] = '\0';
    }
    return 0;
}

static int from_env(zt_aws_env_fn env, struct zt_aws_creds *c)
{
    zt_aws_creds_clear(c);
    c->access_key_id = zt_xstrdup(env("AWS_ACCESS_KEY_ID"));
    c->secret = zt_xstrdup(env("AWS_SECRET_ACCESS_KEY"));
    const char *t = env("AWS_SESSION_TOKEN");
    c->token = t && t[0] ? zt_xstrdup(t) : NULL;
    snprintf(c->detail, sizeof(c->detail), "AWS_ACCESS_KEY_ID%s",
             c->token ? " with AWS_SESSION_TOKEN" : "");
    return 0;
}

/* The STS endpoint: AWS_ENDPOINT_URL_STS (as the SDKs read it), endpoint_url, else regional. */
static char *sts_url(const struct zt_aws_options *o, const char *region, zt_aws_env_fn env)
{
    const char *e = env("AWS_ENDPOINT_URL_STS");
    if (e && e[0]) {
        return zt_xstrdup(e);
    }
    if (o->endpoint_url) {
        return zt_xstrdup(o->endpoint_url);
    }
    return zt_xasprintf("https://sts.%s.amazonaws.com/", region);
}

static int from_web_identity(struct zt_ctx *ctx, const struct zt_aws_options *o, const char *region,
                             zt_aws_env_fn env, struct zt_aws_creds *c, char *err, size_t errlen)
{
    _cleanup_(zt_secret_freep) char *jwt = NULL, *enc = NULL, *body = NULL;
    _cleanup_(answer_free) struct answer a = {0};
    const char *arn = env("AWS_ROLE_ARN"), *name = env("AWS_ROLE_SESSION_NAME");
    int r = read_token(env("AWS_WEB_IDENTITY_TOKEN_FILE"), &jwt, err, errlen);
    if (r < 0) {
        return r;
    }
    enc = zt_http_urlencode(jwt);
    _cleanup_free_ char *earn = zt_http_urlencode(arn);
    _cleanup_free_ char *ename = zt_http_urlencode(name && name[0] ? name : "ztmmd");
    body = zt_xasprintf("Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=%s"
                        "&RoleSessionName=%s&WebIdentityToken=%s",
                        earn, ename, enc);
    _cleanup_free_ char *url = sts_url(o, region, env);
    r = fetch(ctx, ZT_HTTP_POST, url, NULL, body, o->ca_file, &a, err, errlen);
    if (r == 0) {
        r = zt_aws_creds_sts_xml(a.body, a.len, c, err, errlen);
    }
    snprintf(c->detail, sizeof(c->detail), "role %.200s", arn);
    return r;
}

static int from_container(struct zt_ctx *ctx, const struct zt_aws_options *o, zt_aws_env_fn env,
                          struct zt_aws_creds *c, char *err, size_t errlen)
{
    const char *full = env("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    const char *rel = env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    const char *tfile = env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    const char *tval = env("AWS_CONTAINER_AUTHORIZATION_TOKEN");
    _cleanup_free_ char *url =
        rel && rel[0] ? zt_xasprintf(ECS_DEFAULT "%s", rel) : zt_xstrdup(full);
    _cleanup_(zt_secret_freep) char *tok = NULL, *hdr = NULL;
    _cleanup_(answer_free) struct answer a = {0};
    int r;

    if (tfile && tfile[0]) { /* read afresh each time: EKS Pod Identity rotates it */
        r = read_token(tfile, &tok, err, errlen);
        if (r < 0) {
            return r;
        }
    } else if (tval && tval[0]) {
        tok = zt_xstrdup(tval);
    }
    if (tok && strpbrk(tok, "\r\n")) {
        snprintf(err, errlen, "the container authorization token holds a line break");
        return -EINVAL;
    }
    hdr = tok ? zt_xasprintf("Authorization: %s", tok) : NULL;
    const char *headers[] = {hdr, NULL};
    r = fetch(ctx, ZT_HTTP_GET, url, hdr ? headers : NULL, NULL, o->ca_file, &a, err, errlen);
    if (r == 0) {
        r = zt_aws_creds_json(a.body, a.len, c, err, errlen);
    }
    char u[200];
    snprintf(c->detail, sizeof(c->detail), "%s", zt_http_redact_url(url, u, sizeof(u)));
    return r;
}

static int from_imds(struct zt_ctx *ctx, zt_aws_env_fn env, struct zt_aws_creds *c, char *err,
                     size_t errlen)
{
    const char *base = env("AWS_EC2_METADATA_SERVICE_ENDPOINT");
    base = base && base[0] ? base : IMDS_DEFAULT;
    size_t bl = strlen(base) - (strlen(base) && base[strlen(base) - 1] == '/');
    _cleanup_free_ char *turl = zt_xasprintf("%.*s/latest/api/token", (int)bl, base);
    _cleanup_free_ char *rurl =
        zt_xasprintf("%.*s/latest/meta-data/iam/security-credentials/", (int)bl, base);
    _cleanup_(zt_secret_freep) char *hdr = NULL;
    _cleanup_(answer_free) struct answer a = {0};
    const char *ttl[] = {"X-aws-ec2-metadata-token-ttl-seconds: 21600", NULL};

    int r = fetch(ctx, ZT_HTTP_PUT, turl, ttl, NULL, NULL, &a, err, errlen);
    if (r < 0) {
        return r;
    }
    if (!a.len || strpbrk(a.body, "\r\n")) {
        snprintf(err, errlen, "IMDS answered no session token");
        return -EBADMSG;
    }
    hdr = zt_xasprintf("X-aws-ec2-metadata-token: %s", a.body);
    const char *h[] = {hdr, NULL};
    r = fetch(ctx, ZT_HTTP_GET, rurl, h, NULL, NULL, &a, err, errlen);
    if (r < 0) {
        return r;
    }
    _cleanup_free_ char *role = zt_xstrndup(a.body, strcspn(a.body, "\r\n"));
    if (!role[0] || strspn(role, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                                 "+=,.@_-") != strlen(role)) {
        snprintf(err, errlen, "IMDS names no instance profile role (is one attached?)");
        return -ENOENT;
    }
    _cleanup_free_ char *curl = zt_xasprintf("%s%s", rurl, role);
    r = fetch(ctx, ZT_HTTP_GET, curl, h, NULL, NULL, &a, err, errlen);
    if (r == 0) {
        r = zt_aws_creds_json(a.body, a.len, c, err, errlen);
    }
    snprintf(c->detail, sizeof(c->detail), "instance profile role %.128s", role);
    return r;
}

int zt_aws_source_fetch(struct zt_ctx *ctx, const struct zt_aws_options *o, const char *region,
                        zt_aws_env_fn env, enum zt_aws_source s, struct zt_aws_creds *c, char *err,
                        size_t errlen)
{
    switch (s) {
    case ZT_AWS_SRC_ENV:
        return from_env(env, c);
    case ZT_AWS_SRC_WEB_IDENTITY:
        return from_web_identity(ctx, o, region, env, c, err, errlen);
    case ZT_AWS_SRC_CONTAINER:
        return from_container(ctx, o, env, c, err, errlen);
    default:
        return from_imds(ctx, env, c, err, errlen);
    }
}

/* The Authorization and other signed headers of an STS Query POST with c. */
static int sts_sign(const struct zt_aws_creds *c, const char *url, const char *region,
                    const char *body, char *hdrs[4])
{
    const char *a = url + strcspn(url, ":") + 3;
    size_t n = strcspn(a, "/?#");
    if (n > 4 && strncmp(a + n - 4, ":443", 4) == 0) {
        n -= 4;
    }
    char host[256], amz_date[20], payload[ZT_SIGV4_HEX_LEN + 1], authz[1024];
    struct tm tm;
    time_t now = time(NULL);
    snprintf(host, sizeof(host), "%.*s", (int)n, a);
    gmtime_r(&now, &tm);
    strftime(amz_date, sizeof(amz_date), "%Y%m%dT%H%M%SZ", &tm);
    zt_sigv4_sha256_hex(body, strlen(body), payload);
    const char *path = a + strcspn(a, "/");
    _cleanup_free_ char *p = zt_xstrndup(path, strcspn(path, "?#"));
    struct zt_sigv4_header h[4] = {{"Host", host},
                                   {"Content-Type", "application/x-www-form-urlencoded"},
                                   {"X-Amz-Date", amz_date},
                                   {"X-Amz-Security-Token", c->token}};
    struct zt_sigv4_request req = {.method = "POST",
                                   .path = p[0] ? p : "/",
                                   .headers = h,
                                   .n_headers = c->token ? 4 : 3,
                                   .payload_hash = payload};
    struct zt_sigv4_credentials cred = {c->access_key_id, c->secret};
    int r = zt_sigv4_authorization(&req, &cred, region, "sts", authz, sizeof(authz));
    if (r < 0) {
        return r;
    }
    hdrs[0] = zt_xasprintf("X-Amz-Date: %s", amz_date);
    hdrs[1] = zt_xasprintf("Authorization: %s", authz);
    hdrs[2] = c->token ? zt_xasprintf("X-Amz-Security-Token: %s", c->token) : NULL;
    hdrs[3] = NULL;
    explicit_bzero(authz, sizeof(authz));
    return 0;
}

void zt_aws_sts_request_clear(struct zt_aws_sts_request *r)
{
    free(r->url);
    free(r->body);
    for (size_t i = 0; i < 3; i++) {
        zt_secret_free(r->headers[i]);
    }
    *r = (struct zt_aws_sts_request){0};
}

int zt_aws_assume_request(const struct zt_aws_creds *c, const struct zt_aws_options *o,
                          const char *region, zt_aws_env_fn env,
                          const struct zt_aws_role_step *role, struct zt_aws_sts_request *out)
{
    _cleanup_free_ char *arn = zt_http_urlencode(role->arn);
    _cleanup_free_ char *name =
        zt_http_urlencode(role->session_name ? role->session_name : o->role_session_name);
    _cleanup_(zt_secret_freep) char *ext =
        role->external_id ? zt_http_urlencode(role->external_id) : NULL;

    *out = (struct zt_aws_sts_request){0};
    out->body = zt_xasprintf(
        "Action=AssumeRole&Version=2011-06-15&RoleArn=%s&RoleSessionName=%s&DurationSeconds=3600"
        "%s%s",
        arn, name, ext ? "&ExternalId=" : "", ext ? ext : "");
    out->url = sts_url(o, region, env);
    int r = sts_sign(c, out->url, region, out->body, out->headers);
    if (r < 0) {
        zt_aws_sts_request_clear(out);
    }
    return r;
}

int zt_aws_assume(struct zt_ctx *ctx, const struct zt_aws_options *o, const char *region,
                  zt_aws_env_fn env, const struct zt_aws_role_step *role, struct zt_aws_creds *c,
                  char *err, size_t errlen)
{
    _cleanup_(zt_aws_sts_request_clear) struct zt_aws_sts_request req = {0};
    _cleanup_(answer_free) struct answer a = {0};

    int r = zt_aws_assume_request(c, o, region, env, role, &req);
    if (r < 0) {
        snprintf(err, errlen, "cannot sign AssumeRole: %s", strerror(-r));
        return r;
    }
    r = fetch(ctx, ZT_HTTP_POST, req.url, (const char *const *)req.headers, req.body, o->ca_file,
              &a, err, errlen);
    if (r == 0) {
        r = zt_aws_creds_sts_xml(a.body, a.len, c, err, errlen);
    }
    return r;
}
