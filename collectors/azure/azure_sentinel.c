/* azure_sentinel.c - what Microsoft Sentinel holds per workspace and Resource Graph does not:
 * automation rules (and which run playbooks), the onboarding state, the data connectors that feed
 * the workspace and the analytics rules (scheduled, near-real-time, Fusion), each read with the
 * Microsoft.SecurityInsights list at every Sentinel workspace the automation query found. */
#include <json-c/json.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "azure_graph.h"

#define CONNECTOR_KINDS_MAX 64u /* distinct data connector kinds kept */

const struct zt_strv *zt_azure_sentinel_workspaces(const struct zt_azure_graph *acc)
{
    return &acc->automation.sentinel_ws;
}

/* ---- automation rules ----------------------------------------------------------------------- */

/* An automation rule: enabled unless triggeringLogic.isEnabled is false or it has expired;
 * a playbook rule runs a Logic App (actionType RunPlaybook). */
void zt_azure_sentinel_rule_item(struct zt_azure_graph *acc, struct json_object *rule)
{
    struct zt_azure_automation *a = &acc->automation;
    struct json_object *actions = zt_http_json_path(rule, "properties.actions");
    const char *expires = zt_azure_str_at(rule, "properties.triggeringLogic.expirationTimeUtc");
    int64_t until = 0;
    bool playbook = false;

    a->sentinel_rules++;
    if (zt_azure_bool_at(rule, "properties.triggeringLogic.isEnabled") != 1 ||
        (expires && zt_ms_parse_time(expires, &until) == 0 && until < (int64_t)time(NULL))) {
        return;
    }
    for (size_t i = 0;
         json_object_is_type(actions, json_type_array) && i < json_object_array_length(actions);
         i++) {
        playbook |=
            zt_azure_str_is(json_object_array_get_idx(actions, i), "actionType", "RunPlaybook");
    }
    a->sentinel_rules_enabled++;
    a->sentinel_playbook_rules += playbook;
}

int zt_azure_sentinel_rules_emit(struct zt_ctx *ctx, const struct zt_azure_graph *acc)
{
    const struct zt_azure_automation *a = &acc->automation;
    struct json_object *d = json_object_new_object();
    int r = 0;

    json_object_object_add(d, "defined", json_object_new_int64((int64_t)a->sentinel_rules));
    json_object_object_add(d, "workspaces", json_object_new_int64((int64_t)a->sentinel_ws.n));
    r |=
        zt_ms_emit_count(ctx, "azure.sentinel.automation_rule_count", a->sentinel_rules_enabled, d);
    r |= zt_ms_emit_count(ctx, "azure.sentinel.playbook_rule_count", a->sentinel_playbook_rules,
                          NULL);
    return r < 0 ? -EINVAL : 0;
}

/* ---- onboarding states ---------------------------------------------------------------------- */

/* A workspace onboarded to Sentinel holds one onboarding state, named "default". */
void zt_azure_sentinel_onboarding_item(struct zt_azure_graph *acc, struct json_object *item)
{
    const char *name = zt_json_str(item, "name");

    if (name && strcasecmp(name, "default") == 0) {
        acc->automation.onboarded++;
    } else {
        acc->automation.malformed++;
    }
}

int zt_azure_sentinel_onboarding_emit(struct zt_ctx *ctx, const struct zt_azure_graph *acc)
{
    const struct zt_azure_automation *a = &acc->automation;
    uint64_t n = a->onboarded > a->sentinel_ws.n ? a->sentinel_ws.n : a->onboarded;

    return zt_ms_emit_count(ctx, "azure.sentinel.onboarded_workspace_count", n, NULL) < 0 ? -EINVAL
                                                                                          : 0;
}

/* ---- data connectors ------------------------------------------------------------------------ */

/* Whether one of the connector's data types is connected (properties.dataTypes.<type>.state
 * "Enabled"; Office365 and the threat intelligence connectors nest no deeper). */
static bool connector_feeds(struct json_object *c)
{
    struct json_object *types = zt_http_json_path(c, "properties.dataTypes");

    if (!json_object_is_type(types, json_type_object)) {
        return false;
    }
    json_object_object_foreach(types, name, t)
    {
        (void)name;
        if (zt_azure_str_is(t, "state", "Enabled")) {
            return true;
        }
    }
    return false;
}

/* A data connector ({"kind", "properties": {"dataTypes": {...}}}) that feeds the workspace. */
void zt_azure_sentinel_connector_item(struct zt_azure_graph *acc, struct json_object *item)
{
    struct zt_azure_automation *a = &acc->automation;
    const char *kind = zt_json_str(item, "kind");

    if (!kind || !kind[0]) {
        a->malformed++;
        return;
    }
    if (connector_feeds(item)) {
        a->connectors++;
        zt_azure_ids_add(&a->connector_kinds, kind, CONNECTOR_KINDS_MAX);
    }
}

int zt_azure_sentinel_connectors_emit(struct zt_ctx *ctx, const struct zt_azure_graph *acc)
{
    const struct zt_azure_automation *a = &acc->automation;
    struct json_object *kinds = json_object_new_array();
    int r = 0;

    for (size_t i = 0; i < a->connector_kinds.n; i++) {
        json_object_array_add(kinds, json_object_new_string(a->connector_kinds.v[i]));
    }
    r |= zt_ms_emit_count(ctx, "azure.sentinel.data_connector_count", a->connectors, NULL);
    r |= zt_emit(ctx, "azure.sentinel.data_connector_kinds", kinds, NULL);
    return r < 0 ? -EINVAL : 0;
}

/* ---- analytics rules ------------------------------------------------------------------------ */

/* An analytics rule ({"kind", "properties": {"enabled"}}): scheduled and near-real-time rules
 * are the workspace's own detections; Fusion correlates alerts and signals across sources. */
void zt_azure_sentinel_alert_rule_item(struct zt_azure_graph *acc, struct json_object *item)
{
    struct zt_azure_automation *a = &acc->automation;
    const char *kind = zt_json_str(item, "kind");
    bool on = zt_azure_bool_at(item, "properties.enabled") == 1;

    if (!kind) {
        a->malformed++;
        return;
    }
    a->alert_rules++;
    a->analytics_enabled +=
        on && (strcasecmp(kind, "Scheduled") == 0 || strcasecmp(kind, "NRT") == 0);
    a->fusion_enabled += on && strcasecmp(kind, "Fusion") == 0;
}

int zt_azure_sentinel_alert_rules_emit(struct zt_ctx *ctx, const struct zt_azure_graph *acc)
{
    const struct zt_azure_automation *a = &acc->automation;
    struct json_object *d = json_object_new_object();
    int r = 0;

    json_object_object_add(d, "defined", json_object_new_int64((int64_t)a->alert_rules));
    r |= zt_ms_emit_count(ctx, "azure.sentinel.analytics_rule_count", a->analytics_enabled, d);
    r |= zt_ms_emit_count(ctx, "azure.sentinel.fusion_enabled_count", a->fusion_enabled, NULL);
    return r < 0 ? -EINVAL : 0;
}
