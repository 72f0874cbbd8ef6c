/* test_azure.c - the azure collector's pure parts on hand-written ARM documents: the NSG evaluator
 * (priority order, Deny shadowing, defaults, source and port forms, Outbound ignored), the storage
 * derivations (absent minimumTlsVersion, allowBlobPublicAccess under old and new API versions,
 * HTTPS-only), Defender pricings, activity log export and the emitted evidence. */
#include "zt_test.h"

#include <errno.h>

#include "azure/azure.h"
#include "azure/azure_graph.h"

/* A rule resource as ARM returns it. */
#define RULE(name, prio, access, dir, proto, src, dport)                                           \
    "{\"name\": \"" name "\", \"properties\": {\"priority\": " #prio ", \"access\": \"" access     \
    "\", \"direction\": \"" dir "\", \"protocol\": \"" proto "\", " src                            \
    ", \"sourcePortRange\": \"*\", " dport ", \"destinationAddressPrefix\": \"*\"}}"
#define SRC(s)   "\"sourceAddressPrefix\": \"" s "\""
#define PORT(p)  "\"destinationPortRange\": \"" p "\""
#define PORTS(l) "\"destinationPortRanges\": [" l "]"

#define DEFAULTS                                                                                   \
    "[" RULE("AllowVnetInBound", 65000, "Allow", "Inbound", "*", SRC("VirtualNetwork"),            \
             PORT("*")) "," RULE("AllowAzureLoadBalancerInBound", 65001, "Allow", "Inbound", "*",  \
                                 SRC("AzureLoadBalancer"),                                         \
                                 PORT("*")) "," RULE("DenyAllInBound", 65500, "Deny", "Inbound",   \
                                                     "*", SRC("*"), PORT("*")) "]"

#define NSG(rules)                                                                                 \
    "{\"name\": \"nsg1\", \"id\": \"/subscriptions/s/resourceGroups/rg/providers/"                 \
    "Microsoft.Network/networkSecurityGroups/nsg1\", \"properties\": {\"securityRules\": [" rules  \
    "], \"defaultSecurityRules\": " DEFAULTS "}}"

static struct json_object *parse(const char *text)
{
    struct json_object *o = json_tokener_parse(text);
    if (!o) {
        fail_msg("not JSON: %s", text);
    }
    return o;
}

static size_t port_index(int port)
{
    for (size_t i = 0; zt_azure_admin_ports[i]; i++) {
        if (zt_azure_admin_ports[i] == port) {
            return i;
        }
    }
    fail_msg("port %d is not administrative", port);
    return 0;
}

static bool port_open(const struct zt_azure_nsg_verdict *v, int port)
{
    return v->open_mask & (UINT64_C(1) << port_index(port));
}

static struct zt_azure_nsg_verdict eval(const char *doc)
{
    struct zt_azure_nsg_verdict v;
    struct json_object *o = parse(doc);
    assert_int_equal(zt_azure_nsg_eval(o, &v), 0);
    json_object_put(o);
    return v;
}

static void test_azure_nsg_defaults_only(void **state)
{
    /* AllowVnetInBound is from VirtualNetwork, not the Internet: nothing is open. */
    struct zt_azure_nsg_verdict v = eval(NSG(""));
    assert_int_equal(v.open_mask, 0);
    assert_false(v.all_ports);
    assert_int_equal(v.inbound, 3);
    assert_int_equal(v.skipped, 0);
}

static void test_azure_nsg_allow_internet(void **state)
{
    struct zt_azure_nsg_verdict v =
        eval(NSG(RULE("ssh", 300, "Allow", "Inbound", "Tcp", SRC("Internet"), PORT("22"))));
    assert_true(port_open(&v, 22));
    assert_false(port_open(&v, 3389));
    assert_int_equal(v.open_priority, 300);
    assert_string_equal(v.open_rule, "ssh");
    assert_false(v.all_ports);
}

