/* entra_pim.c - PIM directory role schedule instances reduced page by page: standing (active,
 * no end date) privileged assignments, eligible ones, and who holds Global Administrator. */
#include <strings.h>

#include "entra.h"
#include "util.h"

/* Privileged directory roles (template ids): the eight of design.md §4 plus Privileged
 * Authentication, Security, Conditional Access, Authentication and Helpdesk Administrator. */
static const char *const privileged_roles[] = {
    ENTRA_ROLE_GLOBAL_ADMIN,                /* Global Administrator */
    "e8611ab8-c189-46e8-94e1-60213ab1f814", /* Privileged Role Administrator */
    "fe930be7-5e62-47db-91af-98c3a49a38b1", /* User Administrator */
    "f28a1f50-f6e7-4571-818b-6a12f2af6b6c", /* SharePoint Administrator */
    "29232cdf-9323-42fd-ade2-1d097af3e4de", /* Exchange Administrator */
    "8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2", /* Hybrid Identity Administrator */
    "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3", /* Application Administrator */
    "158c047a-c907-4556-b7ef-446551a6b5f7", /* Cloud Application Administrator */
    "7be44c8a-adaf-4e2a-84d6-ab2649e08a13", /* Privileged Authentication Administrator */
    "194ae4cb-b126-40b2-bd5b-6091b380977d", /* Security Administrator */
    "b1be1c3e-b65d-4f19-8427-f6fa0d97feb9", /* Conditional Access Administrator */
    "c4e39bd9-1100-46d3-8c65-fb160da0071f", /* Authentication Administrator */
    "729827e3-9c14-49f7-bb1b-9608f156bbb8", /* Helpdesk Administrator */
};

bool entra_pim_privileged_role(const char *id)
{
    for (size_t i = 0; id && i < ZT_ELEMENTSOF(privileged_roles); i++) {
        if (strcasecmp(id, privileged_roles[i]) == 0) {
            return true;
        }
    }
    return false;
}

void entra_pim_init(struct entra_pim *p, const struct zt_strv *emergency)
{
    *p = (struct entra_pim){.emergency = emergency,
                            .ga_principals = json_object_new_object(),
                            .permanent = json_object_new_array()};
}

void entra_pim_done(struct entra_pim *p)
{
    json_object_put(p->ga_principals);
    json_object_put(p->permanent);
    p->ga_principals = p->permanent = NULL;
}

static const char *str_of(struct json_object *o, const char *key)
{
    struct json_object *v = entra_get(o, key);
    return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

/* "user", "group", "servicePrincipal", or "unknown" when the principal was not expanded. */
static const char *principal_type(struct json_object *inst)
{
    const char *t = str_of(entra_get(inst, "principal"), "@odata.type");

    if (!t) {
        return "unknown";
    }
    if (strcasecmp(t, "#microsoft.graph.group") == 0) {
        return "group";
    }
    if (strcasecmp(t, "#microsoft.graph.servicePrincipal") == 0) {
        return "servicePrincipal";
    }
    return strcasecmp(t, "#microsoft.graph.user") == 0 ? "user" : "unknown";
}

static void add_global_admin(struct entra_pim *p, const char *principal, struct json_object *inst)
{
    if (json_object_object_get_ex(p->ga_principals, principal, NULL)) {
        return;
    }
    if (json_object_object_length(p->ga_principals) >= ENTRA_PRINCIPAL_MAX) {
        p->ga_truncated = true;
        return;
    }
    json_object_object_add(p->ga_principals, principal,
                           json_object_new_string(principal_type(inst)));
}

static void add_permanent(struct entra_pim *p, const char *principal, const char *role)
{
    if (entra_is_emergency(p->emergency, principal)) {
        p->emergency_permanent++; /* break-glass accounts are meant to be standing */
        return;
    }
    p->permanent_n++;
    if (json_object_array_length(p->permanent) < ENTRA_DETAIL_MAX) {
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "principalId", json_object_new_string(principal));
        json_object_object_add(o, "roleDefinitionId", json_object_new_string(role));
        json_object_array_add(p->permanent, o);
    }
}

int entra_pim_page(struct entra_pim *p, struct json_object *page, bool eligible)
{
    struct json_object *value = entra_get(page, "value");

    if (!value || !json_object_is_type(value, json_type_array)) {
        return -EBADMSG;
    }
    for (size_t i = 0; i < json_object_array_length(value); i++) {
        struct json_object *inst = json_object_array_get_idx(value, i);
        const char *role = str_of(inst, "roleDefinitionId");
        const char *principal = str_of(inst, "principalId");
        if (!json_object_is_type(inst, json_type_object) || !role || !principal) {
            return -EBADMSG;
        }
        if (!entra_pim_privileged_role(role)) {
            continue;
        }
        if (strcasecmp(role, ENTRA_ROLE_GLOBAL_ADMIN) == 0) {
            add_global_admin(p, principal, inst);
        }
        if (eligible) {
            p->eligible++;
            continue;
        }
        p->active++;
        if (!entra_get(inst, "endDateTime")) {
            add_permanent(p, principal, role);
        }
    }
    return 0;
}

static void global_admin_fact(const struct entra_pim *p, struct json_object *facts)
{
    struct json_object *d = json_object_new_object(), *groups = json_object_new_array();
    int64_t users = 0, sps = 0;

    json_object_object_foreach(p->ga_principals, id, type)
    {
        const char *t = json_object_get_string(type);
        if (zt_streq(t, "group")) {
            entra_detail_push(groups, id);
        } else if (zt_streq(t, "servicePrincipal")) {
            sps++;
        } else {
            users++; /* users, and principals Graph did not expand (counted, not guessed away) */
        }
    }
    json_object_object_add(d, "groups", groups);
    json_object_object_add(d, "service_principals", json_object_new_int64(sps));
    json_object_object_add(d, "truncated", json_object_new_boolean(p->ga_truncated));
    entra_fact(facts, "entra.roles.global_admin_count", json_object_new_int64(users), d);
}

void entra_pim_facts(const struct entra_pim *p, bool have_eligible, struct json_object *facts)
{
    struct json_object *d = json_object_new_object();

    json_object_object_add(d, "assignments", json_object_get(p->permanent));
    json_object_object_add(d, "emergency_accounts_excluded",
                           json_object_new_int64((int64_t)p->emergency_permanent));
    entra_fact(facts, "entra.pim.permanent_privileged_assignments",
               json_object_new_int64((int64_t)p->permanent_n), d);
    entra_fact(facts, "entra.pim.active_privileged_assignments",
               json_object_new_int64((int64_t)p->active), NULL);
    if (have_eligible) {
        entra_fact(facts, "entra.pim.eligible_privileged_assignments",
                   json_object_new_int64((int64_t)p->eligible), NULL);
        global_admin_fact(p, facts);
    }
}
