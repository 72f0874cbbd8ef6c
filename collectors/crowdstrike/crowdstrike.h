/* crowdstrike.h - internals of the `crowdstrike` collector shared with its unit test and fuzzer:
 * the region table, host and Zero Trust Assessment counters folded item by item, the evidence
 * derived from them and the pacing taken from Falcon's rate limit headers. Every function here is
 * pure (documents in, facts out). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "collector.h"

#define ZT_CS_BASE_URL   "https://api.crowdstrike.com"
#define ZT_CS_ID_MAX     64u   /* a device id (aid) is 32 hex digits; refuse anything longer */
#define ZT_CS_PAGE_MAX   5000u /* ids per scroll page and per POST of device details */
#define ZT_CS_REGION_MAX 32u

/* The documented API base URL of a Falcon cloud region as X-CS-Region names it ("us-1", "us-2",
 * "us-3", "eu-1", "us-gov-1", "us-gov-2", any case), or NULL for an unknown region. */
const char *zt_cs_region_url(const char *region);
/* Whether url (trailing slashes ignored) is one of the documented region base URLs. */
bool zt_cs_url_is_documented(const char *url);
/* The base URL to use after the token endpoint named region: the override for region in
 * overrides ("eu-1=https://proxy.example", as the region_urls option holds them), else the
 * documented URL when base itself is a documented one (a proxy or test server configured as
 * base_url is never left for the real cloud), else NULL (stay on base). */
const char *zt_cs_region_target(const char *region, const char *base, const char *const *overrides,
                                size_t n_overrides);

/* platform_name of a host. */
enum zt_cs_platform {
    ZT_CS_WINDOWS,
    ZT_CS_MAC,
    ZT_CS_LINUX,
    ZT_CS_PLATFORM_OTHER,
    _ZT_CS_PLATFORM_MAX,
};
const char *zt_cs_platform_to_string(enum zt_cs_platform p);

/* reduced_functionality_mode of a host: "yes", "no", or anything else (absent, "Unknown"). */
enum zt_cs_rfm {
    ZT_CS_RFM_NO,
    ZT_CS_RFM_YES,
    ZT_CS_RFM_UNKNOWN,
    _ZT_CS_RFM_MAX,
};

/* device_policies.prevention of a host: applied (the boolean true), assigned but not applied
 * (a policy_id, applied false or absent), or no prevention policy at all. */
enum zt_cs_prevention {
    ZT_CS_PREVENTION_APPLIED,
    ZT_CS_PREVENTION_NOT_APPLIED,
    ZT_CS_PREVENTION_NONE,
    _ZT_CS_PREVENTION_MAX,
};

/* Counters over every host detail seen so far; hosts are never kept. */
struct zt_cs_hosts {
    int64_t now_sec;
    uint64_t stale_sec;
    uint64_t total;
    uint64_t platform[_ZT_CS_PLATFORM_MAX];
    uint64_t rfm[_ZT_CS_RFM_MAX];
    uint64_t prevention[_ZT_CS_PREVENTION_MAX];
    uint64_t recently_seen; /* last_seen within stale_sec of now */
    uint64_t seen_unknown;  /* last_seen absent or unparsable (counted stale) */
    uint64_t healthy;       /* recently seen and reduced_functionality_mode "no" */
    uint64_t protected_;    /* healthy and its prevention policy applied */
    uint64_t contained;     /* status "contained" (network containment) */
    uint64_t skipped;       /* elements that are not objects */
    /* Scroll bookkeeping. */
    uint64_t listed;        /* ids the scroll returned */
    int64_t total_reported; /* meta.pagination.total of the last scroll page, -1 unknown */
    uint64_t bad_ids;       /* ids refused (not a string, empty, too long, odd characters) */
    uint64_t api_errors;    /* entries of "errors" in 2xx detail pages (ids not found...) */
};

