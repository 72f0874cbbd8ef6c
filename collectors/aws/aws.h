/* aws.h - internals of the `aws` collector shared by its files and unit tests: options, the state
 * of one run (every region fetched concurrently in one HTTP group), and the evidence derived. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "aws_creds.h"
#include "aws_sigv4.h"
#include "aws_xml.h"
#include "collector.h"

#define ZT_AWS_REGIONS_MAX       32u
#define ZT_AWS_DETECTORS_MAX     8u  /* GuardDuty allows one detector per region */
#define ZT_AWS_TRAILS_MAX        64u /* multi-region trails whose status is asked */
#define ZT_AWS_URL_MAX           2048u
#define ZT_AWS_EC2_VERSION       "2016-11-15"
#define ZT_AWS_BUCKETS_NAMED_MAX 10000u /* buckets Macie jobs name, kept for the detail */

/* Options (bound by the core). */
struct zt_aws_options {
    char *access_key_id;
    char *secret_access_key_file;
    char *secret_access_key_credential;
    char *session_token_file;
    char *session_token_credential;
    struct zt_strv regions;
    char *endpoint_url; /* one endpoint for every service (emulators, tests); NULL = AWS */
    char *ca_file;
    uint64_t page_size;      /* DescribeSecurityGroups MaxResults */
    char *credential_source; /* one source of the chain only ("imds"), or NULL: the chain */
    char *role_arn;          /* assumed with STS AssumeRole before scanning, or NULL */
    char *external_id;
    char *role_session_name;
    char *classification_tag;     /* the tag key that carries a data store's category */
    char *accounts;               /* "organization": every ACTIVE account, or NULL: this one */
    char *role_name;              /* with accounts: the role assumed in each account */
    uint64_t account_concurrency; /* accounts scanned at once */
};

/* A three-valued fact: unknown until an answer says otherwise. */
enum zt_aws_fact {
    ZT_AWS_UNKNOWN = -1,
    ZT_AWS_FALSE = 0,
    ZT_AWS_TRUE = 1,
};

enum zt_aws_api {
    ZT_AWS_STS_IDENTITY,
    ZT_AWS_IAM_SUMMARY,
    ZT_AWS_EC2_GROUPS,
    ZT_AWS_EC2_EBS,
    ZT_AWS_GD_LIST,
    ZT_AWS_GD_GET,
    ZT_AWS_CT_DESCRIBE,
    ZT_AWS_CT_STATUS,
    ZT_AWS_S3_PAB,
    /* S3 per bucket (REST-XML) */
    ZT_AWS_S3_LIST,
    ZT_AWS_S3_ENCRYPTION,
    ZT_AWS_S3_VERSIONING,
    ZT_AWS_S3_OBJECT_LOCK,
    ZT_AWS_S3_POLICY_STATUS,
    ZT_AWS_S3_BUCKET_PAB,
    ZT_AWS_S3_REPLICATION,
    /* aws_svc.c */
    ZT_AWS_ELB_LBS,
    ZT_AWS_ELB_LISTENERS,
    ZT_AWS_MACIE_SESSION,
    ZT_AWS_MACIE_AUTO,
    ZT_AWS_CFG_RECORDERS,
    ZT_AWS_CFG_STATUS,
    ZT_AWS_CFG_RULES,
    ZT_AWS_CFG_REMEDIATION,
    ZT_AWS_CFG_PACKS,
    ZT_AWS_CFG_AGGREGATORS,
    ZT_AWS_BK_PLANS,
    ZT_AWS_BK_SELECTIONS,
    ZT_AWS_BK_VAULTS,
    ZT_AWS_SH_STANDARDS,
    ZT_AWS_SH_RULES,
    ZT_AWS_EB_RULES,
    ZT_AWS_EB_TARGETS,
    ZT_AWS_ORG_DESCRIBE,
    ZT_AWS_ORG_POLICIES,
    ZT_AWS_ORG_TARGETS,
    ZT_AWS_WAF_ACLS,
    ZT_AWS_WAF_ACL,
    ZT_AWS_WAF_RESOURCES,
    ZT_AWS_CFG_PACK_SUMMARY,
    ZT_AWS_INS_STATUS,
    ZT_AWS_EC2_VPCS,
    ZT_AWS_EC2_FLOW_LOGS,
    ZT_AWS_IAM_GEN_REPORT,
    ZT_AWS_IAM_GET_REPORT,
    ZT_AWS_SSO_INSTANCES,
    ZT_AWS_AA_ANALYZERS,
    ZT_AWS_KMS_KEYS,
    ZT_AWS_KMS_DESCRIBE,
    ZT_AWS_KMS_ROTATION,
    ZT_AWS_ASG_GROUPS,
    ZT_AWS_ASG_POLICIES,
    ZT_AWS_CFN_STACKS,
    ZT_AWS_NFW_LIST,
    ZT_AWS_NFW_DESCRIBE,
    ZT_AWS_ORG_EFFECTIVE,
    /* aws_svc_data.c */
    ZT_AWS_CFG_SELECT,
    ZT_AWS_CFG_SELECT_AGG,
    ZT_AWS_MACIE_JOBS,
    ZT_AWS_MACIE_BUCKETS,
    ZT_AWS_MACIE_PUBLISH,
    ZT_AWS_SH_AGGREGATORS,
    ZT_AWS_SH_AGGREGATOR,
    ZT_AWS_INS_COVERAGE,
    ZT_AWS_BK_RESTORE_TESTS,
    ZT_AWS_NFW_POLICY,
    ZT_AWS_NFW_LOGGING,
    ZT_AWS_ORG_ACCOUNTS,
    _ZT_AWS_API_MAX,
};
/* The operation name ("DescribeSecurityGroups"). */
const char *zt_aws_api_to_string(enum zt_aws_api a);

