/* entra_sp.c - workload identities: service principals reduced one by one (single sign-on mode,
 * user assignment, client secrets and their expiry) and Conditional Access for workload
 * identities. */
#include <string.h>
#include <strings.h>

#include "entra.h"
#include "util.h"

int entra_sps_item(struct entra_sps *s, struct json_object *sp, int64_t now_usec)
{
    struct json_object *pw = entra_get(sp, "passwordCredentials");
    struct json_object *keys = entra_get(sp, "keyCredentials");
    struct json_object *required = entra_get(sp, "appRoleAssignmentRequired");
    const char *mode = zt_json_str(sp, "preferredSingleSignOnMode");

    if (!json_object_is_type(sp, json_type_object) || !zt_json_str(sp, "id")) {
        return -EBADMSG;
    }
    s->total++;
    bool federated = mode && (strcasecmp(mode, "saml") == 0 || strcasecmp(mode, "oidc") == 0);
    bool vaulted = mode && strcasecmp(mode, "password") == 0;
    s->sso += federated;
    s->password_sso += vaulted;
    if ((federated || vaulted) && required && json_object_is_type(required, json_type_boolean)) {
        s->sso_assignment_required += json_object_get_boolean(required);
    }
    if (entra_array_len(pw) > 0) {
        s->with_secret++;
        entra_detail_push(s->secret_sps, zt_json_str(sp, "displayName"));
    }
    entra_cred_expiry(pw, now_usec, &s->expired, &s->expiring_30d);
    entra_cred_expiry(keys, now_usec, &s->expired, &s->expiring_30d);
    return 0;
}

static void count_fact(struct json_object *facts, const char *key, uint64_t n)
{
    entra_fact(facts, key, json_object_new_int64((int64_t)n), NULL);
}

void entra_sps_facts(const struct entra_sps *s, struct json_object *facts)
{
    struct json_object *d = json_object_new_object();
    uint64_t brokered = s->sso + s->password_sso;

    json_object_object_add(d, "service_principals", json_object_get(s->secret_sps));
    count_fact(facts, "entra.serviceprincipals.total", s->total);
    count_fact(facts, "entra.serviceprincipals.sso_count", s->sso);
    count_fact(facts, "entra.serviceprincipals.password_sso_count", s->password_sso);
    entra_fact(facts, "entra.serviceprincipals.secret_credentials",
               json_object_new_int64((int64_t)s->with_secret), d);
    count_fact(facts, "entra.serviceprincipals.expired_credentials", s->expired);
    count_fact(facts, "entra.serviceprincipals.expiring_credentials_30d", s->expiring_30d);
    if (brokered > 0) {
        entra_fact(facts, "entra.serviceprincipals.sso_assignment_required_share",
                   entra_share(s->sso_assignment_required, brokered), NULL);
    }
}

/* A policy for workload identities names service principals in
 * conditions.clientApplications.includeServicePrincipals (ids, or ServicePrincipalsInMyTenant). */
int entra_ca_workload_derive(struct json_object *policies, struct json_object *facts)
{
    struct json_object *by = json_object_new_array();
    uint64_t n = 0;

    if (!json_object_is_type(policies, json_type_array)) {
        json_object_put(by);
        return -EBADMSG;
    }
    for (size_t i = 0; i < json_object_array_length(policies); i++) {
        struct json_object *p = json_object_array_get_idx(policies, i);
        struct json_object *apps = entra_get(entra_get(p, "conditions"), "clientApplications");
        struct json_object *inc = entra_get(apps, "includeServicePrincipals");
        const char *state = zt_json_str(p, "state");
        if (!state || strcmp(state, "enabled") != 0 || entra_array_len(inc) == 0) {
            continue;
        }
        n++;
        if (entra_array_has(inc, "ServicePrincipalsInMyTenant")) {
            entra_detail_push(by, zt_json_str(p, "id"));
        }
    }
    bool all = json_object_array_length(by) > 0;
    struct json_object *d = json_object_new_object();
    json_object_object_add(d, "satisfied_by", by);
    count_fact(facts, "entra.ca.workload_identity_policies", n);
    entra_fact(facts, "entra.ca.workload_identities_all", json_object_new_boolean(all), d);
    return 0;
}
