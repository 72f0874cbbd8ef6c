/* catalog.c - load and validate the rule catalog (ztmmd.rules/1, see docs/rules.md). */
#include "catalog.h"

#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

#define CATALOG_FILE_MAX   (8 * 1024 * 1024)
#define CATALOG_JSON_DEPTH 64

static const char *const stage_names[_ZT_STAGE_MAX] = {
    [ZT_STAGE_TRADITIONAL] = "traditional", [ZT_STAGE_INITIAL] = "initial",
    [ZT_STAGE_ADVANCED] = "advanced",       [ZT_STAGE_OPTIMAL] = "optimal",
    [ZT_STAGE_UNKNOWN] = "unknown",
};

const char *zt_stage_to_string(enum zt_stage s)
{
    return s < _ZT_STAGE_MAX ? stage_names[s] : "unknown";
}

int zt_stage_from_string(const char *s)
{
    for (int i = 0; i < _ZT_STAGE_MAX; i++) {
        if (zt_streq(s, stage_names[i])) {
            return i;
        }
    }
    return -EINVAL;
}

const char *zt_outcome_to_string(enum zt_outcome o)
{
    static const char *const names[_ZT_OUTCOME_MAX] = {
        [ZT_OUTCOME_PASS] = "pass",
        [ZT_OUTCOME_FAIL] = "fail",
        [ZT_OUTCOME_UNKNOWN] = "unknown",
        [ZT_OUTCOME_NOT_APPLICABLE] = "not_applicable",
    };
    return o < _ZT_OUTCOME_MAX ? names[o] : "unknown";
}

const char *zt_quantifier_to_string(enum zt_quantifier q)
{
    return q == ZT_QUANTIFIER_ANY ? "any" : "all";
}

_printf_(4, 5) static int fail(char *err, size_t errlen, const char *path, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(err, errlen, "%s: %s", path, msg);
    return -EINVAL;
}

/* A non-empty string member, or NULL. */
static const char *get_str(struct json_object *o, const char *name)
{
    struct json_object *v;
    if (!json_object_object_get_ex(o, name, &v) || !json_object_is_type(v, json_type_string) ||
        json_object_get_string_len(v) == 0) {
        return NULL;
    }
    return json_object_get_string(v);
}

static struct json_object *get_array(struct json_object *o, const char *name)
{
    struct json_object *v;
    return json_object_object_get_ex(o, name, &v) && json_object_is_type(v, json_type_array) ? v
                                                                                             : NULL;
}

int zt_catalog_pillar_index(const struct zt_catalog *cat, const char *id)
{
    for (size_t i = 0; id && i < cat->n_pillars; i++) {
        if (strcmp(cat->pillars[i].id, id) == 0) {
            return (int)i;
        }
    }
    return -1;
}

int zt_catalog_function_index(const struct zt_catalog *cat, const char *id)
{
    for (size_t i = 0; id && i < cat->n_functions; i++) {
        if (strcmp(cat->functions[i].id, id) == 0) {
            return (int)i;
        }
    }
    return -1;
}

static int load_pillars(struct zt_catalog *cat, char *err, size_t errlen)
{
    struct json_object *arr = get_array(cat->doc, "pillars");
    size_t n = arr ? json_object_array_length(arr) : 0;

    if (n == 0) {
        return fail(err, errlen, cat->path, "\"pillars\" must be a non-empty array");
    }
    cat->pillars = zt_xcalloc(n, sizeof(*cat->pillars));
    for (size_t i = 0; i < n; i++) {
        struct json_object *o = json_object_array_get_idx(arr, i);
        struct zt_pillar *p = &cat->pillars[i];
        p->id = get_str(o, "id");
        p->name = get_str(o, "name");
        if (!p->id || !p->name) {
            return fail(err, errlen, cat->path, "pillars[%zu] needs string \"id\" and \"name\"", i);
        }
        if (zt_catalog_pillar_index(cat, p->id) >= 0) {
            return fail(err, errlen, cat->path, "pillars[%zu]: duplicate id '%s'", i, p->id);
        }
        cat->n_pillars++;
    }
    return 0;
}

