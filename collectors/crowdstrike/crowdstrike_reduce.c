/* crowdstrike_reduce.c - the crowdstrike collector's parse and derive steps, testable on JSON
 * strings: regions, host details and ZTA scores folded into counters, then crowdstrike.* evidence,
 * and the pacing read from X-RateLimit-Limit / X-RateLimit-Remaining. */
#include "crowdstrike.h"

#include <inttypes.h>
#include <strings.h>

static const struct {
    const char *region;
    const char *url;
} regions[] = {
    {"us-1", "https://api.crowdstrike.com"},
    {"us-2", "https://api.us-2.crowdstrike.com"},
    {"us-3", "https://api.us-3.crowdstrike.com"},
    {"eu-1", "https://api.eu-1.crowdstrike.com"},
    {"us-gov-1", "https://api.laggar.gcw.crowdstrike.com"},
    {"us-gov-2", "https://api.us-gov-2.crowdstrike.mil"},
};

const char *zt_cs_region_url(const char *region)
{
    for (size_t i = 0; region && i < ZT_ELEMENTSOF(regions); i++) {
        if (strcasecmp(region, regions[i].region) == 0) {
            return regions[i].url;
        }
    }
    return NULL;
}

/* Whether a and b are the same URL but for trailing slashes. */
static bool same_base(const char *a, const char *b)
{
    size_t na = zt_url_base_len(a), nb = zt_url_base_len(b);

    return na == nb && strncasecmp(a, b, na) == 0;
}

bool zt_cs_url_is_documented(const char *url)
{
    for (size_t i = 0; url && i < ZT_ELEMENTSOF(regions); i++) {
        if (same_base(url, regions[i].url)) {
            return true;
        }
    }
    return false;
}

const char *zt_cs_region_target(const char *region, const char *base, const char *const *overrides,
                                size_t n_overrides)
{
    size_t n = region ? strlen(region) : 0;

    if (n == 0) {
        return NULL;
    }
    for (size_t i = 0; i < n_overrides; i++) {
        if (strncasecmp(overrides[i], region, n) == 0 && overrides[i][n] == '=') {
            return overrides[i] + n + 1;
        }
    }
    return zt_cs_url_is_documented(base) ? zt_cs_region_url(region) : NULL;
}

static const char *const platform_names[_ZT_CS_PLATFORM_MAX] = {
    [ZT_CS_WINDOWS] = "Windows",
    [ZT_CS_MAC] = "Mac",
    [ZT_CS_LINUX] = "Linux",
    [ZT_CS_PLATFORM_OTHER] = "other",
};

const char *zt_cs_platform_to_string(enum zt_cs_platform p)
{
    return p < _ZT_CS_PLATFORM_MAX ? platform_names[p] : NULL;
}

static enum zt_cs_platform platform_of(const char *s)
{
    for (size_t i = 0; s && i < ZT_CS_PLATFORM_OTHER; i++) {
        if (strcasecmp(s, platform_names[i]) == 0) {
            return (enum zt_cs_platform)i;
        }
    }
    return ZT_CS_PLATFORM_OTHER;
}

void zt_cs_hosts_init(struct zt_cs_hosts *h, int64_t now_sec, uint64_t stale_sec)
{
    *h = (struct zt_cs_hosts){.now_sec = now_sec, .stale_sec = stale_sec, .total_reported = -1};
}

/* "yes" / "no" in any case (one source shows "No"); anything else is unknown, never "no". */
static enum zt_cs_rfm rfm_of(const char *s)
{
    if (s && strcasecmp(s, "no") == 0) {
        return ZT_CS_RFM_NO;
    }
    if (s && strcasecmp(s, "yes") == 0) {
        return ZT_CS_RFM_YES;
    }
    return ZT_CS_RFM_UNKNOWN;
}

/* Only the JSON boolean true is "applied": a policy assigned but still waiting for the sensor to
 * apply it ("applied": false, an assigned_date, no applied_date) enforces nothing yet. */
static enum zt_cs_prevention prevention_of(struct json_object *device)
{
    struct json_object *prev = zt_http_json_path(device, "device_policies.prevention");
    struct json_object *applied = zt_http_json_path(prev, "applied");

