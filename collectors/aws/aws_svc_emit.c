/* aws_svc_emit.c - the evidence of aws_svc.c's services: per-region answers summed or combined
 * over every region (a key is left out while one region's calls are unknown), and the
 * organization's policies. */
#include "aws_call.h"

/* Whether the tracks at offset off of every region are done. */
static bool all_done(const struct zt_aws_run *run, size_t off)
{
    for (size_t i = 0; i < run->n_regions; i++) {
        const struct zt_aws_track *t = (const void *)((const char *)&run->acct.regions[i] + off);
        if (!ZT_AWS_TRACK_DONE(*t)) {
            return false;
        }
    }
    return run->n_regions > 0;
}

#define TRACK(f)   offsetof(struct zt_aws_rsvc, f)
#define SUM(field) sum(run, offsetof(struct zt_aws_rsvc, field))

static uint64_t sum(const struct zt_aws_run *run, size_t off)
{
    uint64_t n = 0;
    for (size_t i = 0; i < run->n_regions; i++) {
        n += *(const uint64_t *)((const char *)&run->acct.regions[i] + off);
    }
    return n;
}

/* A boolean over regions (every region true), with detail {"regions": {name: bool}}. */
static int emit_every(struct zt_aws_run *run, const char *key, size_t track, size_t flag)
{
    if (!all_done(run, track)) {
        return 0;
    }
    bool all = true;
    struct json_object *per = json_object_new_object(), *detail = json_object_new_object();
    for (size_t i = 0; i < run->n_regions; i++) {
        bool b = *(const bool *)((const char *)&run->acct.regions[i] + flag);
        all = all && b;
        json_object_object_add(per, run->regions[i].name, json_object_new_boolean(b));
    }
    json_object_object_add(detail, "regions", per);
    return zt_emit(run->ctx, key, json_object_new_boolean(all), detail) == 0;
}

static int emit_count(struct zt_aws_run *run, const char *key, size_t track, uint64_t n)
{
    return all_done(run, track) && zt_emit_int(run->ctx, key, (int64_t)n) == 0;
}

static double share(uint64_t n, uint64_t of)
{
    return of ? (double)n / (double)of : 1.0;
}

static int emit_config(struct zt_aws_run *run)
{
    int n = 0;
    /* a region records everything when its recorder records all types and is running */
    for (size_t i = 0; i < run->n_regions; i++) {
        struct zt_aws_rsvc *r = &run->acct.regions[i];
        r->recording = r->recording && r->recording_all;
    }
    if (all_done(run, TRACK(cfg_rec))) {
        n += emit_every(run, "aws.config.recording_all", TRACK(cfg_status),
                        offsetof(struct zt_aws_rsvc, recording));
    }
    n += emit_count(run, "aws.config.rules", TRACK(cfg_rules), SUM(rules));
    n += emit_count(run, "aws.config.auto_remediations", TRACK(cfg_rules), SUM(auto_remediations));
    n += emit_count(run, "aws.config.conformance_packs", TRACK(cfg_packs), SUM(packs));
    n += emit_count(run, "aws.config.conformance_packs_noncompliant", TRACK(cfg_packs),
                    SUM(packs_noncompliant));
    n += emit_count(run, "aws.config.aggregators", TRACK(cfg_agg), SUM(aggregators));
    return n;
}

static int emit_backup(struct zt_aws_run *run)
{
    int n = 0;
    n += emit_count(run, "aws.backup.plans", TRACK(bk_plans), SUM(plans));
    n += emit_count(run, "aws.backup.plans_with_selections", TRACK(bk_plans), SUM(plans_selected));
    n += emit_count(run, "aws.backup.vaults", TRACK(bk_vaults), SUM(vaults));
    if (all_done(run, TRACK(bk_vaults))) {
        n += zt_emit_double(run->ctx, "aws.backup.vault_lock_share",
                            share(SUM(vaults_locked), SUM(vaults))) == 0;
    }
    return n;
}