static int load_functions(struct zt_catalog *cat, char *err, size_t errlen)
{
    struct json_object *arr = get_array(cat->doc, "functions");
    size_t n = arr ? json_object_array_length(arr) : 0;

    if (n == 0) {
        return fail(err, errlen, cat->path, "\"functions\" must be a non-empty array");
    }
    cat->functions = zt_xcalloc(n, sizeof(*cat->functions));
    for (size_t i = 0; i < n; i++) {
        struct json_object *o = json_object_array_get_idx(arr, i);
        struct zt_function *f = &cat->functions[i];
        const char *pillar = get_str(o, "pillar");
        f->id = get_str(o, "id");
        f->name = get_str(o, "name");
        if (!f->id || !f->name || !pillar) {
            return fail(err, errlen, cat->path,
                        "functions[%zu] needs string \"id\", \"pillar\" and \"name\"", i);
        }
        int p = zt_catalog_pillar_index(cat, pillar);
        if (p < 0) {
            return fail(err, errlen, cat->path, "function '%s': unknown pillar '%s'", f->id,
                        pillar);
        }
        if (zt_catalog_function_index(cat, f->id) >= 0) {
            return fail(err, errlen, cat->path, "functions[%zu]: duplicate id '%s'", i, f->id);
        }
        f->pillar = (size_t)p;
        cat->n_functions++;
    }
    return 0;
}

/* Collect the distinct evidence keys a predicate reads into keys. */
static void collect_keys(struct json_object *pred, struct json_object *keys)
{
    struct json_object *sub, *key;

    if (json_object_object_get_ex(pred, "all", &sub) ||
        json_object_object_get_ex(pred, "any", &sub)) {
        for (size_t i = 0; i < json_object_array_length(sub); i++) {
            collect_keys(json_object_array_get_idx(sub, i), keys);
        }
    } else if (json_object_object_get_ex(pred, "not", &sub)) {
        collect_keys(sub, keys);
    } else if (json_object_object_get_ex(pred, "key", &key)) {
        for (size_t i = 0; i < json_object_array_length(keys); i++) {
            if (json_object_equal(json_object_array_get_idx(keys, i), key)) {
                return;
            }
        }
        json_object_array_add(keys, json_object_get(key));
    }
}

/* A rule's sources: its "sources" member (collector types or key prefixes), or the first
 * segment of every key it reads ("host.sshd.x" -> "host"). */
static int load_sources(struct zt_catalog *cat, struct zt_rule *r, struct json_object *o, char *err,
                        size_t errlen)
{
    struct json_object *given = NULL;

    r->sources = json_object_new_array();
    if (json_object_object_get_ex(o, "sources", &given)) {
        size_t n =
            json_object_is_type(given, json_type_array) ? json_object_array_length(given) : 0;
        for (size_t i = 0; i < n; i++) {
            struct json_object *s = json_object_array_get_idx(given, i);
            if (!json_object_is_type(s, json_type_string) || json_object_get_string_len(s) == 0) {
                n = 0;
                break;
            }
            json_object_array_add(r->sources, json_object_get(s));
        }
        if (n == 0) {
            return fail(err, errlen, cat->path,
                        "rule '%s': \"sources\" must be a non-empty array of collector types",
                        r->id);
        }
        r->sources_declared = true;
        return 0;
    }
    for (size_t i = 0; i < json_object_array_length(r->keys); i++) {
        const char *key = json_object_get_string(json_object_array_get_idx(r->keys, i));
        struct json_object *prefix = json_object_new_string_len(key, (int)strcspn(key, "."));
        bool seen = false;
        for (size_t j = 0; j < json_object_array_length(r->sources); j++) {
            seen = seen || json_object_equal(json_object_array_get_idx(r->sources, j), prefix);
        }
        if (seen) {
            json_object_put(prefix);
        } else {
            json_object_array_add(r->sources, prefix);
        }
    }
    return 0;
}

/* "quantifier": how the rule's statement ranges over the sources and instances that take part
 * ("all" when omitted). A rule that reads several sources must say it, and its check must be that
 * very connective over parts that read one source each: "all" for a universal statement, so
 * every source must pass its own part, "any" for an existential one. */
static int load_quantifier(struct zt_catalog *cat, struct zt_rule *r, struct json_object *o,
                           char *err, size_t errlen)
{
    const char *q = get_str(o, "quantifier");
    struct json_object *parts = NULL;

    if (q && !zt_streq(q, "all") && !zt_streq(q, "any")) {
        return fail(err, errlen, cat->path, "rule '%s': \"quantifier\" must be \"all\" or \"any\"",
                    r->id);
    }
    r->quantifier = zt_streq(q, "any") ? ZT_QUANTIFIER_ANY : ZT_QUANTIFIER_ALL;
    if (r->sources_declared || json_object_array_length(r->sources) < 2) {
        return 0;
    }
    if (!q) {
        return fail(err, errlen, cat->path,
                    "rule '%s' reads several sources: say whether its statement holds for all of "
                    "them (\"quantifier\": \"all\") or for any (\"any\")",
                    r->id);
    }
    if (!json_object_object_get_ex(r->check, q, &parts)) {
        return fail(err, errlen, cat->path,
                    "rule '%s': a rule of several sources with quantifier \"%s\" needs a check "
                    "of the form {\"%s\": [one part per source]}",
                    r->id, q, q);
    }
    for (size_t i = 0; i < json_object_array_length(parts); i++) {
        size_t len;
        if (!zt_predicate_source(json_object_array_get_idx(parts, i), &len)) {
            return fail(err, errlen, cat->path,
                        "rule '%s': check.%s[%zu] reads several sources; each part must read one",
                        r->id, q, i);
        }
    }
    return 0;
}

