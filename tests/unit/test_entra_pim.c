/* test_entra_pim.c - entra.roles.global_admin_count on strings: users holding Global
 * Administrator directly and through the groups that hold it (the users among their transitive
 * members, as listed page by page), each user once, emergency accounts included, and the count
 * left out whenever a group could not be listed or a bound was reached (never a low count). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "entra/entra.h"
#include "util.h"

#define GA          "62e90394-69f5-4237-9190-012177145e10"
#define USER_ADMIN  "fe930be7-5e62-47db-91af-98c3a49a38b1"
#define BREAK_GLASS "aaaaaaaa-0000-0000-0000-0000000000b1"
#define GROUP1      "9f0e0000-0000-4000-8000-0000000000a1"
#define GROUP2      "9f0e0000-0000-4000-8000-0000000000a2"
#define SP1         "5e000000-0000-4000-8000-000000000001"

static struct json_object *parse(const char *text)
{
    struct json_object *o = json_tokener_parse(text);
    if (!o) {
        fail_msg("bad test JSON: %s", text);
    }
    return o;
}

/* One schedule instance of role for principal of @odata.type type ("" = not expanded). */
static char *inst(const char *principal, const char *role, const char *type)
{
    if (!*type) {
        return zt_xasprintf("{\"principalId\":\"%s\",\"roleDefinitionId\":\"%s\","
                            "\"endDateTime\":\"2030-01-01T00:00:00Z\"}",
                            principal, role);
    }
    return zt_xasprintf("{\"principalId\":\"%s\",\"roleDefinitionId\":\"%s\",\"endDateTime\":"
                        "\"2030-01-01T00:00:00Z\",\"principal\":{\"@odata.type\":"
                        "\"#microsoft.graph.%s\",\"id\":\"%s\"}}",
                        principal, role, type, principal);
}

/* Feed a PIM page built from instances (NULL-terminated) to p. */
static void pim_page(struct entra_pim *p, bool eligible, const char *const *instances)
{
    _cleanup_free_ char *text = zt_xstrdup("{\"@odata.context\":\"x\",\"value\":[");
    for (size_t i = 0; instances[i]; i++) {
        char *t = zt_xasprintf("%s%s%s", text, i ? "," : "", instances[i]);
        free(text);
        text = t;
    }
    char *t = zt_xasprintf("%s]}", text);
    free(text);
    text = t;
    struct json_object *page = parse(text);
    assert_int_equal(entra_pim_page(p, page, eligible), 0);
    json_object_put(page);
}

/* A members page of group listing user ids (comma-separated JSON strings), with a next link: the
 * shape of GET /groups/{id}/transitiveMembers?$select=id (a directoryObject collection). */
static int members_page(struct entra_pim *p, const char *group, const char *ids, bool next)
{
    _cleanup_free_ char *items = NULL;
    char *out = zt_xstrdup("");
    const char *s = ids;

    while (*s) {
        const char *e = strchr(s, ',');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        char *t = zt_xasprintf("%s%s{\"@odata.type\":\"#microsoft.graph.user\",\"id\":\"%.*s\"}",
                               out, *out ? "," : "", (int)n, s);
        free(out);
        out = t;
        s += n + (e ? 1 : 0);
    }
    items = out;
    _cleanup_free_ char *text = zt_xasprintf(
        "{\"@odata.context\":\"https://graph.microsoft.com/v1.0/$metadata#directoryObjects(id)\","
        "\"value\":[%s]%s}",
        items, next ? ",\"@odata.nextLink\":\"https://graph.microsoft.com/v1.0/next\"" : "");
    struct json_object *page = parse(text);
    int r = entra_pim_members_page(p, group, page);
    json_object_put(page);
    return r;
}

static struct json_object *facts_of(const struct entra_pim *p)
{
    struct json_object *f = json_object_new_object();
    entra_pim_facts(p, true, f);
    return f;
}

