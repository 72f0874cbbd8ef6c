/* defender.h - internals of the `defender` collector shared with its unit test: the per-page
 * reduction of Defender for Endpoint machines and of the vulnerability management lists
 * (exposure score, vulnerabilities per machine, software inventory), and the evidence derived
 * from them. */
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

/* Index of s among names[0..n) compared case-insensitively, else fallback. */
size_t zt_defender_lookup(const char *const *names, size_t n, const char *s, size_t fallback);

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

/* Severity of a vulnerability record (vulnerabilitySeverityLevel). */
enum zt_defender_severity {
    ZT_DEFENDER_SEV_LOW,
    ZT_DEFENDER_SEV_MEDIUM,
    ZT_DEFENDER_SEV_HIGH,
    ZT_DEFENDER_SEV_CRITICAL,
    ZT_DEFENDER_SEV_OTHER, /* null, absent or a newer value */
    _ZT_DEFENDER_SEV_MAX,
};

/* Counters over the export of vulnerabilities per machine and software
 * (GET /api/machines/SoftwareVulnerabilitiesByMachine); records are never kept. A record without
 * a cveId (software listed with no known vulnerability) is not a vulnerability. */
struct zt_defender_vulns {
    int64_t now_sec;
    uint64_t records;
    uint64_t vulnerabilities; /* records with a cveId */
    uint64_t severity[_ZT_DEFENDER_SEV_MAX];
    uint64_t critical_oldest_days; /* age of the oldest open Critical one (firstSeenTimestamp) */
    uint64_t critical_age_unknown; /* Critical ones without a readable firstSeenTimestamp */
    uint64_t exploited;            /* exploitabilityLevel ExploitIsVerified or ExploitIsInKit */
    uint64_t exploited_oldest_days;
    uint64_t exploited_age_unknown;
    uint64_t skipped;
};

/* Counters over the software inventory export (GET /api/machines/SoftwareInventoryByMachine):
 * one record per machine and software version. eos_names lists (up to ZT_MS_DETAIL_MAX)
 * "vendor/name version" of end-of-support records; free it with zt_defender_software_clear(). */
struct zt_defender_software {
    uint64_t records;
    uint64_t eos;          /* endOfSupportStatus "EOS Version" or "EOS Software" */
    uint64_t upcoming_eos; /* "Upcoming EOS Version" or "Upcoming EOS Software" */
    uint64_t skipped;
    struct json_object *eos_names;
};
void zt_defender_software_clear(struct zt_defender_software *s);

const char *zt_defender_severity_to_string(enum zt_defender_severity s);
/* Fold one record of each export into its counters. */
void zt_defender_vuln_item(struct zt_defender_vulns *acc, struct json_object *record);
void zt_defender_software_item(struct zt_defender_software *acc, struct json_object *record);
/* The organisation's exposure score from GET /api/exposureScore ({"time": ..., "score": 33.4}).
 * Returns 0, or -EBADMSG with the reason in err when there is no numeric score in 0..100. */
int zt_defender_exposure_page(struct json_object *page, double *ret, char *err, size_t errlen);

/* Emit defender.exposure.score, the defender.vulnerabilities.* and defender.software.* keys. */
int zt_defender_emit_exposure(struct zt_ctx *ctx, double score);
int zt_defender_emit_vulns(struct zt_ctx *ctx, const struct zt_defender_vulns *v);
int zt_defender_emit_software(struct zt_ctx *ctx, const struct zt_defender_software *s);

extern const struct zt_collector zt_collector_defender;