/* What was learnt in one region. */
struct zt_aws_region {
    const char *name;          /* borrowed from the options */
    struct zt_aws_sg_scan *sg; /* owned; counters over the region's groups */
    bool sg_failed, sg_done;
    enum zt_aws_fact ebs; /* encryption by default */
    bool gd_listed;       /* ListDetectors answered to its last page */
    bool gd_enabled;      /* a detector answered status ENABLED */
    bool gd_failed;       /* a GuardDuty call of the region failed */
    bool gd_s3;           /* an enabled detector has S3 Protection (S3_DATA_EVENTS) on */
};

struct zt_aws_call; /* one signed call in flight (aws_fetch.c) */

/* ---- S3 per bucket (aws_s3.c) ---- */
enum zt_aws_s3_metric {
    ZT_AWS_S3M_KMS,        /* default encryption with a KMS key */
    ZT_AWS_S3M_VERSIONED,  /* versioning Enabled */
    ZT_AWS_S3M_LOCKED,     /* Object Lock enabled */
    ZT_AWS_S3M_PAB,        /* the bucket's public access block: all four flags on */
    ZT_AWS_S3M_PUBLIC,     /* the policy status says public */
    ZT_AWS_S3M_REPLICATED, /* a replication rule Enabled */
    _ZT_AWS_S3M_MAX,
};
#define ZT_AWS_S3_WINDOW 32u  /* buckets whose calls are in flight at once */
#define ZT_AWS_S3_BATCH  256u /* buckets per HTTP group (memory bound) */

struct zt_aws_bucket {
    char name[ZT_AWS_ID_MAX];
    char region[ZT_AWS_REGION_MAX]; /* BucketRegion, else the first configured region */
    unsigned pending;               /* its calls not answered yet */
};

struct zt_aws_s3_scan {
    struct zt_aws_bucket *buckets; /* every bucket listed (owned) */
    size_t n, cap;
    size_t next;                        /* the next bucket whose calls start */
    size_t batch_end;                   /* the end of the batch running */
    unsigned in_flight;                 /* buckets with calls pending */
    bool listed;                        /* ListBuckets answered to its last page */
    bool stopped;                       /* the wait is over: start no more buckets */
    uint64_t count[_ZT_AWS_S3M_MAX];    /* buckets where the metric holds */
    uint64_t answered[_ZT_AWS_S3M_MAX]; /* buckets whose call for it was answered */
    bool failed[_ZT_AWS_S3M_MAX];       /* a call for it failed */
};

/* ---- Macie, Config, Backup, Security Hub, EventBridge, ELBv2, Organizations (aws_svc*.c) */

