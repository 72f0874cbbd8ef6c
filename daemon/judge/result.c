/* result.c - build the result document (ztmmd.result/1) from a scan, a catalog and attestations. */
#include "result.h"

#include <json-c/json.h>
#include <math.h>
#include <string.h>

#include "plan.h"
#include "util.h"

struct json_object *zt_result_collector(struct json_object *doc, const char *name)
{
    struct json_object *arr = zt_json_array(doc, "collectors"), *v;

    for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
        struct json_object *c = json_object_array_get_idx(arr, i);
        if (json_object_object_get_ex(c, "name", &v) && zt_streq(json_object_get_string(v), name)) {
            return c;
        }
    }
    return NULL;
}

/* Ratios with four decimals, so documents diff cleanly ("0.75", not "0.75000000000000011"). */
static struct json_object *json_ratio(double r)
{
    char buf[16];
    double rounded = round(r * 10000.0) / 10000.0;
    snprintf(buf, sizeof(buf), "%.4f", rounded);
    for (size_t n = strlen(buf); n > 3 && buf[n - 1] == '0'; n--) {
        buf[n - 1] = '\0';
    }
    /* The value in memory is the one written: readers of this object (metrics, events of
     * --once) see what readers of the saved document see. */
    return json_object_new_double_s(strtod(buf, NULL), buf);
}

static struct json_object *json_str_or_null(const char *s)
{
    return s ? json_object_new_string(s) : NULL;
}

static void add(struct json_object *o, const char *key, struct json_object *v)
{
    json_object_object_add(o, key, v);
}

static struct json_object *collectors_json(const struct zt_scan *scan)
{
    struct json_object *arr = json_object_new_array();

    for (size_t i = 0; i < scan->n_runs; i++) {
        const struct zt_run *r = &scan->runs[i];
        struct json_object *o = json_object_new_object();
        add(o, "name", json_object_new_string(r->name));
        add(o, "type", json_object_new_string(r->type));
        add(o, "status", json_object_new_string(zt_run_status_to_string(r->status)));
        add(o, "error", json_str_or_null(r->error));
        add(o, "duration_ms", json_object_new_int64((int64_t)r->duration_ms));
        add(o, "requests", json_object_new_int64((int64_t)r->requests));
        add(o, "evidence", json_object_new_int64((int64_t)r->evidence));
        if (r->credentials) {
            add(o, "credentials", json_object_new_string(r->credentials));
        }
        json_object_array_add(arr, o);
    }
    return arr;
}

/* The instances a finding names: those whose part failed, or could not be judged. */
static struct json_object *names_json(const struct zt_strv *names)
{
    struct json_object *arr = json_object_new_array_ext((int)names->n);
    for (size_t i = 0; i < names->n; i++) {
        json_object_array_add(arr, json_object_new_string(names->v[i]));
    }
    return arr;
}

static struct json_object *finding_json(const struct zt_catalog *cat, const struct zt_rule *r,
                                        enum zt_outcome outcome, const struct zt_blame *blame)
{
    struct json_object *o = json_object_new_object();

    add(o, "rule", json_object_new_string(r->id));
    add(o, "function", json_object_new_string(cat->functions[r->function].id));
    add(o, "stage", json_object_new_string(zt_stage_to_string(r->stage)));
    add(o, "status", json_object_new_string(zt_outcome_to_string(outcome)));
    add(o, "title", json_object_new_string(r->title));
    add(o, "evidence", json_object_get(r->keys));
    add(o, "sources", json_object_get(r->sources));
    add(o, "quantifier", json_object_new_string(zt_quantifier_to_string(r->quantifier)));
    if (outcome == ZT_OUTCOME_FAIL && blame->failed.n > 0) {
        add(o, "failed_by", names_json(&blame->failed));
    }
    if ((outcome == ZT_OUTCOME_FAIL || outcome == ZT_OUTCOME_UNKNOWN) && blame->unknown.n > 0) {
        add(o, "unknown_in", names_json(&blame->unknown));
    }
    add(o, "remediation", json_object_new_string(r->remediation));
    return o;
}

static struct json_object *tally_json(const struct zt_tally *t)
{
    struct json_object *o = json_object_new_object();
    for (int i = 0; i < _ZT_OUTCOME_MAX; i++) {
        add(o, zt_outcome_to_string((enum zt_outcome)i), json_object_new_int64((int64_t)t->n[i]));
    }
    return o;
}

