/* azure_graph_data.c - the Resource Graph queries of the azure collector (their KQL) and the
 * folds of the data-side ones: Recovery Services and Backup vaults (soft delete, immutability,
 * geo-redundancy), Key Vault settings, virtual machines, protected items, and the response and
 * configuration automation (Defender for Cloud workflow automations, Logic App playbooks,
 * Sentinel workspaces, autoscale settings, App Configuration stores). */
#include <json-c/json.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "azure_graph.h"

#define NETWORK_TYPES                                                                              \
    "'microsoft.network/loadbalancers', 'microsoft.network/publicipaddresses', "                   \
    "'microsoft.network/applicationgateways', 'microsoft.network/azurefirewalls', "                \
    "'microsoft.network/applicationgatewaywebapplicationfirewallpolicies', "                       \
    "'microsoft.network/frontdoorwebapplicationfirewallpolicies', "                                \
    "'microsoft.network/firewallpolicies', 'microsoft.network/virtualnetworks', "                  \
    "'microsoft.network/ddosprotectionplans', 'microsoft.network/privateendpoints', "              \
    "'microsoft.network/networkwatchers/flowlogs'"

/* The resource types whose policy states speak for data (stores, databases, key and backup
 * vaults). */
#define DATA_TYPES                                                                                 \
    "'microsoft.storage/storageaccounts', 'microsoft.sql/servers', "                               \
    "'microsoft.sql/servers/databases', 'microsoft.sql/managedinstances', "                        \
    "'microsoft.documentdb/databaseaccounts', 'microsoft.dbforpostgresql/flexibleservers', "       \
    "'microsoft.dbformysql/flexibleservers', 'microsoft.cache/redis', "                            \
    "'microsoft.keyvault/vaults', 'microsoft.recoveryservices/vaults', "                           \
    "'microsoft.dataprotection/backupvaults', 'microsoft.synapse/workspaces', "                    \
    "'microsoft.datafactory/factories'"

#define QUERY(n, text, fold, out) .name = (n), .kql = (text), .row = (fold), .emit = (out)