/* The calls behind one piece of evidence: known once started, none pending and none failed. A
 * child call (the next page, a plan's selections) is counted before its parent is done. */
struct zt_aws_track {
    unsigned pending;
    bool started, failed;
};
#define ZT_AWS_TRACK_DONE(t) ((t).started && (t).pending == 0 && !(t).failed)

/* What one region answered. */
struct zt_aws_rsvc {
    struct zt_aws_track elb, macie, macie_auto, cfg_rec, cfg_status, cfg_rules, cfg_packs, cfg_agg,
        bk_plans, bk_vaults, sh_std, sh_rules, eb, waf, ins, vpcs, sso, aa, kms, asg, cfn, nfw;
    uint64_t lbs, lbs_multi_az, lbs_internet;
    /* aws_svc_elb.c: listeners of every load balancer (DescribeListeners) */
    struct zt_aws_track listeners;
    uint64_t lst_internet, lst_internet_enc;    /* on internet-facing LBs; encrypting */
    uint64_t lst_tls, lst_tls_modern;           /* HTTPS and TLS listeners; on a TLS 1.2+ policy */
    struct json_object *lst_plain, *lst_legacy; /* their detail ("arn HTTP:80", "arn policy") */
    bool macie_on, macie_auto_on;
    uint64_t recorders, rules, auto_remediations, packs, packs_noncompliant, aggregators;
    bool ins_on; /* Inspector scans ECR images and Lambda functions */
    bool recording_all, recording;
    uint64_t plans, plans_selected, vaults, vaults_locked;
    bool hub_on; /* Security Hub subscribed */
    uint64_t standards, automation_rules;
    uint64_t sec_rules, sec_rules_acting;   /* EventBridge rules on security findings */
    struct json_object *albs;               /* ARNs of internet-facing application LBs */
    struct json_object *protected_arns;     /* ARNs a regional web ACL is associated with */
    struct json_object *vpc_ids, *flow_ids; /* VPCs; resources with an ACTIVE flow log */
    uint64_t sso_instances;                 /* IAM Identity Center instances */
    bool aa_external, aa_unused; /* ACTIVE Access Analyzer: external access; unused access */
    struct json_object *asg_elb, *asg_scaled; /* groups with ELB health checks; with a target
                                               * tracking or predictive scaling policy */
    uint64_t asgs, stacks, stacks_drifted;
    uint64_t nfws, nfws_multi_az;    /* Network Firewalls; those with subnets in 2+ zones */
    uint64_t kms_keys, kms_rotating; /* enabled symmetric customer managed keys; rotating */
    uint64_t acls, acls_adaptive;    /* web ACLs; those with a managed rule group and a rate rule */
    /* aws_svc_data.c: Config advanced queries, Macie jobs and statistics, Security Hub finding
     * aggregators, Inspector coverage, Backup restore tests, Network Firewall policies */
    struct zt_aws_track cfg_select, cfg_agg_select, macie_data, sh_agg, ins_cov, bk_restore;
    uint64_t data_stores, data_classified;         /* recorded data stores; with the tag */
    uint64_t agg_data_stores, agg_data_classified; /* the same through an aggregator */
    bool agg_queried;                              /* an aggregator of this region answered */
    uint64_t macie_jobs;                           /* scheduled jobs RUNNING or IDLE */
    uint64_t macie_criteria_jobs;                  /* of those, jobs choosing buckets by criteria */
    struct json_object *macie_job_buckets;         /* buckets those jobs name (distinct) */
    uint64_t macie_buckets, macie_classified;      /* buckets; with a sensitivity verdict */
    bool macie_publish;                     /* classification findings published to Security Hub */
    uint64_t sh_aggregators;                /* finding aggregators listed here */
    bool sh_links_all;                      /* one of them links every assessed region */
    uint64_t ins_resources, ins_active;     /* ECR images and Lambda functions; scanned actively */
    bool ins_activated;                     /* coverage asked (ECR and Lambda scans on) */
    uint64_t restore_plans, restore_recent; /* restore testing plans; run in the last 30 days */
    uint64_t nfw_drop, nfw_logged;          /* firewalls whose policy drops by default; that log */
};

