/* intune.h - internals of the `intune` collector shared with its unit test: per-page reductions
 * of Graph managed devices and compliance policies, and the evidence derived from them. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "collector.h"
#include "microsoft/ms_auth.h"

/* complianceState of a managed device (Graph enum), plus anything newer as OTHER. */
enum zt_intune_state {
    ZT_INTUNE_UNKNOWN,
    ZT_INTUNE_COMPLIANT,
    ZT_INTUNE_NONCOMPLIANT,
    ZT_INTUNE_CONFLICT,
    ZT_INTUNE_ERROR,
    ZT_INTUNE_IN_GRACE_PERIOD,
    ZT_INTUNE_CONFIG_MANAGER,
    ZT_INTUNE_STATE_OTHER,
    _ZT_INTUNE_STATE_MAX,
};
const char *zt_intune_state_to_string(enum zt_intune_state s);
enum zt_intune_state zt_intune_state_from_string(const char *s);

/* Counters over every managed device seen so far. Devices are never kept: each page is folded
 * into these and dropped. */
struct zt_intune_devices {
    int64_t now_sec;    /* reference time for freshness (Unix seconds) */
    uint64_t stale_sec; /* a device synced longer ago than this is stale */
    uint64_t total;
    uint64_t compliant;
    uint64_t encrypted;
    uint64_t synced;            /* lastSyncDateTime within stale_sec of now_sec */
    uint64_t sync_unknown;      /* lastSyncDateTime missing or unparsable (counted stale) */
    uint64_t jailbroken;        /* jailBroken "True" */
    uint64_t jailbreak_unknown; /* jailBroken neither "True" nor "False" */
    uint64_t skipped;           /* array elements that are not objects */
    uint64_t state[_ZT_INTUNE_STATE_MAX];
    uint64_t platform[_ZT_MS_PLATFORM_MAX];
};

/* Compliance policies seen so far. unassigned holds (up to ZT_MS_DETAIL_MAX) display names of
 * policies without an including assignment; free it with zt_intune_policies_clear(). */
struct zt_intune_policies {
    uint64_t total;
    uint64_t assigned;    /* at least one assignment that is not an exclusion */
    uint64_t device_risk; /* assigned, deviceThreatProtectionEnabled, level <= medium */
    uint64_t skipped;
    uint64_t platform[_ZT_MS_PLATFORM_MAX];          /* policies per platform */
    uint64_t platform_assigned[_ZT_MS_PLATFORM_MAX]; /* assigned policies per platform */
    struct json_object *unassigned;
};
void zt_intune_policies_clear(struct zt_intune_policies *p);

/* The platform of a compliance policy from its "@odata.type"
 * ("#microsoft.graph.windows10CompliancePolicy" -> windows). */
enum zt_ms_platform zt_intune_policy_platform(const char *odata_type);

/* Fold one managed device (an element of a page's "value" array) into acc; it is not kept. */
void zt_intune_device_item(struct zt_intune_devices *acc, struct json_object *dev);
/* Fold one page ({"value": [policy, ...]}) of compliance policies (with $expand=assignments)
 * into acc. Returns 0, or -EBADMSG with the reason in err when the page has no "value" array. */
int zt_intune_policies_page(struct zt_intune_policies *acc, struct json_object *page, char *err,
                            size_t errlen);

/* Emit the intune.devices.* keys (shares only when there is at least one device). */
int zt_intune_emit_devices(struct zt_ctx *ctx, const struct zt_intune_devices *d);
/* Emit the intune.compliance.* keys; with d (NULL when devices could not be read) also whether
 * every platform that has devices has an assigned policy. */
int zt_intune_emit_policies(struct zt_ctx *ctx, const struct zt_intune_policies *p,
                            const struct zt_intune_devices *d);

extern const struct zt_collector zt_collector_intune;
