/* intune_reduce.c - the intune collector's parse and derive steps, testable on JSON strings:
 * pages of managed devices and compliance policies are folded into counters, then turned into
 * intune.* evidence. */
#include "intune.h"

#include <strings.h>

static const char *const state_names[_ZT_INTUNE_STATE_MAX] = {
    [ZT_INTUNE_UNKNOWN] = "unknown",
    [ZT_INTUNE_COMPLIANT] = "compliant",
    [ZT_INTUNE_NONCOMPLIANT] = "noncompliant",
    [ZT_INTUNE_CONFLICT] = "conflict",
    [ZT_INTUNE_ERROR] = "error",
    [ZT_INTUNE_IN_GRACE_PERIOD] = "inGracePeriod",
    [ZT_INTUNE_CONFIG_MANAGER] = "configManager",
    [ZT_INTUNE_STATE_OTHER] = "other",
};

const char *zt_intune_state_to_string(enum zt_intune_state s)
{
    return s < _ZT_INTUNE_STATE_MAX ? state_names[s] : NULL;
}

enum zt_intune_state zt_intune_state_from_string(const char *s)
{
    if (!s) {
        return ZT_INTUNE_UNKNOWN;
    }
    for (size_t i = 0; i < ZT_INTUNE_STATE_OTHER; i++) {
        if (strcasecmp(s, state_names[i]) == 0) {
            return (enum zt_intune_state)i;
        }
    }
    return ZT_INTUNE_STATE_OTHER;
}

void zt_intune_policies_clear(struct zt_intune_policies *p)
{
    json_object_put(p->unassigned);
    p->unassigned = NULL;
    json_object_put(p->no_retire);
    p->no_retire = NULL;
}

enum zt_ms_platform zt_intune_policy_platform(const char *odata_type)
{
    static const struct {
        const char *prefix;
        enum zt_ms_platform platform;
    } map[] = {
        {"windows", ZT_MS_WINDOWS}, {"ios", ZT_MS_IOS},      {"macos", ZT_MS_MACOS},
        {"android", ZT_MS_ANDROID}, {"aosp", ZT_MS_ANDROID}, {"linux", ZT_MS_LINUX},
    };
    const char *t = odata_type;

    if (!t) {
        return ZT_MS_OTHER;
    }
    if (zt_startswith(t, "#microsoft.graph.")) {
        t += strlen("#microsoft.graph.");
    }
    for (size_t i = 0; i < ZT_ELEMENTSOF(map); i++) {
        if (strncasecmp(t, map[i].prefix, strlen(map[i].prefix)) == 0) {
            return map[i].platform;
        }
    }
    return ZT_MS_OTHER;
}

struct json_object *zt_intune_page_values(struct json_object *page, char *err, size_t errlen)
{
    struct json_object *v = NULL;

    if (!json_object_is_type(page, json_type_object) ||
        !json_object_object_get_ex(page, "value", &v) || !json_object_is_type(v, json_type_array)) {
        snprintf(err, errlen, "unexpected response: no \"value\" array");
        return NULL;
    }
    return v;
}

static bool json_bool_true(struct json_object *obj, const char *key)
{
    struct json_object *v = NULL;
    return json_object_object_get_ex(obj, key, &v) && json_object_is_type(v, json_type_boolean) &&
           json_object_get_boolean(v);
}

void zt_intune_device_item(struct zt_intune_devices *acc, struct json_object *dev)
{
    if (!json_object_is_type(dev, json_type_object)) {
        acc->skipped++;
        return;
    }
    enum zt_intune_state st = zt_intune_state_from_string(zt_json_str(dev, "complianceState"));
    const char *jb = zt_json_str(dev, "jailBroken");
    int64_t synced_at = 0;

    acc->total++;
    acc->state[st]++;
    acc->compliant += st == ZT_INTUNE_COMPLIANT;
    acc->encrypted += json_bool_true(dev, "isEncrypted");
    acc->platform[zt_ms_platform_from_os(zt_json_str(dev, "operatingSystem"))]++;
    /* jailBroken is a string: "True", "False", "Unknown" (or absent). */
    if (jb && strcasecmp(jb, "true") == 0) {
        acc->jailbroken++;
    } else if (!jb || strcasecmp(jb, "false") != 0) {
        acc->jailbreak_unknown++;
    }
    if (zt_ms_parse_time(zt_json_str(dev, "lastSyncDateTime"), &synced_at) < 0) {
        acc->sync_unknown++;
    } else if (synced_at >= acc->now_sec - (int64_t)acc->stale_sec) {
        acc->synced++; /* a time ahead of our clock (skew) counts as fresh */
    }
}

