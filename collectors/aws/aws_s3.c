/* aws_s3.c - S3 per bucket: ListBuckets (paged with continuation-token), then for each bucket
 * its default encryption, versioning, Object Lock, policy status, public access block and
 * replication, signed for the bucket's region. A window of ZT_AWS_S3_WINDOW buckets is in
 * flight at once, so 5,000 buckets cost a name each, not 30,000 queued requests. S3's "not
 * configured" answers (NoSuchBucketPolicy, ...) mean unset, not an error. */
#include "aws_call.h"

#define S3_PAGE "1000" /* ListBuckets max-buckets: 1 to 10,000 */

static const struct {
    enum zt_aws_api api;
    const char *query;
} bucket_calls[] = {
    {ZT_AWS_S3_ENCRYPTION, "?encryption"},        {ZT_AWS_S3_VERSIONING, "?versioning"},
    {ZT_AWS_S3_OBJECT_LOCK, "?object-lock"},      {ZT_AWS_S3_POLICY_STATUS, "?policyStatus"},
    {ZT_AWS_S3_BUCKET_PAB, "?publicAccessBlock"}, {ZT_AWS_S3_REPLICATION, "?replication"},
};

static enum zt_aws_s3_metric metric_of(enum zt_aws_api a)
{
    switch (a) {
    case ZT_AWS_S3_ENCRYPTION:
        return ZT_AWS_S3M_KMS;
    case ZT_AWS_S3_VERSIONING:
        return ZT_AWS_S3M_VERSIONED;
    case ZT_AWS_S3_OBJECT_LOCK:
        return ZT_AWS_S3M_LOCKED;
    case ZT_AWS_S3_POLICY_STATUS:
        return ZT_AWS_S3M_PUBLIC;
    case ZT_AWS_S3_BUCKET_PAB:
        return ZT_AWS_S3M_PAB;
    default:
        return ZT_AWS_S3M_REPLICATED;
    }
}

static int list_page(struct zt_aws_run *run, const char *token, unsigned page)
{
    _cleanup_free_ char *enc = token ? zt_http_urlencode(token) : NULL;
    _cleanup_free_ char *path = zt_xasprintf("/?max-buckets=" S3_PAGE "%s%s",
                                             enc ? "&continuation-token=" : "", enc ? enc : "");
    struct zt_aws_spec s = {.api = ZT_AWS_S3_LIST,
                            .scope = run->regions[0].name,
                            .path = path,
                            .arg = token,
                            .page = page};
    return zt_aws_call_add(run, &s);
}

int zt_aws_s3_start(struct zt_aws_run *run)
{
    return list_page(run, NULL, 0);
}

/* Start the calls of the next buckets while the window has room. */
static void s3_pump(struct zt_aws_run *run)
{
    struct zt_aws_s3_scan *s3 = &run->acct.s3;
    while (!s3->stopped && s3->in_flight < ZT_AWS_S3_WINDOW && s3->next < s3->batch_end) {
        struct zt_aws_bucket *b = &s3->buckets[s3->next++];
        s3->in_flight++;
        b->pending = ZT_ELEMENTSOF(bucket_calls);
        for (size_t i = 0; i < ZT_ELEMENTSOF(bucket_calls); i++) {
            struct zt_aws_spec s = {.api = bucket_calls[i].api,
                                    .scope = b->region,
                                    .path = bucket_calls[i].query,
                                    .bucket = b};
            zt_aws_call_add(run, &s);
        }
    }
}

/* One of bucket b's calls is over (answered, unset or failed). */
static void bucket_done(struct zt_aws_run *run, struct zt_aws_bucket *b)
{
    if (b->pending && --b->pending == 0) {
        run->acct.s3.in_flight--;
        s3_pump(run);
    }
}

