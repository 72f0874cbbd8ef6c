/* predicate.c - syntax check and three-valued evaluation of rule predicates over evidence. */
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "catalog.h"
#include "util.h"

#define PREDICATE_DEPTH_MAX 32

static const char *const leaf_ops[] = {"eq", "ne", "gte", "lte", "in", "contains", "exists"};

static bool is_scalar(struct json_object *v)
{
    return json_object_is_type(v, json_type_boolean) || json_object_is_type(v, json_type_int) ||
           json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_string);
}

static bool is_number(struct json_object *v)
{
    return json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double);
}

static int validate_leaf(struct json_object *pred, char *err, size_t errlen)
{
    struct json_object *key = NULL, *arg = NULL;
    const char *op = NULL;

    json_object_object_foreach(pred, k, v)
    {
        if (strcmp(k, "key") == 0) {
            key = v;
            continue;
        }
        for (size_t i = 0; i < ZT_ELEMENTSOF(leaf_ops); i++) {
            if (strcmp(k, leaf_ops[i]) == 0) {
                if (op) {
                    snprintf(err, errlen, "two operators ('%s' and '%s') in one predicate", op, k);
                    return -EINVAL;
                }
                op = leaf_ops[i];
                arg = v;
            }
        }
        if (!op || strcmp(op, k) != 0) {
            snprintf(err, errlen, "unknown member '%s' in predicate", k);
            return -EINVAL;
        }
    }
    if (!json_object_is_type(key, json_type_string) ||
        !zt_evidence_key_valid(json_object_get_string(key))) {
        snprintf(err, errlen, "predicate needs a well-formed evidence \"key\"");
        return -EINVAL;
    }
    if (!op) {
        snprintf(err, errlen,
                 "predicate on '%s' has no operator (eq, ne, gte, lte, in, contains, exists)",
                 json_object_get_string(key));
        return -EINVAL;
    }
    bool ok = (strcmp(op, "gte") == 0 || strcmp(op, "lte") == 0) ? is_number(arg)
              : strcmp(op, "exists") == 0 ? json_object_is_type(arg, json_type_boolean)
              : strcmp(op, "in") == 0     ? json_object_is_type(arg, json_type_array)
                                          : is_scalar(arg);
    if (!ok) {
        snprintf(err, errlen, "operator '%s' on '%s' has an argument of the wrong type", op,
                 json_object_get_string(key));
        return -EINVAL;
    }
    return 0;
}

static int validate(struct json_object *pred, unsigned depth, char *err, size_t errlen)
{
    struct json_object *sub;

    if (depth > PREDICATE_DEPTH_MAX) {
        snprintf(err, errlen, "predicate nested deeper than %d", PREDICATE_DEPTH_MAX);
        return -EINVAL;
    }
    if (!json_object_is_type(pred, json_type_object)) {
        snprintf(err, errlen, "predicate must be an object");
        return -EINVAL;
    }
    bool all = json_object_object_get_ex(pred, "all", &sub);
    bool any = !all && json_object_object_get_ex(pred, "any", &sub);
    if (all || any) {
        if (json_object_object_length(pred) != 1 || !json_object_is_type(sub, json_type_array) ||
            json_object_array_length(sub) == 0) {
            snprintf(err, errlen, "'%s' must be the only member and hold a non-empty array",
                     all ? "all" : "any");
            return -EINVAL;
        }
        for (size_t i = 0; i < json_object_array_length(sub); i++) {
            int r = validate(json_object_array_get_idx(sub, i), depth + 1, err, errlen);
            if (r < 0) {
                return r;
            }
        }
        return 0;
    }
    if (json_object_object_get_ex(pred, "not", &sub)) {
        if (json_object_object_length(pred) != 1) {
            snprintf(err, errlen, "'not' must be the only member");
            return -EINVAL;
        }
        return validate(sub, depth + 1, err, errlen);
    }
    return validate_leaf(pred, err, errlen);
}

int zt_predicate_validate(struct json_object *pred, char *err, size_t errlen)
{
    return validate(pred, 0, err, errlen);
}

/* Equality with numbers compared by value (1 == 1.0). */
static bool values_equal(struct json_object *a, struct json_object *b)
{
    if (is_number(a) && is_number(b)) {
        return json_object_get_double(a) == json_object_get_double(b);
    }
    if (json_object_get_type(a) != json_object_get_type(b)) {
        return false;
    }
    return json_object_equal(a, b) != 0;
}

static bool leaf_holds(const char *op, struct json_object *value, struct json_object *arg)
{
    if (strcmp(op, "eq") == 0) {
        return values_equal(value, arg);
    }
    if (strcmp(op, "ne") == 0) {
        return !values_equal(value, arg);
    }
    if (strcmp(op, "gte") == 0 || strcmp(op, "lte") == 0) {
        if (!is_number(value)) {
            return false;
        }
        double v = json_object_get_double(value), a = json_object_get_double(arg);
        return op[0] == 'g' ? v >= a : v <= a;
    }
    if (strcmp(op, "in") == 0) {
        for (size_t i = 0; i < json_object_array_length(arg); i++) {
            if (values_equal(value, json_object_array_get_idx(arg, i))) {
                return true;
            }
        }
        return false;
    }
    /* contains */
    if (json_object_is_type(value, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(value); i++) {
            if (values_equal(json_object_array_get_idx(value, i), arg)) {
                return true;
            }
        }
        return false;
    }
    return json_object_is_type(value, json_type_string) &&
           json_object_is_type(arg, json_type_string) &&
           strstr(json_object_get_string(value), json_object_get_string(arg)) != NULL;
}

