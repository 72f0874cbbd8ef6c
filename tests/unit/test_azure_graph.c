/* test_azure_graph.c - the azure collector's Resource Graph parts on hand-written rows: the
 * request body, $skipToken / resultTruncated, the quota headers and the pacing they give, and
 * every row fold (network entry points and zones, LB probes, WAF and firewall policies, DDoS,
 * flow logs, vaults, Key Vault, protected items, policy states) with the evidence emitted from
 * it; storage redundancy and sensitive data discovery from the ARM lists. Automation rows are in
 * test_azure_automation.c. */
#include "zt_test.h"

#include <errno.h>
#include <math.h>

#include "azure_graph_test.h"

/* ---- transport ------------------------------------------------------------------------------ */

static void test_graph_body(void **state)
{
    struct json_object *subs = parse("[\"s1\", \"s2\"]");
    _cleanup_free_ char *first = zt_azure_graph_body(subs, "Resources | project id", NULL);
    _cleanup_free_ char *next = zt_azure_graph_body(subs, "Resources | project id", "tok/2+=");
    struct json_object *b1 = parse(first), *b2 = parse(next);

    assert_string_equal(zt_json_str(b1, "query"), "Resources | project id");
    assert_int_equal(json_object_array_length(zt_json_array(b1, "subscriptions")), 2);
    assert_int_equal(json_object_get_int(zt_http_json_path(b1, "options.$top")), 1000);
    assert_string_equal(zt_azure_str_at(b1, "options.resultFormat"), "objectArray");
    assert_null(zt_http_json_path(b1, "options.$skipToken"));
    assert_string_equal(zt_azure_str_at(b2, "options.$skipToken"), "tok/2+=");
    assert_null(strstr(next, "\\/")); /* slashes unescaped: types read as written */
    json_object_put(b1);
    json_object_put(b2);
    json_object_put(subs);
}

static void test_graph_next(void **state)
{
    struct json_object *more = parse("{\"count\": 1000, \"$skipToken\": \"ew0K\", "
                                     "\"resultTruncated\": \"false\"}");
    struct json_object *last = parse("{\"count\": 3, \"resultTruncated\": \"false\"}");
    struct json_object *cut = parse("{\"count\": 1000, \"resultTruncated\": \"true\"}");
    struct json_object *cut_bool = parse("{\"resultTruncated\": true, \"$skipToken\": \"\"}");
    const char *tok = NULL;

    assert_int_equal(zt_azure_graph_next(more, &tok), 1);
    assert_string_equal(tok, "ew0K");
    assert_int_equal(zt_azure_graph_next(last, &tok), 0);
    assert_null(tok);
    assert_int_equal(zt_azure_graph_next(cut, &tok), -E2BIG);
    assert_int_equal(zt_azure_graph_next(cut_bool, &tok), -E2BIG);
    assert_int_equal(zt_azure_graph_next(NULL, &tok), 0);
    json_object_put(more);
    json_object_put(last);
    json_object_put(cut);
    json_object_put(cut_bool);
}

static void test_quota(void **state)
{
    uint64_t ms = 0;

    assert_int_equal(zt_azure_quota_resets_ms("00:00:03", &ms), 0);
    assert_int_equal(ms, 3000);
    assert_int_equal(zt_azure_quota_resets_ms("01:02:03", &ms), 0);
    assert_int_equal(ms, 3723000);
    assert_int_equal(zt_azure_quota_resets_ms("00:61:00", &ms), -EINVAL);
    assert_int_equal(zt_azure_quota_resets_ms("3", &ms), -EINVAL);
    assert_int_equal(zt_azure_quota_resets_ms("00:00:03x", &ms), -EINVAL);
    assert_int_equal(zt_azure_quota_resets_ms("-1:00:00", &ms), -EINVAL);
    assert_int_equal(zt_azure_quota_resets_ms(NULL, &ms), -EINVAL);
    /* Plenty left: no pacing. The documented example (10 left, 3 s) is not paced either. */
    assert_int_equal(zt_azure_quota_pace_ms(14, 5000), 0);
    assert_int_equal(zt_azure_quota_pace_ms(10, 3000), 0);
    /* Few left: the window spread over them; none left: the whole window. */
    assert_int_equal(zt_azure_quota_pace_ms(4, 5000), 1001);
    assert_int_equal(zt_azure_quota_pace_ms(1, 2000), 1001);
    assert_int_equal(zt_azure_quota_pace_ms(0, 5000), 5000);
    assert_int_equal(zt_azure_quota_pace_ms(0, 3600000), 120000); /* capped */
    assert_int_equal(zt_azure_quota_pace_ms(0, 0), 0);
}

