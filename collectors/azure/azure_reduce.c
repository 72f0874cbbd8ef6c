/* azure_reduce.c - the azure collector's estate-wide counters: NSG verdicts, storage account
 * settings (with the defaults that changed across API versions), Defender for Cloud plans per
 * subscription and activity log export, and the evidence emitted from them. */
#include <json-c/json.h>
#include <strings.h>

#include "azure.h"

static void detail_add(struct json_object **list, struct json_object *item)
{
    if (!*list) {
        *list = json_object_new_array();
    }
    if (json_object_array_length(*list) < ZT_MS_DETAIL_MAX) {
        json_object_array_add(*list, item);
    } else {
        json_object_put(item);
    }
}

static struct json_object *detail_get(struct json_object *list)
{
    return list ? json_object_get(list) : json_object_new_array();
}

static const char *resource_label(struct json_object *o)
{
    const char *id = zt_json_str(o, "id");
    return id ? id : zt_json_str(o, "name");
}

static struct json_object *new_str(const char *s)
{
    return json_object_new_string(s ? s : "");
}

/* ---- NSGs ----------------------------------------------------------------------------------- */

static struct json_object *ports_of(uint64_t mask)
{
    struct json_object *a = json_object_new_array();
    for (size_t i = 0; zt_azure_admin_ports[i]; i++) {
        if (mask & (UINT64_C(1) << i)) {
            json_object_array_add(a, json_object_new_int(zt_azure_admin_ports[i]));
        }
    }
    return a;
}

void zt_azure_nsgs_item(struct zt_azure_nsgs *acc, struct json_object *nsg)
{
    struct zt_azure_nsg_verdict v;

    if (zt_azure_nsg_eval(nsg, &v) < 0) {
        acc->malformed++;
        return;
    }
    acc->total++;
    acc->rules_skipped += v.skipped;
    acc->ports_mask |= v.open_mask;
    acc->admin_open += v.open_mask != 0;
    acc->all_open += v.all_ports;
    if (v.open_mask || v.all_ports) {
        struct json_object *d = json_object_new_object();
        json_object_object_add(d, "nsg", new_str(resource_label(nsg)));
        json_object_object_add(d, "ports", ports_of(v.open_mask));
        json_object_object_add(d, "all_ports", json_object_new_boolean(v.all_ports));
        json_object_object_add(d, "rule", new_str(v.open_rule));
        json_object_object_add(d, "priority", json_object_new_int(v.open_priority));
        detail_add(&acc->open, d);
    }
}

void zt_azure_nsgs_clear(struct zt_azure_nsgs *acc)
{
    json_object_put(acc->open);
    acc->open = NULL;
}

int zt_azure_nsgs_emit(struct zt_ctx *ctx, const struct zt_azure_nsgs *acc)
{
    struct json_object *d = json_object_new_object();
    int r = 0;

    json_object_object_add(d, "checked_ports", ports_of(~UINT64_C(0)));
    json_object_object_add(d, "malformed_items", json_object_new_int64((int64_t)acc->malformed));
    json_object_object_add(d, "rules_skipped", json_object_new_int64((int64_t)acc->rules_skipped));
    r |= zt_ms_emit_count(ctx, "azure.nsg.count", acc->total, d);
    d = json_object_new_object();
    json_object_object_add(d, "exposed", detail_get(acc->open));
    r |= zt_ms_emit_count(ctx, "azure.nsg.internet_admin_open_count", acc->admin_open, d);
    r |= zt_ms_emit_count(ctx, "azure.nsg.internet_all_ports_open_count", acc->all_open, NULL);
    r |= zt_emit(ctx, "azure.nsg.internet_open_admin_ports", ports_of(acc->ports_mask), NULL);
    return r < 0 ? -EINVAL : 0;
}

/* ---- storage accounts ---------------------------------------------------------------------- */

static const char *const tls_names[_ZT_AZURE_TLS_MAX] = {
    [ZT_AZURE_TLS1_0] = "TLS1_0", [ZT_AZURE_TLS1_1] = "TLS1_1",       [ZT_AZURE_TLS1_2] = "TLS1_2",
    [ZT_AZURE_TLS1_3] = "TLS1_3", [ZT_AZURE_TLS_UNKNOWN] = "unknown",
};

const char *zt_azure_tls_to_string(enum zt_azure_tls t)
{
    return t < _ZT_AZURE_TLS_MAX ? tls_names[t] : NULL;
}

