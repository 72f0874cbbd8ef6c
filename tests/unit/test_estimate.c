/* test_estimate.c - stage estimation: cumulative stages, unknowns, bounds, roll-ups, attestation.
 */
#include <string.h>

#include "estimate.h"
#include "zt_test.h"

/* Two pillars: p1 with functions a, b, c; p2 with d. Rules per function and stage below. */
static const char *catalog_json =
    "{\"schema\":\"ztmmd.rules/1\",\"model\":{\"name\":\"T\",\"version\":\"1\"},"
    "\"pillars\":[{\"id\":\"p1\",\"name\":\"P1\"},{\"id\":\"p2\",\"name\":\"P2\"}],"
    "\"functions\":[{\"id\":\"p1.a\",\"pillar\":\"p1\",\"name\":\"A\"},"
    "{\"id\":\"p1.b\",\"pillar\":\"p1\",\"name\":\"B\"},"
    "{\"id\":\"p1.c\",\"pillar\":\"p1\",\"name\":\"C\"},"
    "{\"id\":\"p2.d\",\"pillar\":\"p2\",\"name\":\"D\"}],"
    "\"rules\":["
    "{\"id\":\"r.a1\",\"function\":\"p1.a\",\"stage\":\"initial\",\"title\":\"t\",\"remediation\":"
    "\"r\",\"check\":{\"key\":\"k.a1\",\"eq\":true}},"
    "{\"id\":\"r.a2\",\"function\":\"p1.a\",\"stage\":\"initial\",\"title\":\"t\",\"remediation\":"
    "\"r\",\"check\":{\"key\":\"k.a2\",\"eq\":true}},"
    "{\"id\":\"r.a3\",\"function\":\"p1.a\",\"stage\":\"advanced\",\"title\":\"t\",\"remediation\":"
    "\"r\",\"check\":{\"key\":\"k.a3\",\"eq\":true}},"
    "{\"id\":\"r.a4\",\"function\":\"p1.a\",\"stage\":\"optimal\",\"title\":\"t\",\"remediation\":"
    "\"r\",\"check\":{\"key\":\"k.a4\",\"eq\":true}},"
    "{\"id\":\"r.b1\",\"function\":\"p1.b\",\"stage\":\"initial\",\"title\":\"t\",\"remediation\":"
    "\"r\",\"check\":{\"key\":\"k.b1\",\"eq\":true}},"
    "{\"id\":\"r.b2\",\"function\":\"p1.b\",\"stage\":\"advanced\",\"title\":\"t\",\"remediation\":"
    "\"r\",\"check\":{\"key\":\"k.b2\",\"eq\":true}},"
    "{\"id\":\"r.d1\",\"function\":\"p2.d\",\"stage\":\"initial\",\"title\":\"t\",\"remediation\":"
    "\"r\",\"check\":{\"key\":\"k.d1\",\"eq\":true}}"
    "]}";

enum { A1, A2, A3, A4, B1, B2, D1, N_RULES };
#define P  ZT_OUTCOME_PASS
#define F  ZT_OUTCOME_FAIL
#define U  ZT_OUTCOME_UNKNOWN
#define NA ZT_OUTCOME_NOT_APPLICABLE

static struct zt_catalog *load_catalog(void)
{
    struct zt_catalog *cat = NULL;
    char err[256] = "";
    if (zt_catalog_from_json(json_tokener_parse(catalog_json), "test", &cat, err, sizeof(err)) <
        0) {
        fail_msg("catalog: %s", err);
    }
    assert_int_equal(cat->n_rules, N_RULES);
    return cat;
}

/* Estimate function a from its four outcomes. */
static struct zt_function_estimate estimate_a(enum zt_outcome a1, enum zt_outcome a2,
                                              enum zt_outcome a3, enum zt_outcome a4)
{
    struct zt_catalog *cat = load_catalog();
    enum zt_outcome o[N_RULES] = {a1, a2, a3, a4, U, U, U};
    struct zt_estimate est;
    zt_estimate(cat, o, NULL, 0, &est);
    struct zt_function_estimate fe = est.functions[0];
    zt_estimate_done(&est);
    zt_catalog_free(cat);
    return fe;
}

