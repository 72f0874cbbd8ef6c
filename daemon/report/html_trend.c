/* html_trend.c - the trend of each pillar and of the overall stage over the kept history: one
 * inline SVG step chart each (stages as labelled rows, a titled point per scan) and the same
 * figures as a table, so nothing depends on reading a chart or its colours. */
#include <stdio.h>
#include <string.h>

#include "history.h"
#include "html.h"
#include "html_internal.h"
#include "model.h"
#include "util.h"

/* Chart geometry (SVG user units; the chart scales to its box). */
#define W      360
#define H      132
#define LEFT   78
#define RIGHT  10
#define TOP    10
#define BOTTOM 24
#define ROWS   5 /* optimal, advanced, initial, traditional, unknown: top to bottom */

/* One scan as the chart sees it: a time label and a stage per series. */
struct series_ctx {
    const struct zt_model *m;
    const struct zt_history *h;
    bool with_latest; /* m is not in h: it is the last point */
    size_t n;         /* points */
};

static const struct zt_history_point *point(const struct series_ctx *c, size_t i)
{
    return i < c->h->n ? &c->h->v[i] : NULL;
}

static const char *point_time(const struct series_ctx *c, size_t i)
{
    const struct zt_history_point *p = point(c, i);
    return p ? p->finished_at : c->m->finished_at;
}

static const char *point_scan(const struct series_ctx *c, size_t i)
{
    const struct zt_history_point *p = point(c, i);
    return p ? p->scan_id : c->m->scan_id;
}

/* The stage of series s (0: overall, 1 + k: pillar k of m) at point i. */
static enum zt_stage point_stage(const struct series_ctx *c, size_t s, size_t i)
{
    const struct zt_history_point *p = point(c, i);

    if (!p) {
        return s == 0 ? c->m->overall : c->m->pillars[s - 1].stage;
    }
    if (s == 0) {
        return p->overall;
    }
    for (size_t k = 0; k < p->n_pillars; k++) {
        if (zt_streq(p->pillars[k].id, c->m->pillars[s - 1].id)) {
            return p->pillars[k].stage;
        }
    }
    return ZT_STAGE_UNKNOWN;
}

static int row_y(enum zt_stage st)
{
    int row = st == ZT_STAGE_UNKNOWN ? ROWS - 1 : (int)ZT_STAGE_OPTIMAL - (int)st;
    return TOP + row * (H - TOP - BOTTOM) / (ROWS - 1);
}

static int point_x(const struct series_ctx *c, size_t i)
{
    if (c->n < 2) {
        return LEFT + (W - LEFT - RIGHT) / 2;
    }
    return LEFT + (int)((double)i * (W - LEFT - RIGHT) / (double)(c->n - 1));
}

/* "2026-11-22T16:40:00.151Z" -> "2026-11-22 16:40" (shorter; still the document's text). */
static void short_time(struct zt_buf *b, const char *t)
{
    char s[17];
    size_t n = t ? strnlen(t, 16) : 0;

    memcpy(s, t ? t : "", n);
    s[n] = '\0';
    if (n > 10 && s[10] == 'T') {
        s[10] = ' ';
    }
    zt_html_escape(b, s);
}

static void axes(struct zt_buf *b, const struct series_ctx *c)
{
    static const enum zt_stage rows[ROWS] = {ZT_STAGE_OPTIMAL, ZT_STAGE_ADVANCED, ZT_STAGE_INITIAL,
                                             ZT_STAGE_TRADITIONAL, ZT_STAGE_UNKNOWN};
    for (size_t r = 0; r < ROWS; r++) {
        int y = row_y(rows[r]);
        zt_buf_printf(b,
                      "<line class=\"grid%s\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>"
                      "<text class=\"axis\" x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>",
                      rows[r] == ZT_STAGE_UNKNOWN ? " unk" : "", LEFT - 4, y, W - RIGHT, y,
                      LEFT - 8, y + 3, zt_html_stage_name(rows[r]));
    }
    zt_buf_printf(b, "<text class=\"axis\" x=\"%d\" y=\"%d\" text-anchor=\"%s\">", point_x(c, 0),
                  H - 6, c->n < 2 ? "middle" : "start");
    short_time(b, point_time(c, 0));
    zt_buf_puts(b, "</text>");
    if (c->n >= 2) {
        zt_buf_printf(b, "<text class=\"axis\" x=\"%d\" y=\"%d\" text-anchor=\"end\">", W - RIGHT,
                      H - 6);
        short_time(b, point_time(c, c->n - 1));
        zt_buf_puts(b, "</text>");
    }
}

