/* aws_svc.c - the aws collector's governance, data, network and resilience services, per
 * region: ELBv2 load balancers, WAFv2 web ACLs, VPC flow logs, Macie, Config (recorders, rules
 * and their remediation, conformance packs and their compliance, aggregators), Backup (plans
 * and selections, vaults and their lock), Security Hub (standards, automation rules),
 * EventBridge rules routing security findings to an action, Inspector and IAM Identity Center;
 * once per account the IAM credential report and Organizations (answers of WAFv2 and
 * Organizations in aws_svc_org.c). Every call serves a zt_aws_track: its evidence is known
 * when none is pending or failed. Answers that mean "not enabled here" are evidence. */
#include "aws_call.h"

/* A REST GET with the token in query parameter qname. */
static int rest_get(struct zt_aws_run *run, struct zt_aws_region *rg, enum zt_aws_api api,
                    struct zt_aws_track *t, const char *path, const char *qname, const char *id,
                    const char *token, unsigned page)
{
    _cleanup_free_ char *enc = token ? zt_http_urlencode(token) : NULL;
    _cleanup_free_ char *full = zt_xasprintf("%s%s%s%s%s", path, enc ? "&" : "", enc ? qname : "",
                                             enc ? "=" : "", enc ? enc : "");
    return zt_aws_svc_call(run, rg, api, t, full, NULL, id, token, page, 0);
}

/* The next page of call c's list, with its token (or the list is done). */
static int next_page(struct zt_aws_call *c, const char *token);

/* EC2 DescribeVpcs or DescribeFlowLogs, a page. */
static int ec2_ids_page(struct zt_aws_run *run, struct zt_aws_region *rg, enum zt_aws_api api,
                        const char *token, unsigned page)
{
    _cleanup_free_ char *enc = token ? zt_http_urlencode(token) : NULL;
    _cleanup_free_ char *body =
        zt_xasprintf("Action=%s&Version=" ZT_AWS_EC2_VERSION "&MaxResults=1000%s%s",
                     api == ZT_AWS_EC2_VPCS ? "DescribeVpcs" : "DescribeFlowLogs",
                     enc ? "&NextToken=" : "", enc ? enc : "");
    return zt_aws_svc_call(run, rg, api, &zt_aws_rsvc(run, rg)->vpcs, "/", body, NULL, token, page,
                           0);
}

int zt_aws_waf_acls(struct zt_aws_run *run, struct zt_aws_region *rg, const char *token,
                    unsigned page)
{
    const char *kv[] = {"Scope", "REGIONAL", "NextMarker", token, "#Limit", "100", NULL};
    _cleanup_free_ char *body = zt_aws_json_body(kv);
    return zt_aws_svc_call(run, rg, ZT_AWS_WAF_ACLS, &zt_aws_rsvc(run, rg)->waf, "/", body, NULL,
                           token, page, 0);
}