static int64_t ga_count(struct json_object *f)
{
    struct json_object *v = entra_fact_value(f, "entra.roles.global_admin_count");
    if (!v) {
        fail_msg("entra.roles.global_admin_count missing");
    }
    return json_object_get_int64(v);
}

static int64_t detail_int(struct json_object *f, const char *field)
{
    struct json_object *v =
        entra_get(entra_fact_detail(f, "entra.roles.global_admin_count"), field);
    if (!v) {
        fail_msg("detail %s missing", field);
    }
    return json_object_get_int64(v);
}

/* u1, u2 direct (u2 active and eligible); GROUP1 holds GA actively with u2, u3, u4 over two
 * pages; a service principal; a USER_ADMIN group that is not about GA. */
static void setup_direct_and_group(struct entra_pim *p, const struct zt_strv *em)
{
    _cleanup_free_ char *a1 = inst("u1", GA, "user");
    _cleanup_free_ char *a2 = inst("u2", GA, "user");
    _cleanup_free_ char *a3 = inst(GROUP1, GA, "group");
    _cleanup_free_ char *a4 = inst(SP1, GA, "servicePrincipal");
    _cleanup_free_ char *a5 = inst(GROUP2, USER_ADMIN, "group");
    _cleanup_free_ char *e1 = inst("u2", GA, "user");
    const char *active[] = {a1, a2, a3, a4, a5, NULL};
    const char *eligible[] = {e1, NULL};

    entra_pim_init(p, em);
    pim_page(p, false, active);
    pim_page(p, true, eligible);
}

static void test_ga_direct_and_group_overlap(void **state)
{
    struct zt_strv em = {0};
    struct entra_pim p;
    const char *ids[ENTRA_GA_GROUPS_MAX];

    setup_direct_and_group(&p, &em);
    /* only GROUP1 holds Global Administrator (GROUP2 holds another role) */
    assert_int_equal(entra_pim_ga_groups(&p, ids, ENTRA_GA_GROUPS_MAX), 1);
    assert_string_equal(ids[0], GROUP1);
    assert_false(entra_pim_ga_exact(&p)); /* the group is not listed yet */

    assert_int_equal(members_page(&p, GROUP1, "u2,u3", true), 0);
    assert_int_equal(members_page(&p, GROUP1, "U4", false), 0); /* ids compared in any case */
    entra_pim_group_expanded(&p, GROUP1);
    assert_true(entra_pim_ga_exact(&p));

    struct json_object *f = facts_of(&p);
    /* u1, u2 direct; u3, u4 through the group; u2 (direct and member) once */
    assert_int_equal(ga_count(f), 4);
    assert_int_equal(detail_int(f, "direct_users"), 2);
    assert_int_equal(detail_int(f, "users_via_groups_only"), 2);
    assert_int_equal(detail_int(f, "group_count"), 1);
    assert_int_equal(detail_int(f, "service_principals"), 1); /* counted apart, as before */
    assert_int_equal(detail_int(f, "emergency_accounts"), 0);
    struct json_object *groups =
        entra_get(entra_fact_detail(f, "entra.roles.global_admin_count"), "groups");
    assert_int_equal(entra_array_len(groups), 1);
    struct json_object *g = json_object_array_get_idx(groups, 0);
    assert_string_equal(json_object_get_string(entra_get(g, "id")), GROUP1);
    assert_int_equal(json_object_get_int64(entra_get(g, "users")), 3);
    json_object_put(f);
    entra_pim_done(&p);
}

/* Emergency (break-glass) accounts are counted like any Global Administrator, as before (the
 * rule keeps "at least two, break-glass included"), once whether direct, member or both. */