static int emit_response(struct zt_aws_run *run)
{
    int n = 0;
    for (size_t i = 0; i < run->n_regions; i++) {
        struct zt_aws_rsvc *r = &run->acct.regions[i];
        r->macie_auto_on = r->macie_auto_on && r->macie_on;
    }
    n += emit_every(run, "aws.macie.enabled", TRACK(macie), offsetof(struct zt_aws_rsvc, macie_on));
    if (all_done(run, TRACK(macie))) {
        n += emit_every(run, "aws.macie.automated_discovery", TRACK(macie_auto),
                        offsetof(struct zt_aws_rsvc, macie_auto_on));
    }
    n += emit_every(run, "aws.securityhub.enabled", TRACK(sh_std),
                    offsetof(struct zt_aws_rsvc, hub_on));
    n += emit_count(run, "aws.securityhub.standards", TRACK(sh_std), SUM(standards));
    n +=
        emit_count(run, "aws.securityhub.automation_rules", TRACK(sh_rules), SUM(automation_rules));
    n += emit_count(run, "aws.events.security_rules", TRACK(eb), SUM(sec_rules));
    n += emit_count(run, "aws.events.security_response_rules", TRACK(eb), SUM(sec_rules_acting));
    if (all_done(run, TRACK(eb))) {
        bool every = true;
        for (size_t i = 0; i < run->n_regions; i++) {
            every = every && run->acct.regions[i].sec_rules_acting > 0;
        }
        n += zt_emit_bool(run->ctx, "aws.events.security_response_all_regions", every) == 0;
    }
    return n;
}

static int emit_org(struct zt_aws_run *run)
{
    static const char *const keys[_ZT_AWS_ORG_POLICY_MAX] = {
        [ZT_AWS_ORG_SCP] = "aws.org.scps_attached",
        [ZT_AWS_ORG_TAG] = "aws.org.tag_policies_attached",
        [ZT_AWS_ORG_BACKUP] = "aws.org.backup_policies_attached",
        [ZT_AWS_ORG_RCP] = "aws.org.rcps_attached",
    };
    const struct zt_aws_org *org = &run->acct.org;
    int n = 0;

    if (!ZT_AWS_TRACK_DONE(org->describe)) {
        return 0;
    }
    n += zt_emit_bool(run->ctx, "aws.org.member", org->member) == 0;
    for (unsigned t = 0; t < _ZT_AWS_ORG_POLICY_MAX; t++) {
        /* outside an organization, or without all features, nothing can be attached */
        /* a member account cannot list SCPs or RCPs: unknown there, not an error */
        bool known = !org->member || !org->all_features || ZT_AWS_TRACK_DONE(org->policies[t]);
        if (known) {
            n += zt_emit_int(run->ctx, keys[t], (int64_t)org->attached[t]) == 0;
        }
    }
    return n;
}

static bool arn_in(struct json_object *arr, const char *arn)
{
    for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
        if (zt_streq(json_object_get_string(json_object_array_get_idx(arr, i)), arn)) {
            return true;
        }
    }
    return false;
}

/* Internet-facing application load balancers with a web ACL, and ACLs that adapt. */
static int emit_waf(struct zt_aws_run *run)
{
    uint64_t albs = 0, covered = 0;
    int n = 0;
    if (!all_done(run, TRACK(elb)) || !all_done(run, TRACK(waf))) {
        return 0;
    }
    struct json_object *bare = json_object_new_array();
    for (size_t i = 0; i < run->n_regions; i++) {
        const struct zt_aws_rsvc *r = &run->acct.regions[i];
        for (size_t k = 0; r->albs && k < json_object_array_length(r->albs); k++) {
            const char *arn = json_object_get_string(json_object_array_get_idx(r->albs, k));
            albs++;
            if (arn_in(r->protected_arns, arn)) {
                covered++;
            } else if (json_object_array_length(bare) < ZT_AWS_DETAIL_MAX) {
                json_object_array_add(bare, json_object_new_string(arn));
            }
        }
    }
    struct json_object *detail = json_object_new_object();
    json_object_object_add(detail, "unprotected", bare);
    n += zt_emit_int(run->ctx, "aws.waf.internet_albs", (int64_t)albs) == 0;
    n += zt_emit_int(run->ctx, "aws.waf.protected_internet_albs", (int64_t)covered) == 0;
    n += zt_emit(run->ctx, "aws.waf.internet_alb_coverage",
                 json_object_new_double(share(covered, albs)), detail) == 0;
    n += zt_emit_int(run->ctx, "aws.waf.web_acls", (int64_t)SUM(acls)) == 0;
    n += zt_emit_double(run->ctx, "aws.waf.adaptive_acl_share",
                        share(SUM(acls_adaptive), SUM(acls))) == 0;
    return n;
}