static void test_estimate_function_stages(void **state)
{
    struct zt_function_estimate fe;

    fe = estimate_a(U, U, U, U); /* nothing known */
    assert_int_equal(fe.stage, ZT_STAGE_UNKNOWN);
    assert_true(fe.coverage == 0.0);

    fe = estimate_a(P, P, P, P);
    assert_int_equal(fe.stage, ZT_STAGE_OPTIMAL);
    assert_false(fe.at_least);
    assert_true(fe.coverage == 1.0);

    fe = estimate_a(P, P, F, P); /* cumulative: optimal's pass cannot lift a failed advanced */
    assert_int_equal(fe.stage, ZT_STAGE_INITIAL);
    assert_false(fe.at_least);

    fe = estimate_a(P, P, U, F); /* next stage unknown: a lower bound only */
    assert_int_equal(fe.stage, ZT_STAGE_INITIAL);
    assert_true(fe.at_least);
    assert_true(fe.coverage == 0.75);

    fe = estimate_a(P, F, P, P); /* one initial rule fails: traditional, and that is exact */
    assert_int_equal(fe.stage, ZT_STAGE_TRADITIONAL);
    assert_false(fe.at_least);

    fe = estimate_a(P, U, P, P); /* unknown in a lower stage blocks everything above it */
    assert_int_equal(fe.stage, ZT_STAGE_TRADITIONAL);
    assert_true(fe.at_least);

    fe = estimate_a(NA, NA, NA, NA); /* nothing applies: nothing said about posture */
    assert_int_equal(fe.stage, ZT_STAGE_UNKNOWN);
    assert_true(fe.coverage == 0.0);

    fe = estimate_a(P, NA, U, NA); /* coverage counts applicable rules only: 1 of 2 */
    assert_true(fe.coverage == 0.5);

    fe = estimate_a(P, NA, P,
                    NA); /* not_applicable counts as met; an all-n/a stage cannot be claimed */
    assert_int_equal(fe.stage, ZT_STAGE_ADVANCED);
    assert_true(fe.at_least);
}

static void test_estimate_stage_without_rules_is_not_claimed(void **state)
{
    struct zt_catalog *cat = load_catalog();
    enum zt_outcome o[N_RULES] = {U, U, U, U, P, P, U};
    struct zt_estimate est;

    zt_estimate(cat, o, NULL, 0, &est);
    /* b has initial and advanced rules only: advanced is the most it can reach, and optimal
     * (no rules) keeps the bound open. */
    assert_int_equal(est.functions[1].stage, ZT_STAGE_ADVANCED);
    assert_true(est.functions[1].at_least);
    zt_estimate_done(&est);
    zt_catalog_free(cat);
}

static void test_estimate_rollups_weakest_assessed(void **state)
{
    struct zt_catalog *cat = load_catalog();
    enum zt_outcome o[N_RULES] = {P, P, P, P, P, F, F};
    struct zt_estimate est;

    zt_estimate(cat, o, NULL, 0, &est);
    assert_int_equal(est.functions[0].stage, ZT_STAGE_OPTIMAL);
    assert_int_equal(est.functions[1].stage, ZT_STAGE_INITIAL);
    assert_int_equal(est.functions[2].stage, ZT_STAGE_UNKNOWN); /* c has no rules */
    assert_int_equal(est.functions[3].stage, ZT_STAGE_TRADITIONAL);
    /* p1: the weakest assessed function (b: initial); c does not count, but lowers coverage. */
    assert_int_equal(est.pillars[0].observed.stage, ZT_STAGE_INITIAL);
    assert_int_equal(est.pillars[0].observed.assessed, 2);
    assert_true(est.pillars[0].observed.coverage > 0.66 && est.pillars[0].observed.coverage < 0.67);
    assert_int_equal(est.pillars[1].observed.stage, ZT_STAGE_TRADITIONAL);
    /* overall: the weakest pillar; coverage over functions (3 of 4). */
    assert_int_equal(est.overall.observed.stage, ZT_STAGE_TRADITIONAL);
    assert_true(est.overall.observed.coverage == 0.75);
    zt_estimate_done(&est);
    zt_catalog_free(cat);
}

static void test_estimate_unassessed_pillar_ignored(void **state)
{
    struct zt_catalog *cat = load_catalog();
    enum zt_outcome o[N_RULES] = {P, P, P, U, U, U, U};
    struct zt_estimate est;

    zt_estimate(cat, o, NULL, 0, &est);
    assert_int_equal(est.pillars[1].observed.stage, ZT_STAGE_UNKNOWN);
    assert_int_equal(est.overall.observed.stage, ZT_STAGE_ADVANCED);
    assert_true(est.overall.observed.coverage == 0.25);
    zt_estimate_done(&est);
    zt_catalog_free(cat);
}