/* ---- network -------------------------------------------------------------------------------- */

#define AGW_WAF  "microsoft.network/applicationgatewaywebapplicationfirewallpolicies"
#define FD_WAF   "microsoft.network/frontdoorwebapplicationfirewallpolicies"
#define FLOW_LOG "microsoft.network/networkwatchers/flowlogs"
#define VNET     "microsoft.network/virtualnetworks"

static void test_net_zones_and_probes(void **state)
{
    struct zt_azure_graph acc = {0};
    struct zt_ctx *ctx = zt_ctx_new("azure", 0);

    static const char *const rows[] = {
        ROW("microsoft.network/loadbalancers", "",
            "{\"frontendIPConfigurations\": ["
            "{\"zones\": [\"1\", \"2\"], \"properties\": {\"privateIPAddress\": \"10.0.0.4\"}},"
            "{\"zones\": [\"1\"], \"properties\": {\"privateIPAddress\": \"10.0.0.5\"}},"
            "{\"properties\": {\"publicIPAddress\": {\"id\": \"/x/pip\"}}}],"
            "\"loadBalancingRules\": [{\"properties\": {\"probe\": {\"id\": \"/x/p\"}}},"
            "{\"properties\": {}}, {\"properties\": {\"probe\": {\"id\": \"\"}}}]}"),
        ROW("Microsoft.Network/publicIPAddresses", Z3, "{}"),
        ROW("microsoft.network/publicipaddresses", ", \"zones\": null", "{}"),
        ROW("microsoft.network/applicationgateways", Z3,
            "{\"webApplicationFirewallConfiguration\": {\"enabled\": true}}"),
        ROW("microsoft.network/applicationgateways", "", "{\"sku\": {\"tier\": \"Standard_v2\"}}"),
        ROW("microsoft.network/azurefirewalls", ", \"zones\": []", "{}"),
        "{\"type\": \"microsoft.network/virtualnetworks\"}",
        "7",
    };
    FOLD(&acc, zt_azure_net_row, rows);
    /* Entry points: 2 internal frontends (the public one goes by its IP), 2 public IPs, 2
     * gateways, 1 firewall; zone-redundant: the 2-zone frontend, a public IP, a gateway. */
    assert_int_equal(acc.net.entry_points, 7);
    assert_int_equal(acc.net.zone_redundant, 3);
    assert_int_equal(acc.net.lb_rules, 3);
    assert_int_equal(acc.net.lb_rules_unprobed, 2); /* absent and empty probe ids */
    assert_int_equal(acc.net.app_gateways_waf, 1);
    assert_int_equal(acc.net.malformed, 2); /* no properties; not an object */
    assert_int_equal(zt_azure_net_emit(ctx, &acc), 0);
    assert_share(ctx, "azure.network.zone_redundant_share", 3.0 / 7);
    assert_evidence_int(ctx, "azure.lb.rules_without_probe_count", 2);
    assert_share(ctx, "azure.waf.app_gateway_coverage_share", 0.5);
    /* No virtual network, no WAF or firewall policy: their shares are not observed. */
    assert_evidence_int(ctx, "azure.vnet.count", 0);
    assert_evidence_absent(ctx, "azure.vnet.ddos_protected_share");
    assert_evidence_absent(ctx, "azure.waf.prevention_share");
    assert_evidence_absent(ctx, "azure.firewall.threat_intel_deny_share");
    zt_ctx_free(ctx);
    zt_azure_graph_clear(&acc);
}