/* VPCs with an ACTIVE flow log on the VPC itself (subnet or ENI logs do not cover it). */
static int emit_flow_logs(struct zt_aws_run *run)
{
    uint64_t vpcs = 0, logged = 0;
    if (!all_done(run, TRACK(vpcs))) {
        return 0;
    }
    struct json_object *bare = json_object_new_array(), *detail = json_object_new_object();
    for (size_t i = 0; i < run->n_regions; i++) {
        const struct zt_aws_rsvc *r = &run->acct.regions[i];
        for (size_t k = 0; r->vpc_ids && k < json_object_array_length(r->vpc_ids); k++) {
            const char *id = json_object_get_string(json_object_array_get_idx(r->vpc_ids, k));
            vpcs++;
            if (arn_in(r->flow_ids, id)) {
                logged++;
            } else if (json_object_array_length(bare) < ZT_AWS_DETAIL_MAX) {
                char *s = zt_xasprintf("%s %s", run->regions[i].name, id);
                json_object_array_add(bare, json_object_new_string(s));
                free(s);
            }
        }
    }
    json_object_object_add(detail, "without_flow_logs", bare);
    int n = zt_emit_int(run->ctx, "aws.vpc.vpcs", (int64_t)vpcs) == 0;
    n += zt_emit_int(run->ctx, "aws.vpc.with_flow_logs", (int64_t)logged) == 0;
    n += zt_emit(run->ctx, "aws.vpc.flow_logs_share", json_object_new_double(share(logged, vpcs)),
                 detail) == 0;
    return n;
}

/* Data stores AWS Config records, and those carrying the classification tag; the same through
 * an aggregator (the one that sees the most, when several regions hold one). */
static int emit_config_data(struct zt_aws_run *run)
{
    int n = 0;
    if (all_done(run, TRACK(cfg_select))) {
        struct json_object *per = json_object_new_object(), *detail = json_object_new_object();
        for (size_t i = 0; i < run->n_regions; i++) {
            const struct zt_aws_rsvc *r = &run->acct.regions[i];
            uint64_t c[2] = {r->data_stores, r->data_classified};
            const char *names[2] = {"data_stores", "classified"};
            json_object_object_add(per, run->regions[i].name, zt_json_counts(names, c, 2));
        }
        json_object_object_add(detail, "tag",
                               json_object_new_string(run->opt->classification_tag
                                                          ? run->opt->classification_tag
                                                          : "data-classification"));
        json_object_object_add(detail, "regions", per);
        n += zt_emit_int(run->ctx, "aws.config.data_stores", (int64_t)SUM(data_stores)) == 0;
        n += zt_emit(run->ctx, "aws.config.data_classified_share",
                     json_object_new_double(share(SUM(data_classified), SUM(data_stores))),
                     detail) == 0;
    }
    const struct zt_aws_rsvc *best = NULL;
    for (size_t i = 0; i < run->n_regions; i++) {
        const struct zt_aws_rsvc *r = &run->acct.regions[i];
        if (r->cfg_agg_select.started && !ZT_AWS_TRACK_DONE(r->cfg_agg_select)) {
            return n; /* an aggregate query failed or is unanswered: unknown */
        }
        if (r->agg_queried && (!best || r->agg_data_stores > best->agg_data_stores)) {
            best = r;
        }
    }
    if (best) {
        n += zt_emit_int(run->ctx, "aws.config.aggregate_data_stores",
                         (int64_t)best->agg_data_stores) == 0;
        n += zt_emit_double(run->ctx, "aws.config.aggregate_data_classified_share",
                            share(best->agg_data_classified, best->agg_data_stores)) == 0;
    }
    return n;
}

