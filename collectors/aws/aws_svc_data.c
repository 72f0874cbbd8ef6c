/* aws_svc_data.c - the aws collector's calls that say how data and networks are governed, per
 * region: AWS Config advanced queries (data stores, and those carrying the classification tag;
 * through an aggregator too when one exists), Macie classification jobs, bucket statistics and
 * findings publication (when Macie is enabled), Security Hub finding aggregators, Inspector
 * coverage of ECR images and Lambda functions (when those scans are on), Backup restore testing
 * plans, and each Network Firewall's policy and logging. Readers in aws_svc_data_json.c. */
#include "aws_call.h"

/* Inspector coverage calls: tag bit 0 = scanned actively, bit 1 = Lambda (else ECR images). */
#define INS_ACTIVE 1u
#define INS_LAMBDA 2u

/* A Config advanced query (tag 1: the classified data stores). */
static int cfg_select(struct zt_aws_run *run, struct zt_aws_region *rg, const char *aggregator,
                      unsigned tag)
{
    struct zt_aws_rsvc *r = zt_aws_rsvc(run, rg);
    const char *key =
        run->opt->classification_tag ? run->opt->classification_tag : "data-classification";
    _cleanup_free_ char *q = zt_aws_cfg_data_query(tag ? key : NULL);
    if (!q) {
        run->failed++;
        r->cfg_select.failed = true;
        return 0;
    }
    const char *kv[] = {"Expression", q, "ConfigurationAggregatorName", aggregator, NULL};
    _cleanup_free_ char *body = zt_aws_json_body(kv);
    return zt_aws_svc_call(run, rg, aggregator ? ZT_AWS_CFG_SELECT_AGG : ZT_AWS_CFG_SELECT,
                           aggregator ? &r->cfg_agg_select : &r->cfg_select, "/", body, aggregator,
                           NULL, 0, tag);
}

int zt_aws_data_page(struct zt_aws_run *run, struct zt_aws_region *rg, enum zt_aws_api api,
                     const char *token, unsigned page)
{
    struct zt_aws_rsvc *r = zt_aws_rsvc(run, rg);
    _cleanup_free_ char *enc = token ? zt_http_urlencode(token) : NULL;
    _cleanup_free_ char *path = NULL;
    if (api == ZT_AWS_MACIE_JOBS) { /* POST with a JSON body; Macie's default page size */
        const char *kv[] = {"nextToken", token, NULL};
        _cleanup_free_ char *body = zt_aws_json_body(kv);
        return zt_aws_svc_call(run, rg, api, &r->macie_data, "/jobs/list", body, NULL, token, page,
                               0);
    }
    bool sh = api == ZT_AWS_SH_AGGREGATORS;
    path = zt_xasprintf("%s%s%s",
                        sh ? "/findingAggregator/list?MaxResults=100"
                           : "/restore-testing/plans?MaxResults=1000",
                        enc ? "&NextToken=" : "", enc ? enc : "");
    return zt_aws_svc_call(run, rg, api, sh ? &r->sh_agg : &r->bk_restore, path, NULL, NULL, token,
                           page, 0);
}

void zt_aws_data_start(struct zt_aws_run *run, struct zt_aws_region *rg)
{
    cfg_select(run, rg, NULL, 0);
    cfg_select(run, rg, NULL, 1);
    zt_aws_data_page(run, rg, ZT_AWS_SH_AGGREGATORS, NULL, 0);
    zt_aws_data_page(run, rg, ZT_AWS_BK_RESTORE_TESTS, NULL, 0);
}

void zt_aws_data_macie(struct zt_aws_run *run, struct zt_aws_region *rg, bool enabled)
{
    struct zt_aws_rsvc *r = zt_aws_rsvc(run, rg);
    const char *none[] = {NULL};
    _cleanup_free_ char *empty = zt_aws_json_body(none);
    if (!enabled) { /* known: Macie off, nothing classified, nothing published */
        r->macie_data.started = true;
        return;
    }
    zt_aws_data_page(run, rg, ZT_AWS_MACIE_JOBS, NULL, 0);
    zt_aws_svc_call(run, rg, ZT_AWS_MACIE_BUCKETS, &r->macie_data, "/datasources/s3/statistics",
                    empty, NULL, NULL, 0, 0);
    zt_aws_svc_call(run, rg, ZT_AWS_MACIE_PUBLISH, &r->macie_data,
                    "/findings-publication-configuration", NULL, NULL, NULL, 0, 0);
}

