/* aws_xml.h - the XML answers of the AWS Query and REST-XML APIs (EC2, IAM, STS, S3 Control) read
 * with libxml2's streaming reader: no tree is built, so a page of security groups costs its text
 * and a few counters. Pure functions over a body; shared with the unit tests and fuzzers. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ZT_AWS_XML_DEPTH   24u   /* element nesting accepted */
#define ZT_AWS_XML_TEXT    8192u /* text of one element (a nextToken is ~1 KiB) */
#define ZT_AWS_DETAIL_MAX  50u   /* offending groups listed in evidence detail */
#define ZT_AWS_ID_MAX      96u
#define ZT_AWS_CODE_MAX    96u
#define ZT_AWS_MESSAGE_MAX 256u

/* The element path of the current node: local names (namespaces ignored), root first. */
struct zt_aws_xml_path {
    const char *names[ZT_AWS_XML_DEPTH];
    unsigned depth;
};

/* Called at each element's start (text NULL) and end (text = its own text, trimmed, possibly
 * ""). Return 0 to go on or a negative errno to stop the walk with it. */
typedef int (*zt_aws_xml_fn)(void *data, const struct zt_aws_xml_path *p, const char *text);

/* Walk the document body[0..len). Returns 0, the callback's error, or -EBADMSG for a malformed
 * document (also: a DTD, nesting deeper than ZT_AWS_XML_DEPTH, an element text longer than
 * ZT_AWS_XML_TEXT) with "line N: reason" in err. */
int zt_aws_xml_walk(const char *body, size_t len, zt_aws_xml_fn fn, void *data, char *err,
                    size_t errlen);
/* Whether the path is exactly the given names (NULL-terminated; "*" matches any one name). */
bool zt_aws_xml_path_is(const struct zt_aws_xml_path *p, ...);

/* An AWS error answer (EC2 <Response><Errors><Error>, IAM/STS <ErrorResponse><Error>, S3
 * <Error>, or JSON {"__type"|"code", "message"}). */
struct zt_aws_error {
    char code[ZT_AWS_CODE_MAX];
    char message[ZT_AWS_MESSAGE_MAX];
};
/* Fill e from an error body (XML or JSON); returns 0 when a code was found, else -ENOENT. A JSON
 * "__type" of "prefix#Code" keeps Code. */
int zt_aws_error_parse(const char *body, size_t len, struct zt_aws_error *e);
/* Throttling codes (Throttling, ThrottlingException, RequestLimitExceeded, SlowDown, ...). */
bool zt_aws_error_is_throttling(const char *code);
/* Codes that mean "this principal may not do that" (UnauthorizedOperation, AccessDenied,
 * AccessDeniedException, ...): the evidence is unknown, the collector partial. */
bool zt_aws_error_is_denied(const char *code);
/* Codes that reject the credentials themselves (ExpiredToken, SignatureDoesNotMatch, AuthFailure,
 * InvalidClientTokenId, RequestExpired, ...): every call will fail the same way. */
bool zt_aws_error_is_credentials(const char *code);

/* DescribeSecurityGroups: counters over every group seen, folded page by page. */
struct zt_aws_sg_scan {
    uint64_t groups;     /* security groups seen */
    uint64_t open_admin; /* groups with world ingress on an administrative port */
    uint64_t open_all;   /* groups with world ingress on every TCP port or protocol */
    uint64_t iac;        /* groups a CloudFormation stack manages (aws:cloudformation:stack-id) */
    uint64_t pages;
    unsigned n_offenders; /* entries in offenders (at most ZT_AWS_DETAIL_MAX) */
    char offenders[ZT_AWS_DETAIL_MAX][ZT_AWS_ID_MAX]; /* "sg-1 tcp/22" */
    char next_token[ZT_AWS_XML_TEXT];                 /* of the last page, "" at the end */
    /* the group and permission being read */
    char group_id[ZT_AWS_ID_MAX];
    int group_port; /* first administrative port open to the world, -1 none, 0 every port */
    bool group_all;
    char proto[16];
    long from, to;
    bool has_from, has_to, world;
    bool group_iac;
};
/* Whether a tag key marks a resource created by infrastructure as code (a CloudFormation
 * stack's aws:cloudformation:stack-id). */