bool zt_intune_assignment_includes(struct json_object *a)
{
    struct json_object *target = NULL;

    if (!json_object_is_type(a, json_type_object) ||
        !json_object_object_get_ex(a, "target", &target) ||
        !json_object_is_type(target, json_type_object)) {
        return false;
    }
    const char *type = zt_json_str(target, "@odata.type");
    return !type || !zt_endswith(type, "exclusionGroupAssignmentTarget");
}

bool zt_intune_assigned(struct json_object *assignments)
{
    if (!json_object_is_type(assignments, json_type_array)) {
        return false;
    }
    for (size_t i = 0; i < json_object_array_length(assignments); i++) {
        if (zt_intune_assignment_includes(json_object_array_get_idx(assignments, i))) {
            return true;
        }
    }
    return false;
}

/* deviceThreatProtectionEnabled with a required level of medium or stricter. */
static bool policy_device_risk(struct json_object *pol)
{
    const char *level = zt_json_str(pol, "deviceThreatProtectionRequiredSecurityLevel");

    return json_bool_true(pol, "deviceThreatProtectionEnabled") && level &&
           (strcasecmp(level, "secured") == 0 || strcasecmp(level, "low") == 0 ||
            strcasecmp(level, "medium") == 0);
}

void zt_intune_note_name(struct json_object **list, const char *name)
{
    if (!*list) {
        *list = json_object_new_array();
    }
    if (json_object_array_length(*list) < ZT_MS_DETAIL_MAX) {
        json_object_array_add(*list, json_object_new_string(name ? name : "?"));
    }
}

/* gracePeriodHours of an action item: 0 to 8760 per Graph; anything else counts as 8760. */
static uint64_t grace_hours(struct json_object *item)
{
    struct json_object *v = NULL;

    if (!json_object_object_get_ex(item, "gracePeriodHours", &v) ||
        !json_object_is_type(v, json_type_int)) {
        return 8760;
    }
    int64_t h = json_object_get_int64(v);
    return h < 0 || h > 8760 ? 8760 : (uint64_t)h;
}

/* Fold the noncompliance actions of an assigned policy (scheduledActionsForRule expanded with
 * scheduledActionConfigurations): the shortest grace of its block and of its retire or wipe
 * actions, then the tenant's longest of each. */
static void policy_actions(struct zt_intune_policies *acc, struct json_object *pol,
                           const char *name)
{
    struct json_object *rules = NULL;
    uint64_t block = UINT64_MAX, retire = UINT64_MAX;

    if (!json_object_object_get_ex(pol, "scheduledActionsForRule", &rules) ||
        !json_object_is_type(rules, json_type_array)) {
        acc->actions_missing++;
        return;
    }
    for (size_t i = 0; i < json_object_array_length(rules); i++) {
        struct json_object *items = NULL, *rule = json_object_array_get_idx(rules, i);
        if (!json_object_is_type(rule, json_type_object) ||
            !json_object_object_get_ex(rule, "scheduledActionConfigurations", &items) ||
            !json_object_is_type(items, json_type_array)) {
            continue;
        }
        for (size_t j = 0; j < json_object_array_length(items); j++) {
            struct json_object *item = json_object_array_get_idx(items, j);
            const char *type = zt_json_str(item, "actionType");
            uint64_t h = grace_hours(item);
            if (type && strcasecmp(type, "block") == 0) {
                block = h < block ? h : block;
            } else if (type && (strcasecmp(type, "retire") == 0 || strcasecmp(type, "wipe") == 0)) {
                retire = h < retire ? h : retire;
            }
        }
    }
    if (block == UINT64_MAX) {
        acc->without_block++;
    } else {
        acc->with_block++;
        acc->block_hours_max = block > acc->block_hours_max ? block : acc->block_hours_max;
    }
    if (retire == UINT64_MAX) {
        acc->without_retire++;
        zt_intune_note_name(&acc->no_retire, name);
    } else {
        acc->with_retire++;
        acc->retire_hours_max = retire > acc->retire_hours_max ? retire : acc->retire_hours_max;
    }
}

