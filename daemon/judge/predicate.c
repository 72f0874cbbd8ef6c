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

void zt_participants_add(struct zt_participants *p, const char *source, size_t len,
                         const char *instance)
{
    for (size_t i = 0; i < p->n; i++) {
        if (strncmp(p->v[i].source, source, len) == 0 && p->v[i].source[len] == '\0' &&
            strcmp(p->v[i].instance, instance) == 0) {
            return;
        }
    }
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 8;
        p->v = zt_xrealloc(p->v, p->cap * sizeof(*p->v));
    }
    p->v[p->n++] = (struct zt_participant){zt_xstrndup(source, len), zt_xstrdup(instance)};
}

void zt_participants_clear(struct zt_participants *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->v[i].source);
        free(p->v[i].instance);
    }
    free(p->v);
    *p = (struct zt_participants){0};
}

bool zt_participants_has(const struct zt_participants *p, const char *source, size_t len)
{
    for (size_t i = 0; i < p->n; i++) {
        if (strncmp(p->v[i].source, source, len) == 0 && p->v[i].source[len] == '\0') {
            return true;
        }
    }
    return false;
}

void zt_blame_clear(struct zt_blame *b)
{
    zt_strv_clear(&b->failed);
    zt_strv_clear(&b->unknown);
}

const char *zt_predicate_source(struct json_object *pred, size_t *len)
{
    struct json_object *sub;

    if (json_object_object_get_ex(pred, "not", &sub)) {
        return zt_predicate_source(sub, len);
    }
    if (json_object_object_get_ex(pred, "all", &sub) ||
        json_object_object_get_ex(pred, "any", &sub)) {
        const char *one = NULL;
        for (size_t i = 0; i < json_object_array_length(sub); i++) {
            size_t l = 0;
            const char *s = zt_predicate_source(json_object_array_get_idx(sub, i), &l);
            if (!s || (one && (l != *len || strncmp(s, one, l) != 0))) {
                return NULL;
            }
            one = s;
            *len = l;
        }
        return one;
    }
    struct json_object *key = NULL;
    json_object_object_get_ex(pred, "key", &key);
    const char *k = json_object_get_string(key);
    *len = strcspn(k, ".");
    return k;
}

/* What one evaluation needs besides the predicate. Outcomes inside eval() are pass, fail, unknown,
 * and ZT_OUTCOME_NOT_APPLICABLE standing for "this part reads a source the scan did not include".
 * Such a part is neutral: `any` and `all` skip it (it neither satisfies nor blocks), `not` keeps
 * it, and a predicate made only of absent parts is absent itself. So "Intune says compliant, or
 * the host has LUKS" fails when Intune says no and no host was scanned, instead of staying
 * unknown for ever. */
struct eval_ctx {
    struct zt_evidence_set *ev;
    const struct zt_participants *who; /* NULL: every source took part, instances not told apart */
    enum zt_quantifier quantifier;     /* how instances of one source combine */
    const char *instance;              /* inside a one-source part: whose observations count */
    struct zt_blame *blame;            /* may be NULL */
};

/* Three-valued `all` / `any` over outcomes fed one at a time: all fails on any fail, any passes
 * on any pass; otherwise unknown if anything was unknown; parts that are not applicable are
 * skipped, and nothing but them is not applicable. Every part is fed (no early return), so the
 * blame names every instance that failed, not only the first. */
struct combine {
    bool all, decided, unknown, judged;
};

static void combine_feed(struct combine *c, enum zt_outcome o)
{
    c->decided = c->decided || o == (c->all ? ZT_OUTCOME_FAIL : ZT_OUTCOME_PASS);
    c->unknown = c->unknown || o == ZT_OUTCOME_UNKNOWN;
    c->judged = c->judged || o != ZT_OUTCOME_NOT_APPLICABLE;
}

static enum zt_outcome combine_result(const struct combine *c)
{
    if (c->decided) {
        return c->all ? ZT_OUTCOME_FAIL : ZT_OUTCOME_PASS;
    }
    if (!c->judged) {
        return ZT_OUTCOME_NOT_APPLICABLE;
    }
    if (c->unknown) {
        return ZT_OUTCOME_UNKNOWN;
    }
    return c->all ? ZT_OUTCOME_PASS : ZT_OUTCOME_FAIL;
}

static void blame(struct eval_ctx *ctx, const char *instance, enum zt_outcome o)
{
    struct zt_strv *to = !ctx->blame               ? NULL
                         : o == ZT_OUTCOME_FAIL    ? &ctx->blame->failed
                         : o == ZT_OUTCOME_UNKNOWN ? &ctx->blame->unknown
                                                   : NULL;
    if (to && !zt_strv_contains(to, instance)) {
        zt_strv_push(to, instance);
    }
}

static enum zt_outcome eval(struct json_object *pred, struct eval_ctx *ctx);