bool zt_aws_iac_tag(const char *key);
/* The administrative TCP ports (SSH, RDP, databases, remote admin, ...), 0-terminated. */
extern const int zt_aws_admin_ports[];
/* Reset s before the first page. */
void zt_aws_sg_scan_init(struct zt_aws_sg_scan *s);
/* Fold one DescribeSecurityGroupsResponse page into s (next_token updated). Returns 0, or
 * -EBADMSG with the reason in err (malformed, or another document). */
int zt_aws_sg_page(struct zt_aws_sg_scan *s, const char *body, size_t len, char *err,
                   size_t errlen);
/* Whether a CIDR ("0.0.0.0/0", "::/0") covers every address (prefix length 0). */
bool zt_aws_cidr_is_world(const char *cidr);

/* Small documents. Each returns 0, -ENOENT when the field is missing, or -EBADMSG (err). */
/* GetAccountSummary: AccountMFAEnabled (and AccountAccessKeysPresent, -1 when absent). */
int zt_aws_iam_summary(const char *body, size_t len, bool *mfa, int *root_keys, char *err,
                       size_t errlen);
/* GetCallerIdentity: the 12-digit Account into account (at least 16 bytes). */
int zt_aws_sts_account(const char *body, size_t len, char *account, size_t alen, char *err,
                       size_t errlen);
/* GetEbsEncryptionByDefault: ebsEncryptionByDefault. */
int zt_aws_ebs_default(const char *body, size_t len, bool *enabled, char *err, size_t errlen);
/* GetPublicAccessBlock (S3 Control): the four flags; all[] in the order BlockPublicAcls,
 * IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets (a missing flag is false). */
int zt_aws_s3_pab(const char *body, size_t len, bool flags[4], char *err, size_t errlen);
extern const char *const zt_aws_s3_pab_names[4];

/* ---- S3 buckets (aws_s3_xml.c) ------------------------------------------------------------ */

#define ZT_AWS_REGION_MAX 33u

/* Count the elements at path (root first, NULL-terminated, "*" any name), how many hold want
 * (n_want, may be NULL) and the first one's text. Returns 0, -ENOENT (none), or -EBADMSG
 * (malformed, or the root is not path[0]). */
int zt_aws_xml_values(const char *body, size_t len, const char *const *path, const char *want,
                      unsigned *n_want, char *first, size_t first_len, char *err, size_t errlen);
/* Called per bucket of a ListBuckets page (region "" when BucketRegion is absent). */
typedef int (*zt_aws_bucket_fn)(void *data, const char *name, const char *region);
/* ListAllMyBucketsResult: every bucket to fn, and ContinuationToken into next ("" at the end). */
int zt_aws_s3_buckets(const char *body, size_t len, zt_aws_bucket_fn fn, void *data, char *next,
                      size_t next_len, char *err, size_t errlen);
enum zt_aws_sse {
    ZT_AWS_SSE_NONE, /* no default encryption configured (or an unknown algorithm) */
    ZT_AWS_SSE_S3,   /* AES256: keys S3 manages */
    ZT_AWS_SSE_KMS,  /* aws:kms or aws:kms:dsse: keys in KMS */
};
/* GetBucketEncryption: the default rule's SSEAlgorithm. */
int zt_aws_s3_encryption(const char *body, size_t len, enum zt_aws_sse *sse, char *err,
                         size_t errlen);
/* GetBucketVersioning: Status Enabled (Suspended and never-enabled buckets answer otherwise). */
int zt_aws_s3_versioning(const char *body, size_t len, bool *enabled, char *err, size_t errlen);
/* GetObjectLockConfiguration: ObjectLockEnabled Enabled. */
int zt_aws_s3_object_lock(const char *body, size_t len, bool *enabled, char *err, size_t errlen);
/* GetBucketPolicyStatus: IsPublic. */
int zt_aws_s3_policy_public(const char *body, size_t len, bool *is_public, char *err,
                            size_t errlen);
