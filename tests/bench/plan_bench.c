/* plan_bench.c - time of the way-up computation (not a test: figures only).
 *
 * Usage: plan_bench CATALOG RESULT [RUNS]
 *   CATALOG: a rule catalog whose rule ids are those of RESULT's findings;
 *   RESULT: a result document (its "next" is ignored).
 * 1. daemon: zt_plan_compute() (stages, steps grouped by identical check, the re-estimation) and
 *    zt_plan_to_json() (the "next" section, evidence looked up) from the catalog, the findings'
 *    statuses and the document's evidence, as zt_result_build() runs them.
 * 2. document: zt_plan_from_result(), as `ztmmctl plan --input` and the HTML report run it on a
 *    document without "next" (the catalog rebuilt from the findings, evidence loaded).
 * Prints the median and minimum wall time of RUNS runs each, and the size of the plan. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "evidence.h"
#include "plan.h"
#include "util.h"

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void report(const char *name, uint64_t *usec, int runs, struct json_object *next)
{
    qsort(usec, (size_t)runs, sizeof(*usec), cmp_u64);
    printf("%-9s median %8.2f ms  min %8.2f ms  runs=%d  steps=%zu raise=%zu collect=%zu\n", name,
           (double)usec[runs / 2] / 1000.0, (double)usec[0] / 1000.0, runs,
           json_object_array_length(zt_json_array(next, "steps")),
           json_object_array_length(zt_json_array(next, "raise")),
           json_object_array_length(zt_json_array(next, "collect")));
}

/* The findings' statuses in catalog order (a rule the result lacks counts unknown). */
static enum zt_outcome *outcomes_of(const struct zt_catalog *cat, struct json_object *doc)
{
    struct json_object *fs = zt_json_array(doc, "findings"), *by_id = json_object_new_object(), *v;
    enum zt_outcome *o = zt_xcalloc(cat->n_rules ? cat->n_rules : 1, sizeof(*o));

    for (size_t i = 0; fs && i < json_object_array_length(fs); i++) {
        struct json_object *f = json_object_array_get_idx(fs, i);
        if (zt_json_str(f, "rule") && zt_json_str(f, "status")) {
            json_object_object_add(by_id, zt_json_str(f, "rule"),
                                   json_object_new_string(zt_json_str(f, "status")));
        }
    }
    for (size_t i = 0; i < cat->n_rules; i++) {
        o[i] = ZT_OUTCOME_UNKNOWN;
        for (int k = 0; k < _ZT_OUTCOME_MAX; k++) {
            if (json_object_object_get_ex(by_id, cat->rules[i].id, &v) &&
                zt_streq(json_object_get_string(v), zt_outcome_to_string((enum zt_outcome)k))) {
                o[i] = (enum zt_outcome)k;
            }
        }
    }
    json_object_put(by_id);
    return o;
}

int main(int argc, char **argv)
{
    _cleanup_(zt_catalog_freep) struct zt_catalog *cat = NULL;
    _cleanup_free_ char *text = NULL;
    char err[1024];
    int runs = argc > 3 ? atoi(argv[3]) : 20;

    if (argc < 3 || runs < 1) {
        fprintf(stderr, "usage: plan_bench CATALOG RESULT [RUNS]\n");
        return 2;
    }
    if (zt_catalog_load(argv[1], &cat, err, sizeof(err)) < 0 ||
        zt_read_file(argv[2], 1u << 30, &text, NULL) < 0) {
        fprintf(stderr, "plan_bench: %s\n", cat ? argv[2] : err);
        return 1;
    }
    _cleanup_json_ struct json_object *doc = json_tokener_parse(text);
    _cleanup_free_ enum zt_outcome *o = outcomes_of(cat, doc);
    _cleanup_free_ uint64_t *usec = zt_xcalloc((size_t)runs, sizeof(*usec));
    struct zt_evidence_set ev;
    struct json_object *next = NULL;

    zt_evidence_set_init(&ev);
    if (zt_evidence_set_from_json(&ev, doc, err, sizeof(err)) < 0) {
        fprintf(stderr, "plan_bench: %s\n", err);
        return 1;
    }
    printf("catalog: %zu rules, result: %zu findings, %zu evidence\n", cat->n_rules,
           json_object_array_length(zt_json_array(doc, "findings")), ev.n);
    for (int r = 0; r < runs; r++) {
        uint64_t t0 = zt_now_mono_usec();
        struct zt_plan plan;
        zt_plan_compute(cat, o, NULL, 0, &plan);
        json_object_put(next);
        next = zt_plan_to_json(&plan, cat, &ev, zt_json_array(doc, "collectors"));
        zt_plan_done(&plan);
        usec[r] = zt_now_mono_usec() - t0;
    }
    report("daemon", usec, runs, next);
    json_object_object_del(doc, "next");
    for (int r = 0; r < runs; r++) {
        uint64_t t0 = zt_now_mono_usec();
        json_object_put(next);
        next = NULL;
        if (zt_plan_from_result(doc, &next, err, sizeof(err)) < 0) {
            fprintf(stderr, "plan_bench: %s\n", err);
            return 1;
        }
        usec[r] = zt_now_mono_usec() - t0;
    }
    report("document", usec, runs, next);
    json_object_put(next);
    zt_evidence_set_free(&ev);
    return 0;
}