/* Organizations, answered by the management account (or a delegated administrator). */
enum zt_aws_org_policy {
    ZT_AWS_ORG_SCP,
    ZT_AWS_ORG_TAG,
    ZT_AWS_ORG_BACKUP,
    ZT_AWS_ORG_RCP,
    _ZT_AWS_ORG_POLICY_MAX,
};
struct zt_aws_org {
    struct zt_aws_track describe, policies[_ZT_AWS_ORG_POLICY_MAX];
    bool member;       /* in an organization (AWSOrganizationsNotInUseException: not) */
    bool all_features; /* FeatureSet ALL: policies can be attached */
    bool management;   /* the scanned account is the management account: it lists policies */
    uint64_t attached[_ZT_AWS_ORG_POLICY_MAX]; /* policies with a target (SCPs beyond AWS's) */
};

/* Everything learnt about one account by the services beyond EC2, IAM, CloudTrail, GuardDuty
 * and S3 Control: one struct, so that several accounts are several of these. */
struct zt_aws_account {
    struct zt_aws_s3_scan s3;
    struct zt_aws_track report; /* the IAM credential report */
    uint64_t iam_users, console_users;
    struct zt_aws_rsvc regions[ZT_AWS_REGIONS_MAX]; /* index of run->regions */
    struct zt_aws_org org;
};

/* One collect(): credentials, the group and everything learnt. */
struct zt_aws_run {
    struct zt_ctx *ctx;
    const struct zt_aws_options *opt;
    struct zt_aws_creds creds; /* wiped at the end; refreshed before they expire */
    zt_aws_env_fn env;         /* the credential chain's environment (getenv) */
    unsigned refreshes;        /* times temporary credentials were fetched again */
    int64_t refresh_after;     /* after a failed refresh: no new try before (Unix seconds) */
    struct zt_http_group *group;
    struct zt_aws_call *calls; /* every call made (freed at the end) */
    struct zt_aws_region regions[ZT_AWS_REGIONS_MAX];
    size_t n_regions;
    char account[16];
    enum zt_aws_fact root_mfa, root_keys, pab, ct_logging; /* ct_logging: TRUE once seen */
    bool pab_flags[4];
    char ct_trail[ZT_AWS_ID_MAX * 2]; /* the multi-region trail found logging */
    bool ct_described, ct_failed;     /* DescribeTrails answered; a CloudTrail call failed */
    unsigned denied, failed;          /* calls refused (denied) and failed otherwise */
    /* What every call's pages go to: the answer side, zt_aws_on_page() (aws_answer.c), which
     * adds the calls an answer leads to. Installed by aws.c so the request side never names it. */
    int (*on_page)(void *data, const struct zt_http_page *p);
    /* Told of every call that ended with no answer, before it is recorded as failed (S3 marks
     * the bucket fact it served as unknown). Installed by aws.c, as on_page is. */
    void (*on_unanswered)(struct zt_aws_call *c);
    struct zt_aws_account acct; /* the services of aws_s3.c, aws_svc*.c */
    /* accounts = organization (aws_org_accounts.c): the account scanned and the role assumed in
     * it (refreshes assume it again), else NULL */
    const char *member, *member_role;
    void *org; /* while the organization's accounts are listed (aws_org_accounts.c) */
};

/* A run of ctx with options o (regions set up, facts unknown, credentials empty), and its end. */
void zt_aws_run_init(struct zt_aws_run *run, struct zt_ctx *ctx, const struct zt_aws_options *o,
                     zt_aws_env_fn env);
void zt_aws_run_close(struct zt_aws_run *run);
/* accounts = organization: list the organization's ACTIVE accounts with base's credentials,
 * assume role_name in each and scan it, emitting each account's evidence as its own. Returns 0
 * when some account was scanned, else a recorded error. */
int zt_aws_org_collect(struct zt_aws_run *base);
/* Start the next batch of S3 bucket calls of run in run->group. Returns whether one started. */
bool zt_aws_s3_batch_start(struct zt_aws_run *run);

/* Describe an access key id's shape in buf ("20 characters, AKIA (long-term)"), never the key
 * itself. Returns whether the shape is one AWS issues (AKIA/ASIA, 16-128 capitals and digits). */
bool zt_aws_key_shape(const char *key, char *buf, size_t len);
/* Validate the options (config time). Returns 0 or -EINVAL with a message naming the option. */
int zt_aws_check(const struct zt_aws_options *o, char *err, size_t errlen);

