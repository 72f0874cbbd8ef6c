/* html.c - the HTML report of a result document: summary, heat map of the functions by pillar
 * and stage, the way up, trend, findings (failing first, filterable with CSS alone), collectors.
 * Everything taken from the document is escaped by zt_html_escape(); the page has no script and no
 * style attributes, and its Content-Security-Policy allows only its own style sheet. */
#include "html.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "history.h"
#include "log.h"
#include "html_internal.h"
#include "model.h"
#include "util.h"

#define put  zt_buf_puts
#define esc  zt_html_escape
#define putf zt_buf_printf

/* The stage as text, with the bound: ">= Initial" when the next stage could not be judged. */
static void stage_text(struct zt_buf *b, enum zt_stage s, bool at_least)
{
    if (at_least && s != ZT_STAGE_UNKNOWN) {
        esc(b, ">= ");
    }
    put(b, zt_html_stage_name(s));
}

/* before, then text escaped, then after: the shape of most of the page. */
static void wrap(struct zt_buf *b, const char *before, const char *text, const char *after)
{
    put(b, before);
    esc(b, text);
    put(b, after);
}

static void head(struct zt_buf *b, const struct zt_model *m)
{
    struct zt_buf style = {0};
    char source[128];

    zt_html_style(&style, m->n_pillars);
    zt_html_style_source(style.p, style.n, source, sizeof(source));
    put(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    putf(b,
         "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
         "style-src %s; img-src data:; base-uri 'none'; form-action 'none'\">\n",
         source);
    put(b, "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
           "<meta name=\"referrer\" content=\"no-referrer\">\n"
           "<link rel=\"icon\" href=\"data:,\">\n<title>ZTMM estimate: ");
    esc(b, m->host);
    put(b, " (");
    esc(b, m->finished_at);
    put(b, ")</title>\n<style>");
    zt_buf_put(b, style.p, style.n);
    put(b, "</style>\n</head>\n<body>\n");
    zt_buf_free(&style);
}

static void header(struct zt_buf *b, const struct zt_model *m)
{
    wrap(b, "<header>\n<h1>Zero Trust maturity estimate: ", m->host[0] ? m->host : "(no host name)",
         "</h1>\n<p class=\"meta\">");
    wrap(b, "", m->model_name ? m->model_name : "CISA ZTMM", " ");
    wrap(b, "", m->model_version, " &middot; scan <code>");
    wrap(b, "", m->scan_id, "</code> &middot; finished <time datetime=\"");
    wrap(b, "", m->finished_at, "\">");
    wrap(b, "", m->finished_at, "</time>");
    if (m->catalog) {
        wrap(b, " &middot; catalog <code>", m->catalog, "</code>");
    }
    put(b, "</p>\n<nav><a href=\"#heatmap\">Functions</a><a href=\"#plan\">Way up</a>"
           "<a href=\"#trend\">Trend</a>"
           "<a href=\"#findings\">Findings</a><a href=\"#collectors\">Collectors</a></nav>\n"
           "</header>\n");
}

static void rollup_text(struct zt_buf *b, double coverage, const struct zt_model_rollup *r)
{
    putf(b, "<small>coverage %.0f%%", coverage * 100.0);
    if (r->functions > 0) {
        putf(b, " &middot; %zu of %zu functions assessed", r->functions_assessed, r->functions);
    }
    put(b, "</small>");
    if (r->attested_functions > 0) {
        putf(b, "<small>with %zu attested function(s): %s</small>", r->attested_functions,
             zt_html_stage_name(r->attested_stage));
    }
}

static void summary(struct zt_buf *b, const struct zt_model *m)
{
    put(b, "<section id=\"summary\">\n<h2>Stages</h2>\n<div class=\"summary\">\n");
    putf(b, "<div class=\"card overall st-%s\">Overall (the weakest pillar)<span class=\"stage\">",
         zt_stage_to_string(m->overall));
    put(b, zt_html_stage_name(m->overall));
    put(b, "</span>");
    rollup_text(b, m->overall_coverage, &m->overall_rollup);
    put(b, "</div>\n");
    for (size_t i = 0; i < m->n_pillars; i++) {
        const struct zt_model_pillar *p = &m->pillars[i];
        putf(b, "<div class=\"card pillar st-%s\">", zt_stage_to_string(p->stage));
        esc(b, p->name ? p->name : p->id);
        put(b, "<span class=\"stage\">");
        put(b, zt_html_stage_name(p->stage));
        put(b, "</span>");
        rollup_text(b, p->coverage, &p->rollup);
        put(b, "</div>\n");
    }
    putf(b,
         "</div>\n<p class=\"meta\">Findings: %zu failing, %zu unknown (evidence missing), "
         "%zu passing, %zu not applicable.</p>\n</section>\n",
         m->findings_by_status[ZT_OUTCOME_FAIL], m->findings_by_status[ZT_OUTCOME_UNKNOWN],
         m->findings_by_status[ZT_OUTCOME_PASS], m->findings_by_status[ZT_OUTCOME_NOT_APPLICABLE]);
}

static void cell(struct zt_buf *b, const struct zt_model_function *f)
{
    putf(b, "<div class=\"cell st-%s bound-%s\" data-function=\"", zt_stage_to_string(f->stage),
         f->at_least ? "at_least" : "exact");
    esc(b, f->id);
    put(b, "\"><b>");
    esc(b, f->name ? f->name : f->id);
    put(b, "</b><span>");
    stage_text(b, f->stage, f->at_least);
    putf(b, "</span><span>coverage %.0f%%</span>", f->coverage * 100.0);
    if (f->attested) {
        putf(b, "<span>attested: %s</span>", zt_html_stage_name(f->attested_stage));
    }
    if (f->with_attested != f->stage) {
        putf(b, "<span>with attestations: %s</span>", zt_html_stage_name(f->with_attested));
    }
    put(b, "</div>");
}

/* Rows: pillars; columns: stages, then "not assessed"; each function a cell in its bin. */
static void heatmap(struct zt_buf *b, const struct zt_model *m)
{
    static const enum zt_stage cols[] = {ZT_STAGE_TRADITIONAL, ZT_STAGE_INITIAL, ZT_STAGE_ADVANCED,
                                         ZT_STAGE_OPTIMAL, ZT_STAGE_UNKNOWN};

    put(b, "<section id=\"heatmap\">\n<h2>Functions by pillar and stage</h2>\n"
           "<p class=\"meta\">Each function sits in the column of its estimated stage. "
           "&quot;&gt;=&quot; marks a lower bound (the next stage could not be judged); "
           "coverage is the share of its rules with a known outcome.</p>\n"
           "<table class=\"heat\">\n<thead><tr><th>Pillar</th>");
    for (size_t c = 0; c < ZT_ELEMENTSOF(cols); c++) {
        putf(b, "<th>%s</th>",
             cols[c] == ZT_STAGE_UNKNOWN ? "Not assessed" : zt_html_stage_name(cols[c]));
    }
    put(b, "</tr></thead>\n<tbody>\n");
    for (size_t p = 0; p < m->n_pillars; p++) {
        put(b, "<tr><th scope=\"row\">");
        esc(b, m->pillars[p].name ? m->pillars[p].name : m->pillars[p].id);
        put(b, "</th>");
        for (size_t c = 0; c < ZT_ELEMENTSOF(cols); c++) {
            putf(b, "<td class=\"bin-%s\" data-label=\"%s\">", zt_stage_to_string(cols[c]),
                 cols[c] == ZT_STAGE_UNKNOWN ? "Not assessed" : zt_html_stage_name(cols[c]));
            for (size_t i = 0; i < m->n_functions; i++) {
                const struct zt_model_function *f = &m->functions[i];
                if (f->stage == cols[c] && zt_streq(f->pillar, m->pillars[p].id)) {
                    cell(b, f);
                }
            }
            put(b, "</td>");
        }
        put(b, "</tr>\n");
    }
    put(b, "</tbody>\n</table>\n</section>\n");
}

static void json_text(struct zt_buf *b, struct json_object *v)
{
    esc(b, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_SPACED |
                                                 JSON_C_TO_STRING_NOSLASHESCAPE));
}