static int policy_fold(struct zt_intune_policies *acc, struct json_object *pol, char *err,
                       size_t errlen)
{
    struct json_object *assignments = NULL;
    const char *name = zt_json_str(pol, "displayName");
    enum zt_ms_platform pf = zt_intune_policy_platform(zt_json_str(pol, "@odata.type"));

    /* Without the member we cannot tell "unassigned" from "not expanded": refuse to guess. */
    if (!json_object_object_get_ex(pol, "assignments", &assignments) ||
        !json_object_is_type(assignments, json_type_array)) {
        snprintf(err, errlen, "compliance policy \"%.80s\" has no \"assignments\" array",
                 name ? name : "?");
        return -EBADMSG;
    }
    acc->total++;
    acc->platform[pf]++;
    if (!zt_intune_assigned(assignments)) {
        zt_intune_note_name(&acc->unassigned, name);
        return 0;
    }
    acc->assigned++;
    acc->platform_assigned[pf]++;
    acc->device_risk += policy_device_risk(pol);
    policy_actions(acc, pol, name);
    return 0;
}

int zt_intune_each(struct json_object *page, zt_intune_fold_fn fold, void *acc, uint64_t *skipped,
                   char *err, size_t errlen)
{
    struct json_object *values = zt_intune_page_values(page, err, errlen);

    if (!values) {
        return -EBADMSG;
    }
    for (size_t i = 0; i < json_object_array_length(values); i++) {
        struct json_object *o = json_object_array_get_idx(values, i);
        if (!json_object_is_type(o, json_type_object)) {
            (*skipped)++;
            continue;
        }
        int r = fold(acc, o, err, errlen);
        if (r < 0) {
            return r;
        }
    }
    return 0;
}

static int policy_fold_cb(void *acc, struct json_object *pol, char *err, size_t errlen)
{
    return policy_fold(acc, pol, err, errlen);
}

int zt_intune_policies_page(struct zt_intune_policies *acc, struct json_object *page, char *err,
                            size_t errlen)
{
    return zt_intune_each(page, policy_fold_cb, acc, &acc->skipped, err, errlen);
}

/* {"windows": n, ...} for the non-zero counters. */
static struct json_object *platform_counts(const uint64_t *counts)
{
    struct json_object *o = json_object_new_object();
    for (size_t i = 0; i < _ZT_MS_PLATFORM_MAX; i++) {
        if (counts[i]) {
            json_object_object_add(o, zt_ms_platform_to_string(i),
                                   json_object_new_int64((int64_t)counts[i]));
        }
    }
    return o;
}

struct json_object *zt_intune_platform_list(const uint64_t *counts)
{
    struct json_object *a = json_object_new_array();
    for (size_t i = 0; i < _ZT_MS_PLATFORM_MAX; i++) {
        if (counts[i]) {
            json_object_array_add(a, json_object_new_string(zt_ms_platform_to_string(i)));
        }
    }
    return a;
}

static int emit_share(struct zt_ctx *ctx, const char *key, uint64_t part, uint64_t whole)
{
    return whole ? zt_emit_double(ctx, key, zt_ms_share(part, whole)) : 0;
}

int zt_intune_emit_devices(struct zt_ctx *ctx, const struct zt_intune_devices *d)
{
    struct json_object *states = json_object_new_object();
    struct json_object *count_detail = json_object_new_object();
    struct json_object *sync_detail = json_object_new_object();
    struct json_object *jb_detail = json_object_new_object();
    int r = 0;

    for (size_t i = 0; i < _ZT_INTUNE_STATE_MAX; i++) {
        if (d->state[i]) {
            json_object_object_add(states, state_names[i],
                                   json_object_new_int64((int64_t)d->state[i]));
        }
    }
    json_object_object_add(count_detail, "by_platform", platform_counts(d->platform));
    json_object_object_add(count_detail, "skipped_elements",
                           json_object_new_int64((int64_t)d->skipped));
    json_object_object_add(sync_detail, "stale_days",
                           json_object_new_int64((int64_t)(d->stale_sec / ZT_MS_SECONDS_DAY)));
    json_object_object_add(sync_detail, "sync_time_unknown",
                           json_object_new_int64((int64_t)d->sync_unknown));
    json_object_object_add(jb_detail, "unknown",
                           json_object_new_int64((int64_t)d->jailbreak_unknown));

    r |= zt_ms_emit_count(ctx, "intune.devices.count", d->total, count_detail);
    r |= zt_emit(ctx, "intune.devices.platforms", zt_intune_platform_list(d->platform), NULL);
    r |= zt_ms_emit_count(ctx, "intune.devices.compliant_count", d->compliant, states);
    r |= emit_share(ctx, "intune.devices.compliant_share", d->compliant, d->total);
    r |= zt_ms_emit_count(ctx, "intune.devices.encrypted_count", d->encrypted, NULL);
    r |= emit_share(ctx, "intune.devices.encrypted_share", d->encrypted, d->total);
    r |= zt_ms_emit_count(ctx, "intune.devices.synced_count", d->synced, sync_detail);
    r |= emit_share(ctx, "intune.devices.synced_share", d->synced, d->total);
    r |= zt_ms_emit_count(ctx, "intune.devices.stale_count", d->total - d->synced, NULL);
    r |= zt_ms_emit_count(ctx, "intune.devices.jailbroken_count", d->jailbroken, jb_detail);
    return r < 0 ? -EINVAL : 0;
}

