/* aws_s3_xml.c - readers of S3's REST-XML answers about buckets (ListBuckets, encryption,
 * versioning, Object Lock, policy status, replication) and of the Query XML of ELBv2 load
 * balancers and EC2 VPCs and flow logs: pure functions over a body, on the bounded streaming
 * walk of aws_xml.c. */
#include "aws_xml.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "util.h"

/* Elements at a path: how many, how many hold want, and the first one's text. */
struct values {
    const char *const *path; /* root first, NULL-terminated; "*" any name */
    const char *want;
    unsigned n, n_want;
    char first[ZT_AWS_ID_MAX];
    bool wrong_root;
};

static bool path_match(const struct zt_aws_xml_path *p, const char *const *want)
{
    unsigned i = 0;
    for (; want[i]; i++) {
        if (i >= p->depth || (!zt_streq(want[i], "*") && !zt_streq(want[i], p->names[i]))) {
            return false;
        }
    }
    return i == p->depth;
}

static int on_value(void *data, const struct zt_aws_xml_path *p, const char *text)
{
    struct values *v = data;
    if (p->depth == 1 && !text && !zt_streq(p->names[0], v->path[0])) {
        v->wrong_root = true;
        return -EMEDIUMTYPE;
    }
    if (!text || !path_match(p, v->path)) {
        return 0;
    }
    if (v->n++ == 0) {
        snprintf(v->first, sizeof(v->first), "%s", text);
    }
    v->n_want += v->want && zt_streq(text, v->want);
    return 0;
}

int zt_aws_xml_values(const char *body, size_t len, const char *const *path, const char *want,
                      unsigned *n_want, char *first, size_t first_len, char *err, size_t errlen)
{
    struct values v = {.path = path, .want = want};
    int r = zt_aws_xml_walk(body, len, on_value, &v, err, errlen);
    if (r == -EMEDIUMTYPE) {
        snprintf(err, errlen, "expected a <%s> document", path[0]);
        return -EBADMSG;
    }
    if (r < 0) {
        return r;
    }
    if (n_want) {
        *n_want = v.n_want;
    }
    if (first) {
        snprintf(first, first_len, "%s", v.first);
    }
    return v.n ? 0 : -ENOENT;
}

/* ---- ListBuckets -------------------------------------------------------------------------- */

struct buckets {
    zt_aws_bucket_fn fn;
    void *data;
    char name[ZT_AWS_ID_MAX], region[ZT_AWS_REGION_MAX];
    char *next;
    size_t next_len;
    bool root_seen;
};

static int on_bucket(void *data, const struct zt_aws_xml_path *p, const char *text)
{
    struct buckets *b = data;
    if (p->depth == 1 && !text) {
        return zt_streq(p->names[0], "ListAllMyBucketsResult") ? 0 : -EMEDIUMTYPE;
    }
    if (zt_aws_xml_path_is(p, "*", "Buckets", "Bucket", NULL)) {
        if (!text) {
            b->name[0] = b->region[0] = '\0';
            return 0;
        }
        if (!b->name[0]) {
            return -EDOM;
        }
        return b->fn(b->data, b->name, b->region);
    }
    if (!text) {
        return 0;
    }
    if (zt_aws_xml_path_is(p, "*", "Buckets", "Bucket", "Name", NULL)) {
        if (!text[0] || strlen(text) >= sizeof(b->name)) {
            return -EDOM;
        }
        snprintf(b->name, sizeof(b->name), "%s", text);
    } else if (zt_aws_xml_path_is(p, "*", "Buckets", "Bucket", "BucketRegion", NULL)) {
        snprintf(b->region, sizeof(b->region), "%.*s", (int)sizeof(b->region) - 1, text);
    } else if (zt_aws_xml_path_is(p, "*", "ContinuationToken", NULL)) {
        if (strlen(text) >= b->next_len) {
            return -EDOM;
        }
        snprintf(b->next, b->next_len, "%s", text);
    }
    return 0;
}

int zt_aws_s3_buckets(const char *body, size_t len, zt_aws_bucket_fn fn, void *data, char *next,
                      size_t next_len, char *err, size_t errlen)
{
    struct buckets b = {.fn = fn, .data = data, .next = next, .next_len = next_len};
    next[0] = '\0';
    int r = zt_aws_xml_walk(body, len, on_bucket, &b, err, errlen);
    if (r == -EMEDIUMTYPE) {
        snprintf(err, errlen, "expected a <ListAllMyBucketsResult> document");
        return -EBADMSG;
    }
    if (r == -EDOM) {
        snprintf(err, errlen, "a bucket without a valid <Name>, or an oversized token");
        return -EBADMSG;
    }
    return r;
}

/* ---- one bucket's settings ---------------------------------------------------------------- */