static int next_page(struct zt_aws_call *c, const char *token)
{
    struct zt_aws_run *run = c->run;
    struct zt_aws_region *rg = c->region;
    unsigned pg = c->page + 1;

    if (!token || !token[0]) {
        return 0;
    }
    if (zt_streq(token, c->arg) || pg >= ZT_AWS_PAGES_MAX) {
        run->failed++;
        return zt_aws_call_failed(c, -EBADMSG, "the next token repeats (paging loop)");
    }
    switch (c->api) {
    case ZT_AWS_ELB_LBS:
        return zt_aws_elb_lbs_page(run, rg, token, pg);
    case ZT_AWS_ELB_LISTENERS:
        return zt_aws_elb_listeners_page(run, rg, c->id, c->tag != 0, token, pg);
    case ZT_AWS_BK_PLANS:
        return rest_get(run, rg, c->api, c->track, "/backup/plans/?maxResults=1000", "nextToken",
                        NULL, token, pg);
    case ZT_AWS_BK_VAULTS:
        return rest_get(run, rg, c->api, c->track, "/backup-vaults/?maxResults=1000", "nextToken",
                        NULL, token, pg);
    case ZT_AWS_KMS_KEYS: {
        const char *kv[] = {"Marker", token, "#Limit", "1000", NULL};
        _cleanup_free_ char *body = zt_aws_json_body(kv);
        return zt_aws_svc_call(run, rg, c->api, c->track, "/", body, NULL, token, pg, 0);
    }
    case ZT_AWS_AA_ANALYZERS:
        return rest_get(run, rg, c->api, c->track, "/analyzer?maxResults=100", "nextToken", NULL,
                        token, pg);
    case ZT_AWS_SH_RULES:
        return rest_get(run, rg, c->api, c->track, "/automationrules/list?MaxResults=100",
                        "NextToken", NULL, token, pg);
    case ZT_AWS_SH_STANDARDS: {
        const char *kv[] = {"NextToken", token, NULL};
        _cleanup_free_ char *body = zt_aws_json_body(kv);
        return zt_aws_svc_call(run, rg, c->api, c->track, "/standards/get", body, NULL, token, pg,
                               0);
    }
    case ZT_AWS_ORG_POLICIES:
        return zt_aws_org_policies(run, c->tag, token, pg);
    case ZT_AWS_WAF_ACLS:
        return zt_aws_waf_acls(run, rg, token, pg);
    case ZT_AWS_EC2_VPCS:
    case ZT_AWS_EC2_FLOW_LOGS:
        return ec2_ids_page(run, rg, c->api, token, pg);
    case ZT_AWS_ASG_GROUPS:
    case ZT_AWS_ASG_POLICIES:
    case ZT_AWS_CFN_STACKS:
        return zt_aws_apps_page(run, rg, c->api, token, pg);
    case ZT_AWS_ORG_TARGETS:
        return zt_aws_json_list(run, NULL, c->api, c->track, "PolicyId", c->id, token, pg, c->tag);
    case ZT_AWS_MACIE_JOBS:
    case ZT_AWS_SH_AGGREGATORS:
    case ZT_AWS_BK_RESTORE_TESTS:
        return zt_aws_data_page(run, rg, c->api, token, pg);
    case ZT_AWS_EB_TARGETS:
        return zt_aws_json_list(run, rg, c->api, c->track, "Rule", c->id, token, pg, 0);
    default: /* Config lists and EventBridge rules: only NextToken */
        return zt_aws_json_list(run, rg, c->api, c->track, NULL, NULL, token, pg, 0);
    }
}

static void region_start(struct zt_aws_run *run, struct zt_aws_region *rg)
{
    struct zt_aws_rsvc *r = zt_aws_rsvc(run, rg);
    const char *none[] = {NULL};
    _cleanup_free_ char *empty = zt_aws_json_body(none);

    zt_aws_elb_lbs_page(run, rg, NULL, 0);
    zt_aws_svc_call(run, rg, ZT_AWS_MACIE_SESSION, &r->macie, "/macie", NULL, NULL, NULL, 0, 0);
    zt_aws_svc_call(run, rg, ZT_AWS_CFG_RECORDERS, &r->cfg_rec, "/", empty, NULL, NULL, 0, 0);
    zt_aws_svc_call(run, rg, ZT_AWS_CFG_STATUS, &r->cfg_status, "/", empty, NULL, NULL, 0, 0);
    zt_aws_json_list(run, rg, ZT_AWS_CFG_RULES, &r->cfg_rules, NULL, NULL, NULL, 0, 0);
    zt_aws_json_list(run, rg, ZT_AWS_CFG_PACKS, &r->cfg_packs, NULL, NULL, NULL, 0, 0);
    zt_aws_json_list(run, rg, ZT_AWS_CFG_AGGREGATORS, &r->cfg_agg, NULL, NULL, NULL, 0, 0);
    rest_get(run, rg, ZT_AWS_BK_PLANS, &r->bk_plans, "/backup/plans/?maxResults=1000", NULL, NULL,
             NULL, 0);
    rest_get(run, rg, ZT_AWS_BK_VAULTS, &r->bk_vaults, "/backup-vaults/?maxResults=1000", NULL,
             NULL, NULL, 0);
    zt_aws_svc_call(run, rg, ZT_AWS_SH_STANDARDS, &r->sh_std, "/standards/get", empty, NULL, NULL,
                    0, 0);
    rest_get(run, rg, ZT_AWS_SH_RULES, &r->sh_rules, "/automationrules/list?MaxResults=100", NULL,
             NULL, NULL, 0);
    zt_aws_json_list(run, rg, ZT_AWS_EB_RULES, &r->eb, NULL, NULL, NULL, 0, 0);
    zt_aws_waf_acls(run, rg, NULL, 0);
    zt_aws_svc_call(run, rg, ZT_AWS_INS_STATUS, &r->ins, "/status/batch/get", empty, NULL, NULL, 0,
                    0);
    ec2_ids_page(run, rg, ZT_AWS_EC2_VPCS, NULL, 0);
    ec2_ids_page(run, rg, ZT_AWS_EC2_FLOW_LOGS, NULL, 0);
    zt_aws_json_list(run, rg, ZT_AWS_SSO_INSTANCES, &r->sso, NULL, NULL, NULL, 0, 0);
    zt_aws_apps_start(run, rg);
    zt_aws_json_list(run, rg, ZT_AWS_NFW_LIST, &r->nfw, NULL, NULL, NULL, 0, 0);
    zt_aws_json_list(run, rg, ZT_AWS_KMS_KEYS, &r->kms, "#Limit", "1000", NULL, 0, 0);
    rest_get(run, rg, ZT_AWS_AA_ANALYZERS, &r->aa, "/analyzer?maxResults=100", NULL, NULL, NULL, 0);
    zt_aws_data_start(run, rg);
}

