/* html.h - the HTML report: one self-contained page (inline CSS and SVG, no script, nothing
 * fetched, a strict Content-Security-Policy) of a result document and the trend of its history. */
#pragma once

#include <stddef.h>
#include <stdio.h>

#include "buf.h"

struct json_object;
struct zt_history;
struct zt_model;

#define ZT_REPORT_HTML_MAX (256u * 1024u * 1024u) /* bytes of one report */

/* Append s to b escaped for HTML text and for quoted attribute values: & < > " ' become
 * character references, control characters other than tab, line feed and carriage return become
 * U+FFFD. This is the one escaping function of the report: every text that comes from a document
 * (evidence, policy names, titles, ids) goes through it. NULL appends nothing. */
void zt_html_escape(struct zt_buf *b, const char *s);

/* Render the report of m, with the trend of h (may be NULL: only m is drawn; m need not be in h).
 * Returns 0 and the page through *ret (free()) and its length through *len, or -E2BIG when it
 * would be larger than ZT_REPORT_HTML_MAX (err says so). */
int zt_report_html(const struct zt_model *m, const struct zt_history *h, char **ret, size_t *len,
                   char *err, size_t errlen);

/* The same from a result document; doc's point is added to h unless h has it (h may be NULL).
 * Returns 0, -EBADMSG when doc is not a result document, or -E2BIG (err says why). */
int zt_report_html_doc(struct json_object *doc, struct zt_history *h, char **ret, size_t *len,
                       char *err, size_t errlen);

/* Render m with the trend of h (may be NULL) and write the page to out. Returns 0 or a negative
 * errno with the reason in err. */
int zt_report_html_print(const struct zt_model *m, const struct zt_history *h, FILE *out, char *err,
                         size_t errlen);
