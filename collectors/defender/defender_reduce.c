/* defender_reduce.c - the defender collector's parse and derive steps, testable on JSON strings:
 * pages of /api/machines folded into counters, then defender.* evidence. */
#include "defender.h"

#include <strings.h>

static const char *const health_names[_ZT_DEFENDER_HEALTH_MAX] = {
    [ZT_DEFENDER_ACTIVE] = "Active",
    [ZT_DEFENDER_INACTIVE] = "Inactive",
    [ZT_DEFENDER_IMPAIRED] = "ImpairedCommunication",
    [ZT_DEFENDER_NO_SENSOR] = "NoSensorData",
    [ZT_DEFENDER_NO_SENSOR_IMPAIRED] = "NoSensorDataImpairedCommunication",
    [ZT_DEFENDER_HEALTH_UNKNOWN] = "Unknown",
};

static const char *const onboarding_names[_ZT_DEFENDER_ONBOARDING_MAX] = {
    [ZT_DEFENDER_ONBOARDED] = "onboarded",     [ZT_DEFENDER_CAN_BE_ONBOARDED] = "CanBeOnboarded",
    [ZT_DEFENDER_UNSUPPORTED] = "Unsupported", [ZT_DEFENDER_INSUFFICIENT_INFO] = "InsufficientInfo",
    [ZT_DEFENDER_ONBOARDING_OTHER] = "other",
};

static const char *const level_names[_ZT_DEFENDER_LEVEL_MAX] = {
    [ZT_DEFENDER_LEVEL_NONE] = "None", [ZT_DEFENDER_LEVEL_INFORMATIONAL] = "Informational",
    [ZT_DEFENDER_LEVEL_LOW] = "Low",   [ZT_DEFENDER_LEVEL_MEDIUM] = "Medium",
    [ZT_DEFENDER_LEVEL_HIGH] = "High", [ZT_DEFENDER_LEVEL_UNKNOWN] = "unknown",
};

const char *zt_defender_health_to_string(enum zt_defender_health h)
{
    return h < _ZT_DEFENDER_HEALTH_MAX ? health_names[h] : NULL;
}

const char *zt_defender_onboarding_to_string(enum zt_defender_onboarding o)
{
    return o < _ZT_DEFENDER_ONBOARDING_MAX ? onboarding_names[o] : NULL;
}

const char *zt_defender_level_to_string(enum zt_defender_level l)
{
    return l < _ZT_DEFENDER_LEVEL_MAX ? level_names[l] : NULL;
}

size_t zt_defender_lookup(const char *const *names, size_t n, const char *s, size_t fallback)
{
    for (size_t i = 0; s && i < n; i++) {
        if (strcasecmp(s, names[i]) == 0) {
            return i;
        }
    }
    return fallback;
}

/* The docs spell the member "onboardingStatus" in the filter list, "onboardingstatus" in the
 * resource table: accept any case. */
static const char *onboarding_member(struct json_object *m)
{
    json_object_object_foreach(m, k, v)
    {
        if (strcasecmp(k, "onboardingStatus") == 0 && json_object_is_type(v, json_type_string)) {
            return json_object_get_string(v);
        }
    }
    return NULL;
}

void zt_defender_machine_item(struct zt_defender_machines *acc, struct json_object *m)
{
    if (!json_object_is_type(m, json_type_object)) {
        acc->skipped++;
        return;
    }
    size_t ob = zt_defender_lookup(onboarding_names, ZT_DEFENDER_ONBOARDING_OTHER,
                                   onboarding_member(m), ZT_DEFENDER_ONBOARDING_OTHER);
    int64_t seen = 0;

    acc->total++;
    acc->onboarding[ob]++;
    acc->platform[zt_ms_platform_from_os(zt_json_str(m, "osPlatform"))]++;
    if (ob != ZT_DEFENDER_ONBOARDED) {
        return;
    }
    acc->health[zt_defender_lookup(health_names, ZT_DEFENDER_HEALTH_UNKNOWN,
                                   zt_json_str(m, "healthStatus"), ZT_DEFENDER_HEALTH_UNKNOWN)]++;
    acc->risk[zt_defender_lookup(level_names, ZT_DEFENDER_LEVEL_UNKNOWN,
                                 zt_json_str(m, "riskScore"), ZT_DEFENDER_LEVEL_UNKNOWN)]++;
    acc->exposure[zt_defender_lookup(level_names, ZT_DEFENDER_LEVEL_UNKNOWN,
                                     zt_json_str(m, "exposureLevel"), ZT_DEFENDER_LEVEL_UNKNOWN)]++;
    if (zt_ms_parse_time(zt_json_str(m, "lastSeen"), &seen) == 0 &&
        seen >= acc->now_sec - (int64_t)acc->stale_sec) {
        acc->recently_seen++;
    }
}

