/* test_plan.c - the way up on hand-made outcomes: a single failing rule at the bottom, ties and a
 * check shared by two functions, unknowns, not-applicable rules, a catalog gap, optimal
 * functions, attestations; every plan re-estimated with zt_estimate(), and the documented
 * permissions held to the files that state them. */
#include <stdio.h>
#include <string.h>

#include "estimate.h"
#include "evidence.h"
#include "plan.h"
#include "util.h"
#include "zt_test.h"

#define RULE(id, fn, stage, key)                                                                   \
    "{\"id\":\"" id "\",\"function\":\"" fn "\",\"stage\":\"" stage "\",\"title\":\"t " id         \
    "\",\"remediation\":\"r\",\"check\":{\"key\":\"" key "\",\"eq\":true}},"

/* Pillars p1 (a, b), p2 (c, d), p3 (e, f). b2 and d2 decide the same check; e has no advanced
 * rule (a catalog gap); f has one rule at each stage. */
static const char *catalog_json =
    "{\"schema\":\"ztmmd.rules/1\",\"model\":{\"name\":\"T\",\"version\":\"1\"},"
    "\"pillars\":[{\"id\":\"p1\",\"name\":\"P1\"},{\"id\":\"p2\",\"name\":\"P2\"},"
    "{\"id\":\"p3\",\"name\":\"P3\"}],"
    "\"functions\":[{\"id\":\"p1.a\",\"pillar\":\"p1\",\"name\":\"A\"},"
    "{\"id\":\"p1.b\",\"pillar\":\"p1\",\"name\":\"B\"},"
    "{\"id\":\"p2.c\",\"pillar\":\"p2\",\"name\":\"C\"},"
    "{\"id\":\"p2.d\",\"pillar\":\"p2\",\"name\":\"D\"},"
    "{\"id\":\"p3.e\",\"pillar\":\"p3\",\"name\":\"E\"},"
    "{\"id\":\"p3.f\",\"pillar\":\"p3\",\"name\":\"F\"}],"
    "\"rules\":[" RULE("r.a1", "p1.a", "initial", "t.a.one") RULE("r.a2", "p1.a", "advanced",
                                                                  "okta.policy.a2")
        RULE("r.b1", "p1.b", "initial", "t.b.one") RULE("r.b2", "p1.b", "advanced", "t.shared.x")
            RULE("r.c1", "p2.c", "initial", "t.c.one") RULE("r.c2", "p2.c", "advanced", "t.c.two")
                RULE("r.c3", "p2.c", "advanced", "t.c.three")
                    RULE("r.d1", "p2.d", "initial", "t.d.one")
                        RULE("r.d2", "p2.d", "advanced", "t.shared.x")
                            RULE("r.e1", "p3.e", "initial", "t.e.one") RULE("r.e2", "p3.e",
                                                                            "optimal", "t.e.two")
                                RULE("r.f1", "p3.f", "initial", "t.f.one")
                                    RULE("r.f2", "p3.f", "advanced",
                                         "t.f.two") "{\"id\":\"r.f3\",\"function\":\"p3.f\","
                                                    "\"stage\":\"optimal\",\"title\":\"t r.f3\","
                                                    "\"remediation\":\"r\",\"check\":{\"key\":\"t."
                                                    "f.three\",\"eq\":true}}]}";

enum { A1, A2, B1, B2, C1, C2, C3, D1, D2, E1, E2, F1, F2, F3, N_RULES };
enum { FA, FB, FC, FD, FE, FF };
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

static enum zt_stage overall_of(const struct zt_catalog *cat, const enum zt_outcome *o)
{
    struct zt_estimate est;
    zt_estimate(cat, o, NULL, 0, &est);
    enum zt_stage s = est.overall.observed.stage;
    zt_estimate_done(&est);
    return s;
}

static void assert_step(const struct zt_plan *plan, size_t s, enum zt_plan_action action,
                        size_t n_rules, size_t rule0, size_t n_functions)
{
    assert_true(s < plan->n_steps);
    assert_int_equal(plan->steps[s].action, action);
    assert_int_equal(plan->steps[s].n_rules, n_rules);
    assert_int_equal(plan->steps[s].rules[0], rule0);
    assert_int_equal(plan->steps[s].n_functions, n_functions);
}