static void test_azure_nsg_lower_deny_shadows(void **state)
{
    /* Deny 100 covers the same traffic as Allow 200: the Allow never matches. */
    struct zt_azure_nsg_verdict v =
        eval(NSG(RULE("deny-ssh", 100, "Deny", "Inbound", "*", SRC("*"), PORT("22")) "," RULE(
            "allow-ssh", 200, "Allow", "Inbound", "Tcp", SRC("Internet"), PORT("22"))));
    assert_false(port_open(&v, 22));
    assert_int_equal(v.open_mask, 0);
}

static void test_azure_nsg_higher_deny_does_not(void **state)
{
    /* The Deny has the HIGHER number (evaluated later): the Allow wins, listed after it or not. */
    struct zt_azure_nsg_verdict v =
        eval(NSG(RULE("deny-rdp", 4000, "Deny", "Inbound", "*", SRC("*"), PORT("3389")) "," RULE(
            "allow-rdp", 200, "Allow", "Inbound", "Tcp", SRC("*"), PORT("3389"))));
    assert_true(port_open(&v, 3389));
    assert_int_equal(v.open_priority, 200);
}

static void test_azure_nsg_partial_deny(void **state)
{
    /* A Deny from one CIDR, or to one address, or for UDP only, does not cover Internet TCP. */
    struct zt_azure_nsg_verdict v = eval(NSG(
        RULE("deny-some", 100, "Deny", "Inbound", "*", SRC("198.51.100.0/24"), PORT("22")) "," RULE(
            "deny-udp", 110, "Deny", "Inbound", "Udp", SRC("*"),
            PORT("22")) ","
                        "{\"name\": "
                        "\"deny-one-host\", "
                        "\"properties\": "
                        "{\"priority\": 120, "
                        "\"access\": "
                        "\"Deny\", "
                        "\"direction\": "
                        "\"Inbound\", "
                        "\"protocol\": "
                        "\"*\", "
                        "\"sourceAddressPrefi"
                        "x\": \"*\", "
                        "\"destinationPortRan"
                        "ge\": \"22\", "
                        "\"destinationAddress"
                        "Prefix\": "
                        "\"10.0.0.4\"}}," RULE("allow", 200, "Allow", "Inbound", "Tcp", SRC("*"),
                                               PORT("22"))));
    assert_true(port_open(&v, 22));
}

static void test_azure_nsg_vnet_not_internet(void **state)
{
    struct zt_azure_nsg_verdict v = eval(
        NSG(RULE("vnet-ssh", 100, "Allow", "Inbound", "Tcp", SRC("VirtualNetwork"),
                 PORT("22")) "," RULE("lb", 110, "Allow", "Inbound", "*", SRC("AzureLoadBalancer"),
                                      PORT("*")) "," RULE("corp", 120, "Allow", "Inbound", "Tcp",
                                                          SRC("203."
                                                              "0.113."
                                                              "0/24"),
                                                          PORT("3389"))));
    assert_int_equal(v.open_mask, 0);
}

static void test_azure_nsg_port_range(void **state)
{
    struct zt_azure_nsg_verdict v =
        eval(NSG(RULE("range", 300, "Allow", "Inbound", "Tcp", SRC("0.0.0.0/0"), PORT("20-25"))));
    assert_true(port_open(&v, 20));
    assert_true(port_open(&v, 21));
    assert_true(port_open(&v, 22));
    assert_true(port_open(&v, 23));
    assert_false(port_open(&v, 3389));
    assert_true(zt_azure_port_spec_covers("20-25", 22));
    assert_false(zt_azure_port_spec_covers("20-25", 26));
    assert_true(zt_azure_port_spec_covers("*", 3389));
    assert_false(zt_azure_port_spec_covers("25-20", 22));
    assert_false(zt_azure_port_spec_covers("22-", 22));
    assert_false(zt_azure_port_spec_covers("x", 22));
    assert_false(zt_azure_port_spec_covers("70000", 22));
}

