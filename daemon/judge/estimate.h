/* estimate.h - from rule outcomes to a ZTMM stage per function, pillar and overall
 * (docs/rules.md). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "catalog.h"

/* Per-stage tallies of one function's rule outcomes. */
struct zt_tally {
    size_t n[_ZT_OUTCOME_MAX];
};

struct zt_function_estimate {
    enum zt_stage stage; /* observed; ZT_STAGE_UNKNOWN when nothing is known */
    bool at_least;       /* the next stage could not be judged */
    double coverage;     /* rules with a known outcome / rules */
    size_t rules, known;
    struct zt_tally by_stage[_ZT_STAGE_MAX]; /* indexed by the rules' stage */
    struct zt_tally total;
    bool attested;                   /* an [attest] claim exists ... */
    enum zt_stage attested_stage;    /* ... saying this (never mixed into stage) */
    bool attest_only[_ZT_STAGE_MAX]; /* stages the catalog declares attestation-only */
    /* The stage when the [attest] claim fills the cells no machine observed: the attestation-only
     * stages up to the claim, or the whole function when nothing of it was observed. */
    enum zt_stage with_attested;
    bool with_attested_at_least;
    bool attest_used; /* with_attested (its stage or bound) rests on the claim */
};

/* A roll-up: the weakest assessed member decides; coverage = assessed / members. */
struct zt_rollup {
    enum zt_stage stage;
    double coverage;
    size_t assessed, total;
};

struct zt_pillar_estimate {
    struct zt_rollup observed;
    struct zt_rollup with_attested; /* attested stages fill functions nothing observed */
    size_t attested_functions;      /* how many functions of the pillar that filled */
};

struct zt_estimate {
    struct zt_function_estimate *functions; /* catalog->n_functions */
    struct zt_pillar_estimate *pillars;     /* catalog->n_pillars */
    struct zt_pillar_estimate overall;      /* over pillars' stages, coverage over functions */
};

/* One attested claim as the estimator needs it. */
struct zt_attestation {
    const char *function;
    enum zt_stage stage;
};

/* Estimate from outcomes (one per catalog rule, in catalog order) and attestations (function ids
 * must exist in the catalog; unknown ones are ignored). Fills *ret, which the caller releases with
 * zt_estimate_done(). */
void zt_estimate(const struct zt_catalog *cat, const enum zt_outcome *outcomes,
                 const struct zt_attestation *attest, size_t n_attest, struct zt_estimate *ret);
void zt_estimate_done(struct zt_estimate *est);

/* The stage and bound of one function from its tallies, observed and with its attestation
 * (exposed for unit tests). */
void zt_estimate_function(struct zt_function_estimate *fe);
