/* html_plan.c - the report's "way up" section: the steps that raise the overall stage, the
 * evidence to collect by source, and each pillar's next stage, from the result's "next" section
 * (or computed from its findings when it has none). Every text is escaped. */
#include <json-c/json.h>

#include "html.h"
#include "html_internal.h"
#include "plan.h"
#include "util.h"

#define put  zt_buf_puts
#define esc  zt_html_escape
#define putf zt_buf_printf

static size_t count(struct json_object *o, const char *key)
{
    struct json_object *arr = zt_json_array(o, key);
    return arr ? json_object_array_length(arr) : 0;
}

static bool flag(struct json_object *o, const char *key)
{
    struct json_object *v;
    return json_object_object_get_ex(o, key, &v) && json_object_get_boolean(v);
}

/* The strings of o's array key, each escaped in <code>, separated by commas. */
static void codes(struct zt_buf *b, struct json_object *o, const char *key)
{
    struct json_object *arr = zt_json_array(o, key);

    for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
        put(b, i ? ", <code>" : "<code>");
        esc(b, json_object_get_string(json_object_array_get_idx(arr, i)));
        put(b, "</code>");
    }
    if (!arr || json_object_array_length(arr) == 0) {
        put(b, "none");
    }
}

static const char *stage_name(const char *stage)
{
    int s = zt_stage_from_string(stage);
    return zt_html_stage_name(s < 0 ? ZT_STAGE_UNKNOWN : (enum zt_stage)s);
}

static void head(struct zt_buf *b, struct json_object *next)
{
    const char *stage = zt_json_str(next, "stage"), *target = zt_json_str(next, "target");

    if (!target) {
        putf(b, "<p>%s</p>\n",
             zt_streq(stage, "optimal")
                 ? "The estate is Optimal: there is no next stage."
                 : "Nothing is assessed yet: collect the evidence below to get a stage.");
        return;
    }
    putf(b,
         "<p>Overall <strong>%s</strong> &rarr; <strong>%s</strong>: every function at %s must "
         "rise. With every step below done, the estimate would be <strong>%s</strong>.</p>\n",
         stage_name(stage), stage_name(target), stage_name(stage),
         stage_name(zt_json_str(next, "verified_stage")));
    if (!flag(next, "reachable")) {
        putf(b,
             "<p class=\"fix\"><strong>Not reachable by these steps alone:</strong> a function "
             "to raise has no rule at %s in the catalog.</p>\n",
             stage_name(target));
    }
    putf(b, "<p class=\"meta\">%zu function(s) to raise: ", count(next, "raise"));
    codes(b, next, "raise");
    put(b, "</p>\n");
}

static const char *badge_of(const char *action)
{
    return zt_streq(action, "fix")       ? "b-fail"
           : zt_streq(action, "collect") ? "b-unknown"
                                         : "b-not_applicable";
}

static void steps(struct zt_buf *b, struct json_object *next)
{
    struct json_object *arr = zt_json_array(next, "steps");

    if (!arr || json_object_array_length(arr) == 0) {
        return;
    }
    put(b, "<h3>Steps, those that unblock the most functions first</h3>\n<ol class=\"plan\">\n");
    for (size_t i = 0; i < json_object_array_length(arr); i++) {
        struct json_object *s = json_object_array_get_idx(arr, i);
        const char *action = zt_json_str(s, "action");
        putf(b, "<li><span class=\"badge %s\">", badge_of(action));
        esc(b, action);
        put(b, "</span>");
        esc(b, zt_json_str(s, "title"));
        putf(b, "<p class=\"meta\">%s stage &middot; %s", stage_name(zt_json_str(s, "stage")),
             zt_streq(action, "deploy") ? "any one of the rules " : "rule ");
        codes(b, s, "rules");
        putf(b, " &middot; unblocks %zu: ", count(s, "functions"));
        codes(b, s, "functions");
        put(b, "</p>\n<p class=\"fix\"><strong>Remediation:</strong> ");
        esc(b, zt_json_str(s, "remediation"));
        put(b, "</p></li>\n");
    }
    put(b, "</ol>\n");
}