static int load_rule(struct zt_catalog *cat, size_t i, struct json_object *o, char *err,
                     size_t errlen)
{
    struct zt_rule *r = &cat->rules[i];
    const char *function = get_str(o, "function"), *stage = get_str(o, "stage");
    char msg[256];

    r->id = get_str(o, "id");
    if (!r->id || !zt_evidence_key_valid(r->id)) {
        return fail(err, errlen, cat->path, "rules[%zu]: \"id\" must be a lowercase dotted name",
                    i);
    }
    for (size_t j = 0; j < i; j++) {
        if (strcmp(cat->rules[j].id, r->id) == 0) {
            return fail(err, errlen, cat->path, "rules[%zu]: duplicate id '%s'", i, r->id);
        }
    }
    int f = function ? zt_catalog_function_index(cat, function) : -1;
    if (f < 0) {
        return fail(err, errlen, cat->path, "rule '%s': unknown function '%s'", r->id,
                    function ? function : "(missing)");
    }
    r->function = (size_t)f;
    int s = zt_stage_from_string(stage);
    if (s != ZT_STAGE_INITIAL && s != ZT_STAGE_ADVANCED && s != ZT_STAGE_OPTIMAL) {
        return fail(err, errlen, cat->path,
                    "rule '%s': \"stage\" must be initial, advanced or optimal", r->id);
    }
    r->stage = (enum zt_stage)s;
    r->title = get_str(o, "title");
    r->remediation = get_str(o, "remediation");
    if (!r->title || !r->remediation) {
        return fail(err, errlen, cat->path,
                    "rule '%s': needs non-empty \"title\" and \"remediation\"", r->id);
    }
    if (!json_object_object_get_ex(o, "check", &r->check) ||
        zt_predicate_validate(r->check, msg, sizeof(msg)) < 0) {
        return fail(err, errlen, cat->path, "rule '%s': check: %s", r->id,
                    r->check ? msg : "missing");
    }
    if (json_object_object_get_ex(o, "applies_if", &r->applies_if) &&
        zt_predicate_validate(r->applies_if, msg, sizeof(msg)) < 0) {
        return fail(err, errlen, cat->path, "rule '%s': applies_if: %s", r->id, msg);
    }
    r->keys = json_object_new_array();
    collect_keys(r->check, r->keys);
    if (r->applies_if) {
        collect_keys(r->applies_if, r->keys);
    }
    int e = load_sources(cat, r, o, err, errlen);
    return e < 0 ? e : load_quantifier(cat, r, o, err, errlen);
}

static int load_rules(struct zt_catalog *cat, char *err, size_t errlen)
{
    struct json_object *arr = get_array(cat->doc, "rules");
    size_t n = arr ? json_object_array_length(arr) : 0;

    if (!arr) {
        return fail(err, errlen, cat->path, "\"rules\" must be an array");
    }
    cat->rules = zt_xcalloc(n ? n : 1, sizeof(*cat->rules));
    for (size_t i = 0; i < n; i++) {
        struct json_object *o = json_object_array_get_idx(arr, i);
        if (!json_object_is_type(o, json_type_object)) {
            return fail(err, errlen, cat->path, "rules[%zu] is not an object", i);
        }
        cat->n_rules = i + 1; /* so zt_catalog_free() releases a half-loaded rule's keys */
        int r = load_rule(cat, i, o, err, errlen);
        if (r < 0) {
            return r;
        }
    }
    return 0;
}

const char *zt_catalog_attest_only(const struct zt_catalog *cat, size_t function,
                                   enum zt_stage stage)
{
    for (size_t i = 0; i < cat->n_attest_only; i++) {
        if (cat->attest_only[i].function == function && cat->attest_only[i].stage == stage) {
            return cat->attest_only[i].statement;
        }
    }
    return NULL;
}

/* "attestation_only" (optional): [{function, stage, statement}], one per cell that no machine
 * rule judges, so the lint and the estimate know the gap is declared, not forgotten. */
