/* table.c - print a result document as a readable terminal table. */
#include <json-c/json.h>
#include <string.h>

#include "plan.h"
#include "result.h"
#include "util.h"

static double num(struct json_object *o, const char *key)
{
    struct json_object *v;
    return json_object_object_get_ex(o, key, &v) ? json_object_get_double(v) : 0.0;
}

static struct json_object *member(struct json_object *o, const char *key)
{
    struct json_object *v;
    return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

/* "initial", ">= initial", or "unknown (attested: advanced)". */
static void stage_text(struct json_object *f, char *buf, size_t len)
{
    const char *stage = zt_json_str(f, "stage"), *bound = zt_json_str(f, "bound"),
               *att = zt_json_str(f, "attested_stage");
    bool unknown = zt_streq(stage, "unknown");

    snprintf(buf, len, "%s%s", !unknown && zt_streq(bound, "at_least") ? ">= " : "",
             stage ? stage : "unknown");
    if (att) {
        size_t n = strlen(buf);
        snprintf(buf + n, len - n, " (attested: %s)", att);
    }
}

/* Names longer than this still print whole; only the columns after them shift. */
#define NAME_WIDTH_MAX 120

static const char *name_of(struct json_object *o)
{
    const char *name = zt_json_str(o, "name");
    return name ? name : zt_json_str(o, "id") ? zt_json_str(o, "id") : "?";
}

/* The first column fits the longest pillar name and the longest function name (indented by
 * two): a function name is never cut ("Secure Application Development and Deployment
 * Workflow" is 54 characters). */
static int name_width(struct json_object *doc)
{
    struct json_object *fns = zt_json_array(doc, "functions"), *pls = zt_json_array(doc, "pillars");
    size_t w = strlen("PILLAR / FUNCTION");

    for (size_t i = 0; fns && i < json_object_array_length(fns); i++) {
        size_t n = 2 + strlen(name_of(json_object_array_get_idx(fns, i)));
        w = n > w ? n : w;
    }
    for (size_t i = 0; pls && i < json_object_array_length(pls); i++) {
        size_t n = strlen(name_of(json_object_array_get_idx(pls, i)));
        w = n > w ? n : w;
    }
    return (int)(w < NAME_WIDTH_MAX ? w : NAME_WIDTH_MAX);
}

static void print_functions(struct json_object *doc, const char *pillar, int width, FILE *out)
{
    struct json_object *fns = zt_json_array(doc, "functions");
    char stage[64];

    for (size_t i = 0; fns && i < json_object_array_length(fns); i++) {
        struct json_object *f = json_object_array_get_idx(fns, i);
        if (!zt_streq(zt_json_str(f, "pillar"), pillar)) {
            continue;
        }
        stage_text(f, stage, sizeof(stage));
        struct json_object *rules = member(f, "rules");
        fprintf(out, "  %-*s %-30s %4.0f%%  (%d/%d/%d)\n", width - 2, name_of(f), stage,
                num(f, "coverage") * 100.0, (int)num(rules, "pass"), (int)num(rules, "fail"),
                (int)num(rules, "unknown"));
    }
}

static void print_collectors(struct json_object *doc, FILE *out)
{
    struct json_object *cols = zt_json_array(doc, "collectors");

    fprintf(out, "\nCollectors:\n");
    for (size_t i = 0; cols && i < json_object_array_length(cols); i++) {
        struct json_object *c = json_object_array_get_idx(cols, i);
        const char *error = zt_json_str(c, "error");
        fprintf(out, "  %-16s %-12s %-8s %6.0f ms %5.0f evidence %5.0f requests%s%s\n",
                zt_json_str(c, "name"), zt_json_str(c, "type"), zt_json_str(c, "status"),
                num(c, "duration_ms"), num(c, "evidence"), num(c, "requests"), error ? "  " : "",
                error ? error : "");
    }
}

static void print_failures(struct json_object *doc, FILE *out)
{
    struct json_object *fs = zt_json_array(doc, "findings");
    size_t counts[4] = {0};
    static const char *const names[4] = {"pass", "fail", "unknown", "not_applicable"};

    for (size_t i = 0; fs && i < json_object_array_length(fs); i++) {
        const char *s = zt_json_str(json_object_array_get_idx(fs, i), "status");
        for (size_t k = 0; k < 4; k++) {
            counts[k] += zt_streq(s, names[k]);
        }
    }
    fprintf(out, "\nFindings: %zu pass, %zu fail, %zu unknown, %zu not applicable\n", counts[0],
            counts[1], counts[2], counts[3]);
    for (size_t i = 0; fs && i < json_object_array_length(fs); i++) {
        struct json_object *f = json_object_array_get_idx(fs, i);
        if (zt_streq(zt_json_str(f, "status"), "fail")) {
            fprintf(out, "  FAIL %-9s %s: %s\n", zt_json_str(f, "stage"),
                    zt_json_str(f, "function"), zt_json_str(f, "title"));
        }
    }
}

void zt_result_print_table(struct json_object *doc, FILE *out)
{
    struct json_object *model = member(doc, "model"), *overall = member(doc, "overall");
    struct json_object *pillars = zt_json_array(doc, "pillars");
    int width = name_width(doc);

    fprintf(out, "%s %s estimate for %s (scan %s, %s)\n\n", zt_json_str(model, "name"),
            zt_json_str(model, "version"), zt_json_str(doc, "host"), zt_json_str(doc, "scan_id"),
            zt_json_str(doc, "finished_at"));
    fprintf(out, "OVERALL: %s  (%.0f%% of functions assessed; weakest pillar decides)\n",
            zt_json_str(overall, "stage"), num(overall, "coverage") * 100.0);
    fprintf(out, "\n%-*s %-30s %5s  %s\n", width, "PILLAR / FUNCTION", "STAGE", "COVER",
            "(pass/fail/unknown rules)");
    for (size_t p = 0; pillars && p < json_object_array_length(pillars); p++) {
        struct json_object *pl = json_object_array_get_idx(pillars, p);
        struct json_object *att = member(pl, "with_attested");
        fprintf(out, "%-*s %-30s %4.0f%%  (%d of %d functions assessed", width, name_of(pl),
                zt_json_str(pl, "stage"), num(pl, "coverage") * 100.0,
                (int)num(pl, "functions_assessed"), (int)num(pl, "functions"));
        if (num(att, "attested_functions") > 0) {
            fprintf(out, "; with attestations: %s", zt_json_str(att, "stage"));
        }
        fprintf(out, ")\n");
        print_functions(doc, zt_json_str(pl, "id"), width, out);
    }
    print_collectors(doc, out);
    print_failures(doc, out);
    zt_result_print_plan(doc, false, out);
}

/* "a, b, c" of the strings of arr into buf, "..." when it does not fit. */
static const char *joined(struct json_object *arr, char *buf, size_t len)
{
    size_t n = 0;

    buf[0] = '\0';
    for (size_t i = 0; arr && i < json_object_array_length(arr) && n < len; i++) {
        const char *s = json_object_get_string(json_object_array_get_idx(arr, i));
        int w = snprintf(buf + n, len - n, "%s%s", i ? ", " : "", s ? s : "?");
        if (w < 0 || (size_t)w >= len - n) {
            snprintf(buf + (len > 4 ? len - 4 : 0), len > 4 ? 4 : len, "...");
            break;
        }
        n += (size_t)w;
    }
    return buf;
}

static size_t count(struct json_object *o, const char *key)
{
    struct json_object *arr = zt_json_array(o, key);
    return arr ? json_object_array_length(arr) : 0;
}

static void print_plan_head(struct json_object *next, FILE *out)
{
    const char *stage = zt_json_str(next, "stage"), *target = zt_json_str(next, "target");
    struct json_object *v;
    bool reachable = json_object_object_get_ex(next, "reachable", &v) && json_object_get_boolean(v);
    char buf[1024];

    if (!target) {
        fprintf(out, "\nNext stage: %s\n",
                zt_streq(stage, "optimal")
                    ? "none, the estate is optimal"
                    : "nothing is assessed yet: collect the evidence below to get a stage");
        return;
    }
    fprintf(out, "\nNext stage: overall %s -> %s (re-estimated with every step done: %s)\n", stage,
            target, zt_json_str(next, "verified_stage"));
    if (!reachable) {
        fprintf(out,
                "  NOT REACHABLE by these steps alone: a function to raise has no rule at "
                "%s in the catalog\n",
                target);
    }
    fprintf(out, "  %zu function(s) to raise: %s\n", count(next, "raise"),
            joined(zt_json_array(next, "raise"), buf, sizeof(buf)));
}

static void print_plan_steps(struct json_object *next, FILE *out)
{
    struct json_object *steps = zt_json_array(next, "steps");
    char fns[512], rules[512];

    fprintf(out, "  %zu step(s), those that unblock the most functions first:\n",
            count(next, "steps"));
    for (size_t i = 0; steps && i < json_object_array_length(steps); i++) {
        struct json_object *s = json_object_array_get_idx(steps, i);
        const char *action = zt_json_str(s, "action");
        fprintf(out, "  %3zu. %-7s %-9s %s%s [%s]: %s\n", i + 1, action ? action : "?",
                zt_json_str(s, "stage"), zt_streq(action, "deploy") ? "one of " : "",
                joined(zt_json_array(s, "rules"), rules, sizeof(rules)),
                joined(zt_json_array(s, "functions"), fns, sizeof(fns)), zt_json_str(s, "title"));
    }
}

/* The evidence to collect by source: with detail, for every function's next stage; else only
 * what the estate's steps need. */
static void print_plan_collect(struct json_object *next, bool detail, FILE *out)
{
    struct json_object *arr = zt_json_array(next, "collect"), *v;
    bool header = false;
    char keys[512];

    for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
        struct json_object *c = json_object_array_get_idx(arr, i);
        struct json_object *inst = zt_json_array(c, "instances");
        if (!detail &&
            !(json_object_object_get_ex(c, "raises_overall", &v) && json_object_get_boolean(v))) {
            continue;
        }
        if (!header) {
            fprintf(out, "  Evidence to collect (rules unknown, or of sources not in use):\n");
            header = true;
        }
        const char *perm = zt_json_str(c, "permission");
        fprintf(out, "    %-12s %zu rule(s), keys: %s\n", zt_json_str(c, "source"),
                count(c, "rules"), joined(zt_json_array(c, "keys"), keys, sizeof(keys)));
        fprintf(out, "    %-12s %s%s\n", "", perm ? "needs " : "permission not documented",
                perm ? perm : "");
        for (size_t j = 0; inst && j < json_object_array_length(inst); j++) {
            struct json_object *in = json_object_array_get_idx(inst, j);
            const char *err = zt_json_str(in, "error");
            fprintf(out, "    %-12s instance %s: %s%s%s\n", "", zt_json_str(in, "name"),
                    zt_json_str(in, "status"), err ? ": " : "", err ? err : "");
        }
        if (!inst || json_object_array_length(inst) == 0) {
            fprintf(out, "    %-12s no instance configured\n", "");
        }
    }
}

