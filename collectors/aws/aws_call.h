/* aws_call.h - one signed call of the aws collector, shared by the request side (aws_fetch.c)
 * and the answer side (aws_answer.c). Internal to collectors/aws. */
#pragma once

#include "aws.h"

#define ZT_AWS_PAGES_MAX      10000u /* pages of one list (DescribeSecurityGroups, ListDetectors) */
#define ZT_AWS_PAGES_MAX_TEXT "10000" /* the same, in messages */

/* How an operation is called (aws_api.c). */
enum zt_aws_proto {
    ZT_AWS_QUERY,     /* POST form Action=...&Version=..., XML answer (EC2, IAM, STS, ELBv2) */
    ZT_AWS_JSON10,    /* POST JSON, X-Amz-Target, application/x-amz-json-1.0 */
    ZT_AWS_JSON11,    /* the same with application/x-amz-json-1.1 */
    ZT_AWS_REST_JSON, /* method and path name the operation, JSON answer */
    ZT_AWS_REST_XML,  /* the same with XML answers (S3, S3 Control) */
};

struct zt_aws_api_desc {
    const char *op;      /* "GetBucketEncryption" */
    const char *service; /* signing name ("s3") */
    const char *host;    /* endpoint prefix when it differs ("s3-control"), else NULL */
    enum zt_aws_proto proto;
    const char *target; /* JSON protocols: X-Amz-Target prefix ("TrentService") */
    bool global;        /* one endpoint without a region (iam.amazonaws.com) */
};

struct zt_aws_call {
    struct zt_aws_call *next;
    struct zt_aws_run *run;
    enum zt_aws_api api;
    struct zt_aws_region *region; /* NULL: an account-wide call */
    struct zt_aws_bucket *bucket; /* S3 per-bucket calls */
    struct zt_http_result res;
    bool handled;  /* its answer reached a callback */
    unsigned page; /* of a paged list */
    char *arg;     /* NextToken sent, detector id or trail ARN ("" for none; owned) */
    char *id;      /* the object the call is about (a plan id, a policy id; owned, may be NULL) */
    struct zt_aws_track *track; /* the evidence it serves (aws_svc.c), or NULL */
    unsigned tag;               /* a call-specific small value (an Organizations policy type) */
};

/* What a request carries besides its signature. */
struct zt_aws_spec {
    enum zt_aws_api api;
    struct zt_aws_region *region;
    const char *scope; /* signing region */
    const char *path;  /* path and query as sent */
    const char *body;  /* NULL for GET */
    const char *arg;
    const char *id;
    struct zt_aws_bucket *bucket; /* S3: the bucket named in the URL */
    struct zt_aws_track *track;
    unsigned tag;
    unsigned page;
};

/* The description of operation a (NULL for an unknown value). */
const struct zt_aws_api_desc *zt_aws_api_desc(enum zt_aws_api a);
/* Whether a's answer is JSON (else XML, read raw). */
bool zt_aws_api_json(enum zt_aws_api a);
/* The URL of request s: the service's regional (or global) endpoint, S3 buckets virtual-hosted
 * (path style for dotted names), or path style behind the endpoint_url override. */
void zt_aws_api_url(const struct zt_aws_run *run, const struct zt_aws_spec *s, char *buf,
                    size_t len);
/* The headers a's protocol signs besides Host and X-Amz-Date (Content-Type, X-Amz-Target,
 * X-Amz-Content-Sha256, ...) into h (cap entries; target holds the X-Amz-Target value). Returns
 * how many, or -ENOBUFS. */
int zt_aws_api_headers(const struct zt_aws_run *run, const struct zt_aws_spec *s,
                       const char *payload_hash, struct zt_sigv4_header *h, size_t cap,
                       char *target, size_t target_len);
/* Whether error code, answered to a, means "not configured" (S3's NoSuchBucketPolicy and kin):
 * the setting is unset, which is evidence, not a failure. */
bool zt_aws_api_unset(enum zt_aws_api a, const char *code);

/* Record a failure of call c ("DescribeSecurityGroups in eu-west-1: ..."): its evidence is
 * unknown and the collector partial. Returns 0 (the group goes on). */
int zt_aws_call_failed(struct zt_aws_call *c, int err, const char *fmt, ...) _printf_(3, 4);
/* Sign and submit one call; failures are recorded. Returns 0. */
int zt_aws_call_add(struct zt_aws_run *run, const struct zt_aws_spec *s);
/* Submit the DescribeSecurityGroups / ListDetectors page after token (NULL: the first). */
int zt_aws_add_groups_page(struct zt_aws_run *run, struct zt_aws_region *rg, const char *token,
                           unsigned page);
int zt_aws_add_detectors_page(struct zt_aws_run *run, struct zt_aws_region *rg, const char *token,
                              unsigned page);
/* on_page of every call (aws.c installs it as run->on_page): errors, answers, and the calls they
 * lead to (aws_answer.c). */
int zt_aws_on_page(void *data, const struct zt_http_page *p);

/* S3 per bucket (aws_s3.c): an answer of ListBuckets or a bucket call; a bucket call that got
 * no answer (unset: S3 said "not configured", which is evidence; else failed). */
int zt_aws_s3_answer(struct zt_aws_call *c, const struct zt_http_page *p, const char *body,
                     size_t len);