const struct zt_azure_query zt_azure_queries[] = {
    [ZT_AZURE_Q_NETWORK] = {QUERY("network",
                                  "Resources | where type in~ (" NETWORK_TYPES ") "
                                  "| project id, type, subscriptionId, sku, zones, properties",
                                  zt_azure_net_row, zt_azure_net_emit)},
    [ZT_AZURE_Q_VAULTS] = {QUERY(
        "vaults",
        "Resources | where type in~ ('microsoft.recoveryservices/vaults', "
        "'microsoft.dataprotection/backupvaults', "
        "'microsoft.keyvault/vaults', 'microsoft.compute/virtualmachines') "
        "| project id, type, subscriptionId, properties = iff(type =~ "
        "'microsoft.compute/virtualmachines', dynamic({}), properties)",
        zt_azure_vaults_row, zt_azure_vaults_emit)},
    [ZT_AZURE_Q_PROTECTED] = {QUERY("protected items",
                                    "RecoveryServicesResources | where type in~ ("
                                    "'microsoft.recoveryservices/vaults/backupfabrics/"
                                    "protectioncontainers/protecteditems', "
                                    "'microsoft.dataprotection/backupvaults/backupinstances') "
                                    "| project id, type, subscriptionId, properties",
                                    zt_azure_protected_row, zt_azure_protected_emit)},
    [ZT_AZURE_Q_POLICY] = {QUERY(
        "policy states",
        "PolicyResources | where type =~ 'microsoft.policyinsights/policystates' "
        "| extend aid = tolower(tostring(properties.policyAssignmentId)) "
        "| join kind=leftouter (PolicyResources "
        "| where type =~ 'microsoft.authorization/policyassignments' "
        "| project aid = tolower(id), emode = tostring(properties.enforcementMode)) on aid "
        "| extend state = tolower(tostring(properties.complianceState)), "
        "action = tolower(tostring(properties.policyDefinitionAction)), "
        "mg = tolower(tostring(properties.policyAssignmentScope)) "
        "startswith '/providers/microsoft.management/managementgroups/', "
        "data = tolower(tostring(properties.resourceType)) in (" DATA_TYPES "), "
        "net = tolower(tostring(properties.resourceType)) startswith 'microsoft.network/', "
        "dne = emode =~ 'DoNotEnforce' "
        "| summarize n = count() by state, action, mg, data, net, dne",
        zt_azure_policy_row, zt_azure_policy_emit)},
    [ZT_AZURE_Q_AUTOMATION] =
        {
            QUERY("automation",
                  "Resources | where type in~ ('microsoft.security/automations', "
                  "'microsoft.logic/workflows', 'microsoft.operationsmanagement/solutions', "
                  "'microsoft.insights/autoscalesettings', "
                  "'microsoft.compute/virtualmachinescalesets', "
                  "'microsoft.web/serverfarms', 'microsoft.appconfiguration/configurationstores') "
                  "| project id, type, subscriptionId, name, properties = iff(type in~ ("
                  "'microsoft.compute/virtualmachinescalesets', 'microsoft.web/serverfarms', "
                  "'microsoft.appconfiguration/configurationstores'), dynamic({}), properties)",
                  zt_azure_automation_row, zt_azure_automation_emit),
            .follow_ids = zt_azure_sentinel_workspaces,
            .follows =
                {
                    {"/providers/Microsoft.SecurityInsights/"
                     "automationRules?api-version=" ZT_AZURE_API_SENTINEL,
                     "Sentinel automation rules", zt_azure_sentinel_rule_item,
                     zt_azure_sentinel_rules_emit},
                    {"/providers/Microsoft.SecurityInsights/"
                     "onboardingStates?api-version=" ZT_AZURE_API_SENTINEL,
                     "Sentinel onboarding states", zt_azure_sentinel_onboarding_item,
                     zt_azure_sentinel_onboarding_emit},
                    {"/providers/Microsoft.SecurityInsights/"
                     "dataConnectors?api-version=" ZT_AZURE_API_SENTINEL,
                     "Sentinel data connectors", zt_azure_sentinel_connector_item,
                     zt_azure_sentinel_connectors_emit},
                    {"/providers/Microsoft.SecurityInsights/"
                     "alertRules?api-version=" ZT_AZURE_API_SENTINEL,
                     "Sentinel analytics rules", zt_azure_sentinel_alert_rule_item,
                     zt_azure_sentinel_alert_rules_emit},
                },
        },
    [ZT_AZURE_Q_ASSIGNMENTS] = {QUERY(
        "policy assignments",
        "PolicyResources | where type =~ 'microsoft.authorization/policyassignments' "
        "| extend mode = tolower(tostring(properties.enforcementMode)), "
        "mg = tolower(tostring(properties.scope)) "
        "startswith '/providers/microsoft.management/managementgroups/' "
        "| summarize n = count() by mode, mg",
        zt_azure_assignments_row, zt_azure_assignments_emit)},
    [ZT_AZURE_Q_SUBSCRIPTIONS] = {QUERY(
        "subscriptions",
        "ResourceContainers | where type =~ 'microsoft.resources/subscriptions' "
        "| project subscriptionId",
        zt_azure_subscriptions_row, zt_azure_subscriptions_emit)},
};