/* Four totals: ECR images and Lambda functions, all and those scanned actively. */
void zt_aws_data_inspector(struct zt_aws_run *run, struct zt_aws_region *rg, bool scanning)
{
    struct zt_aws_rsvc *r = zt_aws_rsvc(run, rg);
    r->ins_activated = scanning;
    if (!scanning) { /* not activated for ECR and Lambda: no coverage to ask, and not a fail */
        r->ins_cov.started = true;
        return;
    }
    for (unsigned tag = 0; tag < 4; tag++) {
        struct json_object *o = json_object_new_object(), *f = json_object_new_object();
        struct json_object *type = json_object_new_object();
        json_object_object_add(type, "comparison", json_object_new_string("EQUALS"));
        json_object_object_add(type, "value",
                               json_object_new_string(tag & INS_LAMBDA
                                                          ? "AWS_LAMBDA_FUNCTION"
                                                          : "AWS_ECR_CONTAINER_IMAGE"));
        json_object_object_add(f, "resourceType", json_object_new_array());
        json_object_array_add(json_object_object_get(f, "resourceType"), type);
        if (tag & INS_ACTIVE) {
            struct json_object *st = json_object_new_object();
            json_object_object_add(st, "comparison", json_object_new_string("EQUALS"));
            json_object_object_add(st, "value", json_object_new_string("ACTIVE"));
            json_object_object_add(f, "scanStatusCode", json_object_new_array());
            json_object_array_add(json_object_object_get(f, "scanStatusCode"), st);
        }
        json_object_object_add(o, "filterCriteria", f);
        _cleanup_free_ char *body = zt_xstrdup(json_object_to_json_string_ext(
            o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(o);
        zt_aws_svc_call(run, rg, ZT_AWS_INS_COVERAGE, &r->ins_cov, "/coverage/statistics/list",
                        body, NULL, NULL, 0, tag);
    }
}

/* A firewall described: its policy and its logging asked, on the firewall's track. */
int zt_aws_data_firewall(struct zt_aws_call *c, struct json_object *fw)
{
    const char *arn = zt_json_str(fw, "FirewallArn"), *pol = zt_json_str(fw, "FirewallPolicyArn");
    if (!arn || !pol) {
        return -EBADMSG;
    }
    const char *p[] = {"FirewallPolicyArn", pol, NULL}, *l[] = {"FirewallArn", arn, NULL};
    _cleanup_free_ char *b1 = zt_aws_json_body(p);
    _cleanup_free_ char *b2 = zt_aws_json_body(l);
    zt_aws_svc_call(c->run, c->region, ZT_AWS_NFW_POLICY, c->track, "/", b1, pol, NULL, 0, 0);
    return zt_aws_svc_call(c->run, c->region, ZT_AWS_NFW_LOGGING, c->track, "/", b2, arn, NULL, 0,
                           0);
}

/* An aggregator listed: its configuration asked in the region that holds it. */
static int on_sh_aggregator(void *data, const char *arn, struct json_object *entry)
{
    struct zt_aws_call *c = data;
    char enc[ZT_AWS_ID_MAX * 6], home[ZT_AWS_REGION_MAX] = "";
    /* arn:aws:securityhub:REGION:ACCOUNT:finding-aggregator/ID: counted and read where it lives */
    if (sscanf(arn, "arn:%*[^:]:securityhub:%31[^:]:", home) != 1) {
        return -EBADMSG;
    }
    if (!zt_streq(home, c->region->name)) {
        return 0;
    }
    zt_aws_rsvc(c->run, c->region)->sh_aggregators++;
    if (zt_sigv4_uri_encode(arn, strlen(arn), true, enc, sizeof(enc)) < 0) {
        return -EBADMSG;
    }
    _cleanup_free_ char *path = zt_xasprintf("/findingAggregator/get/%s", enc);
    return zt_aws_svc_call(c->run, c->region, ZT_AWS_SH_AGGREGATOR, c->track, path, NULL, arn, NULL,
                           0, 0);
}

static int on_aggregator(struct zt_aws_call *c, struct json_object *page)
{
    const char *names[ZT_AWS_REGIONS_MAX];
    bool all = false;
    for (size_t i = 0; i < c->run->n_regions; i++) {
        names[i] = c->run->regions[i].name;
    }
    int r = zt_aws_sh_links_all(page, names, c->run->n_regions, &all);
    zt_aws_rsvc(c->run, c->region)->sh_links_all |= r == 0 && all;
    return r;
}

/* The first Config aggregator of a region: both queries through it. */
int zt_aws_data_aggregator(struct zt_aws_call *c, struct json_object *page)
{
    struct json_object *l = zt_json_array(page, "ConfigurationAggregators");
    struct zt_aws_rsvc *r = zt_aws_rsvc(c->run, c->region);
    const char *name =
        l && json_object_array_length(l)
            ? zt_json_str(json_object_array_get_idx(l, 0), "ConfigurationAggregatorName")
            : NULL;
    if (!name || r->cfg_agg_select.started) {
        return 0;
    }
    cfg_select(c->run, c->region, name, 0);
    return cfg_select(c->run, c->region, name, 1);
}

int zt_aws_data_answer(struct zt_aws_call *c, struct json_object *page, char *next, size_t nl)
{
    struct zt_aws_rsvc *r = zt_aws_rsvc(c->run, c->region);
    uint64_t n = 0;
    bool b = false;
    int rc;

    switch (c->api) {
    case ZT_AWS_CFG_SELECT: /* COUNT(*) without GROUP BY: one row, no next page */
        return zt_aws_cfg_select_count(page, c->tag ? &r->data_classified : &r->data_stores, NULL,
                                       0);
    case ZT_AWS_CFG_SELECT_AGG:
        r->agg_queried = true;
        return zt_aws_cfg_select_count(page, c->tag ? &r->agg_data_classified : &r->agg_data_stores,
                                       NULL, 0);
    case ZT_AWS_MACIE_JOBS:
        r->macie_job_buckets =
            r->macie_job_buckets ? r->macie_job_buckets : json_object_new_array();
        return zt_aws_macie_jobs(page, &r->macie_jobs, &r->macie_criteria_jobs,
                                 r->macie_job_buckets, next, nl);
    case ZT_AWS_MACIE_BUCKETS:
        return zt_aws_macie_buckets(page, &r->macie_buckets, &r->macie_classified);
    case ZT_AWS_MACIE_PUBLISH:
        rc = zt_aws_macie_publish(page, &b);
        r->macie_publish = b;
        return rc;
    case ZT_AWS_SH_AGGREGATORS:
        return zt_aws_json_ids(page, "FindingAggregators", "FindingAggregatorArn", on_sh_aggregator,
                               c, next, nl);
    case ZT_AWS_SH_AGGREGATOR:
        return on_aggregator(c, page);
    case ZT_AWS_INS_COVERAGE:
        rc = zt_aws_ins_total(page, &n);
        *(c->tag & INS_ACTIVE ? &r->ins_active : &r->ins_resources) += n;
        return rc;
    case ZT_AWS_BK_RESTORE_TESTS:
        return zt_aws_restore_tests(page, (int64_t)(zt_now_real_usec() / ZT_USEC_PER_SEC),
                                    &r->restore_plans, &r->restore_recent, next, nl);
    case ZT_AWS_NFW_POLICY:
        rc = zt_aws_nfw_policy_drops(page, &b);
        r->nfw_drop += rc == 0 && b;
        return rc;
    case ZT_AWS_NFW_LOGGING:
        rc = zt_aws_nfw_logs(page, &b);
        r->nfw_logged += rc == 0 && b;
        return rc;
    default:
        return -EBADMSG;
    }
}