int zt_aws_s3_not_answered(struct zt_aws_call *c, bool unset);

/* Macie, Config, Backup, Security Hub, EventBridge, ELBv2, Organizations (aws_svc.c): an answer;
 * an error answer that means "not enabled here" (true: handled as evidence). */
int zt_aws_svc_answer(struct zt_aws_call *c, const struct zt_http_page *p, const char *body,
                      size_t len);
bool zt_aws_svc_not_enabled(struct zt_aws_call *c, const struct zt_aws_error *e);

/* Helpers of aws_svc.c shared with aws_svc_org.c. */
struct zt_aws_rsvc *zt_aws_rsvc(struct zt_aws_run *run, const struct zt_aws_region *rg);
/* A JSON body from key/value pairs (NULL values left out; "#Key" an integer, "[Key" a
 * one-string array), NULL-terminated. Returns a new string. */
char *zt_aws_json_body(const char *const *kv);
/* One call of api in region rg (NULL: account-wide, signed for us-east-1) serving track t. */
int zt_aws_svc_call(struct zt_aws_run *run, struct zt_aws_region *rg, enum zt_aws_api api,
                    struct zt_aws_track *t, const char *path, const char *body, const char *id,
                    const char *token, unsigned page, unsigned tag);
/* A JSON-protocol list call: body {"NextToken": token, k: v}. */
int zt_aws_json_list(struct zt_aws_run *run, struct zt_aws_region *rg, enum zt_aws_api api,
                     struct zt_aws_track *t, const char *k, const char *v, const char *token,
                     unsigned page, unsigned tag);
int zt_aws_org_policies(struct zt_aws_run *run, unsigned type, const char *token, unsigned page);
int zt_aws_waf_acls(struct zt_aws_run *run, struct zt_aws_region *rg, const char *token,
                    unsigned page);
/* Answers of WAFv2 and Organizations calls (aws_svc_org.c). */
int zt_aws_on_waf(struct zt_aws_call *c, struct json_object *page, char *next, size_t nl);
int zt_aws_on_org(struct zt_aws_call *c, struct json_object *page, char *next, size_t nl);
/* Auto Scaling and CloudFormation (aws_svc_apps.c): start a region, a page, an answer, and the
 * groups that heal and scale on their own. */
void zt_aws_apps_start(struct zt_aws_run *run, struct zt_aws_region *rg);
int zt_aws_apps_page(struct zt_aws_run *run, struct zt_aws_region *rg, enum zt_aws_api api,
                     const char *token, unsigned page);
int zt_aws_apps_answer(struct zt_aws_call *c, const char *body, size_t len, char *next, size_t nl);
uint64_t zt_aws_apps_adaptive(const struct zt_aws_run *run);
/* ELBv2 (aws_svc_elb.c): a DescribeLoadBalancers page (token NULL: the first); a
 * DescribeListeners page of load balancer lb (tagged internet-facing or not); an answer of
 * either (a load balancer page asks each one's listeners); the listener evidence. */
int zt_aws_elb_lbs_page(struct zt_aws_run *run, struct zt_aws_region *rg, const char *token,
                        unsigned page);
int zt_aws_elb_listeners_page(struct zt_aws_run *run, struct zt_aws_region *rg, const char *lb,
                              bool internet, const char *token, unsigned page);
int zt_aws_elb_answer(struct zt_aws_call *c, const char *body, size_t len, char *next, size_t nl,
                      char *err, size_t el);
int zt_aws_elb_emit(struct zt_aws_run *run);
/* Network Firewall: a listed firewall (zt_aws_id_fn), and its DescribeFirewall answer. */
int zt_aws_on_firewall(void *data, const char *arn, struct json_object *entry);
int zt_aws_on_firewall_described(struct zt_aws_call *c, struct json_object *page);
/* Data and network governance (aws_svc_data.c): a region's first calls; Macie's data calls
 * once its session is known (enabled or not); Inspector coverage once the ECR and Lambda scans
 * are known on (or not: coverage known empty); a page of a paged list (ListClassificationJobs,
 * ListFindingAggregators, ListRestoreTestingPlans); the queries through a region's first Config
 * aggregator; a described firewall's policy and logging; an answer. */
void zt_aws_data_start(struct zt_aws_run *run, struct zt_aws_region *rg);
void zt_aws_data_macie(struct zt_aws_run *run, struct zt_aws_region *rg, bool enabled);
void zt_aws_data_inspector(struct zt_aws_run *run, struct zt_aws_region *rg, bool scanning);
int zt_aws_data_page(struct zt_aws_run *run, struct zt_aws_region *rg, enum zt_aws_api api,
                     const char *token, unsigned page);
int zt_aws_data_aggregator(struct zt_aws_call *c, struct json_object *page);
int zt_aws_data_firewall(struct zt_aws_call *c, struct json_object *fw);
int zt_aws_data_answer(struct zt_aws_call *c, struct json_object *page, char *next, size_t nl);
/* KMS: a listed key (zt_aws_id_fn), and its DescribeKey answer. */
int zt_aws_on_kms_key(void *data, const char *id, struct json_object *entry);
int zt_aws_on_kms_describe(struct zt_aws_call *c, struct json_object *page);
