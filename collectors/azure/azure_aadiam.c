/* azure_aadiam.c - Microsoft Entra sign-in and audit log streaming: the tenant's diagnostic
 * settings (ARM, /providers/microsoft.aadiam/diagnosticSettings), read once per azure instance,
 * and which sign-in categories and AuditLogs each sends to which kind of destination. */
#include <json-c/json.h>
#include <string.h>
#include <strings.h>

#include "azure.h"

/* The categories judged, in the order of their bits (enum zt_azure_log_category). */
static const char *const categories[_ZT_AZURE_LOG_MAX] = {
    [ZT_AZURE_LOG_SIGNIN] = "SignInLogs",
    [ZT_AZURE_LOG_NONINTERACTIVE] = "NonInteractiveUserSignInLogs",
    [ZT_AZURE_LOG_SERVICE_PRINCIPAL] = "ServicePrincipalSignInLogs",
    [ZT_AZURE_LOG_MANAGED_IDENTITY] = "ManagedIdentitySignInLogs",
    [ZT_AZURE_LOG_AUDIT] = "AuditLogs",
};

#define CORE_MASK ((1u << ZT_AZURE_LOG_SIGNIN) | (1u << ZT_AZURE_LOG_AUDIT))
#define ALL_MASK  ((1u << _ZT_AZURE_LOG_MAX) - 1u)

static bool has(struct json_object *p, const char *key)
{
    const char *s = zt_json_str(p, key);
    return s && s[0];
}

static int category_of(const char *name)
{
    for (int i = 0; name && i < _ZT_AZURE_LOG_MAX; i++) {
        if (strcasecmp(name, categories[i]) == 0) {
            return i;
        }
    }
    return -1;
}

/* The categories one setting's logs[] enable (a bit per category). */
static unsigned enabled_mask(struct json_object *p)
{
    struct json_object *logs = zt_json_array(p, "logs"), *en = NULL;
    unsigned mask = 0;

    for (size_t i = 0; logs && i < json_object_array_length(logs); i++) {
        struct json_object *l = json_object_array_get_idx(logs, i);
        int c = category_of(zt_json_str(l, "category"));
        if (c >= 0 && json_object_object_get_ex(l, "enabled", &en) &&
            json_object_is_type(en, json_type_boolean) && json_object_get_boolean(en)) {
            mask |= 1u << c;
        }
    }
    return mask;
}

int zt_azure_entra_logs_page(struct zt_azure_entra_logs *acc, struct json_object *page)
{
    struct json_object *value = zt_json_array(page, "value"), *p = NULL;

    if (!value) {
        return -EBADMSG;
    }
    for (size_t i = 0; i < json_object_array_length(value); i++) {
        struct json_object *s = json_object_array_get_idx(value, i);
        if (!json_object_object_get_ex(s, "properties", &p) ||
            !json_object_is_type(p, json_type_object)) {
            acc->malformed++;
            continue;
        }
        acc->settings++;
        unsigned mask = enabled_mask(p);
        if (has(p, "workspaceId")) {
            acc->workspace |= mask;
        }
        if (has(p, "eventHubAuthorizationRuleId")) {
            acc->event_hub |= mask;
        }
        if (has(p, "storageAccountId")) {
            acc->storage |= mask;
        }
    }
    return 0;
}

/* {"SignInLogs": ["workspace", "event_hub"], ...}: where each judged category goes. */
static struct json_object *destinations(const struct zt_azure_entra_logs *acc)
{
    struct json_object *d = json_object_new_object();

    for (int i = 0; i < _ZT_AZURE_LOG_MAX; i++) {
        struct json_object *a = json_object_new_array();
        if (acc->workspace & (1u << i)) {
            json_object_array_add(a, json_object_new_string("workspace"));
        }
        if (acc->event_hub & (1u << i)) {
            json_object_array_add(a, json_object_new_string("event_hub"));
        }
        if (acc->storage & (1u << i)) {
            json_object_array_add(a, json_object_new_string("storage"));
        }
        json_object_object_add(d, categories[i], a);
    }
    return d;
}

static int emit_mask(struct zt_ctx *ctx, const char *key, unsigned have, unsigned want,
                     const struct zt_azure_entra_logs *acc)
{
    return zt_emit(ctx, key, json_object_new_boolean((have & want) == want), destinations(acc));
}

int zt_azure_entra_logs_emit(struct zt_ctx *ctx, const struct zt_azure_entra_logs *acc)
{
    unsigned streamed = acc->workspace | acc->event_hub;
    unsigned exported = streamed | acc->storage;
    struct json_object *d = json_object_new_object();
    int r = 0;

    json_object_object_add(d, "malformed", json_object_new_int64((int64_t)acc->malformed));
    r |= zt_ms_emit_count(ctx, "azure.entra_logs.setting_count", acc->settings, d);
    r |= emit_mask(ctx, "azure.entra_logs.core_exported", exported, CORE_MASK, acc);
    r |= emit_mask(ctx, "azure.entra_logs.core_streamed", streamed, CORE_MASK, acc);
    r |= emit_mask(ctx, "azure.entra_logs.all_signins_streamed", streamed, ALL_MASK, acc);
    r |= emit_mask(ctx, "azure.entra_logs.core_to_workspace", acc->workspace, CORE_MASK, acc);
    r |= emit_mask(ctx, "azure.entra_logs.all_signins_to_workspace", acc->workspace, ALL_MASK, acc);
    return r < 0 ? -EINVAL : 0;
}

/* ---- the call ------------------------------------------------------------------------------ */

static int on_page(void *data, const struct zt_http_page *p)
{
    struct zt_azure_aadiam *call = data;
    return zt_azure_entra_logs_page(&call->logs, zt_http_page_json(p));
}

int zt_azure_aadiam_start(struct zt_ctx *ctx, struct zt_http_group *g, const char *arm_url,
                          const char *ca_file, const struct zt_oauth_config *auth,
                          struct zt_azure_aadiam *call)
{
    _cleanup_free_ char *url = zt_ms_url(arm_url, ZT_AZURE_AADIAM_PATH);

    if (!url) {
        return zt_ctx_error(ctx, -EINVAL, "'arm_url' is too long");
    }
    struct zt_http_request req = {
        .method = ZT_HTTP_GET,
        .url = url,
        .ca_file = ca_file,
        .auth = auth,
        .paging = ZT_PAGING_NONE,
        .max_pages = 1,
        .on_page = on_page,
        .userdata = call,
    };
    call->started = true;
    if (zt_ctx_http_group_add(ctx, g, &req, &call->res) < 0) {
        return zt_ctx_error(ctx, call->res.error, "%s", call->res.message);
    }
    return 0;
}

int zt_azure_aadiam_finish(struct zt_ctx *ctx, const struct zt_azure_aadiam *call)
{
    if (!call->started) {
        return 0;
    }
    if (call->res.error < 0) {
        /* Denied: the keys stay unobserved (never a pass), the error names the missing role. */
        return zt_ctx_error(
            ctx, call->res.error, "Entra diagnostic settings: %s%s", call->res.message,
            call->res.status == 403 ? " (the app needs an Azure role with "
                                      "microsoft.aadiam/diagnosticSettings/read, e.g. Reader, "
                                      "assigned at the tenant scope /providers/Microsoft.aadiam)"
                                    : "");
    }
    if (zt_azure_entra_logs_emit(ctx, &call->logs) < 0) {
        return zt_ctx_error(ctx, -EINVAL, "cannot emit Entra diagnostic settings evidence");
    }
    return 0;
}
