/* azure.h - internals of the `azure` collector shared with its unit test and fuzzer: the NSG
 * evaluator, the storage account derivations, the Defender for Cloud pricings and the activity
 * log diagnostic settings, each folded item by item into estate-wide counters. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "collector.h"
#include "microsoft/ms_auth.h"

/* api-versions called (ARM answers in the shape of the version asked for). */
#define ZT_AZURE_API_SUBSCRIPTIONS "2022-12-01"
#define ZT_AZURE_API_NSG           "2024-05-01"
#define ZT_AZURE_API_STORAGE       "2023-05-01"
#define ZT_AZURE_API_PRICINGS      "2024-01-01"
#define ZT_AZURE_API_DIAGNOSTICS   "2021-05-01-preview"
#define ZT_AZURE_API_GRAPH         "2022-10-01" /* Microsoft.ResourceGraph/resources (GA) */
#define ZT_AZURE_API_SENTINEL      "2024-09-01" /* Microsoft.SecurityInsights (GA) */
#define ZT_AZURE_API_REMEDIATIONS  "2021-10-01" /* Microsoft.PolicyInsights/remediations */
#define ZT_AZURE_WORKSPACES_MAX    200u         /* Sentinel workspaces whose rules are read */
#define ZT_AZURE_IDS_MAX           50000u       /* virtual networks / flow log targets kept */

#define ZT_AZURE_NSG_RULES_MAX 1000u /* Azure's limit of rules per NSG (plus the defaults) */
#define ZT_AZURE_PLANS_MAX     64u   /* Defender plan names tracked */

/* The administrative TCP ports checked for exposure to the Internet, 0-terminated. */
extern const int zt_azure_admin_ports[];
/* How many entries zt_azure_admin_ports holds. */
size_t zt_azure_admin_ports_count(void);

/* ---- network security groups --------------------------------------------------------------- */

/* The verdict of one NSG for TCP traffic from the Internet. */
struct zt_azure_nsg_verdict {
    uint64_t open_mask; /* bit i: zt_azure_admin_ports[i] reachable from the Internet */
    bool all_ports;     /* an effective Allow from the Internet on every port */
    int open_priority;  /* priority of the first effective Allow found (-1 none) */
    char open_rule[81]; /* its name */
    unsigned inbound;   /* inbound rules considered (custom and default) */
    unsigned skipped;   /* rules ignored as malformed (no valid priority, access, ports) */
};

/* Evaluate one NSG resource ({"name", "id", "properties": {"securityRules": [...],
 * "defaultSecurityRules": [...]}}): inbound rules in priority order, first match wins, so an Allow
 * from `*`, `Internet`, `Any`, 0.0.0.0/0 or ::/0 (singular or in sourceAddressPrefixes) on a port
 * is effective unless a Deny with a lower priority number covers the same traffic: a source
 * covering the whole Internet, that port, protocol `*` or Tcp, and a destination that is `*` or
 * holds every destination of the Allow. Outbound rules are ignored. Returns 0, or -EBADMSG when
 * nsg is not an object or a rules member is not an array (the verdict is then empty). */
int zt_azure_nsg_eval(struct json_object *nsg, struct zt_azure_nsg_verdict *ret);

/* Whether a port specification ("22", "20-25", "*") covers port. false for malformed specs. */
bool zt_azure_port_spec_covers(const char *spec, int port);

/* Estate-wide NSG counters (NSGs are not kept). */
struct zt_azure_nsgs {
    uint64_t total;
    uint64_t admin_open;      /* NSGs with at least one administrative port open to the Internet */
    uint64_t all_open;        /* NSGs with every port open to the Internet */
    uint64_t malformed;       /* items that are not NSG objects */
    uint64_t rules_skipped;   /* malformed rules inside NSGs */
    uint64_t ports_mask;      /* union of the open administrative ports */
    struct json_object *open; /* detail: up to ZT_MS_DETAIL_MAX exposed NSGs (owned) */
};
void zt_azure_nsgs_item(struct zt_azure_nsgs *acc, struct json_object *nsg);
void zt_azure_nsgs_clear(struct zt_azure_nsgs *acc);
int zt_azure_nsgs_emit(struct zt_ctx *ctx, const struct zt_azure_nsgs *acc);

/* ---- storage accounts ----------------------------------------------------------------------- */

