/* entra_xtap.c - the default cross-tenant access settings: who from other tenants may come in or go
 * out by B2B collaboration and B2B direct connect, and which of their home tenant's claims (MFA,
 * compliant device) the tenant trusts. */
#include <string.h>

#include "entra.h"
#include "util.h"

/* usersAndGroups.accessType of one crossTenantAccessPolicyB2BSetting ("allowed", "blocked"). */
static void access_fact(struct json_object *doc, const char *field, const char *key,
                        struct json_object *facts)
{
    struct json_object *users = entra_get(entra_get(doc, field), "usersAndGroups");
    const char *type = zt_json_str(users, "accessType");
    struct json_object *d = json_object_new_object();

    json_object_object_add(d, "targets", json_object_get(entra_get(users, "targets")));
    entra_fact(facts, key, type ? json_object_new_string(type) : NULL, d);
}

/* A trust flag; inboundTrust null (never set) trusts nothing. */
static void trust_fact(struct json_object *trust, const char *field, const char *key,
                       struct json_object *facts)
{
    struct json_object *v = entra_get(trust, field);
    bool on = v && json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v);
    entra_fact(facts, key, json_object_new_boolean(on), NULL);
}

int entra_xtap_derive(struct json_object *doc, struct json_object *facts)
{
    struct json_object *trust = entra_get(doc, "inboundTrust");
    struct json_object *def = entra_get(doc, "isServiceDefault");

    if (!json_object_is_type(doc, json_type_object) || !entra_get(doc, "b2bCollaborationInbound")) {
        return -EBADMSG;
    }
    trust_fact(trust, "isMfaAccepted", "entra.xtap.inbound_trust_mfa", facts);
    trust_fact(trust, "isCompliantDeviceAccepted", "entra.xtap.inbound_trust_compliant_device",
               facts);
    access_fact(doc, "b2bCollaborationInbound", "entra.xtap.b2b_collaboration_inbound", facts);
    access_fact(doc, "b2bCollaborationOutbound", "entra.xtap.b2b_collaboration_outbound", facts);
    access_fact(doc, "b2bDirectConnectInbound", "entra.xtap.b2b_direct_connect_inbound", facts);
    access_fact(doc, "b2bDirectConnectOutbound", "entra.xtap.b2b_direct_connect_outbound", facts);
    entra_fact(facts, "entra.xtap.service_default",
               json_object_new_boolean(def && json_object_get_boolean(def)), NULL);
    return 0;
}
