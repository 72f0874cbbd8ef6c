/* test_azure_data.c - the azure collector's data and governance derivations on hand-written
 * documents: storage accounts' key source and network rules, sensitive data discovery in both
 * Defender plans, policy states of DoNotEnforce assignments and of network resources, policy
 * assignments by enforcement mode, the subscriptions Resource Graph answers for, the Sentinel
 * lists (onboarding states, data connectors, analytics rules), and standing vs just-in-time data
 * roles. */
#include "azure_graph_test.h"

/* ---- storage accounts ----------------------------------------------------------------------- */

static struct zt_azure_account account(const char *props)
{
    struct zt_azure_account a;
    _cleanup_free_ char *doc = zt_xasprintf("{\"name\": \"st\", \"properties\": {%s}}", props);
    struct json_object *o = parse(doc);
    assert_int_equal(zt_azure_account_derive(o, ZT_AZURE_API_STORAGE, &a), 0);
    json_object_put(o);
    return a;
}

static void test_storage_keys_and_networks(void **state)
{
    /* Absent: Microsoft-managed keys, reachable from every network (default action Allow). */
    struct zt_azure_account a = account("\"minimumTlsVersion\": \"TLS1_2\"");
    assert_false(a.cmk);
    assert_true(a.public_network);
    a = account("\"encryption\": {\"keySource\": \"Microsoft.Keyvault\", \"keyvaultproperties\": "
                "{\"keyname\": \"k\"}}, \"networkAcls\": {\"defaultAction\": \"Deny\"}");
    assert_true(a.cmk);
    assert_false(a.public_network);
    a = account("\"encryption\": {\"keySource\": \"Microsoft.Storage\"}, \"publicNetworkAccess\": "
                "\"Disabled\", \"networkAcls\": {\"defaultAction\": \"Allow\"}");
    assert_false(a.cmk);
    assert_false(a.public_network); /* disabled public access wins over the rules */
    a = account("\"publicNetworkAccess\": \"Enabled\", \"networkAcls\": {\"defaultAction\": "
                "\"Allow\", \"ipRules\": [{\"value\": \"203.0.113.0/24\"}]}");
    assert_true(a.public_network);

    struct zt_azure_storage acc = {.api_version = ZT_AZURE_API_STORAGE};
    struct json_object *o =
        parse("[{\"properties\": {\"encryption\": {\"keySource\": \"microsoft.keyvault\"}, "
              "\"publicNetworkAccess\": \"Disabled\"}}, {\"properties\": {}}, {\"properties\": "
              "{\"networkAcls\": {\"defaultAction\": \"Deny\"}}}]");
    for (size_t i = 0; i < json_object_array_length(o); i++) {
        zt_azure_storage_item(&acc, json_object_array_get_idx(o, i));
    }
    json_object_put(o);
    struct zt_ctx *ctx = zt_ctx_new("azure", 0);
    assert_int_equal(zt_azure_storage_emit(ctx, &acc), 0);
    assert_evidence_int(ctx, "azure.storage.platform_managed_keys_count", 2);
    assert_evidence_int(ctx, "azure.storage.public_network_count", 1);
    zt_ctx_free(ctx);
    zt_azure_storage_clear(&acc);
}

/* ---- Defender: sensitive data discovery in both plans ---------------------------------------- */

#define EXT_ON ", \"extensions\": [{\"name\": \"SensitiveDataDiscovery\", \"isEnabled\": \"True\"}]"
#define PRICING(name, tier, extra)                                                                 \
    "{\"name\": \"" name "\", \"properties\": {\"pricingTier\": \"" tier "\"" extra "}}"

static void test_sensitive_data_both_plans(void **state)
{
    struct zt_azure_defender acc = {0};
    static const char *const subs[] = {
        "{\"value\": [" PRICING("StorageAccounts", "Standard",
                                EXT_ON) "," PRICING("CloudPosture", "Standard", EXT_ON) "]}",
        /* Storage only: discovery on, but not in both. */
        "{\"value\": [" PRICING("StorageAccounts", "Standard",
                                EXT_ON) "," PRICING("CloudPosture", "Standard", "") "]}",
    };
    for (size_t i = 0; i < ZT_ELEMENTSOF(subs); i++) {
        struct json_object *page = parse(subs[i]);
        assert_int_equal(zt_azure_pricings_page(&acc, page), 0);
        json_object_put(page);
    }
    assert_int_equal(acc.sensitive_data, 2);
    assert_int_equal(acc.sensitive_data_both, 1);
    struct zt_ctx *ctx = zt_ctx_new("azure", 0);
    assert_int_equal(zt_azure_defender_emit(ctx, &acc), 0);
    assert_evidence_bool(ctx, "azure.defender.sensitive_data_discovery_all", true);
    assert_evidence_bool(ctx, "azure.defender.sensitive_data_discovery_full_all", false);
    zt_ctx_free(ctx);
}

/* ---- policy: DoNotEnforce, network states, assignments ------------------------------------- */

