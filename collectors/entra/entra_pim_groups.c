/* entra_pim_groups.c - the second round of Graph calls of the entra collector: the transitive
 * members (the users among them counted) of every group holding Global Administrator
 * (role-assignable groups), all groups at once in one request group, each listing paged and
 * reduced into the PIM state as it arrives. A group that cannot be listed leaves
 * entra.roles.global_admin_count out and is recorded as a problem: a count that misses a group's
 * members would be silently low. */
#include <ctype.h>

#include "collector.h"
#include "entra.h"

/* Least privileged application permission, then the higher ones that also allow the call. */
#define MEMBERS_PERMISSION "GroupMember.Read.All (or Group.Read.All, Directory.Read.All)"
/* Every transitive member, ids only (Graph adds each item's "@odata.type"), 999 per page (the
 * maximum); no member is kept. Not the /microsoft.graph.user cast: whether a cast segment needs
 * advanced query mode (ConsistencyLevel: eventual, $count=true) is not settled, and that mode
 * reads an index that can lag behind membership changes. The plain listing needs neither; the
 * users are picked out by "@odata.type" (entra_pim_members_page()). */
#define MEMBERS_QUERY     "/transitiveMembers?$select=id&$top=999"
#define MEMBERS_MAX_PAGES 1000

struct group_call {
    struct entra_pim *pim;
    char *id; /* the group's object id */
    struct zt_http_result res;
};

static int on_members_page(void *userdata, const struct zt_http_page *page)
{
    struct group_call *c = userdata;
    struct json_object *json = zt_http_page_json(page);

    if (!json) {
        return -EBADMSG; /* an empty 2xx body where Graph always sends JSON */
    }
    return entra_pim_members_page(c->pim, c->id, json);
}

/* An object id goes into a URL path: GUID characters only. */
static bool id_safe(const char *id)
{
    size_t n = strlen(id);

    for (size_t i = 0; i < n; i++) {
        if (!isxdigit((unsigned char)id[i]) && id[i] != '-') {
            return false;
        }
    }
    return n > 0 && n <= 64;
}

static void group_problem(struct zt_ctx *ctx, const struct group_call *c)
{
    const struct zt_http_result *res = &c->res;

    if (res->status == 403) {
        zt_ctx_error(ctx, res->error,
                     "%s; the app needs the Microsoft Graph application permission %s with admin "
                     "consent to count the members of group %s, which holds Global "
                     "Administrator; entra.roles.global_admin_count is left out",
                     res->message, MEMBERS_PERMISSION, c->id);
    } else {
        zt_ctx_error(ctx, res->error,
                     "%s; members of group %s (holds Global Administrator) not counted: "
                     "entra.roles.global_admin_count is left out",
                     res->message, c->id);
    }
}

static void free_calls(struct group_call *calls, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(calls[i].id);
    }
    free(calls);
}

/* Issue the listings at once in one request group and wait (the group is freed before the
 * results it writes to). Returns 0 or a negative errno when the group cannot be created. */
static int run_calls(struct zt_ctx *ctx, const struct entra_state *s,
                     const struct zt_oauth_config *auth, struct group_call *calls, size_t n)
{
    _cleanup_(zt_http_group_freep) struct zt_http_group *g = NULL;
    int k = zt_ctx_http_group_new(ctx, &g);

    if (k < 0) {
        return k;
    }
    for (size_t i = 0; i < n; i++) {
        struct group_call *c = &calls[i];
        if (!id_safe(c->id)) {
            c->res.error = -EINVAL;
            snprintf(c->res.message, sizeof(c->res.message),
                     "group principal id '%.64s' is not an object id", c->id);
            continue;
        }
        _cleanup_free_ char *path = zt_xasprintf("/v1.0/groups/%s" MEMBERS_QUERY, c->id);
        _cleanup_free_ char *url = zt_ms_url(s->graph_url, path);
        if (!url) {
            c->res.error = -EINVAL;
            snprintf(c->res.message, sizeof(c->res.message), "'graph_url' is too long");
            continue;
        }
        struct zt_http_request req = {
            .url = url,
            .auth = auth,
            .ca_file = s->auth.ca_file,
            .paging = ZT_PAGING_ODATA,
            .max_pages = MEMBERS_MAX_PAGES,
            .on_page = on_members_page,
            .userdata = c,
        };
        k = zt_ctx_http_group_add(ctx, g, &req, &c->res);
        if (k < 0 && c->res.error == 0) {
            c->res.error = k;
        }
    }
    (void)zt_http_group_wait(g); /* every call's outcome is in its own result */
    return 0;
}

void entra_ga_groups_fetch(struct zt_ctx *ctx, const struct entra_state *s,
                           const struct zt_oauth_config *auth, struct entra_pim *p)
{
    const char *ids[ENTRA_GA_GROUPS_MAX];
    size_t total = entra_pim_ga_groups(p, ids, ENTRA_GA_GROUPS_MAX);
    size_t n = total < ENTRA_GA_GROUPS_MAX ? total : ENTRA_GA_GROUPS_MAX;

    if (p->ga_truncated) {
        zt_ctx_error(ctx, -E2BIG,
                     "more than %d principals hold Global Administrator; "
                     "entra.roles.global_admin_count is left out",
                     ENTRA_PRINCIPAL_MAX);
    }
    if (total > n) {
        zt_ctx_error(ctx, -E2BIG,
                     "%zu groups hold Global Administrator, more than the %d whose members are "
                     "listed; entra.roles.global_admin_count is left out",
                     total, ENTRA_GA_GROUPS_MAX);
    }
    if (n == 0) {
        return;
    }
    struct group_call *calls = zt_xcalloc(n, sizeof(*calls));
    for (size_t i = 0; i < n; i++) {
        calls[i].pim = p;
        calls[i].id = zt_xstrdup(ids[i]); /* a copy: ids are borrowed from p */
    }
    int k = run_calls(ctx, s, auth, calls, n);
    if (k < 0) {
        zt_ctx_error(ctx, k,
                     "cannot create an HTTP request group for the members of the groups holding "
                     "Global Administrator; entra.roles.global_admin_count is left out");
    }
    for (size_t i = 0; k == 0 && i < n; i++) {
        if (calls[i].res.error < 0) {
            group_problem(ctx, &calls[i]);
        } else {
            entra_pim_group_expanded(p, calls[i].id);
        }
    }
    if (p->members_truncated) {
        zt_ctx_error(ctx, -E2BIG,
                     "more than %d users are members of groups holding Global Administrator; "
                     "entra.roles.global_admin_count is left out",
                     ENTRA_GA_MEMBERS_MAX);
    }
    free_calls(calls, n);
}
