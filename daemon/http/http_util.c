/* http_util.c - pure helpers of the HTTP engine: header parsing (Retry-After, HTTP-date, Link),
 * URL redaction, editing and resolution, JSON paths. No I/O, so the fuzzers link this file alone.
 */
#include "http.h"

#include <ctype.h>
#include <json-c/json.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "util.h"

#define RETRY_AFTER_MAX_SEC (7 * 24 * 3600) /* anything longer is a bogus value: clamp */

int zt_http_parse_date(const char *value, int64_t *ret_sec)
{
    static const char *const formats[] = {
        "%a, %d %b %Y %H:%M:%S GMT", /* IMF-fixdate */
        "%A, %d-%b-%y %H:%M:%S GMT", /* obsolete RFC 850 */
        "%a %b %e %H:%M:%S %Y",      /* asctime */
    };
    while (*value == ' ' || *value == '\t') {
        value++;
    }
    for (size_t i = 0; i < ZT_ELEMENTSOF(formats); i++) {
        struct tm tm = {0};
        const char *end = strptime(value, formats[i], &tm);
        if (!end) {
            continue;
        }
        while (*end == ' ' || *end == '\t') {
            end++;
        }
        if (*end) {
            continue;
        }
        time_t t = timegm(&tm);
        if (t == (time_t)-1) {
            return -EINVAL;
        }
        *ret_sec = (int64_t)t;
        return 0;
    }
    return -EINVAL;
}

int zt_http_parse_retry_after(const char *value, int64_t now_sec, uint64_t *ret_ms)
{
    while (*value == ' ' || *value == '\t') {
        value++;
    }
    if (isdigit((unsigned char)*value)) {
        uint64_t sec = 0;
        const char *p = value;
        for (; isdigit((unsigned char)*p); p++) {
            sec = sec * 10 + (uint64_t)(*p - '0');
            if (sec > RETRY_AFTER_MAX_SEC) {
                sec = RETRY_AFTER_MAX_SEC;
            }
        }
        while (*p == ' ' || *p == '\t') {
            p++;
        }
        if (*p) {
            return -EINVAL;
        }
        *ret_ms = sec * ZT_MS_PER_SEC;
        return 0;
    }
    int64_t when = 0;
    if (zt_http_parse_date(value, &when) < 0) {
        return -EINVAL;
    }
    int64_t delta = when - now_sec;
    if (delta < 0) {
        delta = 0;
    }
    if (delta > RETRY_AFTER_MAX_SEC) {
        delta = RETRY_AFTER_MAX_SEC;
    }
    *ret_ms = (uint64_t)delta * ZT_MS_PER_SEC;
    return 0;
}

/* Link header fields (RFC 8288 section 3):
 *   Link       = #link-value            (comma-separated; a field may repeat)
 *   link-value = "<" URI-Reference ">" *( OWS ";" OWS link-param )
 *   link-param = token BWS [ "=" BWS ( token / quoted-string ) ]
 * rel holds one or more space-separated relation types, compared case-insensitively; only the
 * first rel of a link-value counts; a link with an anchor is about another resource. A value that
 * does not parse is an error, not "no next page": what it hid cannot be told. */
struct link_scan {
    const char *next; /* the rel=next target found, not terminated */
    size_t next_len;
    bool clash; /* two different next targets */
};

static bool is_ows(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n'; /* CR LF: an obs-folded field */
}

