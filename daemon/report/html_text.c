/* html_text.c - the text pieces every part of the HTML report uses: the one escaping function and
 * the stage names. Calls nothing else of the report, so its other files call one way. */
#include "html.h"
#include "html_internal.h"

#define put zt_buf_puts

void zt_html_escape(struct zt_buf *b, const char *s)
{
    const char *run = s;

    for (; s && *s; s++) {
        const char *rep = NULL;
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&#39;";
            break;
        default:
            if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) {
                rep = "&#xFFFD;";
            }
        }
        if (rep) {
            zt_buf_put(b, run, (size_t)(s - run));
            put(b, rep);
            run = s + 1;
        }
    }
    if (run) {
        zt_buf_put(b, run, (size_t)(s - run));
    }
}

const char *zt_html_stage_name(enum zt_stage s)
{
    static const char *const names[_ZT_STAGE_MAX] = {
        [ZT_STAGE_TRADITIONAL] = "Traditional", [ZT_STAGE_INITIAL] = "Initial",
        [ZT_STAGE_ADVANCED] = "Advanced",       [ZT_STAGE_OPTIMAL] = "Optimal",
        [ZT_STAGE_UNKNOWN] = "Unknown",
    };
    return s >= 0 && s < _ZT_STAGE_MAX ? names[s] : "Unknown";
}