/* Remember the API's reason for a 404 (code and message), for the evidence detail. */
static void note_404(struct zt_defender_machines *acc, struct json_object *page)
{
    struct json_object *e = NULL;
    const char *code = NULL, *msg = NULL;

    if (json_object_is_type(page, json_type_object) &&
        json_object_object_get_ex(page, "error", &e) && json_object_is_type(e, json_type_object)) {
        code = zt_json_str(e, "code");
        msg = zt_json_str(e, "message");
    }
    acc->empty_404 = true;
    snprintf(acc->empty_reason, sizeof(acc->empty_reason), "HTTP 404 %.40s: %.100s",
             code ? code : "(no error code)", msg ? msg : "(no message)");
}

void zt_defender_machines_page(struct zt_defender_machines *acc, long status,
                               struct json_object *page, size_t items)
{
    struct json_object *next = NULL;

    acc->last_page_items = items;
    if (status == 404) {
        note_404(acc, page);
        return;
    }
    if (json_object_is_type(page, json_type_object) &&
        json_object_object_get_ex(page, "@odata.nextLink", &next) &&
        json_object_is_type(next, json_type_string)) {
        acc->saw_next_link = true;
    }
}

static int emit_share(struct zt_ctx *ctx, const char *key, uint64_t part, uint64_t whole)
{
    return whole ? zt_emit_double(ctx, key, zt_ms_share(part, whole)) : 0;
}

static struct json_object *count_detail(const struct zt_defender_machines *m)
{
    const char *platforms[_ZT_MS_PLATFORM_MAX];
    struct json_object *d = json_object_new_object();

    for (size_t i = 0; i < _ZT_MS_PLATFORM_MAX; i++) {
        platforms[i] = zt_ms_platform_to_string(i);
    }

    json_object_object_add(d, "by_platform",
                           zt_json_counts(platforms, m->platform, _ZT_MS_PLATFORM_MAX));
    json_object_object_add(
        d, "by_onboarding_status",
        zt_json_counts(onboarding_names, m->onboarding, _ZT_DEFENDER_ONBOARDING_MAX));
    json_object_object_add(d, "skipped_elements", json_object_new_int64((int64_t)m->skipped));
    if (m->empty_404 && m->total == 0) {
        json_object_object_add(d, "empty_reason", json_object_new_string(m->empty_reason));
    }
    return d;
}

int zt_defender_emit(struct zt_ctx *ctx, const struct zt_defender_machines *m)
{
    uint64_t onboarded = m->onboarding[ZT_DEFENDER_ONBOARDED];
    uint64_t healthy = m->health[ZT_DEFENDER_ACTIVE];
    struct json_object *seen = json_object_new_object();
    int r = 0;

    json_object_object_add(seen, "stale_days",
                           json_object_new_int64((int64_t)(m->stale_sec / ZT_MS_SECONDS_DAY)));
    r |= zt_ms_emit_count(ctx, "defender.machines.count", m->total, count_detail(m));
    r |= zt_ms_emit_count(ctx, "defender.machines.onboarded_count", onboarded, NULL);
    r |= emit_share(ctx, "defender.machines.onboarded_share", onboarded, m->total);
    r |= zt_ms_emit_count(ctx, "defender.machines.can_be_onboarded_count",
                          m->onboarding[ZT_DEFENDER_CAN_BE_ONBOARDED], NULL);
    r |= zt_ms_emit_count(ctx, "defender.machines.healthy_count", healthy,
                          zt_json_counts(health_names, m->health, _ZT_DEFENDER_HEALTH_MAX));
    r |= emit_share(ctx, "defender.machines.healthy_share", healthy, onboarded);
    r |= zt_ms_emit_count(ctx, "defender.machines.recently_seen_count", m->recently_seen, seen);
    r |= emit_share(ctx, "defender.machines.recently_seen_share", m->recently_seen, onboarded);
    r |= zt_ms_emit_count(ctx, "defender.machines.stale_count", onboarded - m->recently_seen, NULL);
    r |= zt_ms_emit_count(ctx, "defender.machines.high_risk_count", m->risk[ZT_DEFENDER_LEVEL_HIGH],
                          zt_json_counts(level_names, m->risk, _ZT_DEFENDER_LEVEL_MAX));
    r |= emit_share(ctx, "defender.machines.high_risk_share", m->risk[ZT_DEFENDER_LEVEL_HIGH],
                    onboarded);
    r |= zt_ms_emit_count(ctx, "defender.machines.high_exposure_count",
                          m->exposure[ZT_DEFENDER_LEVEL_HIGH],
                          zt_json_counts(level_names, m->exposure, _ZT_DEFENDER_LEVEL_MAX));
    r |= emit_share(ctx, "defender.machines.high_exposure_share",
                    m->exposure[ZT_DEFENDER_LEVEL_HIGH], onboarded);
    return r < 0 ? -EINVAL : 0;
}
