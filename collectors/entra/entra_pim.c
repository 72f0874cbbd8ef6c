/* entra_pim.c - PIM directory role schedule instances reduced page by page: standing (active,
 * no end date) privileged assignments, eligible ones, and who holds Global Administrator (directly
 * or as a member of a group holding the role, once the collector has listed those groups). */
#include <ctype.h>
#include <strings.h>

#include "entra.h"
#include "util.h"

/* Privileged directory roles (template ids): the eight of entra_ca.c plus Privileged
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
                            .ga_groups = json_object_new_object(),
                            .ga_members = json_object_new_object(),
                            .permanent = json_object_new_array()};
}

void entra_pim_done(struct entra_pim *p)
{
    json_object_put(p->ga_principals);
    json_object_put(p->ga_groups);
    json_object_put(p->ga_members);
    json_object_put(p->permanent);
    p->ga_principals = p->ga_groups = p->ga_members = p->permanent = NULL;
}

/* Object ids are GUIDs: compare them case-insensitively by keeping them in lower case. */
static char *id_lower(const char *id)
{
    char *s = zt_xstrdup(id);
    for (char *c = s; *c; c++) {
        *c = (char)tolower((unsigned char)*c);
    }
    return s;
}

/* "user", "group", "servicePrincipal", or "unknown" when the principal was not expanded. */
static const char *principal_type(struct json_object *inst)
{
    const char *t = zt_json_str(entra_get(inst, "principal"), "@odata.type");

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
    _cleanup_free_ char *id = id_lower(principal);

    if (json_object_object_get_ex(p->ga_principals, id, NULL)) {
        return;
    }
    if (json_object_object_length(p->ga_principals) >= ENTRA_PRINCIPAL_MAX) {
        p->ga_truncated = true;
        return;
    }
    json_object_object_add(p->ga_principals, id, json_object_new_string(principal_type(inst)));
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
        const char *role = zt_json_str(inst, "roleDefinitionId");
        const char *principal = zt_json_str(inst, "principalId");
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

size_t entra_pim_ga_groups(const struct entra_pim *p, const char **ids, size_t max)
{
    size_t n = 0;

    json_object_object_foreach(p->ga_principals, id, type)
    {
        if (zt_streq(json_object_get_string(type), "group")) {
            if (n < max) {
                ids[n] = id;
            }
            n++;
        }
    }
    return n;
}

/* The {"users": N, "expanded": bool} record of group, created on first use. */
static struct json_object *group_record(struct entra_pim *p, const char *group)
{
    _cleanup_free_ char *id = id_lower(group);
    struct json_object *g = entra_get(p->ga_groups, id);

    if (!g) {
        g = json_object_new_object();
        json_object_object_add(g, "users", json_object_new_int64(0));
        json_object_object_add(g, "expanded", json_object_new_boolean(false));
        json_object_object_add(p->ga_groups, id, g);
    }
    return g;
}

enum member_kind { MEMBER_MALFORMED, MEMBER_USER, MEMBER_OTHER };

/* One item of a transitiveMembers listing (a directoryObject collection, no cast): a user, another
 * directoryObject (#microsoft.graph.group, servicePrincipal, device, orgContact, or a type added
 * later: not users, not counted), or malformed. The type is compared case-insensitively, with or
 * without the "#" of the OData JSON form.
 * An item without "id", or without a non-empty string "@odata.type", is malformed. Graph always
 * sends "@odata.type" on a directoryObject collection, so an item without it is not what was
 * asked for, and it cannot be classified: skipping it could drop a user (a silently low count),
 * counting it could add a device or a service principal. Like an item without "id" it fails the
 * whole page: the listing of the group fails, the group is not expanded, the collector records a
 * problem naming the group and entra.roles.global_admin_count is left out (unknown). */
static enum member_kind member_kind(struct json_object *item)
{
    const char *type = zt_json_str(item, "@odata.type");

    if (!zt_json_str(item, "id") || !type || !*type) {
        return MEMBER_MALFORMED;
    }
    if (*type == '#') {
        type++;
    }
    return strcasecmp(type, "microsoft.graph.user") == 0 ? MEMBER_USER : MEMBER_OTHER;
}

int entra_pim_members_page(struct entra_pim *p, const char *group, struct json_object *page)
{
    struct json_object *value = entra_get(page, "value");

    if (!value || !json_object_is_type(value, json_type_array)) {
        return -EBADMSG;
    }
    for (size_t i = 0; i < json_object_array_length(value); i++) {
        if (member_kind(json_object_array_get_idx(value, i)) == MEMBER_MALFORMED) {
            return -EBADMSG; /* before counting any: a bad page is not half-counted */
        }
    }
    struct json_object *users = entra_get(group_record(p, group), "users");
    for (size_t i = 0; i < json_object_array_length(value); i++) {
        struct json_object *item = json_object_array_get_idx(value, i);
        if (member_kind(item) != MEMBER_USER) {
            continue; /* a nested group, a service principal, a device, a contact */
        }
        _cleanup_free_ char *id = id_lower(zt_json_str(item, "id"));
        json_object_set_int64(users, json_object_get_int64(users) + 1);
        if (json_object_object_get_ex(p->ga_members, id, NULL)) {
            continue;
        }
        if (json_object_object_length(p->ga_members) >= ENTRA_GA_MEMBERS_MAX) {
            p->members_truncated = true;
            continue;
        }
        json_object_object_add(p->ga_members, id, NULL);
    }
    return 0;
}

void entra_pim_group_expanded(struct entra_pim *p, const char *group)
{
    json_object_set_boolean(entra_get(group_record(p, group), "expanded"), true);
}

static bool group_expanded(const struct entra_pim *p, const char *group)
{
    struct json_object *e = entra_get(entra_get(p->ga_groups, group), "expanded");
    return e && json_object_get_boolean(e);
}

bool entra_pim_ga_exact(const struct entra_pim *p)
{
    if (p->ga_truncated || p->members_truncated) {
        return false;
    }
    json_object_object_foreach(p->ga_principals, id, type)
    {
        if (zt_streq(json_object_get_string(type), "group") && !group_expanded(p, id)) {
            return false;
        }
    }
    return true;
}

/* Distinct users: the user principals (and those Graph did not expand: counted, not guessed
 * away) plus the users listed in the groups, each once; emergency accounts included. */
static void global_admin_fact(const struct entra_pim *p, struct json_object *facts)
{
    struct json_object *d = json_object_new_object(), *groups = json_object_new_array();
    int64_t direct = 0, via_groups = 0, sps = 0, n_groups = 0, emergency = 0;

    json_object_object_foreach(p->ga_principals, id, type)
    {
        const char *t = json_object_get_string(type);
        if (zt_streq(t, "group")) {
            struct json_object *g = json_object_new_object();
            json_object_object_add(g, "id", json_object_new_string(id));
            json_object_object_add(
                g, "users", json_object_get(entra_get(entra_get(p->ga_groups, id), "users")));
            if (json_object_array_length(groups) < ENTRA_DETAIL_MAX) {
                json_object_array_add(groups, g);
            } else {
                json_object_put(g);
            }
            n_groups++;
        } else if (zt_streq(t, "servicePrincipal")) {
            sps++;
        } else {
            direct++;
            emergency += entra_is_emergency(p->emergency, id);
        }
    }
    json_object_object_foreach(p->ga_members, uid, unused)
    {
        (void)unused;
        if (!json_object_object_get_ex(p->ga_principals, uid, NULL)) {
            via_groups++;
            emergency += entra_is_emergency(p->emergency, uid);
        }
    }
    json_object_object_add(d, "direct_users", json_object_new_int64(direct));
    json_object_object_add(d, "users_via_groups_only", json_object_new_int64(via_groups));
    json_object_object_add(d, "group_count", json_object_new_int64(n_groups));
    json_object_object_add(d, "groups", groups);
    json_object_object_add(d, "service_principals", json_object_new_int64(sps));
    json_object_object_add(d, "emergency_accounts", json_object_new_int64(emergency));
    entra_fact(facts, "entra.roles.global_admin_count", json_object_new_int64(direct + via_groups),
               d);
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
        if (entra_pim_ga_exact(p)) {
            global_admin_fact(p, facts);
        }
    }
}
