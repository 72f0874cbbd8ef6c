/* defender.h - internals of the `defender` collector shared with its unit test: the per-page
 * reduction of Defender for Endpoint machines and the evidence derived from it. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "collector.h"
#include "microsoft/ms_auth.h"

/* healthStatus of a machine. */
enum zt_defender_health {
    ZT_DEFENDER_ACTIVE,
    ZT_DEFENDER_INACTIVE,
    ZT_DEFENDER_IMPAIRED,           /* ImpairedCommunication */
    ZT_DEFENDER_NO_SENSOR,          /* NoSensorData */
    ZT_DEFENDER_NO_SENSOR_IMPAIRED, /* NoSensorDataImpairedCommunication */
    ZT_DEFENDER_HEALTH_UNKNOWN,     /* Unknown, absent, or a newer value */
    _ZT_DEFENDER_HEALTH_MAX,
};

/* onboardingStatus of a machine (the API spells the value "onboarded" in lower case). */
enum zt_defender_onboarding {
    ZT_DEFENDER_ONBOARDED,
    ZT_DEFENDER_CAN_BE_ONBOARDED,
    ZT_DEFENDER_UNSUPPORTED,
    ZT_DEFENDER_INSUFFICIENT_INFO,
    ZT_DEFENDER_ONBOARDING_OTHER,
    _ZT_DEFENDER_ONBOARDING_MAX,
};

/* riskScore and exposureLevel share one scale; exposure has no Informational. */
enum zt_defender_level {
    ZT_DEFENDER_LEVEL_NONE,
    ZT_DEFENDER_LEVEL_INFORMATIONAL,
    ZT_DEFENDER_LEVEL_LOW,
    ZT_DEFENDER_LEVEL_MEDIUM,
    ZT_DEFENDER_LEVEL_HIGH,
    ZT_DEFENDER_LEVEL_UNKNOWN, /* null, absent, or a newer value */
    _ZT_DEFENDER_LEVEL_MAX,
};

const char *zt_defender_health_to_string(enum zt_defender_health h);
const char *zt_defender_onboarding_to_string(enum zt_defender_onboarding o);
const char *zt_defender_level_to_string(enum zt_defender_level l);

/* Counters over every machine seen so far; machines are never kept. Health, freshness, risk and
 * exposure are counted over onboarded machines only (the others have no sensor to report). */
struct zt_defender_machines {
    int64_t now_sec;
    uint64_t stale_sec;
    uint64_t total;
    uint64_t onboarding[_ZT_DEFENDER_ONBOARDING_MAX];
    uint64_t health[_ZT_DEFENDER_HEALTH_MAX];
    uint64_t risk[_ZT_DEFENDER_LEVEL_MAX];
    uint64_t exposure[_ZT_DEFENDER_LEVEL_MAX];
    uint64_t platform[_ZT_MS_PLATFORM_MAX]; /* all machines */
    uint64_t recently_seen;                 /* onboarded, lastSeen within stale_sec */
    uint64_t skipped;                       /* array elements that are not objects */
    /* Paging bookkeeping of the current call. */
    uint64_t last_page_items;
    bool saw_next_link;
    bool empty_404; /* the API answered 404: no (recent) machines */
    char empty_reason[160];
};

/* Fold one machine (an element of a page's "value" array) into acc; it is not kept. */
void zt_defender_machine_item(struct zt_defender_machines *acc, struct json_object *machine);
/* Account for one page once its items went through zt_defender_machine_item(): a 2xx page's
 * envelope holding items machines (its nextLink), or, with status 404, the API's "no machines"
 * answer (an empty list; page may be NULL). */
void zt_defender_machines_page(struct zt_defender_machines *acc, long status,
                               struct json_object *page, size_t items);
/* Emit the defender.machines.* keys (shares only with a non-zero denominator). */
int zt_defender_emit(struct zt_ctx *ctx, const struct zt_defender_machines *m);

extern const struct zt_collector zt_collector_defender;