int zt_aws_svc_start(struct zt_aws_run *run)
{
    for (size_t i = 0; i < run->n_regions; i++) {
        region_start(run, &run->regions[i]);
    }
    /* IAM is global: its credential report is asked once, signed for us-east-1 */
    zt_aws_svc_call(run, NULL, ZT_AWS_IAM_GEN_REPORT, &run->acct.report, "/",
                    "Action=GenerateCredentialReport&Version=2010-05-08", NULL, NULL, 0, 0);
    return 0;
}

int zt_aws_org_start(struct zt_aws_run *run)
{
    const char *none[] = {NULL};
    _cleanup_free_ char *empty = zt_aws_json_body(none);
    return zt_aws_svc_call(run, NULL, ZT_AWS_ORG_DESCRIBE, &run->acct.org.describe, "/", empty,
                           NULL, NULL, 0, 0);
}

/* ---- answers ------------------------------------------------------------------------------ */

static int on_macie(struct zt_aws_call *c, struct json_object *page)
{
    struct zt_aws_rsvc *r = zt_aws_rsvc(c->run, c->region);
    bool on = false;
    if (c->api == ZT_AWS_MACIE_AUTO) {
        if (zt_aws_json_status(page, "ENABLED", "DISABLED", &on) < 0) {
            return -EBADMSG;
        }
        r->macie_auto_on = on;
        return 0;
    }
    if (zt_aws_json_status(page, "ENABLED", "DISABLED", &on) < 0) {
        return -EBADMSG;
    }
    r->macie_on = on;
    zt_aws_data_macie(c->run, c->region, on);
    if (on) { /* automated discovery is a setting of an enabled Macie only */
        return zt_aws_svc_call(c->run, c->region, ZT_AWS_MACIE_AUTO, &r->macie_auto,
                               "/automated-discovery/configuration", NULL, NULL, NULL, 0, 0);
    }
    r->macie_auto.started = true; /* known: off with Macie */
    r->macie_auto_on = false;
    return 0;
}

static int on_rule_name(void *data, const char *name, struct json_object *entry)
{
    struct json_object *names = data;
    json_object_array_add(names, json_object_new_string(name));
    return 0;
}