/* Start counting at now_sec with the stale window stale_sec. */
void zt_cs_hosts_init(struct zt_cs_hosts *h, int64_t now_sec, uint64_t stale_sec);
/* Fold one host (an element of a details page's "resources") into h; it is not kept. */
void zt_cs_host_item(struct zt_cs_hosts *h, struct json_object *device);
/* Whether id is a device id we put in a request body (1..ZT_CS_ID_MAX of [A-Za-z0-9_-]). */
bool zt_cs_id_valid(const char *id);
/* Account for the envelope of a details page (its "errors" entries). */
void zt_cs_details_page(struct zt_cs_hosts *h, struct json_object *envelope);

/* The scroll's next step after a page (its envelope without resources, items ids in it): the
 * offset token for the next page in *token (borrowed from envelope; NULL at the end). The scroll
 * ends once meta.pagination.total ids were listed (the token comes on every page, the last one
 * too). Before that, a page without a string token, an empty page or one without a total cuts
 * the list short: -EBADMSG with the reason in why, never an end. */
int zt_cs_scroll_next(struct zt_cs_hosts *h, struct json_object *envelope, size_t items,
                      const char **token, char *why, size_t len);

/* Emit the crowdstrike.hosts.* keys (shares only with a non-zero denominator). detail_extra (may
 * be NULL, stolen) is merged into the detail of crowdstrike.hosts.count (region, API URL). */
int zt_cs_hosts_emit(struct zt_ctx *ctx, const struct zt_cs_hosts *h,
                     struct json_object *detail_extra);

/* Zero Trust Assessment scores, counted by the API instead of listed: the score query
 * (GET /zero-trust-assessment/queries/assessments/v1?filter=score:>=T&limit=1&sort=score|asc)
 * reports in meta.pagination.total how many hosts score at least T, so two requests (T = 0 and
 * T = min_score) count the assessed hosts and those meeting the minimum whatever the estate's
 * size, where listing every score would be a chain of one request per 1000 hosts. The one score
 * returned, the lowest matching, proves the filter was applied. The audit
 * (GET /zero-trust-assessment/entities/audit/v1) gives the CID's average overall score. */
struct zt_cs_zta {
    uint64_t min_score;  /* the threshold of "meets" */
    int64_t assessed;    /* hosts with a score (>= 0), -1 unknown */
    int64_t meets;       /* hosts with a score >= min_score, -1 unknown */
    int64_t lowest;      /* the lowest score, -1 unknown (no host assessed) */
    double average;      /* the audit's average_overall_score, < 0 unknown */
    int64_t audit_hosts; /* the audit's num_aids, -1 unknown */
};

void zt_cs_zta_init(struct zt_cs_zta *z, uint64_t min_score);
/* Read one answer of the score query for threshold (0 or z->min_score): its total, and its one
 * resource, whose score must be at least threshold. Returns 0, or -EBADMSG with the reason in
 * err (no total, a score below the filter: the API ignored it). */
int zt_cs_zta_count_page(struct zt_cs_zta *z, uint64_t threshold, struct json_object *page,
                         char *err, size_t errlen);
/* Read the audit answer (resources[0].average_overall_score, num_aids). Returns 0 or -EBADMSG. */
int zt_cs_zta_audit_page(struct zt_cs_zta *z, struct json_object *page, char *err, size_t errlen);
/* Emit crowdstrike.zta.* keys from what is known (both counts needed, else -EBADMSG with nothing
 * emitted); hosts_total < 0 when the host list is unknown (no assessed share of hosts then). */
int zt_cs_zta_emit(struct zt_ctx *ctx, const struct zt_cs_zta *z, int64_t hosts_total);

/* The interval between request starts that keeps a client under Falcon's budget: 0 while more
 * than a tenth of limit (at least 5) remains, else the rate at which the budget refills (limit
 * requests per minute: 60000 / limit ms), never more than 60 s. */
uint64_t zt_cs_pace_ms(int64_t limit, int64_t remaining);

extern const struct zt_collector zt_collector_crowdstrike;
