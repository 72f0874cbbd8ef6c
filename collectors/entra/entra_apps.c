/* entra_apps.c - hybrid identity (directory sync, domain authentication types), app registrations
 * reduced one by one (credential kinds, expiry, owners, instance property lock) and the consent
 * settings. */
#include <string.h>
#include <strings.h>

#include "entra.h"
#include "util.h"

#define USEC_PER_HOUR (3600ULL * ZT_USEC_PER_SEC)

int entra_org_derive(struct json_object *page, int64_t now_usec, struct json_object *facts)
{
    struct json_object *value = entra_get(page, "value"), *org, *sync;
    int64_t last;

    if (entra_array_len(value) == 0) {
        return -EBADMSG; /* not an array, or empty: every tenant has its organization */
    }
    org = json_object_array_get_idx(value, 0);
    if (!json_object_is_type(org, json_type_object)) {
        return -EBADMSG;
    }
    /* null (never synced) is documented: it means no hybrid sync, not an unknown. */
    sync = entra_get(org, "onPremisesSyncEnabled");
    bool on = sync && json_object_is_type(sync, json_type_boolean) && json_object_get_boolean(sync);
    const char *at = zt_json_str(org, "onPremisesLastSyncDateTime");
    struct json_object *d = json_object_new_object();
    json_object_object_add(d, "onPremisesLastSyncDateTime", at ? json_object_new_string(at) : NULL);
    entra_fact(facts, "entra.directory.hybrid_sync", json_object_new_boolean(on), d);
    if (on && at && zt_parse_time(at, 0, &last) == 0) {
        int64_t age = now_usec > last ? (now_usec - last) / (int64_t)(USEC_PER_HOUR / 100) : 0;
        entra_fact(facts, "entra.directory.last_sync_age_hours",
                   json_object_new_double((double)age / 100.0), NULL);
    }
    return 0;
}

int entra_domains_page(struct entra_domains *d, struct json_object *page)
{
    struct json_object *value = entra_get(page, "value");

    if (!value || !json_object_is_type(value, json_type_array)) {
        return -EBADMSG;
    }
    for (size_t i = 0; i < json_object_array_length(value); i++) {
        const char *t = zt_json_str(json_object_array_get_idx(value, i), "authenticationType");
        if (!t) {
            return -EBADMSG;
        }
        if (strcasecmp(t, "Federated") == 0) {
            d->federated++;
        } else if (strcasecmp(t, "Managed") == 0) {
            d->managed++;
        } else {
            d->other++;
        }
    }
    return 0;
}

void entra_domains_facts(const struct entra_domains *d, struct json_object *facts)
{
    entra_fact(facts, "entra.domains.federated_count", json_object_new_int64((int64_t)d->federated),
               NULL);
    entra_fact(facts, "entra.domains.managed_count", json_object_new_int64((int64_t)d->managed),
               NULL);
}

/* App instance property lock: the service principals made from a multitenant app in other tenants
 * cannot change its credentials when the lock is on for all properties, or for both credential
 * usages (sign and verify). */
static bool instance_locked(struct json_object *app)
{
    struct json_object *lock = entra_get(app, "servicePrincipalLockConfiguration");
    struct json_object *on = entra_get(lock, "isEnabled");

    if (!on || !json_object_get_boolean(on)) {
        return false;
    }
    struct json_object *all = entra_get(lock, "allProperties");
    struct json_object *verify = entra_get(lock, "credentialsWithUsageVerify");
    struct json_object *sign = entra_get(lock, "credentialsWithUsageSign");
    return (all && json_object_get_boolean(all)) ||
           (verify && sign && json_object_get_boolean(verify) && json_object_get_boolean(sign));
}

