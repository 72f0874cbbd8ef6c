/* aws_call.h - one signed call of the aws collector, shared by the request side (aws_fetch.c)
 * and the answer side (aws_answer.c). Internal to collectors/aws. */
#pragma once

#include "aws.h"

#define ZT_AWS_PAGES_MAX      10000u /* pages of one list (DescribeSecurityGroups, ListDetectors) */
#define ZT_AWS_PAGES_MAX_TEXT "10000" /* the same, in messages */

struct zt_aws_call {
    struct zt_aws_call *next;
    struct zt_aws_run *run;
    enum zt_aws_api api;
    struct zt_aws_region *region; /* NULL: an account-wide call */
    struct zt_http_result res;
    bool handled;              /* its answer reached a callback */
    unsigned page;             /* of a paged list */
    char arg[ZT_AWS_XML_TEXT]; /* NextToken sent, detector id or trail ARN */
};

/* What a request carries besides its signature. */
struct zt_aws_spec {
    enum zt_aws_api api;
    struct zt_aws_region *region;
    const char *scope; /* signing region */
    const char *path;  /* path and query as sent */
    const char *body;  /* NULL for GET */
    const char *arg;
    unsigned page;
};

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