/* The entries of next's pillars or functions that have a next stage, and what is in the way. */
static void print_plan_parts(struct json_object *next, const char *key, FILE *out)
{
    struct json_object *arr = zt_json_array(next, key), *v;

    for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
        struct json_object *p = json_object_array_get_idx(arr, i);
        if (!zt_json_str(p, "target")) {
            continue;
        }
        fprintf(out, "    %-45s %-11s -> %-9s %3zu fix, %3zu collect, %3zu deploy%s\n",
                zt_json_str(p, "id"), zt_json_str(p, "stage"), zt_json_str(p, "target"),
                count(p, "fix"), count(p, "collect"), count(p, "deploy"),
                json_object_object_get_ex(p, "reachable", &v) && !json_object_get_boolean(v)
                    ? "  (not reachable: no rule at that stage)"
                    : "");
    }
}

int zt_result_print_plan(struct json_object *doc, bool detail, FILE *out)
{
    _cleanup_json_ struct json_object *next = NULL;
    char err[256];

    if (zt_plan_of_result(doc, &next, err, sizeof(err)) < 0) {
        fprintf(out, "\nNext stage: no plan: %s\n", err);
        return -EBADMSG;
    }
    print_plan_head(next, out);
    print_plan_steps(next, out);
    print_plan_collect(next, detail, out);
    fprintf(out, "  Pillars:\n");
    print_plan_parts(next, "pillars", out);
    if (detail) {
        fprintf(out, "  Functions:\n");
        print_plan_parts(next, "functions", out);
    }
    return 0;
}