static void evidence_of(struct zt_buf *b, const struct zt_model *m, const char *key)
{
    const struct zt_model_evidence *e;
    size_t n = zt_model_evidence_find(m, key, &e);

    put(b, "<dt><code>");
    esc(b, key);
    put(b, "</code></dt>");
    if (n == 0) {
        put(b, "<dd class=\"missing\">not observed</dd>");
    }
    for (size_t i = 0; i < n; i++, e++) {
        put(b, "<dd><code>");
        json_text(b, e->value);
        put(b, "</code> <span class=\"meta\">from ");
        esc(b, e->collector ? e->collector : "?");
        if (e->account) {
            put(b, " account ");
            esc(b, e->account);
        }
        if (e->observed_at) {
            put(b, " at ");
            esc(b, e->observed_at);
        }
        put(b, "</span>");
        if (e->detail && !json_object_is_type(e->detail, json_type_null)) {
            put(b, "<details><summary>detail</summary><pre>");
            esc(b, json_object_to_json_string_ext(e->detail, JSON_C_TO_STRING_PRETTY |
                                                                 JSON_C_TO_STRING_SPACED |
                                                                 JSON_C_TO_STRING_NOSLASHESCAPE));
            put(b, "</pre></details>");
        }
        put(b, "</dd>");
    }
}

