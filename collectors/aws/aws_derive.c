/* aws_derive.c - the aws collector's JSON answers (CloudTrail JSON 1.1, GuardDuty REST-JSON) and
 * the evidence of a run: account-wide facts, and per-region facts combined over every region
 * (false as soon as one region is known to fail, unknown while a region is not known). */
#include "aws.h"

int zt_aws_ct_multi_region(struct json_object *page, char arns[][ZT_AWS_ID_MAX * 2], size_t cap,
                           size_t *n)
{
    struct json_object *list = zt_json_array(page, "trailList"), *v = NULL;

    *n = 0;
    if (!list) {
        return -EBADMSG;
    }
    for (size_t i = 0; i < json_object_array_length(list) && *n < cap; i++) {
        struct json_object *t = json_object_array_get_idx(list, i);
        const char *id = zt_json_str(t, "TrailARN");
        id = id ? id : zt_json_str(t, "Name");
        if (id && json_object_object_get_ex(t, "IsMultiRegionTrail", &v) &&
            json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v)) {
            snprintf(arns[(*n)++], ZT_AWS_ID_MAX * 2, "%s", id);
        }
    }
    return 0;
}

int zt_aws_ct_is_logging(struct json_object *page, bool *logging)
{
    struct json_object *v = NULL;
    if (!json_object_is_type(page, json_type_object) ||
        !json_object_object_get_ex(page, "IsLogging", &v) ||
        !json_object_is_type(v, json_type_boolean)) {
        return -EBADMSG;
    }
    *logging = json_object_get_boolean(v);
    return 0;
}

int zt_aws_gd_detectors(struct json_object *page, char ids[][ZT_AWS_ID_MAX], size_t cap, size_t *n,
                        char *next, size_t next_len)
{
    struct json_object *list = zt_json_array(page, "detectorIds"), *token = NULL;

    *n = 0;
    next[0] = '\0';
    if (!list || json_object_array_length(list) > cap) {
        return -EBADMSG; /* more than one detector per region cannot be: not a list to cut */
    }
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        struct json_object *id = json_object_array_get_idx(list, i);
        if (!json_object_is_type(id, json_type_string) || !json_object_get_string_len(id) ||
            (size_t)json_object_get_string_len(id) >= ZT_AWS_ID_MAX) {
            return -EBADMSG;
        }
        snprintf(ids[(*n)++], ZT_AWS_ID_MAX, "%s", json_object_get_string(id));
    }
    /* Absent, null or "": the last page. A token that is no string, or one too long to send
     * back whole, would end the list early: the page is malformed instead. */
    if (!json_object_object_get_ex(page, "nextToken", &token) ||
        json_object_is_type(token, json_type_null)) {
        return 0;
    }
    if (!json_object_is_type(token, json_type_string) ||
        (size_t)json_object_get_string_len(token) >= next_len) {
        return -EBADMSG;
    }
    snprintf(next, next_len, "%s", json_object_get_string(token));
    return 0;
}

int zt_aws_gd_enabled(struct json_object *page, bool *enabled)
{
    const char *status = zt_json_str(page, "status");
    if (!status || (!zt_streq(status, "ENABLED") && !zt_streq(status, "DISABLED"))) {
        return -EBADMSG;
    }
    *enabled = zt_streq(status, "ENABLED");
    return 0;
}

bool zt_aws_gd_s3_protection(struct json_object *page)
{
    struct json_object *l = zt_json_array(page, "features"), *ds = NULL, *s3 = NULL;
    for (size_t i = 0; l && i < json_object_array_length(l); i++) {
        struct json_object *f = json_object_array_get_idx(l, i);
        const char *name = zt_json_str(f, "name"), *status = zt_json_str(f, "status");
        if (name && status && zt_streq(name, "S3_DATA_EVENTS")) {
            return zt_streq(status, "ENABLED");
        }
    }
    const char *status = json_object_object_get_ex(page, "dataSources", &ds) &&
                                 json_object_object_get_ex(ds, "s3Logs", &s3)
                             ? zt_json_str(s3, "status")
                             : NULL;
    return status && zt_streq(status, "ENABLED");
}

/* ---- evidence --------------------------------------------------------------------------- */

static struct json_object *fact_json(enum zt_aws_fact f)
{
    return f == ZT_AWS_UNKNOWN ? NULL : json_object_new_boolean(f == ZT_AWS_TRUE);
}

static int emit_fact(struct zt_aws_run *run, const char *key, enum zt_aws_fact f,
                     struct json_object *detail)
{
    if (f == ZT_AWS_UNKNOWN) {
        json_object_put(detail);
        return 0;
    }
    return zt_emit(run->ctx, key, fact_json(f), detail) == 0 ? 1 : 0;
}

/* AND over regions: false if one is false, unknown if one is unknown, else true. */
static enum zt_aws_fact and_fact(enum zt_aws_fact acc, enum zt_aws_fact f)
{
    if (acc == ZT_AWS_FALSE || f == ZT_AWS_FALSE) {
        return ZT_AWS_FALSE;
    }
    return acc == ZT_AWS_UNKNOWN || f == ZT_AWS_UNKNOWN ? ZT_AWS_UNKNOWN : ZT_AWS_TRUE;
}