enum zt_azure_tls zt_azure_tls_from_string(const char *s)
{
    if (!s) {
        return ZT_AZURE_TLS1_0; /* "the default interpretation is TLS 1.0" */
    }
    for (int t = 0; t < ZT_AZURE_TLS_UNKNOWN; t++) {
        if (strcasecmp(s, tls_names[t]) == 0) {
            return (enum zt_azure_tls)t;
        }
    }
    return ZT_AZURE_TLS_UNKNOWN;
}

bool zt_azure_blob_public_default(const char *api_version)
{
    /* "YYYY-MM-DD[-preview]" compares as a string. */
    return !api_version || strncmp(api_version, "2023-01-01", 10) < 0;
}

/* A boolean member: 1 true, 0 false, -1 absent or null (or not a boolean). */
static int tri_bool(struct json_object *o, const char *key)
{
    struct json_object *v = NULL;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_boolean)) {
        return -1;
    }
    return json_object_get_boolean(v);
}

int zt_azure_sku_redundancy(const char *sku)
{
    static const char *const names[] = {"LRS", "ZRS", "GRS", "RAGRS", "GZRS", "RAGZRS"};
    static const int levels[] = {0, 1, 2, 2, 2, 2};
    const char *u = sku ? strchr(sku, '_') : NULL;

    for (size_t i = 0; u && i < ZT_ELEMENTSOF(names); i++) {
        if (strcasecmp(u + 1, names[i]) == 0) {
            return levels[i];
        }
    }
    return -1;
}

int zt_azure_account_derive(struct json_object *account, const char *api_version,
                            struct zt_azure_account *ret)
{
    struct json_object *p = NULL;

    if (!json_object_is_type(account, json_type_object) ||
        !json_object_object_get_ex(account, "properties", &p) ||
        !json_object_is_type(p, json_type_object)) {
        return -EBADMSG;
    }
    int blob = tri_bool(p, "allowBlobPublicAccess");
    int https = tri_bool(p, "supportsHttpsTrafficOnly");
    int shared = tri_bool(p, "allowSharedKeyAccess");
    *ret = (struct zt_azure_account){
        .blob_public_unset = blob < 0,
        .blob_public = blob < 0 ? zt_azure_blob_public_default(api_version) : blob,
        .https_only = https != 0,  /* the default since 2019-04-01: true */
        .shared_key = shared != 0, /* null is documented as true */
        .min_tls = zt_azure_tls_from_string(zt_json_str(p, "minimumTlsVersion")),
    };
    struct json_object *sku = NULL;
    int level = json_object_object_get_ex(account, "sku", &sku)
                    ? zt_azure_sku_redundancy(zt_json_str(sku, "name"))
                    : -1;
    ret->redundant = level >= 1;
    ret->geo_redundant = level == 2;
    const char *src = zt_json_str(zt_http_json_path(p, "encryption"), "keySource");
    ret->cmk = src && strcasecmp(src, "Microsoft.Keyvault") == 0;
    const char *pna = zt_json_str(p, "publicNetworkAccess");
    const char *def = zt_json_str(zt_http_json_path(p, "networkAcls"), "defaultAction");
    ret->public_network =
        !(pna && strcasecmp(pna, "Disabled") == 0) && !(def && strcasecmp(def, "Deny") == 0);
    return 0;
}

void zt_azure_storage_item(struct zt_azure_storage *acc, struct json_object *account)
{
    struct zt_azure_account a;

    if (zt_azure_account_derive(account, acc->api_version, &a) < 0) {
        acc->malformed++;
        return;
    }
    bool weak_tls = a.min_tls < ZT_AZURE_TLS1_2 || a.min_tls == ZT_AZURE_TLS_UNKNOWN;
    acc->total++;
    acc->blob_public += a.blob_public;
    acc->blob_public_unset += a.blob_public_unset;
    acc->http_allowed += !a.https_only;
    acc->shared_key += a.shared_key;
    acc->below_tls12 += weak_tls;
    acc->tls[a.min_tls]++;
    acc->redundant += a.redundant;
    acc->geo_redundant += a.geo_redundant;
    acc->cmk += a.cmk;
    acc->public_network += a.public_network;
    if (a.blob_public || !a.https_only || weak_tls) {
        struct json_object *d = json_object_new_object();
        json_object_object_add(d, "account", new_str(resource_label(account)));
        json_object_object_add(d, "blob_public_access", json_object_new_boolean(a.blob_public));
        json_object_object_add(d, "blob_public_access_unset",
                               json_object_new_boolean(a.blob_public_unset));
        json_object_object_add(d, "https_only", json_object_new_boolean(a.https_only));
        json_object_object_add(d, "minimum_tls", new_str(zt_azure_tls_to_string(a.min_tls)));
        detail_add(&acc->weak, d);
    }
}