static enum zt_outcome eval_leaf(struct json_object *pred, struct eval_ctx *ctx)
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
    const char *name = json_object_get_string(key);
    if (ctx->who && !ctx->instance && !zt_participants_has(ctx->who, name, strcspn(name, "."))) {
        return ZT_OUTCOME_NOT_APPLICABLE;
    }
    size_t n = zt_evidence_lookup(ctx->ev, name, &first), seen = 0;
    bool holds = true;
    /* Every observation must hold: the weakest instance decides. */
    for (size_t i = 0; i < n; i++) {
        if (ctx->instance && strcmp(first[i].instance, ctx->instance) != 0) {
            continue;
        }
        seen++;
        holds = holds && leaf_holds(op, first[i].value, arg);
    }
    if (strcmp(op, "exists") == 0) {
        return (seen > 0) == json_object_get_boolean(arg) ? ZT_OUTCOME_PASS : ZT_OUTCOME_FAIL;
    }
    if (seen == 0) {
        return ZT_OUTCOME_UNKNOWN;
    }
    return holds ? ZT_OUTCOME_PASS : ZT_OUTCOME_FAIL;
}

static enum zt_outcome eval_node(struct json_object *pred, struct eval_ctx *ctx)
{
    struct json_object *sub;
    bool all = json_object_object_get_ex(pred, "all", &sub);

    if (all || json_object_object_get_ex(pred, "any", &sub)) {
        struct combine c = {.all = all};
        for (size_t i = 0; i < json_object_array_length(sub); i++) {
            combine_feed(&c, eval(json_object_array_get_idx(sub, i), ctx));
        }
        return combine_result(&c);
    }
    if (json_object_object_get_ex(pred, "not", &sub)) {
        enum zt_outcome o = eval(sub, ctx);
        return o == ZT_OUTCOME_PASS ? ZT_OUTCOME_FAIL : o == ZT_OUTCOME_FAIL ? ZT_OUTCOME_PASS : o;
    }
    return eval_leaf(pred, ctx);
}

/* Judge one part once per instance of its source, each seeing its own observations only, and
 * combine them by the rule's quantifier. judge() evaluates the part in a given context. */
static enum zt_outcome per_instance(const char *source, size_t len, struct eval_ctx *ctx,
                                    enum zt_outcome (*judge)(const void *, struct eval_ctx *),
                                    const void *part)
{
    struct combine c = {.all = ctx->quantifier == ZT_QUANTIFIER_ALL};

    for (size_t i = 0; i < ctx->who->n; i++) {
        const struct zt_participant *p = &ctx->who->v[i];
        if (strncmp(p->source, source, len) != 0 || p->source[len] != '\0') {
            continue;
        }
        struct eval_ctx one = *ctx;
        one.instance = p->instance;
        enum zt_outcome o = judge(part, &one);
        blame(ctx, p->instance, o);
        combine_feed(&c, o);
    }
    return combine_result(&c);
}

static enum zt_outcome judge_pred(const void *pred, struct eval_ctx *ctx)
{
    return eval_node((struct json_object *)pred, ctx);
}

/* A part that reads one source is judged per instance of it (the highest such part: below it
 * the instance is fixed); a part that reads several is split further down. */
static enum zt_outcome eval(struct json_object *pred, struct eval_ctx *ctx)
{
    size_t len = 0;
    const char *source = NULL;

    if (ctx->who && !ctx->instance && (source = zt_predicate_source(pred, &len))) {
        if (!zt_participants_has(ctx->who, source, len)) {
            return ZT_OUTCOME_NOT_APPLICABLE;
        }
        return per_instance(source, len, ctx, judge_pred, pred);
    }
    return eval_node(pred, ctx);
}

enum zt_outcome zt_predicate_eval(struct json_object *pred, struct zt_evidence_set *ev)
{
    struct eval_ctx ctx = {.ev = ev};
    return eval(pred, &ctx);
}

/* applies_if, then check: a rule that does not apply is not applicable. */
static enum zt_outcome judge_rule(const void *rule, struct eval_ctx *ctx)
{
    const struct zt_rule *r = rule;

    if (r->applies_if) {
        enum zt_outcome a = eval(r->applies_if, ctx);
        if (a == ZT_OUTCOME_FAIL) {
            return ZT_OUTCOME_NOT_APPLICABLE;
        }
        if (a == ZT_OUTCOME_UNKNOWN) {
            return ZT_OUTCOME_UNKNOWN;
        }
    }
    return eval(r->check, ctx);
}

enum zt_outcome zt_rule_eval(const struct zt_rule *rule, struct zt_evidence_set *ev,
                             const struct zt_participants *who, struct zt_blame *blame)
{
    if (who) {
        /* A source this deployment does not use cannot be judged: not applicable. A source that
         * took part but produced no evidence leaves the rule unknown (below). */
        bool any = false;
        for (size_t i = 0; !any && i < json_object_array_length(rule->sources); i++) {
            const char *s = json_object_get_string(json_object_array_get_idx(rule->sources, i));
            any = zt_participants_has(who, s, strlen(s));
        }
        if (!any) {
            return ZT_OUTCOME_NOT_APPLICABLE;
        }
    }
    /* Declared sources are not key prefixes (exec programs): then every key counts as present
     * and instances are not told apart. */
    struct eval_ctx ctx = {
        .ev = ev,
        .who = rule->sources_declared ? NULL : who,
        .quantifier = rule->quantifier,
        .blame = blame,
    };
    /* A rule of one source is judged whole per instance, so one host's applies_if cannot make
     * the rule not applicable for another host. */
    if (ctx.who && json_object_array_length(rule->sources) == 1) {
        const char *s = json_object_get_string(json_object_array_get_idx(rule->sources, 0));
        return per_instance(s, strlen(s), &ctx, judge_rule, rule);
    }
    return judge_rule(rule, &ctx);
}