static void test_net_policies(void **state)
{
    struct zt_azure_graph acc = {0};
    struct zt_ctx *ctx = zt_ctx_new("azure", 0);

    static const char *const rows[] = {
        ROW(AGW_WAF, "",
            "{\"policySettings\": {\"state\": \"Enabled\", \"mode\": \"Prevention\"},"
            "\"managedRules\": {\"managedRuleSets\": [{\"ruleSetType\": \"OWASP\"}]},"
            "\"customRules\": [{\"ruleType\": \"MatchRule\"}, {\"ruleType\": \"RateLimitRule\"}]}"),
        /* Prevention but disabled; Front Door's settings use enabledState. */
        ROW(AGW_WAF, "",
            "{\"policySettings\": {\"state\": \"Disabled\", \"mode\": \"Prevention\"}}"),
        ROW(FD_WAF, "",
            "{\"policySettings\": {\"enabledState\": \"Enabled\", \"mode\": \"prevention\"},"
            "\"customRules\": {\"rules\": [{\"ruleType\": \"RateLimitRule\"}]},"
            "\"managedRules\": {\"managedRuleSets\": []}}"),
        ROW(FD_WAF, "", "{\"policySettings\": {\"state\": \"Enabled\", \"mode\": \"Prevention\"}}"),
        ROW("microsoft.network/firewallpolicies", "",
            "{\"threatIntelMode\": \"Deny\", \"intrusionDetection\": {\"mode\": \"Deny\"},"
            "\"ruleCollectionGroups\": [{\"id\": \"/x\"}], \"basePolicy\": {\"id\": \"/p\"}}"),
        ROW("microsoft.network/firewallpolicies", "",
            "{\"threatIntelMode\": \"Alert\", \"intrusionDetection\": {\"mode\": \"Alert\"}}"),
        ROW(VNET, "", "{\"enableDdosProtection\": true}"),
        ROW(VNET, "", "{\"enableDdosProtection\": \"false\"}"),
        ROW(VNET, "", "{}"),
        ROW(FLOW_LOG, "",
            "{\"enabled\": true, \"flowAnalyticsConfiguration\": "
            "{\"networkWatcherFlowAnalyticsConfiguration\": {\"enabled\": true}}}"),
        ROW(FLOW_LOG, "", "{\"enabled\": false}"),
        ROW("microsoft.web/sites", "", "{}"),
    };
    FOLD(&acc, zt_azure_net_row, rows);
    assert_int_equal(zt_azure_net_emit(ctx, &acc), 0);
    assert_evidence_int(ctx, "azure.waf.policy_count", 4);
    /* The first and the Front Door one; a Front Door policy's "state" is not its switch. */
    assert_share(ctx, "azure.waf.prevention_share", 0.5);
    assert_share(ctx, "azure.waf.managed_rules_share", 0.25);
    assert_evidence_int(ctx, "azure.waf.rate_limit_policy_count", 2);
    assert_evidence_int(ctx, "azure.firewall.policies_with_rules_count", 1);
    assert_share(ctx, "azure.firewall.threat_intel_deny_share", 0.5);
    assert_share(ctx, "azure.firewall.idps_deny_share", 0.5);
    assert_evidence_int(ctx, "azure.firewall.child_policy_count", 1);
    assert_share(ctx, "azure.vnet.ddos_protected_share", 1.0 / 3);
    assert_evidence_int(ctx, "azure.flow_log.enabled_count", 1);
    assert_evidence_int(ctx, "azure.flow_log.traffic_analytics_count", 1);
    assert_int_equal(acc.net.malformed, 1); /* a type not asked for */
    zt_ctx_free(ctx);
    zt_azure_graph_clear(&acc);
}

/* Flow log coverage: the virtual networks an enabled flow log targets, ids compared without
 * case; a disabled one covers nothing, traffic analytics counts only where it is on. */
