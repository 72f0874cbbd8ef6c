/* aws_answer.c - the answers of the aws collector's calls: AWS error codes (denied, throttled,
 * rejected credentials), the documents read into the run, and the calls an answer leads to (the
 * next page, a detector, a trail's status, the account's public access block). */
#include "aws_call.h"

/* A non-2xx answer (400/403/404): AWS's error code says what it means. */
static int on_error(struct zt_aws_call *c, const struct zt_http_page *p, const char *body,
                    size_t len)
{
    struct zt_aws_error e;
    long status = zt_http_page_status(p);
    bool coded = zt_aws_error_parse(body, len, &e) == 0;
    char url[256], type[ZT_AWS_CODE_MAX];

    /* REST-JSON services name the error in X-Amzn-ErrorType ("Code:http://internal...") */
    if (zt_http_page_header(p, "X-Amzn-ErrorType", type, sizeof(type))) {
        type[strcspn(type, ":")] = '\0';
        if (type[0]) {
            snprintf(e.code, sizeof(e.code), "%s", type);
            coded = true;
        }
    }

    if (status == 404 && coded && zt_aws_api_unset(c->api, e.code)) {
        if (c->api == ZT_AWS_S3_PAB) {
            c->run->pab = ZT_AWS_FALSE; /* never configured: every flag off */
        }
        return zt_aws_s3_not_answered(c, true);
    }
    if (coded && zt_aws_svc_not_enabled(c, &e)) {
        return 0; /* the service is off here: evidence, not a failure */
    }
    zt_aws_s3_not_answered(c, false);
    zt_http_redact_url(zt_http_page_url(p), url, sizeof(url));
    if (coded && zt_aws_error_is_denied(e.code)) {
        c->run->denied++;
        return zt_aws_call_failed(c, -EACCES, "denied (%s: %s); its evidence is unknown", e.code,
                                  e.message);
    }
    c->run->failed++;
    if (coded && zt_aws_error_is_credentials(e.code)) {
        return zt_aws_call_failed(c, -EACCES, "credentials rejected by %s: HTTP %ld %s: %s", url,
                                  status, e.code, e.message);
    }
    return zt_aws_call_failed(c, -EIO, "%s: HTTP %ld %s%s%s", url, status,
                              coded ? e.code : "(no AWS error code)", coded ? ": " : "",
                              coded ? e.message : "");
}

static int malformed(struct zt_aws_call *c, const struct zt_http_page *p, const char *why)
{
    char url[256];
    zt_aws_s3_not_answered(c, false);
    c->run->failed++;
    return zt_aws_call_failed(c, -EBADMSG, "malformed answer from %s: %s",
                              zt_http_redact_url(zt_http_page_url(p), url, sizeof(url)), why);
}

static int on_groups(struct zt_aws_call *c, const struct zt_http_page *p, const char *body,
                     size_t len)
{
    struct zt_aws_region *rg = c->region;
    char err[256];

    if (zt_aws_sg_page(rg->sg, body, len, err, sizeof(err)) < 0) {
        return malformed(c, p, err);
    }
    if (!rg->sg->next_token[0]) {
        rg->sg_done = true;
        return 0;
    }
    if (zt_streq(rg->sg->next_token, c->arg)) {
        return malformed(c, p, "nextToken repeats the previous page (paging loop)");
    }
    if (c->page + 1 >= ZT_AWS_PAGES_MAX) {
        return malformed(c, p, "more than " ZT_AWS_PAGES_MAX_TEXT " pages: stopping");
    }
    return zt_aws_add_groups_page(c->run, rg, rg->sg->next_token, c->page + 1);
}

static int on_detectors(struct zt_aws_call *c, const struct zt_http_page *p)
{
    char ids[ZT_AWS_DETECTORS_MAX][ZT_AWS_ID_MAX], next[ZT_AWS_XML_TEXT];
    size_t n = 0;

    if (zt_aws_gd_detectors(zt_http_page_json(p), ids, ZT_AWS_DETECTORS_MAX, &n, next,
                            sizeof(next)) < 0) {
        return malformed(c, p,
                         "expected {\"detectorIds\": [...], \"nextToken\": \"...\"} "
                         "(one detector per region, a string token)");
    }
    for (size_t i = 0; i < n; i++) {
        _cleanup_free_ char *enc = zt_http_urlencode(ids[i]);
        _cleanup_free_ char *path = zt_xasprintf("/detector/%s", enc);
        struct zt_aws_spec s = {.api = ZT_AWS_GD_GET,
                                .region = c->region,
                                .scope = c->region->name,
                                .path = path,
                                .arg = ids[i]};
        zt_aws_call_add(c->run, &s);
    }
    if (next[0] && zt_streq(next, c->arg)) {
        return malformed(c, p, "nextToken repeats the previous page (paging loop)");
    }
    if (next[0] && c->page + 1 >= ZT_AWS_PAGES_MAX) {
        return malformed(c, p, "more than " ZT_AWS_PAGES_MAX_TEXT " pages: stopping");
    }
    if (next[0]) {
        return zt_aws_add_detectors_page(c->run, c->region, next, c->page + 1);
    }
    c->region->gd_listed = true;
    return 0;
}