void zt_azure_storage_clear(struct zt_azure_storage *acc)
{
    json_object_put(acc->weak);
    acc->weak = NULL;
}

int zt_azure_storage_emit(struct zt_ctx *ctx, const struct zt_azure_storage *acc)
{
    struct json_object *d = json_object_new_object();
    struct json_object *tls = json_object_new_object();
    int r = 0;

    for (int t = 0; t < _ZT_AZURE_TLS_MAX; t++) {
        json_object_object_add(tls, tls_names[t], json_object_new_int64((int64_t)acc->tls[t]));
    }
    json_object_object_add(d, "api_version", new_str(acc->api_version));
    json_object_object_add(d, "minimum_tls", tls);
    json_object_object_add(d, "malformed_items", json_object_new_int64((int64_t)acc->malformed));
    json_object_object_add(d, "weak", detail_get(acc->weak));
    r |= zt_ms_emit_count(ctx, "azure.storage.count", acc->total, d);
    d = json_object_new_object();
    json_object_object_add(d, "absent_means_allowed",
                           json_object_new_boolean(zt_azure_blob_public_default(acc->api_version)));
    r |= zt_ms_emit_count(ctx, "azure.storage.public_blob_access_count", acc->blob_public, d);
    r |= zt_ms_emit_count(ctx, "azure.storage.blob_public_access_unset_count",
                          acc->blob_public_unset, NULL);
    r |= zt_ms_emit_count(ctx, "azure.storage.https_only_disabled_count", acc->http_allowed, NULL);
    r |= zt_ms_emit_count(ctx, "azure.storage.tls_below_1_2_count", acc->below_tls12, NULL);
    r |= zt_ms_emit_count(ctx, "azure.storage.shared_key_allowed_count", acc->shared_key, NULL);
    r |= zt_ms_emit_count(ctx, "azure.storage.redundant_count", acc->redundant, NULL);
    r |= zt_ms_emit_count(ctx, "azure.storage.platform_managed_keys_count", acc->total - acc->cmk,
                          NULL);
    r |= zt_ms_emit_count(ctx, "azure.storage.public_network_count", acc->public_network, NULL);
    if (acc->total) {
        r |= zt_emit_double(ctx, "azure.storage.redundant_share",
                            zt_ms_share(acc->redundant, acc->total));
        r |= zt_emit_double(ctx, "azure.storage.geo_redundant_share",
                            zt_ms_share(acc->geo_redundant, acc->total));
    }
    return r < 0 ? -EINVAL : 0;
}

/* ---- Defender for Cloud pricings ------------------------------------------------------------ */

static struct zt_azure_plan *plan_slot(struct zt_azure_defender *acc, const char *name)
{
    for (size_t i = 0; i < acc->nplans; i++) {
        if (strcasecmp(acc->plans[i].name, name) == 0) {
            return &acc->plans[i];
        }
    }
    if (acc->nplans == ZT_AZURE_PLANS_MAX || strlen(name) >= sizeof(acc->plans[0].name)) {
        return NULL;
    }
    struct zt_azure_plan *p = &acc->plans[acc->nplans++];
    *p = (struct zt_azure_plan){0};
    snprintf(p->name, sizeof(p->name), "%s", name);
    return p;
}

/* Whether a Standard plan's extensions turn sensitive data discovery on ("isEnabled": "True"). */
static bool sensitive_data_on(struct json_object *p)
{
    struct json_object *ext = zt_json_array(p, "extensions");

    for (size_t i = 0; ext && i < json_object_array_length(ext); i++) {
        struct json_object *e = json_object_array_get_idx(ext, i), *on = NULL;
        const char *name = zt_json_str(e, "name");
        if (!name || strcasecmp(name, "SensitiveDataDiscovery") != 0 ||
            !json_object_object_get_ex(e, "isEnabled", &on)) {
            continue;
        }
        if (json_object_is_type(on, json_type_boolean) ? json_object_get_boolean(on)
            : json_object_is_type(on, json_type_string)
                ? strcasecmp(json_object_get_string(on), "True") == 0
                : false) {
            return true;
        }
    }
    return false;
}