static void test_plan_single_failing_rule_at_the_bottom(void **state)
{
    (void)state;
    _cleanup_(zt_catalog_freep) struct zt_catalog *cat = load_catalog();
    enum zt_outcome o[N_RULES] = {F, P, P, P, P, P, P, P, P, P, NA, P, P, P};
    struct zt_plan plan;

    zt_plan_compute(cat, o, NULL, 0, &plan);
    assert_int_equal(plan.overall, ZT_STAGE_TRADITIONAL);
    assert_int_equal(plan.target, ZT_STAGE_INITIAL);
    assert_true(plan.reachable);
    assert_int_equal(plan.n_raise, 1);
    assert_int_equal(plan.raise[0], FA);
    assert_int_equal(plan.n_steps, 1);
    assert_step(&plan, 0, ZT_PLAN_FIX, 1, A1, 1);
    /* Raised: a reaches advanced, and the weakest is now e at initial. */
    assert_int_equal(plan.verified, ZT_STAGE_INITIAL);
    /* Function plans: f is optimal, e's next stage has no rule. */
    assert_int_equal(plan.functions[FF].target, ZT_STAGE_UNKNOWN);
    assert_int_equal(plan.functions[FF].n_fix + plan.functions[FF].n_collect, 0);
    assert_int_equal(plan.functions[FE].target, ZT_STAGE_ADVANCED);
    assert_false(plan.functions[FE].reachable);
    assert_int_equal(plan.functions[FA].n_fix, 1);
    zt_plan_done(&plan);
}

/* b2 and d2 are one check: one step that unblocks two functions comes first. Then d's and c's
 * single-function steps, the function that needs fewest steps first (c needs two). */
static void test_plan_ties_and_shared_checks(void **state)
{
    (void)state;
    _cleanup_(zt_catalog_freep) struct zt_catalog *cat = load_catalog();
    enum zt_outcome shared[N_RULES] = {P, P, P, F, P, F, F, P, F, NA, NA, P, P, P};
    enum zt_outcome fewest[N_RULES] = {P, P, P, P, P, F, F, P, F, NA, NA, P, P, P};
    struct zt_plan plan;

    zt_plan_compute(cat, shared, NULL, 0, &plan);
    assert_int_equal(plan.overall, ZT_STAGE_INITIAL);
    assert_int_equal(plan.n_raise, 3); /* b, c, d; e is not assessed */
    assert_int_equal(plan.n_steps, 3);
    assert_step(&plan, 0, ZT_PLAN_FIX, 2, B2, 2);
    assert_int_equal(plan.steps[0].rules[1], D2);
    assert_step(&plan, 1, ZT_PLAN_FIX, 1, C2, 1);
    assert_step(&plan, 2, ZT_PLAN_FIX, 1, C3, 1);
    assert_int_equal(plan.verified, ZT_STAGE_ADVANCED);
    zt_plan_done(&plan);

    zt_plan_compute(cat, fewest, NULL, 0, &plan);
    assert_int_equal(plan.n_steps, 3);
    assert_step(&plan, 0, ZT_PLAN_FIX, 1, D2, 1); /* later in the catalog, but d needs one step */
    assert_int_equal(plan.steps[0].fewest_left, 1);
    assert_step(&plan, 1, ZT_PLAN_FIX, 1, C2, 1);
    assert_int_equal(plan.steps[1].fewest_left, 2);
    zt_plan_done(&plan);
}

/* An unknown rule blocks like a failing one: evidence to collect, named by source, the keys it
 * lacks, the documented permission and the instance's error. */