int zt_aws_s3_encryption(const char *body, size_t len, enum zt_aws_sse *sse, char *err,
                         size_t errlen)
{
    static const char *const path[] = {"ServerSideEncryptionConfiguration", "Rule",
                                       "ApplyServerSideEncryptionByDefault", "SSEAlgorithm", NULL};
    char alg[ZT_AWS_ID_MAX];
    int r = zt_aws_xml_values(body, len, path, NULL, NULL, alg, sizeof(alg), err, errlen);
    if (r == -ENOENT) {
        *sse = ZT_AWS_SSE_NONE;
        return 0;
    }
    if (r < 0) {
        return r;
    }
    /* aws:kms and aws:kms:dsse are both keys in KMS; AES256 is SSE-S3 */
    *sse = strncmp(alg, "aws:kms", 7) == 0 ? ZT_AWS_SSE_KMS
           : zt_streq(alg, "AES256")       ? ZT_AWS_SSE_S3
                                           : ZT_AWS_SSE_NONE;
    return 0;
}

/* A document whose one setting is "on" when the element at path holds want. */
static int s3_flag(const char *body, size_t len, const char *const *path, const char *want,
                   bool *on, char *err, size_t errlen)
{
    unsigned n = 0;
    int r = zt_aws_xml_values(body, len, path, want, &n, NULL, 0, err, errlen);
    if (r < 0 && r != -ENOENT) {
        return r;
    }
    *on = n > 0;
    return 0;
}

int zt_aws_s3_versioning(const char *body, size_t len, bool *enabled, char *err, size_t errlen)
{
    static const char *const path[] = {"VersioningConfiguration", "Status", NULL};
    return s3_flag(body, len, path, "Enabled", enabled, err, errlen);
}

int zt_aws_s3_object_lock(const char *body, size_t len, bool *enabled, char *err, size_t errlen)
{
    static const char *const path[] = {"ObjectLockConfiguration", "ObjectLockEnabled", NULL};
    return s3_flag(body, len, path, "Enabled", enabled, err, errlen);
}

int zt_aws_s3_policy_public(const char *body, size_t len, bool *is_public, char *err, size_t errlen)
{
    static const char *const path[] = {"PolicyStatus", "IsPublic", NULL};
    return s3_flag(body, len, path, "true", is_public, err, errlen);
}

int zt_aws_s3_replication(const char *body, size_t len, bool *enabled, char *err, size_t errlen)
{
    static const char *const path[] = {"ReplicationConfiguration", "Rule", "Status", NULL};
    return s3_flag(body, len, path, "Enabled", enabled, err, errlen);
}

/* ---- ELBv2 DescribeLoadBalancers (Query XML) ------------------------------------------------ */

static int on_elb(void *data, const struct zt_aws_xml_path *p, const char *text)
{
    struct zt_aws_elb_page *e = data;
    if (p->depth == 1 && !text) {
        return zt_streq(p->names[0], "DescribeLoadBalancersResponse") ? 0 : -EMEDIUMTYPE;
    }
    if (zt_aws_xml_path_is(p, "*", "*", "LoadBalancers", "member", NULL)) {
        if (!text) {
            e->zones = 0;
            e->internet = false;
            return 0;
        }
        e->lbs++;
        e->multi_az += e->zones >= 2;
        e->internet_facing += e->internet;
        return 0;
    }
    if (text && zt_aws_xml_path_is(p, "*", "*", "LoadBalancers", "member", "AvailabilityZones",
                                   "member", NULL)) {
        e->zones++;
    } else if (text && zt_aws_xml_path_is(p, "*", "*", "LoadBalancers", "member", "Scheme", NULL)) {
        e->internet = zt_streq(text, "internet-facing");
    } else if (text && zt_aws_xml_path_is(p, "*", "*", "NextMarker", NULL)) {
        if (strlen(text) >= sizeof(e->next)) {
            return -EDOM;
        }
        snprintf(e->next, sizeof(e->next), "%s", text);
    }
    return 0;
}

int zt_aws_elb_read(const char *body, size_t len, struct zt_aws_elb_page *e, char *err,
                    size_t errlen)
{
    *e = (struct zt_aws_elb_page){0};
    int r = zt_aws_xml_walk(body, len, on_elb, e, err, errlen);
    if (r == -EMEDIUMTYPE || r == -EDOM) {
        snprintf(err, errlen, "expected a <DescribeLoadBalancersResponse> document");
        return -EBADMSG;
    }
    return r;
}

struct elb_albs {
    struct json_object *arns;
    char arn[ZT_AWS_ID_MAX * 2], scheme[32], type[32];
};

static int on_alb(void *data, const struct zt_aws_xml_path *p, const char *text)
{
    struct elb_albs *a = data;
    if (zt_aws_xml_path_is(p, "*", "*", "LoadBalancers", "member", NULL)) {
        if (!text) {
            a->arn[0] = a->scheme[0] = a->type[0] = '\0';
        } else if (a->arn[0] && zt_streq(a->scheme, "internet-facing") &&
                   zt_streq(a->type, "application")) {
            json_object_array_add(a->arns, json_object_new_string(a->arn));
        }
        return 0;
    }
    if (!text || p->depth != 5 ||
        !zt_aws_xml_path_is(p, "*", "*", "LoadBalancers", "member", "*", NULL)) {
        return 0;
    }
    const char *name = p->names[4];
    char *dst = zt_streq(name, "LoadBalancerArn") ? a->arn
                : zt_streq(name, "Scheme")        ? a->scheme
                : zt_streq(name, "Type")          ? a->type
                                                  : NULL;
    size_t cap = dst == a->arn ? sizeof(a->arn) : sizeof(a->scheme);
    if (dst) {
        snprintf(dst, cap, "%s", text);
    }
    return 0;
}