static const char *const status_titles[_ZT_OUTCOME_MAX] = {
    [ZT_OUTCOME_FAIL] = "Failing",
    [ZT_OUTCOME_UNKNOWN] = "Unknown (evidence missing)",
    [ZT_OUTCOME_PASS] = "Passing",
    [ZT_OUTCOME_NOT_APPLICABLE] = "Not applicable (no source of the rule took part)",
};
static const char *const status_labels[_ZT_OUTCOME_MAX] = {
    [ZT_OUTCOME_FAIL] = "failing",
    [ZT_OUTCOME_UNKNOWN] = "unknown",
    [ZT_OUTCOME_PASS] = "passing",
    [ZT_OUTCOME_NOT_APPLICABLE] = "not applicable",
};
static const enum zt_outcome status_order[] = {ZT_OUTCOME_FAIL, ZT_OUTCOME_UNKNOWN, ZT_OUTCOME_PASS,
                                               ZT_OUTCOME_NOT_APPLICABLE};

static size_t pillar_index(const struct zt_model *m, const char *function)
{
    const struct zt_model_function *f = zt_model_function(m, function);
    for (size_t p = 0; f && p < m->n_pillars; p++) {
        if (zt_streq(m->pillars[p].id, f->pillar)) {
            return p;
        }
    }
    return SIZE_MAX;
}

/* The collector instances a finding names (a universal rule that one of them fails). */
static void instances(struct zt_buf *b, const char *label, const char *const *names, size_t n)
{
    if (n == 0) {
        return;
    }
    putf(b, "<p class=\"who\"><strong>%s:</strong> ", label);
    for (size_t i = 0; i < n; i++) {
        put(b, i ? ", <code>" : "<code>");
        esc(b, names[i]);
        put(b, "</code>");
    }
    put(b, "</p>\n");
}

static void finding(struct zt_buf *b, const struct zt_model *m, const struct zt_model_finding *f)
{
    const char *st = zt_outcome_to_string(f->status);
    const struct zt_model_function *fn = zt_model_function(m, f->function);
    size_t p = pillar_index(m, f->function);

    putf(b, "<article class=\"finding st-%s", st);
    if (p != SIZE_MAX) {
        putf(b, " p-%zu", p);
    }
    putf(b, "\">\n<h4><span class=\"badge b-%s\">%s</span>", st,
         f->status == ZT_OUTCOME_NOT_APPLICABLE ? "N/A" : st);
    esc(b, f->title ? f->title : f->rule);
    put(b, "</h4>\n<p class=\"meta\">rule <code>");
    esc(b, f->rule);
    put(b, "</code> &middot; ");
    esc(b, fn && fn->name ? fn->name : "function");
    put(b, " <code>");
    esc(b, f->function);
    putf(b, "</code> &middot; %s stage</p>\n", zt_html_stage_name(f->stage));
    instances(b, "Not met in", f->failed_by, f->n_failed_by);
    instances(b, "Could not tell", f->unknown_in, f->n_unknown_in);
    put(b, "<dl>");
    for (size_t i = 0; i < f->n_evidence; i++) {
        evidence_of(b, m, f->evidence[i]);
    }
    put(b, "</dl>\n");
    if (f->remediation && f->status != ZT_OUTCOME_PASS) {
        put(b, "<p class=\"fix\"><strong>Remediation:</strong> ");
        esc(b, f->remediation);
        put(b, "</p>\n");
    } else if (f->remediation) {
        put(b, "<details><summary>remediation</summary><p>");
        esc(b, f->remediation);
        put(b, "</p></details>\n");
    }
    put(b, "</article>\n");
}

/* Radio buttons, siblings of the list that follows them: CSS rules (html_style.c) hide what is
 * not chosen, with no script. */
static void filters(struct zt_buf *b, const struct zt_model *m)
{
    putf(b,
         "<span class=\"fl-title\">Status</span><input type=\"radio\" class=\"flt\" "
         "name=\"status\" id=\"s-all\" checked><label for=\"s-all\">all (%zu)</label>",
         m->n_findings);
    for (size_t i = 0; i < ZT_ELEMENTSOF(status_order); i++) {
        const char *st = zt_outcome_to_string(status_order[i]);
        putf(b,
             "<input type=\"radio\" class=\"flt\" name=\"status\" id=\"s-%s\"><label "
             "for=\"s-%s\">%s (%zu)</label>",
             st, st, status_labels[status_order[i]], m->findings_by_status[status_order[i]]);
    }
    put(b, "<br class=\"fl-br\">\n<span class=\"fl-title\">Pillar</span><input type=\"radio\" "
           "class=\"flt\" name=\"pillar\" id=\"p-all\" checked><label for=\"p-all\">all</label>");
    for (size_t p = 0; p < m->n_pillars; p++) {
        putf(b,
             "<input type=\"radio\" class=\"flt\" name=\"pillar\" id=\"p-%zu\"><label "
             "for=\"p-%zu\">",
             p, p);
        esc(b, m->pillars[p].name ? m->pillars[p].name : m->pillars[p].id);
        put(b, "</label>");
    }
    put(b, "\n");
}