static void test_ga_emergency_accounts_counted_once(void **state)
{
    struct zt_strv em = {0};
    struct entra_pim p;
    _cleanup_free_ char *a1 = inst(BREAK_GLASS, GA, "user");
    _cleanup_free_ char *e1 = inst(GROUP1, GA, "group"); /* eligible through the group */
    const char *active[] = {a1, NULL};
    const char *eligible[] = {e1, NULL};

    zt_strv_push(&em, BREAK_GLASS);
    zt_strv_push(&em, "aaaaaaaa-0000-0000-0000-0000000000b2");
    entra_pim_init(&p, &em);
    pim_page(&p, false, active);
    pim_page(&p, true, eligible);
    /* the first break-glass account again (upper case) and the second one only via the group */
    assert_int_equal(members_page(&p, GROUP1,
                                  "AAAAAAAA-0000-0000-0000-0000000000B1,"
                                  "aaaaaaaa-0000-0000-0000-0000000000b2,u7",
                                  false),
                     0);
    entra_pim_group_expanded(&p, GROUP1);
    struct json_object *f = facts_of(&p);
    assert_int_equal(ga_count(f), 3);
    assert_int_equal(detail_int(f, "emergency_accounts"), 2);
    assert_int_equal(detail_int(f, "direct_users"), 1);
    assert_int_equal(detail_int(f, "users_via_groups_only"), 2);
    json_object_put(f);
    entra_pim_done(&p);
    zt_strv_clear(&em);
}

/* A group that could not be listed (403, error, a page cut short) leaves the count out. */
static void test_ga_unexpanded_group_leaves_count_out(void **state)
{
    struct zt_strv em = {0};
    struct entra_pim p;

    setup_direct_and_group(&p, &em);
    struct json_object *f = facts_of(&p); /* never listed */
    assert_null(entra_fact_value(f, "entra.roles.global_admin_count"));
    /* the PIM keys do not depend on the groups */
    assert_non_null(entra_fact_value(f, "entra.pim.eligible_privileged_assignments"));
    json_object_put(f);

    /* first page reduced, the next one failed: not expanded, still no count */
    assert_int_equal(members_page(&p, GROUP1, "u2,u3", true), 0);
    f = facts_of(&p);
    assert_false(entra_pim_ga_exact(&p));
    assert_null(entra_fact_value(f, "entra.roles.global_admin_count"));
    json_object_put(f);

    /* an empty group, listed: its one page has no users, the count is exact */
    entra_pim_done(&p);
    setup_direct_and_group(&p, &em);
    assert_int_equal(members_page(&p, GROUP1, "", false), 0);
    entra_pim_group_expanded(&p, GROUP1);
    f = facts_of(&p);
    assert_int_equal(ga_count(f), 2);
    json_object_put(f);
    entra_pim_done(&p);
}

/* Unexpected shapes fail the page before anything of it is counted. */
static void test_ga_members_page_shapes(void **state)
{
    struct zt_strv em = {0};
    struct entra_pim p;
    struct json_object *no_value = parse("{\"error\":{\"code\":\"x\"}}");
    struct json_object *no_id =
        parse("{\"value\":[{\"@odata.type\":\"#microsoft.graph.user\","
              "\"id\":\"u5\"},{\"@odata.type\":\"#microsoft.graph.user\"}]}");
    struct json_object *not_obj = parse("{\"value\":[\"u5\"]}");

    setup_direct_and_group(&p, &em);
    assert_int_equal(entra_pim_members_page(&p, GROUP1, no_value), -EBADMSG);
    assert_int_equal(entra_pim_members_page(&p, GROUP1, no_id), -EBADMSG);
    assert_int_equal(entra_pim_members_page(&p, GROUP1, not_obj), -EBADMSG);
    entra_pim_group_expanded(&p, GROUP1); /* (the collector would not: the call failed) */
    struct json_object *f = facts_of(&p);
    assert_int_equal(ga_count(f), 2); /* u5 was never counted */
    json_object_put(f);
    entra_pim_done(&p);
    json_object_put(no_value);
    json_object_put(no_id);
    json_object_put(not_obj);
}

/* The listing has no cast: every kind of directoryObject comes back, and only users count. A
 * nested group (its own members are listed too: transitive), a service principal, a device and a
 * contact are not users; the user type is matched in any case, with or without its "#". */