/* Macie's jobs, statistics and publication: regions where Macie is off are listed, not counted. */
static int emit_macie_data(struct zt_aws_run *run)
{
    if (!all_done(run, TRACK(macie)) || !all_done(run, TRACK(macie_data))) {
        return 0;
    }
    struct json_object *off = json_object_new_array(), *detail = json_object_new_object();
    for (size_t i = 0; i < run->n_regions; i++) {
        if (!run->acct.regions[i].macie_on) {
            json_object_array_add(off, json_object_new_string(run->regions[i].name));
        }
    }
    json_object_object_add(detail, "macie_off", off);
    /* the buckets scheduled jobs name (at most ZT_AWS_DETAIL_MAX listed), and the jobs that
     * choose buckets by criteria at each run instead (new buckets included) */
    struct json_object *named = json_object_new_array(), *jobs = json_object_new_object();
    uint64_t n_named = 0;
    for (size_t i = 0; i < run->n_regions; i++) {
        struct json_object *b = run->acct.regions[i].macie_job_buckets;
        for (size_t k = 0; b && k < json_object_array_length(b); k++, n_named++) {
            if (json_object_array_length(named) < ZT_AWS_DETAIL_MAX) {
                json_object_array_add(named, json_object_get(json_object_array_get_idx(b, k)));
            }
        }
    }
    json_object_object_add(jobs, "buckets_named", json_object_new_int64((int64_t)n_named));
    json_object_object_add(jobs, "buckets", named);
    json_object_object_add(jobs, "jobs_by_criteria",
                           json_object_new_int64((int64_t)SUM(macie_criteria_jobs)));
    int n = zt_emit(run->ctx, "aws.macie.scheduled_jobs",
                    json_object_new_int64((int64_t)SUM(macie_jobs)), jobs) == 0;
    n += zt_emit_int(run->ctx, "aws.macie.buckets", (int64_t)SUM(macie_buckets)) == 0;
    n += zt_emit(run->ctx, "aws.macie.classified_bucket_share",
                 json_object_new_double(share(SUM(macie_classified), SUM(macie_buckets))),
                 detail) == 0;
    n += emit_every(run, "aws.macie.findings_to_securityhub", TRACK(macie_data),
                    offsetof(struct zt_aws_rsvc, macie_publish));
    return n;
}

/* Inspector coverage, and the regions where ECR and Lambda scans are not activated. */
static int emit_inspector_cov(struct zt_aws_run *run)
{
    if (!all_done(run, TRACK(ins_cov))) {
        return 0;
    }
    struct json_object *per = json_object_new_object(), *detail = json_object_new_object();
    for (size_t i = 0; i < run->n_regions; i++) {
        const struct zt_aws_rsvc *r = &run->acct.regions[i];
        uint64_t c[2] = {r->ins_resources, r->ins_active};
        const char *names[2] = {"resources", "active"};
        json_object_object_add(per, run->regions[i].name,
                               r->ins_activated ? zt_json_counts(names, c, 2)
                                                : json_object_new_string("not activated"));
    }
    json_object_object_add(detail, "regions", per);
    int n = zt_emit_int(run->ctx, "aws.inspector.ecr_lambda_resources",
                        (int64_t)SUM(ins_resources)) == 0;
    n += zt_emit(run->ctx, "aws.inspector.ecr_lambda_coverage_share",
                 json_object_new_double(share(SUM(ins_active), SUM(ins_resources))), detail) == 0;
    return n;
}