static void test_azure_nsg_star_ports(void **state)
{
    struct zt_azure_nsg_verdict v =
        eval(NSG(RULE("all", 300, "Allow", "Inbound", "*", SRC("Any"), PORT("*"))));
    assert_true(v.all_ports);
    assert_int_equal(v.open_mask, (UINT64_C(1) << zt_azure_admin_ports_count()) - 1);
    /* A Deny on 22 only: every port is no longer open, but the rest of them still are. */
    v = eval(
        NSG(RULE("deny-ssh", 100, "Deny", "Inbound", "Tcp", SRC("Internet"),
                 PORT("22")) "," RULE("all", 300, "Allow", "Inbound", "*", SRC("Any"), PORT("*"))));
    assert_false(port_open(&v, 22));
    assert_true(port_open(&v, 3389));
    assert_true(v.all_ports); /* the Deny covers one port, not all of them */
}

static void test_azure_nsg_prefix_lists(void **state)
{
    /* Plural forms: sourceAddressPrefixes holding 0.0.0.0/0, destinationPortRanges. */
    struct zt_azure_nsg_verdict v = eval(
        NSG("{\"name\": \"multi\", \"properties\": {\"priority\": 150, \"access\": \"Allow\", "
            "\"direction\": \"Inbound\", \"protocol\": \"Tcp\", \"sourceAddressPrefix\": \"\", "
            "\"sourceAddressPrefixes\": [\"10.0.0.0/8\", \"0.0.0.0/0\"], \"destinationPortRange\": "
            "\"\", "
            "\"destinationPortRanges\": [\"80\", \"443\", \"5985-5986\"], "
            "\"destinationAddressPrefixes\": [\"10.1.0.4\", \"10.1.0.5\"]}}"));
    assert_true(port_open(&v, 5985));
    assert_true(port_open(&v, 5986));
    assert_false(port_open(&v, 22));
    assert_string_equal(v.open_rule, "multi");
}

static void test_azure_nsg_outbound_ignored(void **state)
{
    struct zt_azure_nsg_verdict v =
        eval(NSG(RULE("out", 100, "Allow", "Outbound", "*", SRC("*"), PORT("*")) "," RULE(
            "out-deny", 90, "Deny", "Outbound", "*", SRC("*"),
            PORT("22")) "," RULE("ssh", 200, "Allow", "Inbound", "Tcp", SRC("*"), PORT("22"))));
    /* The Outbound Allow opens nothing inbound; the Outbound Deny shadows nothing inbound. */
    assert_false(v.all_ports);
    assert_true(port_open(&v, 22));
    assert_false(port_open(&v, 3389));
    assert_int_equal(v.inbound, 4);
    assert_int_equal(v.skipped, 0);
}

static void test_azure_nsg_malformed(void **state)
{
    struct zt_azure_nsg_verdict v;
    struct json_object *o = parse("{\"properties\": {\"securityRules\": {}}}");
    assert_int_equal(zt_azure_nsg_eval(o, &v), -EBADMSG);
    json_object_put(o);
    o = parse("[1]");
    assert_int_equal(zt_azure_nsg_eval(o, &v), -EBADMSG);
    json_object_put(o);
    /* A rule with a bad port or priority is skipped, never taken as a Deny or an Allow. */
    v = eval(NSG(RULE("bad-deny", 100, "Deny", "Inbound", "*", SRC("*"), PORT("22-x")) "," RULE(
        "bad-prio", 0, "Allow", "Inbound", "Tcp", SRC("*"),
        PORT("3389")) "," RULE("ok", 200, "Allow", "Inbound", "Tcp", SRC("*"), PORT("22"))));
    assert_int_equal(v.skipped, 2);
    assert_true(port_open(&v, 22));
    assert_false(port_open(&v, 3389));
}

