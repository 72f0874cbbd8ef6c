/* plan.c - the way up: from rule outcomes, what stands between each function and its next stage,
 * and the smallest set of rule changes that raises the overall stage.
 *
 * The stages come from zt_estimate() itself, never from a copy of its rules. Overall is the
 * weakest pillar and a pillar its weakest assessed function, so the overall stage is the lowest
 * stage of any assessed function: it rises only when every assessed function at that stage
 * rises. Such a function sits at S because stage S+1 is not met: each of its failing or unknown
 * rules at S+1 must pass, and S+1 needs a passing rule (a stage of not_applicable rules only is
 * never met). Every rule of a function belongs to it alone, so the union of those rules is the
 * smallest set: leaving any one out leaves its function, and so the overall, where it is. */
#include "plan.h"

#include <json-c/json.h>
#include <string.h>

#include "util.h"

static const char *const action_names[_ZT_PLAN_ACTION_MAX] = {
    [ZT_PLAN_FIX] = "fix",
    [ZT_PLAN_COLLECT] = "collect",
    [ZT_PLAN_DEPLOY] = "deploy",
};

const char *zt_plan_action_to_string(enum zt_plan_action a)
{
    return a < _ZT_PLAN_ACTION_MAX ? action_names[a] : NULL;
}

/* Append x to the array *v of *n entries; capacity doubles at each power of two. */
static void push(size_t **v, size_t *n, size_t x)
{
    if ((*n & (*n - 1)) == 0) {
        *v = zt_xrealloc(*v, (*n ? *n * 2 : 1) * sizeof(**v));
    }
    (*v)[(*n)++] = x;
}

static bool contains(const size_t *v, size_t n, size_t x)
{
    for (size_t i = 0; i < n; i++) {
        if (v[i] == x) {
            return true;
        }
    }
    return false;
}

static enum zt_stage next_stage(enum zt_stage s)
{
    return s == ZT_STAGE_UNKNOWN  ? ZT_STAGE_INITIAL
           : s < ZT_STAGE_OPTIMAL ? (enum zt_stage)(s + 1)
                                  : ZT_STAGE_UNKNOWN;
}

/* Each function's target and the rules at it that block it. */
static void plan_functions(const struct zt_catalog *cat, const enum zt_outcome *outcomes,
                           struct zt_plan *plan)
{
    _cleanup_free_ bool *passing = zt_xcalloc(cat->n_functions ? cat->n_functions : 1, 1);

    for (size_t f = 0; f < cat->n_functions; f++) {
        plan->functions[f].target = next_stage(plan->est.functions[f].stage);
        plan->functions[f].reachable = plan->functions[f].target == ZT_STAGE_UNKNOWN;
    }
    for (size_t i = 0; i < cat->n_rules; i++) {
        struct zt_plan_function *pf = &plan->functions[cat->rules[i].function];
        if (pf->target == ZT_STAGE_UNKNOWN || cat->rules[i].stage != pf->target) {
            continue;
        }
        pf->reachable = true;
        switch (outcomes[i]) {
        case ZT_OUTCOME_PASS:
            passing[cat->rules[i].function] = true;
            break;
        case ZT_OUTCOME_NOT_APPLICABLE:
            push(&pf->deploy, &pf->n_deploy, i);
            break;
        case ZT_OUTCOME_FAIL:
            push(&pf->fix, &pf->n_fix, i);
            break;
        default: /* unknown, or out of range: zt_estimate() counts that unknown too */
            push(&pf->collect, &pf->n_collect, i);
            break;
        }
    }
    for (size_t f = 0; f < cat->n_functions; f++) {
        struct zt_plan_function *pf = &plan->functions[f];
        if (passing[f] || pf->n_fix + pf->n_collect > 0) { /* the target will have a passing rule */
            free(pf->deploy);
            pf->deploy = NULL;
            pf->n_deploy = 0;
        }
    }
}

static bool same_predicate(struct json_object *a, struct json_object *b)
{
    return (!a && !b) || (a && b && json_object_equal(a, b));
}

/* The step that rule i joins: one of the same action and check, or a new one. Rules of a catalog
 * built from a document have no check and are never grouped; nor are deploy steps, whose rules
 * are one function's alternatives. */
static struct zt_plan_step *step_for(const struct zt_catalog *cat, struct zt_plan *plan, size_t i,
                                     enum zt_plan_action action)
{
    const struct zt_rule *r = &cat->rules[i];

    for (size_t s = 0; r->check && action != ZT_PLAN_DEPLOY && s < plan->n_steps; s++) {
        const struct zt_rule *o = &cat->rules[plan->steps[s].rules[0]];
        if (plan->steps[s].action == action && o->check && json_object_equal(o->check, r->check) &&
            same_predicate(o->applies_if, r->applies_if)) {
            return &plan->steps[s];
        }
    }
    plan->steps = zt_xrealloc(plan->steps, (plan->n_steps + 1) * sizeof(*plan->steps));
    struct zt_plan_step *st = &plan->steps[plan->n_steps++];
    *st = (struct zt_plan_step){.action = action};
    return st;
}

static void add_to_step(struct zt_plan_step *st, size_t rule, size_t function)
{
    push(&st->rules, &st->n_rules, rule);
    if (!contains(st->functions, st->n_functions, function)) {
        push(&st->functions, &st->n_functions, function);
    }
}