/* Start the calls of a run (STS, IAM, per region EC2, EBS, GuardDuty; CloudTrail in the first
 * region); later calls start from the callbacks. Returns 0 or a recorded error. */
int zt_aws_fetch_start(struct zt_aws_run *run);
/* Record failures of calls that did not finish (engine errors), free the calls. */
void zt_aws_fetch_finish(struct zt_aws_run *run);

/* Derivations of JSON answers (aws_derive.c). Each returns 0 or -EBADMSG. */
/* DescribeTrails: the ARNs (or names) of multi-region trails into arns (cap entries). */
int zt_aws_ct_multi_region(struct json_object *page, char arns[][ZT_AWS_ID_MAX * 2], size_t cap,
                           size_t *n);
/* GetTrailStatus: IsLogging. */
int zt_aws_ct_is_logging(struct json_object *page, bool *logging);
/* ListDetectors: detectorIds (at most cap entries) and nextToken ("" on the last page).
 * -EBADMSG for more ids than cap, or a nextToken that is no string or does not fit next. */
int zt_aws_gd_detectors(struct json_object *page, char ids[][ZT_AWS_ID_MAX], size_t cap, size_t *n,
                        char *next, size_t next_len);
/* GetDetector: status == ENABLED. */
int zt_aws_gd_enabled(struct json_object *page, bool *enabled);
/* GetDetector: S3 Protection on (features[] S3_DATA_EVENTS ENABLED, or the older
 * dataSources.s3Logs.status ENABLED). */
bool zt_aws_gd_s3_protection(struct json_object *page);

/* Emit every known fact of the run (unknown ones are left out). Returns how many. */
int zt_aws_emit(struct zt_aws_run *run);
/* S3 per bucket (aws_s3.c): list the buckets (then each bucket's settings), emit the facts,
 * free the scan. */
int zt_aws_s3_start(struct zt_aws_run *run);
/* After the first group: every bucket's calls, batch after batch (each its own group). */
int zt_aws_s3_buckets_run(struct zt_aws_run *run);
int zt_aws_s3_emit(struct zt_aws_run *run);
void zt_aws_s3_free(struct zt_aws_s3_scan *s);
/* Macie, Config, Backup, Security Hub, EventBridge, ELBv2, Organizations (aws_svc.c). */
int zt_aws_svc_start(struct zt_aws_run *run);
/* Organizations, once the account id is known (it decides management or member). */
int zt_aws_org_start(struct zt_aws_run *run);
int zt_aws_svc_emit(struct zt_aws_run *run);
/* Pure readers of their answers (aws_svc_json.c); each returns 0 or -EBADMSG. */
/* {"status": on|off|PAUSED} (Macie): enabled when on. */
int zt_aws_json_status(struct json_object *page, const char *on, const char *off, bool *enabled);
/* The array under list: its length added to n; entries whose field equals want (or, want NULL,
 * is true) added to n_want; the page's next token into next. */
int zt_aws_json_count(struct json_object *page, const char *list, const char *field,
                      const char *want, uint64_t *n, uint64_t *n_want, char *next, size_t next_len);
typedef int (*zt_aws_id_fn)(void *data, const char *id, struct json_object *entry);
/* fn for each entry of the array under list (its field, or the entry when it is a string). */
int zt_aws_json_ids(struct json_object *page, const char *list, const char *field, zt_aws_id_fn fn,
                    void *data, char *next, size_t next_len);
/* DescribeConfigurationRecorders: how many, and whether every one records all types. */
int zt_aws_cfg_recorders(struct json_object *page, uint64_t *n, bool *all_types);
/* The IAM credential report (CSV, as GetCredentialReport's Content decodes): IAM users (the
 * root row left out) and those with password_enabled true. Returns 0 or -EBADMSG. */
int zt_aws_credential_report(const char *csv, size_t len, uint64_t *users, uint64_t *console);
/* GetCredentialReport's XML: the base64 Content decoded (a new string in *csv). */
int zt_aws_credential_report_content(const char *body, size_t len, char **csv, size_t *csv_len);
/* KMS DescribeKey: an enabled symmetric customer managed key whose material KMS made (the keys
 * whose rotation is the customer's to turn on). */
