/* intune_lifecycle.c - the intune collector's device lifecycle lists, testable on JSON strings:
 * clean-up rules, remediation scripts, enrollment restrictions and Autopilot profiles, folded
 * page by page into counters, then intune.cleanup.*, intune.remediations.*, intune.enrollment.*
 * and intune.autopilot.* evidence. */
#include "intune.h"

#include <strings.h>

void zt_intune_scripts_clear(struct zt_intune_scripts *s)
{
    json_object_put(s->unscheduled);
    s->unscheduled = NULL;
}

static int64_t json_int_or(struct json_object *o, const char *key, int64_t dflt)
{
    struct json_object *v = NULL;

    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int)) {
        return dflt;
    }
    return json_object_get_int64(v);
}

static bool json_true(struct json_object *o, const char *key)
{
    struct json_object *v = NULL;
    return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_boolean) &&
           json_object_get_boolean(v);
}

/* The "assignments" array of an element expanded with them, or NULL with the reason in err:
 * without the member, "unassigned" cannot be told from "not expanded". */
static struct json_object *expanded_assignments(struct json_object *o, const char *what, char *err,
                                                size_t errlen)
{
    struct json_object *a = NULL;
    const char *name = zt_json_str(o, "displayName");

    if (!json_object_object_get_ex(o, "assignments", &a) ||
        !json_object_is_type(a, json_type_array)) {
        snprintf(err, errlen, "%s \"%.80s\" has no \"assignments\" array", what, name ? name : "?");
        return NULL;
    }
    return a;
}

static int cleanup_fold(void *data, struct json_object *rule, char *err, size_t errlen)
{
    struct zt_intune_cleanup *acc = data;
    int64_t days = json_int_or(rule, "deviceInactivityBeforeRetirementInDays", 0);
    const char *pf = zt_json_str(rule, "deviceCleanupRulePlatformType");

    if (days <= 0) {
        acc->disabled++; /* no period: the rule retires nothing */
        return 0;
    }
    acc->rules++;
    acc->all_platforms |= pf && strcasecmp(pf, "all") == 0;
    acc->days_max = (uint64_t)days > acc->days_max ? (uint64_t)days : acc->days_max;
    return 0;
}

int zt_intune_cleanup_page(struct zt_intune_cleanup *acc, struct json_object *page, char *err,
                           size_t errlen)
{
    return zt_intune_each(page, cleanup_fold, acc, &acc->skipped, err, errlen);
}

/* A runSchedule that repeats: daily or hourly (runOnce does not). */
static bool recurring(struct json_object *schedule)
{
    const char *t = zt_json_str(schedule, "@odata.type");

    return t && (zt_endswith(t, "deviceHealthScriptDailySchedule") ||
                 zt_endswith(t, "deviceHealthScriptHourlySchedule"));
}

static void script_fold(struct zt_intune_scripts *acc, struct json_object *script,
                        struct json_object *assignments)
{
    bool assigned = false, scheduled = false;

    for (size_t i = 0; i < json_object_array_length(assignments); i++) {
        struct json_object *a = json_object_array_get_idx(assignments, i), *sched = NULL;
        /* detection only remediates nothing; an exclusion group includes nobody */
        if (!json_true(a, "runRemediationScript") || !zt_intune_assignment_includes(a)) {
            continue;
        }
        assigned = true;
        scheduled |= json_object_object_get_ex(a, "runSchedule", &sched) && recurring(sched);
    }
    acc->total++;
    acc->assigned += assigned;
    acc->scheduled += scheduled;
    if (!scheduled) {
        zt_intune_note_name(&acc->unscheduled, zt_json_str(script, "displayName"));
    }
}

static int script_cb(void *data, struct json_object *script, char *err, size_t errlen)
{
    struct json_object *assignments =
        expanded_assignments(script, "remediation script", err, errlen);

    if (!assignments) {
        return -EBADMSG;
    }
    script_fold(data, script, assignments);
    return 0;
}

int zt_intune_scripts_page(struct zt_intune_scripts *acc, struct json_object *page, char *err,
                           size_t errlen)
{
    return zt_intune_each(page, script_cb, acc, &acc->skipped, err, errlen);
}

/* The platform of a restriction member or of a per-platform configuration's platformType. */
static enum zt_ms_platform restriction_platform(const char *name)
{
    static const struct {
        const char *name;
        enum zt_ms_platform platform;
    } map[] = {
        {"windows", ZT_MS_WINDOWS},        {"ios", ZT_MS_IOS},     {"android", ZT_MS_ANDROID},
        {"androidForWork", ZT_MS_ANDROID}, {"macOS", ZT_MS_MACOS}, {"mac", ZT_MS_MACOS},
    };
    for (size_t i = 0; name && i < ZT_ELEMENTSOF(map); i++) {
        if (strcasecmp(name, map[i].name) == 0) {
            return map[i].platform;
        }
    }
    return ZT_MS_OTHER;
}

static void restriction_fold(struct zt_intune_enrollment *acc, enum zt_ms_platform pf,
                             struct json_object *r)
{
    if (pf == ZT_MS_OTHER || !json_object_is_type(r, json_type_object)) {
        return; /* Windows Mobile and unknown platforms are not judged */
    }
    if (json_true(r, "platformBlocked")) {
        acc->platform_blocked[pf]++;
    } else if (!json_true(r, "personalDeviceEnrollmentBlocked")) {
        acc->personal_allowed[pf]++;
    }
}