static int on_trails(struct zt_aws_call *c, const struct zt_http_page *p)
{
    _cleanup_free_ char(*arns)[ZT_AWS_ID_MAX * 2] = zt_xcalloc(ZT_AWS_TRAILS_MAX, sizeof(*arns));
    size_t n = 0;

    if (zt_aws_ct_multi_region(zt_http_page_json(p), arns, ZT_AWS_TRAILS_MAX, &n) < 0) {
        return malformed(c, p, "expected {\"trailList\": [...]}");
    }
    c->run->ct_described = true;
    for (size_t i = 0; i < n; i++) {
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "Name", json_object_new_string(arns[i]));
        struct zt_aws_spec s = {.api = ZT_AWS_CT_STATUS,
                                .scope = c->run->regions[0].name,
                                .path = "/",
                                .body = json_object_to_json_string_ext(
                                    o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
                                .arg = arns[i]};
        zt_aws_call_add(c->run, &s);
        json_object_put(o);
    }
    return 0;
}

static int on_account(struct zt_aws_call *c, const struct zt_http_page *p, const char *body,
                      size_t len)
{
    char err[256];
    if (zt_aws_sts_account(body, len, c->run->account, sizeof(c->run->account), err, 256) < 0) {
        return malformed(c, p, err);
    }
    struct zt_aws_spec s = {.api = ZT_AWS_S3_PAB,
                            .scope = c->run->regions[0].name,
                            .path = "/v20180820/configuration/publicAccessBlock"};
    zt_aws_org_start(c->run);
    return zt_aws_call_add(c->run, &s);
}

static int on_answer(struct zt_aws_call *c, const struct zt_http_page *p, const char *body,
                     size_t len)
{
    struct zt_aws_run *run = c->run;
    char err[256];
    bool b = false;
    int keys = -1;

    switch (c->api) {
    case ZT_AWS_STS_IDENTITY:
        return on_account(c, p, body, len);
    case ZT_AWS_IAM_SUMMARY:
        if (zt_aws_iam_summary(body, len, &b, &keys, err, sizeof(err)) < 0) {
            return malformed(c, p, err);
        }
        run->root_mfa = b ? ZT_AWS_TRUE : ZT_AWS_FALSE;
        run->root_keys = keys < 0 ? ZT_AWS_UNKNOWN : keys ? ZT_AWS_TRUE : ZT_AWS_FALSE;
        return 0;
    case ZT_AWS_EC2_GROUPS:
        return on_groups(c, p, body, len);
    case ZT_AWS_EC2_EBS:
        if (zt_aws_ebs_default(body, len, &b, err, sizeof(err)) < 0) {
            return malformed(c, p, err);
        }
        c->region->ebs = b ? ZT_AWS_TRUE : ZT_AWS_FALSE;
        return 0;
    case ZT_AWS_GD_LIST:
        return on_detectors(c, p);
    case ZT_AWS_GD_GET:
        if (zt_aws_gd_enabled(zt_http_page_json(p), &b) < 0) {
            return malformed(c, p, "expected {\"status\": \"ENABLED|DISABLED\"}");
        }
        c->region->gd_enabled |= b;
        c->region->gd_s3 |= b && zt_aws_gd_s3_protection(zt_http_page_json(p));
        return 0;
    case ZT_AWS_CT_DESCRIBE:
        return on_trails(c, p);
    case ZT_AWS_CT_STATUS:
        if (zt_aws_ct_is_logging(zt_http_page_json(p), &b) < 0) {
            return malformed(c, p, "expected {\"IsLogging\": true|false}");
        }
        if (b && run->ct_logging != ZT_AWS_TRUE) {
            run->ct_logging = ZT_AWS_TRUE;
            snprintf(run->ct_trail, sizeof(run->ct_trail), "%.*s", (int)sizeof(run->ct_trail) - 1,
                     c->arg);
        }
        return 0;
    case ZT_AWS_S3_PAB:
        if (zt_aws_s3_pab(body, len, run->pab_flags, err, sizeof(err)) < 0) {
            return malformed(c, p, err);
        }
        b = run->pab_flags[0] && run->pab_flags[1] && run->pab_flags[2] && run->pab_flags[3];
        run->pab = b ? ZT_AWS_TRUE : ZT_AWS_FALSE;
        return 0;
    case ZT_AWS_S3_LIST:
    case ZT_AWS_S3_ENCRYPTION:
    case ZT_AWS_S3_VERSIONING:
    case ZT_AWS_S3_OBJECT_LOCK:
    case ZT_AWS_S3_POLICY_STATUS:
    case ZT_AWS_S3_BUCKET_PAB:
    case ZT_AWS_S3_REPLICATION:
        return zt_aws_s3_answer(c, p, body, len);
    default:
        return zt_aws_svc_answer(c, p, body, len);
    }
}

int zt_aws_on_page(void *data, const struct zt_http_page *p)
{
    struct zt_aws_call *c = data;
    long status = zt_http_page_status(p);
    size_t len = 0;
    const char *body = zt_http_page_body(p, &len);

    c->handled = true;
    int r = status < 200 || status >= 300 ? on_error(c, p, body, len) : on_answer(c, p, body, len);
    if (c->track && c->track->pending) {
        c->track->pending--; /* after the calls this answer led to were counted */
    }
    return r;
}