int zt_aws_kms_rotatable(struct json_object *page, bool *rotatable);
/* Access Analyzer ListAnalyzers page: an ACTIVE analyzer of external access (ACCOUNT,
 * ORGANIZATION) and of unused access (*_UNUSED_ACCESS) seen. */
int zt_aws_aa_analyzers(struct json_object *page, bool *external, bool *unused, char *next,
                        size_t next_len);
/* ---- aws_svc_data_json.c: pure readers of the data-service answers (unit-tested) ---- */
/* SelectResourceConfig / SelectAggregateResourceConfig of "SELECT COUNT(*) ...": the counts of
 * its Results (each a JSON document in a string) added to n. */
int zt_aws_cfg_select_count(struct json_object *page, uint64_t *n, char *next, size_t next_len);
/* The query counting data stores (SELECT COUNT(*) WHERE resourceType IN (...)), and, tag not
 * NULL, those carrying the tag key. Returns a new string, or NULL for a tag a query cannot
 * carry (a quote or a backslash). */
char *zt_aws_cfg_data_query(const char *tag);
/* Macie ListClassificationJobs: SCHEDULED jobs still running (RUNNING or IDLE between runs);
 * of those, jobs that choose their buckets by criteria at each run (bucketCriteria) added to
 * by_criteria, and the buckets the others name (bucketDefinitions) added to buckets once each
 * (at most ZT_AWS_BUCKETS_NAMED_MAX). */
int zt_aws_macie_jobs(struct json_object *page, uint64_t *scheduled, uint64_t *by_criteria,
                      struct json_object *buckets, char *next, size_t next_len);
/* Macie GetBucketStatistics: buckets, and those with a sensitivity verdict (sensitive or not
 * sensitive; not classified and classification errors are not). */
int zt_aws_macie_buckets(struct json_object *page, uint64_t *buckets, uint64_t *classified);
/* Macie GetFindingsPublicationConfiguration: classification findings go to Security Hub. */
int zt_aws_macie_publish(struct json_object *page, bool *classification);
/* Security Hub GetFindingAggregator: whether it links every one of regions (n of them). */
int zt_aws_sh_links_all(struct json_object *page, const char *const *regions, size_t n, bool *all);
/* Inspector2 ListCoverageStatistics: totalCounts. */
int zt_aws_ins_total(struct json_object *page, uint64_t *n);
/* Backup ListRestoreTestingPlans: plans, and those whose LastExecutionTime is at most 30 days
 * before now (Unix seconds). */
int zt_aws_restore_tests(struct json_object *page, int64_t now, uint64_t *plans, uint64_t *recent,
                         char *next, size_t next_len);
/* Network Firewall DescribeFirewallPolicy: the stateful default actions drop what no rule
 * passes (aws:drop_strict or aws:drop_established); the policy ARN is in the firewall. */
int zt_aws_nfw_policy_drops(struct json_object *page, bool *drops);
/* Network Firewall DescribeLoggingConfiguration: ALERT or FLOW logs go somewhere. */
int zt_aws_nfw_logs(struct json_object *page, bool *logs);
/* Inspector2 BatchGetAccountStatus: the caller's ECR and Lambda scans both ENABLED. */
int zt_aws_ins_ecr_lambda(struct json_object *page, bool *enabled);
/* WAFv2 GetWebACL: whether the ACL uses a vendor-managed rule group and a rate-based rule
 * (at any depth of its statements). */
int zt_aws_waf_adaptive(struct json_object *page, bool *adaptive);
void zt_aws_svc_free(struct zt_aws_run *run);
/* EventBridge: an EventPattern matching security findings (source aws.securityhub,
 * aws.guardduty, aws.inspector2, aws.macie, aws.access-analyzer); a target that acts (Lambda,
 * SSM, Step Functions) rather than notifies. */
bool zt_aws_eb_security_pattern(const char *pattern);
bool zt_aws_eb_action_target(const char *arn);
/* Whether metric m is known for every bucket listed, and its share (1 with no bucket). */
bool zt_aws_s3_known(const struct zt_aws_s3_scan *s, enum zt_aws_s3_metric m);
double zt_aws_s3_share(const struct zt_aws_s3_scan *s, enum zt_aws_s3_metric m);

extern const struct zt_collector zt_collector_aws;
