/* html_internal.h - pieces of the HTML report shared by its files; not a public interface. */
#pragma once

#include <stddef.h>

#include "buf.h"
#include "catalog.h"

struct zt_history;
struct zt_model;

/* html_text.c (with zt_html_escape() of html.h): "Traditional" ... "Optimal", "Unknown". */
const char *zt_html_stage_name(enum zt_stage s);

/* html_style.c: the style sheet, with one pair of filter rules per pillar index (0..n_pillars). */
void zt_html_style(struct zt_buf *b, size_t n_pillars);
/* The CSP source that allows exactly the style text css: 'sha256-BASE64' into out (>= 56 bytes). */
void zt_html_style_source(const char *css, size_t len, char *out, size_t outlen);

/* html_trend.c: the trend section: one step chart per pillar and overall over the points of h
 * and m (m added at the end when h does not hold it), and the same as a table. */
void zt_html_trend(struct zt_buf *b, const struct zt_model *m, const struct zt_history *h);

/* html_plan.c: the way-up section of result document doc ("next", or computed from its findings
 * when it has none). */
struct json_object;
void zt_html_plan(struct zt_buf *b, struct json_object *doc);

/* html_attest.c: the statements to attest of the catalog's attestation-only stages, and whether
 * an [attest] claim covers each (nothing when the result declares none). */
void zt_html_attest(struct zt_buf *b, const struct zt_model *m);