static int step_order(const void *a, const void *b)
{
    const struct zt_plan_step *x = a, *y = b;

    if (x->n_functions != y->n_functions) {
        return x->n_functions > y->n_functions ? -1 : 1;
    }
    if (x->fewest_left != y->fewest_left) {
        return x->fewest_left < y->fewest_left ? -1 : 1;
    }
    return x->rules[0] < y->rules[0] ? -1 : x->rules[0] > y->rules[0];
}

/* The steps of the functions to raise, grouped by check, then ordered: the steps that help the
 * most functions first; among equals, the one whose function needs the fewest steps in all (it
 * is raised soonest); then catalog order. */
static void plan_steps(const struct zt_catalog *cat, struct zt_plan *plan)
{
    for (size_t k = 0; k < plan->n_raise; k++) {
        size_t f = plan->raise[k];
        const struct zt_plan_function *pf = &plan->functions[f];
        for (size_t j = 0; j < pf->n_fix; j++) {
            add_to_step(step_for(cat, plan, pf->fix[j], ZT_PLAN_FIX), pf->fix[j], f);
        }
        for (size_t j = 0; j < pf->n_collect; j++) {
            add_to_step(step_for(cat, plan, pf->collect[j], ZT_PLAN_COLLECT), pf->collect[j], f);
        }
        if (pf->n_deploy > 0) {
            struct zt_plan_step *st = step_for(cat, plan, pf->deploy[0], ZT_PLAN_DEPLOY);
            for (size_t j = 0; j < pf->n_deploy; j++) {
                add_to_step(st, pf->deploy[j], f);
            }
        }
    }
    _cleanup_free_ size_t *steps_of =
        zt_xcalloc(cat->n_functions ? cat->n_functions : 1, sizeof(*steps_of));
    for (size_t s = 0; s < plan->n_steps; s++) {
        for (size_t j = 0; j < plan->steps[s].n_functions; j++) {
            steps_of[plan->steps[s].functions[j]]++;
        }
    }
    for (size_t s = 0; s < plan->n_steps; s++) {
        struct zt_plan_step *st = &plan->steps[s];
        st->fewest_left = SIZE_MAX;
        for (size_t j = 0; j < st->n_functions; j++) {
            size_t n = steps_of[st->functions[j]];
            st->fewest_left = n < st->fewest_left ? n : st->fewest_left;
        }
    }
    if (plan->n_steps > 1) {
        qsort(plan->steps, plan->n_steps, sizeof(*plan->steps), step_order);
    }
}

enum zt_outcome *zt_plan_apply(const struct zt_plan *plan, const struct zt_catalog *cat,
                               const enum zt_outcome *outcomes)
{
    enum zt_outcome *o = zt_xcalloc(cat->n_rules ? cat->n_rules : 1, sizeof(*o));

    if (cat->n_rules) {
        memcpy(o, outcomes, cat->n_rules * sizeof(*o));
    }
    for (size_t s = 0; s < plan->n_steps; s++) {
        const struct zt_plan_step *st = &plan->steps[s];
        size_t n = st->action == ZT_PLAN_DEPLOY ? 1 : st->n_rules;
        for (size_t j = 0; j < n; j++) {
            o[st->rules[j]] = ZT_OUTCOME_PASS;
        }
    }
    return o;
}

void zt_plan_compute(const struct zt_catalog *cat, const enum zt_outcome *outcomes,
                     const struct zt_attestation *attest, size_t n_attest, struct zt_plan *ret)
{
    struct zt_plan plan = {
        .functions = zt_xcalloc(cat->n_functions ? cat->n_functions : 1, sizeof(*plan.functions)),
        .n_functions = cat->n_functions,
        .target = ZT_STAGE_UNKNOWN,
    };

    zt_estimate(cat, outcomes, attest, n_attest, &plan.est);
    plan_functions(cat, outcomes, &plan);
    plan.overall = plan.verified = plan.est.overall.observed.stage;
    /* Nothing assessed has no weakest function to raise: the functions' own plans say what to
     * collect. Optimal has nowhere to go. */
    if (plan.overall == ZT_STAGE_UNKNOWN || plan.overall == ZT_STAGE_OPTIMAL) {
        plan.reachable = plan.overall == ZT_STAGE_OPTIMAL;
        *ret = plan;
        return;
    }
    plan.target = next_stage(plan.overall);
    plan.reachable = true;
    for (size_t f = 0; f < cat->n_functions; f++) {
        if (plan.est.functions[f].stage == plan.overall) {
            push(&plan.raise, &plan.n_raise, f);
            plan.reachable = plan.reachable && plan.functions[f].reachable;
        }
    }
    plan_steps(cat, &plan);
    /* Check the plan with the estimator itself: with every step done, where is the estate? */
    _cleanup_free_ enum zt_outcome *done = zt_plan_apply(&plan, cat, outcomes);
    struct zt_estimate after;
    zt_estimate(cat, done, attest, n_attest, &after);
    plan.verified = after.overall.observed.stage;
    zt_estimate_done(&after);
    *ret = plan;
}

void zt_plan_done(struct zt_plan *plan)
{
    for (size_t f = 0; plan->functions && f < plan->n_functions; f++) {
        free(plan->functions[f].fix);
        free(plan->functions[f].collect);
        free(plan->functions[f].deploy);
    }
    for (size_t s = 0; s < plan->n_steps; s++) {
        free(plan->steps[s].rules);
        free(plan->steps[s].functions);
    }
    free(plan->functions);
    free(plan->raise);
    free(plan->steps);
    zt_estimate_done(&plan->est);
    memset(plan, 0, sizeof(*plan));
}