/* Whether the source of key (its first segment) took part in the scan. */
static bool source_present(const char *key, const struct zt_strv *present)
{
    size_t len = strcspn(key, ".");
    for (size_t i = 0; i < present->n; i++) {
        if (strncmp(present->v[i], key, len) == 0 && present->v[i][len] == '\0') {
            return true;
        }
    }
    return false;
}

/* Outcomes inside eval(): pass, fail, unknown, and ZT_OUTCOME_NOT_APPLICABLE standing for "this
 * part reads a source the scan did not include". Such a part is neutral: `any` and `all` skip it
 * (it neither satisfies nor blocks), `not` keeps it, and a predicate made only of absent parts is
 * absent itself. So "Intune says compliant, or the host has LUKS" fails when Intune says no and no
 * host was scanned, instead of staying unknown for ever. */
static enum zt_outcome eval(struct json_object *pred, struct zt_evidence_set *ev,
                            const struct zt_strv *present);

static enum zt_outcome eval_leaf(struct json_object *pred, struct zt_evidence_set *ev,
                                 const struct zt_strv *present)
{
    struct json_object *key = NULL, *arg = NULL;
    const char *op = NULL;
    const struct zt_evidence *first = NULL;

    json_object_object_foreach(pred, k, v)
    {
        if (strcmp(k, "key") == 0) {
            key = v;
        } else {
            op = k;
            arg = v;
        }
    }
    if (present && !source_present(json_object_get_string(key), present)) {
        return ZT_OUTCOME_NOT_APPLICABLE;
    }
    size_t n = zt_evidence_lookup(ev, json_object_get_string(key), &first);
    if (strcmp(op, "exists") == 0) {
        return (n > 0) == json_object_get_boolean(arg) ? ZT_OUTCOME_PASS : ZT_OUTCOME_FAIL;
    }
    if (n == 0) {
        return ZT_OUTCOME_UNKNOWN;
    }
    /* Every observation must hold: the weakest instance decides. */
    for (size_t i = 0; i < n; i++) {
        if (!leaf_holds(op, first[i].value, arg)) {
            return ZT_OUTCOME_FAIL;
        }
    }
    return ZT_OUTCOME_PASS;
}

static enum zt_outcome eval_list(struct json_object *sub, bool all, struct zt_evidence_set *ev,
                                 const struct zt_strv *present)
{
    /* all: any fail -> fail; any: any pass -> pass; otherwise unknown if anything is unknown. */
    enum zt_outcome decisive = all ? ZT_OUTCOME_FAIL : ZT_OUTCOME_PASS;
    bool unknown = false, judged = false;

    for (size_t i = 0; i < json_object_array_length(sub); i++) {
        enum zt_outcome o = eval(json_object_array_get_idx(sub, i), ev, present);
        if (o == decisive) {
            return decisive;
        }
        unknown = unknown || o == ZT_OUTCOME_UNKNOWN;
        judged = judged || o != ZT_OUTCOME_NOT_APPLICABLE;
    }
    if (!judged) {
        return ZT_OUTCOME_NOT_APPLICABLE;
    }
    if (unknown) {
        return ZT_OUTCOME_UNKNOWN;
    }
    return all ? ZT_OUTCOME_PASS : ZT_OUTCOME_FAIL;
}

static enum zt_outcome eval(struct json_object *pred, struct zt_evidence_set *ev,
                            const struct zt_strv *present)
{
    struct json_object *sub;
    bool all = json_object_object_get_ex(pred, "all", &sub);

    if (all || json_object_object_get_ex(pred, "any", &sub)) {
        return eval_list(sub, all, ev, present);
    }
    if (json_object_object_get_ex(pred, "not", &sub)) {
        enum zt_outcome o = eval(sub, ev, present);
        return o == ZT_OUTCOME_PASS ? ZT_OUTCOME_FAIL : o == ZT_OUTCOME_FAIL ? ZT_OUTCOME_PASS : o;
    }
    return eval_leaf(pred, ev, present);
}

enum zt_outcome zt_predicate_eval(struct json_object *pred, struct zt_evidence_set *ev)
{
    return eval(pred, ev, NULL);
}

enum zt_outcome zt_rule_eval(const struct zt_rule *rule, struct zt_evidence_set *ev,
                             const struct zt_strv *present)
{
    if (present) {
        /* A source this deployment does not use cannot be judged: not applicable. A source that
         * took part but produced no evidence leaves the rule unknown (below). */
        bool any = false;
        for (size_t i = 0; !any && i < json_object_array_length(rule->sources); i++) {
            any = zt_strv_contains(
                present, json_object_get_string(json_object_array_get_idx(rule->sources, i)));
        }
        if (!any) {
            return ZT_OUTCOME_NOT_APPLICABLE;
        }
    }
    /* Declared sources are not key prefixes (exec programs): then every key counts as present. */
    const struct zt_strv *by_key = rule->sources_declared ? NULL : present;
    if (rule->applies_if) {
        enum zt_outcome a = eval(rule->applies_if, ev, by_key);
        if (a == ZT_OUTCOME_FAIL) {
            return ZT_OUTCOME_NOT_APPLICABLE;
        }
        if (a == ZT_OUTCOME_UNKNOWN) {
            return ZT_OUTCOME_UNKNOWN;
        }
    }
    return eval(rule->check, ev, by_key);
}