    if (!json_object_is_type(prev, json_type_object)) {
        return ZT_CS_PREVENTION_NONE;
    }
    if (json_object_is_type(applied, json_type_boolean) && json_object_get_boolean(applied)) {
        return ZT_CS_PREVENTION_APPLIED;
    }
    const char *id = zt_json_str(prev, "policy_id");
    return id && id[0] ? ZT_CS_PREVENTION_NOT_APPLIED : ZT_CS_PREVENTION_NONE;
}

void zt_cs_host_item(struct zt_cs_hosts *h, struct json_object *device)
{
    if (!json_object_is_type(device, json_type_object)) {
        h->skipped++;
        return;
    }
    enum zt_cs_rfm rfm = rfm_of(zt_json_str(device, "reduced_functionality_mode"));
    enum zt_cs_prevention prev = prevention_of(device);
    const char *status = zt_json_str(device, "status");
    const char *last_seen = zt_json_str(device, "last_seen");
    uint64_t seen_usec = 0;
    bool recent = false;

    h->total++;
    h->platform[platform_of(zt_json_str(device, "platform_name"))]++;
    h->rfm[rfm]++;
    h->prevention[prev]++;
    if (!last_seen || zt_parse_rfc3339(last_seen, &seen_usec) < 0) {
        h->seen_unknown++;
    } else if ((int64_t)(seen_usec / (int64_t)ZT_USEC_PER_SEC) >=
               h->now_sec - (int64_t)h->stale_sec) {
        recent = true;
        h->recently_seen++;
    }
    if (recent && rfm == ZT_CS_RFM_NO) {
        h->healthy++;
        if (prev == ZT_CS_PREVENTION_APPLIED) {
            h->protected_++;
        }
    }
    if (status && strcasecmp(status, "contained") == 0) {
        h->contained++;
    }
}

bool zt_cs_id_valid(const char *id)
{
    size_t n = id ? strlen(id) : 0;
    return n > 0 && n <= ZT_CS_ID_MAX &&
           strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == n;
}

/* The integer at dotted path of o, or def when absent or not an integer. */
static int64_t int_at(struct json_object *o, const char *path, int64_t def)
{
    struct json_object *v = zt_http_json_path(o, path);
    return json_object_is_type(v, json_type_int) ? json_object_get_int64(v) : def;
}

void zt_cs_details_page(struct zt_cs_hosts *h, struct json_object *envelope)
{
    struct json_object *errors = zt_json_array(envelope, "errors");
    h->api_errors += errors ? json_object_array_length(errors) : 0;
}

int zt_cs_scroll_next(struct zt_cs_hosts *h, struct json_object *envelope, size_t items,
                      const char **token, char *why, size_t len)
{
    struct json_object *offset = zt_http_json_path(envelope, "meta.pagination.offset");
    int64_t total = int_at(envelope, "meta.pagination.total", -1);

    *token = NULL;
    h->listed += items;
    if (total < 0) {
        snprintf(why, len, "no meta.pagination.total: cannot tell where the host list ends");
        return -EBADMSG;
    }
    h->total_reported = total;
    if (h->listed >= (uint64_t)total) {
        return 0;
    }
    if (items == 0) {
        snprintf(why, len, "an empty page after %" PRIu64 " of the %" PRId64 " hosts reported",
                 h->listed, total);
        return -EBADMSG;
    }
    if (!json_object_is_type(offset, json_type_string) || !json_object_get_string_len(offset)) {
        snprintf(why, len,
                 "no offset token (meta.pagination.offset) after %" PRIu64 " of the %" PRId64
                 " hosts reported",
                 h->listed, total);
        return -EBADMSG;
    }
    *token = json_object_get_string(offset);
    return 0;
}

static int emit_count(struct zt_ctx *ctx, const char *key, uint64_t n, struct json_object *detail)
{
    return zt_emit(ctx, key, json_object_new_int64((int64_t)n), detail);
}

static int emit_share(struct zt_ctx *ctx, const char *key, uint64_t part, uint64_t whole)
{
    return whole ? zt_emit_double(ctx, key, (double)part / (double)whole) : 0;
}

static struct json_object *count_detail(const struct zt_cs_hosts *h, struct json_object *extra)
{
    struct json_object *d = extra ? extra : json_object_new_object();

