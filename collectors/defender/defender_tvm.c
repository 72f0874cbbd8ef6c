/* defender_tvm.c - the defender collector's vulnerability management steps, testable on JSON
 * strings: the exposure score, and the vulnerability and software inventory exports folded
 * record by record into counters, then defender.exposure.*, defender.vulnerabilities.* and
 * defender.software.* evidence. */
#include "defender.h"

#include <math.h>
#include <strings.h>

static const char *const severity_names[_ZT_DEFENDER_SEV_MAX] = {
    [ZT_DEFENDER_SEV_LOW] = "Low",       [ZT_DEFENDER_SEV_MEDIUM] = "Medium",
    [ZT_DEFENDER_SEV_HIGH] = "High",     [ZT_DEFENDER_SEV_CRITICAL] = "Critical",
    [ZT_DEFENDER_SEV_OTHER] = "unknown",
};

const char *zt_defender_severity_to_string(enum zt_defender_severity s)
{
    return s < _ZT_DEFENDER_SEV_MAX ? severity_names[s] : NULL;
}

void zt_defender_software_clear(struct zt_defender_software *s)
{
    json_object_put(s->eos_names);
    s->eos_names = NULL;
}

/* Whole days between the record's firstSeenTimestamp ("2020-12-30 11:07:15", no zone: UTC) and
 * now; a time ahead of our clock is 0 days. Returns false when it cannot be read. */
static bool age_days(struct json_object *rec, int64_t now_sec, uint64_t *ret)
{
    int64_t t = 0;

    if (zt_ms_parse_time(zt_json_str(rec, "firstSeenTimestamp"), &t) < 0) {
        return false;
    }
    *ret = t >= now_sec ? 0 : (uint64_t)(now_sec - t) / ZT_MS_SECONDS_DAY;
    return true;
}

/* Fold one age into (oldest, unknown). */
static void note_age(struct json_object *rec, int64_t now_sec, uint64_t *oldest, uint64_t *unknown)
{
    uint64_t days = 0;

    if (!age_days(rec, now_sec, &days)) {
        (*unknown)++;
    } else if (days > *oldest) {
        *oldest = days;
    }
}

void zt_defender_vuln_item(struct zt_defender_vulns *acc, struct json_object *rec)
{
    if (!json_object_is_type(rec, json_type_object)) {
        acc->skipped++;
        return;
    }
    acc->records++;
    if (!zt_json_str(rec, "cveId")) {
        return; /* the software is listed, with no vulnerability */
    }
    size_t sev =
        zt_defender_lookup(severity_names, ZT_DEFENDER_SEV_OTHER,
                           zt_json_str(rec, "vulnerabilitySeverityLevel"), ZT_DEFENDER_SEV_OTHER);
    const char *exploit = zt_json_str(rec, "exploitabilityLevel");

    acc->vulnerabilities++;
    acc->severity[sev]++;
    if (sev == ZT_DEFENDER_SEV_CRITICAL) {
        note_age(rec, acc->now_sec, &acc->critical_oldest_days, &acc->critical_age_unknown);
    }
    if (exploit && (strcasecmp(exploit, "ExploitIsVerified") == 0 ||
                    strcasecmp(exploit, "ExploitIsInKit") == 0)) {
        acc->exploited++;
        note_age(rec, acc->now_sec, &acc->exploited_oldest_days, &acc->exploited_age_unknown);
    }
}

void zt_defender_software_item(struct zt_defender_software *acc, struct json_object *rec)
{
    if (!json_object_is_type(rec, json_type_object)) {
        acc->skipped++;
        return;
    }
    const char *st = zt_json_str(rec, "endOfSupportStatus");

    acc->records++;
    /* "EOS Version", "EOS Software", "Upcoming EOS Version", "Upcoming EOS Software", "None" */
    if (!st || !strstr(st, "EOS")) {
        return;
    }
    if (strncasecmp(st, "Upcoming", strlen("Upcoming")) == 0) {
        acc->upcoming_eos++;
        return;
    }
    acc->eos++;
    if (!acc->eos_names) {
        acc->eos_names = json_object_new_array();
    }
    if (json_object_array_length(acc->eos_names) < ZT_MS_DETAIL_MAX) {
        const char *vendor = zt_json_str(rec, "softwareVendor");
        const char *name = zt_json_str(rec, "softwareName");
        const char *version = zt_json_str(rec, "softwareVersion");
        char buf[256];
        snprintf(buf, sizeof(buf), "%.80s/%.80s %.60s", vendor ? vendor : "?", name ? name : "?",
                 version ? version : "?");
        json_object_array_add(acc->eos_names, json_object_new_string(buf));
    }
}