static void test_policy_not_enforced(void **state)
{
    struct zt_azure_graph acc = {0};
    struct zt_ctx *ctx = zt_ctx_new("azure", 0);

    fold(&acc, zt_azure_policy_row,
         "[{\"state\": \"compliant\", \"action\": \"deny\", \"mg\": true, \"net\": true, "
         "\"dne\": true, \"n\": 6},"
         "{\"state\": \"noncompliant\", \"action\": \"deny\", \"mg\": true, \"net\": true, "
         "\"dne\": false, \"n\": 2},"
         "{\"state\": \"compliant\", \"action\": \"denyaction\", \"mg\": false, \"net\": false, "
         "\"n\": 3},"
         "{\"state\": \"compliant\", \"action\": \"deployifnotexists\", \"mg\": true, "
         "\"data\": true, \"dne\": true, \"n\": 4}]");
    assert_int_equal(zt_azure_policy_emit(ctx, &acc), 0);
    assert_evidence_int(ctx, "azure.policy.state_count", 15);
    assert_share(ctx, "azure.policy.compliant_share", 13.0 / 15); /* DoNotEnforce still counts */
    assert_evidence_int(ctx, "azure.policy.enforcing_state_count", 5);
    assert_evidence_int(ctx, "azure.policy.deny_state_count", 5);
    assert_evidence_int(ctx, "azure.policy.management_group_enforcing_count", 2);
    assert_evidence_int(ctx, "azure.policy.network_state_count", 8);
    assert_evidence_int(ctx, "azure.policy.network_enforcing_count", 2);
    assert_evidence_int(ctx, "azure.policy.network_management_group_enforcing_count", 2);
    assert_share(ctx, "azure.policy.network_compliant_share", 6.0 / 8);
    /* The data store's DeployIfNotExists assignment is DoNotEnforce: not remediating. */
    assert_evidence_int(ctx, "azure.policy.data_state_count", 4);
    assert_evidence_int(ctx, "azure.policy.data_remediating_state_count", 0);
    assert_int_equal(acc.policy.not_enforced, 10);
    zt_ctx_free(ctx);
}

static void test_assignments(void **state)
{
    struct zt_azure_graph acc = {0};
    struct zt_ctx *ctx = zt_ctx_new("azure", 0);

    fold(&acc, zt_azure_assignments_row,
         "[{\"mode\": \"default\", \"mg\": true, \"n\": 4}, {\"mode\": \"\", \"mg\": false, "
         "\"n\": 3}, {\"mode\": \"donotenforce\", \"mg\": true, \"n\": 2}, "
         "{\"mode\": \"DoNotEnforce\", \"mg\": false, \"n\": 1}, {\"mode\": \"default\", "
         "\"n\": \"5\"}]");
    assert_int_equal(acc.assignments.malformed, 1);
    assert_int_equal(zt_azure_assignments_emit(ctx, &acc), 0);
    assert_evidence_int(ctx, "azure.policy.assignment_count", 10);
    assert_evidence_int(ctx, "azure.policy.do_not_enforce_count", 3);
    assert_evidence_int(ctx, "azure.policy.management_group_assignment_count", 4);
    zt_ctx_free(ctx);
}

static void test_visible_subscriptions(void **state)
{
    struct zt_azure_graph acc = {0};

    fold(&acc, zt_azure_subscriptions_row,
         "[{\"subscriptionId\": \"AAA\"}, {\"subscriptionId\": \"aaa\"}, {\"subscriptionId\": "
         "\"\"}, {\"id\": \"x\"}, {\"subscriptionId\": \"bbb\"}]");
    assert_int_equal(acc.visible_subs.n, 2); /* ids compare without case; empty ones ignored */
    zt_azure_graph_clear(&acc);
}

/* ---- Sentinel lists -------------------------------------------------------------------------- */

#define CONNECTOR(kind, types)                                                                     \
    "{\"kind\": \"" kind "\", \"properties\": {\"dataTypes\": " types "}}"