/* GetBucketReplication: at least one rule with Status Enabled. */
int zt_aws_s3_replication(const char *body, size_t len, bool *enabled, char *err, size_t errlen);

/* ELBv2 DescribeLoadBalancers: one page's load balancers, counted. */
struct zt_aws_elb_page {
    uint64_t lbs, multi_az, internet_facing; /* multi_az: AvailabilityZones >= 2 */
    char next[1024];                         /* NextMarker, "" on the last page */
    unsigned zones;                          /* of the load balancer being read */
    bool internet;
};
int zt_aws_elb_read(const char *body, size_t len, struct zt_aws_elb_page *e, char *err,
                    size_t errlen);
/* The ARNs of a DescribeLoadBalancers page's internet-facing application load balancers, added
 * to the JSON array arns. Returns 0 or -EBADMSG. */
struct json_object;
int zt_aws_elb_internet_albs(const char *body, size_t len, struct json_object *arns);
/* ---- ELBv2 listeners (aws_elb_xml.c) ---- */
#define ZT_AWS_ARN_MAX 256u /* a listener ARN: load balancer name (32) and two ids */
/* Called per load balancer of a DescribeLoadBalancers page: its ARN, internet-facing or not. */
typedef int (*zt_aws_lb_fn)(void *data, const char *arn, bool internet_facing);
/* Every load balancer of a DescribeLoadBalancers page to fn. Returns 0, fn's error or
 * -EBADMSG. */
int zt_aws_elb_lbs(const char *body, size_t len, zt_aws_lb_fn fn, void *data);
/* One listener of a DescribeListeners page. */
struct zt_aws_listener {
    char arn[ZT_AWS_ARN_MAX];
    char protocol[16];   /* HTTP, HTTPS, TCP, TLS, UDP, TCP_UDP, GENEVE */
    char ssl_policy[96]; /* HTTPS and TLS listeners: the security policy's name */
    long port;
    bool redirects_https; /* a default action is a redirect with Protocol HTTPS */
};
typedef int (*zt_aws_listener_fn)(void *data, const struct zt_aws_listener *l);
/* Every listener of a DescribeListeners page to fn, NextMarker into next ("" on the last
 * page). Returns 0, fn's error, or -EBADMSG with the reason in err. */
int zt_aws_elb_listeners(const char *body, size_t len, zt_aws_listener_fn fn, void *data,
                         char *next, size_t next_len, char *err, size_t errlen);
/* HTTPS or TLS: the load balancer terminates TLS. */
bool zt_aws_listener_tls(const struct zt_aws_listener *l);
/* The listener encrypts: HTTPS or TLS, or HTTP whose default action redirects to HTTPS (TCP,
 * UDP and TCP_UDP pass bytes through: nothing the API shows says they are encrypted). */
bool zt_aws_listener_encrypts(const struct zt_aws_listener *l);
/* A predefined security policy that accepts no TLS version below 1.2 (ELBSecurityPolicy-
 * TLS13-1-2-*, TLS13-1-3-*, TLS-1-2-*, FS-1-2-*, FIPS and PQ variants included); any other
 * name, NULL included, is not. */
bool zt_aws_tls_policy_modern(const char *policy);
/* DescribeVpcs (vpcId of every VPC) or DescribeFlowLogs (resourceId of every ACTIVE flow log)
 * added to ids; nextToken into next. Returns 0 or -EBADMSG. */
int zt_aws_ec2_ids(const char *body, size_t len, bool flow_logs, struct json_object *ids,
                   char *next, size_t next_len);
/* Called per <member> of a Query answer's list (Response/Result/List/member) with the texts of
 * the requested fields ("" when absent), found on the member or one level below it. */
typedef int (*zt_aws_member_fn)(void *data, const char *const values[4]);
/* Walk such an answer whose root element is root; NextToken into next. 0 or -EBADMSG. */
int zt_aws_xml_members(const char *body, size_t len, const char *root, const char *const *fields,
                       zt_aws_member_fn fn, void *data, char *next, size_t next_len);