static void test_net_flow_log_coverage(void **state)
{
    struct zt_azure_graph acc = {0};
    struct zt_ctx *ctx = zt_ctx_new("azure", 0);

    static const char *const rows[] = {
        "{\"id\": \"/subscriptions/s/rg/v1\", \"type\": \"" VNET "\", \"properties\": {}}",
        "{\"id\": \"/subscriptions/s/rg/V2\", \"type\": \"" VNET "\", \"properties\": {}}",
        "{\"id\": \"/subscriptions/s/rg/v3\", \"type\": \"" VNET "\", \"properties\": {}}",
        ROW(FLOW_LOG, "",
            "{\"enabled\": true, \"targetResourceId\": \"/SUBSCRIPTIONS/s/rg/v1\", "
            "\"flowAnalyticsConfiguration\": {\"networkWatcherFlowAnalyticsConfiguration\": "
            "{\"enabled\": true}}}"),
        ROW(FLOW_LOG, "", "{\"enabled\": true, \"targetResourceId\": \"/subscriptions/s/rg/v2\"}"),
        ROW(FLOW_LOG, "", "{\"enabled\": false, \"targetResourceId\": \"/subscriptions/s/rg/v3\"}"),
    };
    FOLD(&acc, zt_azure_net_row, rows);
    assert_int_equal(zt_azure_net_emit(ctx, &acc), 0);
    assert_share(ctx, "azure.vnet.flow_log_share", 2.0 / 3);
    assert_share(ctx, "azure.vnet.traffic_analytics_share", 1.0 / 3);
    zt_ctx_free(ctx);
    zt_azure_graph_clear(&acc);
}

/* ---- vaults and protected items ------------------------------------------------------------- */

#define PI "microsoft.recoveryservices/vaults/backupfabrics/protectioncontainers/protecteditems"
#define BI "microsoft.dataprotection/backupvaults/backupinstances"

static void test_vaults(void **state)
{
    struct zt_azure_graph acc = {0};
    struct zt_ctx *ctx = zt_ctx_new("azure", 0);

    static const char *const rows[] = {
        ROW("microsoft.recoveryservices/vaults", "",
            "{\"redundancySettings\": {\"standardTierStorageRedundancy\": \"GeoRedundant\"},"
            "\"securitySettings\": {\"softDeleteSettings\": {\"softDeleteState\": \"AlwaysON\"},"
            "\"immutabilitySettings\": {\"state\": \"Locked\"}}}"),
        ROW("microsoft.recoveryservices/vaults", "",
            "{\"securitySettings\": {\"softDeleteSettings\": {\"softDeleteState\": \"Disabled\"},"
            "\"immutabilitySettings\": {\"state\": \"Unlocked\"}}}"),
        /* Data Protection spells soft delete "On"/"AlwaysOn" and stores per datastore. */
        ROW("microsoft.dataprotection/backupvaults", "",
            "{\"storageSettings\": [{\"type\": \"LocallyRedundant\"}, {\"type\": "
            "\"GeoRedundant\"}],"
            "\"securitySettings\": {\"softDeleteSettings\": {\"state\": \"On\"},"
            "\"immutabilitySettings\": {\"state\": \"Disabled\"}}}"),
        ROW("microsoft.keyvault/vaults", "",
            "{\"enableRbacAuthorization\": true, \"enablePurgeProtection\": true,"
            "\"publicNetworkAccess\": \"Enabled\", \"networkAcls\": {\"defaultAction\": "
            "\"Deny\"}}"),
        ROW("microsoft.keyvault/vaults", "", "{\"enablePurgeProtection\": null}"),
        ROW("microsoft.compute/virtualmachines", "", "{}"),
        ROW("microsoft.compute/virtualmachines", "", "{}"),
    };
    FOLD(&acc, zt_azure_vaults_row, rows);
    assert_int_equal(zt_azure_vaults_emit(ctx, &acc), 0);
    assert_evidence_int(ctx, "azure.backup.vault_count", 3);
    assert_share(ctx, "azure.backup.soft_delete_share", 2.0 / 3);
    assert_share(ctx, "azure.backup.immutable_share", 2.0 / 3);
    assert_share(ctx, "azure.backup.immutable_locked_share", 1.0 / 3);
    assert_share(ctx, "azure.backup.geo_redundant_share", 2.0 / 3);
    assert_evidence_int(ctx, "azure.keyvault.count", 2);
    assert_evidence_int(ctx, "azure.keyvault.purge_protection_off_count", 1);
    assert_evidence_int(ctx, "azure.keyvault.rbac_off_count", 1);
    assert_evidence_int(ctx, "azure.keyvault.public_network_count", 1); /* firewall Deny closes */
    assert_evidence_int(ctx, "azure.compute.vm_count", 2);
    zt_ctx_free(ctx);

    /* Protected items: stopped protection is not protection; the VM share needs the vaults. */
    static const char *const items[] = {
        ROW(PI, "", "{\"workloadType\": \"VM\", \"protectionState\": \"Protected\"}"),
        ROW(PI, "", "{\"workloadType\": \"VM\", \"protectionState\": \"ProtectionStopped\"}"),
        ROW(PI, "", "{\"workloadType\": \"AzureFileShare\", \"protectionState\": \"IRPending\"}"),
        ROW(BI, "", "{\"currentProtectionState\": \"ProtectionConfigured\"}"),
        ROW(BI, "", "{\"currentProtectionState\": \"ConfiguringProtectionFailed\"}"),
    };
    FOLD(&acc, zt_azure_protected_row, items);
    ctx = zt_ctx_new("azure", 0);
    assert_int_equal(zt_azure_protected_emit(ctx, &acc), 0);
    assert_evidence_int(ctx, "azure.backup.protected_items_count", 3);
    assert_evidence_absent(ctx, "azure.backup.vm_protected_share"); /* vaults query not done */
    zt_ctx_free(ctx);
    acc.done = 1u << ZT_AZURE_Q_VAULTS;
    ctx = zt_ctx_new("azure", 0);
    assert_int_equal(zt_azure_protected_emit(ctx, &acc), 0);
    assert_share(ctx, "azure.backup.vm_protected_share", 0.5);
    zt_ctx_free(ctx);
}