static void test_sentinel_lists(void **state)
{
    struct zt_azure_graph acc = {0};
    struct zt_ctx *ctx = zt_ctx_new("azure", 0);

    zt_azure_ids_add(&acc.automation.sentinel_ws, "/subscriptions/s/ws1", 10);
    fold(&acc, zt_azure_sentinel_onboarding_item,
         "[{\"name\": \"default\", \"properties\": {\"customerManagedKey\": false}}]");
    fold(
        &acc, zt_azure_sentinel_connector_item,
        "[" CONNECTOR("AzureActiveDirectory", "{\"alerts\": {\"state\": \"Enabled\"}}") "," CONNECTOR(
            "Office365",
            "{\"exchange\": {\"state\": \"Disabled\"}, \"teams\": {\"state\": "
            "\"enabled\"}}") "," CONNECTOR("AzureAdvancedThreatProtection",
                                           "{\"alerts\": {\"state\": \"Disabled\"}}") "," CONNECTOR("azureactivedirectory",
                                                                                                    "{\"alerts\": {\"state\": \"Enabled\"}}") ","
                                                                                                                                              "{\"kind\": \"GenericUI\", \"properties\": {\"connectorUiConfig\": {}}}, {\"name\": \"x\"}]");
    fold(&acc, zt_azure_sentinel_alert_rule_item,
         "[{\"kind\": \"Fusion\", \"properties\": {\"enabled\": true}},"
         "{\"kind\": \"Scheduled\", \"properties\": {\"enabled\": true}},"
         "{\"kind\": \"NRT\", \"properties\": {\"enabled\": false}},"
         "{\"kind\": \"MicrosoftSecurityIncidentCreation\", \"properties\": {\"enabled\": true}}]");
    assert_int_equal(zt_azure_sentinel_onboarding_emit(ctx, &acc), 0);
    assert_int_equal(zt_azure_sentinel_connectors_emit(ctx, &acc), 0);
    assert_int_equal(zt_azure_sentinel_alert_rules_emit(ctx, &acc), 0);
    assert_evidence_int(ctx, "azure.sentinel.onboarded_workspace_count", 1);
    /* Connected: Entra ID twice (one kind), Office 365 (Teams on); not the disconnected one, not
     * the UI-only one without data types. */
    assert_evidence_int(ctx, "azure.sentinel.data_connector_count", 3);
    struct json_object *kinds = zt_test_value(ctx, "azure.sentinel.data_connector_kinds");
    assert_int_equal(json_object_array_length(kinds), 2);
    assert_string_equal(json_object_get_string(json_object_array_get_idx(kinds, 1)), "Office365");
    assert_evidence_int(ctx, "azure.sentinel.analytics_rule_count", 1);
    assert_evidence_int(ctx, "azure.sentinel.fusion_enabled_count", 1);
    assert_int_equal(acc.automation.malformed, 1);
    zt_ctx_free(ctx);
    zt_azure_graph_clear(&acc);
}

/* ---- standing and just-in-time data roles ---------------------------------------------------- */

#define INSTANCE(id, ptype, role, extra)                                                           \
    "{\"id\": \"" id "\", \"properties\": {\"principalType\": \"" ptype "\"" extra                 \
    ", \"expandedProperties\": {\"roleDefinition\": {\"displayName\": \"" role "\"}}}}"

static void test_data_roles(void **state)
{
    assert_true(zt_azure_data_role("Storage Blob Data Owner"));
    assert_true(zt_azure_data_role("storage queue data reader"));
    assert_false(zt_azure_data_role("Storage Account Contributor")); /* management plane */
    assert_true(zt_azure_data_role("Key Vault Secrets Officer"));
    assert_false(zt_azure_data_role("Key Vault Contributor"));
    assert_false(zt_azure_data_role("Reader"));
    assert_false(zt_azure_data_role(NULL));

    static const char *const active[] = {
        INSTANCE("a1", "User", "Storage Blob Data Owner", ", \"assignmentType\": \"Assigned\""),
        /* The same instance again (inherited, listed by a second subscription): once. */
        INSTANCE("A1", "User", "Storage Blob Data Owner", ", \"assignmentType\": \"Assigned\""),
        INSTANCE("a2", "Group", "Key Vault Administrator", ""), /* no type: a plain assignment */
        INSTANCE("a3", "User", "Storage Blob Data Reader", ", \"assignmentType\": \"Activated\""),
        INSTANCE("a4", "ServicePrincipal", "Storage Blob Data Owner",
                 ", \"assignmentType\": \"Assigned\""),
        INSTANCE("a5", "User", "Contributor", ", \"assignmentType\": \"Assigned\""),
        "{\"properties\": {\"principalType\": \"User\"}}",
    };
    struct zt_azure_roles acc = {0};
    for (size_t i = 0; i < ZT_ELEMENTSOF(active); i++) {
        struct json_object *o = parse(active[i]);
        zt_azure_role_item(&acc, o, false);
        json_object_put(o);
    }
    struct json_object *e = parse(INSTANCE("e1", "Group", "Storage Blob Data Contributor", ""));
    zt_azure_role_item(&acc, e, true);
    json_object_put(e);
    assert_int_equal(acc.standing, 2);
    assert_int_equal(acc.activated, 1);
    assert_int_equal(acc.eligible, 1);
    assert_int_equal(acc.malformed, 1);
    struct zt_ctx *ctx = zt_ctx_new("azure", 0);
    assert_int_equal(zt_azure_roles_emit(ctx, &acc, false), 0);
    assert_int_equal(zt_azure_roles_emit(ctx, &acc, true), 0);
    assert_evidence_int(ctx, "azure.rbac.standing_data_role_count", 2);
    assert_evidence_int(ctx, "azure.rbac.eligible_data_role_count", 1);
    zt_ctx_free(ctx);
    zt_azure_roles_clear(&acc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_storage_keys_and_networks),
        cmocka_unit_test(test_sensitive_data_both_plans),
        cmocka_unit_test(test_policy_not_enforced),
        cmocka_unit_test(test_assignments),
        cmocka_unit_test(test_visible_subscriptions),
        cmocka_unit_test(test_sentinel_lists),
        cmocka_unit_test(test_data_roles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