static void chart(struct zt_buf *b, const struct series_ctx *c, size_t s, const char *name)
{
    enum zt_stage first = point_stage(c, s, 0), last = point_stage(c, s, c->n - 1);

    zt_buf_printf(b, "<figure><figcaption id=\"tr-%zu\"><b>", s);
    zt_html_escape(b, name);
    zt_buf_printf(b, "</b>: %s", zt_html_stage_name(first));
    if (c->n > 1) {
        zt_buf_printf(b, " &rarr; %s over %zu scans", zt_html_stage_name(last), c->n);
    } else {
        zt_buf_puts(b, " (one scan)");
    }
    zt_buf_printf(b,
                  "</figcaption>\n<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
                  "role=\"img\" aria-labelledby=\"tr-%zu\">",
                  W, H, s);
    axes(b, c);
    /* Step line: a stage holds until the next scan. */
    zt_buf_printf(b, "<path class=\"line\" d=\"M%d %d", point_x(c, 0), row_y(first));
    for (size_t i = 1; i < c->n; i++) {
        zt_buf_printf(b, "H%dV%d", point_x(c, i), row_y(point_stage(c, s, i)));
    }
    zt_buf_puts(b, "\"/>");
    for (size_t i = 0; i < c->n; i++) {
        enum zt_stage st = point_stage(c, s, i);
        zt_buf_printf(b, "<circle class=\"pt st-%s\" cx=\"%d\" cy=\"%d\" r=\"3.5\"><title>",
                      zt_stage_to_string(st), point_x(c, i), row_y(st));
        zt_html_escape(b, point_time(c, i));
        zt_buf_printf(b, ": %s</title></circle>", zt_html_stage_name(st));
    }
    zt_buf_puts(b, "</svg></figure>\n");
}

static void table(struct zt_buf *b, const struct series_ctx *c)
{
    zt_buf_puts(b, "<details><summary>The trend as a table</summary>\n<table>\n<thead><tr>"
                   "<th>Finished</th><th>Scan</th><th>Overall</th>");
    for (size_t k = 0; k < c->m->n_pillars; k++) {
        zt_buf_puts(b, "<th>");
        zt_html_escape(b, c->m->pillars[k].name ? c->m->pillars[k].name : c->m->pillars[k].id);
        zt_buf_puts(b, "</th>");
    }
    zt_buf_puts(b, "</tr></thead>\n<tbody>\n");
    for (size_t i = c->n; i-- > 0;) { /* newest first */
        zt_buf_puts(b, "<tr><td>");
        zt_html_escape(b, point_time(c, i));
        zt_buf_puts(b, "</td><td><code>");
        zt_html_escape(b, point_scan(c, i));
        zt_buf_puts(b, "</code></td>");
        for (size_t s = 0; s <= c->m->n_pillars; s++) {
            zt_buf_printf(b, "<td>%s</td>", zt_html_stage_name(point_stage(c, s, i)));
        }
        zt_buf_puts(b, "</tr>\n");
    }
    zt_buf_puts(b, "</tbody>\n</table>\n</details>\n");
}

void zt_html_trend(struct zt_buf *b, const struct zt_model *m, const struct zt_history *h)
{
    static const struct zt_history empty = {0};
    struct series_ctx c = {.m = m, .h = h ? h : &empty, .with_latest = true};

    for (size_t i = 0; i < c.h->n; i++) {
        c.with_latest = c.with_latest && !zt_streq(c.h->v[i].scan_id, m->scan_id);
    }
    c.n = c.h->n + (c.with_latest ? 1 : 0);
    zt_buf_puts(b, "<section id=\"trend\">\n<h2>Trend</h2>\n");
    if (c.n < 2) {
        zt_buf_puts(b, "<p class=\"meta\">Only this scan is known. The service keeps earlier "
                       "results in state_dir/history; offline, give that directory with "
                       "--history.</p>\n");
    } else {
        zt_buf_printf(b, "<p class=\"meta\">%zu scans, oldest first.</p>\n", c.n);
    }
    if (c.h->skipped > 0) {
        zt_buf_printf(b,
                      "<p class=\"err\">%zu kept document(s) could not be read as results and "
                      "are left out.</p>\n",
                      c.h->skipped);
    }
    zt_buf_puts(b, "<div class=\"trend\">\n");
    chart(b, &c, 0, "Overall");
    for (size_t k = 0; k < m->n_pillars; k++) {
        chart(b, &c, k + 1, m->pillars[k].name ? m->pillars[k].name : m->pillars[k].id);
    }
    zt_buf_puts(b, "</div>\n");
    table(b, &c);
    zt_buf_puts(b, "</section>\n");
}