enum zt_azure_tls {
    ZT_AZURE_TLS1_0, /* also what an absent minimumTlsVersion means */
    ZT_AZURE_TLS1_1,
    ZT_AZURE_TLS1_2,
    ZT_AZURE_TLS1_3,
    ZT_AZURE_TLS_UNKNOWN, /* a value this build does not know: counted as below TLS 1.2 */
    _ZT_AZURE_TLS_MAX,
};
const char *zt_azure_tls_to_string(enum zt_azure_tls t);
/* minimumTlsVersion ("TLS1_2"); NULL (absent) is TLS1_0, the service's documented default. */
enum zt_azure_tls zt_azure_tls_from_string(const char *s);

/* What an absent allowBlobPublicAccess means in the storage API version api_version
 * ("YYYY-MM-DD"): specs before 2023-01-01 say "the default interpretation is true", 2023-01-01
 * and later say false. */
bool zt_azure_blob_public_default(const char *api_version);

/* The derived facts of one storage account. */
struct zt_azure_account {
    bool blob_public;       /* anonymous blob access allowed (explicit, or the default) */
    bool blob_public_unset; /* allowBlobPublicAccess absent or null */
    bool https_only;        /* supportsHttpsTrafficOnly (absent: true since 2019-04-01) */
    bool shared_key;        /* allowSharedKeyAccess (absent or null: true) */
    enum zt_azure_tls min_tls;
    bool redundant;      /* sku.name keeps copies in more than one zone or region (ZRS, GRS,
                          * RA-GRS, GZRS, RA-GZRS) */
    bool geo_redundant;  /* ... in a second region (GRS, RA-GRS, GZRS, RA-GZRS) */
    bool cmk;            /* encryption.keySource Microsoft.Keyvault (customer-managed keys) */
    bool public_network; /* reachable from every network: publicNetworkAccess not Disabled and
                          * networkAcls.defaultAction not Deny (absent: Allow, the default) */
};
/* Redundancy of a storage sku.name ("Standard_RAGZRS"): 0 local (LRS), 1 zone-redundant, 2 in a
 * second region; -1 for an unknown or absent name (counted as not redundant). */
int zt_azure_sku_redundancy(const char *sku);
/* Derive the facts of one storage account resource read with api_version. Returns 0, or
 * -EBADMSG when account is not an object with a "properties" object. */
int zt_azure_account_derive(struct json_object *account, const char *api_version,
                            struct zt_azure_account *ret);

struct zt_azure_storage {
    const char *api_version; /* of the calls folded in (borrowed) */
    uint64_t total;
    uint64_t blob_public;
    uint64_t blob_public_unset;
    uint64_t http_allowed;
    uint64_t shared_key;
    uint64_t below_tls12;
    uint64_t redundant, geo_redundant;
    uint64_t cmk, public_network;
    uint64_t malformed;
    uint64_t tls[_ZT_AZURE_TLS_MAX];
    struct json_object *weak; /* detail: up to ZT_MS_DETAIL_MAX accounts with a weak setting */
};
void zt_azure_storage_item(struct zt_azure_storage *acc, struct json_object *account);
void zt_azure_storage_clear(struct zt_azure_storage *acc);
int zt_azure_storage_emit(struct zt_ctx *ctx, const struct zt_azure_storage *acc);

/* ---- Defender for Cloud pricings, per subscription ------------------------------------------ */

struct zt_azure_plan {
    char name[48];
    uint64_t standard; /* subscriptions where the plan is Standard */
    uint64_t free;     /* subscriptions where it is Free */
};
struct zt_azure_defender {
    uint64_t subscriptions;       /* subscriptions whose pricings were read */
    uint64_t without_plans;       /* of those, with no Standard plan at all */
    uint64_t sensitive_data;      /* of those, with sensitive data discovery on (Storage or CSPM) */
    uint64_t sensitive_data_both; /* ... on in both Defender for Storage and Defender CSPM */
    size_t nplans;
    struct zt_azure_plan plans[ZT_AZURE_PLANS_MAX];
    uint64_t skipped; /* pricings that are not objects or lack name / pricingTier */
};
/* Fold the pricings page ({"value": [{"name", "properties": {"pricingTier", "deprecated"}}]}) of
 * one subscription. Deprecated plans are ignored. Returns 0 or -EBADMSG (no "value" array). */
int zt_azure_pricings_page(struct zt_azure_defender *acc, struct json_object *page);
int zt_azure_defender_emit(struct zt_ctx *ctx, const struct zt_azure_defender *acc);

/* ---- subscription diagnostic settings (activity log export) -------------------------------- */