static void test_plan_unknowns_are_evidence_to_collect(void **state)
{
    (void)state;
    _cleanup_(zt_catalog_freep) struct zt_catalog *cat = load_catalog();
    enum zt_outcome o[N_RULES] = {P, U, P, P, P, P, P, P, P, NA, NA, P, P, P};
    struct zt_evidence_set ev;
    struct zt_plan plan;

    zt_plan_compute(cat, o, NULL, 0, &plan);
    assert_int_equal(plan.overall, ZT_STAGE_INITIAL);
    assert_int_equal(plan.n_steps, 1);
    assert_step(&plan, 0, ZT_PLAN_COLLECT, 1, A2, 1);
    assert_int_equal(plan.verified, ZT_STAGE_ADVANCED);

    zt_evidence_set_init(&ev);
    assert_int_equal(zt_evidence_add(&ev, "t.a.one", json_object_new_boolean(1), "x", 0, NULL), 0);
    _cleanup_json_ struct json_object *cols = json_tokener_parse(
        "[{\"name\":\"acme\",\"type\":\"okta\",\"status\":\"partial\",\"error\":\"403 on "
        "/api/v1/policies\"},{\"name\":\"h\",\"type\":\"host\",\"status\":\"ok\",\"error\":null}]");
    _cleanup_json_ struct json_object *next = zt_plan_to_json(&plan, cat, &ev, cols);
    /* okta for a's step; then "t" for e1, the not_applicable rule of an unassessed function,
     * which does not raise the overall. */
    struct json_object *c = json_object_array_get_idx(zt_json_array(next, "collect"), 0), *v;
    assert_int_equal(json_object_array_length(zt_json_array(next, "collect")), 2);
    assert_string_equal(zt_json_str(c, "source"), "okta");
    assert_string_equal(
        json_object_get_string(json_object_array_get_idx(zt_json_array(c, "keys"), 0)),
        "okta.policy.a2");
    assert_string_equal(zt_json_str(c, "permission"), zt_plan_permission("okta", NULL));
    assert_non_null(strstr(zt_json_str(c, "permission"), "okta.policies.read"));
    struct json_object *inst = json_object_array_get_idx(zt_json_array(c, "instances"), 0);
    assert_int_equal(json_object_array_length(zt_json_array(c, "instances")), 1);
    assert_string_equal(zt_json_str(inst, "name"), "acme");
    assert_string_equal(zt_json_str(inst, "error"), "403 on /api/v1/policies");
    assert_true(json_object_object_get_ex(c, "raises_overall", &v) && json_object_get_boolean(v));
    c = json_object_array_get_idx(zt_json_array(next, "collect"), 1);
    assert_string_equal(zt_json_str(c, "source"), "t");
    assert_null(zt_json_str(c, "permission"));
    assert_true(json_object_object_get_ex(c, "raises_overall", &v) && !json_object_get_boolean(v));
    struct json_object *step = json_object_array_get_idx(zt_json_array(next, "steps"), 0);
    assert_string_equal(zt_json_str(step, "action"), "collect");
    assert_string_equal(zt_json_str(next, "target"), "advanced");
    zt_evidence_set_free(&ev);
    zt_plan_done(&plan);
}

/* not_applicable at the target does not block (c3); a target of not_applicable rules only is
 * never met (b2): any one of them is the step, and deploying it raises the estate. */
static void test_plan_not_applicable(void **state)
{
    (void)state;
    _cleanup_(zt_catalog_freep) struct zt_catalog *cat = load_catalog();
    enum zt_outcome o[N_RULES] = {P, P, P, NA, P, P, NA, P, P, NA, NA, P, P, P};
    struct zt_plan plan;

    zt_plan_compute(cat, o, NULL, 0, &plan);
    assert_int_equal(plan.overall, ZT_STAGE_INITIAL);
    assert_int_equal(plan.n_raise, 1);
    assert_int_equal(plan.raise[0], FB);
    assert_int_equal(plan.functions[FC].n_deploy, 0);
    assert_int_equal(plan.n_steps, 1);
    assert_step(&plan, 0, ZT_PLAN_DEPLOY, 1, B2, 1);
    assert_int_equal(plan.verified, ZT_STAGE_ADVANCED);
    zt_plan_done(&plan);
}

/* e has no advanced rule: the overall cannot rise past initial, and the plan says so. */
static void test_plan_catalog_gap_is_unreachable(void **state)
{
    (void)state;
    _cleanup_(zt_catalog_freep) struct zt_catalog *cat = load_catalog();
    enum zt_outcome o[N_RULES] = {P, P, P, P, P, P, P, P, P, P, P, P, P, P};
    struct zt_plan plan;

    zt_plan_compute(cat, o, NULL, 0, &plan);
    assert_int_equal(plan.overall, ZT_STAGE_INITIAL);
    assert_int_equal(plan.n_raise, 1);
    assert_int_equal(plan.raise[0], FE);
    assert_false(plan.reachable);
    assert_int_equal(plan.n_steps, 0);
    assert_int_equal(plan.verified, ZT_STAGE_INITIAL);
    _cleanup_json_ struct json_object *next = zt_plan_to_json(&plan, cat, NULL, NULL);
    struct json_object *p3 = json_object_array_get_idx(zt_json_array(next, "pillars"), 2), *v;
    assert_true(json_object_object_get_ex(p3, "reachable", &v));
    assert_false(json_object_get_boolean(v));
    zt_plan_done(&plan);
}

