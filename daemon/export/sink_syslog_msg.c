/* sink_syslog_msg.c - the syslog sink's url, facility and severity, and its RFC 5424 messages
 * and octet-counting frames: pure functions, tested on strings and fuzzed (the url). */
#include "sink_syslog.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

#define APP_NAME "ztmmd"

const char *zt_syslog_transport_to_string(enum zt_syslog_transport t)
{
    static const char *const names[_ZT_SYSLOG_TRANSPORT_MAX] = {
        [ZT_SYSLOG_UDP] = "udp",
        [ZT_SYSLOG_TCP] = "tcp",
        [ZT_SYSLOG_TLS] = "tls",
    };
    return t >= 0 && t < _ZT_SYSLOG_TRANSPORT_MAX ? names[t] : NULL;
}

/* ---- url ------------------------------------------------------------------------------------ */

static bool name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_';
}

static int url_err(char *err, size_t errlen, const char *url, const char *why)
{
    snprintf(err, errlen,
             "'url' must be udp://HOST[:PORT], tcp://HOST[:PORT] or tls://HOST[:PORT], got "
             "'%.200s': %s",
             url, why);
    return -EINVAL;
}

/* The host part of s, up to the end or its port's ':'; *rest past it. */
static int url_host(const char *url, const char *s, struct zt_syslog_url *u, const char **rest,
                    char *err, size_t errlen)
{
    unsigned char addr[sizeof(struct in6_addr)];
    size_t len;

    if (*s == '[') {
        const char *end = strchr(s, ']');
        len = end ? (size_t)(end - s - 1) : 0;
        if (!end || len == 0 || len >= sizeof(u->host)) {
            return url_err(err, errlen, url, "an IPv6 address is written [ADDRESS]");
        }
        memcpy(u->host, s + 1, len);
        u->host[len] = '\0';
        if (inet_pton(AF_INET6, u->host, addr) != 1) {
            return url_err(err, errlen, url, "not an IPv6 address between the brackets");
        }
        u->literal = true;
        *rest = end + 1;
        return 0;
    }
    for (len = 0; s[len] && s[len] != ':'; len++) {
        if (!name_char(s[len])) {
            return url_err(err, errlen, url,
                           s[len] == '/' || s[len] == '?' || s[len] == '@'
                               ? "no user, path or query: only a host and a port"
                               : "the host holds a character a host name cannot have");
        }
    }
    if (len == 0 || len > ZT_SYSLOG_HOST_MAX) {
        return url_err(err, errlen, url, len ? "the host name is too long" : "no host");
    }
    memcpy(u->host, s, len);
    u->host[len] = '\0';
    u->literal = inet_pton(AF_INET, u->host, addr) == 1;
    *rest = s + len;
    return 0;
}

int zt_syslog_url_parse(const char *url, struct zt_syslog_url *ret, char *err, size_t errlen)
{
    static const uint16_t default_port[_ZT_SYSLOG_TRANSPORT_MAX] = {514, 601, 6514};
    struct zt_syslog_url u = {0};
    const char *s = NULL, *rest = NULL;

    if (!url) {
        return url_err(err, errlen, "", "missing");
    }
    for (int t = 0; t < _ZT_SYSLOG_TRANSPORT_MAX && !s; t++) {
        const char *name = zt_syslog_transport_to_string((enum zt_syslog_transport)t);
        size_t n = strlen(name);
        if (strncmp(url, name, n) == 0 && strncmp(url + n, "://", 3) == 0) {
            u.transport = (enum zt_syslog_transport)t;
            s = url + n + 3;
        }
    }
    if (!s) {
        return url_err(err, errlen, url, "unknown scheme");
    }
    int r = url_host(url, s, &u, &rest, err, errlen);
    if (r < 0) {
        return r;
    }
    u.port = default_port[u.transport];
    if (*rest == ':') {
        unsigned long port = 0;
        size_t i = 1;
        for (; rest[i] >= '0' && rest[i] <= '9' && port <= 65535; i++) {
            port = port * 10 + (unsigned long)(rest[i] - '0');
        }
        if (i == 1 || rest[i] || port == 0 || port > 65535) {
            return url_err(err, errlen, url,
                           rest[i] && port <= 65535 ? "nothing may follow the port"
                                                    : "the port must be 1-65535");
        }
        u.port = (uint16_t)port;
    } else if (*rest) {
        return url_err(err, errlen, url, "nothing may follow the host but :PORT");
    }
    *ret = u;
    return 0;
}

/* ---- facility and severity ------------------------------------------------------------------ */