int zt_defender_exposure_page(struct json_object *page, double *ret, char *err, size_t errlen)
{
    struct json_object *v = NULL;

    if (!json_object_is_type(page, json_type_object) ||
        !json_object_object_get_ex(page, "score", &v) ||
        !(json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int))) {
        snprintf(err, errlen, "unexpected response: no numeric \"score\"");
        return -EBADMSG;
    }
    double score = json_object_get_double(v);
    if (!isfinite(score) || score < 0.0 || score > 100.0) {
        snprintf(err, errlen, "unexpected response: \"score\" %g is not between 0 and 100", score);
        return -EBADMSG;
    }
    *ret = score;
    return 0;
}

int zt_defender_emit_exposure(struct zt_ctx *ctx, double score)
{
    return zt_emit_double(ctx, "defender.exposure.score", score);
}

int zt_defender_emit_vulns(struct zt_ctx *ctx, const struct zt_defender_vulns *v)
{
    struct json_object *count = json_object_new_object();
    struct json_object *crit = json_object_new_object();
    struct json_object *expl = json_object_new_object();
    int r = 0;

    json_object_object_add(count, "by_severity",
                           zt_json_counts(severity_names, v->severity, _ZT_DEFENDER_SEV_MAX));
    json_object_object_add(count, "records", json_object_new_int64((int64_t)v->records));
    json_object_object_add(count, "skipped_elements", json_object_new_int64((int64_t)v->skipped));
    json_object_object_add(crit, "critical_count",
                           json_object_new_int64((int64_t)v->severity[ZT_DEFENDER_SEV_CRITICAL]));
    json_object_object_add(expl, "exploited_count", json_object_new_int64((int64_t)v->exploited));
    r |= zt_ms_emit_count(ctx, "defender.vulnerabilities.count", v->vulnerabilities, count);
    r |= zt_ms_emit_count(ctx, "defender.vulnerabilities.critical_count",
                          v->severity[ZT_DEFENDER_SEV_CRITICAL], NULL);
    r |= zt_ms_emit_count(ctx, "defender.vulnerabilities.high_count",
                          v->severity[ZT_DEFENDER_SEV_HIGH], NULL);
    r |= zt_ms_emit_count(ctx, "defender.vulnerabilities.exploited_count", v->exploited, NULL);
    /* An age that could not be read could be the oldest: then the oldest is not known. */
    if (v->critical_age_unknown == 0) {
        r |= zt_ms_emit_count(ctx, "defender.vulnerabilities.critical_oldest_days",
                              v->critical_oldest_days, crit);
    } else {
        json_object_put(crit);
    }
    if (v->exploited_age_unknown == 0) {
        r |= zt_ms_emit_count(ctx, "defender.vulnerabilities.exploited_oldest_days",
                              v->exploited_oldest_days, expl);
    } else {
        json_object_put(expl);
    }
    return r < 0 ? -EINVAL : 0;
}

int zt_defender_emit_software(struct zt_ctx *ctx, const struct zt_defender_software *s)
{
    struct json_object *detail = json_object_new_object();
    int r = 0;

    json_object_object_add(detail, "software",
                           s->eos_names ? json_object_get(s->eos_names) : json_object_new_array());
    r |= zt_ms_emit_count(ctx, "defender.software.installation_count", s->records, NULL);
    r |= zt_ms_emit_count(ctx, "defender.software.end_of_support_count", s->eos, detail);
    r |= zt_ms_emit_count(ctx, "defender.software.upcoming_end_of_support_count", s->upcoming_eos,
                          NULL);
    return r < 0 ? -EINVAL : 0;
}