static void instances(struct zt_buf *b, struct json_object *c)
{
    struct json_object *arr = zt_json_array(c, "instances");

    for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
        struct json_object *in = json_object_array_get_idx(arr, i);
        put(b, i ? "<br><code>" : "<code>");
        esc(b, zt_json_str(in, "name"));
        put(b, "</code> ");
        esc(b, zt_json_str(in, "status"));
        if (zt_json_str(in, "error")) {
            put(b, ": <span class=\"err\">");
            esc(b, zt_json_str(in, "error"));
            put(b, "</span>");
        }
    }
    if (!arr || json_object_array_length(arr) == 0) {
        put(b, "none configured");
    }
}

static void collect(struct zt_buf *b, struct json_object *next)
{
    struct json_object *arr = zt_json_array(next, "collect");

    if (!arr || json_object_array_length(arr) == 0) {
        return;
    }
    put(b, "<h3>Evidence to collect</h3>\n<table class=\"cols\">\n<thead><tr><th>Source</th>"
           "<th>Keys it lacks</th><th>Rules</th><th>Permission</th><th>Instances</th>"
           "</tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < json_object_array_length(arr); i++) {
        struct json_object *c = json_object_array_get_idx(arr, i);
        put(b, "<tr><td data-label=\"Source\"><code>");
        esc(b, zt_json_str(c, "source"));
        put(b, flag(c, "raises_overall") ? "</code> (raises the overall)" : "</code>");
        put(b, "</td><td data-label=\"Keys\">");
        codes(b, c, "keys");
        put(b, "</td><td data-label=\"Rules\">");
        codes(b, c, "rules");
        put(b, "</td><td data-label=\"Permission\">");
        esc(b, zt_json_str(c, "permission") ? zt_json_str(c, "permission") : "not documented");
        put(b, "</td><td data-label=\"Instances\">");
        instances(b, c);
        put(b, "</td></tr>\n");
    }
    put(b, "</tbody>\n</table>\n");
}

static void pillars(struct zt_buf *b, struct json_object *next)
{
    struct json_object *arr = zt_json_array(next, "pillars");

    put(b, "<h3>Pillars</h3>\n<table class=\"cols\">\n<thead><tr><th>Pillar</th><th>Stage</th>"
           "<th>Next</th><th>Functions to raise</th><th>Fix</th><th>Collect</th><th>Deploy</th>"
           "</tr></thead>\n<tbody>\n");
    for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
        struct json_object *p = json_object_array_get_idx(arr, i);
        const char *target = zt_json_str(p, "target");
        put(b, "<tr><td data-label=\"Pillar\"><code>");
        esc(b, zt_json_str(p, "id"));
        putf(b, "</code></td><td data-label=\"Stage\">%s</td><td data-label=\"Next\">%s%s</td>",
             stage_name(zt_json_str(p, "stage")), target ? stage_name(target) : "none",
             target && !flag(p, "reachable") ? " (not reachable)" : "");
        put(b, "<td data-label=\"Functions\">");
        codes(b, p, "functions");
        put(b, "</td><td data-label=\"Fix\">");
        codes(b, p, "fix");
        put(b, "</td><td data-label=\"Collect\">");
        codes(b, p, "collect");
        put(b, "</td><td data-label=\"Deploy\">");
        codes(b, p, "deploy");
        put(b, "</td></tr>\n");
    }
    put(b, "</tbody>\n</table>\n");
}

void zt_html_plan(struct zt_buf *b, struct json_object *doc)
{
    _cleanup_json_ struct json_object *next = NULL;
    char err[256];

    put(b, "<section id=\"plan\">\n<h2>The way up</h2>\n");
    if (zt_plan_of_result(doc, &next, err, sizeof(err)) < 0) {
        put(b, "<p>No plan: ");
        esc(b, err);
        put(b, "</p>\n</section>\n");
        return;
    }
    head(b, next);
    steps(b, next);
    collect(b, next);
    pillars(b, next);
    put(b, "</section>\n");
}