static struct json_object *functions_json(const struct zt_catalog *cat,
                                          const struct zt_estimate *est)
{
    struct json_object *arr = json_object_new_array_ext((int)cat->n_functions);

    for (size_t i = 0; i < cat->n_functions; i++) {
        const struct zt_function *f = &cat->functions[i];
        const struct zt_function_estimate *fe = &est->functions[i];
        struct json_object *o = json_object_new_object();
        add(o, "id", json_object_new_string(f->id));
        add(o, "pillar", json_object_new_string(cat->pillars[f->pillar].id));
        add(o, "name", json_object_new_string(f->name));
        add(o, "stage", json_object_new_string(zt_stage_to_string(fe->stage)));
        add(o, "bound", json_object_new_string(fe->at_least ? "at_least" : "exact"));
        add(o, "coverage", json_ratio(fe->coverage));
        add(o, "attested", json_object_new_boolean(fe->attested));
        add(o, "attested_stage",
            fe->attested ? json_object_new_string(zt_stage_to_string(fe->attested_stage)) : NULL);
        add(o, "rules", tally_json(&fe->total));
        struct json_object *wa = json_object_new_object(), *cells = json_object_new_array();
        add(wa, "stage", json_object_new_string(zt_stage_to_string(fe->with_attested)));
        add(wa, "bound", json_object_new_string(fe->with_attested_at_least ? "at_least" : "exact"));
        add(o, "with_attested", wa);
        for (enum zt_stage s = ZT_STAGE_INITIAL; s <= ZT_STAGE_OPTIMAL; s++) {
            const char *statement = zt_catalog_attest_only(cat, i, s);
            if (statement) {
                struct json_object *c = json_object_new_object();
                add(c, "stage", json_object_new_string(zt_stage_to_string(s)));
                add(c, "statement", json_object_new_string(statement));
                add(c, "attested",
                    json_object_new_boolean(fe->attested && fe->attested_stage >= s &&
                                            fe->attested_stage <= ZT_STAGE_OPTIMAL));
                json_object_array_add(cells, c);
            }
        }
        add(o, "attestation_only", cells);
        json_object_array_add(arr, o);
    }
    return arr;
}

static void rollup_fields(struct json_object *o, const struct zt_pillar_estimate *pe)
{
    struct json_object *att = json_object_new_object();

    add(o, "stage", json_object_new_string(zt_stage_to_string(pe->observed.stage)));
    add(o, "coverage", json_ratio(pe->observed.coverage));
    add(o, "functions_assessed", json_object_new_int64((int64_t)pe->observed.assessed));
    add(o, "functions", json_object_new_int64((int64_t)pe->observed.total));
    add(att, "stage", json_object_new_string(zt_stage_to_string(pe->with_attested.stage)));
    add(att, "coverage", json_ratio(pe->with_attested.coverage));
    add(att, "attested_functions", json_object_new_int64((int64_t)pe->attested_functions));
    add(o, "with_attested", att);
}

static struct json_object *pillars_json(const struct zt_catalog *cat, const struct zt_estimate *est)
{
    struct json_object *arr = json_object_new_array();

    for (size_t p = 0; p < cat->n_pillars; p++) {
        struct json_object *o = json_object_new_object();
        add(o, "id", json_object_new_string(cat->pillars[p].id));
        add(o, "name", json_object_new_string(cat->pillars[p].name));
        rollup_fields(o, &est->pillars[p]);
        json_object_array_add(arr, o);
    }
    return arr;
}

/* Whether instance name emitted evidence in accounts (an aws collector over an organization). */
static bool has_accounts(const struct zt_scan *scan, const char *name)
{
    for (size_t i = 0; i < scan->evidence.n; i++) {
        const struct zt_evidence *e = &scan->evidence.v[i];
        if (e->account && strcmp(e->collector, name) == 0) {
            return true;
        }
    }
    return false;
}

/* The instances that took part in a scan: every instance that ran (whatever its outcome) for its
 * type, and every instance for the first segment of each key it emitted (exec programs name
 * their own). An instance that emitted evidence per account takes part as each of its accounts
 * ("aws/123456789012"), never as a whole: each account is judged on its own. */