int entra_apps_item(struct entra_apps *a, struct json_object *app, int64_t now_usec)
{
    struct json_object *pw = entra_get(app, "passwordCredentials");
    struct json_object *keys = entra_get(app, "keyCredentials");
    struct json_object *owners = entra_get(app, "owners");

    if (!json_object_is_type(app, json_type_object) || !zt_json_str(app, "id")) {
        return -EBADMSG;
    }
    a->apps++;
    a->with_secret += entra_array_len(pw) > 0;
    a->with_certificate += entra_array_len(keys) > 0;
    entra_cred_expiry(pw, now_usec, &a->expired, &a->expiring_30d);
    entra_cred_expiry(keys, now_usec, &a->expired, &a->expiring_30d);
    const char *audience = zt_json_str(app, "signInAudience");
    if (audience && strcasecmp(audience, "AzureADMyOrg") != 0) {
        a->multitenant++;
        a->multitenant_unlocked += !instance_locked(app);
    }
    if (owners && json_object_is_type(owners, json_type_array)) {
        a->without_owner += json_object_array_length(owners) == 0;
    } else {
        a->owners_unknown++; /* not expanded: never counted as ownerless */
    }
    if (entra_array_len(pw) > 0) {
        entra_detail_push(a->secret_apps, zt_json_str(app, "displayName"));
    }
    return 0;
}

void entra_apps_facts(const struct entra_apps *a, struct json_object *facts)
{
    struct json_object *d = json_object_new_object();

    json_object_object_add(d, "apps", json_object_get(a->secret_apps));
    entra_fact(facts, "entra.apps.registrations", json_object_new_int64((int64_t)a->apps), NULL);
    entra_fact(facts, "entra.apps.secret_credentials",
               json_object_new_int64((int64_t)a->with_secret), d);
    entra_fact(facts, "entra.apps.certificate_credentials",
               json_object_new_int64((int64_t)a->with_certificate), NULL);
    entra_fact(facts, "entra.apps.expired_credentials", json_object_new_int64((int64_t)a->expired),
               NULL);
    entra_fact(facts, "entra.apps.expiring_credentials_30d",
               json_object_new_int64((int64_t)a->expiring_30d), NULL);
    entra_fact(facts, "entra.apps.multitenant", json_object_new_int64((int64_t)a->multitenant),
               NULL);
    entra_fact(facts, "entra.apps.multitenant_without_instance_lock",
               json_object_new_int64((int64_t)a->multitenant_unlocked), NULL);
    if (a->owners_unknown == 0) {
        entra_fact(facts, "entra.apps.without_owners",
                   json_object_new_int64((int64_t)a->without_owner), NULL);
    }
}

/* permissionGrantPoliciesAssigned: ManagePermissionGrantsForSelf.<policy> lets users consent for
 * themselves; microsoft-user-default-low is Microsoft's "verified publishers, low-risk
 * permissions" policy, microsoft-user-default-legacy lets users consent to any app. */
#define SELF_PREFIX "ManagePermissionGrantsForSelf."
static const char *consent_level(struct json_object *assigned)
{
    const char *level = "disabled";

    for (size_t i = 0; i < entra_array_len(assigned); i++) {
        struct json_object *v = json_object_array_get_idx(assigned, i);
        const char *s = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
        if (strncasecmp(s, SELF_PREFIX, strlen(SELF_PREFIX)) != 0) {
            continue; /* ManagePermissionGrantsForOwnedResource.*: group and team owners */
        }
        const char *policy = s + strlen(SELF_PREFIX);
        if (strcasecmp(policy, "microsoft-user-default-legacy") == 0) {
            return "all";
        }
        if (strcasecmp(policy, "microsoft-user-default-low") != 0) {
            level = "custom"; /* whatever else is assigned beside it: only legacy is wider */
        } else if (strcmp(level, "disabled") == 0) {
            level = "low_risk";
        }
    }
    return level;
}

int entra_consent_derive(struct json_object *authz, struct json_object *facts)
{
    struct json_object *perm = entra_get(authz, "defaultUserRolePermissions");
    struct json_object *assigned = entra_get(perm, "permissionGrantPoliciesAssigned");

    if (!assigned || !json_object_is_type(assigned, json_type_array)) {
        return -EBADMSG;
    }
    const char *level = consent_level(assigned);
    entra_fact(facts, "entra.consent.user_consent", json_object_new_string(level),
               json_object_get(assigned));
    entra_fact(facts, "entra.consent.user_consent_restricted",
               json_object_new_boolean(strcmp(level, "all") != 0 && strcmp(level, "custom") != 0),
               NULL);
    return 0;
}

int entra_admin_consent_derive(struct json_object *doc, struct json_object *facts)
{
    return entra_fact_flag(doc, "isEnabled", "entra.consent.admin_workflow_enabled", facts);
}