/* Whether a subscription diagnostic settings page ({"value": [setting...]}) exports the activity
 * log: one setting with a destination (workspaceId, storageAccountId,
 * eventHubAuthorizationRuleId or marketplacePartnerId) and the Administrative category (or the
 * allLogs group) enabled. Returns 1 exported, 0 not, -EBADMSG without a "value" array. */
int zt_azure_diagnostics_exported(struct json_object *page);

struct zt_azure_activity {
    uint64_t subscriptions;
    uint64_t exported;
    struct json_object *unexported; /* detail: subscription ids without export (owned) */
};
void zt_azure_activity_add(struct zt_azure_activity *acc, const char *subscription, bool exported);
void zt_azure_activity_clear(struct zt_azure_activity *acc);
int zt_azure_activity_emit(struct zt_ctx *ctx, const struct zt_azure_activity *acc);

/* ---- Entra sign-in and audit log streaming, per tenant (azure_aadiam.c) -------------------- */

/* The tenant's Entra diagnostic settings: at the tenant scope, not in a subscription. The
 * api-version 2017-04-01 is the GA one of microsoft.aadiam; the list answers {"value":
 * [setting...]}. */
#define ZT_AZURE_AADIAM_PATH "/providers/microsoft.aadiam/diagnosticSettings?api-version=2017-04-01"

/* The log categories judged (the bit of each in the masks below). */
enum zt_azure_log_category {
    ZT_AZURE_LOG_SIGNIN,            /* SignInLogs: interactive user sign-ins */
    ZT_AZURE_LOG_NONINTERACTIVE,    /* NonInteractiveUserSignInLogs */
    ZT_AZURE_LOG_SERVICE_PRINCIPAL, /* ServicePrincipalSignInLogs */
    ZT_AZURE_LOG_MANAGED_IDENTITY,  /* ManagedIdentitySignInLogs */
    ZT_AZURE_LOG_AUDIT,             /* AuditLogs: directory changes */
    _ZT_AZURE_LOG_MAX,
};

struct zt_azure_entra_logs {
    uint64_t settings;  /* diagnostic settings read */
    uint64_t malformed; /* items without a "properties" object */
    unsigned workspace; /* categories enabled in a setting with a workspaceId (Log Analytics) */
    unsigned event_hub; /* ... with an eventHubAuthorizationRuleId (a SIEM reading the hub) */
    unsigned storage;   /* ... with a storageAccountId (archive only) */
};
/* Fold the list ({"value": [{"properties": {"workspaceId", "eventHubAuthorizationRuleId",
 * "storageAccountId", "logs": [{"category", "enabled"}]}}]}). A category counts for a kind of
 * destination when a setting naming that destination enables it. Returns 0, or -EBADMSG without
 * a "value" array. */
int zt_azure_entra_logs_page(struct zt_azure_entra_logs *acc, struct json_object *page);
/* azure.entra_logs.*: setting_count; core_exported (SignInLogs and AuditLogs to any destination),
 * core_streamed (... each to a workspace or an event hub), all_signins_streamed (the four sign-in
 * categories and AuditLogs, each to a workspace or an event hub), core_to_workspace and
 * all_signins_to_workspace (the same, to a Log Analytics workspace). */
int zt_azure_entra_logs_emit(struct zt_ctx *ctx, const struct zt_azure_entra_logs *acc);

/* The one tenant-scope call of a run. */
struct zt_azure_aadiam {
    struct zt_azure_entra_logs logs;
    struct zt_http_result res;
    bool started;
};
/* Add the GET to group g. Returns 0 or a negative errno (recorded). */
int zt_azure_aadiam_start(struct zt_ctx *ctx, struct zt_http_group *g, const char *arm_url,
                          const char *ca_file, const struct zt_oauth_config *auth,
                          struct zt_azure_aadiam *call);
/* After the group's wait: emit the keys, or record the failure (a 403 names the role the app
 * lacks at the tenant scope) and leave them unobserved. Returns 0 or the error. */
int zt_azure_aadiam_finish(struct zt_ctx *ctx, const struct zt_azure_aadiam *call);

/* ---- Azure Policy remediation tasks, per subscription --------------------------------------- */

struct zt_azure_remediations {
    uint64_t total;
    uint64_t failed;  /* provisioningState Failed, or failed deployments */
    uint64_t running; /* Evaluating, Accepted, Cancelling: not finished */
    uint64_t malformed;
};
/* Fold one remediation ({"properties": {"provisioningState", "deploymentStatus":
 * {"totalDeployments", "successfulDeployments", "failedDeployments"}}}). */