bool zt_azure_resource_id_valid(const char *s)
{
    static const char ok[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                             "-_.()/";
    return s && zt_startswith(s, "/subscriptions/") && strlen(s) < 512 &&
           strspn(s, ok) == strlen(s) && !strstr(s, "..") && !strstr(s, "//");
}

size_t zt_azure_queries_count(void)
{
    return ZT_ELEMENTSOF(zt_azure_queries);
}

void zt_azure_graph_clear(struct zt_azure_graph *acc)
{
    zt_strv_clear(&acc->automation.automated_subs);
    zt_strv_clear(&acc->automation.sentinel_ws);
    zt_strv_clear(&acc->net.vnet_ids);
    zt_strv_clear(&acc->net.flow_targets);
    zt_strv_clear(&acc->net.flow_ta_targets);
    zt_strv_clear(&acc->automation.connector_kinds);
    zt_strv_clear(&acc->visible_subs);
}

/* ---- vaults --------------------------------------------------------------------------------- */

/* A Recovery Services vault: softDeleteState Enabled/AlwaysON, redundancy of the standard tier.
 * A Backup vault (Data Protection): softDeleteSettings.state On/AlwaysOn, storageSettings[].type.
 */
static void vault(struct zt_azure_vaults *v, struct json_object *p, bool data_protection)
{
    const char *imm = zt_azure_str_at(p, "securitySettings.immutabilitySettings.state");
    bool soft, geo = false;

    if (data_protection) {
        soft = zt_azure_str_is(p, "securitySettings.softDeleteSettings.state", "On") ||
               zt_azure_str_is(p, "securitySettings.softDeleteSettings.state", "AlwaysOn");
        struct json_object *st = zt_json_array(p, "storageSettings");
        for (size_t i = 0; st && i < json_object_array_length(st); i++) {
            geo |= zt_azure_str_is(json_object_array_get_idx(st, i), "type", "GeoRedundant");
        }
    } else {
        soft =
            zt_azure_str_is(p, "securitySettings.softDeleteSettings.softDeleteState", "Enabled") ||
            zt_azure_str_is(p, "securitySettings.softDeleteSettings.softDeleteState", "AlwaysON");
        geo =
            zt_azure_str_is(p, "redundancySettings.standardTierStorageRedundancy", "GeoRedundant");
    }
    v->backup_vaults++;
    v->soft_delete += soft;
    v->immutable += imm && (strcasecmp(imm, "Unlocked") == 0 || strcasecmp(imm, "Locked") == 0);
    v->immutable_locked += imm && strcasecmp(imm, "Locked") == 0;
    v->geo += geo;
}

void zt_azure_vaults_row(struct zt_azure_graph *acc, struct json_object *row)
{
    struct zt_azure_vaults *v = &acc->vaults;
    const char *t;
    struct json_object *p;

    if (!zt_azure_row(row, &t, &p)) {
        v->malformed++;
    } else if (strcasecmp(t, "microsoft.recoveryservices/vaults") == 0) {
        vault(v, p, false);
    } else if (strcasecmp(t, "microsoft.dataprotection/backupvaults") == 0) {
        vault(v, p, true);
    } else if (strcasecmp(t, "microsoft.keyvault/vaults") == 0) {
        v->key_vaults++;
        v->kv_no_purge += zt_azure_bool_at(p, "enablePurgeProtection") != 1;
        v->kv_no_rbac += zt_azure_bool_at(p, "enableRbacAuthorization") != 1;
        v->kv_public += !zt_azure_str_is(p, "publicNetworkAccess", "Disabled") &&
                        !zt_azure_str_is(p, "networkAcls.defaultAction", "Deny");
    } else if (strcasecmp(t, "microsoft.compute/virtualmachines") == 0) {
        v->vms++;
    } else {
        v->malformed++;
    }
}

int zt_azure_vaults_emit(struct zt_ctx *ctx, const struct zt_azure_graph *acc)
{
    const struct zt_azure_vaults *v = &acc->vaults;
    struct json_object *d = json_object_new_object();
    int r = 0;

    json_object_object_add(d, "malformed_rows", json_object_new_int64((int64_t)v->malformed));
    r |= zt_ms_emit_count(ctx, "azure.backup.vault_count", v->backup_vaults, d);
    r |= zt_azure_emit_share(ctx, "azure.backup.soft_delete_share", v->soft_delete,
                             v->backup_vaults);
    r |= zt_azure_emit_share(ctx, "azure.backup.immutable_share", v->immutable, v->backup_vaults);
    r |= zt_azure_emit_share(ctx, "azure.backup.immutable_locked_share", v->immutable_locked,
                             v->backup_vaults);
    r |= zt_azure_emit_share(ctx, "azure.backup.geo_redundant_share", v->geo, v->backup_vaults);
    r |= zt_ms_emit_count(ctx, "azure.keyvault.count", v->key_vaults, NULL);
    r |= zt_ms_emit_count(ctx, "azure.keyvault.purge_protection_off_count", v->kv_no_purge, NULL);
    r |= zt_ms_emit_count(ctx, "azure.keyvault.rbac_off_count", v->kv_no_rbac, NULL);
    r |= zt_ms_emit_count(ctx, "azure.keyvault.public_network_count", v->kv_public, NULL);
    r |= zt_ms_emit_count(ctx, "azure.compute.vm_count", v->vms, NULL);
    return r < 0 ? -EINVAL : 0;
}

/* ---- protected items ------------------------------------------------------------------------ */

void zt_azure_protected_row(struct zt_azure_graph *acc, struct json_object *row)
{
    struct zt_azure_protected *pi = &acc->protected_items;
    const char *t;
    struct json_object *p;

    if (!zt_azure_row(row, &t, &p)) {
        pi->malformed++;
        return;
    }
    bool active;
    if (strcasecmp(t, "microsoft.dataprotection/backupvaults/backupinstances") == 0) {
        active = zt_azure_str_is(p, "currentProtectionState", "ProtectionConfigured");
    } else if (strcasecmp(t, "microsoft.recoveryservices/vaults/backupfabrics/"
                             "protectioncontainers/protecteditems") == 0) {
        /* Stopped protection keeps old recovery points but takes no new ones. */
        active = zt_azure_str_is(p, "protectionState", "Protected") ||
                 zt_azure_str_is(p, "protectionState", "IRPending");
        pi->vm_items += active && zt_azure_str_is(p, "workloadType", "VM");
    } else {
        pi->malformed++;
        return;
    }
    pi->items++;
    pi->active += active;
}

int zt_azure_protected_emit(struct zt_ctx *ctx, const struct zt_azure_graph *acc)
{
    const struct zt_azure_protected *pi = &acc->protected_items;
    struct json_object *d = json_object_new_object();
    int r = 0;

    json_object_object_add(d, "items", json_object_new_int64((int64_t)pi->items));
    json_object_object_add(d, "malformed_rows", json_object_new_int64((int64_t)pi->malformed));
    r |= zt_ms_emit_count(ctx, "azure.backup.protected_items_count", pi->active, d);
    if (acc->done & (1u << ZT_AZURE_Q_VAULTS)) { /* the VMs come from the vaults query */
        r |= zt_azure_emit_share(ctx, "azure.backup.vm_protected_share", pi->vm_items,
                                 acc->vaults.vms);
    }
    return r < 0 ? -EINVAL : 0;
}

/* ---- automation ----------------------------------------------------------------------------- */

/* A Logic App started by Microsoft Sentinel: one of its triggers uses the azuresentinel
 * connection (incident, alert or entity triggers). */
static bool sentinel_playbook(struct json_object *p)
{
    struct json_object *triggers = zt_http_json_path(p, "definition.triggers");

    if (!json_object_is_type(triggers, json_type_object)) {
        return false;
    }
    json_object_object_foreach(triggers, name, trig)
    {
        (void)name;
        const char *conn = zt_azure_str_at(trig, "inputs.host.connection.name");
        if (conn && strcasestr(conn, "['azuresentinel']")) {
            return true;
        }
    }
    return false;
}

static bool actions_change_network(struct json_object *actions, int depth);

/* One Logic App action that writes to Azure networking: an ARM connector or HTTP call with a
 * writing method whose inputs name Microsoft.Network; or a container (scope, condition, loop,
 * switch) holding one. */
static bool action_changes_network(struct json_object *act, int depth)
{
    static const char *const writes[] = {"put", "patch", "post", "delete"};
    struct json_object *inputs = zt_http_json_path(act, "inputs"), *cases = NULL;
    const char *method = zt_azure_str_at(act, "inputs.method");

    for (size_t i = 0;
         method && json_object_is_type(inputs, json_type_object) && i < ZT_ELEMENTSOF(writes);
         i++) {
        if (strcasecmp(method, writes[i]) == 0) {
            const char *text = json_object_to_json_string_ext(
                inputs, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
            if (strcasestr(text, "Microsoft.Network")) {
                return true;
            }
        }
    }
    if (actions_change_network(zt_http_json_path(act, "actions"), depth + 1) ||
        actions_change_network(zt_http_json_path(act, "else.actions"), depth + 1) ||
        actions_change_network(zt_http_json_path(act, "default.actions"), depth + 1)) {
        return true;
    }
    cases = zt_http_json_path(act, "cases");
    if (json_object_is_type(cases, json_type_object)) {
        json_object_object_foreach(cases, name, c)
        {
            (void)name;
            if (actions_change_network(zt_http_json_path(c, "actions"), depth + 1)) {
                return true;
            }
        }
    }
    return false;
}

static bool actions_change_network(struct json_object *actions, int depth)
{
    if (depth > 8 || !json_object_is_type(actions, json_type_object)) {
        return false;
    }
    json_object_object_foreach(actions, name, act)
    {
        (void)name;
        if (action_changes_network(act, depth)) {
            return true;
        }
    }
    return false;
}

static void automation_security(struct zt_azure_automation *a, struct json_object *row,
                                struct json_object *p)
{
    const char *sub = zt_json_str(row, "subscriptionId");

    a->security_automations++;
    if (zt_azure_bool_at(p, "isEnabled") != 1 || zt_azure_len_at(p, "actions") == 0) {
        return;
    }
    a->security_automations_enabled++;
    if (sub) {
        zt_azure_ids_add(&a->automated_subs, sub, 1000);
    }
}

void zt_azure_automation_row(struct zt_azure_graph *acc, struct json_object *row)
{
    struct zt_azure_automation *a = &acc->automation;
    const char *t;
    struct json_object *p;

    if (!zt_azure_row(row, &t, &p)) {
        a->malformed++;
    } else if (strcasecmp(t, "microsoft.security/automations") == 0) {
        automation_security(a, row, p);
    } else if (strcasecmp(t, "microsoft.logic/workflows") == 0) {
        bool on = zt_azure_str_is(p, "state", "Enabled");
        bool sentinel = on && sentinel_playbook(p);
        a->playbooks += on;
        a->sentinel_playbooks += sentinel;
        a->network_playbooks +=
            sentinel && actions_change_network(zt_http_json_path(p, "definition.actions"), 0);
    } else if (strcasecmp(t, "microsoft.operationsmanagement/solutions") == 0) {
        const char *name = zt_json_str(row, "name");
        const char *ws = zt_azure_str_at(p, "workspaceResourceId");
        if (name && strncasecmp(name, "SecurityInsights(", 17) == 0) {
            a->sentinel_workspaces++;
            if (zt_azure_resource_id_valid(ws)) {
                zt_azure_ids_add(&a->sentinel_ws, ws, ZT_AZURE_WORKSPACES_MAX);
            }
        }
    } else if (strcasecmp(t, "microsoft.insights/autoscalesettings") == 0) {
        a->autoscale_enabled += zt_azure_bool_at(p, "enabled") == 1;
    } else if (strcasecmp(t, "microsoft.compute/virtualmachinescalesets") == 0 ||
               strcasecmp(t, "microsoft.web/serverfarms") == 0) {
        a->scalable++;
    } else if (strcasecmp(t, "microsoft.appconfiguration/configurationstores") == 0) {
        a->config_stores++;
    } else {
        a->malformed++;
    }
}

int zt_azure_automation_emit(struct zt_ctx *ctx, const struct zt_azure_graph *acc)
{
    const struct zt_azure_automation *a = &acc->automation;
    struct json_object *d = json_object_new_object();
    int r = 0;

    json_object_object_add(d, "defined", json_object_new_int64((int64_t)a->security_automations));
    json_object_object_add(d, "subscriptions_covered",
                           json_object_new_int64((int64_t)a->automated_subs.n));
    json_object_object_add(d, "malformed_rows", json_object_new_int64((int64_t)a->malformed));
    r |= zt_ms_emit_count(ctx, "azure.security.workflow_automation_count",
                          a->security_automations_enabled, d);
    r |= zt_azure_emit_share(ctx, "azure.security.workflow_automation_subscription_share",
                             a->automated_subs.n, a->subscriptions);
    r |= zt_ms_emit_count(ctx, "azure.sentinel.workspace_count", a->sentinel_workspaces, NULL);
    r |= zt_ms_emit_count(ctx, "azure.sentinel.playbook_count", a->sentinel_playbooks, NULL);
    r |= zt_ms_emit_count(ctx, "azure.sentinel.network_playbook_count", a->network_playbooks, NULL);
    r |= zt_ms_emit_count(ctx, "azure.logic.enabled_workflow_count", a->playbooks, NULL);
    r |= zt_ms_emit_count(ctx, "azure.autoscale.enabled_count", a->autoscale_enabled, NULL);
    r |= zt_azure_emit_share(ctx, "azure.autoscale.share", a->autoscale_enabled, a->scalable);
    r |= zt_ms_emit_count(ctx, "azure.appconfig.store_count", a->config_stores, NULL);
    return r < 0 ? -EINVAL : 0;
}