/* Platforms with devices but no assigned policy. Linux and other are not judged: Linux
 * compliance lives in configuration policies (settings catalog), not in this endpoint. */
static int emit_coverage(struct zt_ctx *ctx, const struct zt_intune_policies *p,
                         const struct zt_intune_devices *d)
{
    uint64_t uncovered[_ZT_MS_PLATFORM_MAX] = {0};
    bool judged = false, covered = true;

    for (size_t i = 0; i < _ZT_MS_PLATFORM_MAX; i++) {
        if (i == ZT_MS_LINUX || i == ZT_MS_OTHER || !d->platform[i]) {
            continue;
        }
        judged = true;
        if (!p->platform_assigned[i]) {
            uncovered[i] = d->platform[i];
            covered = false;
        }
    }
    struct json_object *detail = json_object_new_object();
    json_object_object_add(detail, "devices_by_platform", platform_counts(d->platform));
    json_object_object_add(detail, "not_judged", json_object_new_string("linux, other"));
    int r = zt_emit(ctx, "intune.compliance.uncovered_platforms",
                    zt_intune_platform_list(uncovered), NULL);
    if (judged) {
        r |= zt_emit(ctx, "intune.compliance.device_platforms_covered",
                     json_object_new_boolean(covered), detail);
    } else {
        json_object_put(detail);
    }
    return r;
}

/* The noncompliance action keys, only when every assigned policy came with its actions: a policy
 * whose actions were not expanded could be the one without them. */
static int emit_actions(struct zt_ctx *ctx, const struct zt_intune_policies *p)
{
    struct json_object *detail = json_object_new_object();
    int r = 0;

    if (p->actions_missing) {
        json_object_put(detail);
        return 0;
    }
    json_object_object_add(detail, "policies",
                           p->no_retire ? json_object_get(p->no_retire) : json_object_new_array());
    r |= zt_ms_emit_count(ctx, "intune.compliance.without_block_count", p->without_block, NULL);
    r |= zt_ms_emit_count(ctx, "intune.compliance.without_retire_count", p->without_retire, detail);
    if (p->with_block) {
        r |= zt_ms_emit_count(ctx, "intune.compliance.block_grace_hours_max", p->block_hours_max,
                              NULL);
    }
    if (p->with_retire) {
        /* whole days, rounded up: 25 hours is two days of a device kept */
        r |= zt_ms_emit_count(ctx, "intune.compliance.retire_grace_days_max",
                              (p->retire_hours_max + 23) / 24, NULL);
    }
    return r;
}

int zt_intune_emit_policies(struct zt_ctx *ctx, const struct zt_intune_policies *p,
                            const struct zt_intune_devices *d)
{
    struct json_object *detail = json_object_new_object();
    int r = 0;

    json_object_object_add(detail, "unassigned",
                           p->unassigned ? json_object_get(p->unassigned)
                                         : json_object_new_array());
    json_object_object_add(detail, "by_platform", platform_counts(p->platform_assigned));
    r |= zt_ms_emit_count(ctx, "intune.compliance.policy_count", p->total, NULL);
    r |= zt_ms_emit_count(ctx, "intune.compliance.assigned_policy_count", p->assigned, detail);
    r |= zt_emit(ctx, "intune.compliance.platforms", zt_intune_platform_list(p->platform), NULL);
    r |= zt_emit(ctx, "intune.compliance.assigned_platforms",
                 zt_intune_platform_list(p->platform_assigned), NULL);
    r |= zt_ms_emit_count(ctx, "intune.compliance.device_risk_policy_count", p->device_risk, NULL);
    r |= emit_actions(ctx, p);
    if (d) {
        r |= emit_coverage(ctx, p, d);
    }
    return r < 0 ? -EINVAL : 0;
}
