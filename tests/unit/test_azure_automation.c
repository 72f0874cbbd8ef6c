/* test_azure_automation.c - the azure collector's automation rows on hand-written Resource Graph
 * rows: Defender for Cloud workflow automations (enabled, with an action, per subscription),
 * Logic App playbooks started by Sentinel and those that write network rules, Sentinel
 * workspaces, autoscale settings against scalable workloads, App Configuration stores. */
#include "azure_graph_test.h"

#define SENTINEL_TRIGGER                                                                           \
    "{\"triggers\": {\"Microsoft_Sentinel_incident\": {\"type\": \"ApiConnectionWebhook\", "       \
    "\"inputs\": {\"host\": {\"connection\": {\"name\": "                                          \
    "\"@parameters('$connections')['azuresentinel']['connectionId']\"}}}}}}"

static void test_automation(void **state)
{
    static const char *const rows[] = {
        ROW("microsoft.security/automations", "",
            "{\"isEnabled\": true, \"actions\": [{\"actionType\": \"LogicApp\"}]}"),
        "{\"type\": \"microsoft.security/automations\", \"subscriptionId\": \"S\", "
        "\"properties\": {\"isEnabled\": true, \"actions\": [{\"actionType\": \"Workspace\"}]}}",
        ROW("microsoft.security/automations", "", "{\"isEnabled\": false, \"actions\": [{}]}"),
        ROW("microsoft.security/automations", "", "{\"isEnabled\": true, \"actions\": []}"),
        ROW("microsoft.logic/workflows", "",
            "{\"state\": \"Enabled\", \"definition\": " SENTINEL_TRIGGER "}"),
        ROW("microsoft.logic/workflows", "",
            "{\"state\": \"Disabled\", \"definition\": " SENTINEL_TRIGGER "}"),
        ROW("microsoft.logic/workflows", "",
            "{\"state\": \"Enabled\", \"definition\": {\"triggers\": "
            "{\"manual\": {\"type\": \"Request\"}}}}"),
        ROW("microsoft.operationsmanagement/solutions", ", \"name\": \"SecurityInsights(ws)\"",
            "{}"),
        ROW("microsoft.operationsmanagement/solutions", ", \"name\": \"Updates(ws)\"", "{}"),
        ROW("microsoft.insights/autoscalesettings", "", "{\"enabled\": true}"),
        ROW("microsoft.insights/autoscalesettings", "", "{\"enabled\": false}"),
        ROW("microsoft.compute/virtualmachinescalesets", "", "{}"),
        ROW("microsoft.web/serverfarms", "", "{}"),
        ROW("microsoft.appconfiguration/configurationstores", "", "{}"),
    };
    struct zt_azure_graph acc = {.automation.subscriptions = 3};
    struct zt_ctx *ctx = zt_ctx_new("azure", 0);

    FOLD(&acc, zt_azure_automation_row, rows);
    assert_int_equal(zt_azure_automation_emit(ctx, &acc), 0);
    /* Enabled with an action, in subscriptions "s" and "S": one subscription (ids ignore case). */
    assert_evidence_int(ctx, "azure.security.workflow_automation_count", 2);
    assert_share(ctx, "azure.security.workflow_automation_subscription_share", 1.0 / 3);
    assert_evidence_int(ctx, "azure.sentinel.playbook_count", 1);
    assert_evidence_int(ctx, "azure.logic.enabled_workflow_count", 2);
    assert_evidence_int(ctx, "azure.sentinel.workspace_count", 1);
    assert_share(ctx, "azure.autoscale.share", 0.5);
    assert_evidence_int(ctx, "azure.appconfig.store_count", 1);
    zt_ctx_free(ctx);
    zt_azure_graph_clear(&acc);
}

/* Sentinel playbooks that write network rules: found inside a condition's else branch and a
 * loop; a read of Microsoft.Network or a write elsewhere is not one. */
#define PLAYBOOK(actions)                                                                          \
    "{\"type\": \"microsoft.logic/workflows\", \"properties\": {\"state\": \"Enabled\", "          \
    "\"definition\": {\"triggers\": {\"t\": {\"inputs\": {\"host\": {\"connection\": {\"name\": "  \
    "\"@parameters('$connections')['azuresentinel']['connectionId']\"}}}}}, \"actions\": " actions \
    "}}}"
#define ARM_CALL(method, provider)                                                                 \
    "{\"type\": \"ApiConnection\", \"inputs\": {\"method\": \"" method "\", \"path\": "            \
    "\"/providers/@{encodeURIComponent('" provider "')}/x\"}}"

static void test_network_playbooks(void **state)
{
    static const char *const rows[] = {
        PLAYBOOK("{\"If\": {\"type\": \"If\", \"actions\": {}, \"else\": {\"actions\": {\"loop\": "
                 "{\"type\": \"Foreach\", \"actions\": {\"w\": " ARM_CALL(
                     "put", "Microsoft.Network") "}}}}}}"),
        PLAYBOOK("{\"read\": " ARM_CALL("get", "Microsoft.Network") "}"),
        PLAYBOOK("{\"vm\": " ARM_CALL("post", "Microsoft.Compute") "}"),
        PLAYBOOK("{\"sw\": {\"type\": \"Switch\", \"cases\": {\"c1\": {\"actions\": {\"http\": "
                 "{\"type\": \"Http\", \"inputs\": {\"method\": \"PATCH\", \"uri\": "
                 "\"https://management."
                 "azure.com/x/providers/microsoft.network/firewallPolicies/p\"}}}}}}}"),
    };
    struct zt_azure_graph acc = {0};

    FOLD(&acc, zt_azure_automation_row, rows);
    assert_int_equal(acc.automation.sentinel_playbooks, 4);
    assert_int_equal(acc.automation.network_playbooks, 2);
    zt_azure_graph_clear(&acc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_automation),
        cmocka_unit_test(test_network_playbooks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
