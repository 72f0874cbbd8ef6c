/* test_azure_entra_logs.c - the Entra diagnostic settings (microsoft.aadiam) on hand-written ARM
 * lists: which sign-in categories and AuditLogs go to a workspace, an event hub or storage only,
 * disabled and unknown categories, settings without a destination, and malformed answers. */
#include "zt_test.h"

#include <errno.h>

#include "azure/azure.h"

#define WS                                                                                         \
    "\"workspaceId\": \"/subscriptions/s/resourceGroups/soc/providers/"                            \
    "Microsoft.OperationalInsights/workspaces/soc-ws\""
#define HUB                                                                                        \
    "\"eventHubAuthorizationRuleId\": \"/subscriptions/s/resourceGroups/soc/providers/"            \
    "Microsoft.EventHub/namespaces/hub/authorizationRules/RootManageSharedAccessKey\""
#define STORE                                                                                      \
    "\"storageAccountId\": \"/subscriptions/s/resourceGroups/a/providers/"                         \
    "Microsoft.Storage/storageAccounts/archive\""
#define LOG(c, on)                                                                                 \
    "{\"category\": \"" c "\", \"enabled\": " on                                                   \
    ", \"retentionPolicy\": {\"days\": 0, \"enabled\": false}}"
#define SETTING(dest, logs)                                                                        \
    "{\"id\": \"/providers/microsoft.aadiam/diagnosticSettings/x\", "                              \
    "\"name\": \"x\", \"properties\": {" dest ", \"logs\": [" logs "]}}"
#define CORE LOG("SignInLogs", "true") "," LOG("AuditLogs", "true")
#define OTHER_SIGNINS                                                                              \
    LOG("NonInteractiveUserSignInLogs", "true")                                                    \
    "," LOG("ServicePrincipalSignInLogs", "true") "," LOG("ManagedIdentitySignInLogs", "true")

/* Fold the list text and emit into a fresh context (the caller frees it). */
static struct zt_ctx *derive(const char *text, int expect)
{
    struct json_object *o = json_tokener_parse(text);
    struct zt_azure_entra_logs acc = {0};
    struct zt_ctx *ctx = zt_ctx_new("azure", 0);

    if (!o) {
        fail_msg("not JSON: %s", text);
    }
    assert_int_equal(zt_azure_entra_logs_page(&acc, o), expect);
    json_object_put(o);
    if (expect == 0) {
        assert_int_equal(zt_azure_entra_logs_emit(ctx, &acc), 0);
    }
    return ctx;
}

static void assert_flags(struct zt_ctx *ctx, bool exported, bool core, bool all, bool core_ws,
                         bool all_ws)
{
    assert_evidence_bool(ctx, "azure.entra_logs.core_exported", exported);
    assert_evidence_bool(ctx, "azure.entra_logs.core_streamed", core);
    assert_evidence_bool(ctx, "azure.entra_logs.all_signins_streamed", all);
    assert_evidence_bool(ctx, "azure.entra_logs.core_to_workspace", core_ws);
    assert_evidence_bool(ctx, "azure.entra_logs.all_signins_to_workspace", all_ws);
}

/* Every sign-in category and AuditLogs to a workspace: everything holds. */
static void test_all_to_workspace(void **state)
{
    struct zt_ctx *ctx = derive(
        "{\"value\": [" SETTING(WS, CORE "," OTHER_SIGNINS "," LOG("RiskyUsers", "true")) "]}", 0);
    assert_flags(ctx, true, true, true, true, true);
    assert_evidence_int(ctx, "azure.entra_logs.setting_count", 1);
    zt_ctx_free(ctx);
}

/* AuditLogs to storage only, sign-ins disabled: exported nowhere for analysis. */
static void test_storage_only(void **state)
{
    struct zt_ctx *ctx = derive("{\"value\": [" SETTING(STORE, LOG("SignInLogs", "false") "," LOG(
                                                                   "AuditLogs", "true")) "]}",
                                0);
    assert_flags(ctx, false, false, false, false, false);
    zt_ctx_free(ctx);
    /* Both core categories in storage: exported, but not streamed. */
    ctx = derive("{\"value\": [" SETTING(STORE, CORE) "]}", 0);
    assert_flags(ctx, true, false, false, false, false);
    zt_ctx_free(ctx);
}

/* An event hub streams (a SIEM reads it) but is no workspace; categories may be split across
 * settings: sign-ins to the hub, the other sign-ins and audit to a workspace. */
static void test_split_destinations(void **state)
{
    struct zt_ctx *ctx = derive("{\"value\": [" SETTING(HUB, CORE) "]}", 0);
    assert_flags(ctx, true, true, false, false, false);
    zt_ctx_free(ctx);
    ctx = derive("{\"value\": [" SETTING(HUB, LOG("SignInLogs", "true")) "," SETTING(
                     WS, LOG("AuditLogs", "true") "," OTHER_SIGNINS) "]}",
                 0);
    assert_flags(ctx, true, true, true, false, false);
    assert_evidence_int(ctx, "azure.entra_logs.setting_count", 2);
    zt_ctx_free(ctx);
    /* One setting with a workspace and storage: both count for its categories. */
    ctx = derive("{\"value\": [" SETTING(WS ", " STORE, CORE) "]}", 0);
    assert_flags(ctx, true, true, false, true, false);
    zt_ctx_free(ctx);
}

/* Missing pieces: no destination, the managed identity category off, names in another case,
 * enabled given as a string, an item without properties. */
static void test_gaps(void **state)
{
    struct zt_ctx *ctx = derive("{\"value\": [" SETTING("\"workspaceId\": \"\"", CORE) "]}", 0);
    assert_flags(ctx, false, false, false, false, false);
    zt_ctx_free(ctx);
    ctx = derive(
        "{\"value\": [" SETTING(WS, CORE "," LOG("NonInteractiveUserSignInLogs", "true") "," LOG(
                                        "ServicePrincipalSignInLogs",
                                        "true") "," LOG("ManagedIdentitySignInLogs", "false")) "]}",
        0);
    assert_flags(ctx, true, true, false, true, false);
    zt_ctx_free(ctx);
    ctx =
        derive("{\"value\": [" SETTING(WS, LOG("signinlogs", "true") "," LOG(
                                               "AuditLogs", "\"true\"")) ", "
                                                                         "{\"name\": \"broken\"}]}",
               0);
    assert_flags(ctx, false, false, false, false, false); /* "true" is not a boolean */
    assert_evidence_int(ctx, "azure.entra_logs.setting_count", 1);
    zt_ctx_free(ctx);
}

/* No setting at all: every flag false (an answer, not unknown); a list that is not one: an error
 * and nothing emitted. */
static void test_none_and_malformed(void **state)
{
    struct zt_ctx *ctx = derive("{\"value\": []}", 0);
    assert_flags(ctx, false, false, false, false, false);
    assert_evidence_int(ctx, "azure.entra_logs.setting_count", 0);
    zt_ctx_free(ctx);
    ctx = derive("{\"value\": {}}", -EBADMSG);
    assert_evidence_absent(ctx, "azure.entra_logs.core_streamed");
    zt_ctx_free(ctx);
    ctx = derive("{\"error\": {\"code\": \"AuthorizationFailed\"}}", -EBADMSG);
    zt_ctx_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_to_workspace),   cmocka_unit_test(test_storage_only),
        cmocka_unit_test(test_split_destinations), cmocka_unit_test(test_gaps),
        cmocka_unit_test(test_none_and_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