int zt_aws_elb_internet_albs(const char *body, size_t len, struct json_object *arns)
{
    struct elb_albs a = {.arns = arns};
    char err[128];
    return zt_aws_xml_walk(body, len, on_alb, &a, err, sizeof(err)) < 0 ? -EBADMSG : 0;
}

/* ---- EC2 DescribeVpcs / DescribeFlowLogs (Query XML) --------------------------------------- */

struct ec2_ids {
    const char *root, *set, *id, *status; /* status NULL: every item counts */
    struct json_object *ids;
    char cur[ZT_AWS_ID_MAX], next[1024];
    bool active;
};

static int on_ec2_id(void *data, const struct zt_aws_xml_path *p, const char *text)
{
    struct ec2_ids *e = data;
    if (p->depth == 1 && !text) {
        return zt_streq(p->names[0], e->root) ? 0 : -EMEDIUMTYPE;
    }
    if (zt_aws_xml_path_is(p, "*", e->set, "item", NULL)) {
        if (!text) {
            e->cur[0] = '\0';
            e->active = !e->status;
        } else if (e->cur[0] && e->active) {
            json_object_array_add(e->ids, json_object_new_string(e->cur));
        }
        return 0;
    }
    if (!text) {
        return 0;
    }
    if (zt_aws_xml_path_is(p, "*", e->set, "item", e->id, NULL)) {
        snprintf(e->cur, sizeof(e->cur), "%s", text);
    } else if (e->status && zt_aws_xml_path_is(p, "*", e->set, "item", "flowLogStatus", NULL)) {
        e->active = zt_streq(text, e->status);
    } else if (zt_aws_xml_path_is(p, "*", "nextToken", NULL)) {
        snprintf(e->next, sizeof(e->next), "%s", text);
    }
    return 0;
}

int zt_aws_ec2_ids(const char *body, size_t len, bool flow_logs, struct json_object *ids,
                   char *next, size_t next_len)
{
    struct ec2_ids e = {
        .root = flow_logs ? "DescribeFlowLogsResponse" : "DescribeVpcsResponse",
        .set = flow_logs ? "flowLogSet" : "vpcSet",
        .id = flow_logs ? "resourceId" : "vpcId",
        .status = flow_logs ? "ACTIVE" : NULL,
        .ids = ids,
    };
    char err[128];
    if (zt_aws_xml_walk(body, len, on_ec2_id, &e, err, sizeof(err)) < 0) {
        return -EBADMSG;
    }
    snprintf(next, next_len, "%s", e.next);
    return 0;
}

/* ---- Auto Scaling groups and policies, CloudFormation stacks (Query XML) -------------------- */

struct members {
    const char *root;
    const char *const *fields; /* member fields copied, NULL-terminated */
    zt_aws_member_fn fn;
    void *data;
    char values[4][ZT_AWS_ID_MAX];
    char next[1024];
};

static int on_member(void *data, const struct zt_aws_xml_path *p, const char *text)
{
    struct members *m = data;
    if (p->depth == 1 && !text) {
        return zt_streq(p->names[0], m->root) ? 0 : -EMEDIUMTYPE;
    }
    if (p->depth == 4 && zt_streq(p->names[3], "member")) { /* Result/List/member */
        if (!text) {
            memset(m->values, 0, sizeof(m->values));
            return 0;
        }
        const char *v[4] = {m->values[0], m->values[1], m->values[2], m->values[3]};
        return m->fn(m->data, v);
    }
    if (!text) {
        return 0;
    }
    if (p->depth == 3 && zt_streq(p->names[2], "NextToken")) {
        snprintf(m->next, sizeof(m->next), "%s", text);
        return 0;
    }
    /* a field of the member, or one level down (DriftInformation/StackDriftStatus) */
    if (p->depth >= 5 && p->depth <= 6 && zt_streq(p->names[3], "member")) {
        for (int i = 0; m->fields[i] && i < 4; i++) {
            if (zt_streq(p->names[p->depth - 1], m->fields[i])) {
                snprintf(m->values[i], sizeof(m->values[i]), "%s", text);
            }
        }
    }
    return 0;
}

int zt_aws_xml_members(const char *body, size_t len, const char *root, const char *const *fields,
                       zt_aws_member_fn fn, void *data, char *next, size_t next_len)
{
    struct members m = {.root = root, .fields = fields, .fn = fn, .data = data};
    char err[128];
    if (zt_aws_xml_walk(body, len, on_member, &m, err, sizeof(err)) < 0) {
        return -EBADMSG;
    }
    snprintf(next, next_len, "%s", m.next);
    return 0;
}
