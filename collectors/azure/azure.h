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
};
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
    uint64_t subscriptions; /* subscriptions whose pricings were read */
    uint64_t without_plans; /* of those, with no Standard plan at all */
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

extern const struct zt_collector zt_collector_azure;
