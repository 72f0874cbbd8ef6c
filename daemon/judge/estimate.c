/* estimate.c - from rule outcomes to a ZTMM stage per function, pillar and overall.
 *
 * Stages are cumulative: a function reaches S when every rule of every stage up to S passes or
 * does not apply, and each of those stages has at least one passing rule (a stage the catalog
 * gives nothing to judge by cannot be claimed). Unknown never counts as pass. */
#include "estimate.h"

#include <string.h>

#include "util.h"

/* Rules that judged something: passed or failed. */
static size_t known_of(const struct zt_tally *t)
{
    return t->n[ZT_OUTCOME_PASS] + t->n[ZT_OUTCOME_FAIL];
}

static bool stage_met(const struct zt_tally *t)
{
    return t->n[ZT_OUTCOME_FAIL] == 0 && t->n[ZT_OUTCOME_UNKNOWN] == 0 && t->n[ZT_OUTCOME_PASS] > 0;
}

/* Stages after reached that are met with the [attest] claim filling what no machine observed:
 * an attestation-only stage up to the claim, or any stage up to it when nothing of the function
 * was observed. A stage a rule failed in, or that rules judged only partly, is never filled. */
static enum zt_stage walk_attested(const struct zt_function_estimate *fe, bool *at_least)
{
    enum zt_stage reached = ZT_STAGE_TRADITIONAL;
    for (enum zt_stage s = ZT_STAGE_INITIAL; s <= ZT_STAGE_OPTIMAL; s++) {
        bool filled = fe->attested && s <= fe->attested_stage &&
                      fe->attested_stage <= ZT_STAGE_OPTIMAL &&
                      (fe->attest_only[s] || fe->known == 0);
        if (!filled && (fe->attest_only[s] || !stage_met(&fe->by_stage[s]))) {
            break;
        }
        reached = s;
    }
    /* Exact when the next stage is known to fail, or it is one the claim answers for
     * (attestation-only, or nothing observed) and the claim stops below it. */
    *at_least = reached != ZT_STAGE_OPTIMAL && fe->by_stage[reached + 1].n[ZT_OUTCOME_FAIL] == 0 &&
                !(fe->attested && fe->attested_stage <= reached &&
                  (fe->attest_only[reached + 1] || fe->known == 0));
    return reached;
}

void zt_estimate_function(struct zt_function_estimate *fe)
{
    /* Coverage is over the rules that apply: a rule for a source this deployment does not use,
     * or for something absent (no sshd), is not part of the assessment. */
    size_t applicable = fe->rules - fe->total.n[ZT_OUTCOME_NOT_APPLICABLE];
    fe->known = known_of(&fe->total);
    fe->coverage = applicable ? (double)fe->known / (double)applicable : 0.0;
    fe->attest_used = false;
    /* Only rules that passed or failed say anything about posture; not_applicable alone is as
     * good as nothing (a host without sshd says nothing about authentication). An observed stage
     * never claims an attestation-only stage, and a function whose Initial stage is
     * attestation-only has no observed stage at all (nobody observed whether it is reached). */
    if (fe->known == 0 || fe->attest_only[ZT_STAGE_INITIAL]) {
        fe->stage = ZT_STAGE_UNKNOWN;
        fe->at_least = true;
    } else {
        enum zt_stage reached = ZT_STAGE_TRADITIONAL;
        for (enum zt_stage s = ZT_STAGE_INITIAL; s <= ZT_STAGE_OPTIMAL; s++) {
            if (fe->attest_only[s] || !stage_met(&fe->by_stage[s])) {
                break;
            }
            reached = s;
        }
        fe->stage = reached;
        /* Exact only when the next stage is known to fail (or there is none). */
        fe->at_least =
            reached != ZT_STAGE_OPTIMAL && fe->by_stage[reached + 1].n[ZT_OUTCOME_FAIL] == 0;
    }
    fe->with_attested = fe->stage;
    fe->with_attested_at_least = fe->at_least;
    if (fe->attested) {
        bool at_least;
        enum zt_stage s = walk_attested(fe, &at_least);
        if (fe->stage == ZT_STAGE_UNKNOWN || s != fe->stage || at_least != fe->at_least) {
            fe->with_attested = s;
            fe->with_attested_at_least = at_least;
            fe->attest_used = true;
        }
    }
}

