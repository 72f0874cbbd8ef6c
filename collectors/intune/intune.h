/* intune.h - internals of the `intune` collector shared with its unit test: per-page reductions
 * of Graph managed devices, compliance policies (with their noncompliance actions), device
 * clean-up rules, remediation scripts, enrollment restrictions and Autopilot profiles, and the
 * evidence derived from them. */
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
    /* Noncompliance actions (scheduledActionsForRule) of the assigned policies. */
    uint64_t actions_missing;      /* assigned policies whose answer lacks the member */
    uint64_t without_block;        /* assigned policies that never mark a device noncompliant */
    uint64_t without_retire;       /* assigned policies with neither a retire nor a wipe action */
    uint64_t with_block;           /* assigned policies with a block action */
    uint64_t with_retire;          /* assigned policies with a retire or wipe action */
    uint64_t block_hours_max;      /* longest grace before "block" (of with_block policies) */
    uint64_t retire_hours_max;     /* longest grace before the first retire or wipe */
    struct json_object *no_retire; /* names of assigned policies without retire/wipe */
};
void zt_intune_policies_clear(struct zt_intune_policies *p);

/* Device clean-up rules (beta managedDeviceCleanupRules): retire devices inactive for N days. */
struct zt_intune_cleanup {
    uint64_t rules;     /* rules with a positive inactivity period */
    uint64_t disabled;  /* rules with 0 days (or none) */
    bool all_platforms; /* a rule of platform type "all" */
    uint64_t days_max;  /* the longest inactivity period of a rule (when rules > 0) */
    uint64_t skipped;
};

/* Remediation scripts (beta deviceHealthScripts with $expand=assignments). */
struct zt_intune_scripts {
    uint64_t total;
    uint64_t assigned;  /* an including assignment that runs the remediation script */
    uint64_t scheduled; /* ... on a recurring (daily or hourly) schedule */
    uint64_t skipped;
    struct json_object *unscheduled; /* names of scripts not counted as scheduled */
};

/* Enrollment configurations (v1.0 deviceEnrollmentConfigurations). */
struct zt_intune_enrollment {
    uint64_t configs;
    uint64_t restrictions;                          /* platform restriction configurations */
    uint64_t limits;                                /* device limit configurations */
    uint64_t limit_max;                             /* when limits > 0 */
    uint64_t personal_allowed[_ZT_MS_PLATFORM_MAX]; /* configurations letting personal in */
    uint64_t platform_blocked[_ZT_MS_PLATFORM_MAX]; /* configurations blocking the platform */
    uint64_t skipped;
};

/* Windows Autopilot deployment profiles (beta, with $expand=assignments). */
struct zt_intune_autopilot {
    uint64_t profiles;
    uint64_t assigned; /* at least one including assignment */
    uint64_t skipped;
};

void zt_intune_scripts_clear(struct zt_intune_scripts *s);

/* The platform of a compliance policy from its "@odata.type"
 * ("#microsoft.graph.windows10CompliancePolicy" -> windows). */
enum zt_ms_platform zt_intune_policy_platform(const char *odata_type);

/* Fold one managed device (an element of a page's "value" array) into acc; it is not kept. */
void zt_intune_device_item(struct zt_intune_devices *acc, struct json_object *dev);
/* Fold one page ({"value": [policy, ...]}) of compliance policies (with $expand=assignments)
 * into acc. Returns 0, or -EBADMSG with the reason in err when the page has no "value" array. */
int zt_intune_policies_page(struct zt_intune_policies *acc, struct json_object *page, char *err,
                            size_t errlen);

/* Fold one page of each list into its accumulator. Each returns 0, or -EBADMSG with the reason
 * in err (no "value" array; an element without the "assignments" it was expanded with). */
int zt_intune_cleanup_page(struct zt_intune_cleanup *acc, struct json_object *page, char *err,
                           size_t errlen);
int zt_intune_scripts_page(struct zt_intune_scripts *acc, struct json_object *page, char *err,
                           size_t errlen);
int zt_intune_enrollment_page(struct zt_intune_enrollment *acc, struct json_object *page, char *err,
                              size_t errlen);
int zt_intune_autopilot_page(struct zt_intune_autopilot *acc, struct json_object *page, char *err,
                             size_t errlen);
/* Whether an assignment includes someone (a target that is not an exclusion group), and
 * whether an assignments array has such an assignment. */
bool zt_intune_assignment_includes(struct json_object *assignment);
bool zt_intune_assigned(struct json_object *assignments);
/* ["windows", ...] for the non-zero counters (one per platform), in enum order. */
struct json_object *zt_intune_platform_list(const uint64_t *counts);
/* Add name (or "?") to the array *list, created on first use, up to ZT_MS_DETAIL_MAX names. */
void zt_intune_note_name(struct json_object **list, const char *name);
/* Fold every object of a Graph page's "value" array with fold(acc, object, err, errlen); other
 * elements are counted in *skipped. Returns 0, -EBADMSG without the array, or fold's error. */
typedef int (*zt_intune_fold_fn)(void *acc, struct json_object *o, char *err, size_t errlen);
int zt_intune_each(struct json_object *page, zt_intune_fold_fn fold, void *acc, uint64_t *skipped,
                   char *err, size_t errlen);
/* The "value" array of a Graph page (borrowed), or NULL with the reason in err. */
struct json_object *zt_intune_page_values(struct json_object *page, char *err, size_t errlen);

/* Emit the intune.cleanup.*, intune.remediations.*, intune.enrollment.* and intune.autopilot.*
 * keys. */
int zt_intune_emit_cleanup(struct zt_ctx *ctx, const struct zt_intune_cleanup *c);
int zt_intune_emit_scripts(struct zt_ctx *ctx, const struct zt_intune_scripts *s);
int zt_intune_emit_enrollment(struct zt_ctx *ctx, const struct zt_intune_enrollment *e);
int zt_intune_emit_autopilot(struct zt_ctx *ctx, const struct zt_intune_autopilot *a);

/* Emit the intune.devices.* keys (shares only when there is at least one device). */
int zt_intune_emit_devices(struct zt_ctx *ctx, const struct zt_intune_devices *d);
/* Emit the intune.compliance.* keys; with d (NULL when devices could not be read) also whether
 * every platform that has devices has an assigned policy. */
int zt_intune_emit_policies(struct zt_ctx *ctx, const struct zt_intune_policies *p,
                            const struct zt_intune_devices *d);

extern const struct zt_collector zt_collector_intune;