/* ---- policy states and automation ----------------------------------------------------------- */

static void test_policy(void **state)
{
    struct zt_azure_graph acc = {0};
    struct zt_ctx *ctx = zt_ctx_new("azure", 0);

    fold(&acc, zt_azure_policy_row,
         "[{\"state\": \"compliant\", \"action\": \"deny\", \"mg\": true, \"n\": 40},"
         "{\"state\": \"noncompliant\", \"action\": \"deployifnotexists\", \"mg\": false, "
         "\"data\": true, \"n\": 10},"
         "{\"state\": \"compliant\", \"action\": \"modify\", \"mg\": \"true\", \"data\": true, "
         "\"n\": 30},"
         "{\"state\": \"noncompliant\", \"action\": \"audit\", \"mg\": true, \"data\": false, "
         "\"n\": 20},"
         "{\"state\": \"exempt\", \"action\": \"deny\", \"mg\": true, \"n\": 5},"
         "{\"state\": \"compliant\", \"action\": \"deny\", \"n\": -1},"
         "{\"state\": \"compliant\", \"action\": \"deny\", \"n\": \"3\"}]");
    assert_int_equal(acc.policy.malformed, 2);
    assert_int_equal(zt_azure_policy_emit(ctx, &acc), 0);
    assert_evidence_int(ctx, "azure.policy.state_count", 105);
    assert_share(ctx, "azure.policy.compliant_share", 70.0 / 100); /* exempt left out */
    assert_evidence_int(ctx, "azure.policy.enforcing_state_count", 85);
    assert_evidence_int(ctx, "azure.policy.remediating_state_count", 40);
    assert_share(ctx, "azure.policy.remediating_compliant_share", 30.0 / 40);
    assert_evidence_int(ctx, "azure.policy.management_group_enforcing_count", 75);
    /* Data stores only: the DeployIfNotExists and Modify rows. */
    assert_evidence_int(ctx, "azure.policy.data_state_count", 40);
    assert_share(ctx, "azure.policy.data_compliant_share", 30.0 / 40);
    assert_evidence_int(ctx, "azure.policy.data_remediating_state_count", 40);
    assert_share(ctx, "azure.policy.data_remediating_compliant_share", 30.0 / 40);
    assert_evidence_int(ctx, "azure.policy.data_management_group_enforcing_count", 30);
    zt_ctx_free(ctx);
}

