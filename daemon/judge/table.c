/* table.c - print a result document as a readable terminal table. */
#include <json-c/json.h>
#include <string.h>

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
}