void zt_azure_remediation_item(struct zt_azure_remediations *acc, struct json_object *item);
int zt_azure_remediations_emit(struct zt_ctx *ctx, const struct zt_azure_remediations *acc);

/* ---- standing and just-in-time data roles (azure_roles.c) ---------------------------------- */

#define ZT_AZURE_API_PIM "2020-10-01" /* roleAssignment/roleEligibility schedule instances */

struct zt_azure_roles {
    uint64_t standing;  /* active instances of users and groups on data roles, not Activated */
    uint64_t activated; /* ... Activated through PIM (just in time) */
    uint64_t eligible;  /* eligibility instances of users and groups on data roles */
    uint64_t malformed;
    struct zt_strv active_ids, eligible_ids; /* instance ids counted (once each) */
    bool overflow;
};
/* Whether a role's display name is a data-plane role of storage ("Storage Blob Data Owner",
 * "Storage Queue Data Reader", ...) or Key Vault (every "Key Vault ..." role but the
 * management-plane Key Vault Contributor). */
bool zt_azure_data_role(const char *name);
/* Fold one schedule instance ({"id", "properties": {"principalType", "assignmentType",
 * "expandedProperties": {"roleDefinition": {"displayName"}}}}). */
void zt_azure_role_item(struct zt_azure_roles *acc, struct json_object *item, bool eligible);
void zt_azure_roles_clear(struct zt_azure_roles *acc);
int zt_azure_roles_emit(struct zt_ctx *ctx, const struct zt_azure_roles *acc, bool eligible);

/* ---- Azure Resource Graph (azure_arg.c) ----------------------------------------------------- */

#define ZT_AZURE_GRAPH_TOP   1000u /* rows per page: the service's maximum $top */
#define ZT_AZURE_GRAPH_PAGES 1000u /* pages followed per query */

/* The folded rows of every query (azure_graph.c): counts only, never the rows. */
struct zt_azure_net {
    uint64_t entry_points,
        zone_redundant; /* LB private frontends, public IPs, gateways, firewalls */
    uint64_t lbs, lb_rules, lb_rules_unprobed;
    uint64_t vnets, vnets_ddos, ddos_plans, private_endpoints;
    uint64_t app_gateways, app_gateways_waf;
    uint64_t waf_policies, waf_prevention, waf_managed, waf_rate_limit;
    uint64_t firewalls, firewall_policies, fwp_rules, fwp_ti_deny, fwp_idps_deny, fwp_child;
    uint64_t flow_logs, flow_logs_enabled, flow_logs_analytics;
    /* Lowercased ids, to tell which virtual networks an enabled flow log covers (rows come in
     * any order); beyond ZT_AZURE_IDS_MAX the coverage is not emitted. */
    struct zt_strv vnet_ids, flow_targets, flow_ta_targets;
    bool ids_overflow;
    uint64_t malformed;
};
struct zt_azure_vaults {
    uint64_t backup_vaults, soft_delete, immutable, immutable_locked, geo;
    uint64_t key_vaults, kv_no_purge, kv_no_rbac, kv_public;
    uint64_t vms;
    uint64_t malformed;
};
struct zt_azure_protected {
    uint64_t items, active, vm_items;
    uint64_t malformed;
};
struct zt_azure_policy_tally {
    uint64_t states, compliant, noncompliant;
    uint64_t enforcing, remediating, remediating_compliant, remediating_evaluated, mg_enforcing;
    uint64_t deny; /* states of deny / denyAction policies whose assignment enforces */
};
struct zt_azure_policy {
    struct zt_azure_policy_tally all;
    struct zt_azure_policy_tally data; /* states of data stores (storage, databases, vaults) */
    struct zt_azure_policy_tally net;  /* states of networking resources (Microsoft.Network) */
    uint64_t not_enforced;             /* states whose assignment is DoNotEnforce */
    uint64_t malformed;
};
struct zt_azure_assignments {
    uint64_t total, do_not_enforce, mg, mg_enforced;
    uint64_t malformed;
};
struct zt_azure_automation {
    uint64_t security_automations, security_automations_enabled;
    struct zt_strv automated_subs; /* subscriptions with an enabled workflow automation */
    uint64_t sentinel_workspaces, playbooks, sentinel_playbooks;
    uint64_t network_playbooks; /* Sentinel playbooks that write to Microsoft.Network */
    struct zt_strv sentinel_ws; /* resource ids of the Sentinel workspaces (for their rules) */
    uint64_t sentinel_rules, sentinel_rules_enabled, sentinel_playbook_rules;
    uint64_t onboarded;             /* workspaces with an onboarding state */
    uint64_t connectors;            /* data connectors of every workspace */
    struct zt_strv connector_kinds; /* their distinct kinds */
    uint64_t alert_rules, analytics_enabled, fusion_enabled;
    uint64_t autoscale_enabled, scalable, config_stores;
    uint64_t subscriptions; /* the run's subscriptions (for the share) */
    uint64_t malformed;
};
struct zt_azure_graph {
    struct zt_azure_net net;
    struct zt_azure_vaults vaults;
    struct zt_azure_protected protected_items;
    struct zt_azure_policy policy;
    struct zt_azure_assignments assignments;
    struct zt_azure_automation automation;
    struct zt_strv visible_subs; /* subscriptions Resource Graph answers for (lowercased) */
    unsigned done; /* bit i: query i completed (a share across two queries needs both) */
};
void zt_azure_graph_clear(struct zt_azure_graph *acc);