static void test_azure_nsgs_emit(void **state)
{
    struct zt_azure_nsgs acc = {0};
    struct json_object *open =
        parse(NSG(RULE("ssh", 300, "Allow", "Inbound", "Tcp", SRC("Internet"), PORT("22"))));
    struct json_object *closed = parse(NSG(""));
    struct json_object *junk = parse("\"junk\"");

    zt_azure_nsgs_item(&acc, open);
    zt_azure_nsgs_item(&acc, closed);
    zt_azure_nsgs_item(&acc, junk);
    struct zt_ctx *ctx = zt_ctx_new("azure", 0);
    assert_int_equal(zt_azure_nsgs_emit(ctx, &acc), 0);
    assert_evidence_int(ctx, "azure.nsg.count", 2);
    assert_evidence_int(ctx, "azure.nsg.internet_admin_open_count", 1);
    assert_evidence_int(ctx, "azure.nsg.internet_all_ports_open_count", 0);
    struct json_object *ports = zt_test_value(ctx, "azure.nsg.internet_open_admin_ports");
    assert_int_equal(json_object_array_length(ports), 1);
    assert_int_equal(json_object_get_int(json_object_array_get_idx(ports, 0)), 22);
    zt_ctx_free(ctx);
    zt_azure_nsgs_clear(&acc);
    json_object_put(open);
    json_object_put(closed);
    json_object_put(junk);
}

/* ---- storage -------------------------------------------------------------------------------- */

static struct zt_azure_account account(const char *props, const char *api)
{
    struct zt_azure_account a;
    _cleanup_free_ char *doc = zt_xasprintf("{\"name\": \"st1\", \"properties\": {%s}}", props);
    struct json_object *o = parse(doc);
    assert_int_equal(zt_azure_account_derive(o, api, &a), 0);
    json_object_put(o);
    return a;
}

static void test_azure_storage_tls_absent(void **state)
{
    struct zt_azure_account a = account("\"supportsHttpsTrafficOnly\": true", "2023-05-01");
    assert_int_equal(a.min_tls, ZT_AZURE_TLS1_0);
    a = account("\"minimumTlsVersion\": \"TLS1_2\"", "2023-05-01");
    assert_int_equal(a.min_tls, ZT_AZURE_TLS1_2);
    a = account("\"minimumTlsVersion\": \"TLS9_9\"", "2023-05-01");
    assert_int_equal(a.min_tls, ZT_AZURE_TLS_UNKNOWN);
}

static void test_azure_storage_blob_default(void **state)
{
    /* Absent: true under the 2022-09-01 spec, false under 2023-01-01 and later (we call
     * 2023-05-01); unset is recorded either way. An explicit value wins in both. */
    assert_true(zt_azure_blob_public_default("2022-09-01"));
    assert_true(zt_azure_blob_public_default("2019-04-01"));
    assert_false(zt_azure_blob_public_default("2023-01-01"));
    assert_false(zt_azure_blob_public_default(ZT_AZURE_API_STORAGE));
    struct zt_azure_account a = account("\"minimumTlsVersion\": \"TLS1_2\"", "2022-09-01");
    assert_true(a.blob_public);
    assert_true(a.blob_public_unset);
    a = account("\"minimumTlsVersion\": \"TLS1_2\"", "2023-05-01");
    assert_false(a.blob_public);
    assert_true(a.blob_public_unset);
    a = account("\"allowBlobPublicAccess\": null", "2023-05-01");
    assert_true(a.blob_public_unset);
    a = account("\"allowBlobPublicAccess\": true", "2023-05-01");
    assert_true(a.blob_public);
    assert_false(a.blob_public_unset);
    a = account("\"allowBlobPublicAccess\": false", "2022-09-01");
    assert_false(a.blob_public);
}

static void test_azure_storage_https(void **state)
{
    struct zt_azure_account a = account("\"supportsHttpsTrafficOnly\": false", "2023-05-01");
    assert_false(a.https_only);
    a = account("\"minimumTlsVersion\": \"TLS1_2\"", "2023-05-01");
    assert_true(a.https_only); /* the default since 2019-04-01 */
    assert_true(a.shared_key); /* allowSharedKeyAccess absent: true */
    a = account("\"allowSharedKeyAccess\": false", "2023-05-01");
    assert_false(a.shared_key);
}

