/* http_url.c - pure URL helpers of the HTTP engine: percent-encoding, query editing, origins,
 * resolving a relative next link, redaction for messages. No I/O. */
#include "http.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util.h"

/* Length of the scheme of an absolute URI ("https" of https://...), 0 when ref has none. */
static size_t scheme_len(const char *ref)
{
    size_t n = 0;
    if (!isalpha((unsigned char)ref[0])) {
        return 0;
    }
    while (isalnum((unsigned char)ref[n]) || ref[n] == '+' || ref[n] == '-' || ref[n] == '.') {
        n++;
    }
    return ref[n] == ':' ? n : 0;
}

char *zt_http_url_resolve(const char *base, const char *ref)
{
    size_t s = scheme_len(base);
    if (scheme_len(ref)) {
        return zt_xstrdup(ref);
    }
    if (!s || strncmp(base + s, "://", 3) != 0) {
        return NULL;
    }
    const char *path = base + s + 3 + strcspn(base + s + 3, "/?#");
    size_t keep;
    if (ref[0] == '/' && ref[1] == '/') {
        keep = s + 1; /* network-path reference: the base's scheme only */
    } else if (ref[0] == '/') {
        keep = (size_t)(path - base);
    } else if (ref[0] == '?') {
        keep = (size_t)(path - base) + strcspn(path, "?#");
    } else if (ref[0] == '#' || ref[0] == '\0') {
        keep = strcspn(base, "#");
        ref = "";
    } else { /* a relative path: merged with the base's directory (RFC 3986 5.2.3) */
        size_t path_len = strcspn(path, "?#");
        while (path_len && path[path_len - 1] != '/') {
            path_len--;
        }
        keep = (size_t)(path - base) + path_len;
        if (!path_len) {
            return zt_xasprintf("%.*s/%s", (int)keep, base, ref);
        }
    }
    return zt_xasprintf("%.*s%s", (int)keep, base, ref);
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

bool zt_http_url_identity_local(const char *url)
{
    if (strncasecmp(url, "http://", 7) != 0) {
        return false;
    }
    const char *host = url + 7;
    size_t n = strcspn(host, "/?#");
    if (memchr(host, '@', n)) {
        return false;
    }
    if (n >= 5 && strncmp(host, "[::1]", 5) == 0) {
        return n == 5 || host[5] == ':';
    }
    n = strcspn(host, ":/?#"); /* the host without its port */
    char name[64];
    if (n == 0 || n >= sizeof(name)) {
        return false;
    }
    memcpy(name, host, n);
    name[n] = '\0';
    struct in_addr a;
    if (strcasecmp(name, "localhost") == 0) {
        return true;
    }
    if (inet_pton(AF_INET, name, &a) != 1) {
        return false;
    }
    uint32_t ip = ntohl(a.s_addr);
    return ip == 0xa9fea9feu /* 169.254.169.254 */ || (ip >> 24) == 127;
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

bool zt_http_credential_host(const char *url)
{
    static const char *const hosts[] = {
        "localhost",     "[::1]",          "169.254.169.254", "[fd00:ec2::254]",
        "169.254.170.2", "169.254.170.23", "[fd00:ec2::23]",  NULL};
    if (strncasecmp(url, "http://", 7) != 0) {
        return false;
    }
    const char *h = url + 7;
    size_t auth = strcspn(h, "/?#");
    if (memchr(h, '@', auth)) {
        return false;
    }
    size_t n = h[0] == '[' ? strcspn(h, "]/?#") + 1 : strcspn(h, ":/?#");
    if (n > auth || (h[n] != '\0' && !strchr(":/?#", h[n]))) {
        return false;
    }
    for (size_t i = 0; hosts[i]; i++) {
        if (strlen(hosts[i]) == n && strncasecmp(h, hosts[i], n) == 0) {
            return true;
        }
    }
    unsigned a, b, c, d;
    char end;
    _cleanup_free_ char *host = zt_xstrndup(h, n);
    return sscanf(host, "%u.%u.%u.%u%c", &a, &b, &c, &d, &end) == 4 && a == 127 && b < 256 &&
           c < 256 && d < 256 && strspn(host, "0123456789.") == n;
}