static void test_plan_optimal_estate(void **state)
{
    (void)state;
    const char *one =
        "{\"schema\":\"ztmmd.rules/1\",\"model\":{\"name\":\"T\",\"version\":\"1\"},"
        "\"pillars\":[{\"id\":\"p\",\"name\":\"P\"}],"
        "\"functions\":[{\"id\":\"p.f\",\"pillar\":\"p\",\"name\":\"F\"}],"
        "\"rules\":[" RULE("r.one", "p.f", "initial", "t.one")
            RULE("r.two", "p.f", "advanced",
                 "t.two") "{\"id\":\"r.three\",\"function\":\"p.f\",\"stage\":\"optimal\","
                          "\"title\":\"t\","
                          "\"remediation\":\"r\",\"check\":{\"key\":\"t.three\",\"eq\":true}}]}";
    _cleanup_(zt_catalog_freep) struct zt_catalog *cat = NULL;
    char err[256];
    enum zt_outcome o[3] = {P, P, P};
    struct zt_plan plan;

    if (zt_catalog_from_json(json_tokener_parse(one), "t", &cat, err, sizeof(err)) < 0) {
        fail_msg("%s", err);
    }
    zt_plan_compute(cat, o, NULL, 0, &plan);
    assert_int_equal(plan.overall, ZT_STAGE_OPTIMAL);
    assert_int_equal(plan.target, ZT_STAGE_UNKNOWN);
    assert_true(plan.reachable);
    assert_int_equal(plan.n_steps + plan.n_raise, 0);
    _cleanup_json_ struct json_object *next = zt_plan_to_json(&plan, cat, NULL, NULL);
    struct json_object *v;
    assert_true(json_object_object_get_ex(next, "target", &v));
    assert_null(v);
    zt_plan_done(&plan);
}

/* Attestations never stand in for observations: an attested unknown function is not raised, an
 * observed traditional one is raised whatever its attestation says. */
static void test_plan_attested_functions(void **state)
{
    (void)state;
    _cleanup_(zt_catalog_freep) struct zt_catalog *cat = load_catalog();
    enum zt_outcome o[N_RULES] = {F, P, P, P, P, P, P, P, P, NA, NA, P, P, P};
    struct zt_attestation att[] = {{"p3.e", ZT_STAGE_TRADITIONAL}, {"p1.a", ZT_STAGE_OPTIMAL}};
    struct zt_plan plan;

    zt_plan_compute(cat, o, att, 2, &plan);
    assert_true(plan.est.functions[FE].attested);
    assert_int_equal(plan.overall, ZT_STAGE_TRADITIONAL);
    assert_int_equal(plan.n_raise, 1);
    assert_int_equal(plan.raise[0], FA);
    assert_int_equal(plan.n_steps, 1);
    assert_int_equal(plan.verified, ZT_STAGE_ADVANCED);
    zt_plan_done(&plan);
}

/* Every outcome vector of a pseudo-random walk: done in full, a reachable plan raises the overall
 * stage (zt_estimate() says so); with any one step left out, it does not (the set is smallest). */
static void test_plan_reestimated_raises_and_is_smallest(void **state)
{
    (void)state;
    _cleanup_(zt_catalog_freep) struct zt_catalog *cat = load_catalog();
    static const enum zt_outcome all[] = {P, P, P, F, U, NA};
    uint32_t seed = 12345;
    size_t raised = 0, unreachable = 0;

    for (int round = 0; round < 3000; round++) {
        enum zt_outcome o[N_RULES];
        for (size_t i = 0; i < N_RULES; i++) {
            seed = seed * 1103515245u + 12345u;
            o[i] = all[(seed >> 16) % ZT_ELEMENTSOF(all)];
        }
        struct zt_plan plan;
        zt_plan_compute(cat, o, NULL, 0, &plan);
        enum zt_stage before = overall_of(cat, o);
        assert_int_equal(plan.overall, before);
        if (plan.target == ZT_STAGE_UNKNOWN) {
            zt_plan_done(&plan);
            continue;
        }
        _cleanup_free_ enum zt_outcome *done = zt_plan_apply(&plan, cat, o);
        enum zt_stage after = overall_of(cat, done);
        assert_int_equal(after, plan.verified);
        if (!plan.reachable) {
            assert_int_equal(after, before);
            unreachable++;
            zt_plan_done(&plan);
            continue;
        }
        if (!(after > before && after != ZT_STAGE_UNKNOWN)) {
            for (size_t i = 0; i < N_RULES; i++) {
                fprintf(stderr, "%s ", zt_outcome_to_string(o[i]));
            }
            fail_msg("round %d: %d -> %d", round, before, after);
        }
        raised++;
        for (size_t s = 0; s < plan.n_steps; s++) {
            struct zt_plan_step keep = plan.steps[s];
            plan.steps[s].n_rules = 0; /* left out: its rules keep their outcomes */
            plan.steps[s].action = ZT_PLAN_FIX;
            _cleanup_free_ enum zt_outcome *partial = zt_plan_apply(&plan, cat, o);
            assert_int_equal(overall_of(cat, partial), before);
            plan.steps[s] = keep;
        }
        zt_plan_done(&plan);
    }
    assert_true(raised > 100 && unreachable > 10); /* the walk did reach both kinds */
}