/* DescribeConfigRules page: its rules counted, their remediation configurations asked. */
static int on_cfg_rules(struct zt_aws_call *c, struct json_object *page, char *next, size_t nl)
{
    struct zt_aws_rsvc *r = zt_aws_rsvc(c->run, c->region);
    _cleanup_json_ struct json_object *names = json_object_new_array();
    int rc = zt_aws_json_ids(page, "ConfigRules", "ConfigRuleName", on_rule_name, names, next, nl);
    if (rc < 0) {
        return rc;
    }
    r->rules += json_object_array_length(names);
    if (json_object_array_length(names) == 0) {
        return 0;
    }
    /* DescribeConfigRules pages hold at most 25 rules: one remediation call per page */
    struct json_object *o = json_object_new_object();
    json_object_object_add(o, "ConfigRuleNames", json_object_get(names));
    _cleanup_free_ char *body = zt_xstrdup(
        json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
    return zt_aws_svc_call(c->run, c->region, ZT_AWS_CFG_REMEDIATION, c->track, "/", body, NULL,
                           NULL, 0, 0);
}

/* A conformance pack: counted, and its compliance summary asked. */
static int on_pack(void *data, const char *name, struct json_object *entry)
{
    struct zt_aws_call *c = data;
    const char *kv[] = {"[ConformancePackNames", name, NULL};
    _cleanup_free_ char *body = zt_aws_json_body(kv);
    zt_aws_rsvc(c->run, c->region)->packs++;
    return zt_aws_svc_call(c->run, c->region, ZT_AWS_CFG_PACK_SUMMARY, c->track, "/", body, name,
                           NULL, 0, 0);
}

static int on_plan(void *data, const char *id, struct json_object *entry)
{
    struct zt_aws_call *c = data;
    _cleanup_free_ char *enc = zt_http_urlencode(id);
    _cleanup_free_ char *path = zt_xasprintf("/backup/plans/%s/selections/?maxResults=1", enc);
    return zt_aws_svc_call(c->run, c->region, ZT_AWS_BK_SELECTIONS, c->track, path, NULL, id, NULL,
                           0, 0);
}

static int on_eb_rule(void *data, const char *name, struct json_object *entry)
{
    struct zt_aws_call *c = data;
    const char *state = zt_json_str(entry, "State");
    if (!state || !zt_streq(state, "ENABLED") ||
        !zt_aws_eb_security_pattern(zt_json_str(entry, "EventPattern"))) {
        return 0;
    }
    zt_aws_rsvc(c->run, c->region)->sec_rules++;
    return zt_aws_json_list(c->run, c->region, ZT_AWS_EB_TARGETS, c->track, "Rule", name, NULL, 0,
                            0);
}

static int on_eb_targets(struct zt_aws_call *c, struct json_object *page, char *next, size_t nl)
{
    struct json_object *l = zt_json_array(page, "Targets");
    if (!l) {
        return -EBADMSG;
    }
    const char *t = zt_json_str(page, "NextToken");
    snprintf(next, nl, "%s", t ? t : "");
    for (size_t i = 0; i < json_object_array_length(l); i++) {
        if (zt_aws_eb_action_target(zt_json_str(json_object_array_get_idx(l, i), "Arn"))) {
            zt_aws_rsvc(c->run, c->region)->sec_rules_acting++;
            next[0] = '\0'; /* one acting target is enough */
            break;
        }
    }
    return 0;
}

static int on_json(struct zt_aws_call *c, struct json_object *page, char *next, size_t nl)
{
    struct zt_aws_rsvc *r = c->region ? zt_aws_rsvc(c->run, c->region) : NULL;
    uint64_t n = 0, hit = 0;
    int rc;

    if (c->api >= ZT_AWS_CFG_SELECT) {
        return zt_aws_data_answer(c, page, next, nl);
    }
    switch (c->api) {
    case ZT_AWS_MACIE_SESSION:
    case ZT_AWS_MACIE_AUTO:
        return on_macie(c, page);
    case ZT_AWS_CFG_RECORDERS:
        return zt_aws_cfg_recorders(page, &r->recorders, &r->recording_all);
    case ZT_AWS_CFG_STATUS:
        rc = zt_aws_json_count(page, "ConfigurationRecordersStatus", "recording", NULL, &n, &hit,
                               NULL, 0);
        r->recording = hit > 0;
        return rc;
    case ZT_AWS_CFG_RULES:
        return on_cfg_rules(c, page, next, nl);
    case ZT_AWS_CFG_REMEDIATION:
        return zt_aws_json_count(page, "RemediationConfigurations", "Automatic", NULL, &n,
                                 &r->auto_remediations, NULL, 0);
    case ZT_AWS_CFG_PACKS:
        return zt_aws_json_ids(page, "ConformancePackDetails", "ConformancePackName", on_pack, c,
                               next, nl);
    case ZT_AWS_CFG_PACK_SUMMARY:
        return zt_aws_json_count(page, "ConformancePackComplianceSummaryList",
                                 "ConformancePackComplianceStatus", "NON_COMPLIANT", &n,
                                 &r->packs_noncompliant, NULL, 0);
    case ZT_AWS_NFW_LIST:
        return zt_aws_json_ids(page, "Firewalls", "FirewallArn", zt_aws_on_firewall, c, next, nl);
    case ZT_AWS_NFW_DESCRIBE:
        return zt_aws_on_firewall_described(c, page);
    case ZT_AWS_KMS_KEYS:
        return zt_aws_json_ids(page, "Keys", "KeyId", zt_aws_on_kms_key, c, next, nl);
    case ZT_AWS_KMS_DESCRIBE:
        return zt_aws_on_kms_describe(c, page);
    case ZT_AWS_KMS_ROTATION: {
        struct json_object *v = NULL;
        if (!json_object_object_get_ex(page, "KeyRotationEnabled", &v) ||
            !json_object_is_type(v, json_type_boolean)) {
            return -EBADMSG;
        }
        r->kms_rotating += json_object_get_boolean(v);
        return 0;
    }
    case ZT_AWS_AA_ANALYZERS:
        return zt_aws_aa_analyzers(page, &r->aa_external, &r->aa_unused, next, nl);
    case ZT_AWS_SSO_INSTANCES:
        return zt_aws_json_count(page, "Instances", NULL, NULL, &r->sso_instances, NULL, next, nl);
    case ZT_AWS_INS_STATUS: {
        bool on = false;
        rc = zt_aws_ins_ecr_lambda(page, &on);
        r->ins_on = on;
        if (rc == 0) {
            zt_aws_data_inspector(c->run, c->region, on);
        }
        return rc;
    }
    case ZT_AWS_CFG_AGGREGATORS:
        rc = zt_aws_json_count(page, "ConfigurationAggregators", NULL, NULL, &r->aggregators, NULL,
                               next, nl);
        return rc < 0 ? rc : zt_aws_data_aggregator(c, page);
    case ZT_AWS_BK_PLANS:
        rc = zt_aws_json_ids(page, "BackupPlansList", "BackupPlanId", on_plan, c, next, nl);
        if (rc == 0) {
            r->plans += json_object_array_length(zt_json_array(page, "BackupPlansList"));
        }
        return rc;
    case ZT_AWS_BK_SELECTIONS:
        rc = zt_aws_json_count(page, "BackupSelectionsList", NULL, NULL, &n, NULL, NULL, 0);
        r->plans_selected += n > 0;
        return rc;
    case ZT_AWS_BK_VAULTS:
        return zt_aws_json_count(page, "BackupVaultList", "Locked", NULL, &r->vaults,
                                 &r->vaults_locked, next, nl);
    case ZT_AWS_SH_STANDARDS:
        r->hub_on = true;
        return zt_aws_json_count(page, "StandardsSubscriptions", "StandardsStatus", "READY", &n,
                                 &r->standards, next, nl);
    case ZT_AWS_SH_RULES:
        return zt_aws_json_count(page, "AutomationRulesMetadata", "RuleStatus", "ENABLED", &n,
                                 &r->automation_rules, next, nl);
    case ZT_AWS_EB_RULES:
        return zt_aws_json_ids(page, "Rules", "Name", on_eb_rule, c, next, nl);
    case ZT_AWS_EB_TARGETS:
        return on_eb_targets(c, page, next, nl);
    case ZT_AWS_WAF_ACLS:
    case ZT_AWS_WAF_ACL:
    case ZT_AWS_WAF_RESOURCES:
        return zt_aws_on_waf(c, page, next, nl);
    default:
        return zt_aws_on_org(c, page, next, nl);
    }
}

int zt_aws_svc_answer(struct zt_aws_call *c, const struct zt_http_page *p, const char *body,
                      size_t len)
{
    char next[ZT_AWS_XML_TEXT] = "", err[256] = "malformed answer";
    int r;

    if (c->api == ZT_AWS_IAM_GEN_REPORT) { /* STARTED or COMPLETE: the report is asked; while
                                            * it is being made, IAM answers ReportInProgress,
                                            * which is retried like throttling */
        return zt_aws_svc_call(c->run, NULL, ZT_AWS_IAM_GET_REPORT, c->track, "/",
                               "Action=GetCredentialReport&Version=2010-05-08", NULL, NULL, 0, 0);
    }
    if (c->api == ZT_AWS_IAM_GET_REPORT) {
        _cleanup_free_ char *csv = NULL;
        size_t n = 0;
        r = zt_aws_credential_report_content(body, len, &csv, &n);
        if (r == 0) {
            r = zt_aws_credential_report(csv, n, &c->run->acct.iam_users,
                                         &c->run->acct.console_users);
        }
        snprintf(err, sizeof(err),
                 "expected a GetCredentialReport CSV with user and "
                 "password_enabled columns");
    } else if (c->api == ZT_AWS_ASG_GROUPS || c->api == ZT_AWS_ASG_POLICIES ||
               c->api == ZT_AWS_CFN_STACKS) {
        r = zt_aws_apps_answer(c, body, len, next, sizeof(next));
    } else if (c->api == ZT_AWS_EC2_VPCS || c->api == ZT_AWS_EC2_FLOW_LOGS) {
        struct zt_aws_rsvc *s = zt_aws_rsvc(c->run, c->region);
        struct json_object **ids = c->api == ZT_AWS_EC2_VPCS ? &s->vpc_ids : &s->flow_ids;
        *ids = *ids ? *ids : json_object_new_array();
        r = zt_aws_ec2_ids(body, len, c->api == ZT_AWS_EC2_FLOW_LOGS, *ids, next, sizeof(next));
    } else if (c->api == ZT_AWS_ELB_LBS || c->api == ZT_AWS_ELB_LISTENERS) {
        r = zt_aws_elb_answer(c, body, len, next, sizeof(next), err, sizeof(err));
    } else {
        r = on_json(c, zt_http_page_json(p), next, sizeof(next));
    }
    if (r < 0) {
        c->run->failed++;
        if (c->track) {
            c->track->failed = true;
        }
        return zt_aws_call_failed(c, -EBADMSG, "malformed answer: %s", err);
    }
    return next_page(c, next);
}

bool zt_aws_svc_not_enabled(struct zt_aws_call *c, const struct zt_aws_error *e)
{
    struct zt_aws_rsvc *r = c->region ? zt_aws_rsvc(c->run, c->region) : NULL;
    switch (c->api) {
    case ZT_AWS_MACIE_SESSION: /* 401 AccessDeniedException "Macie is not enabled." */
        if (zt_streq(e->code, "AccessDeniedException") && strstr(e->message, "not enabled")) {
            r->macie_on = r->macie_auto_on = false;
            r->macie_auto.started = r->macie_data.started = true;
            return true;
        }
        return false;
    case ZT_AWS_SH_STANDARDS: /* "Account ... is not subscribed to AWS Security Hub" */
    case ZT_AWS_SH_RULES:
    case ZT_AWS_SH_AGGREGATORS:
        if (zt_streq(e->code, "InvalidAccessException")) {
            r->hub_on = false;
            return true;
        }
        return false;
    case ZT_AWS_ELB_LISTENERS: /* the load balancer was deleted since it was listed */
        return zt_streq(e->code, "LoadBalancerNotFound");
    case ZT_AWS_ORG_EFFECTIVE: /* no policy of that type applies to the account */
        return zt_streq(e->code, "EffectivePolicyNotFoundException");
    case ZT_AWS_ORG_DESCRIBE:
        if (zt_streq(e->code, "AWSOrganizationsNotInUseException")) {
            c->run->acct.org.member = false;
            return true;
        }
        return false;
    default:
        return false;
    }
}

void zt_aws_svc_free(struct zt_aws_run *run)
{
    for (size_t i = 0; i < ZT_AWS_REGIONS_MAX; i++) {
        json_object_put(run->acct.regions[i].albs);
        json_object_put(run->acct.regions[i].lst_plain);
        json_object_put(run->acct.regions[i].lst_legacy);
        run->acct.regions[i].lst_plain = run->acct.regions[i].lst_legacy = NULL;
        json_object_put(run->acct.regions[i].protected_arns);
        json_object_put(run->acct.regions[i].asg_elb);
        json_object_put(run->acct.regions[i].asg_scaled);
        run->acct.regions[i].asg_elb = run->acct.regions[i].asg_scaled = NULL;
        json_object_put(run->acct.regions[i].macie_job_buckets);
        run->acct.regions[i].macie_job_buckets = NULL;
        json_object_put(run->acct.regions[i].vpc_ids);
        json_object_put(run->acct.regions[i].flow_ids);
        run->acct.regions[i].vpc_ids = run->acct.regions[i].flow_ids = NULL;
        run->acct.regions[i].albs = run->acct.regions[i].protected_arns = NULL;
    }
}