static void test_azure_storage_emit(void **state)
{
    struct zt_azure_storage acc = {.api_version = ZT_AZURE_API_STORAGE};
    const char *docs[] = {
        "{\"id\": \"a\", \"properties\": {\"supportsHttpsTrafficOnly\": false, "
        "\"minimumTlsVersion\": \"TLS1_2\", \"allowBlobPublicAccess\": false, "
        "\"allowSharedKeyAccess\": false}}",
        "{\"id\": \"b\", \"properties\": {\"supportsHttpsTrafficOnly\": true}}",
        ("{\"id\": \"c\", \"properties\": {\"allowBlobPublicAccess\": true, "
         "\"minimumTlsVersion\": \"TLS1_2\"}}"),
        "{\"id\": \"d\"}",
    };
    for (size_t i = 0; i < ZT_ELEMENTSOF(docs); i++) {
        struct json_object *o = parse(docs[i]);
        zt_azure_storage_item(&acc, o);
        json_object_put(o);
    }
    struct zt_ctx *ctx = zt_ctx_new("azure", 0);
    assert_int_equal(zt_azure_storage_emit(ctx, &acc), 0);
    assert_evidence_int(ctx, "azure.storage.count", 3);
    assert_evidence_int(ctx, "azure.storage.public_blob_access_count", 1);
    assert_evidence_int(ctx, "azure.storage.blob_public_access_unset_count", 1);
    assert_evidence_int(ctx, "azure.storage.https_only_disabled_count", 1);
    assert_evidence_int(ctx, "azure.storage.tls_below_1_2_count", 1);
    assert_evidence_int(ctx, "azure.storage.shared_key_allowed_count", 2);
    zt_ctx_free(ctx);
    zt_azure_storage_clear(&acc);
}

/* ---- Defender pricings, diagnostic settings -------------------------------------------------- */

#define PRICING(name, tier, extra)                                                                 \
    "{\"id\": \"/subscriptions/s/providers/Microsoft.Security/pricings/" name                      \
    "\", \"name\": \"" name                                                                        \
    "\", \"type\": \"Microsoft.Security/pricings\", \"properties\": {\"pricingTier\": \"" tier     \
    "\"" extra "}}"

static void test_azure_pricings(void **state)
{
    struct zt_azure_defender acc = {0};
    struct json_object *sub1 = parse(
        "{\"value\": [" PRICING("VirtualMachines", "Standard", ", \"subPlan\": \"P2\"") "," PRICING(
            "StorageAccounts", "Standard", "") "," PRICING("CloudPosture", "Free",
                                                           "") "," PRICING("Dns", "Free",
                                                                           ", \"deprecated\": "
                                                                           "true") "]}");
    struct json_object *sub2 =
        parse("{\"value\": [" PRICING("VirtualMachines", "Free", "") "," PRICING(
            "StorageAccounts", "Standard", "") "," PRICING("CloudPosture", "Free", "") "]}");
    struct json_object *none = parse("{\"value\": [" PRICING("VirtualMachines", "Free", "") "]}");

    assert_int_equal(zt_azure_pricings_page(&acc, sub1), 0);
    assert_int_equal(zt_azure_pricings_page(&acc, sub2), 0);
    struct json_object *bad = parse("{\"values\": []}");
    assert_int_equal(zt_azure_pricings_page(&acc, bad), -EBADMSG);
    json_object_put(bad);

    struct zt_ctx *ctx = zt_ctx_new("azure", 0);
    assert_int_equal(zt_azure_defender_emit(ctx, &acc), 0);
    assert_evidence_bool(ctx, "azure.defender.servers_enabled", false); /* Free on sub2 */
    assert_evidence_bool(ctx, "azure.defender.storage_enabled", true);
    assert_evidence_bool(ctx, "azure.defender.cspm_enabled", false);
    assert_evidence_bool(ctx, "azure.defender.all_plans_enabled", false);
    assert_evidence_int(ctx, "azure.defender.subscriptions_without_plans", 0);
    struct json_object *std = zt_test_value(ctx, "azure.defender.standard_plans");
    assert_int_equal(json_object_array_length(std), 1);
    assert_string_equal(json_object_get_string(json_object_array_get_idx(std, 0)),
                        "StorageAccounts");
    zt_ctx_free(ctx);

    assert_int_equal(zt_azure_pricings_page(&acc, none), 0);
    ctx = zt_ctx_new("azure", 0);
    assert_int_equal(zt_azure_defender_emit(ctx, &acc), 0);
    assert_evidence_int(ctx, "azure.defender.subscriptions_without_plans", 1);
    assert_evidence_bool(ctx, "azure.defender.storage_enabled", false); /* absent on the third */
    zt_ctx_free(ctx);
    json_object_put(sub1);
    json_object_put(sub2);
    json_object_put(none);
}

