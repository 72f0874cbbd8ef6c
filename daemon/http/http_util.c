/* http_util.c - pure helpers of the HTTP engine: header parsing (Retry-After, HTTP-date, Link),
 * URL redaction and editing, JSON paths. No I/O, so the fuzzers link this file alone. */
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
        *ret_ms = sec * 1000;
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
    *ret_ms = (uint64_t)delta * 1000;
    return 0;
}

/* Does the rel parameter value (unquoted, may list several space-separated types) say next? */
static bool rel_has_next(const char *v, size_t n)
{
    size_t i = 0;
    while (i < n) {
        while (i < n && v[i] == ' ') {
            i++;
        }
        size_t s = i;
        while (i < n && v[i] != ' ') {
            i++;
        }
        if (i - s == 4 && strncasecmp(v + s, "next", 4) == 0) {
            return true;
        }
    }
    return false;
}

/* Parse "; name=value; name="value"" up to the next top-level comma; sets *next if rel has next.
 * Returns the position after the parameters. */
static const char *link_params(const char *p, bool *next)
{
    while (*p && *p != ',') {
        while (*p == ';' || *p == ' ' || *p == '\t') {
            p++;
        }
        const char *name = p;
        while (*p && *p != '=' && *p != ';' && *p != ',') {
            p++;
        }
        size_t name_len = (size_t)(p - name);
        while (name_len && name[name_len - 1] == ' ') {
            name_len--;
        }
        if (*p != '=') {
            continue;
        }
        p++;
        while (*p == ' ') {
            p++;
        }
        const char *val = p;
        if (*p == '"') {
            val = ++p;
            while (*p && *p != '"') {
                p++;
            }
        } else {
            while (*p && *p != ';' && *p != ',' && *p != ' ') {
                p++;
            }
        }
        if (name_len == 3 && strncasecmp(name, "rel", 3) == 0 &&
            rel_has_next(val, (size_t)(p - val))) {
            *next = true;
        }
        if (*p == '"') {
            p++;
        }
    }
    return p;
}

int zt_http_link_next(const char *value, char **ret)
{
    const char *p = value;

    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ',') {
            p++;
        }
        if (*p != '<') {
            /* Not a link-value: skip to the next comma. */
            while (*p && *p != ',') {
                p++;
            }
            continue;
        }
        const char *url = ++p;
        const char *end = strchr(p, '>');
        if (!end) {
            return -ENOENT;
        }
        bool next = false;
        p = link_params(end + 1, &next);
        if (next && end > url) {
            *ret = zt_xstrndup(url, (size_t)(end - url));
            return 0;
        }
    }
    return -ENOENT;
}

char *zt_http_urlencode(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(s);
    char *out = zt_xmalloc(n * 3 + 1), *o = out;

    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            *o++ = (char)c;
        } else {
            *o++ = '%';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        }
    }
    *o = '\0';
    return out;
}

static bool param_is(const char *p, size_t n, const char *name)
{
    size_t k = strcspn(p, "=&");
    return k <= n && k == strlen(name) && strncmp(p, name, k) == 0;
}

char *zt_http_url_set_param(const char *url, const char *name, const char *value)
{
    size_t base_len = strcspn(url, "?#");
    const char *q = url[base_len] == '?' ? url + base_len + 1 : "";
    size_t q_len = strcspn(q, "#");
    _cleanup_free_ char *enc = zt_http_urlencode(value);
    char *out = zt_xmalloc(strlen(url) + strlen(name) + strlen(enc) + 3);
    size_t o = base_len;
    char sep = '?';

    memcpy(out, url, base_len);
    for (size_t i = 0; i < q_len;) {
        size_t n = strcspn(q + i, "&#");
        if (n > 0 && !param_is(q + i, n, name)) {
            out[o++] = sep;
            memcpy(out + o, q + i, n);
            o += n;
            sep = '&';
        }
        i += n + 1; /* past the '&' (or past the end: the loop stops) */
    }
    o += (size_t)sprintf(out + o, "%c%s=%s", sep, name, enc);
    out[o] = '\0';
    return out;
}

char *zt_http_url_origin(const char *url, char *buf, size_t len)
{
    const char *sep = strstr(url, "://");
    if (!sep || sep == url || len == 0) {
        return NULL;
    }
    const char *auth = sep + 3;
    size_t auth_len = strcspn(auth, "/?#");
    const char *at = memchr(auth, '@', auth_len);
    if (at) {
        auth_len -= (size_t)(at + 1 - auth);
        auth = at + 1;
    }
    if (auth_len >= 4 && strncmp(auth + auth_len - 4, ":443", 4) == 0) {
        auth_len -= 4;
    }
    if (auth_len == 0) {
        return NULL;
    }
    int n = snprintf(buf, len, "%.*s://%.*s", (int)(sep - url), url, (int)auth_len, auth);
    if (n < 0 || (size_t)n >= len) {
        return NULL;
    }
    for (char *c = buf; *c; c++) {
        *c = (char)tolower((unsigned char)*c);
    }
    return buf;
}

static bool name_is_secret(const char *name, size_t n)
{
    static const char *const words[] = {"token",    "secret",     "key",    "sig",
                                        "password", "passwd",     "code",   "assertion",
                                        "auth",     "credential", "session"};
    char low[64];
    if (n >= sizeof(low)) {
        return true;
    }
    for (size_t i = 0; i < n; i++) {
        low[i] = (char)tolower((unsigned char)name[i]);
    }
    low[n] = '\0';
    for (size_t i = 0; i < ZT_ELEMENTSOF(words); i++) {
        if (strstr(low, words[i])) {
            return true;
        }
    }
    return false;
}

/* Append n bytes of s to buf (length len, used *o), truncating. */
static void put(char *buf, size_t len, size_t *o, const char *s, size_t n)
{
    if (*o + 1 >= len) {
        return;
    }
    if (n > len - 1 - *o) {
        n = len - 1 - *o;
    }
    memcpy(buf + *o, s, n);
    *o += n;
    buf[*o] = '\0';
}

char *zt_http_redact_url(const char *url, char *buf, size_t len)
{
    size_t o = 0;
    const char *sep = strstr(url, "://");
    const char *p = sep ? sep + 3 : url;
    size_t auth_len = strcspn(p, "/?#");
    const char *at = memchr(p, '@', auth_len);

    if (len == 0) {
        return buf;
    }
    buf[0] = '\0';
    put(buf, len, &o, url, (size_t)(p - url));
    if (at) {
        p = at + 1;
    }
    size_t path_len = strcspn(p, "?#");
    put(buf, len, &o, p, path_len);
    p += path_len;
    if (*p != '?') {
        return buf;
    }
    bool first = true;
    for (p++; *p && *p != '#';) {
        size_t n = strcspn(p, "&#");
        size_t name_len = strcspn(p, "=&#");
        put(buf, len, &o, first ? "?" : "&", 1);
        first = false;
        if (name_len < n && name_is_secret(p, name_len)) {
            put(buf, len, &o, p, name_len);
            put(buf, len, &o, "=REDACTED", 9);
        } else {
            put(buf, len, &o, p, n);
        }
        p += n;
        if (*p == '&') {
            p++;
        }
    }
    return buf;
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