static int emit_data(struct zt_aws_run *run)
{
    int n = emit_config_data(run) + emit_macie_data(run) + emit_inspector_cov(run);
    n += emit_count(run, "aws.securityhub.finding_aggregators", TRACK(sh_agg), SUM(sh_aggregators));
    if (all_done(run, TRACK(sh_agg))) {
        bool linked = false;
        for (size_t i = 0; i < run->n_regions; i++) {
            linked = linked || run->acct.regions[i].sh_links_all;
        }
        n += zt_emit_bool(run->ctx, "aws.securityhub.aggregates_all_regions", linked) == 0;
    }
    n += emit_count(run, "aws.backup.restore_testing_plans", TRACK(bk_restore), SUM(restore_plans));
    n += emit_count(run, "aws.backup.restore_tested_recently", TRACK(bk_restore),
                    SUM(restore_recent));
    if (all_done(run, TRACK(nfw))) {
        n += zt_emit_double(run->ctx, "aws.nfw.drop_default_share",
                            share(SUM(nfw_drop), SUM(nfws))) == 0;
        n += zt_emit_double(run->ctx, "aws.nfw.logging_share", share(SUM(nfw_logged), SUM(nfws))) ==
             0;
    }
    return n;
}

int zt_aws_svc_emit(struct zt_aws_run *run)
{
    int n = emit_data(run) + zt_aws_elb_emit(run);
    n += emit_count(run, "aws.elb.load_balancers", TRACK(elb), SUM(lbs));
    n += emit_count(run, "aws.elb.internet_facing", TRACK(elb), SUM(lbs_internet));
    n += emit_count(run, "aws.elb.multi_az", TRACK(elb), SUM(lbs_multi_az));
    if (all_done(run, TRACK(elb))) {
        n += zt_emit_double(run->ctx, "aws.elb.multi_az_share",
                            share(SUM(lbs_multi_az), SUM(lbs))) == 0;
    }
    n += emit_config(run);
    n += emit_backup(run);
    n += emit_response(run);
    n += emit_org(run);
    n += emit_waf(run);
    n += emit_flow_logs(run);
    n += emit_every(run, "aws.accessanalyzer.enabled", TRACK(aa),
                    offsetof(struct zt_aws_rsvc, aa_external));
    n += emit_every(run, "aws.accessanalyzer.unused_access", TRACK(aa),
                    offsetof(struct zt_aws_rsvc, aa_unused));
    n += emit_count(run, "aws.nfw.firewalls", TRACK(nfw), SUM(nfws));
    if (all_done(run, TRACK(nfw))) {
        n += zt_emit_double(run->ctx, "aws.nfw.multi_az_share",
                            share(SUM(nfws_multi_az), SUM(nfws))) == 0;
    }
    n += emit_count(run, "aws.asg.groups", TRACK(asg), SUM(asgs));
    if (all_done(run, TRACK(asg))) {
        n += zt_emit_double(run->ctx, "aws.asg.self_healing_scaling_share",
                            share(zt_aws_apps_adaptive(run), SUM(asgs))) == 0;
    }
    n += emit_count(run, "aws.cfn.stacks", TRACK(cfn), SUM(stacks));
    n += emit_count(run, "aws.cfn.stacks_drifted", TRACK(cfn), SUM(stacks_drifted));
    n += emit_count(run, "aws.kms.customer_keys", TRACK(kms), SUM(kms_keys));
    if (all_done(run, TRACK(kms))) {
        n += zt_emit_double(run->ctx, "aws.kms.rotation_share",
                            share(SUM(kms_rotating), SUM(kms_keys))) == 0;
    }
    n += emit_count(run, "aws.identitycenter.instances", TRACK(sso), SUM(sso_instances));
    if (ZT_AWS_TRACK_DONE(run->acct.report)) {
        n += zt_emit_int(run->ctx, "aws.iam.users", (int64_t)run->acct.iam_users) == 0;
        n += zt_emit_int(run->ctx, "aws.iam.console_users", (int64_t)run->acct.console_users) == 0;
    }
    n += emit_every(run, "aws.inspector.ecr_lambda_scanning", TRACK(ins),
                    offsetof(struct zt_aws_rsvc, ins_on));
    return n;
}