/* What Resource Graph does not hold, read from the resource provider once every row of a query
 * is in: an ARM list at each resource id the rows named + path, its items folded with item;
 * emit runs only if every one of those lists succeeded. */
struct zt_azure_follow {
    const char *path;
    const char *what;
    void (*item)(struct zt_azure_graph *acc, struct json_object *item);
    int (*emit)(struct zt_ctx *ctx, const struct zt_azure_graph *acc);
};
#define ZT_AZURE_FOLLOWS_MAX 4u

/* One Resource Graph query: its KQL, and the fold of one row (an object of the projected
 * columns) into the estate-wide accumulator. */
struct zt_azure_query {
    const char *name; /* "network", "vaults", ... (messages, evidence details) */
    const char *kql;
    void (*row)(struct zt_azure_graph *acc, struct json_object *row);
    int (*emit)(struct zt_ctx *ctx, const struct zt_azure_graph *acc);
    /* Optional: the ids the follow-up lists start from, and the lists (NULL-path terminated). */
    const struct zt_strv *(*follow_ids)(const struct zt_azure_graph *acc);
    struct zt_azure_follow follows[ZT_AZURE_FOLLOWS_MAX];
};
extern const struct zt_azure_query zt_azure_queries[];
size_t zt_azure_queries_count(void);

/* The request body of one page: {"subscriptions": [...], "query": kql, "options": {"$top": 1000,
 * "resultFormat": "objectArray"[, "$skipToken": token]}}. subs is a JSON array (borrowed).
 * Returns a new string. */
char *zt_azure_graph_body(struct json_object *subs, const char *kql, const char *skip_token);

/* x-ms-user-quota-resets-after ("hh:mm:ss", hours may exceed 23) in ms. Returns 0 or -EINVAL. */
int zt_azure_quota_resets_ms(const char *s, uint64_t *ret_ms);
/* The interval to leave between query starts so that `remaining` queries last until the quota
 * resets in resets_ms: 0 while more than ZT_AZURE_QUOTA_RESERVE remain, else the window spread
 * over what is left (the whole window when nothing is), capped at 120 s. */
#define ZT_AZURE_QUOTA_RESERVE 5u
uint64_t zt_azure_quota_pace_ms(uint64_t remaining, uint64_t resets_ms);

/* What the rest of one page (after its "data" rows) says about paging: 1 and the token in *ret
 * (borrowed) when another page follows, 0 when this was the last, -E2BIG when the service says
 * the result is truncated without giving a $skipToken (a count would be short). */
int zt_azure_graph_next(struct json_object *rest, const char **ret);

/* The queries of one run, each a chain of pages added to group g as the previous page arrives. */
struct zt_azure_arg;
/* Whether s is an ARM resource id that can be appended to arm_url ("/subscriptions/..." of
 * URL-safe characters, no "..", shorter than 512). */
bool zt_azure_resource_id_valid(const char *s);

int zt_azure_arg_start(struct zt_ctx *ctx, struct zt_http_group *g, const char *arm_url,
                       const char *ca_file, const struct zt_oauth_config *auth,
                       const struct zt_strv *subs, struct zt_azure_graph *acc,
                       struct zt_azure_arg **ret);
/* After the group's wait: emit the evidence of every query that completed, record an error for
 * each that did not (its keys stay unobserved). Returns 0 or the first error. */
int zt_azure_arg_finish(struct zt_ctx *ctx, struct zt_azure_arg *arg);
void zt_azure_arg_free(struct zt_azure_arg *arg);
void zt_azure_arg_freep(struct zt_azure_arg **arg);

extern const struct zt_collector zt_collector_azure;