int zt_syslog_facility_from_string(const char *name)
{
    static const char *const names[] = {
        "kern", "user", "mail",     "daemon", "auth", "syslog",   "lpr",     "news",
        "uucp", "cron", "authpriv", "ftp",    "ntp",  "security", "console", "clock",
    };
    for (size_t i = 0; name && i < ZT_ELEMENTSOF(names); i++) {
        if (zt_streq(name, names[i])) {
            return (int)i;
        }
    }
    if (name && zt_startswith(name, "local") && name[5] >= '0' && name[5] <= '7' && !name[6]) {
        return 16 + (name[5] - '0');
    }
    return -EINVAL;
}

int zt_syslog_severity(int ocsf_severity_id)
{
    switch (ocsf_severity_id) {
    case 4:
        return 3; /* err */
    case 3:
        return 4; /* warning */
    case 2:
        return 5; /* notice */
    case 0:
    case 1:
        return 6; /* info */
    default:
        return ocsf_severity_id > 4 ? 2 : 6; /* crit */
    }
}

/* ---- messages ------------------------------------------------------------------------------- */

void zt_syslog_buf_reserve(struct zt_syslog_buf *b, size_t more)
{
    if (b->n + more > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->n + more) {
            cap *= 2;
        }
        b->p = zt_xrealloc(b->p, cap);
        b->cap = cap;
    }
}

void zt_syslog_buf_done(struct zt_syslog_buf *b)
{
    free(b->p);
    *b = (struct zt_syslog_buf){0};
}

static void put(struct zt_syslog_buf *b, const char *s, size_t len)
{
    zt_syslog_buf_reserve(b, len);
    memcpy(b->p + b->n, s, len);
    b->n += len;
}

/* A header field: 1 to max characters of PRINTUSASCII (others become '_'), or "-" when empty. */
static void put_field(struct zt_syslog_buf *b, const char *s, size_t max)
{
    size_t len = s ? strnlen(s, max) : 0;

    if (len == 0) {
        put(b, "-", 1);
        return;
    }
    zt_syslog_buf_reserve(b, len + 1);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        b->p[b->n++] = c >= 33 && c <= 126 ? (char)c : '_';
    }
}

/* SP PARAM-NAME="PARAM-VALUE", the value's '"', '\' and ']' escaped with a backslash. */
static void put_param(struct zt_syslog_buf *b, const char *name, const char *v)
{
    if (!v) {
        return;
    }
    size_t len = strlen(v), nlen = strlen(name);
    zt_syslog_buf_reserve(b, nlen + 4 + 2 * len);
    b->p[b->n++] = ' ';
    memcpy(b->p + b->n, name, nlen);
    b->n += nlen;
    b->p[b->n++] = '=';
    b->p[b->n++] = '"';
    for (size_t i = 0; i < len; i++) {
        if (v[i] == '"' || v[i] == '\\' || v[i] == ']') {
            b->p[b->n++] = '\\';
        }
        b->p[b->n++] = v[i];
    }
    b->p[b->n++] = '"';
}

size_t zt_syslog_append(struct zt_syslog_buf *b, const struct zt_sink_event *ev,
                        const struct zt_syslog_header *h, bool framed)
{
    enum { LEN_ROOM = 12 }; /* "LEN SP": a frame is far shorter than 10^11 bytes */
    char pri[16], ts[40];
    size_t start = b->n;

    if (framed) {
        zt_syslog_buf_reserve(b, LEN_ROOM);
        b->n += LEN_ROOM;
    }
    size_t msg = b->n;
    snprintf(pri, sizeof(pri), "<%d>1 ", h->facility * 8 + zt_syslog_severity(ev->severity));
    put(b, pri, strlen(pri));
    zt_format_rfc3339(ev->time_usec, ts, sizeof(ts));
    put(b, ts, strlen(ts));
    put(b, " ", 1);
    put_field(b, ev->host && ev->host[0] ? ev->host : h->hostname, 255);
    put(b, " " APP_NAME " ", strlen(APP_NAME) + 2);
    put_field(b, h->procid, 128);
    put(b, " ", 1);
    put_field(b, ev->kind, 32);
    put(b, " [" ZT_SYSLOG_SD_ID, strlen(ZT_SYSLOG_SD_ID) + 2);
    put_param(b, "id", ev->id);
    put_param(b, "function", ev->function);
    put_param(b, "stage", ev->stage);
    put(b, "] ", 2);
    if (framed) {
        /* The header moves back over the room the octet count did not need; MSG follows it. */
        char len[LEN_ROOM + 1];
        size_t hdr = b->n - msg;
        int k = snprintf(len, sizeof(len), "%zu ", hdr + ev->len);
        memmove(b->p + start + k, b->p + msg, hdr);
        memcpy(b->p + start, len, (size_t)k);
        b->n = start + (size_t)k + hdr;
    }
    put(b, ev->text, ev->len);
    return b->n - start;
}
