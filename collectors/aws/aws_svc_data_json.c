/* aws_svc_data_json.c - pure readers of the answers of aws_svc_data.c (Config advanced queries,
 * Macie jobs and statistics, Security Hub finding aggregators, Inspector coverage, Backup restore
 * tests, Network Firewall policies and logging), shared with the unit tests. Each returns 0 or
 * -EBADMSG (another or a malformed document). */
#include "aws.h"

#define RESTORE_WINDOW_SECONDS (30 * 24 * 3600) /* a restore test "recent": in 30 days */

/* The data stores AWS Config records whose category a tag would carry. */
#define DATA_TYPES                                                                                 \
    "'AWS::S3::Bucket', 'AWS::RDS::DBInstance', 'AWS::RDS::DBCluster', 'AWS::DynamoDB::Table', "   \
    "'AWS::EFS::FileSystem', 'AWS::Redshift::Cluster', 'AWS::OpenSearch::Domain'"

static void next_token(struct json_object *page, const char *key, char *next, size_t next_len)
{
    const char *t = zt_json_str(page, key);
    if (next) {
        snprintf(next, next_len, "%s", t && strlen(t) < next_len ? t : "");
    }
}

/* An integer member (json-c reads AWS's longs as int64). */
static int json_u64(struct json_object *o, const char *key, uint64_t *v)
{
    struct json_object *x = NULL;
    if (!json_object_object_get_ex(o, key, &x) || !json_object_is_type(x, json_type_int) ||
        json_object_get_int64(x) < 0) {
        return -EBADMSG;
    }
    *v = (uint64_t)json_object_get_int64(x);
    return 0;
}

char *zt_aws_cfg_data_query(const char *tag)
{
    if (tag && strpbrk(tag, "'\"\\")) {
        return NULL;
    }
    return zt_xasprintf("SELECT COUNT(*) WHERE resourceType IN (" DATA_TYPES ")%s%s%s",
                        tag ? " AND tags.key = '" : "", tag ? tag : "", tag ? "'" : "");
}

int zt_aws_cfg_select_count(struct json_object *page, uint64_t *n, char *next, size_t next_len)
{
    struct json_object *l = zt_json_array(page, "Results");
    if (!l) {
        return -EBADMSG;
    }
    next_token(page, "NextToken", next, next_len);
    for (size_t i = 0; i < json_object_array_length(l); i++) {
        struct json_object *s = json_object_array_get_idx(l, i), *row = NULL;
        uint64_t c = 0;
        if (!json_object_is_type(s, json_type_string)) {
            return -EBADMSG;
        }
        const char *text = json_object_get_string(s);
        if (zt_json_parse(text, strlen(text), 8, &row, NULL, 0) < 0) {
            return -EBADMSG;
        }
        int r = json_u64(row, "COUNT(*)", &c);
        json_object_put(row);
        if (r < 0) {
            return r;
        }
        *n += c;
    }
    return 0;
}

static bool listed(struct json_object *l, const char *name)
{
    for (size_t i = 0; l && i < json_object_array_length(l); i++) {
        if (zt_streq(json_object_get_string(json_object_array_get_idx(l, i)), name)) {
            return true;
        }
    }
    return false;
}

/* The buckets a job's bucketDefinitions name, each once, into buckets. */
static int job_buckets(struct json_object *job, struct json_object *buckets)
{
    struct json_object *defs = zt_json_array(job, "bucketDefinitions");
    for (size_t i = 0; defs && i < json_object_array_length(defs); i++) {
        struct json_object *names = zt_json_array(json_object_array_get_idx(defs, i), "buckets");
        if (!names) {
            return -EBADMSG;
        }
        for (size_t k = 0; k < json_object_array_length(names); k++) {
            const char *b = json_object_get_string(json_object_array_get_idx(names, k));
            if (b && !listed(buckets, b) &&
                json_object_array_length(buckets) < ZT_AWS_BUCKETS_NAMED_MAX) {
                json_object_array_add(buckets, json_object_new_string(b));
            }
        }
    }
    return 0;
}

int zt_aws_macie_jobs(struct json_object *page, uint64_t *scheduled, uint64_t *by_criteria,
                      struct json_object *buckets, char *next, size_t next_len)
{
    struct json_object *l = zt_json_array(page, "items"), *crit = NULL;
    if (!l) {
        return -EBADMSG;
    }
    next_token(page, "nextToken", next, next_len);
    for (size_t i = 0; i < json_object_array_length(l); i++) {
        struct json_object *job = json_object_array_get_idx(l, i);
        const char *type = zt_json_str(job, "jobType"), *status = zt_json_str(job, "jobStatus");
        if (!type || !status) {
            return -EBADMSG;
        }
        /* IDLE: a scheduled job between two runs; PAUSED, USER_PAUSED, CANCELLED: not running */
        if (!zt_streq(type, "SCHEDULED") ||
            (!zt_streq(status, "RUNNING") && !zt_streq(status, "IDLE"))) {
            continue;
        }
        (*scheduled)++;
        if (json_object_object_get_ex(job, "bucketCriteria", &crit)) {
            (*by_criteria)++;
        } else if (job_buckets(job, buckets) < 0) {
            return -EBADMSG;
        }
    }
    return 0;
}

