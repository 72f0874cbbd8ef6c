/* azure_roles.c - standing and just-in-time access to Azure data: the role assignment schedule
 * instances (active: Assigned, i.e. standing, or Activated through PIM) and role eligibility
 * schedule instances of each subscription, kept only for users and groups holding a data-plane
 * role of storage or Key Vault, and counted once per instance id. */
#include <json-c/json.h>
#include <string.h>
#include <strings.h>

#include "azure_graph.h"

#define ROLE_IDS_MAX 20000u /* instance ids kept to count each once across subscriptions */

bool zt_azure_data_role(const char *name)
{
    if (!name) {
        return false;
    }
    if (strncasecmp(name, "Storage ", 8) == 0) {
        return strcasestr(name, " Data ") != NULL; /* Storage Blob Data Owner, ... */
    }
    return strncasecmp(name, "Key Vault ", 10) == 0 &&
           strcasecmp(name, "Key Vault Contributor") != 0;
}

void zt_azure_role_item(struct zt_azure_roles *acc, struct json_object *item, bool eligible)
{
    const char *id = zt_json_str(item, "id");
    const char *ptype = zt_azure_str_at(item, "properties.principalType");
    const char *role =
        zt_azure_str_at(item, "properties.expandedProperties.roleDefinition.displayName");
    struct zt_strv *seen = eligible ? &acc->eligible_ids : &acc->active_ids;

    if (!id || !ptype) {
        acc->malformed++;
        return;
    }
    if ((strcasecmp(ptype, "User") != 0 && strcasecmp(ptype, "Group") != 0) ||
        !zt_azure_data_role(role)) {
        return;
    }
    size_t before = seen->n;
    zt_azure_ids_add(seen, id, ROLE_IDS_MAX);
    if (seen->n == before) {
        acc->overflow |= seen->n >= ROLE_IDS_MAX;
        return; /* the same instance seen from another subscription (inherited), or too many */
    }
    if (eligible) {
        acc->eligible++;
    } else if (zt_azure_str_is(item, "properties.assignmentType", "Activated")) {
        acc->activated++;
    } else {
        acc->standing++; /* Assigned, or no type: a plain role assignment */
    }
}

void zt_azure_roles_clear(struct zt_azure_roles *acc)
{
    zt_strv_clear(&acc->active_ids);
    zt_strv_clear(&acc->eligible_ids);
}

int zt_azure_roles_emit(struct zt_ctx *ctx, const struct zt_azure_roles *acc, bool eligible)
{
    int r = 0;

    if (acc->overflow) {
        return 0; /* more instances than kept: a count could be short */
    }
    if (eligible) {
        r |= zt_ms_emit_count(ctx, "azure.rbac.eligible_data_role_count", acc->eligible, NULL);
    } else {
        struct json_object *d = json_object_new_object();
        json_object_object_add(d, "activated", json_object_new_int64((int64_t)acc->activated));
        json_object_object_add(d, "malformed_items",
                               json_object_new_int64((int64_t)acc->malformed));
        r |= zt_ms_emit_count(ctx, "azure.rbac.standing_data_role_count", acc->standing, d);
    }
    return r < 0 ? -EINVAL : 0;
}