/* The "next" of a document without one equals the daemon's (no shared check here to group). */
static void test_plan_from_result_document(void **state)
{
    (void)state;
    _cleanup_(zt_catalog_freep) struct zt_catalog *cat = load_catalog();
    enum zt_outcome o[N_RULES] = {F, U, P, P, P, P, F, P, P, P, NA, P, P, P};
    _cleanup_json_ struct json_object *doc = json_object_new_object();
    struct json_object *fs = json_object_new_array(), *fns = json_object_new_array();
    struct json_object *pls = json_object_new_array();
    struct zt_evidence_set ev;
    struct zt_plan plan;
    char err[256];

    for (size_t i = 0; i < cat->n_pillars; i++) {
        struct json_object *p = json_object_new_object();
        json_object_object_add(p, "id", json_object_new_string(cat->pillars[i].id));
        json_object_array_add(pls, p);
    }
    for (size_t i = 0; i < cat->n_functions; i++) {
        struct json_object *f = json_object_new_object();
        json_object_object_add(f, "id", json_object_new_string(cat->functions[i].id));
        json_object_object_add(f, "pillar",
                               json_object_new_string(cat->pillars[cat->functions[i].pillar].id));
        json_object_array_add(fns, f);
    }
    for (size_t i = 0; i < cat->n_rules; i++) {
        const struct zt_rule *r = &cat->rules[i];
        struct json_object *f = json_object_new_object();
        json_object_object_add(f, "rule", json_object_new_string(r->id));
        json_object_object_add(f, "function",
                               json_object_new_string(cat->functions[r->function].id));
        json_object_object_add(f, "stage", json_object_new_string(zt_stage_to_string(r->stage)));
        json_object_object_add(f, "status", json_object_new_string(zt_outcome_to_string(o[i])));
        json_object_object_add(f, "title", json_object_new_string(r->title));
        json_object_object_add(f, "evidence", json_object_get(r->keys));
        json_object_object_add(f, "sources", json_object_get(r->sources));
        json_object_object_add(f, "remediation", json_object_new_string(r->remediation));
        json_object_array_add(fs, f);
    }
    json_object_object_add(doc, "pillars", pls);
    json_object_object_add(doc, "functions", fns);
    json_object_object_add(doc, "findings", fs);
    json_object_object_add(doc, "evidence", json_object_new_array());

    _cleanup_json_ struct json_object *from_doc = NULL, *bad = NULL;
    assert_int_equal(zt_plan_from_result(doc, &from_doc, err, sizeof(err)), 0);
    zt_evidence_set_init(&ev);
    zt_plan_compute(cat, o, NULL, 0, &plan);
    _cleanup_json_ struct json_object *direct = zt_plan_to_json(&plan, cat, &ev, NULL);
    assert_true(json_object_equal(from_doc, direct));
    assert_int_equal(json_object_array_length(zt_json_array(from_doc, "steps")), 1);
    assert_int_equal(json_object_array_length(zt_json_array(from_doc, "functions")), 6);
    zt_plan_done(&plan);
    zt_evidence_set_free(&ev);

    json_object_object_del(doc, "findings");
    assert_int_equal(zt_plan_from_result(doc, &bad, err, sizeof(err)), -EBADMSG);
    assert_non_null(strstr(err, "findings"));
}

/* An unknown rule over two sources lacks the keys of the one that took part; the part of a source
 * the scan did not use is not applicable, not evidence to collect. With neither there, both. */