static bool is_tchar(char c)
{
    return isalnum((unsigned char)c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static const char *skip_ows(const char *p, const char *end)
{
    while (p < end && is_ows(*p)) {
        p++;
    }
    return p;
}

/* Does the rel value [v, end) (backslash escapes of a quoted-string when quoted) list "next"? */
static bool rel_has_next(const char *v, const char *end, bool quoted)
{
    size_t match = 0; /* characters of "next" matched by the current type, SIZE_MAX: mismatch */
    for (const char *p = v;; p++) {
        if (p == end || *p == ' ' || *p == '\t') {
            if (match == 4) {
                return true;
            }
            if (p == end) {
                return false;
            }
            match = 0;
            continue;
        }
        if (quoted && *p == '\\' && p + 1 < end) {
            p++;
        }
        match = match < 4 && tolower((unsigned char)*p) == "next"[match] ? match + 1 : SIZE_MAX;
    }
}

/* One parameter value at p: sets [*v, *vend) and *quoted. Returns the position after it. */
static const char *link_param_value(const char *p, const char *end, const char **v,
                                    const char **vend, bool *quoted)
{
    *quoted = p < end && *p == '"';
    if (!*quoted) {
        for (*v = p; p < end && is_tchar(*p); p++) {
        }
        *vend = p;
        return p;
    }
    for (*v = ++p; p < end && *p != '"'; p++) {
        if (*p == '\\') {
            p++;
        }
    }
    if (p >= end) {
        return NULL; /* unterminated quoted-string */
    }
    *vend = p;
    return p + 1;
}

/* The parameters of one link-value, from after its '>' to its end. Sets *next when rel (the
 * first one) lists next and no anchor moves the context. Returns the position after them. */
static const char *link_params(const char *p, const char *end, bool *next)
{
    bool rel_seen = false, anchor = false;

    *next = false;
    for (;;) {
        p = skip_ows(p, end);
        if (p == end || *p == ',') {
            break;
        }
        if (*p != ';') {
            return NULL;
        }
        p = skip_ows(p + 1, end);
        const char *name = p;
        while (p < end && is_tchar(*p)) {
            p++;
        }
        size_t name_len = (size_t)(p - name);
        if (name_len == 0) {
            continue; /* an empty parameter (";;" or a trailing ';'): checked by the loop */
        }
        const char *v = p, *vend = p;
        bool quoted = false;
        p = skip_ows(p, end);
        if (p < end && *p == '=') {
            p = link_param_value(skip_ows(p + 1, end), end, &v, &vend, &quoted);
            if (!p) {
                return NULL;
            }
        }
        if (name_len == 3 && strncasecmp(name, "rel", 3) == 0 && !rel_seen) {
            rel_seen = true;
            *next = rel_has_next(v, vend, quoted);
        } else if (name_len == 6 && strncasecmp(name, "anchor", 6) == 0) {
            anchor = true;
        }
    }
    *next = *next && !anchor;
    return p;
}

/* Scan the link-values of [p, end) into s. Returns 0, or -EBADMSG when one does not parse. */
static int link_scan(const char *p, const char *end, struct link_scan *s)
{
    for (;;) {
        while (p < end && (is_ows(*p) || *p == ',')) {
            p++; /* empty list elements are allowed */
        }
        if (p == end) {
            return 0;
        }
        if (*p != '<') {
            return -EBADMSG;
        }
        const char *uri = p + 1;
        const char *gt = memchr(uri, '>', (size_t)(end - uri));
        bool next = false;
        if (!gt || !(p = link_params(gt + 1, end, &next))) {
            return -EBADMSG;
        }
        size_t n = (size_t)(gt - uri);
        if (!next) {
            continue;
        }
        if (n == 0) {
            return -EBADMSG; /* an empty reference is this page: a loop, or a broken server */
        }
        if (s->next && (s->next_len != n || memcmp(s->next, uri, n) != 0)) {
            s->clash = true;
        }
        s->next = uri;
        s->next_len = n;
    }
}

static int link_result(const struct link_scan *s, char **ret)
{
    if (s->clash) {
        return -EBADMSG;
    }
    if (!s->next) {
        return -ENOENT;
    }
    *ret = zt_xstrndup(s->next, s->next_len);
    return 0;
}

int zt_http_link_next(const char *value, char **ret)
{
    struct link_scan s = {0};
    int r = link_scan(value, value + strlen(value), &s);
    return r < 0 ? r : link_result(&s, ret);
}

/* Length of the line break at p (CRLF, CR or LF), 0 when there is none. */
static size_t eol_len(const char *p)
{
    return p[0] == '\r' && p[1] == '\n' ? 2 : p[0] == '\r' || p[0] == '\n' ? 1 : 0;
}

int zt_http_headers_link_next(const char *block, char **ret)
{
    struct link_scan s = {0};

    for (const char *p = block; p && *p;) {
        const char *end = p + strcspn(p, "\r\n");
        bool link = end - p >= 5 && strncasecmp(p, "Link:", 5) == 0;
        /* obs-fold: a line that begins with a space or tab continues the field */
        while (*end && (end[eol_len(end)] == ' ' || end[eol_len(end)] == '\t')) {
            end += eol_len(end);
            end += strcspn(end, "\r\n");
        }
        if (link) {
            int r = link_scan(p + 5, end, &s);
            if (r < 0) {
                return r;
            }
        }
        p = *end ? end + eol_len(end) : NULL;
    }
    return link_result(&s, ret);
}

struct json_object *zt_http_json_path(struct json_object *o, const char *path)
{
    char key[128];

    while (o && *path) {
        size_t n = strcspn(path, ".");
        if (n >= sizeof(key) || !json_object_is_type(o, json_type_object)) {
            return NULL;
        }
        memcpy(key, path, n);
        key[n] = '\0';
        if (!json_object_object_get_ex(o, key, &o)) {
            return NULL;
        }
        path += n + (path[n] == '.');
    }
    return o;
}

const char *zt_http_method_to_string(enum zt_http_method m)
{
    static const char *const names[_ZT_HTTP_METHOD_MAX] = {
        [ZT_HTTP_GET] = "GET",     [ZT_HTTP_POST] = "POST",     [ZT_HTTP_PUT] = "PUT",
        [ZT_HTTP_PATCH] = "PATCH", [ZT_HTTP_DELETE] = "DELETE",
    };
    return (unsigned)m < _ZT_HTTP_METHOD_MAX ? names[m] : NULL;
}

const char *zt_http_header_value(const char *block, const char *name, char *buf, size_t len)
{
    size_t n = strlen(name);

    for (const char *p = block; p && *p;) {
        const char *eol = strpbrk(p, "\r\n");
        size_t line = eol ? (size_t)(eol - p) : strlen(p);
        if (line > n && p[n] == ':' && strncasecmp(p, name, n) == 0) {
            const char *v = p + n + 1;
            while (*v == ' ' || *v == '\t') {
                v++;
            }
            size_t vl = line - (size_t)(v - p);
            while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t')) {
                vl--;
            }
            snprintf(buf, len, "%.*s", (int)vl, v);
            return buf;
        }
        p = eol ? eol + strspn(eol, "\r\n") : NULL;
    }
    return NULL;
}