static void scan_participants(const struct zt_scan *scan, struct zt_participants *who)
{
    for (size_t i = 0; i < scan->n_runs; i++) {
        const struct zt_run *r = &scan->runs[i];
        if (r->status != ZT_RUN_SKIPPED && !has_accounts(scan, r->name)) {
            zt_participants_add(who, r->type, strlen(r->type), r->name);
        }
    }
    for (size_t i = 0; i < scan->evidence.n; i++) {
        const struct zt_evidence *e = &scan->evidence.v[i];
        zt_participants_add(who, e->key, strcspn(e->key, "."), e->instance);
    }
}

struct json_object *zt_result_build(struct zt_scan *scan, const struct zt_catalog *cat,
                                    const struct zt_attestation *attest, size_t n_attest)
{
    _cleanup_free_ enum zt_outcome *outcomes =
        zt_xcalloc(cat->n_rules ? cat->n_rules : 1, sizeof(*outcomes));
    struct json_object *findings = json_object_new_array_ext((int)cat->n_rules);
    struct zt_estimate est;
    char ts[40];

    _cleanup_(zt_participants_clear) struct zt_participants who = {0};
    scan_participants(scan, &who);
    for (size_t i = 0; i < cat->n_rules; i++) {
        _cleanup_(zt_blame_clear) struct zt_blame blame = {0};
        outcomes[i] = zt_rule_eval(&cat->rules[i], &scan->evidence, &who, &blame);
        json_object_array_add(findings, finding_json(cat, &cat->rules[i], outcomes[i], &blame));
    }
    zt_estimate(cat, outcomes, attest, n_attest, &est);

    struct json_object *doc = json_object_new_object(), *model = json_object_new_object();
    add(doc, "schema", json_object_new_string(ZT_RESULT_SCHEMA));
    add(doc, "scan_id", json_object_new_string(scan->scan_id));
    add(doc, "started_at",
        json_object_new_string(zt_format_rfc3339(scan->started_usec, ts, sizeof(ts))));
    add(doc, "finished_at",
        json_object_new_string(zt_format_rfc3339(scan->finished_usec, ts, sizeof(ts))));
    add(doc, "host", json_object_new_string(scan->host ? scan->host : ""));
    add(model, "name", json_object_new_string(cat->model_name));
    add(model, "version", json_object_new_string(cat->model_version));
    add(doc, "model", model);
    add(doc, "catalog", json_object_new_string(cat->path));
    add(doc, "collectors", collectors_json(scan));
    add(doc, "evidence", zt_evidence_set_to_json(&scan->evidence));
    add(doc, "findings", findings);
    add(doc, "functions", functions_json(cat, &est));
    add(doc, "pillars", pillars_json(cat, &est));
    struct json_object *overall = json_object_new_object();
    rollup_fields(overall, &est.overall);
    add(doc, "overall", overall);
    zt_estimate_done(&est);
    /* The way up from here, computed with the same estimator (docs/result-schema.md, "next"). */
    struct zt_plan plan;
    zt_plan_compute(cat, outcomes, attest, n_attest, &plan);
    add(doc, "next",
        zt_plan_to_json(&plan, cat, &scan->evidence, zt_json_array(doc, "collectors")));
    zt_plan_done(&plan);
    return doc;
}

int zt_result_attestations(const struct zt_config *cfg, const struct zt_catalog *cat,
                           struct zt_attestation **ret, char *err, size_t errlen)
{
    struct zt_attestation *a = zt_xcalloc(cfg->n_attest ? cfg->n_attest : 1, sizeof(*a));

    for (size_t i = 0; i < cfg->n_attest; i++) {
        const struct zt_attest *c = &cfg->attest[i];
        if (zt_catalog_function_index(cat, c->function) < 0) {
            snprintf(err, errlen,
                     "%s:%u: [attest] unknown ZTMM function '%s' (see ztmmctl catalog)", c->file,
                     c->line, c->function);
            free(a);
            return -EINVAL;
        }
        a[i] = (struct zt_attestation){.function = c->function,
                                       .stage = (enum zt_stage)zt_stage_from_string(c->stage)};
    }
    *ret = a;
    return (int)cfg->n_attest;
}