static void rollup_add(struct zt_rollup *r, enum zt_stage s)
{
    r->total++;
    if (s == ZT_STAGE_UNKNOWN) {
        return;
    }
    r->assessed++;
    if (r->stage == ZT_STAGE_UNKNOWN || s < r->stage) {
        r->stage = s;
    }
}

static void rollup_finish(struct zt_rollup *r)
{
    r->coverage = r->total ? (double)r->assessed / (double)r->total : 0.0;
}

static void tally_rules(const struct zt_catalog *cat, const enum zt_outcome *outcomes,
                        struct zt_estimate *est)
{
    for (size_t i = 0; i < cat->n_rules; i++) {
        const struct zt_rule *r = &cat->rules[i];
        struct zt_function_estimate *fe = &est->functions[r->function];
        enum zt_outcome o = outcomes[i] < _ZT_OUTCOME_MAX ? outcomes[i] : ZT_OUTCOME_UNKNOWN;
        fe->rules++;
        fe->by_stage[r->stage].n[o]++;
        fe->total.n[o]++;
    }
}

void zt_estimate(const struct zt_catalog *cat, const enum zt_outcome *outcomes,
                 const struct zt_attestation *attest, size_t n_attest, struct zt_estimate *ret)
{
    struct zt_estimate est = {
        .functions = zt_xcalloc(cat->n_functions, sizeof(*est.functions)),
        .pillars = zt_xcalloc(cat->n_pillars, sizeof(*est.pillars)),
    };
    struct zt_rollup fn_obs = {.stage = ZT_STAGE_UNKNOWN}, fn_att = {.stage = ZT_STAGE_UNKNOWN};

    tally_rules(cat, outcomes, &est);
    for (size_t i = 0; i < n_attest; i++) {
        int f = zt_catalog_function_index(cat, attest[i].function);
        if (f >= 0) {
            est.functions[f].attested = true;
            est.functions[f].attested_stage = attest[i].stage;
        }
    }
    for (size_t p = 0; p < cat->n_pillars; p++) {
        est.pillars[p].observed.stage = est.pillars[p].with_attested.stage = ZT_STAGE_UNKNOWN;
    }
    for (size_t i = 0; i < cat->n_functions; i++) {
        struct zt_function_estimate *fe = &est.functions[i];
        struct zt_pillar_estimate *pe = &est.pillars[cat->functions[i].pillar];
        for (enum zt_stage s = ZT_STAGE_INITIAL; s <= ZT_STAGE_OPTIMAL; s++) {
            fe->attest_only[s] = zt_catalog_attest_only(cat, i, s) != NULL;
        }
        zt_estimate_function(fe);
        enum zt_stage eff = fe->with_attested;
        if (fe->attest_used) {
            pe->attested_functions++;
            est.overall.attested_functions++;
        }
        rollup_add(&pe->observed, fe->stage);
        rollup_add(&pe->with_attested, eff);
        rollup_add(&fn_obs, fe->stage);
        rollup_add(&fn_att, eff);
    }
    /* Overall: the weakest assessed pillar; coverage over all functions. */
    est.overall.observed = (struct zt_rollup){.stage = ZT_STAGE_UNKNOWN};
    est.overall.with_attested = (struct zt_rollup){.stage = ZT_STAGE_UNKNOWN};
    for (size_t p = 0; p < cat->n_pillars; p++) {
        rollup_finish(&est.pillars[p].observed);
        rollup_finish(&est.pillars[p].with_attested);
        rollup_add(&est.overall.observed, est.pillars[p].observed.stage);
        rollup_add(&est.overall.with_attested, est.pillars[p].with_attested.stage);
    }
    rollup_finish(&fn_obs);
    rollup_finish(&fn_att);
    est.overall.observed.coverage = fn_obs.coverage;
    est.overall.observed.assessed = fn_obs.assessed;
    est.overall.observed.total = fn_obs.total;
    est.overall.with_attested.coverage = fn_att.coverage;
    est.overall.with_attested.assessed = fn_att.assessed;
    est.overall.with_attested.total = fn_att.total;
    *ret = est;
}

void zt_estimate_done(struct zt_estimate *est)
{
    free(est->functions);
    free(est->pillars);
    memset(est, 0, sizeof(*est));
}