int zt_aws_macie_buckets(struct json_object *page, uint64_t *buckets, uint64_t *classified)
{
    struct json_object *by = NULL;
    uint64_t n = 0, sensitive = 0, not_sensitive = 0;
    if (json_u64(page, "bucketCount", &n) < 0) {
        return -EBADMSG;
    }
    if (json_object_object_get_ex(page, "bucketStatisticsBySensitivity", &by)) {
        struct json_object *s = NULL, *ns = NULL;
        if (json_object_object_get_ex(by, "sensitive", &s)) {
            json_u64(s, "totalCount", &sensitive);
        }
        if (json_object_object_get_ex(by, "notSensitive", &ns)) {
            json_u64(ns, "totalCount", &not_sensitive);
        }
    }
    if (sensitive + not_sensitive > n) {
        return -EBADMSG;
    }
    *buckets += n;
    *classified += sensitive + not_sensitive;
    return 0;
}

int zt_aws_macie_publish(struct json_object *page, bool *classification)
{
    struct json_object *sh = NULL, *v = NULL;
    if (!json_object_object_get_ex(page, "securityHubConfiguration", &sh) ||
        !json_object_is_type(sh, json_type_object)) {
        return -EBADMSG;
    }
    *classification = json_object_object_get_ex(sh, "publishClassificationFindings", &v) &&
                      json_object_get_boolean(v);
    return 0;
}

int zt_aws_sh_links_all(struct json_object *page, const char *const *regions, size_t n, bool *all)
{
    const char *mode = zt_json_str(page, "RegionLinkingMode");
    const char *home = zt_json_str(page, "FindingAggregationRegion");
    struct json_object *l = zt_json_array(page, "Regions");
    if (!mode || !home) {
        return -EBADMSG;
    }
    bool every = zt_streq(mode, "ALL_REGIONS"),
         except = zt_streq(mode, "ALL_REGIONS_EXCEPT_SPECIFIED"),
         only = zt_streq(mode, "SPECIFIED_REGIONS");
    if (!every && !except && !only && !zt_streq(mode, "NO_REGIONS")) {
        return -EBADMSG;
    }
    *all = true;
    for (size_t i = 0; i < n; i++) {
        bool linked = zt_streq(regions[i], home) || every || (except && !listed(l, regions[i])) ||
                      (only && listed(l, regions[i]));
        *all = *all && linked;
    }
    return 0;
}

int zt_aws_ins_total(struct json_object *page, uint64_t *n)
{
    return json_u64(page, "totalCounts", n);
}

int zt_aws_restore_tests(struct json_object *page, int64_t now, uint64_t *plans, uint64_t *recent,
                         char *next, size_t next_len)
{
    struct json_object *l = zt_json_array(page, "RestoreTestingPlans");
    if (!l) {
        return -EBADMSG;
    }
    next_token(page, "NextToken", next, next_len);
    for (size_t i = 0; i < json_object_array_length(l); i++) {
        struct json_object *p = json_object_array_get_idx(l, i), *t = NULL;
        if (!zt_json_str(p, "RestoreTestingPlanName")) {
            return -EBADMSG;
        }
        (*plans)++;
        /* REST-JSON timestamps: Unix seconds, possibly with a fraction */
        if (json_object_object_get_ex(p, "LastExecutionTime", &t)) {
            if (!json_object_is_type(t, json_type_double) &&
                !json_object_is_type(t, json_type_int)) {
                return -EBADMSG;
            }
            double at = json_object_get_double(t);
            *recent += at <= (double)now + 300 && at >= (double)(now - RESTORE_WINDOW_SECONDS);
        }
    }
    return 0;
}

int zt_aws_nfw_policy_drops(struct json_object *page, bool *drops)
{
    struct json_object *pol = NULL;
    if (!json_object_object_get_ex(page, "FirewallPolicy", &pol) ||
        !json_object_is_type(pol, json_type_object)) {
        return -EBADMSG;
    }
    /* without a stateful default action (action order), what no rule drops passes */
    struct json_object *acts = zt_json_array(pol, "StatefulDefaultActions");
    *drops = listed(acts, "aws:drop_strict") || listed(acts, "aws:drop_established");
    return 0;
}

int zt_aws_nfw_logs(struct json_object *page, bool *logs)
{
    struct json_object *cfg = NULL;
    *logs = false;
    if (!json_object_object_get_ex(page, "LoggingConfiguration", &cfg)) {
        return zt_json_str(page, "FirewallArn") ? 0 : -EBADMSG; /* no logging configured */
    }
    struct json_object *l = zt_json_array(cfg, "LogDestinationConfigs");
    if (!l) {
        return -EBADMSG;
    }
    for (size_t i = 0; i < json_object_array_length(l); i++) {
        const char *type = zt_json_str(json_object_array_get_idx(l, i), "LogType");
        *logs = *logs || (type && (zt_streq(type, "ALERT") || zt_streq(type, "FLOW")));
    }
    return 0;
}