static int load_attest_only(struct zt_catalog *cat, char *err, size_t errlen)
{
    struct json_object *arr = NULL;

    if (!json_object_object_get_ex(cat->doc, "attestation_only", &arr)) {
        return 0;
    }
    if (!json_object_is_type(arr, json_type_array)) {
        return fail(err, errlen, cat->path, "\"attestation_only\" must be an array");
    }
    size_t n = json_object_array_length(arr);
    cat->attest_only = zt_xcalloc(n ? n : 1, sizeof(*cat->attest_only));
    for (size_t i = 0; i < n; i++) {
        struct json_object *o = json_object_array_get_idx(arr, i);
        const char *function = get_str(o, "function"), *statement = get_str(o, "statement");
        int f = zt_catalog_function_index(cat, function);
        int s = zt_stage_from_string(get_str(o, "stage"));
        if (f < 0 || (s != ZT_STAGE_INITIAL && s != ZT_STAGE_ADVANCED && s != ZT_STAGE_OPTIMAL) ||
            !statement) {
            return fail(err, errlen, cat->path,
                        "attestation_only[%zu] needs a known \"function\", a \"stage\" "
                        "(initial, advanced or optimal) and a non-empty \"statement\"",
                        i);
        }
        if (zt_catalog_attest_only(cat, (size_t)f, (enum zt_stage)s)) {
            return fail(err, errlen, cat->path, "attestation_only[%zu]: %s %s declared twice", i,
                        function, zt_stage_to_string((enum zt_stage)s));
        }
        for (size_t r = 0; r < cat->n_rules; r++) {
            if (cat->rules[r].function == (size_t)f && cat->rules[r].stage == (enum zt_stage)s) {
                return fail(err, errlen, cat->path,
                            "attestation_only[%zu]: %s %s has the machine rule '%s'; a cell is "
                            "judged by rules or attested, not both",
                            i, function, zt_stage_to_string((enum zt_stage)s), cat->rules[r].id);
            }
        }
        cat->attest_only[cat->n_attest_only++] = (struct zt_attest_cell){
            .function = (size_t)f, .stage = (enum zt_stage)s, .statement = statement};
    }
    return 0;
}

int zt_catalog_from_json(struct json_object *doc, const char *path, struct zt_catalog **ret,
                         char *err, size_t errlen)
{
    _cleanup_(zt_catalog_freep) struct zt_catalog *cat = zt_xcalloc(1, sizeof(*cat));
    struct json_object *model;
    int r;

    cat->doc = doc;
    cat->path = zt_xstrdup(path);
    if (!json_object_is_type(doc, json_type_object) ||
        !zt_streq(get_str(doc, "schema"), ZT_CATALOG_SCHEMA)) {
        return fail(err, errlen, path, "not a rule catalog (\"schema\" must be \"%s\")",
                    ZT_CATALOG_SCHEMA);
    }
    if (!json_object_object_get_ex(doc, "model", &model) || !get_str(model, "name") ||
        !get_str(model, "version")) {
        return fail(err, errlen, path, "\"model\" needs string \"name\" and \"version\"");
    }
    cat->model_name = get_str(model, "name");
    cat->model_version = get_str(model, "version");
    if ((r = load_pillars(cat, err, errlen)) < 0 || (r = load_functions(cat, err, errlen)) < 0 ||
        (r = load_rules(cat, err, errlen)) < 0 || (r = load_attest_only(cat, err, errlen)) < 0) {
        return r;
    }
    *ret = TAKE_PTR(cat);
    return 0;
}

int zt_catalog_load(const char *path, struct zt_catalog **ret, char *err, size_t errlen)
{
    _cleanup_free_ char *text = NULL;
    size_t len = 0;
    int r = zt_read_file(path, CATALOG_FILE_MAX, &text, &len);

    if (r < 0) {
        snprintf(err, errlen, "%s: cannot read rule catalog: %s", path,
                 r == -EFBIG ? "file too large" : strerror(-r));
        return r;
    }
    struct json_object *doc = NULL;
    char why[128];
    if (zt_json_parse(text, len, CATALOG_JSON_DEPTH, &doc, why, sizeof(why)) < 0) {
        return fail(err, errlen, path, "not valid JSON at %s", why);
    }
    return zt_catalog_from_json(doc, path, ret, err, errlen);
}

void zt_catalog_free(struct zt_catalog *cat)
{
    if (!cat) {
        return;
    }
    for (size_t i = 0; i < cat->n_rules; i++) {
        json_object_put(cat->rules[i].keys);
        json_object_put(cat->rules[i].sources);
    }
    free(cat->rules);
    free(cat->attest_only);
    free(cat->functions);
    free(cat->pillars);
    json_object_put(cat->doc);
    free(cat->path);
    free(cat);
}

void zt_catalog_freep(struct zt_catalog **cat)
{
    zt_catalog_free(*cat);
}