static void test_estimate_attested_kept_apart(void **state)
{
    struct zt_catalog *cat = load_catalog();
    enum zt_outcome o[N_RULES] = {P, P, U, U, F, U, U};
    const struct zt_attestation att[] = {
        {"p1.c", ZT_STAGE_OPTIMAL},  /* fills a function nothing observed */
        {"p1.a", ZT_STAGE_OPTIMAL},  /* never overrides an observation */
        {"p2.d", ZT_STAGE_ADVANCED}, /* the only thing known about p2 */
        {"p9.z", ZT_STAGE_OPTIMAL},  /* unknown ids are ignored here (config checks them) */
    };
    struct zt_estimate est;

    zt_estimate(cat, o, att, ZT_ELEMENTSOF(att), &est);
    assert_int_equal(est.functions[0].stage, ZT_STAGE_INITIAL);
    assert_true(est.functions[0].attested);
    assert_int_equal(est.functions[0].attested_stage, ZT_STAGE_OPTIMAL);
    assert_int_equal(est.functions[2].stage, ZT_STAGE_UNKNOWN);
    assert_true(est.functions[2].attested);
    /* Observed figures ignore attestations... */
    assert_int_equal(est.pillars[0].observed.assessed, 2);
    assert_int_equal(est.pillars[1].observed.stage, ZT_STAGE_UNKNOWN);
    assert_int_equal(est.overall.observed.stage, ZT_STAGE_TRADITIONAL);
    /* ...and the attested view counts them apart. */
    assert_int_equal(est.pillars[0].with_attested.assessed, 3);
    assert_int_equal(est.pillars[0].attested_functions, 1);
    assert_int_equal(est.pillars[1].with_attested.stage, ZT_STAGE_ADVANCED);
    assert_int_equal(est.overall.attested_functions, 2);
    assert_true(est.overall.with_attested.coverage == 1.0);
    zt_estimate_done(&est);
    zt_catalog_free(cat);
}

/* Attestation-only stages: x has Initial attestation-only, y Optimal; z and w are plain. */
static const char *attest_json =
    "{\"schema\":\"ztmmd.rules/1\",\"model\":{\"name\":\"T\",\"version\":\"1\"},"
    "\"pillars\":[{\"id\":\"p1\",\"name\":\"P1\"}],"
    "\"functions\":[{\"id\":\"p1.x\",\"pillar\":\"p1\",\"name\":\"X\"},"
    "{\"id\":\"p1.y\",\"pillar\":\"p1\",\"name\":\"Y\"}],"
    "\"attestation_only\":[{\"function\":\"p1.x\",\"stage\":\"initial\",\"statement\":\"s\"},"
    "{\"function\":\"p1.y\",\"stage\":\"optimal\",\"statement\":\"s\"}],"
    "\"rules\":["
    "{\"id\":\"r.x2\",\"function\":\"p1.x\",\"stage\":\"advanced\",\"title\":\"t\",\"remediation\":"
    "\"r\",\"check\":{\"key\":\"k.x2\",\"eq\":true}},"
    "{\"id\":\"r.x3\",\"function\":\"p1.x\",\"stage\":\"optimal\",\"title\":\"t\",\"remediation\":"
    "\"r\",\"check\":{\"key\":\"k.x3\",\"eq\":true}},"
    "{\"id\":\"r.y1\",\"function\":\"p1.y\",\"stage\":\"initial\",\"title\":\"t\",\"remediation\":"
    "\"r\",\"check\":{\"key\":\"k.y1\",\"eq\":true}},"
    "{\"id\":\"r.y2\",\"function\":\"p1.y\",\"stage\":\"advanced\",\"title\":\"t\",\"remediation\":"
    "\"r\",\"check\":{\"key\":\"k.y2\",\"eq\":true}}"
    "]}";

/* Estimate x and y from outcomes {x2, x3, y1, y2} and at most one claim per function. */
static void estimate_attest(const enum zt_outcome o[4], const struct zt_attestation *att, size_t n,
                            struct zt_estimate *est, struct zt_catalog **cat)
{
    char err[256] = "";
    if (zt_catalog_from_json(json_tokener_parse(attest_json), "test", cat, err, sizeof(err)) < 0) {
        fail_msg("catalog: %s", err);
    }
    assert_int_equal((*cat)->n_attest_only, 2);
    zt_estimate(*cat, o, att, n, est);
}

