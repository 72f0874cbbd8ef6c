/* plan.h - the way up: the rules between each function, pillar and the estate and their next
 * ZTMM stage, and the smallest set of them that raises the overall stage (docs/result-schema.md,
 * "next"). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "catalog.h"
#include "estimate.h"

struct json_object;

enum zt_plan_action {
    ZT_PLAN_FIX,     /* a failing rule: change the posture */
    ZT_PLAN_COLLECT, /* an unknown rule: collect its evidence */
    ZT_PLAN_DEPLOY,  /* the target stage has no rule that could pass: any one of these rules,
                      * whose sources the deployment does not use yet */
    _ZT_PLAN_ACTION_MAX,
};

const char *zt_plan_action_to_string(enum zt_plan_action a);

/* One function's next stage and what stands in its way (rule indexes into the catalog, in
 * catalog order). */
struct zt_plan_function {
    enum zt_stage target; /* next stage; ZT_STAGE_UNKNOWN: none (already optimal) */
    bool reachable;       /* the catalog has a rule at target (a stage without one is never met) */
    size_t *fix, n_fix;   /* failing rules at target: all must pass */
    size_t *collect, n_collect; /* unknown rules at target: all must pass */
    size_t *deploy, n_deploy;   /* only when target would still have no passing rule after the
                                 * above: its not_applicable rules, any one of which must pass */
};

/* One step of the estate's plan. */
struct zt_plan_step {
    enum zt_plan_action action;
    size_t *rules, n_rules;         /* fix, collect: rules of one check, all pass together;
                                     * deploy: alternatives, one is enough */
    size_t *functions, n_functions; /* the functions to raise it helps (function indexes) */
    size_t fewest_left; /* the fewest steps any of those functions needs in all (tie-break) */
};

struct zt_plan {
    struct zt_estimate est;             /* of the outcomes given: zt_estimate() itself */
    struct zt_plan_function *functions; /* n_functions = catalog->n_functions */
    size_t n_functions;
    enum zt_stage overall, target; /* target ZT_STAGE_UNKNOWN: none (optimal or nothing
                                    * assessed) */
    bool reachable;                /* every function to raise can reach target */
    size_t *raise, n_raise;        /* the assessed functions at the overall's stage */
    struct zt_plan_step *steps;    /* ordered: most functions helped first */
    size_t n_steps;
    enum zt_stage verified; /* overall stage re-estimated with every step done */
};

/* Compute the plan from outcomes (one per catalog rule, catalog order) with the stage rules of
 * zt_estimate(). Fills *ret; release with zt_plan_done(). */
void zt_plan_compute(const struct zt_catalog *cat, const enum zt_outcome *outcomes,
                     const struct zt_attestation *attest, size_t n_attest, struct zt_plan *ret);
void zt_plan_done(struct zt_plan *plan);
/* A copy of outcomes (n_rules entries, caller frees) with every step of plan assumed done: the
 * rules of fix and collect steps pass, and the first alternative of each deploy step. */
enum zt_outcome *zt_plan_apply(const struct zt_plan *plan, const struct zt_catalog *cat,
                               const enum zt_outcome *outcomes);

/* The permission a collector type needs, as its example drop-in (conf/conf.d) or
 * docs/evidence.md words it, or NULL where neither names one. *where (may be NULL) gets the
 * file that says so, relative to the source tree. */
const char *zt_plan_permission(const char *type, const char **where);

/* The "next" section of a result document (new reference). ev: the scan's evidence (keys an
 * unknown rule still needs are those it lacks); collectors: the document's "collectors" array
 * (borrowed, may be NULL), for the instances of each source and their errors. */
struct json_object *zt_plan_to_json(const struct zt_plan *plan, const struct zt_catalog *cat,
                                    struct zt_evidence_set *ev, struct json_object *collectors);

/* The "next" section of a result document that has none (made by an older ztmmd, or edited):
 * computed from its findings, functions, pillars and evidence alone. Rules are not grouped by
 * check (a document holds no checks). Returns 0 and a new reference, or -EBADMSG (err says
 * why) when doc is not a result document. */
int zt_plan_from_result(struct json_object *doc, struct json_object **ret, char *err,
                        size_t errlen);
/* The "next" section of doc (a new reference), or when it has none, zt_plan_from_result(). */
int zt_plan_of_result(struct json_object *doc, struct json_object **ret, char *err, size_t errlen);
