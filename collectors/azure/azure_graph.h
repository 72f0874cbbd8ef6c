/* azure_graph.h - helpers and row folds shared by the Resource Graph files of the azure
 * collector (azure_graph.c, azure_graph_data.c) and their unit test. */
#pragma once

#include "azure.h"

/* The string at a dotted path ("properties.policySettings.mode"), or NULL. */
const char *zt_azure_str_at(struct json_object *o, const char *path);
/* Whether that string equals value, ignoring case. */
bool zt_azure_str_is(struct json_object *o, const char *path, const char *value);
/* A boolean at path (also "true"/"false" strings): 1, 0, or -1 when absent or neither. */
int zt_azure_bool_at(struct json_object *o, const char *path);
/* The length of the array at path (0 when absent or not an array). */
size_t zt_azure_len_at(struct json_object *o, const char *path);
/* Whether a non-empty string (a resource id) sits at path. */
bool zt_azure_id_at(struct json_object *o, const char *path);
/* A row's "type" and "properties" object; false when either is missing. */
bool zt_azure_row(struct json_object *row, const char **type, struct json_object **props);
/* Emit key = part / whole, capped at 1; nothing when whole is 0 (not observed). */
int zt_azure_emit_share(struct zt_ctx *ctx, const char *key, uint64_t part, uint64_t whole);

/* Row folds and emitters of each query (see zt_azure_queries). */
void zt_azure_net_row(struct zt_azure_graph *acc, struct json_object *row);
int zt_azure_net_emit(struct zt_ctx *ctx, const struct zt_azure_graph *acc);
void zt_azure_policy_row(struct zt_azure_graph *acc, struct json_object *row);
int zt_azure_policy_emit(struct zt_ctx *ctx, const struct zt_azure_graph *acc);
void zt_azure_vaults_row(struct zt_azure_graph *acc, struct json_object *row);
int zt_azure_vaults_emit(struct zt_ctx *ctx, const struct zt_azure_graph *acc);
void zt_azure_protected_row(struct zt_azure_graph *acc, struct json_object *row);
int zt_azure_protected_emit(struct zt_ctx *ctx, const struct zt_azure_graph *acc);
void zt_azure_automation_row(struct zt_azure_graph *acc, struct json_object *row);
int zt_azure_automation_emit(struct zt_ctx *ctx, const struct zt_azure_graph *acc);
void zt_azure_assignments_row(struct zt_azure_graph *acc, struct json_object *row);
int zt_azure_assignments_emit(struct zt_ctx *ctx, const struct zt_azure_graph *acc);
void zt_azure_subscriptions_row(struct zt_azure_graph *acc, struct json_object *row);
int zt_azure_subscriptions_emit(struct zt_ctx *ctx, const struct zt_azure_graph *acc);

/* Sentinel, per workspace, from Microsoft.SecurityInsights (azure_sentinel.c). */
const struct zt_strv *zt_azure_sentinel_workspaces(const struct zt_azure_graph *acc);
void zt_azure_sentinel_rule_item(struct zt_azure_graph *acc, struct json_object *rule);
int zt_azure_sentinel_rules_emit(struct zt_ctx *ctx, const struct zt_azure_graph *acc);
void zt_azure_sentinel_onboarding_item(struct zt_azure_graph *acc, struct json_object *item);
int zt_azure_sentinel_onboarding_emit(struct zt_ctx *ctx, const struct zt_azure_graph *acc);
void zt_azure_sentinel_connector_item(struct zt_azure_graph *acc, struct json_object *item);
int zt_azure_sentinel_connectors_emit(struct zt_ctx *ctx, const struct zt_azure_graph *acc);
void zt_azure_sentinel_alert_rule_item(struct zt_azure_graph *acc, struct json_object *item);
int zt_azure_sentinel_alert_rules_emit(struct zt_ctx *ctx, const struct zt_azure_graph *acc);
/* Add s to a list of ids unless it is there already (compared without case), up to max. */
void zt_azure_ids_add(struct zt_strv *ids, const char *s, size_t max);

/* Indexes into zt_azure_queries. */
enum {
    ZT_AZURE_Q_NETWORK,
    ZT_AZURE_Q_VAULTS,
    ZT_AZURE_Q_PROTECTED,
    ZT_AZURE_Q_POLICY,
    ZT_AZURE_Q_AUTOMATION,
    ZT_AZURE_Q_ASSIGNMENTS,
    ZT_AZURE_Q_SUBSCRIPTIONS,
    _ZT_AZURE_Q_MAX,
};