static void test_estimate_attestation_only_never_observed(void **state)
{
    struct zt_catalog *cat = NULL;
    struct zt_estimate est;
    const enum zt_outcome o[4] = {P, F, P, P};

    estimate_attest(o, NULL, 0, &est, &cat);
    /* x's Advanced rule passes, but nobody observed its Initial stage: no observed stage, so it
     * neither passes nor pulls its pillar to traditional. */
    assert_int_equal(est.functions[0].stage, ZT_STAGE_UNKNOWN);
    assert_true(est.functions[0].coverage == 1.0);
    /* y meets Initial and Advanced; Optimal is attestation-only, so advanced is a lower bound. */
    assert_int_equal(est.functions[1].stage, ZT_STAGE_ADVANCED);
    assert_true(est.functions[1].at_least);
    assert_int_equal(est.pillars[0].observed.stage, ZT_STAGE_ADVANCED);
    assert_int_equal(est.pillars[0].with_attested.stage, ZT_STAGE_ADVANCED);
    assert_int_equal(est.overall.attested_functions, 0);
    zt_estimate_done(&est);
    zt_catalog_free(cat);
}

static void test_estimate_attestation_only_filled_by_claim(void **state)
{
    struct zt_catalog *cat = NULL;
    struct zt_estimate est;
    const enum zt_outcome pass_fail[4] = {P, F, P, P};
    const struct zt_attestation initial[] = {{"p1.x", ZT_STAGE_INITIAL},
                                             {"p1.y", ZT_STAGE_OPTIMAL}};

    estimate_attest(pass_fail, initial, 2, &est, &cat);
    /* The claim fills x's Initial; its Advanced is observed, its Optimal observed failing. */
    assert_int_equal(est.functions[0].stage, ZT_STAGE_UNKNOWN);
    assert_int_equal(est.functions[0].with_attested, ZT_STAGE_ADVANCED);
    assert_false(est.functions[0].with_attested_at_least);
    assert_true(est.functions[0].attest_used);
    /* y's claim fills Optimal; the observed stage stays advanced. */
    assert_int_equal(est.functions[1].stage, ZT_STAGE_ADVANCED);
    assert_int_equal(est.functions[1].with_attested, ZT_STAGE_OPTIMAL);
    assert_int_equal(est.pillars[0].observed.stage, ZT_STAGE_ADVANCED);
    assert_int_equal(est.pillars[0].with_attested.stage, ZT_STAGE_ADVANCED);
    assert_int_equal(est.overall.attested_functions, 2);
    zt_estimate_done(&est);
    zt_catalog_free(cat);

    /* A claim never overrides a machine failure: x's Advanced fails, so x is initial whatever is
     * claimed, and a claim of traditional leaves its Initial unmet, exactly. */
    const enum zt_outcome fail_adv[4] = {F, F, P, F};
    const struct zt_attestation high[] = {{"p1.x", ZT_STAGE_OPTIMAL}, {"p1.y", ZT_STAGE_OPTIMAL}};
    estimate_attest(fail_adv, high, 2, &est, &cat);
    assert_int_equal(est.functions[0].with_attested, ZT_STAGE_INITIAL);
    assert_false(est.functions[0].with_attested_at_least);
    assert_int_equal(est.functions[1].with_attested, ZT_STAGE_INITIAL);
    assert_false(est.functions[1].attest_used);
    zt_estimate_done(&est);
    zt_catalog_free(cat);

    /* A claim of advanced for y answers for its attestation-only Optimal: advanced, exact. */
    const struct zt_attestation adv[] = {{"p1.y", ZT_STAGE_ADVANCED}};
    estimate_attest(pass_fail, adv, 1, &est, &cat);
    assert_int_equal(est.functions[1].stage, ZT_STAGE_ADVANCED);
    assert_true(est.functions[1].at_least);
    assert_int_equal(est.functions[1].with_attested, ZT_STAGE_ADVANCED);
    assert_false(est.functions[1].with_attested_at_least);
    zt_estimate_done(&est);
    zt_catalog_free(cat);

    const struct zt_attestation none[] = {{"p1.x", ZT_STAGE_TRADITIONAL}};
    estimate_attest(pass_fail, none, 1, &est, &cat);
    assert_int_equal(est.functions[0].with_attested, ZT_STAGE_TRADITIONAL);
    assert_false(est.functions[0].with_attested_at_least);
    assert_int_equal(est.pillars[0].with_attested.stage, ZT_STAGE_TRADITIONAL);
    assert_int_equal(est.pillars[0].observed.stage, ZT_STAGE_ADVANCED);
    zt_estimate_done(&est);
    zt_catalog_free(cat);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_estimate_function_stages),
        cmocka_unit_test(test_estimate_stage_without_rules_is_not_claimed),
        cmocka_unit_test(test_estimate_rollups_weakest_assessed),
        cmocka_unit_test(test_estimate_unassessed_pillar_ignored),
        cmocka_unit_test(test_estimate_attested_kept_apart),
        cmocka_unit_test(test_estimate_attestation_only_never_observed),
        cmocka_unit_test(test_estimate_attestation_only_filled_by_claim),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
