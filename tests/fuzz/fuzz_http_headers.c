/* fuzz_http_headers.c - libFuzzer harness for the HTTP engine's parsers of server input:
 * header blocks, Retry-After and HTTP-dates, Link headers, and the URL helpers that see server
 * nextLinks. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char buf[512], *next = NULL;
    uint64_t ms = 0;
    int64_t sec = 0;

    if (size > 8192) {
        return 0;
    }
    char *s = zt_xstrndup((const char *)data, size);
    const char *v = zt_http_header_value(s, "Retry-After", buf, sizeof(buf));
    if (v && (v != buf || strlen(buf) >= sizeof(buf))) {
        abort(); /* the value is always the caller's buffer, terminated */
    }
    zt_http_parse_retry_after(s, 1445412480, &ms);
    zt_http_parse_date(s, &sec);
    if (zt_http_link_next(s, &next) == 0) {
        if (!next[0]) {
            abort(); /* an empty target must never be returned */
        }
        free(next);
    }
    zt_http_redact_url(s, buf, sizeof(buf));
    if (strlen(buf) >= sizeof(buf)) {
        abort();
    }
    zt_http_url_origin(s, buf, sizeof(buf));
    char *u = zt_http_url_set_param(s, "continue", s);
    free(u);
    free(s);
    return 0;
}