static int exported(const char *doc)
{
    struct json_object *o = parse(doc);
    int r = zt_azure_diagnostics_exported(o);
    json_object_put(o);
    return r;
}

static void test_azure_diagnostics(void **state)
{
    assert_int_equal(exported("{\"value\": []}"), 0);
    assert_int_equal(exported("{\"value\": [{\"properties\": {\"workspaceId\": \"/w\", \"logs\": "
                              "[{\"category\": \"Administrative\", \"enabled\": true}]}}]}"),
                     1);
    /* No destination, or Administrative disabled, or only another category: not exported. */
    assert_int_equal(exported("{\"value\": [{\"properties\": {\"logs\": [{\"category\": "
                              "\"Administrative\", \"enabled\": true}]}}]}"),
                     0);
    assert_int_equal(exported("{\"value\": [{\"properties\": {\"storageAccountId\": \"/s\", "
                              "\"logs\": [{\"category\": \"Administrative\", \"enabled\": false}, "
                              "{\"category\": \"Security\", \"enabled\": true}]}}]}"),
                     0);
    assert_int_equal(exported("{\"value\": [{\"properties\": {\"eventHubAuthorizationRuleId\": "
                              "\"/e\", \"logs\": [{\"categoryGroup\": \"allLogs\", \"enabled\": "
                              "true}]}}]}"),
                     1);
    assert_int_equal(exported("{\"nope\": 1}"), -EBADMSG);

    struct zt_azure_activity acc = {0};
    zt_azure_activity_add(&acc, "sub-a", true);
    zt_azure_activity_add(&acc, "sub-b", false);
    struct zt_ctx *ctx = zt_ctx_new("azure", 0);
    assert_int_equal(zt_azure_activity_emit(ctx, &acc), 0);
    assert_evidence_bool(ctx, "azure.activity_log.exported_all", false);
    assert_evidence_int(ctx, "azure.activity_log.unexported_count", 1);
    zt_ctx_free(ctx);
    zt_azure_activity_clear(&acc);
}

/* ---- Sentinel automation rules ------------------------------------------------------------- */

#define SRULE(enabled, expires, action)                                                            \
    "{\"properties\": {\"triggeringLogic\": {\"isEnabled\": " enabled expires                      \
    "}, \"actions\": [{\"actionType\": \"ModifyProperties\"}, {\"actionType\": \"" action "\"}]}}"

