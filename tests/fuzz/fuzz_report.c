/* fuzz_report.c - a result document (and a history summary after a NUL byte) from outside,
 * rendered as the HTML report: no crash, and every tag in the page is one the renderer writes,
 * so no text of the input ever becomes markup. */
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "history.h"
#include "html.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const tags[] = {
    "!DOCTYPE", "html",    "head",   "meta",   "link",   "title",      "style", "body", "header",
    "h1",       "h2",      "h3",     "h4",     "p",      "code",       "time",  "nav",  "a",
    "section",  "div",     "span",   "small",  "table",  "thead",      "tbody", "tr",   "th",
    "td",       "b",       "input",  "label",  "br",     "article",    "dl",    "dt",   "dd",
    "details",  "summary", "pre",    "strong", "figure", "figcaption", "svg",   "line", "text",
    "path",     "circle",  "footer", "ol",     "li",
};

static bool known_tag(const char *p)
{
    p += p[1] == '/' ? 2 : 1;
    for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
        size_t n = strlen(tags[i]);
        if (strncmp(p, tags[i], n) == 0 && (p[n] == '>' || p[n] == ' ' || p[n] == '/')) {
            return true;
        }
    }
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    const char *nul = memchr(text, '\0', size);
    size_t doc_len = nul ? (size_t)(nul - text) : size;
    struct json_object *doc = NULL, *hist = NULL;
    struct zt_history h = {0};
    char err[256], *html = NULL;
    size_t len = 0;

    if (zt_json_parse(text, doc_len, 64, &doc, err, sizeof(err)) < 0) {
        return 0;
    }
    if (nul && zt_json_parse(nul + 1, size - doc_len - 1, 64, &hist, err, sizeof(err)) == 0) {
        zt_history_from_json(hist, &h, err, sizeof(err));
    }
    if (zt_report_html_doc(doc, &h, &html, &len, err, sizeof(err)) == 0) {
        if (strlen(html) != len) {
            abort();
        }
        for (const char *p = html; (p = strchr(p, '<')); p++) {
            if (!known_tag(p)) {
                abort(); /* text of the input became markup */
            }
        }
        free(html);
    }
    zt_history_clear(&h);
    json_object_put(hist);
    json_object_put(doc);
    return 0;
}