static void test_ga_members_non_users_not_counted(void **state)
{
    struct zt_strv em = {0};
    struct entra_pim p;
    struct json_object *page = parse(
        "{\"@odata.context\":\"https://graph.microsoft.com/v1.0/$metadata#directoryObjects(id)\","
        "\"value\":["
        "{\"@odata.type\":\"#microsoft.graph.user\",\"id\":\"u3\"},"
        "{\"@odata.type\":\"#microsoft.graph.group\",\"id\":\"g-nested\"},"
        "{\"@odata.type\":\"#microsoft.graph.servicePrincipal\",\"id\":\"sp-member\"},"
        "{\"@odata.type\":\"#microsoft.graph.device\",\"id\":\"dev-member\"},"
        "{\"@odata.type\":\"#microsoft.graph.orgContact\",\"id\":\"contact-member\"},"
        "{\"@odata.type\":\"#Microsoft.Graph.User\",\"id\":\"u4\"},"
        "{\"@odata.type\":\"microsoft.graph.user\",\"id\":\"u5\"}],"
        "\"@odata.nextLink\":\"https://graph.microsoft.com/v1.0/next\"}");
    struct json_object *only_others =
        parse("{\"value\":[{\"@odata.type\":\"#microsoft.graph.servicePrincipal\",\"id\":\"u1\"},"
              "{\"@odata.type\":\"#microsoft.graph.device\",\"id\":\"d2\"}]}");

    setup_direct_and_group(&p, &em);
    assert_int_equal(entra_pim_members_page(&p, GROUP1, page), 0);
    assert_int_equal(entra_pim_members_page(&p, GROUP1, only_others), 0); /* nothing to count */
    entra_pim_group_expanded(&p, GROUP1);
    assert_true(entra_pim_ga_exact(&p));
    struct json_object *f = facts_of(&p);
    /* u1, u2 direct; u3, u4, u5 through the group; the four non-users not counted */
    assert_int_equal(ga_count(f), 5);
    assert_int_equal(detail_int(f, "users_via_groups_only"), 3);
    assert_int_equal(detail_int(f, "service_principals"), 1); /* SP1, the direct principal only */
    struct json_object *g = json_object_array_get_idx(
        entra_get(entra_fact_detail(f, "entra.roles.global_admin_count"), "groups"), 0);
    assert_int_equal(json_object_get_int64(entra_get(g, "users")), 3);
    json_object_put(f);
    entra_pim_done(&p);
    json_object_put(page);
    json_object_put(only_others);
}

/* An item without "@odata.type" (or with a type that is not a non-empty string) cannot be told
 * user or not: skipping it could drop a user, counting it could add a device. Graph always sends
 * the type on this listing, so the page is malformed: nothing of it is counted, the listing fails
 * (the collector leaves the group unexpanded and records a problem), the count is left out. */
static void test_ga_members_untyped_item_fails_page(void **state)
{
    struct zt_strv em = {0};
    struct entra_pim p;
    const char *pages[] = {
        "{\"value\":[{\"@odata.type\":\"#microsoft.graph.user\",\"id\":\"u5\"},"
        "{\"id\":\"u6\"}]}",
        "{\"value\":[{\"@odata.type\":\"#microsoft.graph.user\",\"id\":\"u5\"},"
        "{\"@odata.type\":null,\"id\":\"u6\"}]}",
        "{\"value\":[{\"@odata.type\":\"#microsoft.graph.user\",\"id\":\"u5\"},"
        "{\"@odata.type\":\"\",\"id\":\"u6\"}]}",
        "{\"value\":[{\"@odata.type\":\"#microsoft.graph.user\",\"id\":\"u5\"},"
        "{\"@odata.type\":7,\"id\":\"u6\"}]}",
    };

    setup_direct_and_group(&p, &em);
    for (size_t i = 0; i < ZT_ELEMENTSOF(pages); i++) {
        struct json_object *page = parse(pages[i]);
        assert_int_equal(entra_pim_members_page(&p, GROUP1, page), -EBADMSG);
        json_object_put(page);
    }
    /* as the collector leaves it after a failed listing: not expanded, no count */
    assert_false(entra_pim_ga_exact(&p));
    struct json_object *f = facts_of(&p);
    assert_null(entra_fact_value(f, "entra.roles.global_admin_count"));
    json_object_put(f);
    /* and nothing of those pages was counted (were the group marked expanded anyway) */
    entra_pim_group_expanded(&p, GROUP1);
    f = facts_of(&p);
    assert_int_equal(ga_count(f), 2); /* u1, u2: u5 was never counted */
    json_object_put(f);
    entra_pim_done(&p);
}