static int on_listed(void *data, const char *name, const char *region)
{
    struct zt_aws_run *run = data;
    struct zt_aws_s3_scan *s3 = &run->acct.s3;
    if (s3->n == s3->cap) {
        s3->cap = s3->cap ? s3->cap * 2 : 64;
        s3->buckets = zt_xrealloc(s3->buckets, s3->cap * sizeof(*s3->buckets));
    }
    struct zt_aws_bucket *b = &s3->buckets[s3->n++];
    *b = (struct zt_aws_bucket){0};
    snprintf(b->name, sizeof(b->name), "%s", name);
    snprintf(b->region, sizeof(b->region), "%s", region[0] ? region : run->regions[0].name);
    return 0;
}

static int on_list(struct zt_aws_call *c, const struct zt_http_page *p, const char *body,
                   size_t len)
{
    struct zt_aws_run *run = c->run;
    char next[ZT_AWS_XML_TEXT], err[256];

    if (run->acct.s3.next) { /* buckets already started: pointers into the array must hold */
        run->failed++;
        return zt_aws_call_failed(c, -EBADMSG, "a further page after bucket calls started");
    }
    if (zt_aws_s3_buckets(body, len, on_listed, run, next, sizeof(next), err, sizeof(err)) < 0) {
        run->failed++;
        return zt_aws_call_failed(c, -EBADMSG, "malformed answer: %s", err);
    }
    if (next[0] && (zt_streq(next, c->arg) || c->page + 1 >= ZT_AWS_PAGES_MAX)) {
        run->failed++;
        return zt_aws_call_failed(c, -EBADMSG, "ContinuationToken repeats (paging loop)");
    }
    if (next[0]) {
        return list_page(run, next, c->page + 1);
    }
    run->acct.s3.listed = true; /* the buckets' calls run in batches after this group */
    return 0;
}

/* One HTTP group per batch of buckets: the engine keeps a finished call's request until its
 * group is freed, so batches bound memory to ZT_AWS_S3_BATCH buckets' calls, not all of them. */
bool zt_aws_s3_batch_start(struct zt_aws_run *run)
{
    struct zt_aws_s3_scan *s3 = &run->acct.s3;
    if (!s3->listed || s3->next >= s3->n || s3->next < s3->batch_end) {
        return false; /* nothing left, or the last batch stalled (a call got no answer) */
    }
    s3->stopped = false;
    s3->in_flight = 0;
    s3->batch_end = s3->next + ZT_AWS_S3_BATCH < s3->n ? s3->next + ZT_AWS_S3_BATCH : s3->n;
    s3_pump(run);
    return true;
}

int zt_aws_s3_buckets_run(struct zt_aws_run *run)
{
    struct zt_aws_s3_scan *s3 = &run->acct.s3;
    while (s3->listed && s3->next < s3->n) {
        int r = zt_ctx_http_group_new(run->ctx, &run->group);
        if (r < 0) {
            return r;
        }
        zt_aws_s3_batch_start(run);
        zt_http_group_wait(run->group);
        zt_aws_fetch_finish(run);
        if (s3->next < s3->batch_end) { /* a call failed without an answer: the window stalled */
            return 0;
        }
    }
    return 0;
}

/* A "not configured" answer: the setting is off for this bucket. */
static void bucket_unset(struct zt_aws_call *c)
{
    struct zt_aws_s3_scan *s3 = &c->run->acct.s3;
    s3->answered[metric_of(c->api)]++;
    bucket_done(c->run, c->bucket);
}