static void test_plan_collect_names_sources_that_took_part(void **state)
{
    (void)state;
    const char *two =
        "{\"schema\":\"ztmmd.rules/1\",\"model\":{\"name\":\"T\",\"version\":\"1\"},"
        "\"pillars\":[{\"id\":\"p\",\"name\":\"P\"}],"
        "\"functions\":[{\"id\":\"p.f\",\"pillar\":\"p\",\"name\":\"F\"}],"
        "\"rules\":[" RULE(
            "r.base", "p.f", "initial",
            "t.base") "{\"id\":\"r.two\",\"function\":\"p.f\",\"stage\":\"advanced\",\"title\":"
                      "\"t\",\"remediation\":\"r\",\"quantifier\":\"all\",\"check\":{\"all\":[{"
                      "\"key\":\"okta.a.b\","
                      "\"eq\":true},{\"key\":\"aws.c.d\",\"eq\":true}]}}]}";
    _cleanup_(zt_catalog_freep) struct zt_catalog *cat = NULL;
    enum zt_outcome o[2] = {P, U};
    struct zt_evidence_set ev;
    struct zt_plan plan;
    char err[256];

    if (zt_catalog_from_json(json_tokener_parse(two), "t", &cat, err, sizeof(err)) < 0) {
        fail_msg("%s", err);
    }
    zt_evidence_set_init(&ev);
    zt_plan_compute(cat, o, NULL, 0, &plan);
    assert_int_equal(plan.n_steps, 1);
    _cleanup_json_ struct json_object *cols = json_tokener_parse(
        "[{\"name\":\"acme\",\"type\":\"okta\",\"status\":\"error\",\"error\":\"401\"},"
        "{\"name\":\"prod\",\"type\":\"aws\",\"status\":\"skipped\",\"error\":null}]");
    _cleanup_json_ struct json_object *next = zt_plan_to_json(&plan, cat, &ev, cols);
    struct json_object *c = zt_json_array(next, "collect");
    assert_int_equal(json_object_array_length(c), 1);
    assert_string_equal(zt_json_str(json_object_array_get_idx(c, 0), "source"), "okta");
    _cleanup_json_ struct json_object *neither = zt_plan_to_json(&plan, cat, &ev, NULL);
    c = zt_json_array(neither, "collect");
    assert_int_equal(json_object_array_length(c), 2);
    assert_string_equal(zt_json_str(json_object_array_get_idx(c, 1), "source"), "aws");
    zt_plan_done(&plan);
    zt_evidence_set_free(&ev);
}

/* Each documented permission is word for word in the file it cites (comment marks and line
 * breaks aside), so the two cannot drift apart. */
static void test_plan_permissions_match_their_docs(void **state)
{
    (void)state;
    static const char *const types[] = {"host", "aws",        "azure",  "crowdstrike",
                                        "okta", "kubernetes", "intune", "defender"};
    for (size_t i = 0; i < ZT_ELEMENTSOF(types); i++) {
        const char *where = NULL, *perm = zt_plan_permission(types[i], &where);
        assert_non_null(perm);
        _cleanup_free_ char *path = zt_xasprintf("%s/%s", ZT_SOURCE_DIR, where);
        _cleanup_free_ char *text = NULL;
        assert_int_equal(zt_read_file(path, 1 << 20, &text, NULL), 0);
        /* Collapse "\n# " and runs of blanks to one space. */
        size_t n = 0;
        char prev = '\0';
        for (size_t k = 0; text[k]; k++) {
            char c = text[k]; /* read before text[n] (n <= k) is written */
            bool blank = c == ' ' || c == '\n' || c == '\t' || (c == '#' && prev == '\n');
            if (!blank) {
                text[n++] = c;
            } else if (n > 0 && text[n - 1] != ' ') {
                text[n++] = ' ';
            }
            prev = c;
        }
        text[n] = '\0';
        if (!strstr(text, perm)) {
            fail_msg("%s: \"%s\" is not in %s", types[i], perm, where);
        }
    }
    assert_null(zt_plan_permission("entra", NULL));
    assert_null(zt_plan_permission("nosuch", NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plan_single_failing_rule_at_the_bottom),
        cmocka_unit_test(test_plan_ties_and_shared_checks),
        cmocka_unit_test(test_plan_unknowns_are_evidence_to_collect),
        cmocka_unit_test(test_plan_not_applicable),
        cmocka_unit_test(test_plan_catalog_gap_is_unreachable),
        cmocka_unit_test(test_plan_optimal_estate),
        cmocka_unit_test(test_plan_attested_functions),
        cmocka_unit_test(test_plan_reestimated_raises_and_is_smallest),
        cmocka_unit_test(test_plan_from_result_document),
        cmocka_unit_test(test_plan_collect_names_sources_that_took_part),
        cmocka_unit_test(test_plan_permissions_match_their_docs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