static void findings(struct zt_buf *b, const struct zt_model *m)
{
    put(b, "<section id=\"findings\">\n<h2>Findings</h2>\n");
    filters(b, m);
    put(b, "<div class=\"flist\">\n");
    for (size_t k = 0; k < ZT_ELEMENTSOF(status_order); k++) {
        enum zt_outcome o = status_order[k];
        putf(b, "<section class=\"grp g-%s\">\n<h3>%s: %zu</h3>\n", zt_outcome_to_string(o),
             status_titles[o], m->findings_by_status[o]);
        for (size_t i = 0; i < m->n_findings; i++) {
            if (m->findings[i].status == o) {
                finding(b, m, &m->findings[i]);
            }
        }
        put(b, "</section>\n");
    }
    put(b, "</div>\n</section>\n");
}

static void collectors(struct zt_buf *b, const struct zt_model *m)
{
    put(b, "<section id=\"collectors\">\n<h2>Collectors</h2>\n<table class=\"cols\">\n<thead><tr>"
           "<th>Name</th><th>Type</th><th>Status</th><th>Duration</th><th>Requests</th>"
           "<th>Evidence</th><th>Error</th></tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < m->n_collectors; i++) {
        const struct zt_model_collector *c = &m->collectors[i];
        wrap(b, "<tr><td data-label=\"Name\">", c->name, "</td><td data-label=\"Type\">");
        wrap(b, "", c->type, "</td><td data-label=\"Status\"><span class=\"badge b-");
        wrap(b, "", c->status, "\">");
        wrap(b, "", c->status, "");
        putf(b,
             "</span></td><td data-label=\"Duration\">%lld ms</td><td data-label=\"Requests\">"
             "%lld</td><td data-label=\"Evidence\">%lld</td><td data-label=\"Error\">",
             (long long)c->duration_ms, (long long)c->requests, (long long)c->evidence);
        if (c->error) {
            wrap(b, "<span class=\"err\">", c->error, "</span>");
        }
        put(b, "</td></tr>\n");
    }
    if (m->n_collectors == 0) {
        put(b, "<tr><td colspan=\"7\">no collector took part</td></tr>\n");
    }
    put(b, "</tbody>\n</table>\n</section>\n");
}

int zt_report_html(const struct zt_model *m, const struct zt_history *h, char **ret, size_t *len,
                   char *err, size_t errlen)
{
    struct zt_buf b = {.max = ZT_REPORT_HTML_MAX};

    head(&b, m);
    header(&b, m);
    summary(&b, m);
    heatmap(&b, m);
    zt_html_plan(&b, m->doc);
    zt_html_attest(&b, m);
    zt_html_trend(&b, m, h);
    findings(&b, m);
    collectors(&b, m);
    putf(&b,
         "<footer class=\"meta\"><p>ztmmd %s. This page is self-contained: no script, nothing "
         "fetched.</p></footer>\n</body>\n</html>\n",
         ZT_VERSION);
    if (zt_buf_take(&b, ret, len) < 0) {
        snprintf(err, errlen, "the HTML report would be larger than %u MiB",
                 ZT_REPORT_HTML_MAX / (1024u * 1024u));
        return -E2BIG;
    }
    return 0;
}

int zt_report_html_doc(struct json_object *doc, struct zt_history *h, char **ret, size_t *len,
                       char *err, size_t errlen)
{
    _cleanup_(zt_model_freep) struct zt_model *m = NULL;
    int r = zt_model_from_result(doc, &m, err, errlen);

    if (r < 0) {
        return r;
    }
    if (h) {
        zt_history_add(h, m);
    }
    return zt_report_html(m, h, ret, len, err, errlen);
}

int zt_report_html_print(const struct zt_model *m, const struct zt_history *h, FILE *out, char *err,
                         size_t errlen)
{
    _cleanup_free_ char *html = NULL;
    size_t len = 0;
    int r = zt_report_html(m, h, &html, &len, err, errlen);

    if (r < 0) {
        return r;
    }
    if (fwrite(html, 1, len, out) != len || fflush(out) != 0) {
        r = -errno;
        snprintf(err, errlen, "cannot write the HTML report: %s", strerror(-r));
        return r;
    }
    return 0;
}