/* ---- from the ARM lists --------------------------------------------------------------------- */

static void test_storage_redundancy(void **state)
{
    assert_int_equal(zt_azure_sku_redundancy("Standard_LRS"), 0);
    assert_int_equal(zt_azure_sku_redundancy("Premium_ZRS"), 1);
    assert_int_equal(zt_azure_sku_redundancy("Standard_GRS"), 2);
    assert_int_equal(zt_azure_sku_redundancy("standard_ragzrs"), 2);
    assert_int_equal(zt_azure_sku_redundancy("Standard_XRS"), -1);
    assert_int_equal(zt_azure_sku_redundancy("GRS"), -1);
    assert_int_equal(zt_azure_sku_redundancy(NULL), -1);

    struct zt_azure_storage st = {.api_version = ZT_AZURE_API_STORAGE};
    struct json_object *rows =
        parse("[{\"sku\": {\"name\": \"Standard_GZRS\"}, \"properties\": {}},"
              "{\"sku\": {\"name\": \"Standard_ZRS\"}, \"properties\": {}},"
              "{\"sku\": {\"name\": \"Standard_LRS\"}, \"properties\": {}},"
              "{\"properties\": {}}]");
    for (size_t i = 0; i < json_object_array_length(rows); i++) {
        zt_azure_storage_item(&st, json_object_array_get_idx(rows, i));
    }
    struct zt_ctx *ctx = zt_ctx_new("azure", 0);
    assert_int_equal(zt_azure_storage_emit(ctx, &st), 0);
    assert_evidence_int(ctx, "azure.storage.redundant_count", 2);
    assert_share(ctx, "azure.storage.redundant_share", 0.5);
    assert_share(ctx, "azure.storage.geo_redundant_share", 0.25);
    zt_ctx_free(ctx);
    zt_azure_storage_clear(&st);
    json_object_put(rows);
}

#define PRICING(name, tier, ext)                                                                   \
    "{\"name\": \"" name "\", \"properties\": {\"pricingTier\": \"" tier "\"" ext "}}"
#define SDD(on) ", \"extensions\": [{\"name\": \"SensitiveDataDiscovery\", \"isEnabled\": " on "}]"

static void test_sensitive_data_discovery(void **state)
{
    struct zt_azure_defender def = {0};
    const char *pages[] = {
        "{\"value\": [" PRICING("StorageAccounts", "Standard", SDD("\"True\"")) "]}",
        "{\"value\": [" PRICING("CloudPosture", "Standard", SDD("true")) "]}",
        /* On in the extension, but the plan is Free: not on. */
        "{\"value\": [" PRICING("StorageAccounts", "Free", SDD("\"True\"")) "]}",
        "{\"value\": [" PRICING("StorageAccounts", "Standard", SDD("\"False\"")) "]}",
    };
    for (size_t i = 0; i < ZT_ELEMENTSOF(pages); i++) {
        struct json_object *p = parse(pages[i]);
        assert_int_equal(zt_azure_pricings_page(&def, p), 0);
        json_object_put(p);
    }
    struct zt_ctx *ctx = zt_ctx_new("azure", 0);
    assert_int_equal(zt_azure_defender_emit(ctx, &def), 0);
    assert_evidence_int(ctx, "azure.defender.sensitive_data_discovery_count", 2);
    assert_evidence_bool(ctx, "azure.defender.sensitive_data_discovery_all", false);
    zt_ctx_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_graph_body),
        cmocka_unit_test(test_graph_next),
        cmocka_unit_test(test_quota),
        cmocka_unit_test(test_net_zones_and_probes),
        cmocka_unit_test(test_net_policies),
        cmocka_unit_test(test_net_flow_log_coverage),
        cmocka_unit_test(test_vaults),
        cmocka_unit_test(test_policy),
        cmocka_unit_test(test_storage_redundancy),
        cmocka_unit_test(test_sensitive_data_discovery),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