/* Without the eligibility list there is no count at all (as before); groups beyond
 * ENTRA_GA_GROUPS_MAX are reported by entra_pim_ga_groups() and never expanded. */
static void test_ga_bounds(void **state)
{
    struct zt_strv em = {0};
    struct entra_pim p;
    const char *ids[ENTRA_GA_GROUPS_MAX];
    char *insts[ENTRA_GA_GROUPS_MAX + 3] = {0};

    entra_pim_init(&p, &em);
    for (size_t i = 0; i < ENTRA_GA_GROUPS_MAX + 2; i++) {
        _cleanup_free_ char *id = zt_xasprintf("9f0e0000-0000-4000-8000-%012zx", i);
        insts[i] = inst(id, GA, "group");
    }
    pim_page(&p, false, (const char *const *)insts);
    assert_int_equal(entra_pim_ga_groups(&p, ids, ENTRA_GA_GROUPS_MAX), ENTRA_GA_GROUPS_MAX + 2);
    for (size_t i = 0; i < ENTRA_GA_GROUPS_MAX; i++) {
        assert_int_equal(members_page(&p, ids[i], "u1", false), 0);
        entra_pim_group_expanded(&p, ids[i]);
    }
    assert_false(entra_pim_ga_exact(&p)); /* two groups left over */
    struct json_object *f = facts_of(&p);
    assert_null(entra_fact_value(f, "entra.roles.global_admin_count"));
    json_object_put(f);
    f = json_object_new_object();
    entra_pim_facts(&p, false, f);
    assert_null(entra_fact_value(f, "entra.roles.global_admin_count"));
    json_object_put(f);
    for (size_t i = 0; insts[i]; i++) {
        free(insts[i]);
    }
    entra_pim_done(&p);

    /* more distinct members than remembered: not exact */
    _cleanup_free_ char *g = inst(GROUP1, GA, "group");
    const char *one[] = {g, NULL};
    entra_pim_init(&p, &em);
    pim_page(&p, true, one);
    struct json_object *page = json_object_new_object(), *value = json_object_new_array();
    for (size_t i = 0; i <= ENTRA_GA_MEMBERS_MAX; i++) {
        struct json_object *u = json_object_new_object();
        char id[40];
        snprintf(id, sizeof(id), "00000000-0000-4000-8000-%012zx", i);
        json_object_object_add(u, "@odata.type", json_object_new_string("#microsoft.graph.user"));
        json_object_object_add(u, "id", json_object_new_string(id));
        json_object_array_add(value, u);
    }
    json_object_object_add(page, "value", value);
    assert_int_equal(entra_pim_members_page(&p, GROUP1, page), 0);
    entra_pim_group_expanded(&p, GROUP1);
    assert_true(p.members_truncated);
    assert_false(entra_pim_ga_exact(&p));
    json_object_put(page);
    entra_pim_done(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ga_direct_and_group_overlap),
        cmocka_unit_test(test_ga_emergency_accounts_counted_once),
        cmocka_unit_test(test_ga_unexpanded_group_leaves_count_out),
        cmocka_unit_test(test_ga_members_page_shapes),
        cmocka_unit_test(test_ga_members_non_users_not_counted),
        cmocka_unit_test(test_ga_members_untyped_item_fails_page),
        cmocka_unit_test(test_ga_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
