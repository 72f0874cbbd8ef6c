/* html_attest.c - the report's "statements to attest" section: every function stage the catalog
 * declares attestation-only, the statement a person attests for it, and whether [attest] claims
 * it. Such a stage is never part of the observed estimate (docs/rules.md). Every text is escaped.
 */
#include <json-c/json.h>

#include "html.h"
#include "html_internal.h"
#include "model.h"
#include "util.h"

#define put  zt_buf_puts
#define esc  zt_html_escape
#define putf zt_buf_printf

static void row(struct zt_buf *b, const struct zt_model_function *f, struct json_object *c)
{
    struct json_object *v = NULL;
    bool attested = json_object_object_get_ex(c, "attested", &v) && json_object_get_boolean(v);
    int s = zt_stage_from_string(zt_json_str(c, "stage"));

    put(b, "<tr><td><code>");
    esc(b, f->id);
    putf(b, "</code></td><td>%s</td><td>", zt_html_stage_name(s < 0 ? ZT_STAGE_UNKNOWN : s));
    esc(b, zt_json_str(c, "statement") ? zt_json_str(c, "statement") : "");
    if (attested) {
        putf(b, "</td><td>attested ([attest] %s)</td></tr>\n",
             zt_html_stage_name(f->attested_stage));
    } else {
        put(b, "</td><td>not attested</td></tr>\n");
    }
}

void zt_html_attest(struct zt_buf *b, const struct zt_model *m)
{
    bool any = false;

    for (size_t i = 0; i < m->n_functions && !any; i++) {
        any = m->functions[i].attestation_only &&
              json_object_array_length(m->functions[i].attestation_only) > 0;
    }
    if (!any) {
        return;
    }
    put(b, "<section id=\"attest\">\n<h2>Statements to attest</h2>\n"
           "<p class=\"meta\">No machine evidence shows these stages. The observed estimate never "
           "claims them; an [attest] claim of the stage or higher lets the figures &quot;with "
           "attestations&quot; count them.</p>\n"
           "<table>\n<thead><tr><th>Function</th><th>Stage</th><th>Statement</th>"
           "<th>Claim</th></tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < m->n_functions; i++) {
        struct json_object *arr = m->functions[i].attestation_only;
        for (size_t j = 0; arr && j < json_object_array_length(arr); j++) {
            row(b, &m->functions[i], json_object_array_get_idx(arr, j));
        }
    }
    put(b, "</tbody>\n</table>\n</section>\n");
}