int zt_azure_pricings_page(struct zt_azure_defender *acc, struct json_object *page)
{
    struct json_object *value = zt_json_array(page, "value");
    bool any_standard = false, discovery = false, on_storage = false, on_cspm = false;

    if (!value) {
        return -EBADMSG;
    }
    for (size_t i = 0; i < json_object_array_length(value); i++) {
        struct json_object *it = json_object_array_get_idx(value, i), *p = NULL;
        const char *name = zt_json_str(it, "name");
        if (!name || !json_object_object_get_ex(it, "properties", &p)) {
            acc->skipped++;
            continue;
        }
        const char *tier = zt_json_str(p, "pricingTier");
        if (tri_bool(p, "deprecated") == 1) {
            continue;
        }
        struct zt_azure_plan *slot = tier ? plan_slot(acc, name) : NULL;
        if (!slot) {
            acc->skipped++;
            continue;
        }
        bool standard = strcasecmp(tier, "Standard") == 0;
        slot->standard += standard;
        slot->free += !standard;
        any_standard |= standard;
        bool on = standard && sensitive_data_on(p);
        discovery |= on;
        on_storage |= on && strcasecmp(name, "StorageAccounts") == 0;
        on_cspm |= on && strcasecmp(name, "CloudPosture") == 0;
    }
    acc->subscriptions++;
    acc->without_plans += !any_standard;
    acc->sensitive_data += discovery;
    acc->sensitive_data_both += on_storage && on_cspm;
    return 0;
}

/* Standard in every subscription read? */
static bool plan_everywhere(const struct zt_azure_defender *acc, const char *name)
{
    for (size_t i = 0; i < acc->nplans; i++) {
        if (strcasecmp(acc->plans[i].name, name) == 0) {
            return acc->plans[i].standard == acc->subscriptions;
        }
    }
    return false;
}

int zt_azure_defender_emit(struct zt_ctx *ctx, const struct zt_azure_defender *acc)
{
    struct json_object *std = json_object_new_array(), *free_ = json_object_new_array();
    bool all = acc->nplans > 0;
    int r = 0;

    for (size_t i = 0; i < acc->nplans; i++) {
        const struct zt_azure_plan *p = &acc->plans[i];
        if (p->standard == acc->subscriptions) {
            json_object_array_add(std, json_object_new_string(p->name));
        } else {
            json_object_array_add(free_, json_object_new_string(p->name));
            all = false;
        }
    }
    struct json_object *d = json_object_new_object();
    json_object_object_add(d, "subscriptions", json_object_new_int64((int64_t)acc->subscriptions));
    json_object_object_add(d, "skipped", json_object_new_int64((int64_t)acc->skipped));
    r |= zt_emit(ctx, "azure.defender.standard_plans", std, d);
    r |= zt_emit(ctx, "azure.defender.free_plans", free_, NULL);
    r |= zt_ms_emit_count(ctx, "azure.defender.subscriptions_without_plans", acc->without_plans,
                          NULL);
    r |= zt_emit_bool(ctx, "azure.defender.servers_enabled",
                      plan_everywhere(acc, "VirtualMachines"));
    r |= zt_emit_bool(ctx, "azure.defender.storage_enabled",
                      plan_everywhere(acc, "StorageAccounts"));
    r |= zt_emit_bool(ctx, "azure.defender.cspm_enabled", plan_everywhere(acc, "CloudPosture"));
    r |= zt_emit_bool(ctx, "azure.defender.all_plans_enabled", all);
    r |= zt_ms_emit_count(ctx, "azure.defender.sensitive_data_discovery_count", acc->sensitive_data,
                          NULL);
    r |= zt_emit_bool(ctx, "azure.defender.sensitive_data_discovery_all",
                      acc->subscriptions > 0 && acc->sensitive_data == acc->subscriptions);
    r |= zt_emit_bool(ctx, "azure.defender.sensitive_data_discovery_full_all",
                      acc->subscriptions > 0 && acc->sensitive_data_both == acc->subscriptions);
    return r < 0 ? -EINVAL : 0;
}

/* ---- activity log export -------------------------------------------------------------------- */