    json_object_object_add(d, "by_platform",
                           zt_json_counts(platform_names, h->platform, _ZT_CS_PLATFORM_MAX));
    json_object_object_add(d, "ids_listed", json_object_new_int64((int64_t)h->listed));
    if (h->total_reported >= 0) {
        json_object_object_add(d, "total_reported", json_object_new_int64(h->total_reported));
    }
    json_object_object_add(d, "skipped_elements", json_object_new_int64((int64_t)h->skipped));
    json_object_object_add(d, "refused_ids", json_object_new_int64((int64_t)h->bad_ids));
    json_object_object_add(d, "api_errors", json_object_new_int64((int64_t)h->api_errors));
    return d;
}

int zt_cs_hosts_emit(struct zt_ctx *ctx, const struct zt_cs_hosts *h,
                     struct json_object *detail_extra)
{
    static const char *const rfm_names[_ZT_CS_RFM_MAX] = {"no", "yes", "unknown"};
    static const char *const prev_names[_ZT_CS_PREVENTION_MAX] = {"applied", "not_applied", "none"};
    struct json_object *seen = json_object_new_object();
    uint64_t applied = h->prevention[ZT_CS_PREVENTION_APPLIED];
    int r = 0;

    json_object_object_add(seen, "stale_days",
                           json_object_new_int64((int64_t)(h->stale_sec / 86400)));
    json_object_object_add(seen, "last_seen_unknown",
                           json_object_new_int64((int64_t)h->seen_unknown));
    r |= emit_count(ctx, "crowdstrike.hosts.count", h->total, count_detail(h, detail_extra));
    r |= emit_count(ctx, "crowdstrike.hosts.recently_seen_count", h->recently_seen, seen);
    r |= emit_share(ctx, "crowdstrike.hosts.recently_seen_share", h->recently_seen, h->total);
    r |= emit_count(ctx, "crowdstrike.hosts.stale_count", h->total - h->recently_seen, NULL);
    r |= emit_count(ctx, "crowdstrike.hosts.reduced_functionality_count", h->rfm[ZT_CS_RFM_YES],
                    zt_json_counts(rfm_names, h->rfm, _ZT_CS_RFM_MAX));
    r |= emit_share(ctx, "crowdstrike.hosts.reduced_functionality_share", h->rfm[ZT_CS_RFM_YES],
                    h->total);
    r |= emit_count(ctx, "crowdstrike.hosts.rfm_unknown_count", h->rfm[ZT_CS_RFM_UNKNOWN], NULL);
    r |= emit_count(ctx, "crowdstrike.hosts.healthy_count", h->healthy, NULL);
    r |= emit_share(ctx, "crowdstrike.hosts.healthy_share", h->healthy, h->total);
    r |= emit_count(ctx, "crowdstrike.hosts.prevention_applied_count", applied,
                    zt_json_counts(prev_names, h->prevention, _ZT_CS_PREVENTION_MAX));
    r |= emit_share(ctx, "crowdstrike.hosts.prevention_applied_share", applied, h->total);
    r |= emit_count(ctx, "crowdstrike.hosts.prevention_not_applied_count",
                    h->prevention[ZT_CS_PREVENTION_NOT_APPLIED], NULL);
    r |= emit_count(ctx, "crowdstrike.hosts.prevention_unassigned_count",
                    h->prevention[ZT_CS_PREVENTION_NONE], NULL);
    r |= emit_count(ctx, "crowdstrike.hosts.protected_count", h->protected_, NULL);
    r |= emit_share(ctx, "crowdstrike.hosts.protected_share", h->protected_, h->total);
    r |= emit_count(ctx, "crowdstrike.hosts.contained_count", h->contained, NULL);
    return r < 0 ? -EINVAL : 0;
}

void zt_cs_zta_init(struct zt_cs_zta *z, uint64_t min_score)
{
    *z = (struct zt_cs_zta){.min_score = min_score,
                            .assessed = -1,
                            .meets = -1,
                            .lowest = -1,
                            .average = -1,
                            .audit_hosts = -1};
}

/* resources[0] of page, or NULL when the array is empty (no host matches); *bad when page has no
 * resources array at all. */
static struct json_object *first_resource(struct json_object *page, bool *bad)
{
    struct json_object *res = zt_json_array(page, "resources");
    *bad = !res;
    return res && json_object_array_length(res) ? json_object_array_get_idx(res, 0) : NULL;
}