static enum zt_aws_fact guardduty_fact(const struct zt_aws_region *rg)
{
    if (rg->gd_enabled) {
        return ZT_AWS_TRUE;
    }
    return rg->gd_failed || !rg->gd_listed ? ZT_AWS_UNKNOWN : ZT_AWS_FALSE;
}

/* One fact per region, combined: key = AND, detail {"regions": {name: true|false|null}}. */
static int emit_regional(struct zt_aws_run *run, const char *key, bool guardduty)
{
    struct json_object *per = json_object_new_object();
    enum zt_aws_fact all = ZT_AWS_TRUE;

    for (size_t i = 0; i < run->n_regions; i++) {
        const struct zt_aws_region *rg = &run->regions[i];
        enum zt_aws_fact f = guardduty ? guardduty_fact(rg) : rg->ebs;
        all = and_fact(all, f);
        json_object_object_add(per, rg->name, fact_json(f));
    }
    struct json_object *detail = json_object_new_object();
    json_object_object_add(detail, "regions", per);
    return emit_fact(run, key, all, detail);
}

/* S3 Protection in every region: known when GuardDuty is known everywhere. */
static int emit_gd_s3(struct zt_aws_run *run)
{
    bool all = true;
    for (size_t i = 0; i < run->n_regions; i++) {
        const struct zt_aws_region *rg = &run->regions[i];
        if (guardduty_fact(rg) == ZT_AWS_UNKNOWN) {
            return 0;
        }
        all = all && rg->gd_enabled && rg->gd_s3;
    }
    return zt_emit_bool(run->ctx, "aws.guardduty.s3_protection", all) == 0;
}

static int emit_groups(struct zt_aws_run *run)
{
    uint64_t groups = 0, admin = 0, all_ports = 0, iac = 0;
    bool known = true;
    struct json_object *offenders = json_object_new_array();
    struct json_object *per = json_object_new_object();
    int n = 0;

    for (size_t i = 0; i < run->n_regions; i++) {
        const struct zt_aws_region *rg = &run->regions[i];
        bool ok = rg->sg_done && !rg->sg_failed;
        known = known && ok;
        groups += rg->sg->groups;
        admin += rg->sg->open_admin;
        all_ports += rg->sg->open_all;
        iac += rg->sg->iac;
        for (unsigned j = 0; j < rg->sg->n_offenders; j++) {
            if (json_object_array_length(offenders) < ZT_AWS_DETAIL_MAX) {
                char *s = zt_xasprintf("%s %s", rg->name, rg->sg->offenders[j]);
                json_object_array_add(offenders, json_object_new_string(s));
                free(s);
            }
        }
        json_object_object_add(per, rg->name,
                               ok ? json_object_new_int64((int64_t)rg->sg->open_admin) : NULL);
    }
    /* An open group seen is a fact even if another region could not be listed. */
    enum zt_aws_fact none_open = admin > 0 ? ZT_AWS_FALSE : known ? ZT_AWS_TRUE : ZT_AWS_UNKNOWN;
    struct json_object *detail = json_object_new_object();
    json_object_object_add(detail, "open_groups", offenders);
    json_object_object_add(detail, "open_admin_per_region", per);
    n += emit_fact(run, "aws.ec2.no_admin_ports_open_to_world", none_open, detail);
    if (known) {
        n += zt_emit_int(run->ctx, "aws.ec2.security_groups", (int64_t)groups) == 0;
        n += zt_emit_int(run->ctx, "aws.ec2.sg_open_admin_ports", (int64_t)admin) == 0;
        n += zt_emit_int(run->ctx, "aws.ec2.sg_open_all_ports", (int64_t)all_ports) == 0;
        n += zt_emit_int(run->ctx, "aws.ec2.sg_iac", (int64_t)iac) == 0;
        n += zt_emit_double(run->ctx, "aws.ec2.sg_iac_share",
                            groups ? (double)iac / (double)groups : 1.0) == 0;
    }
    return n;
}

static enum zt_aws_fact cloudtrail_fact(const struct zt_aws_run *run)
{
    if (run->ct_logging == ZT_AWS_TRUE) {
        return ZT_AWS_TRUE;
    }
    return run->ct_failed || !run->ct_described ? ZT_AWS_UNKNOWN : ZT_AWS_FALSE;
}

int zt_aws_emit(struct zt_aws_run *run)
{
    int n = 0;
    struct json_object *detail = NULL;

    n += emit_fact(run, "aws.iam.root_mfa_enabled", run->root_mfa, NULL);
    n += emit_fact(run, "aws.iam.root_access_keys_present", run->root_keys, NULL);
    if (run->ct_logging == ZT_AWS_TRUE) {
        detail = json_object_new_object();
        json_object_object_add(detail, "trail", json_object_new_string(run->ct_trail));
    }
    n += emit_fact(run, "aws.cloudtrail.multi_region_logging", cloudtrail_fact(run), detail);
    detail = json_object_new_object();
    for (int i = 0; i < 4; i++) {
        json_object_object_add(detail, zt_aws_s3_pab_names[i],
                               json_object_new_boolean(run->pab_flags[i]));
    }
    n += emit_fact(run, "aws.s3.account_public_access_block", run->pab, detail);
    n += emit_regional(run, "aws.ebs.encryption_by_default", false);
    n += emit_regional(run, "aws.guardduty.enabled", true);
    n += emit_gd_s3(run);
    n += emit_groups(run);
    n += zt_aws_s3_emit(run);
    n += zt_aws_svc_emit(run);
    return n;
}