static bool has_destination(struct json_object *p)
{
    static const char *const keys[] = {"workspaceId", "storageAccountId",
                                       "eventHubAuthorizationRuleId", "marketplacePartnerId"};
    for (size_t i = 0; i < ZT_ELEMENTSOF(keys); i++) {
        const char *s = zt_json_str(p, keys[i]);
        if (s && s[0]) {
            return true;
        }
    }
    return false;
}

static bool exports_administrative(struct json_object *p)
{
    struct json_object *logs = zt_json_array(p, "logs");

    for (size_t i = 0; logs && i < json_object_array_length(logs); i++) {
        struct json_object *l = json_object_array_get_idx(logs, i);
        const char *cat = zt_json_str(l, "category");
        const char *group = zt_json_str(l, "categoryGroup");
        if (tri_bool(l, "enabled") == 1 && ((cat && strcasecmp(cat, "Administrative") == 0) ||
                                            (group && strcasecmp(group, "allLogs") == 0))) {
            return true;
        }
    }
    return false;
}

int zt_azure_diagnostics_exported(struct json_object *page)
{
    struct json_object *value = zt_json_array(page, "value");

    if (!value) {
        return -EBADMSG;
    }
    for (size_t i = 0; i < json_object_array_length(value); i++) {
        struct json_object *p = NULL;
        if (json_object_object_get_ex(json_object_array_get_idx(value, i), "properties", &p) &&
            json_object_is_type(p, json_type_object) && has_destination(p) &&
            exports_administrative(p)) {
            return 1;
        }
    }
    return 0;
}

void zt_azure_activity_add(struct zt_azure_activity *acc, const char *subscription, bool exported)
{
    acc->subscriptions++;
    acc->exported += exported;
    if (!exported) {
        detail_add(&acc->unexported, new_str(subscription));
    }
}

void zt_azure_activity_clear(struct zt_azure_activity *acc)
{
    json_object_put(acc->unexported);
    acc->unexported = NULL;
}

int zt_azure_activity_emit(struct zt_ctx *ctx, const struct zt_azure_activity *acc)
{
    struct json_object *d = json_object_new_object();
    int r = 0;

    json_object_object_add(d, "subscriptions", detail_get(acc->unexported));
    r |= zt_ms_emit_count(ctx, "azure.activity_log.unexported_count",
                          acc->subscriptions - acc->exported, d);
    r |= zt_emit_bool(ctx, "azure.activity_log.exported_all",
                      acc->subscriptions > 0 && acc->exported == acc->subscriptions);
    return r < 0 ? -EINVAL : 0;
}

/* ---- Azure Policy remediation tasks --------------------------------------------------------- */

void zt_azure_remediation_item(struct zt_azure_remediations *acc, struct json_object *item)
{
    struct json_object *p = NULL, *failed = NULL;

    if (!json_object_object_get_ex(item, "properties", &p) ||
        !json_object_is_type(p, json_type_object)) {
        acc->malformed++;
        return;
    }
    const char *state = zt_json_str(p, "provisioningState");
    struct json_object *st = NULL;
    bool deploy_failed = json_object_object_get_ex(p, "deploymentStatus", &st) &&
                         json_object_object_get_ex(st, "failedDeployments", &failed) &&
                         json_object_is_type(failed, json_type_int) &&
                         json_object_get_int64(failed) > 0;
    acc->total++;
    if (deploy_failed || (state && strcasecmp(state, "Failed") == 0)) {
        acc->failed++;
    } else if (!state ||
               (strcasecmp(state, "Succeeded") != 0 && strcasecmp(state, "Complete") != 0 &&
                strcasecmp(state, "Canceled") != 0)) {
        acc->running++;
    }
}

int zt_azure_remediations_emit(struct zt_ctx *ctx, const struct zt_azure_remediations *acc)
{
    struct json_object *d = json_object_new_object();
    int r = 0;

    json_object_object_add(d, "running", json_object_new_int64((int64_t)acc->running));
    json_object_object_add(d, "malformed_items", json_object_new_int64((int64_t)acc->malformed));
    r |= zt_ms_emit_count(ctx, "azure.policy.remediation_task_count", acc->total, d);
    r |= zt_ms_emit_count(ctx, "azure.policy.remediation_failed_count", acc->failed, NULL);
    return r < 0 ? -EINVAL : 0;
}