static void test_azure_sentinel_rules(void **state)
{
    const char *rules[] = {
        SRULE("true", "", "RunPlaybook"),
        SRULE("true", ", \"expirationTimeUtc\": \"2099-01-01T00:00:00Z\"", "AddIncidentTask"),
        SRULE("true", ", \"expirationTimeUtc\": \"2020-01-01T00:00:00Z\"", "RunPlaybook"),
        SRULE("false", "", "RunPlaybook"),
        "{\"properties\": {}}",
    };
    struct zt_azure_graph acc = {0};

    for (size_t i = 0; i < ZT_ELEMENTSOF(rules); i++) {
        struct json_object *r = json_tokener_parse(rules[i]);
        assert_non_null(r);
        zt_azure_sentinel_rule_item(&acc, r);
        json_object_put(r);
    }
    struct zt_ctx *ctx = zt_ctx_new("azure", 0);
    assert_int_equal(zt_azure_sentinel_rules_emit(ctx, &acc), 0);
    assert_evidence_int(ctx, "azure.sentinel.automation_rule_count", 2); /* expired, off, bare */
    assert_evidence_int(ctx, "azure.sentinel.playbook_rule_count", 1);
    zt_ctx_free(ctx);
    /* Only plain ARM ids are appended to arm_url. */
    assert_true(zt_azure_resource_id_valid("/subscriptions/s/resourceGroups/soc/providers/"
                                           "Microsoft.OperationalInsights/workspaces/ws-1"));
    assert_false(zt_azure_resource_id_valid("/subscriptions/s/../../x"));
    assert_false(zt_azure_resource_id_valid("/subscriptions/s/ws?api-version=1"));
    assert_false(zt_azure_resource_id_valid("https://evil.example/subscriptions/s"));
    assert_false(zt_azure_resource_id_valid("/subscriptions//x"));
    assert_false(zt_azure_resource_id_valid(NULL));
}

/* Remediation tasks: failed by state or by a failed deployment; unfinished ones are counted apart.
 */
static void test_azure_remediations(void **state)
{
    const char *items[] = {
        "{\"properties\": {\"provisioningState\": \"Succeeded\", \"deploymentStatus\": "
        "{\"totalDeployments\": 2, \"failedDeployments\": 0}}}",
        "{\"properties\": {\"provisioningState\": \"Complete\", \"deploymentStatus\": "
        "{\"failedDeployments\": 1}}}",
        "{\"properties\": {\"provisioningState\": \"Failed\"}}",
        "{\"properties\": {\"provisioningState\": \"Evaluating\"}}",
        "{\"name\": \"no properties\"}",
    };
    struct zt_azure_remediations acc = {0};

    for (size_t i = 0; i < ZT_ELEMENTSOF(items); i++) {
        struct json_object *o = json_tokener_parse(items[i]);
        zt_azure_remediation_item(&acc, o);
        json_object_put(o);
    }
    assert_int_equal(acc.running, 1);
    assert_int_equal(acc.malformed, 1);
    struct zt_ctx *ctx = zt_ctx_new("azure", 0);
    assert_int_equal(zt_azure_remediations_emit(ctx, &acc), 0);
    assert_evidence_int(ctx, "azure.policy.remediation_task_count", 4);
    assert_evidence_int(ctx, "azure.policy.remediation_failed_count", 2);
    zt_ctx_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_azure_nsg_defaults_only),
        cmocka_unit_test(test_azure_nsg_allow_internet),
        cmocka_unit_test(test_azure_nsg_lower_deny_shadows),
        cmocka_unit_test(test_azure_nsg_higher_deny_does_not),
        cmocka_unit_test(test_azure_nsg_partial_deny),
        cmocka_unit_test(test_azure_nsg_vnet_not_internet),
        cmocka_unit_test(test_azure_nsg_port_range),
        cmocka_unit_test(test_azure_nsg_star_ports),
        cmocka_unit_test(test_azure_nsg_prefix_lists),
        cmocka_unit_test(test_azure_nsg_outbound_ignored),
        cmocka_unit_test(test_azure_nsg_malformed),
        cmocka_unit_test(test_azure_nsgs_emit),
        cmocka_unit_test(test_azure_storage_tls_absent),
        cmocka_unit_test(test_azure_storage_blob_default),
        cmocka_unit_test(test_azure_storage_https),
        cmocka_unit_test(test_azure_storage_emit),
        cmocka_unit_test(test_azure_pricings),
        cmocka_unit_test(test_azure_diagnostics),
        cmocka_unit_test(test_azure_sentinel_rules),
        cmocka_unit_test(test_azure_remediations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
