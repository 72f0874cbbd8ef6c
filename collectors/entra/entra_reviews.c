/* entra_reviews.c - access review definitions reduced page by page: which are active and
 * recurring, and whether they cover privileged directory roles and guest users. */
#include <string.h>
#include <strings.h>

#include "entra.h"
#include "util.h"

/* Whether s contains needle, ignoring case (scope queries are OData paths written by people). */
static bool has_ci(const char *s, const char *needle)
{
    size_t n = strlen(needle);
    for (; s && *s; s++) {
        if (strncasecmp(s, needle, n) == 0) {
            return true;
        }
    }
    return false;
}

/* Every "query" string of a scope: an accessReviewQueryScope has one, a
 * principalResourceMembershipsScope holds them in principalScopes and resourceScopes. */
static void scope_queries(struct json_object *scope, const char **out, size_t *n, size_t max)
{
    static const char *const lists[] = {"principalScopes", "resourceScopes"};
    const char *q = zt_json_str(scope, "query");

    if (q && *n < max) {
        out[(*n)++] = q;
    }
    for (size_t l = 0; l < ZT_ELEMENTSOF(lists); l++) {
        struct json_object *arr = entra_get(scope, lists[l]);
        for (size_t i = 0; i < entra_array_len(arr) && *n < max; i++) {
            q = zt_json_str(json_object_array_get_idx(arr, i), "query");
            if (q) {
                out[(*n)++] = q;
            }
        }
    }
}

/* A recurring review has settings.recurrence.pattern.type (weekly, absoluteMonthly, ...). */
static bool recurring(struct json_object *def)
{
    struct json_object *rec = entra_get(entra_get(def, "settings"), "recurrence");
    return zt_json_str(entra_get(rec, "pattern"), "type") != NULL;
}

static void count_definition(struct entra_reviews *r, struct json_object *def)
{
    const char *status = zt_json_str(def, "status"), *q[16];
    size_t n = 0;

    r->total++;
    if (status && strcasecmp(status, "Completed") == 0) {
        return; /* a one-off review that ended reviews nothing any more */
    }
    r->active++;
    if (!recurring(def)) {
        return;
    }
    r->recurring++;
    struct json_object *apply = entra_get(entra_get(def, "settings"), "autoApplyDecisionsEnabled");
    r->auto_apply +=
        apply && json_object_is_type(apply, json_type_boolean) && json_object_get_boolean(apply);
    scope_queries(entra_get(def, "scope"), q, &n, ZT_ELEMENTSOF(q));
    scope_queries(entra_get(def, "instanceEnumerationScope"), q, &n, ZT_ELEMENTSOF(q));
    for (size_t i = 0; i < n; i++) {
        r->privileged_roles |= has_ci(q[i], "/roleManagement/directory/");
        r->guests |= has_ci(q[i], "userType eq 'Guest'");
    }
}

int entra_reviews_page(struct entra_reviews *r, struct json_object *page)
{
    struct json_object *value = entra_page_objects(page);

    if (!value) {
        return -EBADMSG;
    }
    for (size_t i = 0; i < json_object_array_length(value); i++) {
        count_definition(r, json_object_array_get_idx(value, i));
    }
    return 0;
}

void entra_reviews_facts(const struct entra_reviews *r, struct json_object *facts)
{
    entra_fact(facts, "entra.accessreviews.active_definitions",
               json_object_new_int64((int64_t)r->active), NULL);
    entra_fact(facts, "entra.accessreviews.recurring_definitions",
               json_object_new_int64((int64_t)r->recurring), NULL);
    entra_fact(facts, "entra.accessreviews.auto_apply_definitions",
               json_object_new_int64((int64_t)r->auto_apply), NULL);
    entra_fact(facts, "entra.accessreviews.privileged_roles",
               json_object_new_boolean(r->privileged_roles), NULL);
    entra_fact(facts, "entra.accessreviews.guests", json_object_new_boolean(r->guests), NULL);
}