/* The default (all platforms in one object) and the per-platform restriction configurations. */
static void enrollment_fold(struct zt_intune_enrollment *acc, struct json_object *c)
{
    static const char *const members[] = {"windowsRestriction", "iosRestriction",
                                          "androidRestriction", "androidForWorkRestriction",
                                          "macOSRestriction",   "macRestriction"};
    const char *type = zt_json_str(c, "@odata.type");
    struct json_object *r = NULL;

    acc->configs++;
    if (type && zt_endswith(type, "deviceEnrollmentPlatformRestrictionsConfiguration")) {
        acc->restrictions++;
        for (size_t i = 0; i < ZT_ELEMENTSOF(members); i++) {
            if (json_object_object_get_ex(c, members[i], &r)) {
                char name[32];
                snprintf(name, sizeof(name), "%.*s",
                         (int)(strlen(members[i]) - strlen("Restriction")), members[i]);
                restriction_fold(acc, restriction_platform(name), r);
            }
        }
    } else if (type && zt_endswith(type, "deviceEnrollmentPlatformRestrictionConfiguration")) {
        acc->restrictions++;
        if (json_object_object_get_ex(c, "platformRestriction", &r)) {
            restriction_fold(acc, restriction_platform(zt_json_str(c, "platformType")), r);
        }
    } else if (type && zt_endswith(type, "deviceEnrollmentLimitConfiguration")) {
        int64_t limit = json_int_or(c, "limit", -1);
        if (limit >= 0) {
            acc->limits++;
            acc->limit_max = (uint64_t)limit > acc->limit_max ? (uint64_t)limit : acc->limit_max;
        }
    }
}

static int enrollment_cb(void *data, struct json_object *c, char *err, size_t errlen)
{
    enrollment_fold(data, c);
    return 0;
}

int zt_intune_enrollment_page(struct zt_intune_enrollment *acc, struct json_object *page, char *err,
                              size_t errlen)
{
    return zt_intune_each(page, enrollment_cb, acc, &acc->skipped, err, errlen);
}

static int autopilot_cb(void *data, struct json_object *p, char *err, size_t errlen)
{
    struct zt_intune_autopilot *acc = data;
    struct json_object *assignments = expanded_assignments(p, "Autopilot profile", err, errlen);

    if (!assignments) {
        return -EBADMSG;
    }
    acc->profiles++;
    acc->assigned += zt_intune_assigned(assignments);
    return 0;
}

int zt_intune_autopilot_page(struct zt_intune_autopilot *acc, struct json_object *page, char *err,
                             size_t errlen)
{
    return zt_intune_each(page, autopilot_cb, acc, &acc->skipped, err, errlen);
}

int zt_intune_emit_cleanup(struct zt_ctx *ctx, const struct zt_intune_cleanup *c)
{
    struct json_object *detail = json_object_new_object();
    int r = 0;

    json_object_object_add(detail, "disabled_rules", json_object_new_int64((int64_t)c->disabled));
    r |= zt_ms_emit_count(ctx, "intune.cleanup.rule_count", c->rules, detail);
    r |= zt_emit_bool(ctx, "intune.cleanup.all_platforms", c->all_platforms);
    if (c->rules) {
        r |= zt_ms_emit_count(ctx, "intune.cleanup.inactivity_days_max", c->days_max, NULL);
    }
    return r < 0 ? -EINVAL : 0;
}

int zt_intune_emit_scripts(struct zt_ctx *ctx, const struct zt_intune_scripts *s)
{
    struct json_object *detail = json_object_new_object();
    int r = 0;

    json_object_object_add(detail, "not_scheduled",
                           s->unscheduled ? json_object_get(s->unscheduled)
                                          : json_object_new_array());
    r |= zt_ms_emit_count(ctx, "intune.remediations.count", s->total, NULL);
    r |= zt_ms_emit_count(ctx, "intune.remediations.assigned_count", s->assigned, NULL);
    r |= zt_ms_emit_count(ctx, "intune.remediations.scheduled_count", s->scheduled, detail);
    return r < 0 ? -EINVAL : 0;
}

int zt_intune_emit_enrollment(struct zt_ctx *ctx, const struct zt_intune_enrollment *e)
{
    struct json_object *allowed = zt_intune_platform_list(e->personal_allowed);
    bool none = json_object_array_length(allowed) == 0;
    int r = 0;

    r |= zt_ms_emit_count(ctx, "intune.enrollment.configuration_count", e->configs, NULL);
    r |= zt_emit(ctx, "intune.enrollment.personal_allowed_platforms", allowed, NULL);
    r |= zt_emit(ctx, "intune.enrollment.blocked_platforms",
                 zt_intune_platform_list(e->platform_blocked), NULL);
    if (e->restrictions) {
        r |= zt_emit_bool(ctx, "intune.enrollment.personal_blocked", none);
    }
    if (e->limits) {
        r |= zt_ms_emit_count(ctx, "intune.enrollment.device_limit_max", e->limit_max, NULL);
    }
    return r < 0 ? -EINVAL : 0;
}

int zt_intune_emit_autopilot(struct zt_ctx *ctx, const struct zt_intune_autopilot *a)
{
    int r = 0;

    r |= zt_ms_emit_count(ctx, "intune.autopilot.profile_count", a->profiles, NULL);
    r |= zt_ms_emit_count(ctx, "intune.autopilot.assigned_profile_count", a->assigned, NULL);
    return r < 0 ? -EINVAL : 0;
}
