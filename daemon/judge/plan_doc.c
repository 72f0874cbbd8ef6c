/* plan_doc.c - the plan of a result document that has no "next" section: a catalog rebuilt from
 * its pillars, functions and findings (no checks), its findings' statuses as outcomes. */
#include <json-c/json.h>
#include <string.h>

#include "plan.h"
#include "util.h"

static enum zt_outcome outcome_of(const char *status)
{
    for (int o = 0; o < _ZT_OUTCOME_MAX; o++) {
        if (zt_streq(status, zt_outcome_to_string((enum zt_outcome)o))) {
            return (enum zt_outcome)o;
        }
    }
    return ZT_OUTCOME_UNKNOWN; /* never a pass */
}

static void doc_pillars(struct zt_catalog *cat, struct json_object *arr)
{
    size_t n = json_object_array_length(arr);

    cat->pillars = zt_xcalloc(n ? n : 1, sizeof(*cat->pillars));
    for (size_t i = 0; i < n; i++) {
        struct json_object *p = json_object_array_get_idx(arr, i);
        const char *id = zt_json_str(p, "id"), *name = zt_json_str(p, "name");
        if (id && zt_catalog_pillar_index(cat, id) < 0) {
            cat->pillars[cat->n_pillars++] = (struct zt_pillar){.id = id, .name = name ? name : id};
        }
    }
}

static void doc_functions(struct zt_catalog *cat, struct json_object *arr)
{
    size_t n = json_object_array_length(arr);

    cat->functions = zt_xcalloc(n ? n : 1, sizeof(*cat->functions));
    for (size_t i = 0; i < n; i++) {
        struct json_object *f = json_object_array_get_idx(arr, i);
        const char *id = zt_json_str(f, "id"), *name = zt_json_str(f, "name");
        int p = zt_catalog_pillar_index(cat, zt_json_str(f, "pillar"));
        if (id && p >= 0 && zt_catalog_function_index(cat, id) < 0) {
            cat->functions[cat->n_functions++] =
                (struct zt_function){.id = id, .name = name ? name : id, .pillar = (size_t)p};
        }
    }
}

/* The finding's "sources", or (documents older than that member) its keys' prefixes. */
static struct json_object *finding_sources(struct json_object *f, struct json_object *keys)
{
    struct json_object *given = zt_json_array(f, "sources"), *arr;

    if (given) {
        return json_object_get(given);
    }
    arr = json_object_new_array();
    for (size_t i = 0; i < json_object_array_length(keys); i++) {
        struct json_object *k = json_object_array_get_idx(keys, i);
        const char *key =
            json_object_is_type(k, json_type_string) ? json_object_get_string(k) : NULL;
        if (!key) {
            continue; /* a document from outside: not every entry is a key */
        }
        struct json_object *prefix = json_object_new_string_len(key, (int)strcspn(key, "."));
        bool seen = false;
        for (size_t j = 0; !seen && j < json_object_array_length(arr); j++) {
            seen = json_object_equal(json_object_array_get_idx(arr, j), prefix);
        }
        if (seen) {
            json_object_put(prefix);
        } else {
            json_object_array_add(arr, prefix);
        }
    }
    return arr;
}

/* Rules from findings with an id, a listed function and a stage a rule can have. */
static enum zt_outcome *doc_rules(struct zt_catalog *cat, struct json_object *arr)
{
    size_t n = json_object_array_length(arr);
    enum zt_outcome *outcomes = zt_xcalloc(n ? n : 1, sizeof(*outcomes));

    cat->rules = zt_xcalloc(n ? n : 1, sizeof(*cat->rules));
    for (size_t i = 0; i < n; i++) {
        struct json_object *f = json_object_array_get_idx(arr, i);
        const char *id = zt_json_str(f, "rule"), *title = zt_json_str(f, "title"),
                   *rem = zt_json_str(f, "remediation");
        int fn = zt_catalog_function_index(cat, zt_json_str(f, "function"));
        int stage = zt_stage_from_string(zt_json_str(f, "stage"));
        if (!id || fn < 0 || stage < ZT_STAGE_INITIAL || stage > ZT_STAGE_OPTIMAL) {
            continue;
        }
        struct json_object *keys = zt_json_array(f, "evidence");
        keys = keys ? json_object_get(keys) : json_object_new_array();
        outcomes[cat->n_rules] = outcome_of(zt_json_str(f, "status"));
        cat->rules[cat->n_rules++] = (struct zt_rule){
            .id = id,
            .title = title ? title : id,
            .remediation = rem ? rem : "",
            .function = (size_t)fn,
            .stage = (enum zt_stage)stage,
            .keys = keys,
            .sources = finding_sources(f, keys),
        };
    }
    return outcomes;
}

int zt_plan_from_result(struct json_object *doc, struct json_object **ret, char *err, size_t errlen)
{
    struct json_object *pillars = zt_json_array(doc, "pillars");
    struct json_object *functions = zt_json_array(doc, "functions");
    struct json_object *findings = zt_json_array(doc, "findings"), *collectors;
    struct zt_evidence_set ev;
    struct zt_plan plan;
    char why[256];

    if (!pillars || !functions || !findings) {
        snprintf(err, errlen, "not a result document: no \"%s\" array",
                 !pillars     ? "pillars"
                 : !functions ? "functions"
                              : "findings");
        return -EBADMSG;
    }
    _cleanup_(zt_catalog_freep) struct zt_catalog *cat = zt_xcalloc(1, sizeof(*cat));
    cat->doc = json_object_get(doc); /* owns every borrowed string */
    cat->path = zt_xstrdup("result document");
    doc_pillars(cat, pillars);
    doc_functions(cat, functions);
    _cleanup_free_ enum zt_outcome *outcomes = doc_rules(cat, findings);

    zt_evidence_set_init(&ev);
    /* Evidence that does not load leaves every key of an unknown rule listed as lacking. */
    if (zt_evidence_set_from_json(&ev, doc, why, sizeof(why)) < 0) {
        zt_evidence_set_free(&ev);
        zt_evidence_set_init(&ev);
    }
    zt_plan_compute(cat, outcomes, NULL, 0, &plan);
    collectors = zt_json_array(doc, "collectors");
    *ret = zt_plan_to_json(&plan, cat, &ev, collectors);
    zt_plan_done(&plan);
    zt_evidence_set_free(&ev);
    return 0;
}

int zt_plan_of_result(struct json_object *doc, struct json_object **ret, char *err, size_t errlen)
{
    struct json_object *next;

    if (json_object_object_get_ex(doc, "next", &next) &&
        json_object_is_type(next, json_type_object)) {
        *ret = json_object_get(next);
        return 0;
    }
    return zt_plan_from_result(doc, ret, err, errlen);
}