static int bucket_answer(struct zt_aws_call *c, const char *body, size_t len, char *err,
                         size_t errlen)
{
    enum zt_aws_sse sse = ZT_AWS_SSE_NONE;
    bool on = false, pab[4] = {false};
    int r;

    switch (c->api) {
    case ZT_AWS_S3_ENCRYPTION:
        r = zt_aws_s3_encryption(body, len, &sse, err, errlen);
        on = sse == ZT_AWS_SSE_KMS;
        break;
    case ZT_AWS_S3_VERSIONING:
        r = zt_aws_s3_versioning(body, len, &on, err, errlen);
        break;
    case ZT_AWS_S3_OBJECT_LOCK:
        r = zt_aws_s3_object_lock(body, len, &on, err, errlen);
        break;
    case ZT_AWS_S3_POLICY_STATUS:
        r = zt_aws_s3_policy_public(body, len, &on, err, errlen);
        break;
    case ZT_AWS_S3_BUCKET_PAB:
        r = zt_aws_s3_pab(body, len, pab, err, errlen);
        on = pab[0] && pab[1] && pab[2] && pab[3];
        break;
    default:
        r = zt_aws_s3_replication(body, len, &on, err, errlen);
        break;
    }
    if (r == 0) {
        enum zt_aws_s3_metric m = metric_of(c->api);
        c->run->acct.s3.answered[m]++;
        c->run->acct.s3.count[m] += on;
    }
    return r;
}

int zt_aws_s3_answer(struct zt_aws_call *c, const struct zt_http_page *p, const char *body,
                     size_t len)
{
    char err[256];
    if (c->api == ZT_AWS_S3_LIST) {
        return on_list(c, p, body, len);
    }
    int r = bucket_answer(c, body, len, err, sizeof(err));
    if (r < 0) {
        c->run->failed++;
        zt_aws_call_failed(c, -EBADMSG, "malformed answer: %s", err);
    }
    bucket_done(c->run, c->bucket);
    return 0;
}

int zt_aws_s3_not_answered(struct zt_aws_call *c, bool unset)
{
    if (c->api == ZT_AWS_S3_LIST || !c->bucket) {
        return 0;
    }
    if (unset) {
        bucket_unset(c);
    } else {
        c->run->acct.s3.failed[metric_of(c->api)] = true;
        bucket_done(c->run, c->bucket);
    }
    return 0;
}

bool zt_aws_s3_known(const struct zt_aws_s3_scan *s, enum zt_aws_s3_metric m)
{
    return s->listed && !s->failed[m] && s->answered[m] == s->n;
}

double zt_aws_s3_share(const struct zt_aws_s3_scan *s, enum zt_aws_s3_metric m)
{
    return s->n ? (double)s->count[m] / (double)s->n : 1.0;
}

void zt_aws_s3_free(struct zt_aws_s3_scan *s)
{
    free(s->buckets);
    *s = (struct zt_aws_s3_scan){0};
}

int zt_aws_s3_emit(struct zt_aws_run *run)
{
    static const struct {
        const char *count, *share;
    } keys[_ZT_AWS_S3M_MAX] = {
        [ZT_AWS_S3M_KMS] = {"aws.s3.sse_kms_buckets", "aws.s3.sse_kms_share"},
        [ZT_AWS_S3M_VERSIONED] = {"aws.s3.versioned_buckets", "aws.s3.versioning_share"},
        [ZT_AWS_S3M_LOCKED] = {"aws.s3.object_lock_buckets", "aws.s3.object_lock_share"},
        [ZT_AWS_S3M_PAB] = {"aws.s3.public_access_blocked_buckets",
                            "aws.s3.public_access_blocked_share"},
        [ZT_AWS_S3M_PUBLIC] = {"aws.s3.public_policy_buckets", NULL},
        [ZT_AWS_S3M_REPLICATED] = {"aws.s3.replicated_buckets", "aws.s3.replication_share"},
    };
    const struct zt_aws_s3_scan *s3 = &run->acct.s3;
    int n = 0;

    if (!s3->listed) {
        return 0;
    }
    n += zt_emit_int(run->ctx, "aws.s3.buckets", (int64_t)s3->n) == 0;
    for (int m = 0; m < _ZT_AWS_S3M_MAX; m++) {
        if (!zt_aws_s3_known(s3, m)) {
            continue;
        }
        n += zt_emit_int(run->ctx, keys[m].count, (int64_t)s3->count[m]) == 0;
        if (keys[m].share) {
            n += zt_emit_double(run->ctx, keys[m].share, zt_aws_s3_share(s3, m)) == 0;
        }
    }
    return n;
}
