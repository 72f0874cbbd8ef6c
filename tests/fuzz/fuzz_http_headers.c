/* fuzz_http_headers.c - libFuzzer harness for the HTTP engine's parsers of server input:
 * header blocks, Retry-After and HTTP-dates, Link fields (one value, repeated fields and header
 * blocks must agree), and the URL helpers that see server next links (a relative reference
 * never leaves the base's origin). */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One Link value alone, as the second Link field of a block (after a self link, as Okta sends
 * it) and as two fields: the same answer (RFC 9110: repeated fields are one comma-joined list;
 * the same next link twice is one). */
static void check_links(const char *s)
{
    char *next = NULL, *again = NULL, *twice = NULL;
    int r = zt_http_link_next(s, &next);

    if (r != 0 && r != -ENOENT && r != -EBADMSG) {
        abort();
    }
    if (r == 0 && !next[0]) {
        abort(); /* an empty target must never be returned */
    }
    if (!strpbrk(s, "\r\n")) {
        char *block = zt_xasprintf("HTTP/1.1 200 OK\r\nLink: %s\r\nlink:%s\r\n\r\n", s, s);
        char *one = zt_xasprintf("HTTP/1.1 200 OK\r\nLink: <https://o.example/s>; rel=\"self\""
                                 "\r\nX-Rate-Limit-Remaining: 5\r\nLink: %s\r\n\r\n",
                                 s);
        if (zt_http_headers_link_next(one, &again) != r ||
            zt_http_headers_link_next(block, &twice) != r) {
            abort();
        }
        if (r == 0 && (strcmp(next, again) != 0 || strcmp(next, twice) != 0)) {
            abort();
        }
        free(block);
        free(one);
    }
    free(next);
    free(again);
    free(twice);
}

/* A reference without a scheme or authority never leaves the base URL's origin. */
static void check_resolve(const char *s)
{
    static const char base[] = "https://o.example:8443/api/v1/users?after=x#f";
    char a[256], b[256];
    char *u = zt_http_url_resolve(base, s);

    if (!u) {
        abort(); /* the base is absolute: every reference resolves */
    }
    bool has_scheme = strcspn(s, ":/?#") < strlen(s) && s[strcspn(s, ":/?#")] == ':';
    if (!has_scheme && strncmp(s, "//", 2) != 0 && !strpbrk(s, "@\\") &&
        (!zt_http_url_origin(u, a, sizeof(a)) || !zt_http_url_origin(base, b, sizeof(b)) ||
         strcmp(a, b) != 0)) {
        abort();
    }
    free(u);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char buf[512];
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
    check_links(s);
    check_resolve(s);
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