int zt_cs_zta_count_page(struct zt_cs_zta *z, uint64_t threshold, struct json_object *page,
                         char *err, size_t errlen)
{
    int64_t total = int_at(page, "meta.pagination.total", -1);
    bool bad = false;
    struct json_object *first = first_resource(page, &bad);
    int64_t score = int_at(first, "score", -1);

    if (bad || total < 0) {
        snprintf(err, errlen, "no resources array or no meta.pagination.total in the answer");
        return -EBADMSG;
    }
    if ((first && (score < 0 || score > 100)) || (total > 0) != (first != NULL)) {
        snprintf(err, errlen, "the answer's resources do not match its total %" PRId64, total);
        return -EBADMSG;
    }
    if (first && (uint64_t)score < threshold) {
        snprintf(err, errlen,
                 "a host scoring %" PRId64 " answered the filter score:>=%" PRIu64
                 ": the API did not apply it, so its total counts the wrong hosts",
                 score, threshold);
        return -EBADMSG;
    }
    if (threshold == 0) {
        z->assessed = total;
        z->lowest = first ? score : -1;
    } else {
        z->meets = total;
    }
    return 0;
}

int zt_cs_zta_audit_page(struct zt_cs_zta *z, struct json_object *page, char *err, size_t errlen)
{
    bool bad = false;
    struct json_object *first = first_resource(page, &bad);
    struct json_object *avg = zt_http_json_path(first, "average_overall_score");

    if (bad) {
        snprintf(err, errlen, "no resources array in the audit answer");
        return -EBADMSG;
    }
    if (!first) {
        return 0; /* no audit for this CID yet: the average stays unknown */
    }
    if (!json_object_is_type(avg, json_type_double) && !json_object_is_type(avg, json_type_int)) {
        snprintf(err, errlen, "the audit has no numeric average_overall_score");
        return -EBADMSG;
    }
    double v = json_object_get_double(avg);
    if (!(v >= 0 && v <= 100)) {
        snprintf(err, errlen, "the audit's average_overall_score %.1f is not a score", v);
        return -EBADMSG;
    }
    z->average = v;
    z->audit_hosts = int_at(first, "num_aids", -1);
    return 0;
}

int zt_cs_zta_emit(struct zt_ctx *ctx, const struct zt_cs_zta *z, int64_t hosts_total)
{
    if (z->assessed < 0 || z->meets < 0 || z->meets > z->assessed) {
        return -EBADMSG;
    }
    struct json_object *d = json_object_new_object();
    uint64_t assessed = (uint64_t)z->assessed, meets = (uint64_t)z->meets;
    int r = 0;

    json_object_object_add(d, "min_score", json_object_new_int64((int64_t)z->min_score));
    if (z->lowest >= 0) {
        json_object_object_add(d, "lowest", json_object_new_int64(z->lowest));
    }
    r |= emit_count(ctx, "crowdstrike.zta.assessed_count", assessed, NULL);
    if (hosts_total > 0) {
        r |= emit_share(ctx, "crowdstrike.zta.assessed_share",
                        assessed < (uint64_t)hosts_total ? assessed : (uint64_t)hosts_total,
                        (uint64_t)hosts_total);
    }
    r |= emit_count(ctx, "crowdstrike.zta.min_score_met_count", meets, d);
    r |= emit_share(ctx, "crowdstrike.zta.min_score_met_share", meets, assessed);
    if (assessed && z->average >= 0) {
        struct json_object *a = json_object_new_object();
        if (z->audit_hosts >= 0) {
            json_object_object_add(a, "audit_hosts", json_object_new_int64(z->audit_hosts));
        }
        r |= zt_emit(ctx, "crowdstrike.zta.average_score", json_object_new_double(z->average), a);
    }
    return r < 0 ? -EINVAL : 0;
}

uint64_t zt_cs_pace_ms(int64_t limit, int64_t remaining)
{
    int64_t reserve = limit / 10 > 5 ? limit / 10 : 5;

    if (limit <= 0 || remaining < 0 || remaining > reserve) {
        return 0;
    }
    int64_t ms = 60000 / limit;
    return (uint64_t)(ms < 1 ? 1 : ms);
}
