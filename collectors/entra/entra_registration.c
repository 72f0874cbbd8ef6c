/* entra_registration.c - userRegistrationDetails reduced user by user to counts (no user is
 * kept): shares of members who are MFA-capable and phishing-resistant-capable. */
#include <strings.h>

#include "entra.h"
#include "util.h"

/* methodsRegistered values that are phishing-resistant: FIDO2 security keys and passkeys,
 * Windows Hello for Business, platform credentials, certificate-based authentication. */
static const char *const pr_methods[] = {
    "fido2",
    "passKeyDeviceBound",
    "passKeyDeviceBoundAuthenticator",
    "passKeyDeviceBoundWindowsHello",
    "windowsHelloForBusiness",
    "macOsSecureEnclaveKey",
    "x509Certificate",
    "x509CertificateMultiFactor",
};

bool entra_reg_phishing_resistant(struct json_object *methods)
{
    for (size_t i = 0; i < ZT_ELEMENTSOF(pr_methods); i++) {
        if (entra_array_has(methods, pr_methods[i])) {
            return true;
        }
    }
    return false;
}

static bool flag(struct json_object *u, const char *key)
{
    struct json_object *v = entra_get(u, key);
    return v && json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v);
}

static void count_user(struct entra_reg *r, struct json_object *u)
{
    struct json_object *type = entra_get(u, "userType");
    bool guest = type && json_object_is_type(type, json_type_string) &&
                 strcasecmp(json_object_get_string(type), "guest") == 0;
    bool pr = entra_reg_phishing_resistant(entra_get(u, "methodsRegistered"));

    r->users++;
    if (flag(u, "isAdmin")) {
        r->admins++;
        r->admins_pr_capable += pr;
    }
    if (guest) {
        r->guests++; /* guests authenticate at home: their registration is not ours to judge */
        return;
    }
    r->members++;
    r->mfa_capable += flag(u, "isMfaCapable");
    r->mfa_registered += flag(u, "isMfaRegistered");
    r->passwordless_capable += flag(u, "isPasswordlessCapable");
    r->pr_capable += pr;
}

int entra_reg_item(struct entra_reg *r, struct json_object *user)
{
    if (!json_object_is_type(user, json_type_object)) {
        return -EBADMSG;
    }
    count_user(r, user);
    return 0;
}

void entra_reg_facts(const struct entra_reg *r, struct json_object *facts)
{
    struct json_object *d = json_object_new_object();

    json_object_object_add(d, "members", json_object_new_int64((int64_t)r->members));
    json_object_object_add(d, "guests", json_object_new_int64((int64_t)r->guests));
    json_object_object_add(d, "admins", json_object_new_int64((int64_t)r->admins));
    entra_fact(facts, "entra.registration.users", json_object_new_int64((int64_t)r->users), d);
    entra_fact(facts, "entra.registration.mfa_capable_users",
               json_object_new_int64((int64_t)r->mfa_capable), NULL);
    entra_fact(facts, "entra.registration.phishing_resistant_users",
               json_object_new_int64((int64_t)r->pr_capable), NULL);
    if (r->members > 0) { /* a share of nobody is unknown, not 0 or 1 */
        entra_fact(facts, "entra.registration.mfa_capable_share",
                   entra_share(r->mfa_capable, r->members), NULL);
        entra_fact(facts, "entra.registration.mfa_registered_share",
                   entra_share(r->mfa_registered, r->members), NULL);
        entra_fact(facts, "entra.registration.passwordless_capable_share",
                   entra_share(r->passwordless_capable, r->members), NULL);
        entra_fact(facts, "entra.registration.phishing_resistant_share",
                   entra_share(r->pr_capable, r->members), NULL);
    }
    if (r->admins > 0) {
        entra_fact(facts, "entra.registration.admins_phishing_resistant_share",
                   entra_share(r->admins_pr_capable, r->admins), NULL);
    }
}
